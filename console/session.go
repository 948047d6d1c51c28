package console

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/amphora-s3/amphora/store"
)

// A session is stateless, so that any frontend serves it: the cookie
// names the access key and the session's end, and carries a MAC of both
// under a key derived from the access key's secret:
//
//	amphora_session = accessKey | expiry (unix seconds) | base64url(HMAC-SHA256(K, accessKey|expiry))
//	K = HMAC-SHA256(secret, "amphora console session v1")
//
// Checking it looks the key up again (Options.Keys), so a key disabled,
// deleted or given a new secret ends its sessions on every frontend
// within the key cache's time. Whoever holds the secret can make a
// session, which gives nothing the secret does not already give.
//
// The CSRF token is a MAC of the cookie's value under the same key, with
// another label: the page reads it from /api/session (a same-origin JSON
// answer a page of another origin cannot read) and sends it in
// X-Amphora-CSRF; the cookie alone, which a browser attaches by itself,
// is never enough.

const (
	cookieName = "amphora_session"
	csrfHeader = "X-Amphora-CSRF"

	sessionLabel = "amphora console session v1"
	csrfLabel    = "amphora console csrf v1|"
)

// errNoSession: no cookie, a malformed or forged one, an expired one, or
// one whose key no longer works. The browser is sent to sign in again.
var errNoSession = errors.New("not signed in")

// session is a verified session cookie.
type session struct {
	key     store.AccessKey // the key signed in, as the key lookup returned it
	expires time.Time
	value   string // the cookie's value, from which the CSRF token is derived
}

// sessionKey derives the MAC key of a key's sessions from its secret.
func sessionKey(secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(sessionLabel))
	return m.Sum(nil)
}

func mac(key []byte, msg string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// newSessionValue returns the cookie value of a session of accessKey
// (whose secret is secret) ending at expires.
func newSessionValue(accessKey, secret string, expires time.Time) string {
	payload := url.PathEscape(accessKey) + "|" + strconv.FormatInt(expires.Unix(), 10)
	return payload + "|" + mac(sessionKey(secret), payload)
}

// csrfToken is the CSRF token of a session cookie value.
func csrfToken(secret, value string) string {
	return mac(sessionKey(secret), csrfLabel+value)
}

// verifySession checks a cookie value at now: its form, its end, the key
// (looked up again) and its MAC. Any failure is errNoSession, wrapping
// the reason, except a failure to look the key up, which is returned as
// it is (a server error, not a reason to sign out).
func (c *Console) verifySession(ctx context.Context, value string, now time.Time) (session, error) {
	payload, sig, ok := cutLast(value, "|")
	if !ok {
		return session{}, fmt.Errorf("%w: malformed session", errNoSession)
	}
	escKey, exp, ok := cutLast(payload, "|")
	if !ok {
		return session{}, fmt.Errorf("%w: malformed session", errNoSession)
	}
	id, err := url.PathUnescape(escKey)
	if err != nil || id == "" {
		return session{}, fmt.Errorf("%w: malformed session", errNoSession)
	}
	unix, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return session{}, fmt.Errorf("%w: malformed session", errNoSession)
	}
	expires := time.Unix(unix, 0)
	if !now.Before(expires) {
		return session{}, fmt.Errorf("%w: the session has expired", errNoSession)
	}
	key, err := c.keys(ctx, id)
	if errors.Is(err, store.ErrNoSuchAccessKey) {
		return session{}, fmt.Errorf("%w: the access key is unknown or disabled", errNoSession)
	}
	if err != nil {
		return session{}, err
	}
	if !hmac.Equal([]byte(sig), []byte(mac(sessionKey(key.Secret), payload))) {
		return session{}, fmt.Errorf("%w: the session does not verify", errNoSession)
	}
	return session{key: key, expires: expires, value: value}, nil
}

// cutLast cuts s around the last sep.
func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// session returns r's verified session.
func (c *Console) session(r *http.Request) (session, error) {
	ck, err := r.Cookie(cookieName)
	if err != nil || ck.Value == "" {
		return session{}, fmt.Errorf("%w: no session cookie", errNoSession)
	}
	return c.verifySession(r.Context(), ck.Value, c.now())
}

// checkCSRF checks r's X-Amphora-CSRF header against s.
func checkCSRF(r *http.Request, s session) error {
	got := r.Header.Get(csrfHeader)
	if got == "" {
		return errors.New("the " + csrfHeader + " header is missing")
	}
	if !hmac.Equal([]byte(got), []byte(csrfToken(s.key.Secret, s.value))) {
		return errors.New("the " + csrfHeader + " header does not match the session")
	}
	return nil
}

// setSessionCookie starts a session for key on w.
func (c *Console) setSessionCookie(w http.ResponseWriter, r *http.Request, key store.AccessKey) session {
	expires := c.now().Add(c.ttl).Truncate(time.Second)
	value := newSessionValue(key.ID, key.Secret, expires)
	http.SetCookie(w, &http.Cookie{
		Name:     cookieName,
		Value:    value,
		Path:     "/",
		Expires:  expires,
		MaxAge:   int(c.ttl / time.Second),
		HttpOnly: true,
		Secure:   c.secure(r),
		SameSite: http.SameSiteStrictMode,
	})
	return session{key: key, expires: expires, value: value}
}

// clearSessionCookie ends the browser's session.
func (c *Console) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name:     cookieName,
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   c.secure(r),
		SameSite: http.SameSiteStrictMode,
	})
}

// secure reports whether cookies must be Secure: the console is served
// over TLS, or behind a proxy that serves it over HTTPS.
func (c *Console) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(c.publicOrigin, "https://")
}
