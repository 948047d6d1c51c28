package frontend

import (
	"net/http"
	"strings"
	"testing"
)

// Unsigned requests are anonymous: AllUsers grants let them in, nothing
// else does (AuthenticatedUsers needs a signature).
func TestAnonymousAccess(t *testing.T) {
	e := newEnv(t)
	anon := func(method, host, path string, body string, hdr map[string]string) (*http.Response, []byte) {
		t.Helper()
		var req *http.Request
		if body != "" {
			req = e.request(t, method, path, strings.NewReader(body))
		} else {
			req = e.request(t, method, path, nil)
		}
		if host != "" {
			req.Host = host
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		return e.do(t, req)
	}
	e.mustCreate(t, "site")
	e.mustPut(t, "site", "private.txt", []byte("secret"))
	resp, body := e.signed(t, http.MethodPut, "/site/index.html", []byte("<h1>hello</h1>"), map[string]string{"X-Amz-Acl": "public-read"})
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodPut, "/site/members.txt", []byte("members"), map[string]string{"X-Amz-Acl": "authenticated-read"})
	wantStatus(t, resp, body, http.StatusOK)

	resp, body = anon(http.MethodGet, "", "/site/index.html", "", nil)
	if resp.StatusCode != http.StatusOK || string(body) != "<h1>hello</h1>" {
		t.Errorf("anonymous GET of a public-read object: %d %q", resp.StatusCode, body)
	}
	resp, body = anon(http.MethodGet, "site."+testDomain, "/index.html", "", nil)
	if resp.StatusCode != http.StatusOK || string(body) != "<h1>hello</h1>" {
		t.Errorf("anonymous virtual-host GET of a public-read object: %d %q", resp.StatusCode, body)
	}
	resp, _ = anon(http.MethodHead, "", "/site/index.html", "", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Length") != "14" {
		t.Errorf("anonymous HEAD: %d %v", resp.StatusCode, resp.Header)
	}
	for _, c := range []struct {
		method, path, body string
		hdr                map[string]string
		status             int
		code               string
	}{
		{http.MethodGet, "/site/private.txt", "", nil, 403, "AccessDenied"},
		{http.MethodGet, "/site/members.txt", "", nil, 403, "AccessDenied"},
		{http.MethodGet, "/site/missing.txt", "", nil, 403, "AccessDenied"}, // may not list: no 404
		{http.MethodGet, "/site", "", nil, 403, "AccessDenied"},
		{http.MethodGet, "/site/index.html?acl", "", nil, 403, "AccessDenied"},
		{http.MethodPut, "/site/new.txt", "x", nil, 403, "AccessDenied"},
		{http.MethodDelete, "/site/index.html", "", nil, 403, "AccessDenied"},
		{http.MethodGet, "/", "", nil, 403, "AccessDenied"},
		{http.MethodPut, "/anon-bucket", "", nil, 403, "AccessDenied"},
		{http.MethodGet, "/no-such-bucket/k", "", nil, 404, "NoSuchBucket"},
		{http.MethodPut, "/site/chunked", "x", map[string]string{"X-Amz-Content-Sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER"}, 400, "InvalidRequest"},
	} {
		resp, body := anon(c.method, "", c.path, c.body, c.hdr)
		wantError(t, resp, body, c.status, c.code)
	}
	resp, _ = e.asBob(t, http.MethodGet, "/site/members.txt", nil, nil)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("bob reads an authenticated-read object: %d", resp.StatusCode)
	}

	// A public-read bucket lists anonymously; public-read-write takes
	// anonymous writes, which belong to the bucket's owner.
	resp, body = e.signed(t, http.MethodPut, "/site?acl", nil, map[string]string{"X-Amz-Acl": "public-read"})
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = anon(http.MethodGet, "", "/site", "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<Key>index.html</Key>") || !strings.Contains(string(body), "<Key>private.txt</Key>") {
		t.Errorf("anonymous listing of a public-read bucket: %d %s", resp.StatusCode, body)
	}
	resp, body = anon(http.MethodGet, "", "/site/missing.txt", "", nil)
	wantError(t, resp, body, 404, "NoSuchKey")
	resp, body = anon(http.MethodGet, "", "/site/private.txt", "", nil)
	wantError(t, resp, body, 403, "AccessDenied") // listing a bucket is not reading its objects
	resp, body = e.signed(t, http.MethodPut, "/site?acl", nil, map[string]string{"X-Amz-Acl": "public-read-write"})
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = anon(http.MethodPut, "", "/site/dropbox.txt", "dropped", nil)
	wantStatus(t, resp, body, http.StatusOK)
	if doc := e.objectACLDoc(t, "/site/dropbox.txt"); doc.Owner.ID != "tenant-alice" {
		t.Errorf("an anonymous write's owner: %q, want the bucket's owner", doc.Owner.ID)
	}
	resp, body = anon(http.MethodGet, "", "/site/dropbox.txt", "", nil)
	wantError(t, resp, body, 403, "AccessDenied") // private, as any write without an ACL
	resp, body = anon(http.MethodDelete, "", "/site/dropbox.txt", "", nil)
	wantStatus(t, resp, body, http.StatusNoContent)
}
