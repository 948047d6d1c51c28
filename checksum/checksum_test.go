package checksum

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// Known answers. The "123456789" values are the CRC catalogue check values
// (CRC-32/ISO-HDLC, CRC-32/ISCSI, CRC-64/NVME); "Hello world" CRC32 and
// SHA256 are the values of the AWS S3 user guide and the aws-sdk-go-v2
// aws-chunked example; the 66560 'a' CRC32C is the trailer of the AWS
// sigv4-streaming-trailers example; the 32 zero bytes CRC64NVME is the NVMe
// specification's example; the SHA vectors are FIPS 180 "abc".
var vectors = []struct {
	alg  Algorithm
	data string
	hex  string // big-endian raw digest
	b64  string // optional: the value as S3 sends it
}{
	{CRC32, "123456789", "cbf43926", ""},
	{CRC32, "Hello world", "8bd69e52", "i9aeUg=="},
	{CRC32, "", "00000000", "AAAAAA=="},
	{CRC32C, "123456789", "e3069283", ""},
	{CRC32C, strings.Repeat("a", 66560), "b0e3bcfd", "sOO8/Q=="},
	{CRC64NVME, "123456789", "ae8b14860a799888", ""},
	{CRC64NVME, string(make([]byte, 32)), "cf3473434d4ecf3b", ""},
	{CRC64NVME, "", "0000000000000000", "AAAAAAAAAAA="},
	{SHA1, "abc", "a9993e364706816aba3e25717850c26c9cd0d89d", ""},
	{SHA1, "Hello world", "7b502c3a1f48c8609ae212cdfb639dee39673f5e", "e1AsOh9IyGCa4hLN+2Od7jlnP14="},
	{SHA256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ""},
	{SHA256, "Hello world", "64ec88ca00b268e5ba1a35678a1b5316d212f4f366b2477232534a8aeca37f3c", "ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw="},
}

func TestVectors(t *testing.T) {
	for _, v := range vectors {
		want, _ := hex.DecodeString(v.hex)
		h := v.alg.New()
		// Feed in two pieces: streaming must give the one-shot answer.
		h.Write([]byte(v.data[:len(v.data)/2]))
		h.Write([]byte(v.data[len(v.data)/2:]))
		got := h.Sum(nil)
		if !bytes.Equal(got, want) {
			t.Errorf("%s(%.20q) = %x, want %s", v.alg, v.data, got, v.hex)
		}
		if len(got) != v.alg.Size() || h.Size() != v.alg.Size() {
			t.Errorf("%s: Size %d, hash size %d, digest %d bytes", v.alg, v.alg.Size(), h.Size(), len(got))
		}
		if !bytes.Equal(v.alg.Sum([]byte(v.data)), want) {
			t.Errorf("%s.Sum differs from New", v.alg)
		}
		if v.b64 != "" {
			if e := Encode(got); e != v.b64 {
				t.Errorf("%s(%.20q) encodes to %s, want %s", v.alg, v.data, e, v.b64)
			}
			dec, err := v.alg.Decode(v.b64)
			if err != nil || !bytes.Equal(dec, want) {
				t.Errorf("%s.Decode(%s) = %x, %v", v.alg, v.b64, dec, err)
			}
		}
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Algorithm
		ok   bool
	}{
		{"crc32", CRC32, true},
		{"CRC32", CRC32, true},
		{"Crc32C", CRC32C, true},
		{"crc64nvme", CRC64NVME, true},
		{"sha1", SHA1, true},
		{"SHA256", SHA256, true},
		{"sha-256", "", false},
		{"md5", "", false},
		{"", "", false},
		{"crc32 ", "", false},
	} {
		got, ok := Parse(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Parse(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestHeaders(t *testing.T) {
	want := map[Algorithm]string{
		CRC32:     "x-amz-checksum-crc32",
		CRC32C:    "x-amz-checksum-crc32c",
		CRC64NVME: "x-amz-checksum-crc64nvme",
		SHA1:      "x-amz-checksum-sha1",
		SHA256:    "x-amz-checksum-sha256",
	}
	if got := All(); len(got) != len(want) {
		t.Fatalf("All() = %v", got)
	}
	for _, a := range All() {
		if a.Header() != want[a] {
			t.Errorf("%s.Header() = %q, want %q", a, a.Header(), want[a])
		}
		if !a.Valid() {
			t.Errorf("%s not Valid", a)
		}
		for _, name := range []string{want[a], strings.ToUpper(want[a]), "X-Amz-Checksum-" + strings.ToLower(string(a))} {
			if got, ok := FromHeader(name); !ok || got != a {
				t.Errorf("FromHeader(%q) = %q, %v", name, got, ok)
			}
		}
	}
	for _, name := range []string{"x-amz-checksum-algorithm", "x-amz-checksum-type", "x-amz-checksum-mode",
		"x-amz-checksum-", "x-amz-checksum", "x-amz-crc32", "content-md5", "x-amz-checksum-md5"} {
		if got, ok := FromHeader(name); ok {
			t.Errorf("FromHeader(%q) = %q, want none", name, got)
		}
	}
	for _, a := range []Algorithm{"", "crc32", "MD5"} {
		if a.Valid() || a.New() != nil || a.Size() != 0 || a.Sum(nil) != nil || Composite(a, nil) != "" {
			t.Errorf("%q behaves as a known algorithm", a)
		}
	}
}

func TestDecodeStrict(t *testing.T) {
	good := Encode(SHA256.Sum([]byte("x")))
	for _, tc := range []struct {
		alg Algorithm
		in  string
	}{
		{CRC32, "i9aeUg="},      // missing padding
		{CRC32, "i9aeUg"},       // no padding
		{CRC32, "i9aeUg==="},    // extra padding
		{CRC32, "i9ae Ug=="},    // whitespace
		{CRC32, "i9aeUh=="},     // non-zero trailing bits (not canonical)
		{CRC32, "AAAAAAAAAAA="}, // 8 bytes for a 4-byte algorithm
		{CRC64NVME, "i9aeUg=="}, // 4 bytes for an 8-byte algorithm
		{CRC32C, "i9ae-g=="},    // URL alphabet
		{SHA256, good[:len(good)-1]},
		{SHA1, good},
		{CRC32, ""},
		{"MD5", "i9aeUg=="},
	} {
		if _, err := tc.alg.Decode(tc.in); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s.Decode(%q) = %v, want ErrInvalid", tc.alg, tc.in, err)
		}
	}
	if _, err := SHA256.Decode(good); err != nil {
		t.Errorf("valid SHA256 value refused: %v", err)
	}
}

// TestComposite checks the COMPOSITE construction against an independent
// computation: SHA-256 over the concatenated raw part digests, and CRC32 of
// the concatenated big-endian part CRCs.
func TestComposite(t *testing.T) {
	p1, p2 := sha256.Sum256([]byte("part one")), sha256.Sum256([]byte("part two"))
	outer := sha256.Sum256(append(p1[:], p2[:]...))
	want := base64.StdEncoding.EncodeToString(outer[:]) + "-2"
	if got := Composite(SHA256, [][]byte{p1[:], p2[:]}); got != want {
		t.Errorf("Composite(SHA256) = %s, want %s", got, want)
	}
	// Order matters.
	if got := Composite(SHA256, [][]byte{p2[:], p1[:]}); got == want {
		t.Error("Composite ignores part order")
	}

	// CRC32 of "Hello world" is 0x8bd69e52; the composite of the single part
	// is CRC32 of those four bytes.
	part := []byte{0x8b, 0xd6, 0x9e, 0x52}
	var outerCRC [4]byte
	binary.BigEndian.PutUint32(outerCRC[:], crc32Of(part))
	if got, want := Composite(CRC32, [][]byte{part}), base64.StdEncoding.EncodeToString(outerCRC[:])+"-1"; got != want {
		t.Errorf("Composite(CRC32) = %s, want %s", got, want)
	}
}

// crc32Of is a bitwise CRC-32/ISO-HDLC, independent of hash/crc32.
func crc32Of(b []byte) uint32 {
	c := ^uint32(0)
	for _, x := range b {
		c ^= uint32(x)
		for range 8 {
			if c&1 != 0 {
				c = c>>1 ^ 0xedb88320
			} else {
				c >>= 1
			}
		}
	}
	return ^c
}
