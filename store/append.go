package store

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Appendable objects (Alibaba OSS AppendObject, Ceph RGW's append): an
// object made by appends only, each adding bytes at its end. Every append
// commits a new version of the key whose bytes are the previous version's
// plus the appended ones, so readers see the object before or after an
// append, never part of one. A normal write (PUT, copy, completion)
// replaces an appendable object as it replaces any other; a normal object
// never becomes appendable.

// Appends stores appendable objects.
type Appends interface {
	// AppendObject appends in.Body (exactly in.Size bytes) to in.Key at
	// in.Position, which must be the object's current length (0 for a key
	// that does not exist: the append creates it, with in.Meta, in.ACL and
	// in.Tags; later appends keep what the first gave). Of appends racing
	// at one position exactly one wins. The result is the new version.
	//
	// Errors: ErrNoSuchBucket; a *PositionError (ErrPositionNotEqualToLength)
	// with the current length when Position is not it; ErrObjectNotAppendable
	// when the key holds an object not made by appends; ErrAppendNotSupported
	// in a bucket whose versioning was ever set (Enabled or Suspended, which
	// object lock implies); ErrEntityTooLarge past MaxObjectSize in total or
	// MaxAppends appends; body errors as PutObject's (ErrIncompleteBody,
	// ErrBadDigest, in.Verify's). On any error the object stays as it was.
	AppendObject(ctx context.Context, in AppendInput) (Object, error)
}

// MaxAppends is how many appends one appendable object takes (as OSS
// bounds them, 10,000): each is a segment every read of the object may
// cross, so a read's cost stays bounded.
const MaxAppends = 10000

// AppendInput is one AppendObject request.
type AppendInput struct {
	Bucket string
	Key    string
	Owner  string
	// Position is where the bytes go: the object's length before the
	// append (0 to create it).
	Position int64
	// Size is the exact body length (UnknownSize is refused).
	Size int64
	// Meta, ACL and Tags apply when the append creates the object; the
	// frontend refuses them on later appends.
	Meta Meta
	ACL  ACL
	Tags Tags
	// ContentMD5 is the raw digest of this append's bytes, nil if none.
	ContentMD5 []byte
	Body       io.Reader
	// Verify is called once Size bytes have been read, as in PutInput
	// (its Checksum is checked, not stored: an appendable object has no
	// additional checksum of its whole bytes).
	Verify func() (Checksum, error)
}

var (
	// ErrPositionNotEqualToLength: an append's position is not the
	// object's length. Stores return it inside a *PositionError.
	ErrPositionNotEqualToLength = errors.New("position is not equal to the object's length")
	// ErrObjectNotAppendable: the key holds an object not made by appends.
	ErrObjectNotAppendable = errors.New("object is not appendable")
	// ErrAppendNotSupported: the bucket cannot hold appendable objects
	// (its versioning was set: versions of appendable objects are not
	// supported).
	ErrAppendNotSupported = errors.New("appendable objects are not supported in a bucket with versioning")
)

// PositionError is an append at the wrong position: Length is the
// object's length, where the next append must go.
type PositionError struct {
	Key    string
	Length int64
}

func (e *PositionError) Error() string {
	return fmt.Sprintf("append to %q: object length is %d: %v", e.Key, e.Length, ErrPositionNotEqualToLength)
}

// Unwrap makes errors.Is(err, ErrPositionNotEqualToLength) hold.
func (e *PositionError) Unwrap() error { return ErrPositionNotEqualToLength }

// AppendDigest is the running digest of an appendable object after one
// more append: MD5(previous digest || MD5 of the appended bytes), starting
// from nothing. Every store computes it so, and the ETag is
// AppendETag(digest, appends): it changes with every append and costs
// nothing to extend, where an MD5 of the whole bytes would mean reading
// them again.
func AppendDigest(prev, appendedMD5 []byte) []byte {
	h := md5.New()
	h.Write(prev)
	h.Write(appendedMD5)
	return h.Sum(nil)
}

// AppendETag is an appendable object's ETag: its running digest in hex
// and "-<appends>", so clients never take it for the MD5 of the bytes (as
// with a multipart ETag).
func AppendETag(digest []byte, appends int) string {
	return hex.EncodeToString(digest) + "-" + strconv.Itoa(appends)
}

// ParseAppendETag is AppendETag's inverse: the running digest and the
// number of appends. Errors: ErrCorrupt.
func ParseAppendETag(etag string) ([]byte, int, error) {
	if len(etag) < 34 || etag[32] != '-' {
		return nil, 0, fmt.Errorf("appendable etag %q: %w", etag, ErrCorrupt)
	}
	d, err := hex.DecodeString(etag[:32])
	n, err2 := strconv.Atoi(etag[33:])
	if err != nil || err2 != nil || n < 1 {
		return nil, 0, fmt.Errorf("appendable etag %q: %w", etag, ErrCorrupt)
	}
	return d, n, nil
}
