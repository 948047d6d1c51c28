package frontend

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/store"
)

// Documents decoded independently of multipart.go's types.

type initiateDoc struct {
	XMLName               xml.Name
	Bucket, Key, UploadId string
}

type completeDoc struct {
	XMLName                                     xml.Name
	Location, Bucket, Key, ETag                 string
	ChecksumCRC32, ChecksumSHA256, ChecksumType string
}

type partsDoc struct {
	XMLName                                xml.Name
	Bucket, Key, UploadId, StorageClass    string
	Initiator, Owner                       struct{ ID, DisplayName string }
	PartNumberMarker, NextPartNumberMarker int
	MaxParts                               int
	IsTruncated                            bool
	ChecksumAlgorithm, ChecksumType        string
	EncodingType                           string
	Part                                   []struct {
		PartNumber         int
		LastModified, ETag string
		Size               int64
		ChecksumCRC32      string
	}
}

func (d partsDoc) numbers() []int {
	var ns []int
	for _, p := range d.Part {
		ns = append(ns, p.PartNumber)
	}
	return ns
}

type uploadsDoc struct {
	XMLName                           xml.Name
	Bucket, KeyMarker, UploadIdMarker string
	NextKeyMarker, NextUploadIdMarker string
	Prefix, Delimiter, EncodingType   string
	MaxUploads                        int
	IsTruncated                       bool
	Upload                            []struct {
		Key, UploadId, StorageClass, Initiated string
		Initiator, Owner                       struct{ ID, DisplayName string }
	}
	CommonPrefixes []struct{ Prefix string }
}

func (d uploadsDoc) keys() []string {
	var ks []string
	for _, u := range d.Upload {
		ks = append(ks, u.Key)
	}
	return ks
}

func decodeDoc(t *testing.T, body []byte, v any) {
	t.Helper()
	if err := xml.Unmarshal(body, v); err != nil {
		t.Fatalf("document does not parse: %v\n%s", err, body)
	}
}

// wantRoot checks a success document's root element and namespace.
func wantRoot(t *testing.T, name xml.Name, local string) {
	t.Helper()
	if name.Local != local || name.Space != s3NS {
		t.Errorf("root = %v, want %s in %s", name, local, s3NS)
	}
}

// createUpload starts an upload as alice and returns its id.
func (e *env) createUpload(t *testing.T, bucket, key string, hdr map[string]string) string {
	t.Helper()
	resp, body := e.signed(t, http.MethodPost, objectPath(bucket, key)+"?uploads", nil, hdr)
	wantStatus(t, resp, body, http.StatusOK)
	var d initiateDoc
	decodeDoc(t, body, &d)
	wantRoot(t, d.XMLName, "InitiateMultipartUploadResult")
	if d.Bucket != bucket || d.Key != key || d.UploadId == "" {
		t.Fatalf("initiate = %+v", d)
	}
	return d.UploadId
}

func partPath(bucket, key, id string, n int) string {
	return objectPath(bucket, key) + "?partNumber=" + strconv.Itoa(n) + "&uploadId=" + url.QueryEscape(id)
}

// uploadPart uploads part n and returns its ETag header (quoted).
func (e *env) uploadPart(t *testing.T, bucket, key, id string, n int, data []byte) string {
	t.Helper()
	resp, body := e.signed(t, http.MethodPut, partPath(bucket, key, id, n), data, nil)
	wantStatus(t, resp, body, http.StatusOK)
	sum := md5.Sum(data)
	if got, want := resp.Header.Get("ETag"), `"`+hex.EncodeToString(sum[:])+`"`; got != want {
		t.Errorf("part %d ETag = %s, want %s", n, got, want)
	}
	return resp.Header.Get("ETag")
}

// completeBody is a CompleteMultipartUpload document listing etags as
// parts 1..n, or the part numbers given.
func completeBody(etags []string, nums ...int) []byte {
	var b strings.Builder
	b.WriteString(`<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`)
	for i, et := range etags {
		n := i + 1
		if nums != nil {
			n = nums[i]
		}
		fmt.Fprintf(&b, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", n, et)
	}
	b.WriteString(`</CompleteMultipartUpload>`)
	return []byte(b.String())
}

func (e *env) complete(t *testing.T, bucket, key, id string, body []byte, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	return e.signed(t, http.MethodPost, objectPath(bucket, key)+"?uploadId="+url.QueryEscape(id), body, hdr)
}

func md5hex(parts ...[]byte) string {
	sum := md5.Sum(bytes.Join(parts, nil))
	return hex.EncodeToString(sum[:])
}

// multipartETag is S3's ETag of an object made of parts.
func multipartETag(parts ...[]byte) string {
	var all []byte
	for _, p := range parts {
		sum := md5.Sum(p)
		all = append(all, sum[:]...)
	}
	sum := md5.Sum(all)
	return hex.EncodeToString(sum[:]) + "-" + strconv.Itoa(len(parts))
}

// fill returns n bytes of a pattern seeded by c.
func fill(c byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = c + byte(i%31)
	}
	return b
}

func TestMultipartUpload(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	const key = "dir/big file+ü"
	id := e.createUpload(t, "bucket", key, map[string]string{
		"Content-Type":     "video/mp4",
		"Cache-Control":    "max-age=5",
		"X-Amz-Meta-Color": "green",
	})
	p1, p2, p3 := fill('a', store.MinPartSize), fill('b', store.MinPartSize+7), fill('c', 1000)
	e1 := e.uploadPart(t, "bucket", key, id, 1, p1)
	// Re-uploading a part replaces it.
	e.uploadPart(t, "bucket", key, id, 2, []byte("to be replaced"))
	e2 := e.uploadPart(t, "bucket", key, id, 2, p2)
	e3 := e.uploadPart(t, "bucket", key, id, 3, p3)

	// The upload is not an object yet.
	resp, body := e.signed(t, http.MethodHead, objectPath("bucket", key), nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "")

	// Quotes around the ETags are optional.
	resp, body = e.complete(t, "bucket", key, id, completeBody([]string{e1, strings.Trim(e2, `"`), e3}), nil)
	wantStatus(t, resp, body, http.StatusOK)
	var d completeDoc
	decodeDoc(t, body, &d)
	wantRoot(t, d.XMLName, "CompleteMultipartUploadResult")
	wantETag := `"` + multipartETag(p1, p2, p3) + `"`
	if d.Bucket != "bucket" || d.Key != key || d.ETag != wantETag ||
		d.Location != "http://"+e.addr+"/bucket/dir/big%20file%2B%C3%BC" {
		t.Errorf("complete = %+v, want ETag %s", d, wantETag)
	}
	if !contains(string(body), `<CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Location>`) {
		t.Errorf("element order: %s", body)
	}

	resp, body = e.signed(t, http.MethodGet, objectPath("bucket", key), nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if !bytes.Equal(body, slices.Concat(p1, p2, p3)) {
		t.Errorf("object bytes differ: %d bytes", len(body))
	}
	if resp.Header.Get("ETag") != wantETag || resp.Header.Get("Content-Type") != "video/mp4" ||
		resp.Header.Get("Cache-Control") != "max-age=5" || resp.Header.Get("x-amz-meta-color") != "green" {
		t.Errorf("headers = %v", resp.Header)
	}
	if resp.Header.Get("x-amz-mp-parts-count") != "" {
		t.Errorf("x-amz-mp-parts-count without partNumber")
	}

	// A retried completion answers the same object; the upload is gone
	// for everything else.
	resp, body = e.complete(t, "bucket", key, id, completeBody([]string{e1, e2, e3}), nil)
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodGet, objectPath("bucket", key)+"?uploadId="+id, nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "NoSuchUpload")
	resp, body = e.signed(t, http.MethodPut, partPath("bucket", key, id, 4), []byte("x"), nil)
	wantError(t, resp, body, http.StatusNotFound, "NoSuchUpload")

	// Zero-length last part and a one-part upload.
	id = e.createUpload(t, "bucket", "one", nil)
	et := e.uploadPart(t, "bucket", "one", id, 7, nil)
	resp, body = e.complete(t, "bucket", "one", id, completeBody([]string{et}, 7), nil)
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodGet, "/bucket/one", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if len(body) != 0 || resp.Header.Get("Content-Type") != "binary/octet-stream" {
		t.Errorf("one-part object: %q %v", body, resp.Header)
	}
}

func TestInitiateMultipartUploadShape(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	resp, body := e.signed(t, http.MethodPost, "/bucket/k?uploads", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	var d initiateDoc
	decodeDoc(t, body, &d)
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>bucket</Bucket><Key>k</Key><UploadId>` + d.UploadId + `</UploadId></InitiateMultipartUploadResult>`
	if string(body) != want {
		t.Errorf("body =\n%s\nwant\n%s", body, want)
	}
	if resp.Header.Get("Content-Type") != "application/xml" || resp.Header.Get("x-amz-checksum-algorithm") != "" {
		t.Errorf("headers = %v", resp.Header)
	}
}

func TestCreateMultipartUploadErrors(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	for _, tc := range []struct {
		name   string
		path   string
		hdr    map[string]string
		status int
		code   string
	}{
		{"no such bucket", "/nobucket/k?uploads", nil, http.StatusNotFound, "NoSuchBucket"},
		{"metadata too large", "/bucket/k?uploads", map[string]string{"X-Amz-Meta-Big": strings.Repeat("x", 2100)}, http.StatusBadRequest, "MetadataTooLarge"},
		{"unknown checksum algorithm", "/bucket/k?uploads", map[string]string{"X-Amz-Checksum-Algorithm": "MD5"}, http.StatusBadRequest, "InvalidRequest"},
		{"checksum type alone", "/bucket/k?uploads", map[string]string{"X-Amz-Checksum-Type": "COMPOSITE"}, http.StatusBadRequest, "InvalidRequest"},
		{"bad checksum type", "/bucket/k?uploads", map[string]string{"X-Amz-Checksum-Algorithm": "CRC32", "X-Amz-Checksum-Type": "PARTIAL"}, http.StatusBadRequest, "InvalidRequest"},
		{"full-object SHA256", "/bucket/k?uploads", map[string]string{"X-Amz-Checksum-Algorithm": "SHA256", "X-Amz-Checksum-Type": "FULL_OBJECT"}, http.StatusBadRequest, "InvalidRequest"},
		{"composite CRC64NVME", "/bucket/k?uploads", map[string]string{"X-Amz-Checksum-Algorithm": "CRC64NVME", "X-Amz-Checksum-Type": "COMPOSITE"}, http.StatusBadRequest, "InvalidRequest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.signed(t, http.MethodPost, tc.path, nil, tc.hdr)
			wantError(t, resp, body, tc.status, tc.code)
		})
	}
	t.Run("other tenant", func(t *testing.T) {
		req := signV2(e.request(t, http.MethodPost, "/bucket/k?uploads", nil), bobKey, bobSecret)
		resp, body := e.do(t, req)
		wantError(t, resp, body, http.StatusForbidden, "AccessDenied")
	})
}

func TestMultipartChecksumAlgorithm(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	for _, tc := range []struct{ alg, typ, wantType string }{
		{"CRC32", "", "COMPOSITE"},
		{"crc32c", "FULL_OBJECT", "FULL_OBJECT"},
		{"CRC64NVME", "", "FULL_OBJECT"},
		{"SHA256", "COMPOSITE", "COMPOSITE"},
	} {
		hdr := map[string]string{"X-Amz-Checksum-Algorithm": tc.alg}
		if tc.typ != "" {
			hdr["X-Amz-Checksum-Type"] = tc.typ
		}
		resp, body := e.signed(t, http.MethodPost, "/bucket/k?uploads", nil, hdr)
		wantStatus(t, resp, body, http.StatusOK)
		alg := strings.ToUpper(tc.alg)
		if resp.Header.Get("x-amz-checksum-algorithm") != alg || resp.Header.Get("x-amz-checksum-type") != tc.wantType {
			t.Errorf("%s/%s: headers %v", tc.alg, tc.typ, resp.Header)
		}
		var d initiateDoc
		decodeDoc(t, body, &d)
		resp, body = e.signed(t, http.MethodGet, "/bucket/k?uploadId="+d.UploadId, nil, nil)
		wantStatus(t, resp, body, http.StatusOK)
		var p partsDoc
		decodeDoc(t, body, &p)
		if p.ChecksumAlgorithm != alg || p.ChecksumType != tc.wantType {
			t.Errorf("%s/%s: ListParts says %s/%s", tc.alg, tc.typ, p.ChecksumAlgorithm, p.ChecksumType)
		}
	}
}

func TestUploadPartErrors(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	id := e.createUpload(t, "bucket", "k", nil)
	data := []byte("part bytes")

	for _, n := range []string{"0", "10001", "-1", "one", ""} {
		resp, body := e.signed(t, http.MethodPut, "/bucket/k?partNumber="+n+"&uploadId="+id, data, nil)
		doc := wantError(t, resp, body, http.StatusBadRequest, "InvalidArgument")
		if doc.Message != "Part number must be an integer between 1 and 10000, inclusive" {
			t.Errorf("partNumber %q: message %q", n, doc.Message)
		}
	}
	resp, body := e.signed(t, http.MethodPut, "/bucket/k?uploadId="+id, data, nil)
	wantError(t, resp, body, http.StatusBadRequest, "InvalidArgument")
	e.uploadPart(t, "bucket", "k", id, 10000, data)

	t.Run("no such upload", func(t *testing.T) {
		resp, body := e.signed(t, http.MethodPut, partPath("bucket", "k", "nope", 1), data, nil)
		wantError(t, resp, body, http.StatusNotFound, "NoSuchUpload")
		if !contains(string(body), "<UploadId>nope</UploadId>") {
			t.Errorf("no UploadId in %s", body)
		}
		// An upload belongs to its key.
		resp, body = e.signed(t, http.MethodPut, partPath("bucket", "other", id, 1), data, nil)
		wantError(t, resp, body, http.StatusNotFound, "NoSuchUpload")
	})
	t.Run("Content-MD5", func(t *testing.T) {
		sum := md5.Sum(data)
		resp, body := e.signed(t, http.MethodPut, partPath("bucket", "k", id, 2), data, map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(sum[:])})
		wantStatus(t, resp, body, http.StatusOK)
		other := md5.Sum([]byte("x"))
		resp, body = e.signed(t, http.MethodPut, partPath("bucket", "k", id, 3), data, map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(other[:])})
		wantError(t, resp, body, http.StatusBadRequest, "BadDigest")
		resp, body = e.signed(t, http.MethodPut, partPath("bucket", "k", id, 3), data, map[string]string{"Content-MD5": "bad"})
		wantError(t, resp, body, http.StatusBadRequest, "InvalidDigest")
		// The failed part was not stored.
		resp, body = e.signed(t, http.MethodGet, "/bucket/k?uploadId="+id, nil, nil)
		wantStatus(t, resp, body, http.StatusOK)
		var p partsDoc
		decodeDoc(t, body, &p)
		if !slices.Equal(p.numbers(), []int{2, 10000}) {
			t.Errorf("parts = %v", p.numbers())
		}
	})
	t.Run("no Content-Length", func(t *testing.T) {
		req := e.request(t, http.MethodPut, partPath("bucket", "k", id, 4), io.MultiReader(bytes.NewReader(data)))
		req.ContentLength = -1
		resp, body := e.do(t, signV2(req, aliceKey, aliceSecret))
		wantError(t, resp, body, http.StatusLengthRequired, "MissingContentLength")
	})
	t.Run("over 5 GiB", func(t *testing.T) {
		req := e.request(t, http.MethodPut, partPath("bucket", "k", id, 5), io.LimitReader(zeros{}, 6<<30))
		req.ContentLength = 6 << 30
		req.Header.Set("Expect", "100-continue")
		c := e.client()
		c.Transport.(*http.Transport).ExpectContinueTimeout = 10 * time.Second
		resp, err := c.Do(signV2(req, aliceKey, aliceSecret))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		wantError(t, resp, body, http.StatusBadRequest, "EntityTooLarge")
	})
	t.Run("other tenant", func(t *testing.T) {
		req := signV2(e.request(t, http.MethodPut, partPath("bucket", "k", id, 1), bytes.NewReader(data)), bobKey, bobSecret)
		resp, body := e.do(t, req)
		wantError(t, resp, body, http.StatusForbidden, "AccessDenied")
	})
	t.Run("no such bucket", func(t *testing.T) {
		resp, body := e.signed(t, http.MethodPut, partPath("nobucket", "k", id, 1), data, nil)
		wantError(t, resp, body, http.StatusNotFound, "NoSuchBucket")
	})
}

func TestCompleteMultipartUploadErrors(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	big, small := fill('x', store.MinPartSize), []byte("small")
	id := e.createUpload(t, "bucket", "k", nil)
	e1 := e.uploadPart(t, "bucket", "k", id, 1, small)
	e2 := e.uploadPart(t, "bucket", "k", id, 2, big)
	e3 := e.uploadPart(t, "bucket", "k", id, 3, small)

	for _, tc := range []struct {
		name   string
		body   string
		status int
		code   string
	}{
		{"empty body", "", http.StatusBadRequest, "MalformedXML"},
		{"not XML", "parts please", http.StatusBadRequest, "MalformedXML"},
		{"wrong root", `<Complete><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part></Complete>`, http.StatusBadRequest, "MalformedXML"},
		{"no parts", `<CompleteMultipartUpload></CompleteMultipartUpload>`, http.StatusBadRequest, "MalformedXML"},
		{"unclosed", `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>`, http.StatusBadRequest, "MalformedXML"},
		{"part number not a number", `<CompleteMultipartUpload><Part><PartNumber>one</PartNumber><ETag>` + e1 + `</ETag></Part></CompleteMultipartUpload>`, http.StatusBadRequest, "MalformedXML"},
		{"part number missing", `<CompleteMultipartUpload><Part><ETag>` + e1 + `</ETag></Part></CompleteMultipartUpload>`, http.StatusBadRequest, "MalformedXML"},
		{"ETag missing", `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>`, http.StatusBadRequest, "MalformedXML"},
		{"two checksums", `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>` + e1 + `</ETag><ChecksumCRC32>AAAAAA==</ChecksumCRC32><ChecksumSHA1>x</ChecksumSHA1></Part></CompleteMultipartUpload>`, http.StatusBadRequest, "MalformedXML"},
		{"part number 0", string(completeBody([]string{e1}, 0)), http.StatusBadRequest, "InvalidArgument"},
		{"part number 10001", string(completeBody([]string{e1}, 10001)), http.StatusBadRequest, "InvalidArgument"},
		{"wrong ETag", string(completeBody([]string{e2, e2})), http.StatusBadRequest, "InvalidPart"},
		{"part not uploaded", string(completeBody([]string{e2, e3}, 2, 4)), http.StatusBadRequest, "InvalidPart"},
		{"wrong part checksum", `<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>` + e2 + `</ETag><ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part></CompleteMultipartUpload>`, http.StatusBadRequest, "InvalidPart"},
		{"descending", string(completeBody([]string{e3, e2}, 3, 2)), http.StatusBadRequest, "InvalidPartOrder"},
		{"repeated", string(completeBody([]string{e2, e2}, 2, 2)), http.StatusBadRequest, "InvalidPartOrder"},
		{"small part not last", string(completeBody([]string{e1, e2})), http.StatusBadRequest, "EntityTooSmall"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.complete(t, "bucket", "k", id, []byte(tc.body), nil)
			wantError(t, resp, body, tc.status, tc.code)
		})
	}
	t.Run("no such upload", func(t *testing.T) {
		resp, body := e.complete(t, "bucket", "k", "nope", completeBody([]string{e2}, 2), nil)
		wantError(t, resp, body, http.StatusNotFound, "NoSuchUpload")
	})
	t.Run("Content-MD5 of the body", func(t *testing.T) {
		other := md5.Sum([]byte("x"))
		resp, body := e.complete(t, "bucket", "k", id, completeBody([]string{e2}, 2), map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(other[:])})
		wantError(t, resp, body, http.StatusBadRequest, "BadDigest")
	})
	// None of it completed the upload.
	resp, body := e.signed(t, http.MethodHead, "/bucket/k", nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "")
	resp, body = e.complete(t, "bucket", "k", id, completeBody([]string{e2, e3}, 2, 3), nil)
	wantStatus(t, resp, body, http.StatusOK)
	var d completeDoc
	decodeDoc(t, body, &d)
	if d.ETag != `"`+multipartETag(big, small)+`"` {
		t.Errorf("ETag = %s", d.ETag)
	}
}

func TestCompleteConditions(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	e.mustPut(t, "bucket", "exists", []byte("old"))
	oldETag := `"` + md5hex([]byte("old")) + `"`

	try := func(t *testing.T, key string, hdr map[string]string) (*http.Response, []byte) {
		t.Helper()
		id := e.createUpload(t, "bucket", key, nil)
		et := e.uploadPart(t, "bucket", key, id, 1, []byte("new"))
		return e.complete(t, "bucket", key, id, completeBody([]string{et}), hdr)
	}
	resp, body := try(t, "exists", map[string]string{"If-None-Match": "*"})
	doc := wantError(t, resp, body, http.StatusPreconditionFailed, "PreconditionFailed")
	if doc.Condition != "If-None-Match" {
		t.Errorf("Condition = %q", doc.Condition)
	}
	resp, body = try(t, "exists", map[string]string{"If-Match": `"0123"`})
	doc = wantError(t, resp, body, http.StatusPreconditionFailed, "PreconditionFailed")
	if doc.Condition != "If-Match" {
		t.Errorf("Condition = %q", doc.Condition)
	}
	resp, body = try(t, "missing", map[string]string{"If-Match": oldETag})
	wantError(t, resp, body, http.StatusNotFound, "NoSuchKey")
	resp, body = try(t, "exists", map[string]string{"If-None-Match": oldETag})
	if doc := wantError(t, resp, body, http.StatusPreconditionFailed, "PreconditionFailed"); doc.Condition != "If-None-Match" {
		t.Errorf("Condition = %q", doc.Condition)
	}
	resp, body = try(t, "missing", map[string]string{"If-Match": "*"})
	wantError(t, resp, body, http.StatusNotFound, "NoSuchKey")

	got, _ := e.signed(t, http.MethodGet, "/bucket/exists", nil, nil)
	if got.Header.Get("ETag") != oldETag {
		t.Fatalf("a failed conditional completion replaced the object")
	}
	resp, body = try(t, "exists", map[string]string{"If-Match": oldETag})
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = try(t, "fresh", map[string]string{"If-None-Match": "*"})
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodGet, "/bucket/exists", nil, nil)
	if string(body) != "new" {
		t.Errorf("object = %q", body)
	}
}

func TestAbortMultipartUpload(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	id := e.createUpload(t, "bucket", "k", nil)
	e.uploadPart(t, "bucket", "k", id, 1, []byte("x"))

	resp, body := e.signed(t, http.MethodDelete, "/bucket/other?uploadId="+id, nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "NoSuchUpload")
	resp, body = e.signed(t, http.MethodDelete, "/bucket/k?uploadId="+id, nil, nil)
	wantStatus(t, resp, body, http.StatusNoContent)
	resp, body = e.signed(t, http.MethodDelete, "/bucket/k?uploadId="+id, nil, nil)
	doc := wantError(t, resp, body, http.StatusNotFound, "NoSuchUpload")
	if doc.Message != "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed." {
		t.Errorf("message %q", doc.Message)
	}
	resp, body = e.signed(t, http.MethodPut, partPath("bucket", "k", id, 2), []byte("x"), nil)
	wantError(t, resp, body, http.StatusNotFound, "NoSuchUpload")
	resp, body = e.complete(t, "bucket", "k", id, completeBody([]string{md5hex([]byte("x"))}), nil)
	wantError(t, resp, body, http.StatusNotFound, "NoSuchUpload")
	resp, body = e.signed(t, http.MethodDelete, "/nobucket/k?uploadId="+id, nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "NoSuchBucket")
	// The bucket is empty again: aborted uploads leave nothing behind.
	resp, body = e.signed(t, http.MethodGet, "/bucket?uploads", nil, nil)
	var u uploadsDoc
	decodeDoc(t, body, &u)
	if len(u.Upload) != 0 {
		t.Errorf("uploads after abort: %+v", u)
	}
}
