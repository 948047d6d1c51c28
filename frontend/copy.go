package frontend

import (
	"cmp"
	"context"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/amphora-s3/amphora/store"
)

// CopyObject and UploadPartCopy: the source is looked up once
// (HeadObject), its exact version is streamed (ReadObject) into a new
// object or part, and nothing is shared with it afterwards: deleting or
// overwriting either side never touches the other. Memory is bounded by
// the store's blocks in flight, whatever the size.

// copySource is a parsed x-amz-copy-source.
type copySource struct {
	bucket, key string
	versionID   string // "" when not given
}

// parseCopySource parses "bucket/key" or "/bucket/key", URL-encoded, with
// an optional "?versionId=...".
func parseCopySource(v string) (copySource, error) {
	bad := errInvalidArgument.withMessage("Copy Source must mention the source bucket and key: sourcebucket/sourcekey").
		with(field{"ArgumentName", "x-amz-copy-source"}, field{"ArgumentValue", v})
	var src copySource
	rawPath, rawQuery, hasQuery := strings.Cut(v, "?")
	p, err := url.PathUnescape(rawPath)
	if err != nil {
		return src, bad
	}
	bucket, key, ok := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	if !ok || bucket == "" || key == "" || !utf8.ValidString(p) {
		return src, bad
	}
	if len(key) > maxKeyLen {
		return src, errKeyTooLong.with(field{"Size", strconv.Itoa(len(key))}, field{"MaxSizeAllowed", strconv.Itoa(maxKeyLen)})
	}
	src.bucket, src.key = bucket, key
	if hasQuery {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return src, bad
		}
		if vs, ok := q["versionId"]; ok {
			src.versionID = first(vs)
			if src.versionID == "" {
				return src, errInvalidArgument.withMessage("Version id cannot be the empty string").
					with(field{"ArgumentName", "versionId"}, field{"ArgumentValue", ""})
			}
		}
	}
	return src, nil
}

// copySourceConditions maps the x-amz-copy-source-if-* headers to the
// conditions evalConditions knows. Their rules are the GET ones, except
// that every false outcome is 412 (never 304).
var copySourceConditions = []struct{ header, as string }{
	{"X-Amz-Copy-Source-If-Match", "If-Match"},
	{"X-Amz-Copy-Source-If-None-Match", "If-None-Match"},
	{"X-Amz-Copy-Source-If-Modified-Since", "If-Modified-Since"},
	{"X-Amz-Copy-Source-If-Unmodified-Since", "If-Unmodified-Since"},
}

// sourceObject resolves the request's copy source: the principal must be
// allowed s3:GetObject on it (authorize.go), only the current version
// ("null": buckets are not versioned) can be named, and the copy-source
// conditions must hold.
func (s *server) sourceObject(r *http.Request) (store.Object, store.Bucket, error) {
	ri := info(r)
	src, err := parseCopySource(r.Header.Get("X-Amz-Copy-Source"))
	if err != nil {
		return store.Object{}, store.Bucket{}, err
	}
	b, obj, err := s.decideObject(request{r: r, id: ri.ident, action: "s3:GetObject", bucket: src.bucket, key: src.key, versionID: src.versionID})
	if err != nil {
		return store.Object{}, b, err
	}
	if obj.DeleteMarker {
		return store.Object{}, b, errInvalidRequest.withMessage("The source of a copy request may not specifically refer to a delete marker by version id.")
	}
	// An SSE-C source is read with its key, from the copy-source headers.
	key, err := s.readKey(r, obj.SSE, true)
	if err != nil {
		return store.Object{}, b, err
	}
	obj.SSEKey = key
	if err := expectedOwner(r.Header.Get("X-Amz-Source-Expected-Bucket-Owner"), b); err != nil {
		return store.Object{}, b, err
	}
	cond := http.Header{}
	for _, c := range copySourceConditions {
		if v := r.Header.Get(c.header); v != "" {
			cond.Set(c.as, v)
		}
	}
	if c, name := evalConditions(cond, obj.ETag, obj.LastModified); c != condProceed {
		return store.Object{}, b, errPreconditionFailed.with(field{"Condition", "x-amz-copy-source-" + name})
	}
	return obj, b, nil
}

// copySourceHeader is x-amz-copy-source-version-id of a copy from src in
// bucket b, when b is versioned.
func copySourceHeader(b store.Bucket, src store.Object) []field {
	if !b.Versioned() {
		return nil
	}
	return []field{{"X-Amz-Copy-Source-Version-Id", src.VersionID}}
}

// errCopyTooLarge is AWS's answer to a copy source over 5 GiB.
var errCopyTooLarge = errInvalidRequest.withMessage("The specified copy source is larger than the maximum allowable size for a copy source: 5368709120")

// copyBody streams bytes [off, off+n) of src into put (PutObject or
// UploadPart, given the body and its size). A whole single-PUT source
// carries its MD5 along, so the store checks the copy end to end. The
// source's bytes failing to arrive whole is the server's fault, never the
// client's BadDigest or IncompleteBody.
func (s *server) copyBody(ctx context.Context, src store.Object, off, n int64, put func(body io.Reader, md5 []byte) error) error {
	rc, err := s.store.ReadObject(ctx, src, off, n)
	if err != nil {
		return err
	}
	defer rc.Close()
	var sum []byte
	if off == 0 && n == src.Size && src.Parts == 0 && src.SSE == "" { // an SSE-C ETag is no MD5 of the bytes
		if b, err := hex.DecodeString(src.ETag); err == nil && len(b) == 16 {
			sum = b
		}
	}
	err = put(rc, sum)
	if errors.Is(err, store.ErrBadDigest) || errors.Is(err, store.ErrIncompleteBody) {
		return fmt.Errorf("copy of %s/%s: source bytes did not arrive whole: %w (%v)", src.Bucket, src.Key, errInternal, err)
	}
	return err
}

type copyObjectResult struct {
	XMLName      xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CopyObjectResult"`
	LastModified string
	ETag         string
	ChecksumType string `xml:",omitempty"`
	mpChecksums
	hdrs []field // response headers (headerDoc)
}

func (d copyObjectResult) headers() []field { return d.hdrs }

// copyObject answers PUT /bucket/key with x-amz-copy-source. The
// metadata directive COPY (the default) keeps the source's metadata and
// content headers; REPLACE takes them from the request. The destination
// takes If-None-Match / If-Match as PutObject does.
func (s *server) copyObject(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	conds, err := parsePutConditions(r.Header)
	if err != nil {
		return err
	}
	var meta store.Meta
	directive := r.Header.Get("X-Amz-Metadata-Directive")
	switch directive {
	case "", "COPY":
	case "REPLACE":
		if meta, err = metaFromHeaders(r.Header); err != nil {
			return err
		}
	default:
		return errInvalidArgument.withMessage("Unknown metadata directive.").
			with(field{"ArgumentName", "x-amz-metadata-directive"}, field{"ArgumentValue", directive})
	}
	src, srcBucket, err := s.sourceObject(r)
	if err != nil {
		return err
	}
	sse, err := s.writeKey(r, ri.bucket)
	if err != nil {
		return err
	}
	if src.Bucket == ri.addr.Bucket && src.Key == ri.addr.Key && directive != "REPLACE" && sse == nil && src.SSE == "" {
		return errInvalidRequest.withMessage("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
	}
	if src.Size > maxPutSize {
		return errCopyTooLarge
	}
	if directive != "REPLACE" {
		meta = src.Meta
	}
	// The copy's ACL comes from this request, never from its source.
	owner, acl, err := s.newObjectACL(r, ri.bucket)
	if err != nil {
		return err
	}
	tags, err := copyTags(r, src)
	if err != nil {
		return err
	}
	// Like its ACL, the copy's lock comes from this request (and the
	// bucket's default), never from its source.
	lock, err := s.writeLock(r, ri.bucket, false)
	if err != nil {
		return err
	}
	in := store.PutInput{
		Bucket:      ri.addr.Bucket,
		Key:         ri.addr.Key,
		Owner:       owner,
		ACL:         acl,
		Tags:        tags,
		Lock:        lock,
		Size:        src.Size,
		Meta:        meta,
		IfNoneMatch: conds.ifNoneMatch,
		IfMatch:     conds.ifMatch,
		SSE:         sse,
	}
	// The bytes are the source's, so a whole-object checksum of them
	// still holds. A COMPOSITE one describes the source's parts, which
	// the copy does not have: it is not carried over.
	if c := src.Checksum; c.Algorithm != "" && c.Type == "FULL_OBJECT" {
		in.Verify = func() (store.Checksum, error) { return c, nil }
	}
	return s.respondLong(w, r, func() (any, error) {
		var obj store.Object
		err := s.copyBody(r.Context(), src, 0, src.Size, func(body io.Reader, sum []byte) error {
			in.Body, in.ContentMD5 = body, sum
			var err error
			obj, err = s.store.PutObject(r.Context(), in)
			return err
		})
		if err != nil {
			return nil, conds.explain(err)
		}
		doc := copyObjectResult{
			LastModified: xmlTime(obj.LastModified),
			ETag:         `"` + obj.ETag + `"`,
			ChecksumType: obj.Checksum.Type,
			mpChecksums:  mpChecksumsOf(obj.Checksum),
		}
		doc.hdrs = append(copySourceHeader(srcBucket, src), sseFields(sse)...)
		if ri.bucket.Versioned() {
			doc.hdrs = append(doc.hdrs, field{"X-Amz-Version-Id", obj.VersionID})
		}
		if f, ok := s.expirationField(r, ri.bucket, obj); ok {
			doc.hdrs = append(doc.hdrs, f)
		}
		return doc, nil
	})
}

// parseCopyRange parses x-amz-copy-source-range, "bytes=first-last", and
// checks it against the source's size, with AWS's messages.
func parseCopyRange(v string, size int64) (byteRange, error) {
	spec, ok := strings.CutPrefix(v, "bytes=")
	a, b, ok2 := strings.Cut(spec, "-")
	from, bad1 := parseDigits(a)
	to, bad2 := parseDigits(b)
	if !ok || !ok2 || bad1 || bad2 || to < from {
		return byteRange{}, errInvalidArgument.withMessage("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy").
			with(field{"ArgumentName", "x-amz-copy-source-range"}, field{"ArgumentValue", v})
	}
	if to >= size {
		return byteRange{}, errInvalidArgument.withMessage("Range specified is not valid for source object of size: "+strconv.FormatInt(size, 10)).
			with(field{"ArgumentName", "x-amz-copy-source-range"}, field{"ArgumentValue", v})
	}
	return byteRange{from, to - from + 1}, nil
}

type copyPartResult struct {
	XMLName      xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CopyPartResult"`
	LastModified string
	ETag         string
	mpChecksums
	hdrs []field // response headers (headerDoc)
}

func (d copyPartResult) headers() []field { return d.hdrs }

// uploadPartCopy answers PUT /bucket/key?partNumber=N&uploadId=X with
// x-amz-copy-source: the part is the source, or the bytes of it that
// x-amz-copy-source-range names.
func (s *server) uploadPartCopy(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	n, err := parsePartNumber(ri.query["partNumber"])
	if err != nil {
		return err
	}
	uploadID := ri.query.Get("uploadId")
	src, srcBucket, err := s.sourceObject(r)
	if err != nil {
		return err
	}
	rng := byteRange{0, src.Size}
	if v, ok := r.Header["X-Amz-Copy-Source-Range"]; ok {
		if rng, err = parseCopyRange(first(v), src.Size); err != nil {
			return err
		}
	}
	if rng.n > store.MaxPartSize {
		return errCopyTooLarge
	}
	sse, err := s.sseKey(r, false)
	if err != nil {
		return err
	}
	managed := &partKeys{s: s}
	in := store.PartInput{
		SSE:        sse,
		Managed:    managed.resolve,
		Bucket:     ri.addr.Bucket,
		Key:        ri.addr.Key,
		UploadID:   uploadID,
		PartNumber: n,
		Size:       rng.n,
	}
	return s.respondLong(w, r, func() (any, error) {
		var part store.Part
		err := s.copyBody(r.Context(), src, rng.off, rng.n, func(body io.Reader, sum []byte) error {
			in.Body, in.ContentMD5 = body, sum
			var err error
			part, err = s.store.UploadPart(r.Context(), in)
			return err
		})
		if err != nil {
			return nil, uploadError(err, uploadID)
		}
		return copyPartResult{
			hdrs:         append(copySourceHeader(srcBucket, src), sseFields(cmp.Or(sse, managed.key))...),
			LastModified: xmlTime(part.LastModified),
			ETag:         `"` + part.ETag + `"`,
			mpChecksums:  mpChecksumsOf(part.Checksum),
		}, nil
	})
}
