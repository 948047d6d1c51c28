package store

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// SSE-C: server-side encryption with a customer-provided key. The key
// travels with every request that writes or reads the object's bytes;
// a store never keeps it, only an SSE record (NewSSERecord) that lets it
// check the next request's key.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerSideEncryptionCustomerKeys.html

// SSEAlgorithm is the only SSE-C algorithm S3 knows.
const SSEAlgorithm = "AES256"

// SSEKeySize is the length of an SSE-C key in bytes (AES-256).
const SSEKeySize = 32

// SSE is a customer-provided key as a request gave it. Never log or
// store Key.
type SSE struct {
	Key []byte // SSEKeySize bytes
	// Managed is, for an object encrypted with a managed key (SSE-S3,
	// SSE-KMS), its record (ManagedSSE.Record): Key is then the data key
	// that record wraps, unwrapped by the frontend's key ring. "" for a
	// customer key (SSE-C).
	Managed string
}

// ETagOfPlain reports whether an object stored under k has, as in S3,
// the MD5 of its plain bytes as its ETag (SSE-S3, or no key). SSE-C and
// SSE-KMS ETags tell nothing of the plain bytes.
func (k *SSE) ETagOfPlain() bool {
	if k == nil {
		return true
	}
	m, ok, _ := ParseManagedSSE(k.Managed)
	return ok && m.Mode == SSEModeS3
}

// KeyMD5 is the base64 MD5 of the key, as S3 echoes it.
func (k *SSE) KeyMD5() string {
	sum := md5.Sum(k.Key)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// Errors of SSE-C reads and writes.
var (
	// ErrSSEKeyRequired: the object (or upload) is encrypted with a
	// customer key and the request gave none.
	ErrSSEKeyRequired = errors.New("object is encrypted with a customer key: key required")
	// ErrSSEKeyMismatch: the request's key is not the object's.
	ErrSSEKeyMismatch = errors.New("customer key does not match the object's")
	// ErrSSENotEncrypted: the request gave a customer key for an object
	// (or upload) stored without one.
	ErrSSENotEncrypted = errors.New("customer key given for an object stored without one")
)

// NewSSERecord returns what a store records for an object written with
// k: the algorithm, a random salt and HMAC-SHA256(key = k, salt); never
// the key or its MD5. "" for no key.
func NewSSERecord(k *SSE) (string, error) {
	if k == nil {
		return "", nil
	}
	if k.Managed != "" {
		if _, ok, err := ParseManagedSSE(k.Managed); !ok || err != nil {
			return "", fmt.Errorf("managed sse record: %w", ErrCorrupt)
		}
		return k.Managed, nil
	}
	if len(k.Key) != SSEKeySize {
		return "", fmt.Errorf("sse-c key of %d bytes, want %d", len(k.Key), SSEKeySize)
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("sse-c salt: %w", err)
	}
	enc := base64.RawStdEncoding
	return SSEAlgorithm + ":" + enc.EncodeToString(salt) + ":" + enc.EncodeToString(sseMAC(k.Key, salt)), nil
}

func sseMAC(key, salt []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(salt)
	return m.Sum(nil)
}

// CheckSSE checks a request's key k against an SSE record (NewSSERecord;
// "" for an object stored without a key). For a managed record, k must
// carry it (SSE.Managed): a customer key is ErrSSENotEncrypted. Errors: ErrSSEKeyRequired,
// ErrSSEKeyMismatch, ErrSSENotEncrypted, ErrCorrupt (an unreadable record).
func CheckSSE(record string, k *SSE) error {
	switch {
	case record == "" && k == nil:
		return nil
	case record == "":
		return ErrSSENotEncrypted
	case k == nil:
		return ErrSSEKeyRequired
	}
	if _, managed, _ := ParseManagedSSE(record); managed || k.Managed != "" {
		switch {
		case !managed || k.Managed == "":
			// A customer key for a managed object (or the reverse).
			return ErrSSENotEncrypted
		case k.Managed != record:
			return ErrSSEKeyMismatch
		}
		return nil
	}
	alg, rest, ok1 := strings.Cut(record, ":")
	salt64, mac64, ok2 := strings.Cut(rest, ":")
	salt, err1 := base64.RawStdEncoding.DecodeString(salt64)
	mac, err2 := base64.RawStdEncoding.DecodeString(mac64)
	if !ok1 || !ok2 || alg != SSEAlgorithm || err1 != nil || err2 != nil {
		return fmt.Errorf("sse-c record %q: %w", alg, ErrCorrupt)
	}
	if !hmac.Equal(sseMAC(k.Key, salt), mac) {
		return ErrSSEKeyMismatch
	}
	return nil
}
