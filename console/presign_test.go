package console

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// Share and download links are pre-signed GETs of the S3 endpoint: they
// read the object (under its name, for a download) without any cookie,
// within their lifetime only, and for a key that may read it only.
func TestPresign(t *testing.T) {
	w := newWorld(t)
	b := w.browser(t)
	b.mustLogin(bobKey, bobSecret)
	b.s3(http.StatusOK, http.MethodPut, "/links", "")
	b.s3(http.StatusOK, http.MethodPut, "/links/dir/report 2024.txt", "the report")
	presign := func(br *browser, req presignRequest) (int, presignJSON) {
		body, _ := json.Marshal(req)
		resp, out := br.do(http.MethodPost, "/api/presign", bytes.NewReader(body), "Content-Type", "application/json")
		var p presignJSON
		if resp.StatusCode == http.StatusOK {
			if err := json.Unmarshal([]byte(out), &p); err != nil {
				t.Fatal(err)
			}
		}
		return resp.StatusCode, p
	}
	get := func(u string) (int, string, http.Header) {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), resp.Header
	}

	code, p := presign(b, presignRequest{Bucket: "links", Key: "dir/report 2024.txt", Expires: 3600})
	if code != http.StatusOK || !strings.HasPrefix(p.URL, w.s3.URL+"/links/dir/report%202024.txt?") || !strings.Contains(p.URL, "X-Amz-Expires=3600") {
		t.Fatalf("presign: %d %+v", code, p)
	}
	if code, body, _ := get(p.URL); code != http.StatusOK || body != "the report" {
		t.Fatalf("share link: %d %q", code, body)
	}
	code, p = presign(b, presignRequest{Bucket: "links", Key: "dir/report 2024.txt", Download: true})
	if code != http.StatusOK {
		t.Fatalf("download link: %d", code)
	}
	if code, body, h := get(p.URL); code != http.StatusOK || body != "the report" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") ||
		!strings.Contains(h.Get("Content-Disposition"), "report 2024.txt") {
		t.Errorf("download link: %d %q %q", code, body, h.Get("Content-Disposition"))
	}
	// A tampered link fails S3's check.
	if code, _, _ := get(strings.Replace(p.URL, "report%202024", "other", 1)); code != http.StatusForbidden {
		t.Errorf("tampered link: %d, want 403", code)
	}
	for _, bad := range []presignRequest{
		{Bucket: "links", Key: "k", Expires: 8 * 24 * 3600},
		{Bucket: "links", Key: "k", Expires: -1},
		{Bucket: "links"},
	} {
		if code, _ := presign(b, bad); code != http.StatusBadRequest {
			t.Errorf("presign %+v: %d, want 400", bad, code)
		}
	}
	// Another account's link is signed, but S3 refuses it: the key may
	// not read the object.
	alice := w.browser(t)
	alice.mustLogin(aliceKey, aliceSecret)
	if code, p := presign(alice, presignRequest{Bucket: "links", Key: "dir/report 2024.txt"}); code != http.StatusOK {
		t.Fatalf("presign by alice: %d", code)
	} else if code, _, _ := get(p.URL); code != http.StatusForbidden {
		t.Errorf("alice's link to bob's object: %d, want 403", code)
	}
}

// The S3 URL of links: the configured host, or the host the browser
// reached the console at.
func TestS3Base(t *testing.T) {
	for _, c := range []struct{ s3URL, host, want string }{
		{"http://127.0.0.1:8080", "console.example:9001", "http://127.0.0.1:8080"},
		{"https://s3.example.org", "console.example:9001", "https://s3.example.org"},
		{"http://:8080", "myhost:9001", "http://myhost:8080"},
		{"http://:8080", "[::1]:9001", "http://[::1]:8080"},
		{"https://:8443", "myhost", "https://myhost:8443"},
	} {
		c2, err := New(Options{S3: http.NotFoundHandler(), Keys: newFakeAccounts().AccessKey, Region: "r", S3URL: c.s3URL})
		if err != nil {
			t.Fatal(err)
		}
		r, _ := http.NewRequest(http.MethodGet, "http://"+c.host+"/", nil)
		if got := c2.s3Base(r).String(); got != c.want {
			t.Errorf("%s from %s: %s, want %s", c.s3URL, c.host, got, c.want)
		}
	}
	if _, err := New(Options{S3: http.NotFoundHandler(), Keys: newFakeAccounts().AccessKey, Region: "r", S3URL: "ftp://x"}); err == nil {
		t.Error("an ftp S3 URL was taken")
	}
}
