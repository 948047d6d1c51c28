package frontend

import (
	"bytes"
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/store"
	"github.com/amphora-s3/amphora/store/memstore"
)

type copyDoc struct {
	XMLName            xml.Name
	LastModified, ETag string
}

// copyTo copies src (an x-amz-copy-source value) to bucket/key as alice.
func (e *env) copyTo(t *testing.T, bucket, key, src string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	h := map[string]string{"X-Amz-Copy-Source": src}
	for k, v := range hdr {
		h[k] = v
	}
	return e.signed(t, http.MethodPut, objectPath(bucket, key), nil, h)
}

func (e *env) mustGet(t *testing.T, bucket, key string) (*http.Response, []byte) {
	t.Helper()
	resp, body := e.signed(t, http.MethodGet, objectPath(bucket, key), nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	return resp, body
}

func TestCopyObject(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	e.mustCreate(t, "other")
	data := []byte("the source bytes")
	resp, body := e.signed(t, http.MethodPut, objectPath("bucket", "src dir/ä+b"), data, map[string]string{
		"Content-Type":     "text/plain",
		"Content-Language": "fr",
		"X-Amz-Meta-Color": "red",
	})
	wantStatus(t, resp, body, http.StatusOK)
	srcETag := resp.Header.Get("ETag")
	encoded := url.PathEscape("src dir/ä+b") // as SDKs send it: "/" escaped too

	t.Run("COPY keeps metadata", func(t *testing.T) {
		for _, src := range []string{"bucket/" + encoded, "/bucket/" + encoded, "/bucket/src%20dir/%C3%A4%2Bb", "/bucket/" + encoded + "?versionId=null"} {
			resp, body := e.copyTo(t, "other", "copy", src, map[string]string{
				"Content-Type":     "ignored/without-replace",
				"X-Amz-Meta-Color": "ignored",
			})
			wantStatus(t, resp, body, http.StatusOK)
			var d copyDoc
			decodeDoc(t, body, &d)
			wantRoot(t, d.XMLName, "CopyObjectResult")
			if d.ETag != srcETag || !strings.HasSuffix(d.LastModified, "Z") {
				t.Errorf("%s: result %+v", src, d)
			}
			if !contains(string(body), `<CopyObjectResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LastModified>`) {
				t.Errorf("shape: %s", body)
			}
			resp, body = e.mustGet(t, "other", "copy")
			if !bytes.Equal(body, data) || resp.Header.Get("Content-Type") != "text/plain" ||
				resp.Header.Get("Content-Language") != "fr" || resp.Header.Get("x-amz-meta-color") != "red" ||
				resp.Header.Get("ETag") != srcETag {
				t.Errorf("%s: copy %q %v", src, body, resp.Header)
			}
		}
	})
	t.Run("REPLACE takes the request's metadata", func(t *testing.T) {
		resp, body := e.copyTo(t, "bucket", "replaced", "bucket/"+encoded, map[string]string{
			"X-Amz-Metadata-Directive": "REPLACE",
			"Content-Type":             "application/json",
			"X-Amz-Meta-Shape":         "round",
		})
		wantStatus(t, resp, body, http.StatusOK)
		resp, body = e.mustGet(t, "bucket", "replaced")
		if !bytes.Equal(body, data) || resp.Header.Get("Content-Type") != "application/json" ||
			resp.Header.Get("Content-Language") != "" || resp.Header.Get("x-amz-meta-color") != "" ||
			resp.Header.Get("x-amz-meta-shape") != "round" {
			t.Errorf("copy %q %v", body, resp.Header)
		}
	})
	t.Run("onto itself", func(t *testing.T) {
		resp, body := e.copyTo(t, "bucket", "src dir/ä+b", "bucket/"+encoded, nil)
		doc := wantError(t, resp, body, http.StatusBadRequest, "InvalidRequest")
		if !strings.HasPrefix(doc.Message, "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata") {
			t.Errorf("message %q", doc.Message)
		}
		resp, body = e.copyTo(t, "bucket", "src dir/ä+b", "bucket/"+encoded, map[string]string{"X-Amz-Metadata-Directive": "COPY"})
		wantError(t, resp, body, http.StatusBadRequest, "InvalidRequest")
		resp, body = e.copyTo(t, "bucket", "src dir/ä+b", "bucket/"+encoded, map[string]string{
			"X-Amz-Metadata-Directive": "REPLACE", "X-Amz-Meta-Color": "blue", "Content-Type": "text/plain",
		})
		wantStatus(t, resp, body, http.StatusOK)
		resp, body = e.mustGet(t, "bucket", "src dir/ä+b")
		if !bytes.Equal(body, data) || resp.Header.Get("x-amz-meta-color") != "blue" {
			t.Errorf("self copy: %q %v", body, resp.Header)
		}
	})
	for _, tc := range []struct {
		name   string
		src    string
		hdr    map[string]string
		status int
		code   string
	}{
		{"no key", "bucket", nil, http.StatusBadRequest, "InvalidArgument"},
		{"empty key", "/bucket/", nil, http.StatusBadRequest, "InvalidArgument"},
		{"no bucket", "//key", nil, http.StatusBadRequest, "InvalidArgument"},
		{"bad escape", "bucket/%zz", nil, http.StatusBadRequest, "InvalidArgument"},
		{"unknown directive", "bucket/" + encoded, map[string]string{"X-Amz-Metadata-Directive": "MERGE"}, http.StatusBadRequest, "InvalidArgument"},
		{"no such source bucket", "nobucket/k", nil, http.StatusNotFound, "NoSuchBucket"},
		{"no such source key", "bucket/nokey", nil, http.StatusNotFound, "NoSuchKey"},
		{"other version", "bucket/" + encoded + "?versionId=3HL4kqtJlcpXroDTDmJ", nil, http.StatusNotFound, "NoSuchVersion"},
		{"empty version", "bucket/" + encoded + "?versionId=", nil, http.StatusBadRequest, "InvalidArgument"},
		{"dest If-None-Match", "bucket/" + encoded, map[string]string{"If-None-Match": "*"}, http.StatusPreconditionFailed, "PreconditionFailed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.copyTo(t, "other", "copy", tc.src, tc.hdr)
			wantError(t, resp, body, tc.status, tc.code)
		})
	}
	t.Run("no such destination bucket", func(t *testing.T) {
		resp, body := e.copyTo(t, "nobucket", "copy", "bucket/"+encoded, nil)
		wantError(t, resp, body, http.StatusNotFound, "NoSuchBucket")
	})
	t.Run("dest If-None-Match on a new key", func(t *testing.T) {
		resp, body := e.copyTo(t, "other", "fresh", "bucket/"+encoded, map[string]string{"If-None-Match": "*"})
		wantStatus(t, resp, body, http.StatusOK)
	})
	t.Run("source of another tenant", func(t *testing.T) {
		req := signV2(e.request(t, http.MethodPut, "/bobs", nil), bobKey, bobSecret)
		resp, body := e.do(t, req)
		wantStatus(t, resp, body, http.StatusOK)
		req = signV2(e.request(t, http.MethodPut, "/bobs/secret", strings.NewReader("bob's")), bobKey, bobSecret)
		resp, body = e.do(t, req)
		wantStatus(t, resp, body, http.StatusOK)
		resp, body = e.copyTo(t, "bucket", "stolen", "bobs/secret", nil)
		wantError(t, resp, body, http.StatusForbidden, "AccessDenied")
		// Nor can bob copy alice's object into his bucket.
		req = e.request(t, http.MethodPut, "/bobs/stolen", nil)
		req.Header.Set("X-Amz-Copy-Source", "bucket/"+encoded)
		resp, body = e.do(t, signV2(req, bobKey, bobSecret))
		wantError(t, resp, body, http.StatusForbidden, "AccessDenied")
	})
}

func TestCopySourceConditions(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	e.mustPut(t, "bucket", "src", []byte("data"))
	resp, _ := e.signed(t, http.MethodHead, "/bucket/src", nil, nil)
	etag := resp.Header.Get("ETag")
	lm, err := http.ParseTime(resp.Header.Get("Last-Modified"))
	if err != nil {
		t.Fatal(err)
	}
	before, after := httpDateOf(lm.Add(-time.Hour)), httpDateOf(lm.Add(time.Hour))
	const (
		ifMatch           = "X-Amz-Copy-Source-If-Match"
		ifNoneMatch       = "X-Amz-Copy-Source-If-None-Match"
		ifModifiedSince   = "X-Amz-Copy-Source-If-Modified-Since"
		ifUnmodifiedSince = "X-Amz-Copy-Source-If-Unmodified-Since"
	)
	for _, tc := range []struct {
		name string
		hdr  map[string]string
		ok   bool
		cond string
	}{
		{"if-match true", map[string]string{ifMatch: etag}, true, ""},
		{"if-match unquoted", map[string]string{ifMatch: strings.Trim(etag, `"`)}, true, ""},
		{"if-match false", map[string]string{ifMatch: `"abc"`}, false, "x-amz-copy-source-If-Match"},
		{"if-none-match true", map[string]string{ifNoneMatch: `"abc"`}, true, ""},
		{"if-none-match false", map[string]string{ifNoneMatch: etag}, false, "x-amz-copy-source-If-None-Match"},
		{"if-modified-since true", map[string]string{ifModifiedSince: before}, true, ""},
		{"if-modified-since false", map[string]string{ifModifiedSince: after}, false, "x-amz-copy-source-If-Modified-Since"},
		{"if-unmodified-since true", map[string]string{ifUnmodifiedSince: after}, true, ""},
		{"if-unmodified-since false", map[string]string{ifUnmodifiedSince: before}, false, "x-amz-copy-source-If-Unmodified-Since"},
		// AWS: if-match true and if-unmodified-since false copies.
		{"if-match true wins over if-unmodified-since", map[string]string{ifMatch: etag, ifUnmodifiedSince: before}, true, ""},
		// AWS: if-none-match false and if-modified-since true is 412.
		{"if-none-match false beats if-modified-since", map[string]string{ifNoneMatch: etag, ifModifiedSince: before}, false, "x-amz-copy-source-If-None-Match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.copyTo(t, "bucket", "dst", "bucket/src", tc.hdr)
			if tc.ok {
				wantStatus(t, resp, body, http.StatusOK)
				return
			}
			doc := wantError(t, resp, body, http.StatusPreconditionFailed, "PreconditionFailed")
			if doc.Condition != tc.cond {
				t.Errorf("Condition = %q, want %q", doc.Condition, tc.cond)
			}
		})
	}
}

// TestCopyIsIndependent: the copy shares nothing with its source.
func TestCopyIsIndependent(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	e.mustPut(t, "bucket", "a", []byte("first"))
	resp, body := e.copyTo(t, "bucket", "b", "bucket/a", nil)
	wantStatus(t, resp, body, http.StatusOK)

	e.mustPut(t, "bucket", "a", []byte("overwritten"))
	if _, body := e.mustGet(t, "bucket", "b"); string(body) != "first" {
		t.Errorf("copy after overwriting the source = %q", body)
	}
	resp, body = e.signed(t, http.MethodDelete, "/bucket/a", nil, nil)
	wantStatus(t, resp, body, http.StatusNoContent)
	if _, body := e.mustGet(t, "bucket", "b"); string(body) != "first" {
		t.Errorf("copy after deleting the source = %q", body)
	}
	e.mustPut(t, "bucket", "a", []byte("again"))
	resp, body = e.copyTo(t, "bucket", "c", "bucket/a", nil)
	wantStatus(t, resp, body, http.StatusOK)
	e.mustPut(t, "bucket", "c", []byte("copy overwritten"))
	resp, body = e.signed(t, http.MethodDelete, "/bucket/c", nil, nil)
	wantStatus(t, resp, body, http.StatusNoContent)
	if _, body := e.mustGet(t, "bucket", "a"); string(body) != "again" {
		t.Errorf("source after overwriting and deleting the copy = %q", body)
	}
}

// TestCopyMultipartSource: a multipart source copies to a single-part
// object with the same bytes.
func TestCopyMultipartSource(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	p1, p2 := fill('m', store.MinPartSize), []byte("end")
	id := e.createUpload(t, "bucket", "mp", map[string]string{"X-Amz-Meta-K": "v"})
	e1, e2 := e.uploadPart(t, "bucket", "mp", id, 1, p1), e.uploadPart(t, "bucket", "mp", id, 2, p2)
	resp, body := e.complete(t, "bucket", "mp", id, completeBody([]string{e1, e2}), nil)
	wantStatus(t, resp, body, http.StatusOK)

	resp, body = e.copyTo(t, "bucket", "flat", "bucket/mp", nil)
	wantStatus(t, resp, body, http.StatusOK)
	var d copyDoc
	decodeDoc(t, body, &d)
	if d.ETag != `"`+md5hex(p1, p2)+`"` {
		t.Errorf("ETag = %s", d.ETag)
	}
	resp, body = e.mustGet(t, "bucket", "flat")
	if !bytes.Equal(body, slices.Concat(p1, p2)) || resp.Header.Get("x-amz-meta-k") != "v" {
		t.Errorf("copy differs: %d bytes, %v", len(body), resp.Header)
	}
}

// bigStore reports the object "huge" as 6 GiB.
type bigStore struct{ *memstore.Store }

func (b bigStore) HeadObject(ctx context.Context, bucket, key string) (store.Object, error) {
	o, err := b.Store.HeadObject(ctx, bucket, key)
	if key == "huge" {
		o.Size = 6 << 30
	}
	return o, err
}

func TestCopyTooLarge(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Store = bigStore{memstore.New()} })
	e.mustCreate(t, "bucket")
	e.mustPut(t, "bucket", "huge", []byte("pretend"))
	resp, body := e.copyTo(t, "bucket", "dst", "bucket/huge", nil)
	doc := wantError(t, resp, body, http.StatusBadRequest, "InvalidRequest")
	if doc.Message != "The specified copy source is larger than the maximum allowable size for a copy source: 5368709120" {
		t.Errorf("message %q", doc.Message)
	}
	id := e.createUpload(t, "bucket", "dst", nil)
	resp, body = e.signed(t, http.MethodPut, partPath("bucket", "dst", id, 1), nil, map[string]string{"X-Amz-Copy-Source": "bucket/huge"})
	wantError(t, resp, body, http.StatusBadRequest, "InvalidRequest")
}

func TestCopyKeepAlive(t *testing.T) {
	slow := &slowStore{Store: memstore.New()}
	e := newEnv(t, func(o *Options) { o.Store = slow })
	e.mustCreate(t, "bucket")
	e.mustPut(t, "bucket", "src", []byte("slow bytes"))
	fastKeepAlive(t, 50*time.Millisecond, 20*time.Millisecond)
	slow.delay, slow.slowPut = 300*time.Millisecond, true

	resp, body := e.copyTo(t, "bucket", "dst", "bucket/src", nil)
	wantStatus(t, resp, body, http.StatusOK)
	rest, ok := strings.CutPrefix(string(body), `<?xml version="1.0" encoding="UTF-8"?>`+"\n ")
	if !ok || !strings.HasPrefix(strings.TrimLeft(rest, " "), "<CopyObjectResult ") {
		t.Fatalf("body = %q", body)
	}
	var d copyDoc
	decodeDoc(t, bytes.TrimSpace(body), &d)
	if d.XMLName.Local != "CopyObjectResult" || d.ETag != `"`+md5hex([]byte("slow bytes"))+`"` {
		t.Errorf("result = %+v", d)
	}
	if _, body := e.mustGet(t, "bucket", "dst"); string(body) != "slow bytes" {
		t.Errorf("copy = %q", body)
	}
	// The destination's condition fails late: an Error inside the 200.
	resp, body = e.copyTo(t, "bucket", "dst", "bucket/src", map[string]string{"If-None-Match": "*"})
	wantStatus(t, resp, body, http.StatusOK)
	var doc errorDoc
	decodeDoc(t, bytes.TrimSpace(body), &doc)
	if doc.Code != "PreconditionFailed" || doc.Condition != "If-None-Match" {
		t.Errorf("error = %+v", doc)
	}
}

func TestUploadPartCopy(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	src := fill('s', store.MinPartSize+100)
	e.mustPut(t, "bucket", "src", src)
	id := e.createUpload(t, "bucket", "dst", nil)

	copyPart := func(t *testing.T, n int, hdr map[string]string) (*http.Response, []byte) {
		t.Helper()
		h := map[string]string{"X-Amz-Copy-Source": "/bucket/src"}
		for k, v := range hdr {
			h[k] = v
		}
		return e.signed(t, http.MethodPut, partPath("bucket", "dst", id, n), nil, h)
	}
	resp, body := copyPart(t, 1, map[string]string{"X-Amz-Copy-Source-Range": "bytes=0-5242879"})
	wantStatus(t, resp, body, http.StatusOK)
	var d copyDoc
	decodeDoc(t, body, &d)
	wantRoot(t, d.XMLName, "CopyPartResult")
	first := src[:store.MinPartSize]
	if d.ETag != `"`+md5hex(first)+`"` || !strings.HasSuffix(d.LastModified, "Z") {
		t.Errorf("CopyPartResult = %+v", d)
	}
	if !contains(string(body), `<CopyPartResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LastModified>`) {
		t.Errorf("shape: %s", body)
	}
	resp, body = copyPart(t, 2, map[string]string{"X-Amz-Copy-Source-Range": "bytes=5242880-5242979"})
	wantStatus(t, resp, body, http.StatusOK)
	var d2 copyDoc
	decodeDoc(t, body, &d2)
	// The whole source, without a range, as part 3.
	resp, body = copyPart(t, 3, nil)
	wantStatus(t, resp, body, http.StatusOK)
	var d3 copyDoc
	decodeDoc(t, body, &d3)
	if d3.ETag != `"`+md5hex(src)+`"` {
		t.Errorf("whole-source part ETag = %s", d3.ETag)
	}

	for _, tc := range []struct {
		name, rng, msg string
	}{
		{"no unit", "0-10", "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy"},
		{"open end", "bytes=0-", "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy"},
		{"suffix", "bytes=-10", "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy"},
		{"reversed", "bytes=10-5", "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy"},
		{"several", "bytes=0-1,3-4", "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy"},
		{"beyond the end", "bytes=0-5242980", "Range specified is not valid for source object of size: 5242980"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := copyPart(t, 4, map[string]string{"X-Amz-Copy-Source-Range": tc.rng})
			doc := wantError(t, resp, body, http.StatusBadRequest, "InvalidArgument")
			if doc.Message != tc.msg {
				t.Errorf("message %q", doc.Message)
			}
		})
	}
	t.Run("errors", func(t *testing.T) {
		resp, body := copyPart(t, 0, nil)
		wantError(t, resp, body, http.StatusBadRequest, "InvalidArgument")
		resp, body = e.signed(t, http.MethodPut, partPath("bucket", "dst", "nope", 1), nil, map[string]string{"X-Amz-Copy-Source": "/bucket/src"})
		wantError(t, resp, body, http.StatusNotFound, "NoSuchUpload")
		resp, body = copyPart(t, 4, map[string]string{"X-Amz-Copy-Source": "/bucket/nokey"})
		wantError(t, resp, body, http.StatusNotFound, "NoSuchKey")
		resp, body = copyPart(t, 4, map[string]string{"X-Amz-Copy-Source-If-Match": `"nope"`})
		wantError(t, resp, body, http.StatusPreconditionFailed, "PreconditionFailed")
	})

	// The copied parts make the object; the source is untouched.
	resp, body = e.complete(t, "bucket", "dst", id, completeBody([]string{d.ETag, d2.ETag}), nil)
	wantStatus(t, resp, body, http.StatusOK)
	if _, body := e.mustGet(t, "bucket", "dst"); !bytes.Equal(body, src) {
		t.Errorf("object from copied parts differs: %d bytes", len(body))
	}
	if _, body := e.mustGet(t, "bucket", "src"); !bytes.Equal(body, src) {
		t.Errorf("source changed")
	}
}
