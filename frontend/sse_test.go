package frontend

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
)

// ssecHeaders are the SSE-C headers for key (prefix "x-amz-" or
// "x-amz-copy-source-"), spelled as clients send them.
func ssecHeaders(prefix string, key []byte) map[string]string {
	sum := md5.Sum(key)
	return map[string]string{
		prefix + "server-side-encryption-customer-algorithm": "AES256",
		prefix + "server-side-encryption-customer-key":       base64.StdEncoding.EncodeToString(key),
		prefix + "server-side-encryption-customer-key-MD5":   base64.StdEncoding.EncodeToString(sum[:]),
	}
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func sseEnv(t *testing.T) *env {
	e := newEnv(t, func(o *Options) { o.AllowSSECOverHTTP = true })
	if resp, body := e.signed(t, http.MethodPut, "/bucket", nil, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("create bucket: %d %s", resp.StatusCode, body)
	}
	return e
}

// TestSSECObject: PUT, GET, HEAD and ranges with a customer key; every
// way of getting the key wrong answers as S3 does; the key is never
// logged.
func TestSSECObject(t *testing.T) {
	e := sseEnv(t)
	key := bytes.Repeat([]byte("k"), 32)
	other := bytes.Repeat([]byte("o"), 32)
	data := bytes.Repeat([]byte("secret plain bytes "), 500)
	resp, body := e.signed(t, http.MethodPut, "/bucket/enc", data, ssecHeaders("x-amz-", key))
	wantStatus(t, resp, body, http.StatusOK)
	sum := md5.Sum(key)
	keyMD5 := base64.StdEncoding.EncodeToString(sum[:])
	if resp.Header.Get(hdrSSECAlgorithm) != "AES256" || resp.Header.Get(hdrSSECKeyMD5) != keyMD5 {
		t.Errorf("PUT response SSE-C headers: %v", resp.Header)
	}
	dsum := md5.Sum(data)
	if strings.Contains(resp.Header.Get("ETag"), hex.EncodeToString(dsum[:])) {
		t.Errorf("ETag of an SSE-C object is the MD5 of its bytes")
	}

	resp, body = e.signed(t, http.MethodGet, "/bucket/enc", nil, ssecHeaders("x-amz-", key))
	wantStatus(t, resp, body, http.StatusOK)
	if !bytes.Equal(body, data) || resp.Header.Get(hdrSSECKeyMD5) != keyMD5 {
		t.Errorf("GET with the key: %d bytes, headers %v", len(body), resp.Header)
	}
	resp, body = e.signed(t, http.MethodGet, "/bucket/enc", nil, merge(ssecHeaders("x-amz-", key), map[string]string{"Range": "bytes=10-4009"}))
	wantStatus(t, resp, body, http.StatusPartialContent)
	if !bytes.Equal(body, data[10:4010]) {
		t.Errorf("ranged GET with the key: wrong bytes")
	}
	resp, body = e.signed(t, http.MethodHead, "/bucket/enc", nil, ssecHeaders("x-amz-", key))
	wantStatus(t, resp, body, http.StatusOK)

	for _, c := range []struct {
		name   string
		method string
		hdr    map[string]string
		status int
		code   string
	}{
		{"GET without key", http.MethodGet, nil, 400, "InvalidRequest"},
		{"HEAD without key", http.MethodHead, nil, 400, ""},
		{"GET wrong key", http.MethodGet, ssecHeaders("x-amz-", other), 403, "AccessDenied"},
		{"HEAD wrong key", http.MethodHead, ssecHeaders("x-amz-", other), 403, ""},
		{"GET bad key MD5", http.MethodGet, merge(ssecHeaders("x-amz-", key), map[string]string{"x-amz-server-side-encryption-customer-key-MD5": keyMD5[:10] + "AAAAAAAAAAAAAA"}), 400, "InvalidArgument"},
		{"GET bad algorithm", http.MethodGet, merge(ssecHeaders("x-amz-", key), map[string]string{"x-amz-server-side-encryption-customer-algorithm": "AES128"}), 400, "InvalidEncryptionAlgorithmError"},
		{"GET short key", http.MethodGet, ssecHeaders("x-amz-", key[:16]), 400, "InvalidArgument"},
		{"GET no key MD5", http.MethodGet, map[string]string{hdrSSECAlgorithm: "AES256", hdrSSECKey: base64.StdEncoding.EncodeToString(key)}, 400, "InvalidRequest"},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := e.signed(t, c.method, "/bucket/enc", nil, c.hdr)
			if c.code == "" {
				wantStatus(t, resp, body, c.status)
				return
			}
			wantError(t, resp, body, c.status, c.code)
		})
	}

	// A key for a plain object.
	resp, body = e.signed(t, http.MethodPut, "/bucket/plain", []byte("plain"), nil)
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodGet, "/bucket/plain", nil, ssecHeaders("x-amz-", key))
	doc := wantError(t, resp, body, 400, "InvalidRequest")
	if !strings.Contains(doc.Message, "not applicable") {
		t.Errorf("GET of a plain object with a key: %q", doc.Message)
	}

	if logs := e.logs.String(); strings.Contains(logs, base64.StdEncoding.EncodeToString(key)) {
		t.Errorf("the customer key was logged")
	}
}

// TestSSECOverHTTPRefused: without AllowSSECOverHTTP a key on a plain
// HTTP request is refused, before anything is stored.
func TestSSECOverHTTPRefused(t *testing.T) {
	e := newEnv(t)
	e.signed(t, http.MethodPut, "/bucket", nil, nil)
	key := bytes.Repeat([]byte("k"), 32)
	resp, body := e.signed(t, http.MethodPut, "/bucket/enc", []byte("x"), ssecHeaders("x-amz-", key))
	doc := wantError(t, resp, body, 400, "InvalidRequest")
	if !strings.Contains(doc.Message, "secure connection") {
		t.Errorf("message %q", doc.Message)
	}
	resp, body = e.signed(t, http.MethodHead, "/bucket/enc", nil, nil)
	wantStatus(t, resp, body, http.StatusNotFound)
}

// TestSSECCopyAndMultipart: CopyObject reads an SSE-C source with the
// copy-source key and writes the copy under another key (or none);
// multipart uploads need the key on every part; UploadPartCopy from an
// SSE-C source.
func TestSSECCopyAndMultipart(t *testing.T) {
	e := sseEnv(t)
	k1 := bytes.Repeat([]byte("1"), 32)
	k2 := bytes.Repeat([]byte("2"), 32)
	data := bytes.Repeat([]byte("copy me "), 1000)
	resp, body := e.signed(t, http.MethodPut, "/bucket/src", data, ssecHeaders("x-amz-", k1))
	wantStatus(t, resp, body, http.StatusOK)

	// Without the source key: refused.
	resp, body = e.signed(t, http.MethodPut, "/bucket/dst", nil, map[string]string{"X-Amz-Copy-Source": "bucket/src"})
	wantError(t, resp, body, 400, "InvalidRequest")
	// Source key, new key for the copy.
	resp, body = e.signed(t, http.MethodPut, "/bucket/dst", nil, merge(map[string]string{"X-Amz-Copy-Source": "bucket/src"},
		ssecHeaders("x-amz-copy-source-", k1), ssecHeaders("x-amz-", k2)))
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodGet, "/bucket/dst", nil, ssecHeaders("x-amz-", k2))
	wantStatus(t, resp, body, http.StatusOK)
	if !bytes.Equal(body, data) {
		t.Errorf("copy under a new key: wrong bytes")
	}
	resp, body = e.signed(t, http.MethodGet, "/bucket/dst", nil, ssecHeaders("x-amz-", k1))
	wantError(t, resp, body, 403, "AccessDenied")
	// Re-keying in place (a copy to itself that changes the key).
	resp, body = e.signed(t, http.MethodPut, "/bucket/src", nil, merge(map[string]string{"X-Amz-Copy-Source": "bucket/src"},
		ssecHeaders("x-amz-copy-source-", k1), ssecHeaders("x-amz-", k2)))
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodGet, "/bucket/src", nil, ssecHeaders("x-amz-", k2))
	wantStatus(t, resp, body, http.StatusOK)
	// Decrypting copy.
	resp, body = e.signed(t, http.MethodPut, "/bucket/plaincopy", nil, merge(map[string]string{"X-Amz-Copy-Source": "bucket/src"},
		ssecHeaders("x-amz-copy-source-", k2)))
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodGet, "/bucket/plaincopy", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if !bytes.Equal(body, data) {
		t.Errorf("decrypting copy: wrong bytes")
	}

	// Multipart.
	resp, body = e.signed(t, http.MethodPost, "/bucket/mpu?uploads", nil, ssecHeaders("x-amz-", k1))
	wantStatus(t, resp, body, http.StatusOK)
	var init struct{ UploadId string }
	if err := xml.Unmarshal(body, &init); err != nil {
		t.Fatal(err)
	}
	part := func(n string, hdr map[string]string) (*http.Response, []byte) {
		return e.signed(t, http.MethodPut, "/bucket/mpu?partNumber="+n+"&uploadId="+init.UploadId, data, hdr)
	}
	resp, body = part("1", nil)
	wantError(t, resp, body, 400, "InvalidRequest")
	resp, body = part("1", ssecHeaders("x-amz-", k2))
	wantError(t, resp, body, 403, "AccessDenied")
	resp, body = part("1", ssecHeaders("x-amz-", k1))
	wantStatus(t, resp, body, http.StatusOK)
	etag1 := resp.Header.Get("ETag")
	// UploadPartCopy from the SSE-C source (now under k2) into the k1 upload.
	resp, body = e.signed(t, http.MethodPut, "/bucket/mpu?partNumber=2&uploadId="+init.UploadId, nil,
		merge(map[string]string{"X-Amz-Copy-Source": "bucket/src"}, ssecHeaders("x-amz-copy-source-", k2), ssecHeaders("x-amz-", k1)))
	wantStatus(t, resp, body, http.StatusOK)
	var cp struct{ ETag string }
	if err := xml.Unmarshal(body, &cp); err != nil {
		t.Fatal(err)
	}
	if etag1 == "" || cp.ETag == "" {
		t.Fatalf("part ETags %q %q", etag1, cp.ETag)
	}
	// Parts under MinPartSize cannot be completed with two parts; complete
	// with part 2 alone (the last part may be small).
	resp, body = e.signed(t, http.MethodPost, "/bucket/mpu?uploadId="+init.UploadId, []byte(`<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>`+cp.ETag+`</ETag></Part></CompleteMultipartUpload>`), nil)
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodGet, "/bucket/mpu", nil, nil)
	wantError(t, resp, body, 400, "InvalidRequest")
	resp, body = e.signed(t, http.MethodGet, "/bucket/mpu", nil, ssecHeaders("x-amz-", k1))
	wantStatus(t, resp, body, http.StatusOK)
	if !bytes.Equal(body, data) {
		t.Errorf("SSE-C multipart object: wrong bytes")
	}
}
