package frontend

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"net/http"

	"github.com/amphora-s3/amphora/store"
)

// SSE-C: the customer's key comes with every request that writes or
// reads an encrypted object's bytes (and HEAD), is checked against its
// MD5, handed to the store, which keeps only a keyed hash of it, and is
// never logged. Responses echo the algorithm and the key's MD5.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerSideEncryptionCustomerKeys.html

const (
	hdrSSECAlgorithm     = "X-Amz-Server-Side-Encryption-Customer-Algorithm"
	hdrSSECKey           = "X-Amz-Server-Side-Encryption-Customer-Key"
	hdrSSECKeyMD5        = "X-Amz-Server-Side-Encryption-Customer-Key-Md5"
	hdrCopySSECAlgorithm = "X-Amz-Copy-Source-Server-Side-Encryption-Customer-Algorithm"
	hdrCopySSECKey       = "X-Amz-Copy-Source-Server-Side-Encryption-Customer-Key"
	hdrCopySSECKeyMD5    = "X-Amz-Copy-Source-Server-Side-Encryption-Customer-Key-Md5"
)

var (
	errSSECAlgorithm = &Error{"InvalidEncryptionAlgorithmError", http.StatusBadRequest,
		"The encryption request you specified is not valid. The valid value is AES256.", nil, ""}
	errSSECNoAlgorithm = errInvalidRequest.withMessage("Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.")
	errSSECNoKey       = errInvalidRequest.withMessage("Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.")
	errSSECNoKeyMD5    = errInvalidRequest.withMessage("Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.")
	errSSECBadKey      = errInvalidArgument.withMessage("The secret key was invalid for the specified algorithm.")
	errSSECKeyMD5      = errInvalidArgument.withMessage("The calculated MD5 hash of the key did not match the hash that was provided.")
	errSSECOverHTTP    = errInvalidRequest.withMessage("Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection.")
)

// sseKey parses the SSE-C headers of r (with copySource, the
// x-amz-copy-source-* ones, which name the copy's source's key): nil when
// none is present. Errors as S3 gives them.
func (s *server) sseKey(r *http.Request, copySource bool) (*store.SSE, error) {
	names := [3]string{hdrSSECAlgorithm, hdrSSECKey, hdrSSECKeyMD5}
	if copySource {
		names = [3]string{hdrCopySSECAlgorithm, hdrCopySSECKey, hdrCopySSECKeyMD5}
	}
	alg, hasAlg := r.Header[names[0]]
	key, hasKey := r.Header[names[1]]
	sum, hasSum := r.Header[names[2]]
	switch {
	case !hasAlg && !hasKey && !hasSum:
		return nil, nil
	case r.TLS == nil && !s.sseOverHTTP:
		return nil, errSSECOverHTTP
	case !hasAlg:
		return nil, errSSECNoAlgorithm
	case first(alg) != store.SSEAlgorithm:
		return nil, errSSECAlgorithm
	case !hasKey:
		return nil, errSSECNoKey
	case !hasSum:
		return nil, errSSECNoKeyMD5
	}
	k, err := base64.StdEncoding.DecodeString(first(key))
	if err != nil || len(k) != store.SSEKeySize {
		return nil, errSSECBadKey
	}
	want, err := base64.StdEncoding.DecodeString(first(sum))
	got := md5.Sum(k)
	if err != nil || !bytes.Equal(want, got[:]) {
		return nil, errSSECKeyMD5
	}
	return &store.SSE{Key: k}, nil
}

// setSSEHeaders echoes the encryption of bytes stored under key on a
// response about them: SSE-C's algorithm and key MD5, or the managed
// key's x-amz-server-side-encryption headers (nothing when key is nil).
func setSSEHeaders(h http.Header, key *store.SSE) {
	for _, f := range sseFields(key) {
		h.Set(f.Name, f.Value)
	}
}

// sseFields are setSSEHeaders' headers for a response document.
func sseFields(key *store.SSE) []field {
	switch {
	case key == nil:
		return nil
	case key.Managed != "":
		return managedFields(key.Managed)
	}
	return []field{{hdrSSECAlgorithm, store.SSEAlgorithm}, {hdrSSECKeyMD5, key.KeyMD5()}}
}
