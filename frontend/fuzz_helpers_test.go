package frontend

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/sigv4"
)

// The fuzz targets of this package send requests straight to the handler
// (no listener) over a fresh memstore each (aclFuzzServer), and check the
// one property every answer must have, checkFuzzAnswer.

// checkFuzzAnswer fails t when rec breaks what every answer must be:
// never a 5xx, except 501 NotImplemented, S3's answer for a feature
// Amphora does not have (a sub-resource such as ?website, POST object
// uploads), which is the client's request and no fault; any error an S3
// XML error document with a Code (HEAD: no body), Content-Type
// application/xml and a request id.
func checkFuzzAnswer(t *testing.T, method string, rec *httptest.ResponseRecorder, input ...any) {
	t.Helper()
	if rec.Code >= 500 && !(rec.Code == http.StatusNotImplemented && (method == http.MethodHead || errorCode(rec) == "NotImplemented")) {
		t.Fatalf("%s: status %d for input %q:\n%s", method, rec.Code, input, rec.Body)
	}
	if rec.Header().Get("x-amz-request-id") == "" {
		t.Fatalf("%s: status %d without x-amz-request-id for input %q", method, rec.Code, input)
	}
	if rec.Code < 400 || method == http.MethodHead {
		return
	}
	var doc errorDoc
	if err := xml.Unmarshal(rec.Body.Bytes(), &doc); err != nil || doc.Code == "" {
		t.Fatalf("%s: status %d without an S3 error document (%v) for input %q:\n%s", method, rec.Code, err, input, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/xml" {
		t.Fatalf("%s: error %s with Content-Type %q for input %q", method, doc.Code, ct, input)
	}
}

// errorCode is the Code of an error answer, "" for anything else.
func errorCode(rec *httptest.ResponseRecorder) string {
	if rec.Code < 400 {
		return ""
	}
	var doc errorDoc
	_ = xml.Unmarshal(rec.Body.Bytes(), &doc)
	return doc.Code
}

// rawRequest builds a server-side request for target (path and raw
// query, not validated, so that odd targets reach the frontend) on host.
func rawRequest(method, host, target string, body []byte) *http.Request {
	r := &http.Request{
		Method: method, Header: http.Header{}, Host: host, RequestURI: target,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, RemoteAddr: "192.0.2.1:1234",
		Body: http.NoBody,
	}
	if u, err := url.ParseRequestURI(target); err == nil {
		r.URL = u
	} else {
		path, query, _ := strings.Cut(target, "?")
		r.URL = &url.URL{Path: path, RawPath: path, RawQuery: query}
	}
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	return r
}

// serveV4 sends h a request for target (path-style, on 127.0.0.1:9000)
// signed by alice with Signature V4 and an unsigned payload, so that any
// query, however odd, reaches the handler with a good signature.
func serveV4(h http.Handler, method, target string, hdr http.Header, body []byte) *httptest.ResponseRecorder {
	return serveV4Host(h, method, "127.0.0.1:9000", target, hdr, body)
}

func serveV4Host(h http.Handler, method, host, target string, hdr http.Header, body []byte) *httptest.ResponseRecorder {
	r := rawRequest(method, host, target, body)
	for k, vs := range hdr {
		r.Header[k] = append(r.Header[k], vs...)
	}
	sigv4.SignRequest(r, aliceKey, aliceSecret, testRegion, time.Now(), sigv4.UnsignedPayload)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// serveSignedBody is serveSigned for a request whose body the server
// stores: it carries a Content-Length header, as on the wire.
func serveSignedBody(h http.Handler, method, path string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "http://127.0.0.1:9000"+path, bytes.NewReader(body))
	req.Header.Set("Content-Length", strconv.Itoa(len(body)))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, signV2(req, aliceKey, aliceSecret))
	return rec
}

// putFuzzObject stores key in alice's bucket of h with data.
func putFuzzObject(t *testing.T, h http.Handler, key string, data []byte) {
	t.Helper()
	if rec := serveSignedBody(h, http.MethodPut, "/bucket/"+key, data); rec.Code != http.StatusOK {
		t.Fatalf("PutObject %s: %d %s", key, rec.Code, rec.Body)
	}
}
