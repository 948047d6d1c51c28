package frontend

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/amphora-s3/amphora/store"
)

// AppendObject in its two forms (store.Appends): Alibaba OSS's
// POST /bucket/key?append&position=N, answered with
// x-oss-next-append-position, and Ceph RGW's PUT /bucket/key?append&
// position=N, answered with x-rgw-next-append-position. Both are the
// s3:PutObject action (router.go), decided by authorize like a PUT.

// Errors of appends, as OSS and RGW name them.
var (
	errPositionNotEqualToLength = &Error{"PositionNotEqualToLength", http.StatusConflict,
		"Position is not equal to file length", nil, ""}
	errObjectNotAppendable = &Error{"ObjectNotAppendable", http.StatusConflict,
		"The object is not appendable", nil, ""}
)

// appendPositionHeader is the header naming the next append's position:
// OSS's for the POST form, RGW's for the PUT form.
func appendPositionHeader(r *http.Request) string {
	if r.Method == http.MethodPost {
		return "x-oss-next-append-position"
	}
	return "x-rgw-next-append-position"
}

// setAppendableHeaders tells a GET or HEAD of an appendable object what
// OSS's and RGW's do: its type and where the next append goes.
func setAppendableHeaders(h http.Header, obj store.Object) {
	next := strconv.FormatInt(obj.Size, 10)
	h.Set("x-oss-object-type", "Appendable")
	h.Set("x-oss-next-append-position", next)
	h.Set("x-rgw-next-append-position", next)
}

// appendRefusedHeaders are headers asking an append for what it cannot
// do: an appendable object is stored plain in a bucket without
// versioning, and its bytes change with every append.
var appendRefusedHeaders = []struct{ name, why string }{
	{"If-Match", "conditional appends are not supported: the position is the append's condition"},
	{"If-None-Match", "conditional appends are not supported: the position is the append's condition"},
	{"X-Amz-Server-Side-Encryption", "appendable objects cannot be encrypted"},
	{"X-Amz-Server-Side-Encryption-Customer-Algorithm", "appendable objects cannot be encrypted"},
	{"X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id", "appendable objects cannot be encrypted"},
	{"X-Amz-Object-Lock-Mode", "appendable objects cannot be locked"},
	{"X-Amz-Object-Lock-Retain-Until-Date", "appendable objects cannot be locked"},
	{"X-Amz-Object-Lock-Legal-Hold", "appendable objects cannot be locked"},
	{"X-Amz-Website-Redirect-Location", "website redirects are not implemented"},
	{"X-Amz-Copy-Source", "an append takes its bytes from its body"},
}

// creationHeaders are what only the append that creates the object may
// set (position 0): later appends keep what it gave.
// (Content-Encoding is checked apart: aws-chunked is the body's
// transport, not the object's.)
var creationHeaders = []string{"Content-Disposition", "Content-Language", "Cache-Control",
	"Expires", "X-Amz-Tagging"}

// parsePosition reads the position parameter: a decimal byte offset.
func parsePosition(r *http.Request) (int64, error) {
	v, ok := info(r).query["position"]
	if !ok || len(v) != 1 || v[0] == "" {
		return 0, errInvalidArgument.withMessage("AppendObject needs one position parameter: the object's current length").
			with(field{"ArgumentName", "position"})
	}
	pos, err := strconv.ParseInt(v[0], 10, 64)
	if err != nil || pos < 0 || strings.TrimLeft(v[0], "0123456789") != "" {
		return 0, errInvalidArgument.withMessage("position must be a non-negative decimal integer").
			with(field{"ArgumentName", "position"}, field{"ArgumentValue", v[0]})
	}
	return pos, nil
}

func (s *server) appendObject(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	pos, err := parsePosition(r)
	if err != nil {
		return err
	}
	if a := ri.query["append"]; len(a) != 1 || a[0] != "" {
		return errInvalidArgument.withMessage("append takes no value").with(field{"ArgumentName", "append"})
	}
	for _, h := range appendRefusedHeaders {
		if _, ok := r.Header[h.name]; ok {
			return errInvalidRequest.withMessage(h.name + ": " + h.why)
		}
	}
	if sc := r.Header.Get("X-Amz-Storage-Class"); sc != "" && sc != "STANDARD" {
		return errInvalidStorageClass.withMessage("The storage class you specified is not valid: this endpoint stores STANDARD only")
	}
	if err := s.appendMetaAllowed(r, pos); err != nil {
		return err
	}
	p, err := uploadPayload(r, maxPutSize)
	if err != nil {
		return err
	}
	sum, err := contentMD5(r.Header)
	if err != nil {
		return err
	}
	meta, err := metaFromHeaders(r.Header)
	if err != nil {
		return err
	}
	owner, acl, err := s.newObjectACL(r, ri.bucket)
	if err != nil {
		return err
	}
	tags, err := headerTags(r)
	if err != nil {
		return err
	}
	// Bucket default encryption (or anything else that would encrypt a
	// PUT here) is refused rather than silently not applied.
	if sse, err := s.writeKey(r, ri.bucket); err != nil {
		return err
	} else if sse != nil {
		return errInvalidRequest.withMessage("AppendObject is not supported in a bucket with default encryption: appendable objects are stored unencrypted")
	}
	// An x-amz-checksum-* of the appended bytes is checked as for a PUT
	// and answered back; it is not stored (the object's bytes change
	// with every append).
	var appended store.Checksum
	verify := func() (store.Checksum, error) {
		cs, err := p.finish()
		appended = cs
		return cs, err
	}
	obj, err := s.store.AppendObject(r.Context(), store.AppendInput{
		Bucket: ri.addr.Bucket, Key: ri.addr.Key, Owner: owner, Position: pos, Size: p.size,
		Meta: meta, ACL: acl, Tags: tags, ContentMD5: sum, Body: p.body, Verify: verify,
	})
	if err != nil {
		return appendError(r, err)
	}
	h := w.Header()
	setChecksumHeaders(h, appended)
	h.Set(appendPositionHeader(r), strconv.FormatInt(obj.Size, 10))
	h.Set("ETag", `"`+obj.ETag+`"`)
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

// appendMetaAllowed refuses, on an append that does not create the
// object, what only the creating one sets (they would be ignored):
// metadata, tags and ACL headers. A Content-Type is accepted when it is
// the object's own (OSS clients send one with every append).
func (s *server) appendMetaAllowed(r *http.Request, pos int64) error {
	if pos == 0 {
		return nil
	}
	refuse := func(name string) error {
		return errInvalidArgument.withMessage(name + " can only be set by the append that creates the object (position 0)").
			with(field{"ArgumentName", name})
	}
	for name := range r.Header {
		if strings.HasPrefix(name, "X-Amz-Meta-") {
			return refuse(name)
		}
	}
	for _, name := range creationHeaders {
		if _, ok := r.Header[name]; ok {
			return refuse(name)
		}
	}
	if storedEncoding(r.Header.Values("Content-Encoding")) != "" {
		return refuse("Content-Encoding")
	}
	if hasACLHeaders(r) {
		return refuse("x-amz-acl")
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		ri := info(r)
		obj, err := s.store.HeadObject(r.Context(), ri.addr.Bucket, ri.addr.Key)
		if err == nil && obj.Appendable && obj.Meta.ContentType != ct {
			return refuse("Content-Type")
		}
		// Otherwise the store answers (not appendable, wrong position).
	}
	return nil
}

// appendError is err as the client sees it: the position errors carry
// the object's length in the form's header.
func appendError(r *http.Request, err error) error {
	var pe *store.PositionError
	switch {
	case errors.As(err, &pe):
		return withHeaders(errPositionNotEqualToLength, field{appendPositionHeader(r), strconv.FormatInt(pe.Length, 10)})
	case errors.Is(err, store.ErrObjectNotAppendable):
		return errObjectNotAppendable
	case errors.Is(err, store.ErrAppendNotSupported):
		return errInvalidRequest.withMessage("AppendObject is not supported in a bucket whose versioning was ever enabled (or with object lock)")
	case errors.Is(err, store.ErrEntityTooLarge):
		return errEntityTooLarge.withMessage(fmt.Sprintf("An appendable object holds at most %d bytes in at most %d appends", int64(store.MaxObjectSize), store.MaxAppends))
	}
	return err
}
