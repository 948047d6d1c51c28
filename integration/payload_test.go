package integration

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"testing"
)

// payload streams size deterministic pseudo-random bytes for seed: the same
// (seed, size) always gives the same bytes, so tests regenerate expected
// content instead of holding it.
func payload(seed uint64, size int64) io.Reader {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	copy(key[8:], "amphora-integration-payload!")
	return io.LimitReader(rand.NewChaCha8(key), size)
}

// payloadBytes returns the whole payload; for small sizes only.
func payloadBytes(tb testing.TB, seed uint64, size int64) []byte {
	tb.Helper()
	b, err := io.ReadAll(payload(seed, size))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// payloadRange returns bytes [off, off+n) of payload(seed, ...).
func payloadRange(tb testing.TB, seed uint64, off, n int64) []byte {
	tb.Helper()
	r := payload(seed, off+n)
	if _, err := io.CopyN(io.Discard, r, off); err != nil {
		tb.Fatal(err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// digests are the hex SHA-256 and MD5 of a stream and its length.
type digests struct {
	SHA256 string
	MD5    string
	Size   int64
}

// hashAll reads r to the end.
func hashAll(r io.Reader) (digests, error) {
	s, m := sha256.New(), md5.New()
	n, err := io.Copy(io.MultiWriter(s, m), r)
	return digests{SHA256: hex.EncodeToString(s.Sum(nil)), MD5: hex.EncodeToString(m.Sum(nil)), Size: n}, err
}

// digestOf reads r to the end, failing the test on a read error.
func digestOf(tb testing.TB, r io.Reader) digests {
	tb.Helper()
	d, err := hashAll(r)
	if err != nil {
		tb.Fatalf("read after %d bytes: %v", d.Size, err)
	}
	return d
}

// digestOfReader is digestOf for goroutines other than the test's: a read
// error yields a digest no payload has.
func digestOfReader(r io.Reader) digests {
	d, err := hashAll(r)
	if err != nil {
		return digests{SHA256: "read error: " + err.Error(), Size: d.Size}
	}
	return d
}

func payloadDigest(tb testing.TB, seed uint64, size int64) digests {
	tb.Helper()
	return digestOf(tb, payload(seed, size))
}

func md5Hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

func TestPayloadIsDeterministic(t *testing.T) {
	a := payloadBytes(t, 7, 1000)
	b := payloadBytes(t, 7, 1000)
	if string(a) != string(b) {
		t.Fatal("same seed, different bytes")
	}
	if string(payloadBytes(t, 8, 1000)) == string(a) {
		t.Fatal("different seeds, same bytes")
	}
	if got := payloadRange(t, 7, 100, 50); string(got) != string(a[100:150]) {
		t.Fatal("payloadRange does not match payloadBytes")
	}
}
