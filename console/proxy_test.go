package console

import (
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
)

// Every console action is decided by S3 as the same request by the
// session's key: the owner does what it may, another account gets S3's
// AccessDenied, a key restricted to a bucket may do there only what its
// permission says and create nothing, and making an object public
// through the console makes it readable anonymously on the S3 endpoint.
func TestProxyAuthorization(t *testing.T) {
	w := newWorld(t)
	bob := w.browser(t)
	bob.mustLogin(bobKey, bobSecret)
	alice := w.browser(t)
	alice.mustLogin(aliceKey, aliceSecret)
	admin := w.browser(t)
	admin.mustLogin(adminKey, adminSecret)
	scoped := w.browser(t)
	scoped.mustLogin(scopedKey, scopedSecret)

	bob.s3(http.StatusOK, http.MethodPut, "/bobs", "")
	bob.s3(http.StatusOK, http.MethodPut, "/bobs/hello.txt", "hello", "Content-Type", "text/plain", "x-amz-meta-color", "blue")
	if got := bob.s3(http.StatusOK, http.MethodGet, "/bobs/hello.txt", ""); got != "hello" {
		t.Fatalf("GET through the console: %q", got)
	}
	resp, _ := bob.do(http.MethodHead, "/api/s3/bobs/hello.txt", nil)
	if resp.Header.Get("x-amz-meta-color") != "blue" || resp.Header.Get("Content-Type") != "text/plain" || resp.Header.Get("Cache-Control") != "" {
		t.Errorf("HEAD: %v (the object's headers and no others)", resp.Header)
	}
	// Metadata edited by copying the object onto itself (the drawer's Edit).
	bob.s3(http.StatusOK, http.MethodPut, "/bobs/hello.txt", "", "X-Amz-Copy-Source", "/bobs/hello.txt",
		"X-Amz-Metadata-Directive", "REPLACE", "Content-Type", "text/markdown", "Cache-Control", "max-age=60", "x-amz-meta-color", "red")
	resp, _ = bob.do(http.MethodHead, "/api/s3/bobs/hello.txt", nil)
	if resp.Header.Get("x-amz-meta-color") != "red" || resp.Header.Get("Content-Type") != "text/markdown" || resp.Header.Get("Cache-Control") != "max-age=60" {
		t.Errorf("HEAD after the copy: %v", resp.Header)
	}
	if out := bob.s3(http.StatusOK, http.MethodGet, "/", ""); !strings.Contains(out, "<Name>bobs</Name>") {
		t.Errorf("ListBuckets: %s", out)
	}

	// Another account: S3's refusal, as S3 words it.
	for _, c := range []struct{ method, path string }{
		{http.MethodGet, "/bobs/hello.txt"}, {http.MethodGet, "/bobs?list-type=2"}, {http.MethodPut, "/bobs/x.txt"},
		{http.MethodDelete, "/bobs"}, {http.MethodPut, "/bobs?acl"},
	} {
		if out := alice.s3(http.StatusForbidden, c.method, c.path, ""); !strings.Contains(out, "<Code>AccessDenied</Code>") {
			t.Errorf("alice %s %s: %s", c.method, c.path, out)
		}
	}
	if out := alice.s3(http.StatusOK, http.MethodGet, "/", ""); strings.Contains(out, "bobs") {
		t.Errorf("alice lists bob's bucket: %s", out)
	}

	// A key restricted to reading "shared".
	admin.s3(http.StatusOK, http.MethodPut, "/shared", "")
	admin.s3(http.StatusOK, http.MethodPut, "/shared/doc.txt", "doc")
	admin.s3(http.StatusOK, http.MethodPut, "/private", "")
	scoped.s3(http.StatusOK, http.MethodGet, "/shared/doc.txt", "")
	scoped.s3(http.StatusForbidden, http.MethodPut, "/shared/new.txt", "x")
	scoped.s3(http.StatusForbidden, http.MethodGet, "/private?list-type=2", "")
	scoped.s3(http.StatusForbidden, http.MethodPut, "/scoped-new-bucket", "")

	// Public through the console, then read anonymously on S3.
	anon := func() int {
		resp, err := http.Get(w.s3.URL + "/bobs/hello.txt")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := anon(); code != http.StatusForbidden {
		t.Fatalf("anonymous GET of a private object: %d", code)
	}
	bob.s3(http.StatusOK, http.MethodPut, "/bobs/hello.txt?acl", "", "x-amz-acl", "public-read")
	if code := anon(); code != http.StatusOK {
		t.Fatalf("anonymous GET after public-read through the console: %d", code)
	}
	if out := bob.s3(http.StatusOK, http.MethodGet, "/bobs/hello.txt?acl", ""); !strings.Contains(out, "AllUsers") {
		t.Errorf("GetObjectAcl: %s", out)
	}

	// DeleteObjects (a small body, read and signed with its SHA-256).
	bob.s3(http.StatusOK, http.MethodPut, "/bobs/a", "a")
	bob.s3(http.StatusOK, http.MethodPut, "/bobs/b", "b")
	out := bob.s3(http.StatusOK, http.MethodPost, "/bobs?delete", `<Delete><Object><Key>a</Key></Object><Object><Key>b</Key></Object></Delete>`)
	if strings.Count(out, "<Deleted>") != 2 {
		t.Errorf("DeleteObjects: %s", out)
	}
	// The S3 log names the session's key for each request.
	if !strings.Contains(w.logs.String(), `"access_key":"AKBOB"`) {
		t.Error("the access log does not name the console session's key")
	}
}

// Keys survive the pass-through as S3 clients send them: "//", an
// escaped slash, "+", spaces, unicode.
func TestProxyKeys(t *testing.T) {
	w := newWorld(t)
	b := w.browser(t)
	b.mustLogin(bobKey, bobSecret)
	b.s3(http.StatusOK, http.MethodPut, "/keys", "")
	for _, key := range []string{"a//b", "dir/%2F/x", "plus+sign", "with space", "ünï/cödé", "dots/../x", "?q=1&x"} {
		p := "/keys/" + pathEscape(key)
		b.s3(http.StatusOK, http.MethodPut, p, "v:"+key)
		if got := b.s3(http.StatusOK, http.MethodGet, p, ""); got != "v:"+key {
			t.Errorf("%q: GET %q", key, got)
		}
	}
	var res struct {
		Keys []string `xml:"Contents>Key"`
	}
	if err := xml.Unmarshal([]byte(b.s3(http.StatusOK, http.MethodGet, "/keys?list-type=2", "")), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Keys) != 7 || !contains(res.Keys, "a//b") || !contains(res.Keys, "dir/%2F/x") || !contains(res.Keys, "dots/../x") {
		t.Errorf("keys stored: %q", res.Keys)
	}
	// A page cannot make its request a pre-signed one: the signature
	// parameters it adds are dropped, and the console's signature holds.
	b.s3(http.StatusOK, http.MethodGet, "/keys/plus%2Bsign?X-Amz-Credential=AKALICE%2Fx&X-Amz-Signature=00&AWSAccessKeyId=AKALICE&Signature=x", "")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
