package frontend

import (
	"net/http"

	"github.com/gorilla/mux"
)

// route is one line of the route table: an S3 operation, the method and
// level it answers, an optional extra condition (a sub-resource or a
// header), the S3 action it performs (authorize.go; "" for operations
// answered NotImplemented, unauthenticated for the one answered before
// and without authentication) and its handler.
type route struct {
	op     string
	method string // "" for any method
	level  level
	when   mux.MatcherFunc // nil for none
	action string
	h      handlerFunc
}

// anyLevel matches service, bucket and object requests alike.
const anyLevel level = -1

// unauthenticated is the action of a route answered without
// authentication or authorization: the CORS preflight, which browsers
// send without credentials (cors_preflight.go).
const unauthenticated = "(unauthenticated)"

// routes builds the one route table. The first match wins, so every
// sub-resource route comes before the plain route of the same method and
// level: PUT /bucket?acl must never create a bucket, and PUT with
// x-amz-copy-source must never store an empty object.
func (s *server) routes() *mux.Router {
	table := []route{
		// A CORS preflight, whatever its query (a pre-signed URL's
		// included): answered from the bucket's CORS rules, unsigned.
		{"PreflightCORS", http.MethodOptions, anyLevel, nil, unauthenticated, s.preflight},
		// A version id on an operation that takes none is refused, never
		// answered for the current version.
		{"NotImplemented", "", anyLevel, versionIDUnsupported, "", s.notImplemented},
		// Sub-resources we answer.
		{"GetBucketLocation", http.MethodGet, levelBucket, query("location"), "s3:GetBucketLocation", s.getBucketLocation},
		{"GetBucketAcl", http.MethodGet, levelBucket, query("acl"), "s3:GetBucketAcl", s.getBucketACL},
		{"GetObjectAcl", http.MethodGet, levelObject, query("acl"), "s3:GetObjectAcl", s.getObjectACL},
		{"PutBucketAcl", http.MethodPut, levelBucket, query("acl"), "s3:PutBucketAcl", s.putBucketACL},
		{"PutObjectAcl", http.MethodPut, levelObject, query("acl"), "s3:PutObjectAcl", s.putObjectACL},
		{"GetBucketOwnershipControls", http.MethodGet, levelBucket, query("ownershipControls"), "s3:GetBucketOwnershipControls", s.getBucketOwnershipControls},
		{"PutBucketOwnershipControls", http.MethodPut, levelBucket, query("ownershipControls"), "s3:PutBucketOwnershipControls", s.putBucketOwnershipControls},
		{"DeleteBucketOwnershipControls", http.MethodDelete, levelBucket, query("ownershipControls"), "s3:PutBucketOwnershipControls", s.deleteBucketOwnershipControls},
		{"GetBucketVersioning", http.MethodGet, levelBucket, query("versioning"), "s3:GetBucketVersioning", s.getBucketVersioning},
		{"PutBucketVersioning", http.MethodPut, levelBucket, query("versioning"), "s3:PutBucketVersioning", s.putBucketVersioning},
		{"ListObjectVersions", http.MethodGet, levelBucket, query("versions"), "s3:ListBucketVersions", s.listObjectVersions},
		{"GetBucketPolicy", http.MethodGet, levelBucket, query("policy"), "s3:GetBucketPolicy", s.getBucketPolicy},
		{"PutBucketPolicy", http.MethodPut, levelBucket, query("policy"), "s3:PutBucketPolicy", s.putBucketPolicy},
		{"DeleteBucketPolicy", http.MethodDelete, levelBucket, query("policy"), "s3:DeleteBucketPolicy", s.deleteBucketPolicy},
		{"GetBucketPolicyStatus", http.MethodGet, levelBucket, query("policyStatus"), "s3:GetBucketPolicyStatus", s.getBucketPolicyStatus},
		{"GetPublicAccessBlock", http.MethodGet, levelBucket, query("publicAccessBlock"), "s3:GetBucketPublicAccessBlock", s.getPublicAccessBlock},
		{"PutPublicAccessBlock", http.MethodPut, levelBucket, query("publicAccessBlock"), "s3:PutBucketPublicAccessBlock", s.putPublicAccessBlock},
		{"DeletePublicAccessBlock", http.MethodDelete, levelBucket, query("publicAccessBlock"), "s3:PutBucketPublicAccessBlock", s.deletePublicAccessBlock},
		{"GetObjectAttributes", http.MethodGet, levelObject, query("attributes"), "s3:GetObjectAttributes", s.getObjectAttributes},
		{"GetObjectTagging", http.MethodGet, levelObject, query("tagging"), "s3:GetObjectTagging", s.getObjectTagging},
		{"PutObjectTagging", http.MethodPut, levelObject, query("tagging"), "s3:PutObjectTagging", s.putObjectTagging},
		{"DeleteObjectTagging", http.MethodDelete, levelObject, query("tagging"), "s3:DeleteObjectTagging", s.deleteObjectTagging},
		{"GetBucketTagging", http.MethodGet, levelBucket, query("tagging"), "s3:GetBucketTagging", s.getBucketTagging},
		{"PutBucketTagging", http.MethodPut, levelBucket, query("tagging"), "s3:PutBucketTagging", s.putBucketTagging},
		{"DeleteBucketTagging", http.MethodDelete, levelBucket, query("tagging"), "s3:PutBucketTagging", s.deleteBucketTagging},
		{"GetBucketCors", http.MethodGet, levelBucket, query("cors"), "s3:GetBucketCORS", s.getBucketCors},
		{"PutBucketCors", http.MethodPut, levelBucket, query("cors"), "s3:PutBucketCORS", s.putBucketCors},
		{"DeleteBucketCors", http.MethodDelete, levelBucket, query("cors"), "s3:PutBucketCORS", s.deleteBucketCors},
		{"GetBucketLifecycleConfiguration", http.MethodGet, levelBucket, query("lifecycle"), "s3:GetLifecycleConfiguration", s.getBucketLifecycle},
		{"PutBucketLifecycleConfiguration", http.MethodPut, levelBucket, query("lifecycle"), "s3:PutLifecycleConfiguration", s.putBucketLifecycle},
		{"DeleteBucketLifecycle", http.MethodDelete, levelBucket, query("lifecycle"), "s3:PutLifecycleConfiguration", s.deleteBucketLifecycle},
		{"GetBucketEncryption", http.MethodGet, levelBucket, query("encryption"), "s3:GetEncryptionConfiguration", s.getBucketEncryption},
		{"PutBucketEncryption", http.MethodPut, levelBucket, query("encryption"), "s3:PutEncryptionConfiguration", s.putBucketEncryption},
		{"DeleteBucketEncryption", http.MethodDelete, levelBucket, query("encryption"), "s3:PutEncryptionConfiguration", s.deleteBucketEncryption},
		{"GetObjectLockConfiguration", http.MethodGet, levelBucket, query("object-lock"), "s3:GetBucketObjectLockConfiguration", s.getObjectLockConfiguration},
		{"PutObjectLockConfiguration", http.MethodPut, levelBucket, query("object-lock"), "s3:PutBucketObjectLockConfiguration", s.putObjectLockConfiguration},
		{"GetObjectRetention", http.MethodGet, levelObject, query("retention"), "s3:GetObjectRetention", s.getObjectRetention},
		{"PutObjectRetention", http.MethodPut, levelObject, query("retention"), "s3:PutObjectRetention", s.putObjectRetention},
		{"GetObjectLegalHold", http.MethodGet, levelObject, query("legal-hold"), "s3:GetObjectLegalHold", s.getObjectLegalHold},
		{"PutObjectLegalHold", http.MethodPut, levelObject, query("legal-hold"), "s3:PutObjectLegalHold", s.putObjectLegalHold},
		{"DeleteObjects", http.MethodPost, levelBucket, query("delete"), "s3:DeleteObject", s.deleteObjects},
		{"ListObjectsV2", http.MethodGet, levelBucket, queryValue("list-type", "2"), "s3:ListBucket", s.listObjectsV2},
		// Multipart uploads (multipart.go, copy.go).
		{"ListMultipartUploads", http.MethodGet, levelBucket, query("uploads"), "s3:ListBucketMultipartUploads", s.listMultipartUploads},
		{"CreateMultipartUpload", http.MethodPost, levelObject, query("uploads"), "s3:PutObject", s.createMultipartUpload},
		{"UploadPartCopy", http.MethodPut, levelObject, all(query("uploadId"), header("X-Amz-Copy-Source")), "s3:PutObject", s.uploadPartCopy},
		{"UploadPart", http.MethodPut, levelObject, query("uploadId"), "s3:PutObject", s.uploadPart},
		{"CompleteMultipartUpload", http.MethodPost, levelObject, query("uploadId"), "s3:PutObject", s.completeMultipartUpload},
		{"AbortMultipartUpload", http.MethodDelete, levelObject, query("uploadId"), "s3:AbortMultipartUpload", s.abortMultipartUpload},
		{"ListParts", http.MethodGet, levelObject, query("uploadId"), "s3:ListMultipartUploadParts", s.listParts},
		// Appendable objects (append.go): OSS's POST and RGW's PUT form.
		{"AppendObject", http.MethodPost, levelObject, query("append"), "s3:PutObject", s.appendObject},
		{"AppendObject", http.MethodPut, levelObject, query("append"), "s3:PutObject", s.appendObject},
		// Everything else on a known sub-resource, and features that ride
		// on plain routes, are not implemented (yet).
		{"NotImplemented", "", anyLevel, unsupportedSubresource, "", s.notImplemented},
		// Any other use of the multipart sub-resources (DELETE /bucket?uploads,
		// PUT ?partNumber without uploadId...) must not reach a plain route.
		{"MethodNotAllowed", "", anyLevel, misusedMultipart, "", s.methodNotAllowed},
		{"CopyObject", http.MethodPut, levelObject, header("X-Amz-Copy-Source"), "s3:PutObject", s.copyObject},
		{opPostObject, http.MethodPost, levelBucket, nil, "s3:PutObject", s.postObject},
		// Plain routes.
		{"ListBuckets", http.MethodGet, levelService, nil, actionListAllMyBuckets, s.listBuckets},
		{"CreateBucket", http.MethodPut, levelBucket, nil, actionCreateBucket, s.createBucket},
		{"HeadBucket", http.MethodHead, levelBucket, nil, "s3:ListBucket", s.headBucket},
		{"DeleteBucket", http.MethodDelete, levelBucket, nil, "s3:DeleteBucket", s.deleteBucket},
		{"ListObjects", http.MethodGet, levelBucket, nil, "s3:ListBucket", s.listObjects},
		{"GetObject", http.MethodGet, levelObject, nil, "s3:GetObject", s.getObject},
		{"HeadObject", http.MethodHead, levelObject, nil, "s3:GetObject", s.headObject},
		{"PutObject", http.MethodPut, levelObject, nil, "s3:PutObject", s.putObject},
		{"DeleteObject", http.MethodDelete, levelObject, nil, "s3:DeleteObject", s.deleteObject},
	}
	r := mux.NewRouter().SkipClean(true).UseEncodedPath()
	for _, rt := range table {
		m := r.NewRoute().Name(rt.op).MatcherFunc(atLevel(rt.level))
		if rt.method != "" {
			m = m.Methods(rt.method)
		}
		if rt.when != nil {
			m = m.MatcherFunc(rt.when)
		}
		if rt.action == unauthenticated {
			m.Handler(s.adapt(rt.op, rt.h))
		} else {
			m.Handler(s.authenticated(rt.op, rt.action, rt.h))
		}
	}
	// Anything unmatched is a method this resource does not take. It is
	// answered before authentication: it reveals nothing.
	notAllowed := s.adapt("MethodNotAllowed", s.methodNotAllowed)
	r.NotFoundHandler = notAllowed
	r.MethodNotAllowedHandler = notAllowed
	return r
}

// atLevel matches requests addressing l (see address.level).
func atLevel(l level) mux.MatcherFunc {
	return func(r *http.Request, _ *mux.RouteMatch) bool {
		return l == anyLevel || info(r).addr.level() == l
	}
}

// query matches requests carrying sub-resource name, with or without a value.
func query(name string) mux.MatcherFunc {
	return func(r *http.Request, _ *mux.RouteMatch) bool {
		_, ok := info(r).query[name]
		return ok
	}
}

// queryValue matches requests whose query parameter name is value.
func queryValue(name, value string) mux.MatcherFunc {
	return func(r *http.Request, _ *mux.RouteMatch) bool {
		v := info(r).query[name]
		return len(v) > 0 && v[0] == value
	}
}

// all matches requests every one of ms matches.
func all(ms ...mux.MatcherFunc) mux.MatcherFunc {
	return func(r *http.Request, m *mux.RouteMatch) bool {
		for _, f := range ms {
			if !f(r, m) {
				return false
			}
		}
		return true
	}
}

// misusedMultipart matches the multipart sub-resources on a method or
// level no route above answers; partNumber is only for GET and HEAD of
// an object then.
func misusedMultipart(r *http.Request, _ *mux.RouteMatch) bool {
	q := info(r).query
	_, uploads := q["uploads"]
	_, uploadID := q["uploadId"]
	_, part := q["partNumber"]
	return uploads || uploadID ||
		part && (r.Method != http.MethodGet && r.Method != http.MethodHead || info(r).addr.level() != levelObject)
}

// versionIDUnsupported matches a versionId on anything but the object
// operations that take one: GET, HEAD and DELETE of an object, and its
// ACL, tagging, retention, legal hold and attributes sub-resources.
func versionIDUnsupported(r *http.Request, _ *mux.RouteMatch) bool {
	q := info(r).query
	if _, ok := q["versionId"]; !ok {
		return false
	}
	if info(r).addr.level() != levelObject {
		return true
	}
	_, acl := q["acl"]
	_, tagging := q["tagging"]
	_, retention := q["retention"]
	_, hold := q["legal-hold"]
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodDelete:
		_, uploads := q["uploads"]
		_, uploadID := q["uploadId"]
		return uploads || uploadID
	case http.MethodPut:
		return !acl && !tagging && !retention && !hold
	}
	return true
}

// header matches requests carrying header name.
func header(name string) mux.MatcherFunc {
	return func(r *http.Request, _ *mux.RouteMatch) bool {
		return r.Header.Get(name) != ""
	}
}

// unsupported are the S3 sub-resources this server does not implement yet.
// A request naming one is answered 501 whatever its method, rather than
// being mistaken for the plain operation on the same path.
var unsupported = []string{
	"accelerate", "acl", "analytics", "attributes", "cors", "delete",
	"intelligent-tiering", "inventory", "legal-hold",
	"lifecycle", "logging", "metadataConfiguration", "metrics",
	"notification", "object-lock", "ownershipControls", "policy",
	"policyStatus", "publicAccessBlock", "renameObject", "replication",
	"requestPayment", "restore", "retention", "select", "select-type",
	"session", "tagging", "torrent", "versioning", "versions",
	"website",
}

func unsupportedSubresource(r *http.Request, _ *mux.RouteMatch) bool {
	q := info(r).query
	for _, name := range unsupported {
		if _, ok := q[name]; ok {
			return true
		}
	}
	return false
}

func (s *server) notImplemented(http.ResponseWriter, *http.Request) error {
	return errNotImplemented
}

func (s *server) methodNotAllowed(_ http.ResponseWriter, r *http.Request) error {
	kind := map[level]string{levelService: "SERVICE", levelBucket: "BUCKET", levelObject: "OBJECT"}[info(r).addr.level()]
	return errMethodNotAllowed.with(field{"Method", r.Method}, field{"ResourceType", kind})
}
