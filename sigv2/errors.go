package sigv2

import "errors"

// Sentinel errors of Verify. They are compared with errors.Is because Verify
// may wrap them with detail; the package doc lists the S3 error each maps to.
var (
	// ErrNoAuth means the request carries no V2 authentication at all, so the
	// caller should try another scheme (V4, anonymous).
	ErrNoAuth = errors.New("sigv2: no signature version 2 authentication")

	// ErrMalformed means the request claims V2 authentication but it cannot be
	// parsed: an "AWS ..." Authorization header that is not "AWS AKID:SIG", an
	// incomplete pre-signed query, a non-integer Expires, or both mechanisms at
	// once.
	ErrMalformed = errors.New("sigv2: malformed authentication")

	// ErrInvalidAccessKeyID means the secret lookup does not know the access key.
	ErrInvalidAccessKeyID = errors.New("sigv2: unknown access key")

	// ErrSignatureDoesNotMatch means no accepted string to sign produces the
	// presented signature with the access key's secret.
	ErrSignatureDoesNotMatch = errors.New("sigv2: signature does not match")

	// ErrRequestTimeTooSkewed means the Date or x-amz-date of a header-signed
	// request is more than MaxSkew away from the server time.
	ErrRequestTimeTooSkewed = errors.New("sigv2: request time too skewed")

	// ErrMissingDate means a header-signed request has no usable Date or
	// x-amz-date header (absent, unparsable, or before 1970).
	ErrMissingDate = errors.New("sigv2: missing or invalid date")

	// ErrExpired means a pre-signed URL is used after its Expires time.
	ErrExpired = errors.New("sigv2: request has expired")
)
