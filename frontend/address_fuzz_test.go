package frontend

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// Fuzz targets for addressing: the Host header and the request target,
// parsed alone (parseAddress) and as the whole frontend sees them.

// addressSeeds are hosts and escaped paths with the classic tricks.
var addressSeeds = []struct{ host, path string }{
	{"127.0.0.1:9000", "/bucket/key"},
	{"bucket.s3.test", "/key/with//slashes"},
	{"bucket.s3.test:9000", "/"},
	{"BUCKET.S3.TEST.", "/a%2Fb"},
	{"s3.test", "/bucket/../../etc/passwd"},
	{"x.bucket.s3.test", "/%2e%2e/%2E%2E/k"},
	{"127.0.0.1", "/bucket/%00"},
	{"127.0.0.1", "/bucket/%zz"},
	{"127.0.0.1", "/bucket/%"},
	{"127.0.0.1", "/bucket/\xff\xfe"},
	{"127.0.0.1", "/bucket/%ff%fe"},
	{"127.0.0.1", "/" + strings.Repeat("k", 1100)},
	{"127.0.0.1", "/bucket/" + strings.Repeat("%41", 1025)},
	{"127.0.0.1", "//bucket//key"},
	{"127.0.0.1", "/b%2Fucket/key"},
	{"[::1]:9000", "/Bucket_Name/k"},
	{".s3.test", "/k"},
	{"", "/bucket/k+%2B%20"},
	{"a..b.s3.test", "/k"},
	{"127.0.0.1", "bucket/no-slash"},
}

// FuzzParseAddress checks parseAddress's contract: an address it takes
// has a valid UTF-8 bucket and key of at most 1024 bytes and a resource
// path; anything else is InvalidURI or KeyTooLongError.
func FuzzParseAddress(f *testing.F) {
	for _, s := range addressSeeds {
		f.Add(s.host, s.path)
	}
	domains := []string{"sub.s3.test", "s3.test"}
	f.Fuzz(func(t *testing.T, host, path string) {
		a, err := parseAddress(host, path, domains)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || (e.Code != "InvalidURI" && e.Code != "KeyTooLongError") {
				t.Fatalf("parseAddress(%q, %q): %v", host, path, err)
			}
			return
		}
		switch {
		case len(a.Key) > maxKeyLen:
			t.Fatalf("parseAddress(%q, %q): key of %d bytes", host, path, len(a.Key))
		case !utf8.ValidString(a.Key) || !utf8.ValidString(a.Bucket):
			t.Fatalf("parseAddress(%q, %q): invalid UTF-8 %q/%q", host, path, a.Bucket, a.Key)
		case !strings.HasPrefix(a.ResourcePath, "/"):
			t.Fatalf("parseAddress(%q, %q): resource path %q", host, path, a.ResourcePath)
		case a.VirtualHost != (bucketFromHost(host, domains) != ""):
			t.Fatalf("parseAddress(%q, %q): virtual host %t", host, path, a.VirtualHost)
		case a.Key != "" && a.Bucket == "":
			t.Fatalf("parseAddress(%q, %q): key %q without a bucket", host, path, a.Key)
		}
	})
}

// fuzzMethods are the methods FuzzRequestTarget picks from.
var fuzzMethods = []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete, http.MethodHead,
	http.MethodOptions, http.MethodPatch, "PROPFIND", "BREW"}

// FuzzRequestTarget sends a signed request with a fuzzed method, Host and
// request target (what net/http's server would hand over: a target
// url.ParseRequestURI takes): never a 5xx, every refusal an S3 error
// document. A PUT of an object taken (no query) stores exactly what a
// GET of the same target then reads.
func FuzzRequestTarget(f *testing.F) {
	for i, s := range addressSeeds {
		f.Add(uint8(i), s.host, s.path+"?x-id=1")
		f.Add(uint8(i), s.host, s.path)
	}
	f.Add(uint8(0), "127.0.0.1", "/bucket?acl&uploads&delete&tagging&policy")
	f.Add(uint8(1), "127.0.0.1", "/bucket/k?uploads&uploadId=x&partNumber=1")
	f.Add(uint8(2), "bucket.s3.test", "/?delete")
	f.Add(uint8(4), "127.0.0.1", "/bucket?unknown-subresource&website&cors&lifecycle&replication")
	f.Add(uint8(8), "127.0.0.1", "*")
	f.Add(uint8(3), "127.0.0.1", "http://evil.example/bucket/k")
	f.Fuzz(func(t *testing.T, m uint8, host, target string) {
		method := fuzzMethods[int(m)%len(fuzzMethods)]
		if _, err := url.ParseRequestURI(target); err != nil || !validFuzzHost(host) {
			return // net/http answers 400 before the frontend sees it
		}
		h := aclFuzzServer(t)
		putFuzzObject(t, h, "k", []byte("v"))
		var body []byte
		if method == http.MethodPut || method == http.MethodPost {
			body = []byte("fuzz body")
		}
		rec := serveV4Host(h, method, host, target, nil, body)
		checkFuzzAnswer(t, method, rec, host, target)
		if method != http.MethodPut || rec.Code != http.StatusOK || rec.Header().Get("ETag") == "" || strings.Contains(target, "?") {
			return
		}
		got := serveV4Host(h, http.MethodGet, host, target, nil, nil)
		if got.Code == http.StatusOK && got.Body.String() != string(body) {
			t.Fatalf("PUT %s %s taken, GET reads %q", host, target, got.Body)
		}
	})
}

// validFuzzHost is a Host header net/http's server accepts.
func validFuzzHost(h string) bool {
	for i := 0; i < len(h); i++ {
		if c := h[i]; c <= ' ' || c >= 0x7f || strings.IndexByte(`"<>\^`+"`{|}", c) >= 0 {
			return false
		}
	}
	return true
}
