package sigv2

import (
	"crypto/hmac"
	"encoding/base64"
)

// VerifyPolicy checks the signature of a V2 browser-based POST upload: the
// form's Signature field is Sign(secret, policy), where policy is the form's
// base64-encoded Policy field exactly as sent. It compares the raw MACs in
// constant time and returns nil or ErrSignatureDoesNotMatch; checking the
// policy's conditions and expiration is the caller's job.
func VerifyPolicy(policy, signature, secret string) error {
	got, err := base64.StdEncoding.DecodeString(signature)
	if err != nil || !hmac.Equal(got, mac(secret, policy)) {
		return ErrSignatureDoesNotMatch
	}
	return nil
}
