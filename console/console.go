package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/store"
)

// Options configure the console.
type Options struct {
	// S3 is the S3 API handler (frontend.New's): every action of the
	// console is a request signed with the session's key and served by it.
	S3 http.Handler
	// Keys finds an access key the way S3 does (frontend.KeyLookup):
	// signing in, and every request of a session, look the key up.
	Keys func(ctx context.Context, id string) (store.AccessKey, error)
	// Accounts, when set, gives the signed-in account's name and whether
	// it is an administrator.
	Accounts store.Accounts
	// Admin, when set, manages accounts and keys for administrators;
	// nil: the console has no account pages.
	Admin Admin
	// Region is the S3 region signatures are made for.
	Region string
	// S3URL is the S3 endpoint as browsers reach it, for pre-signed links
	// ("http://127.0.0.1:8080"). An empty host ("http://:8080") means the
	// host the browser reached the console at.
	S3URL string
	// PublicOrigin, when set, is the console's origin as browsers see it
	// behind a reverse proxy ("https://console.example.org"); requests
	// from it pass the Origin check, and an https one makes cookies Secure.
	PublicOrigin string
	// SessionTTL is how long a session lasts (default 12h).
	SessionTTL time.Duration
	Logger     zerolog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Admin is what the account pages use: the account functions `amphora
// admin` uses (cassandra.Store implements it). There is no HTTP admin API
// in S3; the console calls these only for administrators.
type Admin interface {
	ListAccounts(ctx context.Context) ([]store.Account, error)
	CreateAccount(ctx context.Context, a store.Account) (store.Account, error)
	ListKeys(ctx context.Context, account string) ([]store.AccessKey, error)
	CreateKey(ctx context.Context, k store.AccessKey) (store.AccessKey, error)
	SetKeyDisabled(ctx context.Context, id string, disabled bool) error
}

// Console is the web console's handler.
type Console struct {
	s3           http.Handler
	keys         func(ctx context.Context, id string) (store.AccessKey, error)
	accounts     store.Accounts
	admin        Admin
	region       string
	s3URL        *url.URL
	publicOrigin string
	ttl          time.Duration
	log          zerolog.Logger
	now          func() time.Time
	mux          *http.ServeMux
	throttle     *signInThrottle // failed sign-ins (throttle.go)
}

// New checks opts and returns the console.
func New(opts Options) (*Console, error) {
	var errs []error
	if opts.S3 == nil {
		errs = append(errs, errors.New("no S3 handler"))
	}
	if opts.Keys == nil {
		errs = append(errs, errors.New("no key lookup"))
	}
	if opts.Region == "" {
		errs = append(errs, errors.New("no region"))
	}
	u, err := url.Parse(opts.S3URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		errs = append(errs, fmt.Errorf("S3 URL %q: want http(s)://host:port", opts.S3URL))
	}
	origin := strings.TrimSuffix(opts.PublicOrigin, "/")
	if origin != "" {
		if o, err := url.Parse(origin); err != nil || (o.Scheme != "http" && o.Scheme != "https") || o.Host == "" || o.Path != "" {
			errs = append(errs, fmt.Errorf("public origin %q: want http(s)://host[:port]", opts.PublicOrigin))
		}
	}
	if opts.SessionTTL < 0 {
		errs = append(errs, errors.New("negative session TTL"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("console options: %w", err)
	}
	c := &Console{
		s3: opts.S3, keys: opts.Keys, accounts: opts.Accounts, admin: opts.Admin,
		region: opts.Region, s3URL: u, publicOrigin: origin,
		ttl: opts.SessionTTL, log: opts.Logger, now: opts.Now,
	}
	c.s3URL.Path = ""
	if c.ttl == 0 {
		c.ttl = 12 * time.Hour
	}
	if c.now == nil {
		c.now = time.Now
	}
	c.throttle = newSignInThrottle(c.now)
	c.mux = c.routes()
	return c, nil
}

// routes is the console's route table. The S3 pass-through (/api/s3/)
// is dispatched in ServeHTTP, before the mux, which would clean the
// paths of keys like "a//b".
func (c *Console) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.Handle("/", staticHandler())
	m.HandleFunc("POST /api/login", c.login)
	m.HandleFunc("POST /api/logout", c.logout)
	m.HandleFunc("GET /api/session", c.readSession(c.sessionInfo))
	m.HandleFunc("POST /api/presign", c.withSession(c.presign))
	m.HandleFunc("GET /api/admin/accounts", c.withSession(c.adminOnly(c.listAccounts)))
	m.HandleFunc("POST /api/admin/accounts", c.withSession(c.adminOnly(c.createAccount)))
	m.HandleFunc("GET /api/admin/keys", c.withSession(c.adminOnly(c.listKeys)))
	m.HandleFunc("POST /api/admin/keys", c.withSession(c.adminOnly(c.createKey)))
	m.HandleFunc("POST /api/admin/keys/state", c.withSession(c.adminOnly(c.setKeyState)))
	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such console API")
	})
	return m
}

// s3Prefix is where the S3 pass-through answers: /api/s3/BUCKET/KEY.
const s3Prefix = "/api/s3/"

// ServeHTTP sets the security headers of every answer, refuses
// cross-origin state changes, and dispatches.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	path := r.URL.EscapedPath()
	if strings.HasPrefix(path, "/api/") {
		h.Set("Cache-Control", "no-store")
		// Nothing the API answers is a page: a stored object read
		// through it cannot run as one.
		h.Set("Content-Security-Policy", "default-src 'none'; sandbox; frame-ancestors 'none'")
		if err := c.checkOrigin(r); err != nil {
			writeError(w, http.StatusForbidden, err.Error())
			return
		}
	} else {
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	}
	if strings.HasPrefix(path, s3Prefix) || path == strings.TrimSuffix(s3Prefix, "/") {
		c.withSession(c.proxyS3)(w, r)
		return
	}
	c.mux.ServeHTTP(w, r)
}

// safeMethod: methods that change nothing.
func safeMethod(m string) bool { return m == http.MethodGet || m == http.MethodHead }

// checkOrigin refuses an API request from another origin: one that may
// change something must carry an Origin header naming the console (every
// browser sends it on such requests), and any Origin sent must be the
// console's. Fetch metadata, when the browser sends it, must not say
// cross-site either.
func (c *Console) checkOrigin(r *http.Request) error {
	origin := r.Header.Get("Origin")
	if origin == "" {
		if !safeMethod(r.Method) {
			return errors.New("a console API call that changes something needs an Origin header")
		}
	} else if !c.ownOrigin(r, origin) {
		return fmt.Errorf("origin %q is not the console's", origin)
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		return fmt.Errorf("a %s request is refused", site)
	}
	return nil
}

// ownOrigin reports whether origin is the console's: the scheme and host
// the request came to, or the configured public origin.
func (c *Console) ownOrigin(r *http.Request, origin string) bool {
	if c.publicOrigin != "" && origin == c.publicOrigin {
		return true
	}
	scheme := "http://"
	if r.TLS != nil {
		scheme = "https://"
	}
	return strings.EqualFold(origin, scheme+r.Host)
}

// withSession runs h with r's verified session and CSRF token; without
// a session it answers 401 (the page signs in again), without the token
// 403.
func (c *Console) withSession(h func(http.ResponseWriter, *http.Request, session)) http.HandlerFunc {
	return c.readSession(func(w http.ResponseWriter, r *http.Request, s session) {
		if err := checkCSRF(r, s); err != nil {
			writeError(w, http.StatusForbidden, err.Error())
			return
		}
		h(w, r, s)
	})
}

// readSession runs h with r's verified session, without a CSRF token:
// only for reading the session itself, which is how the page learns its
// token.
func (c *Console) readSession(h func(http.ResponseWriter, *http.Request, session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := c.session(r)
		if errors.Is(err, errNoSession) {
			writeError(w, http.StatusUnauthorized, err.Error())
			return
		}
		if err != nil {
			c.serverError(w, r, err)
			return
		}
		h(w, r, s)
	}
}

// apiError is the JSON body of every refusal of the console's own API
// (the S3 pass-through answers S3's XML errors).
type apiError struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, apiError{msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// serverError logs err and answers 500 without its details.
func (c *Console) serverError(w http.ResponseWriter, r *http.Request, err error) {
	c.log.Error().Err(err).Str("path", r.URL.Path).Msg("console")
	writeError(w, http.StatusInternalServerError, "internal error (logged)")
}

// readJSON decodes r's JSON body (at most 64 KiB, within 20 seconds)
// into v.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(20 * time.Second))
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("bad JSON body: %v", err)
	}
	return nil
}
