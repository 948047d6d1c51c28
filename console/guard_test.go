package console

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/amphora-s3/amphora/store"
)

// reader is a request body, nil for none.
func reader(s string) io.Reader {
	if s == "" {
		return nil
	}
	return strings.NewReader(s)
}

func storeKey(id, secret, account string) store.AccessKey {
	return store.AccessKey{ID: id, Secret: secret, Account: account}
}

func newTLSConsole(t *testing.T, w *world) *httptest.Server {
	srv := httptest.NewTLSServer(w.c)
	t.Cleanup(srv.Close)
	return srv
}

// Without the session cookie, every call but signing in is refused, and
// nothing reaches S3.
func TestNoCookieRefused(t *testing.T) {
	w := newWorld(t)
	owner := w.browser(t)
	owner.mustLogin(bobKey, bobSecret)
	owner.s3(http.StatusOK, http.MethodPut, "/bob-bucket", "")

	b := w.browser(t)
	b.csrf = owner.csrf // even with a CSRF token of a real session
	for _, c := range []struct{ method, path, body string }{
		{http.MethodGet, "/api/session", ""},
		{http.MethodGet, "/api/s3/", ""},
		{http.MethodGet, "/api/s3/bob-bucket?list-type=2", ""},
		{http.MethodPut, "/api/s3/new-bucket", ""},
		{http.MethodDelete, "/api/s3/bob-bucket", ""},
		{http.MethodPost, "/api/presign", `{"bucket":"bob-bucket","key":"k"}`},
		{http.MethodGet, "/api/admin/accounts", ""},
	} {
		resp, out := b.do(c.method, c.path, reader(c.body))
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s %s without a cookie: %d %s, want 401", c.method, c.path, resp.StatusCode, out)
		}
	}
	owner.s3(http.StatusOK, http.MethodHead, "/bob-bucket", "")
	owner.s3(http.StatusNotFound, http.MethodHead, "/new-bucket", "")
}

// With the cookie, a call without the CSRF token, with a forged one or
// with another session's is refused: a page of another site that gets a
// browser to send the cookie gets nothing done.
func TestCSRFRefused(t *testing.T) {
	w := newWorld(t)
	b := w.browser(t)
	b.mustLogin(bobKey, bobSecret)
	other := w.browser(t)
	other.mustLogin(aliceKey, aliceSecret)
	good := b.csrf
	for name, token := range map[string]string{
		"no token":               "",
		"forged token":           strings.Repeat("A", len(good)),
		"altered token":          good[:len(good)-1] + string(good[len(good)-1]^1),
		"another session's":      other.csrf,
		"the cookie itself":      cookieValue(t, b),
		"token of the key's MAC": mac(sessionKey(bobSecret), "csrf"),
	} {
		b.csrf = token
		for _, c := range []struct{ method, path string }{
			{http.MethodPut, "/api/s3/csrf-bucket"},
			{http.MethodGet, "/api/s3/"},
			{http.MethodPost, "/api/presign"},
			{http.MethodPost, "/api/logout"},
		} {
			resp, out := b.do(c.method, c.path, strings.NewReader(`{"bucket":"b","key":"k"}`), csrfHeader, token)
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s: %s %s: %d %s, want 403", name, c.method, c.path, resp.StatusCode, out)
			}
		}
	}
	b.csrf = good
	b.s3(http.StatusNotFound, http.MethodHead, "/csrf-bucket", "")
	b.s3(http.StatusOK, http.MethodPut, "/csrf-bucket", "")
	if resp, _ := b.do(http.MethodGet, "/api/session", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("the session survived the refused sign-out: %d", resp.StatusCode)
	}
}

func cookieValue(t *testing.T, b *browser) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.w.console.URL, nil)
	for _, c := range b.client.Jar.Cookies(req.URL) {
		if c.Name == cookieName {
			return c.Value
		}
	}
	t.Fatal("no session cookie in the jar")
	return ""
}

// A call that changes something must come from the console's own
// origin: another Origin, none at all, or a browser saying cross-site
// is refused, sign-in included. A configured public origin is the
// console's too.
func TestOriginRefused(t *testing.T) {
	w := newWorld(t)
	b := w.browser(t)
	b.mustLogin(bobKey, bobSecret)
	login := `{"accessKey":"AKBOB","secretKey":"bob-secret-0123456789"}`
	for _, c := range []struct {
		name, method, path, body string
		hdr                      []string
	}{
		{"foreign origin, sign-in", http.MethodPost, "/api/login", login, []string{"Origin", "http://evil.example"}},
		{"no origin, sign-in", http.MethodPost, "/api/login", login, []string{"Origin", ""}},
		{"foreign origin, S3 write", http.MethodPut, "/api/s3/origin-bucket", "", []string{"Origin", "http://evil.example"}},
		{"no origin, S3 write", http.MethodPut, "/api/s3/origin-bucket", "", []string{"Origin", ""}},
		{"null origin", http.MethodPut, "/api/s3/origin-bucket", "", []string{"Origin", "null"}},
		{"same host, other scheme", http.MethodPut, "/api/s3/origin-bucket", "", []string{"Origin", strings.Replace(w.console.URL, "http:", "https:", 1)}},
		{"foreign origin, read", http.MethodGet, "/api/s3/", "", []string{"Origin", "http://evil.example"}},
		{"cross-site fetch", http.MethodPut, "/api/s3/origin-bucket", "", []string{"Sec-Fetch-Site", "cross-site"}},
		// A page S3 serves on the same host (another port: the same site).
		{"S3's origin", http.MethodPut, "/api/s3/origin-bucket", "", []string{"Origin", w.s3.URL, "Sec-Fetch-Site", "same-site"}},
		{"S3's origin, read", http.MethodGet, "/api/session", "", []string{"Origin", w.s3.URL}},
		{"same-site fetch", http.MethodPut, "/api/s3/origin-bucket", "", []string{"Sec-Fetch-Site", "same-site"}},
		{"foreign origin, sign-out", http.MethodPost, "/api/logout", "", []string{"Origin", "http://evil.example"}},
	} {
		resp, out := b.do(c.method, c.path, reader(c.body), c.hdr...)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d %s, want 403", c.name, resp.StatusCode, out)
		}
	}
	// Reads without an Origin (what a same-origin GET sends) pass.
	b.s3(http.StatusOK, http.MethodGet, "/", "", "Origin", "")
	b.s3(http.StatusNotFound, http.MethodHead, "/origin-bucket", "")

	w.c.publicOrigin = "https://console.example.org"
	b.s3(http.StatusOK, http.MethodPut, "/origin-bucket", "", "Origin", "https://console.example.org")
}

// The page and its scripts are served with a strict CSP; API answers
// are never pages.
func TestStaticFiles(t *testing.T) {
	w := newWorld(t)
	b := w.browser(t)
	for _, c := range []struct{ path, ctype, contains string }{
		{"/", "text/html", `<script type="module" src="/js/app.js">`},
		{"/js/app.js", "javascript", "import"},
		{"/js/upload.js", "javascript", "CreateMultipartUpload"},
		{"/app.css", "text/css", ".drawer"},
	} {
		resp, body := b.do(http.MethodGet, c.path, nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), c.ctype) || !strings.Contains(body, c.contains) {
			t.Errorf("GET %s: %d %q", c.path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
			t.Errorf("GET %s: CSP %q", c.path, csp)
		}
		if resp.Header.Get("X-Frame-Options") != "DENY" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: headers %v", c.path, resp.Header)
		}
	}
	resp, _ := b.do(http.MethodGet, "/api/session", nil)
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("API answer headers: %v", resp.Header)
	}
	if resp, _ := b.do(http.MethodGet, "/api/nothing", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown API: %d", resp.StatusCode)
	}
}
