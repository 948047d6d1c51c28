// Package frontend serves the S3 REST API over HTTP on top of a store.Store.
//
// It is stateless: every request is authenticated (Signature Version 4 or
// 2, by header or presigned query), addressed (path-style or
// virtual-hosted-style), routed through one gorilla/mux table and answered
// from the store. AWS S3 is the reference for every status code, error
// code, XML shape and header; where this package departs from AWS the
// comment at the spot says why.
//
// Layout, one concern per file:
//
//	server.go          Options, New and the per-request chain (request id, logger, access log)
//	address.go         bucket and key from Host and the escaped path
//	router.go          the route table
//	auth.go            the verifier chain, SigV2 and tenancy
//	sigv4auth.go       SigV4 verification and its error details
//	payload.go         the body in the form the signature announced: hex SHA-256, aws-chunked, trailers, checksums
//	errors.go          the S3 error type and the one table of causes
//	adapter.go         handlers return error; one adapter writes the response
//	bucket.go          ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation
//	bucketname.go      bucket naming rules
//	object.go          PutObject, GetObject, HeadObject, DeleteObject
//	conditional_put.go If-None-Match: * and If-Match on PUT and completion
//	partnumber.go      GET and HEAD with partNumber
//	multipart.go       CreateMultipartUpload, UploadPart, Complete, Abort, ListParts, ListMultipartUploads
//	multipart_keepalive.go  200 and whitespace while a long completion or copy runs
//	copy.go            CopyObject and UploadPartCopy
//	meta.go            content headers and x-amz-meta-* in and out
//	conditional.go     If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since
//	rangehdr.go        the Range header
//	list.go            ListObjects and ListObjectsV2
//	delete_multiple.go DeleteObjects
//	acl.go             the fixed owner-only ACL answers
//	cors.go            Put/Get/DeleteBucketCors: the CORSConfiguration document and its rules
//	cors_match.go      matching a request to a CORS rule, the headers a match answers with
//	cors_preflight.go  OPTIONS, answered without authentication from the bucket's CORS rules
//	cors_headers.go    CORS headers on actual responses, added as the response starts
//	xml.go             XML helpers
//	log.go             response recorder, byte counters, request ids
//
// Memory per request is bounded: object bodies stream between the client
// and the store, and the only request bodies read into memory are the
// small XML documents of CreateBucket, DeleteObjects and
// CompleteMultipartUpload, under a limit.
package frontend
