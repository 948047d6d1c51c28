package sigv4

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/amphora-s3/amphora/checksum"
)

// chunkedFixture signs a PUT for mode and encodes data with EncodeChunked.
type chunkedFixture struct {
	mode ChunkMode
	data []byte
	seed Result
	body []byte
	p    ChunkParams
}

func newChunked(t testing.TB, mode ChunkMode, data []byte, chunkSize int, withTrailer bool) *chunkedFixture {
	t.Helper()
	r := httptest.NewRequest("PUT", "/b/k", nil)
	r.Header.Set("Content-Encoding", "aws-chunked")
	r.Header.Set("X-Amz-Decoded-Content-Length", fmt.Sprint(len(data)))
	var tr http.Header
	var names []string
	if withTrailer {
		tr = http.Header{}
		tr.Set(checksum.CRC32C.Header(), checksum.Encode(checksum.CRC32C.Sum(data)))
		names = []string{checksum.CRC32C.Header()}
		r.Header.Set("X-Amz-Trailer", names[0])
	}
	seed := SignRequest(r, exampleAccessKey, exampleSecret, "us-east-1", now, mode.String())
	var b bytes.Buffer
	if err := EncodeChunked(&b, data, chunkSize, mode, seed, tr); err != nil {
		t.Fatal(err)
	}
	if mode.signed() {
		res, err := Verify(r, opts())
		if err != nil {
			t.Fatalf("seed: %v", err)
		}
		seed = res
	}
	return &chunkedFixture{mode, data, seed, b.Bytes(),
		ChunkParams{Mode: mode, DecodedLength: int64(len(data)), Result: seed, Trailers: names}}
}

// readExactly reads DecodedLength bytes the way the store does.
func (f *chunkedFixture) readExactly(body []byte, oneByte bool) ([]byte, *ChunkedReader, error) {
	cr := NewChunkedReader(bytes.NewReader(body), f.p)
	var rd io.Reader = cr
	if oneByte {
		rd = iotest.OneByteReader(cr)
	}
	got := make([]byte, len(f.data))
	n, err := io.ReadFull(rd, got)
	return got[:n], cr, err
}

func payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func TestChunkedRoundTrip(t *testing.T) {
	for _, mode := range []ChunkMode{Signed, SignedTrailer, UnsignedTrailer} {
		for _, size := range []int{0, 1, 99, 100, 101, 350} {
			f := newChunked(t, mode, payload(size), 100, mode != Signed)
			for _, oneByte := range []bool{false, true} {
				got, cr, err := f.readExactly(f.body, oneByte)
				if err != nil || !bytes.Equal(got, f.data) {
					t.Fatalf("%v size %d: %v", mode, size, err)
				}
				if size == 0 && cr.Trailers() != nil {
					t.Errorf("%v: Trailers before Finish of an empty payload", mode)
				}
				if err := cr.Finish(); err != nil {
					t.Errorf("%v size %d: Finish: %v", mode, size, err)
				}
				if mode != Signed && cr.Trailers().Get("x-amz-checksum-crc32c") != checksum.Encode(checksum.CRC32C.Sum(f.data)) {
					t.Errorf("%v size %d: trailers %v", mode, size, cr.Trailers())
				}
				if n, err := cr.Read(make([]byte, 10)); n != 0 || err != io.EOF {
					t.Errorf("%v size %d: after payload %d %v", mode, size, n, err)
				}
			}
			all, err := io.ReadAll(NewChunkedReader(iotest.HalfReader(bytes.NewReader(f.body)), f.p))
			if err != nil || !bytes.Equal(all, f.data) {
				t.Errorf("%v size %d: ReadAll over a slow body: %v", mode, size, err)
			}
		}
	}
}

// TestChunkedLastByteGuarantee: whatever is wrong after the payload, a
// consumer reading exactly DecodedLength bytes sees the error.
func TestChunkedLastByteGuarantee(t *testing.T) {
	type edit func(body []byte, f *chunkedFixture) []byte
	replace := func(old, new string) edit {
		return func(b []byte, _ *chunkedFixture) []byte {
			i := bytes.LastIndex(b, []byte(old))
			if i < 0 {
				panic("fixture lacks " + old)
			}
			return append(append(append([]byte{}, b[:i]...), new...), b[i+len(old):]...)
		}
	}
	flipLastSig := func(b []byte, _ *chunkedFixture) []byte { // last chunk-signature before "0;"
		c := append([]byte{}, b...)
		i := bytes.LastIndex(c, []byte(";chunk-signature="))
		i = bytes.LastIndex(c[:i], []byte(";chunk-signature=")) + 20
		c[i] = flipHex(c[i])
		return c
	}
	cases := []struct {
		name string
		mode ChunkMode
		edit edit
		want error
	}{
		{"last data chunk signature", Signed, flipLastSig, ErrChunkSignatureMismatch},
		{"last data byte", Signed, func(b []byte, f *chunkedFixture) []byte {
			c := append([]byte{}, b...)
			c[bytes.LastIndex(c, []byte("\r\n0;"))-1] ^= 1
			return c
		}, ErrChunkSignatureMismatch},
		{"final chunk signature", Signed, func(b []byte, _ *chunkedFixture) []byte {
			c := append([]byte{}, b...)
			i := bytes.LastIndex(c, []byte("0;chunk-signature=")) + 20
			c[i] = flipHex(c[i])
			return c
		}, ErrChunkSignatureMismatch},
		{"final chunk missing", Signed, func(b []byte, _ *chunkedFixture) []byte { return b[:bytes.LastIndex(b, []byte("0;"))] }, io.ErrUnexpectedEOF},
		{"final CRLF missing", Signed, func(b []byte, _ *chunkedFixture) []byte { return b[:len(b)-2] }, io.ErrUnexpectedEOF},
		{"final line not empty", Signed, replace("\r\n\r\n", "\r\nx\r\n"), ErrMalformedChunk},
		{"data after the end", Signed, func(b []byte, _ *chunkedFixture) []byte { return append(append([]byte{}, b...), "xyz"...) }, ErrMalformedChunk},
		{"more data than declared", Signed, func(b []byte, f *chunkedFixture) []byte {
			var g bytes.Buffer // validly signed chunks of one more byte
			if err := EncodeChunked(&g, append(append([]byte{}, f.data...), 'z'), 100, Signed, f.seed, nil); err != nil {
				panic(err)
			}
			return g.Bytes()
		}, ErrDecodedLengthMismatch},
		{"trailer signature", SignedTrailer, func(b []byte, _ *chunkedFixture) []byte {
			c := append([]byte{}, b...)
			c[bytes.LastIndex(c, []byte("x-amz-trailer-signature:"))+30] ^= 1
			return c
		}, ErrChunkSignatureMismatch},
		{"trailer value", SignedTrailer, func(b []byte, _ *chunkedFixture) []byte {
			c := append([]byte{}, b...)
			c[bytes.Index(c, []byte("x-amz-checksum-crc32c:"))+23] ^= 1
			return c
		}, ErrChunkSignatureMismatch},
		{"trailer signature missing", SignedTrailer, func(b []byte, _ *chunkedFixture) []byte {
			i := bytes.LastIndex(b, []byte("x-amz-trailer-signature:"))
			return append(append([]byte{}, b[:i]...), "\r\n"...)
		}, ErrTrailer},
		{"trailer missing", UnsignedTrailer, replace("x-amz-checksum-crc32c:", "x-amz-checksum-crc32:"), ErrTrailer},
		{"trailer absent", UnsignedTrailer, func(b []byte, _ *chunkedFixture) []byte {
			i := bytes.Index(b, []byte("x-amz-checksum-crc32c:"))
			return append(append([]byte{}, b[:i]...), "\r\n"...)
		}, ErrTrailer},
		{"signed trailer absent", SignedTrailer, func(b []byte, f *chunkedFixture) []byte {
			i := bytes.Index(b, []byte("x-amz-checksum-crc32c:"))
			sig := trailerSign(f.seed, lastChunkSig(b), "")
			return append(append([]byte{}, b[:i]...), "x-amz-trailer-signature:"+sig+"\r\n\r\n"...)
		}, ErrTrailer},
		{"trailer repeated", UnsignedTrailer, func(b []byte, _ *chunkedFixture) []byte {
			i := bytes.Index(b, []byte("x-amz-checksum-crc32c:"))
			line := b[i : bytes.Index(b[i:], []byte("\n"))+i+1]
			return append(append(append([]byte{}, b[:i]...), line...), b[i:]...)
		}, ErrTrailer},
		{"trailer not name:value", UnsignedTrailer, replace("x-amz-checksum-crc32c:", "x-amz-checksum-crc32c="), ErrTrailer},
		{"unsigned trailer with signature", UnsignedTrailer, replace("\r\n\r\n", "\r\nx-amz-trailer-signature:00\r\n\r\n"), ErrTrailer},
		{"unsigned trailer cut", UnsignedTrailer, func(b []byte, _ *chunkedFixture) []byte { return b[:len(b)-5] }, io.ErrUnexpectedEOF},
	}
	for _, tc := range cases {
		for _, size := range []int{0, 1, 100, 250} {
			if size == 0 && (tc.name == "last data chunk signature" || tc.name == "last data byte") {
				continue
			}
			f := newChunked(t, tc.mode, payload(size), 100, tc.mode != Signed)
			body := tc.edit(f.body, f)
			for _, oneByte := range []bool{false, true} {
				got, cr, err := f.readExactly(body, oneByte)
				if size == 0 {
					err = cr.Finish()
				}
				if !errors.Is(err, tc.want) {
					t.Errorf("%s, size %d, one byte %v: got %d bytes, %v; want %v", tc.name, size, oneByte, len(got), err, tc.want)
				}
				if cr.Trailers() != nil {
					t.Errorf("%s: Trailers before success", tc.name)
				}
			}
		}
	}
}

// TestChunkedMidChunkCheck: a corrupted chunk fails before its last byte is
// delivered, and the error sticks.
func TestChunkedMidChunkCheck(t *testing.T) {
	f := newChunked(t, Signed, payload(300), 100, false)
	body := append([]byte{}, f.body...)
	body[bytes.Index(body, []byte("\r\n"))+2+150-100] ^= 1 // a byte of the first chunk
	cr := NewChunkedReader(bytes.NewReader(body), f.p)
	var got int
	var err error
	for err == nil {
		var n int
		n, err = cr.Read(make([]byte, 7))
		got += n
	}
	if !errors.Is(err, ErrChunkSignatureMismatch) || got >= 100 {
		t.Errorf("delivered %d bytes of the bad first chunk, then %v", got, err)
	}
	if _, err2 := cr.Read(make([]byte, 7)); err2 != err {
		t.Errorf("error not sticky: %v", err2)
	}
}

func TestChunkedFraming(t *testing.T) {
	f := newChunked(t, Signed, payload(150), 100, false)
	sig := string(f.body[bytes.Index(f.body, []byte("="))+1 : bytes.Index(f.body, []byte("\r\n"))])
	for _, tc := range []struct {
		name, head string
		want       error
	}{
		{"LF only", "64;chunk-signature=" + sig + "\n", ErrMalformedChunk},
		{"no signature", "64\r\n", ErrMalformedChunk},
		{"other extension", "64;chunk-sig=" + sig + "\r\n", ErrMalformedChunk},
		{"short signature", "64;chunk-signature=" + sig[:63] + "\r\n", ErrMalformedChunk},
		{"upper-case signature", "64;chunk-signature=" + strings.ToUpper(sig) + "\r\n", ErrMalformedChunk},
		{"space", "64 ;chunk-signature=" + sig + "\r\n", ErrMalformedChunk},
		{"not hex", "6g;chunk-signature=" + sig + "\r\n", ErrMalformedChunk},
		{"empty size", ";chunk-signature=" + sig + "\r\n", ErrMalformedChunk},
		{"size overflow", "fffffffffffffffff;chunk-signature=" + sig + "\r\n", ErrMalformedChunk},
		{"size too big", "7fffffffffffffff;chunk-signature=" + sig + "\r\n", ErrDecodedLengthMismatch},
		{"more than declared", "97;chunk-signature=" + sig + "\r\n", ErrDecodedLengthMismatch},
		{"long line", strings.Repeat("0", 5000) + "\r\n", ErrMalformedChunk},
		{"empty body", "", io.ErrUnexpectedEOF},
		{"cut header", "64;chunk-sig", io.ErrUnexpectedEOF},
		{"early end", "0;chunk-signature=" + sig + "\r\n\r\n", ErrDecodedLengthMismatch},
		{"leading zeros ok", "0064;chunk-signature=" + sig + "\r\n", nil},
		{"upper-case hex ok", "064;chunk-signature=" + sig + "\r\n", nil},
	} {
		rest := f.body[bytes.Index(f.body, []byte("\r\n"))+2:]
		body := []byte(tc.head)
		if tc.want == nil {
			body = append(body, rest...)
		}
		if tc.name == "upper-case hex ok" {
			// 0x64 has no letters; use a payload whose first chunk size has.
			g := newChunked(t, Signed, payload(200), 171, false)
			body = bytes.Replace(g.body, []byte("ab;"), []byte("AB;"), 1)
			if _, err := io.ReadAll(NewChunkedReader(bytes.NewReader(body), g.p)); err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		_, err := io.ReadAll(NewChunkedReader(bytes.NewReader(body), f.p))
		wantErr(t, tc.name, err, tc.want)
	}

	// Data not followed by CRLF.
	body := bytes.Replace(f.body, []byte("\r\n32;"), []byte("\n\n32;"), 1)
	_, err := io.ReadAll(NewChunkedReader(bytes.NewReader(body), f.p))
	wantErr(t, "data without CRLF", err, ErrMalformedChunk)

	// A body cut in the middle of data.
	_, err = io.ReadAll(NewChunkedReader(bytes.NewReader(f.body[:120]), f.p))
	wantErr(t, "cut data", err, io.ErrUnexpectedEOF)

	// Bad parameters.
	for _, p := range []ChunkParams{{Mode: 0, DecodedLength: 1}, {Mode: Signed, DecodedLength: -1}} {
		if _, err := NewChunkedReader(bytes.NewReader(f.body), p).Read(make([]byte, 1)); sentinelOf(err) == nil {
			t.Errorf("params %+v: %v", p, err)
		}
	}
	// A seed without a key verifies nothing.
	p := f.p
	p.Result.SigningKey = nil
	_, err = io.ReadAll(NewChunkedReader(bytes.NewReader(f.body), p))
	wantErr(t, "no signing key", err, ErrChunkSignatureMismatch)
	// Another seed signature breaks the chain.
	p = f.p
	p.Result.Signature = strings.Repeat("0", 64)
	_, err = io.ReadAll(NewChunkedReader(bytes.NewReader(f.body), p))
	wantErr(t, "other seed", err, ErrChunkSignatureMismatch)
	// Chunks swapped: signatures are chained.
	g := newChunked(t, Signed, append(bytes.Repeat([]byte("a"), 100), bytes.Repeat([]byte("b"), 100)...), 100, false)
	parts := bytes.SplitAfter(g.body, []byte("\r\n"))
	swapped := bytes.Join([][]byte{parts[2], parts[3], parts[0], parts[1], parts[4], parts[5]}, nil)
	_, err = io.ReadAll(NewChunkedReader(bytes.NewReader(swapped), g.p))
	wantErr(t, "swapped chunks", err, ErrChunkSignatureMismatch)
}

// TestChunkedClientVariants decodes the trailer framings of real clients.
func TestChunkedClientVariants(t *testing.T) {
	data := payload(150)
	crc := checksum.Encode(checksum.CRC32C.Sum(data))
	f := newChunked(t, SignedTrailer, data, 100, true)
	i := bytes.Index(f.body, []byte("x-amz-checksum-crc32c:"))
	head := f.body[:i] // up to and including the final chunk line
	trailerSig := trailerSign(f.seed, lastChunkSig(f.body), "x-amz-checksum-crc32c:"+crc+"\n")

	u := newChunked(t, UnsignedTrailer, data, 100, true)
	uhead := u.body[:bytes.Index(u.body, []byte("x-amz-checksum-crc32c:"))]

	for _, tc := range []struct {
		name string
		f    *chunkedFixture
		body string
		want error
	}{
		{"AWS SDKs, signed", f, string(head) + "x-amz-checksum-crc32c:" + crc + "\r\nx-amz-trailer-signature:" + trailerSig + "\r\n\r\n", nil},
		{"minio-go, signed", f, string(head) + "x-amz-checksum-crc32c:" + crc + "\n\r\nx-amz-trailer-signature:" + trailerSig + "\r\n\r\n", nil},
		{"spaces around value", f, string(head) + "x-amz-checksum-crc32c: " + crc + " \r\nx-amz-trailer-signature: " + trailerSig + "\r\n\r\n", nil},
		{"upper-case name", f, string(head) + "X-Amz-Checksum-CRC32C:" + crc + "\r\nx-amz-trailer-signature:" + trailerSig + "\r\n\r\n", nil},
		{"two empty lines", f, string(head) + "x-amz-checksum-crc32c:" + crc + "\r\n\r\n\r\nx-amz-trailer-signature:" + trailerSig + "\r\n\r\n", ErrTrailer},
		{"trailer after empty line", f, string(head) + "\r\nx-amz-checksum-crc32c:" + crc + "\r\nx-amz-trailer-signature:" + trailerSig + "\r\n\r\n", ErrTrailer},
		{"line after signature", f, string(head) + "x-amz-checksum-crc32c:" + crc + "\r\nx-amz-trailer-signature:" + trailerSig + "\r\nx:y\r\n\r\n", ErrTrailer},
		{"signed, no final CRLF", f, string(head) + "x-amz-checksum-crc32c:" + crc + "\r\nx-amz-trailer-signature:" + trailerSig + "\r\n", io.ErrUnexpectedEOF},
		{"AWS SDKs, unsigned", u, string(uhead) + "x-amz-checksum-crc32c:" + crc + "\r\n\r\n", nil},
		{"minio-go, unsigned", u, string(uhead) + "x-amz-checksum-crc32c:" + crc + "\n\r\n\r\n", nil},
		{"unsigned, no final CRLF", u, string(uhead) + "x-amz-checksum-crc32c:" + crc + "\r\n", nil},
		{"unsigned, two extra CRLF", u, string(uhead) + "x-amz-checksum-crc32c:" + crc + "\r\n\r\n\r\n\r\n", ErrMalformedChunk},
		{"unsigned, unannounced", u, string(uhead) + "x-amz-checksum-crc32c:" + crc + "\r\nx-amz-checksum-sha1:x\r\n\r\n", ErrTrailer},
	} {
		cr := NewChunkedReader(strings.NewReader(tc.body), tc.f.p)
		got := make([]byte, len(data))
		_, err := io.ReadFull(cr, got)
		wantErr(t, tc.name, err, tc.want)
		if tc.want == nil && cr.Trailers().Get("X-Amz-Checksum-Crc32c") != crc {
			t.Errorf("%s: trailers %v", tc.name, cr.Trailers())
		}
	}

	// aws-sdk-js-v3 without a checksum: "0\r\n" and the end.
	n := newChunked(t, UnsignedTrailer, data, 100, false)
	body := n.body[:len(n.body)-2]
	if !bytes.HasSuffix(body, []byte("\r\n0\r\n")) {
		t.Fatalf("fixture %q", body[len(body)-10:])
	}
	if got, err := io.ReadAll(NewChunkedReader(bytes.NewReader(body), n.p)); err != nil || !bytes.Equal(got, data) {
		t.Errorf("js-v3 framing: %v", err)
	}
}

// flipHex changes a hex digit into another one.
func flipHex(c byte) byte {
	if c == '0' {
		return '1'
	}
	return '0'
}

// lastChunkSig returns the signature of the final chunk of an encoded body.
func lastChunkSig(body []byte) string {
	i := bytes.LastIndex(body, []byte("0;chunk-signature=")) + len("0;chunk-signature=")
	return string(body[i : i+64])
}

func TestHashedBody(t *testing.T) {
	body := "Welcome to Amazon S3."
	const digest = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"
	for _, tc := range []struct {
		body, digest string
		n            int
		want         error
	}{
		{body, digest, len(body), nil},
		{body, strings.ToUpper(digest), len(body), nil},
		{body, digest, len(body) - 1, ErrContentSHA256Mismatch},
		{body + "!", digest, len(body) + 1, ErrContentSHA256Mismatch},
		{body, EmptySHA256, len(body), ErrContentSHA256Mismatch},
		{"", EmptySHA256, 0, nil},
		{body, "zz", len(body), ErrContentSHA256Mismatch},
	} {
		hb := NewHashedBody(strings.NewReader(tc.body), tc.digest)
		if _, err := io.ReadFull(iotest.OneByteReader(hb), make([]byte, tc.n)); err != nil {
			t.Fatal(err)
		}
		wantErr(t, fmt.Sprintf("%q/%d", tc.body, tc.n), hb.Check(), tc.want)
	}
}

func TestParseChunkMode(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ChunkMode
	}{
		{"STREAMING-AWS4-HMAC-SHA256-PAYLOAD", Signed},
		{"STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", SignedTrailer},
		{"STREAMING-UNSIGNED-PAYLOAD-TRAILER", UnsignedTrailer},
		{"STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", 0},
		{"streaming-aws4-hmac-sha256-payload", 0},
		{UnsignedPayload, 0},
		{EmptySHA256, 0},
	} {
		got, ok := ParseChunkMode(tc.in)
		if got != tc.want || ok != (tc.want != 0) {
			t.Errorf("ParseChunkMode(%q) = %v, %v", tc.in, got, ok)
		}
		if ok && got.String() != tc.in {
			t.Errorf("%v.String() = %q", got, got.String())
		}
	}
}
