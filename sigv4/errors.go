package sigv4

import "errors"

// Sentinel errors. Verify, HashedBody and ChunkedReader wrap them with detail
// (the detail is meant for the S3 error Message); compare with errors.Is. The
// package doc maps each to the S3 error code and HTTP status to send.
var (
	// ErrNoAuth means the request carries no V4 authentication (IsV4 is
	// false): try another scheme or treat it as anonymous.
	ErrNoAuth = errors.New("sigv4: no signature version 4 authentication")

	// ErrMultipleAuth means the request has both an Authorization header and
	// query-string authentication (400 InvalidArgument "Only one auth
	// mechanism allowed").
	ErrMultipleAuth = errors.New("sigv4: only one auth mechanism allowed")

	// ErrMalformedHeader means the Authorization header cannot be used: bad
	// syntax, a missing Credential, SignedHeaders or Signature component, a
	// malformed credential scope, a scope region other than Options.Region,
	// another service, a terminator other than aws4_request, a scope date
	// other than the date of x-amz-date, or host not signed (400
	// AuthorizationHeaderMalformed).
	ErrMalformedHeader = errors.New("sigv4: malformed authorization header")

	// ErrMalformedQuery is ErrMalformedHeader for pre-signed URLs: missing
	// X-Amz-* parameters, an X-Amz-Expires that is not an integer in
	// [0, 604800], a bad X-Amz-Date or X-Amz-Credential (400
	// AuthorizationQueryParametersError).
	ErrMalformedQuery = errors.New("sigv4: malformed query-string authentication")

	// ErrUnsupportedAlgorithm means the algorithm is not AWS4-HMAC-SHA256
	// (for example SigV4a's AWS4-ECDSA-P256-SHA256).
	ErrUnsupportedAlgorithm = errors.New("sigv4: unsupported signing algorithm")

	// ErrMissingDate means a header-signed request has no usable
	// x-amz-date or Date header.
	ErrMissingDate = errors.New("sigv4: missing or invalid date")

	// ErrMissingContentSHA256 means a header-signed request has no
	// x-amz-content-sha256 header, which S3 requires.
	ErrMissingContentSHA256 = errors.New("sigv4: missing x-amz-content-sha256")

	// ErrInvalidPayloadHash means x-amz-content-sha256 is neither 64 hex
	// digits nor one of the payload tokens this package knows.
	ErrInvalidPayloadHash = errors.New("sigv4: invalid x-amz-content-sha256")

	// ErrInvalidAccessKeyID means the secret lookup does not know the access key.
	ErrInvalidAccessKeyID = errors.New("sigv4: unknown access key")

	// ErrSignatureDoesNotMatch means the presented signature is not the one
	// computed with the access key's secret.
	ErrSignatureDoesNotMatch = errors.New("sigv4: signature does not match")

	// ErrHeadersNotSigned means the request carries x-amz-* headers that are
	// not among the signed headers.
	ErrHeadersNotSigned = errors.New("sigv4: headers present in the request were not signed")

	// ErrRequestTimeTooSkewed means the date of a header-signed request is
	// more than MaxSkew away from Options.Now.
	ErrRequestTimeTooSkewed = errors.New("sigv4: request time too skewed")

	// ErrNotYetValid means a pre-signed URL's X-Amz-Date is more than
	// MaxSkew after Options.Now.
	ErrNotYetValid = errors.New("sigv4: request is not valid yet")

	// ErrExpired means a pre-signed URL is used after X-Amz-Date + X-Amz-Expires.
	ErrExpired = errors.New("sigv4: request has expired")

	// ErrContentSHA256Mismatch means the body does not hash to the hex
	// digest of x-amz-content-sha256 (HashedBody.Check).
	ErrContentSHA256Mismatch = errors.New("sigv4: x-amz-content-sha256 does not match the body")

	// ErrChunkSignatureMismatch means an aws-chunked chunk or trailer
	// signature is not the one computed from the seed signature.
	ErrChunkSignatureMismatch = errors.New("sigv4: chunk signature does not match")

	// ErrMalformedChunk means the aws-chunked framing is wrong: a bad chunk
	// size line or signature extension, a missing CRLF, data after the end.
	ErrMalformedChunk = errors.New("sigv4: malformed aws-chunked encoding")

	// ErrDecodedLengthMismatch means the chunks carry more or fewer bytes
	// than x-amz-decoded-content-length.
	ErrDecodedLengthMismatch = errors.New("sigv4: aws-chunked data length differs from x-amz-decoded-content-length")

	// ErrTrailer means the trailer section of an aws-chunked body is wrong:
	// a malformed line, a trailer not announced in x-amz-trailer, a repeated
	// one, an announced one missing, a missing x-amz-trailer-signature.
	ErrTrailer = errors.New("sigv4: malformed aws-chunked trailer")
)
