package frontend

import (
	"bytes"
	"encoding/base64"
	"hash/crc32"
	"net/http"
	"strings"
	"testing"
)

// TestAppendObject: both URL forms create and grow an appendable object
// and answer the next position in their own header; GET, HEAD and ranges
// read it; the errors are S3 XML with the length in the form's header.
func TestAppendObject(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	path := objectPath("bucket", "logs/app.log")

	resp, body := e.signed(t, http.MethodPost, path+"?append&position=0", []byte("hello "), map[string]string{
		"Content-Type": "text/plain", "X-Amz-Meta-Source": "test"})
	wantStatus(t, resp, body, http.StatusOK)
	if got := resp.Header.Get("x-oss-next-append-position"); got != "6" {
		t.Errorf("OSS form: x-oss-next-append-position = %q, want 6", got)
	}
	etag1 := resp.Header.Get("ETag")
	if !strings.HasSuffix(etag1, `-1"`) {
		t.Errorf("ETag after one append = %s, want a -1 suffix", etag1)
	}
	resp, body = e.signed(t, http.MethodPut, path+"?append&position=6", []byte("world"), nil)
	wantStatus(t, resp, body, http.StatusOK)
	if got := resp.Header.Get("x-rgw-next-append-position"); got != "11" {
		t.Errorf("RGW form: x-rgw-next-append-position = %q, want 11", got)
	}
	if resp.Header.Get("x-oss-next-append-position") != "" {
		t.Errorf("RGW form answered the OSS header too")
	}
	// A checksum of the appended bytes is checked and answered back.
	resp, body = e.signed(t, http.MethodPost, path+"?append&position=11", []byte("?"), map[string]string{"x-amz-checksum-crc32": "AAAAAA=="})
	wantError(t, resp, body, http.StatusBadRequest, "BadDigest")
	// A Content-Type equal to the object's is accepted on a later append.
	crc := crc32.ChecksumIEEE([]byte("!"))
	crcB64 := base64.StdEncoding.EncodeToString([]byte{byte(crc >> 24), byte(crc >> 16), byte(crc >> 8), byte(crc)})
	resp, body = e.signed(t, http.MethodPost, path+"?append&position=11", []byte("!"), map[string]string{
		"Content-Type": "text/plain", "x-amz-checksum-crc32": crcB64})
	wantStatus(t, resp, body, http.StatusOK)
	if got := resp.Header.Get("x-amz-checksum-crc32"); got != crcB64 {
		t.Errorf("append's checksum answered %q, want %q", got, crcB64)
	}
	etag := resp.Header.Get("ETag")

	resp, body = e.mustGet(t, "bucket", "logs/app.log")
	if string(body) != "hello world!" || resp.Header.Get("ETag") != etag || resp.Header.Get("Content-Type") != "text/plain" ||
		resp.Header.Get("X-Amz-Meta-Source") != "test" {
		t.Errorf("GET = %q, ETag %s (append gave %s), Content-Type %q, meta %q", body, resp.Header.Get("ETag"), etag,
			resp.Header.Get("Content-Type"), resp.Header.Get("X-Amz-Meta-Source"))
	}
	resp, body = e.signed(t, http.MethodGet, path, nil, map[string]string{"Range": "bytes=4-7"})
	wantStatus(t, resp, body, http.StatusPartialContent)
	if string(body) != "o wo" {
		t.Errorf("ranged GET = %q", body)
	}
	resp, body = e.signed(t, http.MethodHead, path, nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if resp.Header.Get("Content-Length") != "12" {
		t.Errorf("HEAD Content-Length = %q", resp.Header.Get("Content-Length"))
	}
	if h := resp.Header; h.Get("x-oss-object-type") != "Appendable" || h.Get("x-oss-next-append-position") != "12" || h.Get("x-rgw-next-append-position") != "12" {
		t.Errorf("HEAD of an appendable object: %v", h)
	}

	// Wrong position: 409 with the length, in the form's header.
	for _, tc := range []struct{ method, header string }{
		{http.MethodPost, "x-oss-next-append-position"},
		{http.MethodPut, "x-rgw-next-append-position"},
	} {
		resp, body = e.signed(t, tc.method, path+"?append&position=3", []byte("x"), nil)
		doc := wantError(t, resp, body, http.StatusConflict, "PositionNotEqualToLength")
		if got := resp.Header.Get(tc.header); got != "12" {
			t.Errorf("%s: %s = %q, want 12", tc.method, tc.header, got)
		}
		if doc.Resource != path || doc.Message == "" {
			t.Errorf("%s: error document %+v", tc.method, doc)
		}
	}
	resp, body = e.signed(t, http.MethodPost, objectPath("bucket", "missing")+"?append&position=4", []byte("x"), nil)
	wantError(t, resp, body, http.StatusConflict, "PositionNotEqualToLength")
	if got := resp.Header.Get("x-oss-next-append-position"); got != "0" {
		t.Errorf("missing key: x-oss-next-append-position = %q, want 0", got)
	}

	// A copy of an appendable object is a normal object with its bytes.
	resp, body = e.signed(t, http.MethodPut, objectPath("bucket", "copy"), nil, map[string]string{"X-Amz-Copy-Source": "/bucket/logs/app.log"})
	wantStatus(t, resp, body, http.StatusOK)
	if resp, body := e.mustGet(t, "bucket", "copy"); string(body) != "hello world!" || resp.Header.Get("ETag") != `"`+md5hex(body)+`"` {
		t.Errorf("copy of an appendable object: %q, ETag %s", body, resp.Header.Get("ETag"))
	}
	resp, body = e.signed(t, http.MethodPost, objectPath("bucket", "copy")+"?append&position=12", []byte("x"), nil)
	wantError(t, resp, body, http.StatusConflict, "ObjectNotAppendable")

	// A normal object is not appendable.
	e.mustPut(t, "bucket", "plain", []byte("plain"))
	resp, body = e.signed(t, http.MethodPost, objectPath("bucket", "plain")+"?append&position=5", []byte("x"), nil)
	wantError(t, resp, body, http.StatusConflict, "ObjectNotAppendable")
	// A PUT replaces an appendable object.
	e.mustPut(t, "bucket", "logs/app.log", []byte("replaced"))
	resp, body = e.signed(t, http.MethodPost, path+"?append&position=8", []byte("x"), nil)
	wantError(t, resp, body, http.StatusConflict, "ObjectNotAppendable")
}

// TestAppendObjectRefusals: what an append cannot do is refused, never
// dropped: bad positions, metadata after the creation, encryption,
// conditions, versioned buckets; and another tenant needs s3:PutObject.
func TestAppendObjectRefusals(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	path := objectPath("bucket", "k")
	resp, body := e.signed(t, http.MethodPost, path+"?append&position=0", []byte("abc"), nil)
	wantStatus(t, resp, body, http.StatusOK)
	for _, tc := range []struct {
		query  string
		hdr    map[string]string
		status int
		code   string
	}{
		{"?append", nil, http.StatusBadRequest, "InvalidArgument"},
		{"?append&position=", nil, http.StatusBadRequest, "InvalidArgument"},
		{"?append&position=-1", nil, http.StatusBadRequest, "InvalidArgument"},
		{"?append&position=+3", nil, http.StatusBadRequest, "InvalidArgument"},
		{"?append&position=abc", nil, http.StatusBadRequest, "InvalidArgument"},
		{"?append=yes&position=3", nil, http.StatusBadRequest, "InvalidArgument"},
		{"?append&position=3", map[string]string{"X-Amz-Meta-Late": "x"}, http.StatusBadRequest, "InvalidArgument"},
		{"?append&position=3", map[string]string{"Content-Type": "text/other"}, http.StatusBadRequest, "InvalidArgument"},
		{"?append&position=3", map[string]string{"Cache-Control": "no-cache"}, http.StatusBadRequest, "InvalidArgument"},
		{"?append&position=3", map[string]string{"Content-Encoding": "gzip"}, http.StatusBadRequest, "InvalidArgument"},
		{"?append&position=3", map[string]string{"X-Amz-Acl": "public-read"}, http.StatusBadRequest, "InvalidArgument"},
		{"?append&position=3", map[string]string{"X-Amz-Tagging": "a=b"}, http.StatusBadRequest, "InvalidArgument"},
		{"?append&position=3", map[string]string{"X-Amz-Server-Side-Encryption": "AES256"}, http.StatusBadRequest, "InvalidRequest"},
		{"?append&position=3", map[string]string{"X-Amz-Server-Side-Encryption-Customer-Algorithm": "AES256"}, http.StatusBadRequest, "InvalidRequest"},
		{"?append&position=3", map[string]string{"If-None-Match": "*"}, http.StatusBadRequest, "InvalidRequest"},
		{"?append&position=3", map[string]string{"X-Amz-Storage-Class": "GLACIER"}, http.StatusBadRequest, "InvalidStorageClass"},
		{"?append&position=3", map[string]string{"Content-MD5": "AAAAAAAAAAAAAAAAAAAAAA=="}, http.StatusBadRequest, "BadDigest"},
	} {
		resp, body := e.signed(t, http.MethodPost, path+tc.query, []byte("def"), tc.hdr)
		if resp.StatusCode != tc.status || !bytes.Contains(body, []byte("<Code>"+tc.code+"</Code>")) {
			t.Errorf("%s %v: %d %s, want %d %s", tc.query, tc.hdr, resp.StatusCode, body, tc.status, tc.code)
		}
	}
	if _, body := e.mustGet(t, "bucket", "k"); string(body) != "abc" {
		t.Errorf("refused appends changed the object: %q", body)
	}
	// Another tenant without write access to the bucket: AccessDenied,
	// decided from the route's action like a PUT.
	req := signV2(e.request(t, http.MethodPost, path+"?append&position=3", bytes.NewReader([]byte("def"))), bobKey, bobSecret)
	resp, body = e.do(t, req)
	wantError(t, resp, body, http.StatusForbidden, "AccessDenied")

	// A bucket with versioning (ever) refuses appends.
	e.mustCreate(t, "versioned")
	resp, body = e.signed(t, http.MethodPut, "/versioned?versioning",
		[]byte(`<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>`), nil)
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodPost, objectPath("versioned", "k")+"?append&position=0", []byte("x"), nil)
	wantError(t, resp, body, http.StatusBadRequest, "InvalidRequest")
}
