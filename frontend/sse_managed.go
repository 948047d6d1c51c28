package frontend

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/amphora-s3/amphora/keyring"
	"github.com/amphora-s3/amphora/store"
)

// SSE-S3 and SSE-KMS (x-amz-server-side-encryption: AES256 or aws:kms,
// or the bucket's default encryption): each object gets a data key of
// its own from the key ring, which the store seals its blocks under, as
// it does with an SSE-C key; the store keeps only the data key wrapped
// under the ring's master key (store.ManagedSSE). A read unwraps it.
// "aws:kms" names a master key of the ring, not an AWS KMS key: its
// key id is the ring's id (an ARN's "key/<id>" tail is taken as the id).
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingServerSideEncryption.html
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html

const (
	hdrSSE          = "X-Amz-Server-Side-Encryption"
	hdrSSEKMSKeyID  = "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"
	hdrSSEBucketKey = "X-Amz-Server-Side-Encryption-Bucket-Key-Enabled"

	sseAES256 = "AES256"  // SSE-S3
	sseKMS    = "aws:kms" // SSE-KMS
	sseDSSE   = "aws:kms:dsse"
)

var (
	errSSEMethod    = errInvalidArgument.withMessage("The encryption method specified is not supported")
	errSSEKMSNeeded = errInvalidArgument.withMessage("Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms")
	errSSEWithSSEC  = errInvalidArgument.withMessage("Server Side Encryption with Customer provided key is incompatible with the encryption method specified")
	errSSENoRing    = errNotImplemented.withMessage("Server-side encryption with managed keys (SSE-S3, SSE-KMS) is not configured on this endpoint: it needs a key file ([encryption] key_file)")
	errSSEDSSE      = errNotImplemented.withMessage("Dual-layer server-side encryption (aws:kms:dsse) is not implemented")
	errKMSNotFound  = &Error{"KMS.NotFoundException", http.StatusBadRequest, "Invalid keyId", nil, ""}
)

// managedChoice is a write's managed encryption, as asked or defaulted.
type managedChoice struct {
	mode      string // store.SSEModeS3 or store.SSEModeKMS
	keyID     string // the ring's id; "" for its default
	bucketKey bool
}

// writeKey is the key a write (PUT, POST, CopyObject's destination,
// CreateMultipartUpload) stores its bytes under: the customer's (SSE-C),
// a fresh data key for SSE-S3 / SSE-KMS (asked in the headers or the
// bucket's default encryption), or nil for none.
func (s *server) writeKey(r *http.Request, b store.Bucket) (*store.SSE, error) {
	customer, err := s.sseKey(r, false)
	if err != nil {
		return nil, err
	}
	choice, err := requestedManaged(r.Header, customer != nil)
	if err != nil {
		return nil, err
	}
	if choice == nil && customer == nil {
		if choice, err = bucketDefaultEncryption(b); err != nil {
			return nil, err
		}
	}
	if choice == nil {
		return customer, nil
	}
	return s.newManagedKey(r.Context(), *choice)
}

// requestedManaged reads x-amz-server-side-encryption and its companions;
// nil when the request asks for no managed encryption.
func requestedManaged(h http.Header, customer bool) (*managedChoice, error) {
	alg, hasAlg := h[hdrSSE]
	kid, hasKID := h[hdrSSEKMSKeyID]
	bk, hasBK := h[hdrSSEBucketKey]
	if !hasAlg {
		if hasKID {
			return nil, errSSEKMSNeeded
		}
		if hasBK && !strings.EqualFold(first(bk), "false") {
			return nil, errInvalidArgument.withMessage("x-amz-server-side-encryption-bucket-key-enabled needs x-amz-server-side-encryption: aws:kms")
		}
		return nil, nil
	}
	if customer {
		return nil, errSSEWithSSEC
	}
	c := &managedChoice{}
	switch first(alg) {
	case sseAES256:
		c.mode = store.SSEModeS3
	case sseKMS:
		c.mode = store.SSEModeKMS
	case sseDSSE:
		return nil, errSSEDSSE
	default:
		return nil, errSSEMethod
	}
	if hasKID {
		if c.mode != store.SSEModeKMS {
			return nil, errSSEKMSNeeded
		}
		c.keyID = kmsKeyID(first(kid))
		if c.keyID == "" {
			return nil, errKMSNotFound.withMessage("Invalid keyId " + first(kid))
		}
	}
	if hasBK {
		switch v := strings.ToLower(first(bk)); {
		case v == "true" && c.mode == store.SSEModeKMS:
			c.bucketKey = true
		case v == "false":
		default:
			return nil, errInvalidArgument.withMessage("x-amz-server-side-encryption-bucket-key-enabled must be true (with aws:kms) or false")
		}
	}
	return c, nil
}

// kmsKeyID is the ring's id a KMS key id names: the id itself, or the
// "key/<id>" or "alias/<id>" tail of an ARN.
func kmsKeyID(v string) string {
	v = strings.TrimSpace(v)
	if rest, ok := strings.CutPrefix(v, "arn:"); ok {
		parts := strings.SplitN(rest, ":", 5)
		if len(parts) != 5 {
			return ""
		}
		res := parts[4]
		if id, ok := strings.CutPrefix(res, "key/"); ok {
			return id
		}
		return res // alias/<name> stays as the ring names it
	}
	return v
}

// newManagedKey makes a fresh data key for c under the ring's master key.
func (s *server) newManagedKey(ctx context.Context, c managedChoice) (*store.SSE, error) {
	if s.keys == nil {
		return nil, errSSENoRing
	}
	id := c.keyID
	if id == "" {
		id = s.keys.Default()
	}
	if !s.keys.Has(id) {
		return nil, errKMSNotFound.withMessage("Invalid keyId " + id)
	}
	plain, wrapped, err := s.keys.NewDataKey(ctx, id, []byte(c.mode))
	if err != nil {
		return nil, fmt.Errorf("new data key: %w", err)
	}
	rec := store.ManagedSSE{Mode: c.mode, KeyID: id, Wrapped: wrapped, BucketKey: c.bucketKey}
	return &store.SSE{Key: plain, Managed: rec.Record()}, nil
}

// readKey is the key to read (or copy, or add a part to) bytes stored
// under SSE record: the request's customer key (copySource: from the
// x-amz-copy-source-* headers), checked against the record, or the data
// key unwrapped from a managed record.
func (s *server) readKey(r *http.Request, record string, copySource bool) (*store.SSE, error) {
	customer, err := s.sseKey(r, copySource)
	if err != nil {
		return nil, err
	}
	if _, managed, _ := store.ParseManagedSSE(record); !managed {
		if err := store.CheckSSE(record, customer); err != nil {
			return nil, err
		}
		return customer, nil
	}
	if customer != nil {
		return nil, store.ErrSSENotEncrypted // a customer key for a managed object
	}
	return s.unwrapManaged(r.Context(), record)
}

// unwrapManaged returns the data key of a managed record.
func (s *server) unwrapManaged(ctx context.Context, record string) (*store.SSE, error) {
	m, _, err := store.ParseManagedSSE(record)
	if err != nil {
		return nil, err
	}
	if s.keys == nil {
		return nil, fmt.Errorf("object encrypted under master key %q, and no key file is configured: %w", m.KeyID, keyring.ErrNoSuchKey)
	}
	plain, err := s.keys.Unwrap(ctx, m.KeyID, m.Wrapped, []byte(m.Mode))
	if err != nil {
		return nil, fmt.Errorf("unwrap data key: %w", err)
	}
	return &store.SSE{Key: plain, Managed: record}, nil
}

// partKeys resolves the data key of a managed upload for UploadPart
// (store.PartInput.Managed), remembering it for the response's headers.
type partKeys struct {
	s   *server
	key *store.SSE
}

func (p *partKeys) resolve(ctx context.Context, record string) (*store.SSE, error) {
	k, err := p.s.unwrapManaged(ctx, record)
	p.key = k
	return k, err
}

// managedFields are the response headers of bytes stored under a managed
// record (nil for any other).
func managedFields(record string) []field {
	m, ok, err := store.ParseManagedSSE(record)
	if !ok || err != nil {
		return nil
	}
	if m.Mode == store.SSEModeS3 {
		return []field{{hdrSSE, sseAES256}}
	}
	f := []field{{hdrSSE, sseKMS}, {hdrSSEKMSKeyID, m.KeyID}}
	if m.BucketKey {
		f = append(f, field{hdrSSEBucketKey, "true"})
	}
	return f
}
