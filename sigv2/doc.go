// Package sigv2 signs and verifies AWS Signature Version 2 requests, the
// HMAC-SHA1 scheme that s3cmd (signature_v2 = True), minio-go's V2 signer,
// boto/boto3 (signature_version "s3") and old pre-signed URLs still use.
//
// It is pure: it reads an *http.Request and a secret-lookup function and
// imports nothing outside the standard library, so the frontend decides what
// an error means to a client. The string to sign is the one of
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html:
//
//	VERB \n Content-MD5 \n Content-Type \n Date \n CanonicalizedAmzHeaders CanonicalizedResource
//
// # Why Verify tries more than one string to sign
//
// V2 signs the path "as it appears in the request", and real clients disagree
// on what that is. Verify therefore computes a small, fixed set of candidate
// strings and accepts the request when the presented signature equals the
// HMAC of one of them (each compared in constant time with hmac.Equal). Every
// candidate is a deterministic canonical form of the same request: the
// method, Content-MD5, Content-Type, the effective date, every x-amz-* header
// and the decoded path are in all of them, so accepting a candidate is never
// weaker than one exact signature match of a form some real client produces.
// The candidates are the product of:
//
// Path (CanonicalizedResource path part):
//   - the resourcePath the frontend passes (r.URL.EscapedPath(), with the
//     bucket prepended for virtual-hosted requests): what AWS specifies and
//     what s3cmd 2.x, botocore, boto and minio-go send and sign alike;
//   - the raw path of the request line (r.RequestURI), when it decodes to the
//     same path: Go's EscapedPath re-escapes a raw path that contains bytes it
//     considers invalid (s3cmd 1.x sends '^', '\' and similar literally and
//     signs them literally), so the bytes the client really signed are only
//     in the request line;
//   - the decoded path re-encoded AWS-style (A-Za-z0-9 -_.~ and '/' kept,
//     every other byte %XX in upper case): the form s3cmd's s3_quote and
//     minio-go's s3utils.EncodePath sign, which differs from the received
//     path when a proxy or HTTP library re-escaped it on the way (for example
//     '+' sent literally, or lower-case escapes).
//
// Each of these decodes to the same path, so no candidate lets a signature
// for one key authorise another. The decoded path itself is deliberately
// never a candidate: "/b/a%20b" (key "a b") and "/b/a%2520b" (key "a%20b")
// would then share a string to sign.
//
// Sub-resources (the query parameters that are part of the resource):
//   - AWS: the union of the sub-resources AWS documents and that any of the
//     clients below signs, sorted by name, values decoded, "name" alone when
//     the value is empty;
//   - botocore/boto: their QSAOfInterest list, values percent-decoded ('+'
//     kept), "name=" kept when the request has "name=" with an empty value;
//   - s3cmd (header auth only): its SUBRESOURCES_TO_INCLUDE list, values
//     re-encoded with s3_quote as S3/Crypto.py sign_request_v2 signs them;
//   - minio-go: its resourceList, first value only, as
//     pkg/signer/request-signature-v2.go signs it.
//
// A client's list that lacks a sub-resource means that client's signature
// does not cover it; accepting that client's form lets a replayed request of
// that client gain such a parameter, which is the client's own weakness (V2
// never signs the body either). Pre-signed URLs are not checked against
// s3cmd's header list because it lacks the response-* overrides: with it, a
// holder of a GET URL could add ?response-content-type=text/html.
//
// Date line (header auth with an x-amz-date header):
//   - empty, x-amz-date among the amz headers (the documented rule; boto,
//     s3cmd);
//   - the Date header, x-amz-date among the amz headers (botocore, and what
//     minio's server computes);
//   - the x-amz-date value, x-amz-date left out of the amz headers (the form
//     of the AWS documentation's own "Delete" example).
//
// At most 3 paths x 4 sub-resource forms x 3 date lines are hashed, and
// duplicates only once; a typical request has one candidate.
//
// # Errors
//
// Verify returns one of the sentinel errors below, possibly wrapped with
// detail; errors.Is tells them apart. Following AWS (and ceph's s3-tests),
// the frontend should map them as:
//
//	ErrNoAuth                 not a V2 request: try another scheme or anonymous
//	ErrMalformed              header: 400 InvalidArgument; pre-signed (Result.Presigned):
//	                          403 AccessDenied "Query-string authentication requires the
//	                          Signature, Expires and AWSAccessKeyId parameters"
//	ErrInvalidAccessKeyID     403 InvalidAccessKeyId
//	ErrSignatureDoesNotMatch  403 SignatureDoesNotMatch, with Result.StringToSign
//	ErrRequestTimeTooSkewed   403 RequestTimeTooSkewed (Result.Date is the request time)
//	ErrMissingDate            403 AccessDenied "AWS authentication requires a valid Date
//	                          or x-amz-date header" (also for an unparsable or pre-1970 date)
//	ErrExpired                403 AccessDenied "Request has expired"
//
// A request with both a V2 Authorization header and query authentication is
// ErrMalformed with Result.Presigned false (AWS: 400 InvalidArgument, "Only
// one auth mechanism allowed").
package sigv2
