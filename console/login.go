package console

import (
	"crypto/hmac"
	"errors"
	"net/http"
	"time"

	"github.com/amphora-s3/amphora/store"
)

// loginRequest is what the sign-in form posts.
type loginRequest struct {
	AccessKey string `json:"accessKey"`
	SecretKey string `json:"secretKey"`
}

// sessionJSON tells the page who is signed in, the CSRF token it must
// send, and where S3 is.
type sessionJSON struct {
	AccessKey   string            `json:"accessKey"`
	Account     string            `json:"account"`
	DisplayName string            `json:"displayName"`
	Admin       bool              `json:"admin"`
	Buckets     map[string]string `json:"buckets,omitempty"` // a key restricted to buckets: its permissions
	Expires     time.Time         `json:"expires"`
	CSRF        string            `json:"csrf"`
	Region      string            `json:"region"`
	S3URL       string            `json:"s3URL"`
}

// errBadCredentials is the one answer to a wrong key or secret: it does
// not say which was wrong.
const errBadCredentials = "the access key or the secret key is wrong, or the key is disabled"

// login checks an access key and its secret with the key lookup S3 uses
// and starts a session.
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := readJSON(w, r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if req.AccessKey == "" || req.SecretKey == "" {
		writeError(w, http.StatusBadRequest, "the access key and the secret key are required")
		return
	}
	names := throttleNames(r, req.AccessKey)
	if d := c.throttle.wait(names...); d > 0 {
		c.log.Warn().Str("access_key", req.AccessKey).Str("remote", r.RemoteAddr).Msg("console sign-in refused: too many failures")
		refuseThrottled(w, d)
		return
	}
	key, err := c.keys(r.Context(), req.AccessKey)
	if errors.Is(err, store.ErrNoSuchAccessKey) {
		c.throttle.fail(names...)
		c.log.Info().Str("access_key", req.AccessKey).Str("remote", r.RemoteAddr).Msg("console sign-in refused: unknown or disabled key")
		writeError(w, http.StatusUnauthorized, errBadCredentials)
		return
	}
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	if !hmac.Equal([]byte(key.Secret), []byte(req.SecretKey)) {
		c.throttle.fail(names...)
		c.log.Info().Str("access_key", req.AccessKey).Str("remote", r.RemoteAddr).Msg("console sign-in refused: wrong secret")
		writeError(w, http.StatusUnauthorized, errBadCredentials)
		return
	}
	s := c.setSessionCookie(w, r, key)
	c.log.Info().Str("access_key", key.ID).Str("remote", r.RemoteAddr).Msg("console sign-in")
	c.sessionInfo(w, r, s)
}

// logout ends the browser's session. A valid session must send its CSRF
// token; a cookie that no longer verifies is simply cleared.
func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	if s, err := c.session(r); err == nil {
		if err := checkCSRF(r, s); err != nil {
			writeError(w, http.StatusForbidden, err.Error())
			return
		}
	}
	c.clearSessionCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
}

// sessionInfo answers who is signed in.
func (c *Console) sessionInfo(w http.ResponseWriter, r *http.Request, s session) {
	info := sessionJSON{
		AccessKey:   s.key.ID,
		Account:     s.key.Account,
		DisplayName: s.key.Account,
		Expires:     s.expires.UTC(),
		CSRF:        csrfToken(s.key.Secret, s.value),
		Region:      c.region,
		S3URL:       c.s3Base(r).String(),
	}
	for b, p := range s.key.Buckets {
		if info.Buckets == nil {
			info.Buckets = map[string]string{}
		}
		info.Buckets[b] = string(p)
	}
	if a, ok := c.account(r, s); ok {
		if a.DisplayName != "" {
			info.DisplayName = a.DisplayName
		}
		info.Admin = c.isAdmin(a, s)
	}
	writeJSON(w, http.StatusOK, info)
}

// account reads the session's account, when there is an account store.
func (c *Console) account(r *http.Request, s session) (store.Account, bool) {
	if c.accounts == nil {
		return store.Account{}, false
	}
	a, err := c.accounts.Account(r.Context(), s.key.Account)
	if err != nil {
		if !errors.Is(err, store.ErrNoSuchAccount) {
			c.log.Warn().Err(err).Str("account", s.key.Account).Msg("console: read account")
		}
		return store.Account{}, false
	}
	return a, true
}

// isAdmin: the account is an administrator and the key is not restricted
// to buckets (a key made for one bucket's backups never manages
// accounts, whoever's it is), and the console has account pages.
func (c *Console) isAdmin(a store.Account, s session) bool {
	return c.admin != nil && a.Admin && !s.key.Scoped()
}
