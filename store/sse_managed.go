package store

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"strings"
)

// SSE-S3 and SSE-KMS: the object's bytes are sealed as SSE-C's are, under
// a data key of its own that the frontend's key ring (package keyring)
// makes and wraps under a named master key. A store keeps the record
// (ManagedSSE.Record) in place of an SSE-C one; a reader's frontend
// unwraps the data key from it and hands it to the store as an SSE with
// Managed set.

// The modes of managed encryption, as records name them.
const (
	SSEModeS3  = "SSE-S3"  // x-amz-server-side-encryption: AES256
	SSEModeKMS = "SSE-KMS" // x-amz-server-side-encryption: aws:kms
)

// ManagedSSE is what a store records of an object encrypted with a
// managed key: the mode, the master key's id and the wrapped data key.
type ManagedSSE struct {
	Mode    string // SSEModeS3 or SSEModeKMS
	KeyID   string // the key ring's id: no ':'
	Wrapped []byte
	// BucketKey is what the writer asked with
	// x-amz-server-side-encryption-bucket-key-enabled (echoed back).
	BucketKey bool
}

// Record renders m: "<mode>:<key id>:<base64 wrapped>[:bk]".
func (m ManagedSSE) Record() string {
	r := m.Mode + ":" + m.KeyID + ":" + base64.RawStdEncoding.EncodeToString(m.Wrapped)
	if m.BucketKey {
		r += ":bk"
	}
	return r
}

// ParseManagedSSE reads a record of ManagedSSE.Record; ok is false for
// any other record (SSE-C's, or "").
func ParseManagedSSE(record string) (m ManagedSSE, ok bool, err error) {
	mode, rest, _ := strings.Cut(record, ":")
	if mode != SSEModeS3 && mode != SSEModeKMS {
		return m, false, nil
	}
	parts := strings.Split(rest, ":")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || (len(parts) == 3 && parts[2] != "bk") {
		return m, true, fmt.Errorf("managed sse record: %w", ErrCorrupt)
	}
	w, err := base64.RawStdEncoding.DecodeString(parts[1])
	if err != nil || len(w) == 0 {
		return m, true, fmt.Errorf("managed sse record: %w", ErrCorrupt)
	}
	return ManagedSSE{Mode: mode, KeyID: parts[0], Wrapped: w, BucketKey: len(parts) == 3}, true, nil
}

// ResolveManaged sets in.SSE, when the request gave none, to the data key
// of the upload's managed record (through in.Managed): stores call it with
// the upload's record before CheckSSE.
func (in *PartInput) ResolveManaged(ctx context.Context, record string) error {
	if in.SSE != nil || in.Managed == nil {
		return nil
	}
	if _, managed, _ := ParseManagedSSE(record); !managed {
		return nil
	}
	k, err := in.Managed(ctx, record)
	if err != nil {
		return fmt.Errorf("data key of the upload: %w", err)
	}
	in.SSE = k
	return nil
}

// ETagDigest is the ETag digest (hex-encoded by the stores) of bytes
// whose MD5 is plainMD5, stored under SSE record: the MD5 itself without
// encryption and for SSE-S3, as S3 gives them; for SSE-C and SSE-KMS,
// whose ETags S3 says are not the MD5 of the data, MD5(record ||
// plainMD5), which tells nothing of the bytes without the record (kept
// by the store, never shown) and costs no second pass over them.
func ETagDigest(record string, plainMD5 []byte) []byte {
	if m, _, _ := ParseManagedSSE(record); record == "" || m.Mode == SSEModeS3 {
		return plainMD5
	}
	sum := md5.Sum(append([]byte(record), plainMD5...))
	return sum[:]
}
