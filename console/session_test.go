package console

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A session cookie verifies while it lasts and its key works with the
// secret it was made with; an expired, altered or forged one, or one
// whose key was disabled or given a new secret, is no session.
func TestSessionToken(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	now := time.Now()
	exp := now.Add(time.Hour)
	good := newSessionValue(bobKey, bobSecret, exp)

	s, err := w.c.verifySession(ctx, good, now)
	if err != nil || s.key.ID != bobKey || s.key.Account != "bob-id" || !s.expires.Equal(exp.Truncate(time.Second)) {
		t.Fatalf("valid session: %+v, %v", s, err)
	}
	if _, err := w.c.verifySession(ctx, newSessionValue(aliceKey, aliceSecret, exp), now); err != nil {
		t.Fatalf("a config file key's session: %v", err)
	}

	payload, sig, _ := cutLast(good, "|")
	flipped := []byte(sig)
	flipped[3] ^= 1
	longer := bobKey + "|" + strconv.FormatInt(exp.Add(24*time.Hour).Unix(), 10)
	for name, value := range map[string]string{
		"expired":                  newSessionValue(bobKey, bobSecret, now.Add(-time.Second)),
		"expires now":              newSessionValue(bobKey, bobSecret, now),
		"MAC altered":              payload + "|" + string(flipped),
		"expiry pushed":            longer + "|" + sig,
		"MAC of another key":       bobKey + "|" + strconv.FormatInt(exp.Unix(), 10) + "|" + mac(sessionKey(aliceSecret), payload),
		"key swapped":              strings.Replace(good, bobKey, adminKey, 1),
		"made with a wrong secret": newSessionValue(bobKey, "not-bobs-secret", exp),
		"unknown key":              newSessionValue("AKNOBODY", "whatever-secret", exp),
		"empty":                    "",
		"no MAC":                   payload,
		"garbage":                  "a|b|c",
	} {
		if _, err := w.c.verifySession(ctx, value, now); !errors.Is(err, errNoSession) {
			t.Errorf("%s: %v, want errNoSession", name, err)
		}
	}

	// Disabling the key ends its sessions; enabling it brings them back.
	w.accts.SetKeyDisabled(ctx, bobKey, true)
	if _, err := w.c.verifySession(ctx, good, now); !errors.Is(err, errNoSession) {
		t.Errorf("disabled key: %v, want errNoSession", err)
	}
	w.accts.SetKeyDisabled(ctx, bobKey, false)
	if _, err := w.c.verifySession(ctx, good, now); err != nil {
		t.Errorf("enabled again: %v", err)
	}
	// A new secret ends the sessions made with the old one.
	w.accts.setSecret(bobKey, "bob-rotated-secret-0123456789")
	if _, err := w.c.verifySession(ctx, good, now); !errors.Is(err, errNoSession) {
		t.Errorf("rotated secret: %v, want errNoSession", err)
	}
}

// Over HTTP: the cookie is HttpOnly, SameSite=Strict, for the whole
// console, lasting the session's TTL; the session expires with the
// clock; signing out clears it.
func TestSessionCookie(t *testing.T) {
	w := newWorld(t)
	b := w.browser(t)
	resp, s := b.login(bobKey, bobSecret)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	var ck *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == cookieName {
			ck = c
		}
	}
	if ck == nil {
		t.Fatalf("no %s cookie: %v", cookieName, resp.Header["Set-Cookie"])
	}
	if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" || ck.Secure || ck.MaxAge != 12*3600 {
		t.Errorf("cookie %+v: want HttpOnly, SameSite=Strict, Path=/, not Secure over plain HTTP, Max-Age 12h", ck)
	}
	if !strings.HasPrefix(ck.Value, bobKey+"|") || strings.Contains(ck.Value, bobSecret) {
		t.Errorf("cookie value %q", ck.Value)
	}
	if s.AccessKey != bobKey || s.DisplayName != "Bob" || s.Admin || s.CSRF == "" || s.S3URL != w.s3.URL || s.Region != testRegion {
		t.Errorf("session %+v", s)
	}
	if resp, _ := b.do(http.MethodGet, "/api/session", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("session: %d", resp.StatusCode)
	}

	// The browser keeps sending the cookie; the server's clock ends it.
	w.now = func() time.Time { return time.Now().Add(12*time.Hour + time.Minute) }
	if resp, body := b.do(http.MethodGet, "/api/session", nil); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "expired") {
		t.Errorf("after the TTL: %d %s, want 401 expired", resp.StatusCode, body)
	}
	w.now = nil

	if resp, _ := b.do(http.MethodPost, "/api/logout", nil); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	if resp, _ := b.do(http.MethodGet, "/api/session", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("after sign-out: %d, want 401", resp.StatusCode)
	}
}

// Over TLS the cookie is Secure.
func TestSessionCookieSecureOverTLS(t *testing.T) {
	w := newWorld(t)
	srv := newTLSConsole(t, w)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/login", strings.NewReader(`{"accessKey":"AKBOB","secretKey":"bob-secret-0123456789"}`))
	req.Header.Set("Origin", srv.URL)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(resp.Cookies()) != 1 || !resp.Cookies()[0].Secure {
		t.Fatalf("login over TLS: %d %v, want a Secure cookie", resp.StatusCode, resp.Header["Set-Cookie"])
	}
}

// Signing in takes exactly the key pairs S3 takes: a config file key or
// an account store key with its secret; anything else is refused with
// one message that does not say which half was wrong.
func TestLogin(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.accts.addKey(storeKey("AKOFF", "off-secret-0123456789", "bob-id"))
	w.accts.SetKeyDisabled(ctx, "AKOFF", true)
	for _, c := range []struct {
		name, ak, sk string
		want         int
	}{
		{"config key", aliceKey, aliceSecret, http.StatusOK},
		{"account key", bobKey, bobSecret, http.StatusOK},
		{"wrong secret", bobKey, aliceSecret, http.StatusUnauthorized},
		{"secret of another key", aliceKey, bobSecret, http.StatusUnauthorized},
		{"secret prefix", bobKey, bobSecret[:10], http.StatusUnauthorized},
		{"unknown key", "AKNOBODY", bobSecret, http.StatusUnauthorized},
		{"disabled key", "AKOFF", "off-secret-0123456789", http.StatusUnauthorized},
		{"no secret", bobKey, "", http.StatusBadRequest},
	} {
		b := w.browser(t)
		resp, _ := b.login(c.ak, c.sk)
		if resp.StatusCode != c.want {
			t.Errorf("%s: %d, want %d", c.name, resp.StatusCode, c.want)
		}
		if c.want != http.StatusOK && len(resp.Cookies()) != 0 {
			t.Errorf("%s: a refused sign-in set %v", c.name, resp.Header["Set-Cookie"])
		}
	}
	if strings.Contains(w.logs.String(), bobSecret) || strings.Contains(w.logs.String(), aliceSecret) {
		t.Error("a secret reached the log")
	}
}
