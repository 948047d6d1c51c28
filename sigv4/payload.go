package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"strings"
)

// The x-amz-content-sha256 values that are not a hex digest.
const (
	// UnsignedPayload: the body is not covered by the signature.
	UnsignedPayload = "UNSIGNED-PAYLOAD"
	// StreamingPayload: aws-chunked body, every chunk signed.
	StreamingPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	// StreamingPayloadTrailer: aws-chunked body, every chunk and the
	// trailer signed.
	StreamingPayloadTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	// StreamingUnsignedPayloadTrailer: aws-chunked body, nothing signed,
	// with a trailer (normally a checksum).
	StreamingUnsignedPayloadTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

// IsSHA256Hex reports whether s is a hex SHA-256 digest (64 hex digits, either case).
func IsSHA256Hex(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !ishex(s[i]) {
			return false
		}
	}
	return true
}

// validPayloadHash reports whether an x-amz-content-sha256 value is one this
// package handles: a hex digest, UNSIGNED-PAYLOAD or a streaming token.
func validPayloadHash(s string) bool {
	if s == UnsignedPayload || IsSHA256Hex(s) {
		return true
	}
	_, ok := ParseChunkMode(s)
	return ok
}

// HashedBody wraps a request body whose x-amz-content-sha256 is a hex digest.
// It hashes what is read through it; Check, called once the caller has read
// what it wanted (typically exactly Content-Length bytes with io.ReadFull,
// which never sees EOF), compares the digest.
//
// Read never reports the mismatch itself: io.ReadFull drops an error that
// comes with the final bytes, so a check in Read would go unnoticed.
type HashedBody struct {
	r    io.Reader
	h    hash.Hash
	want string
	n    int64
}

// NewHashedBody returns a HashedBody reading r and expecting the hex
// SHA-256 wantHex (either case).
func NewHashedBody(r io.Reader, wantHex string) *HashedBody {
	return &HashedBody{r: r, h: sha256.New(), want: strings.ToLower(wantHex)}
}

// Read reads from the wrapped body, hashing the bytes it returns.
func (b *HashedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.h.Write(p[:n])
	b.n += int64(n)
	return n, err
}

// Check returns nil if the bytes read so far hash to the expected digest,
// ErrContentSHA256Mismatch otherwise (with both digests in the message). It
// can be called at any time; reading more afterwards continues the hash.
func (b *HashedBody) Check() error {
	got := hex.EncodeToString(b.h.Sum(nil))
	if got != b.want {
		return fmt.Errorf("the provided 'x-amz-content-sha256' header %s does not match what was computed, %s (over %d bytes): %w",
			b.want, got, b.n, ErrContentSHA256Mismatch)
	}
	return nil
}

// ChunkMode is the variant of an aws-chunked body, from x-amz-content-sha256.
type ChunkMode int

// The aws-chunked variants.
const (
	// Signed is STREAMING-AWS4-HMAC-SHA256-PAYLOAD: every chunk carries a
	// chunk-signature, no trailer.
	Signed ChunkMode = iota + 1
	// SignedTrailer is STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER: signed
	// chunks, then trailer lines and x-amz-trailer-signature.
	SignedTrailer
	// UnsignedTrailer is STREAMING-UNSIGNED-PAYLOAD-TRAILER: plain chunks
	// ("size\r\n"), then unsigned trailer lines.
	UnsignedTrailer
)

// String returns the x-amz-content-sha256 token of m.
func (m ChunkMode) String() string {
	switch m {
	case Signed:
		return StreamingPayload
	case SignedTrailer:
		return StreamingPayloadTrailer
	case UnsignedTrailer:
		return StreamingUnsignedPayloadTrailer
	}
	return fmt.Sprintf("ChunkMode(%d)", int(m))
}

// signed reports whether chunks carry signatures.
func (m ChunkMode) signed() bool { return m == Signed || m == SignedTrailer }

// trailer reports whether a trailer section follows the final chunk.
func (m ChunkMode) trailer() bool { return m == SignedTrailer || m == UnsignedTrailer }

// ParseChunkMode returns the aws-chunked variant an x-amz-content-sha256
// value announces, false if it announces none (a hex digest,
// UNSIGNED-PAYLOAD, or the SigV4a tokens this package does not verify).
func ParseChunkMode(contentSHA256 string) (ChunkMode, bool) {
	switch contentSHA256 {
	case StreamingPayload:
		return Signed, true
	case StreamingPayloadTrailer:
		return SignedTrailer, true
	case StreamingUnsignedPayloadTrailer:
		return UnsignedTrailer, true
	}
	return 0, false
}
