package frontend

import (
	"net/http"
	"slices"
	"strings"
)

// A request header that asks for a feature Amphora does not have is
// refused with the error S3 gives, never accepted and dropped: a client
// asking for encryption, a retention or a public ACL must learn it did
// not get it. Each row names the operations that take the header and the
// values that need no feature (what Amphora does anyway).
type featureHeader struct {
	name string
	ops  []string
	// ok reports whether a value asks for nothing Amphora lacks; nil
	// means no value does.
	ok func(v string) bool
	// err is the answer otherwise; nil means 501 NotImplemented naming
	// the header.
	err *Error
}

var (
	writeOps  = []string{"PutObject", "CopyObject", "CreateMultipartUpload"}
	deleteOps = []string{"DeleteObject", "DeleteObjects"}
	// everyOp marks a header refused on any operation.
	everyOp []string
)

// storageClasses are the classes S3 defines; of them Amphora stores
// STANDARD only.
var storageClasses = []string{"STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA",
	"INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE", "OUTPOSTS", "GLACIER_IR", "SNOW", "EXPRESS_ONEZONE"}

var errInvalidStorageClass = &Error{"InvalidStorageClass", http.StatusBadRequest, "The storage class you specified is not valid", nil, ""}

func equalFold(want ...string) func(string) bool {
	return func(v string) bool {
		return slices.ContainsFunc(want, func(w string) bool { return strings.EqualFold(strings.TrimSpace(v), w) })
	}
}

var featureHeaders = []featureHeader{
	// Storage classes: STANDARD only.
	{name: "X-Amz-Storage-Class", ops: writeOps, ok: func(v string) bool { return v == "STANDARD" },
		err: errInvalidStorageClass.withMessage("The storage class you specified is not valid: this endpoint stores STANDARD only")},
	// SSE-KMS encryption contexts (sse_managed.go has SSE-S3, SSE-KMS
	// and sse.go SSE-C).
	{name: "X-Amz-Server-Side-Encryption-Context", ops: writeOps},
	// A read is decrypted with the key its object was written with: asking
	// a GET or HEAD for server-side encryption is S3's 400.
	{name: "X-Amz-Server-Side-Encryption", ops: []string{"GetObject", "HeadObject"},
		err: errInvalidArgument.withMessage("x-amz-server-side-encryption header is not supported for this operation.")},
	// Static website redirects.
	{name: "X-Amz-Website-Redirect-Location", ops: writeOps},
	{name: "X-Amz-Mfa", ops: everyOp},
	// Appends (issue: appendable objects) and conditional deletes.
	{name: "X-Amz-Write-Offset-Bytes", ops: everyOp},
	{name: "X-Amz-If-Match-Last-Modified-Time", ops: deleteOps},
	{name: "X-Amz-If-Match-Size", ops: deleteOps},
	{name: "If-Match", ops: deleteOps},
}

// refuseFeatureHeaders returns the error for the first header of r that
// asks op for a feature Amphora does not have, nil when there is none.
func refuseFeatureHeaders(op string, r *http.Request) error {
	for _, fh := range featureHeaders {
		vs, present := r.Header[fh.name]
		if !present || (fh.ops != nil && !slices.Contains(fh.ops, op)) {
			continue
		}
		if fh.ok != nil && len(vs) == 1 && fh.ok(vs[0]) {
			continue
		}
		if fh.err != nil {
			return fh.err
		}
		return errNotImplemented.with(field{"Header", fh.name})
	}
	return nil
}
