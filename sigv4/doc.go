// Package sigv4 verifies AWS Signature Version 4 for S3 (the Authorization
// header, pre-signed URLs, and the policy of browser POST forms:
// VerifyPost), checks the body against x-amz-content-sha256
// (HashedBody), decodes and verifies aws-chunked bodies (ChunkedReader), and
// has the client side for tests and tools (SignRequest, Presign,
// EncodeChunked).
//
// It is pure: it reads an *http.Request and a secret-lookup function, imports
// only the standard library, and leaves it to the frontend to decide what an
// error means to a client.
//
// # Canonical request, S3 flavour
//
// Following https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html:
//
//   - CanonicalURI is the decoded path (r.URL.Path) URI-encoded once: A-Za-z0-9
//     -._~ and '/' kept, every other byte %XX in upper case. S3 does not
//     normalize the path ("//", "." and ".." stay) and does not double-encode,
//     unlike the other services of the generic SigV4 test suite. Deriving it
//     from the decoded path makes it independent of which characters a client
//     chose to escape on the wire; a literal '+' is a plus.
//   - CanonicalQueryString: every parameter (X-Amz-Signature excepted for a
//     pre-signed URL), name and value percent-decoded ('+' stays '+') and
//     re-encoded the same way, sorted by name then value, "name=" when empty.
//   - CanonicalHeaders: the SignedHeaders in order, each "name:value" with all
//     values of the header trimmed, inner runs of blanks collapsed, joined by
//     ','. host is Options.Host, else r.Host (Go keeps it out of r.Header);
//     transfer-encoding comes from r.TransferEncoding when Go removed it from
//     r.Header. SignedHeaders must be lower case, sorted, and include host.
//   - HashedPayload is the x-amz-content-sha256 header, which header
//     authentication requires; for a pre-signed URL it is that header if
//     present, else UNSIGNED-PAYLOAD.
//
// Every x-amz-* header of the request must be signed (AWS's
// "There were headers present in the request which were not signed").
//
// # What the frontend must do
//
//   - Pass Options.Host = X-Forwarded-Host when behind a proxy that rewrites
//     Host, and Options.Region = the region clients sign for.
//   - After Verify, check the body per Result.PayloadHash: a hex digest ->
//     wrap the body in NewHashedBody and call Check after reading it (before
//     committing); UNSIGNED-PAYLOAD -> nothing; a STREAMING-* token
//     (ParseChunkMode) -> require Content-Encoding aws-chunked and
//     x-amz-decoded-content-length, and read the payload through
//     NewChunkedReader with Result, x-amz-trailer's names (lower case), and
//     compare Trailers() x-amz-checksum-* values with the checksums computed
//     over the decoded bytes.
//   - Map errors as below. Verify fills Result as far as it got.
//
// # Errors
//
// All errors wrap one of the sentinels (errors.Is); the wrapped message is
// suitable as the S3 error Message. The S3 error code and HTTP status to send:
//
//	ErrNoAuth                  not V4: try another scheme or anonymous
//	ErrMultipleAuth            400 InvalidArgument "Only one auth mechanism allowed"
//	ErrMalformedHeader         400 AuthorizationHeaderMalformed (for a wrong region AWS
//	                           adds <Region> with the expected region)
//	ErrMalformedQuery          400 AuthorizationQueryParametersError
//	ErrUnsupportedAlgorithm    header: 400 InvalidArgument "Unsupported Authorization Type";
//	                           pre-signed (Result.Presigned): 400
//	                           AuthorizationQueryParametersError
//	ErrMissingDate             403 AccessDenied "AWS authentication requires a valid Date
//	                           or x-amz-date header"
//	ErrMissingContentSHA256    400 InvalidRequest "Missing required header for this
//	                           request: x-amz-content-sha256"
//	ErrInvalidPayloadHash      400 InvalidArgument "x-amz-content-sha256 must be
//	                           UNSIGNED-PAYLOAD, STREAMING-..., or a valid sha256 value."
//	ErrInvalidAccessKeyID      403 InvalidAccessKeyId
//	ErrSignatureDoesNotMatch   403 SignatureDoesNotMatch (with Result.StringToSign,
//	                           Result.CanonicalRequest, Result.Signature)
//	ErrHeadersNotSigned        403 AccessDenied "There were headers present in the
//	                           request which were not signed"
//	ErrRequestTimeTooSkewed    403 RequestTimeTooSkewed (RequestTime = Result.AmzDate,
//	                           MaxAllowedSkewMilliseconds 900000)
//	ErrNotYetValid             403 AccessDenied "Request is not valid yet" (AWS's answer
//	                           to a pre-signed X-Amz-Date more than 15 minutes ahead)
//	ErrExpired                 403 AccessDenied "Request has expired"
//	ErrContentSHA256Mismatch   400 XAmzContentSHA256Mismatch
//	ErrChunkSignatureMismatch  403 SignatureDoesNotMatch
//	ErrTrailer                 400 MalformedTrailerError "The request contained trailing
//	                           data that was not well-formed or did not conform to our
//	                           published schema."
//	ErrMalformedChunk          400 IncompleteBody (*)
//	ErrDecodedLengthMismatch   400 IncompleteBody (*)
//	io.ErrUnexpectedEOF        400 IncompleteBody "You did not provide the number of
//	                           bytes specified by the Content-Length HTTP header"
//
// (*) AWS documents no specific code for a malformed aws-chunked body or a
// payload length that differs from x-amz-decoded-content-length; IncompleteBody
// is what S3 answers to a body that does not deliver what its headers promise,
// and is the choice here.
//
// # aws-chunked
//
// See ChunkedReader for the ordering guarantee and EncodeChunked for the
// framing. The variants (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html,
// sigv4-streaming-trailers.html) are selected by x-amz-content-sha256:
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD (Signed), ...-PAYLOAD-TRAILER
// (SignedTrailer) and STREAMING-UNSIGNED-PAYLOAD-TRAILER (UnsignedTrailer).
// Chunk string to sign:
//
//	AWS4-HMAC-SHA256-PAYLOAD \n AmzDate \n Scope \n previous-signature \n hex(sha256("")) \n hex(sha256(chunk data))
//
// Trailer string to sign:
//
//	AWS4-HMAC-SHA256-TRAILER \n AmzDate \n Scope \n previous-signature \n hex(sha256("name:value\n" ...))
//
// The decoder is strict about chunk framing (every client writes CRLF and
// "hex;chunk-signature=<64 hex>") and lenient only where real clients differ
// in the trailer section (see ChunkedReader). SigV4a
// (AWS4-ECDSA-P256-SHA256) is not supported.
package sigv4
