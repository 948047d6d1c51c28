package frontend

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/keyring"
	"github.com/amphora-s3/amphora/lifecycle"
	"github.com/amphora-s3/amphora/pacing"
	"github.com/amphora-s3/amphora/sigv4"
	"github.com/amphora-s3/amphora/store"
)

// Credential is one access key a client signs with, and the tenant it
// acts for. Several keys may share a tenant.
type Credential struct {
	AccessKey, SecretKey, Tenant, DisplayName string
}

// Options configure the S3 frontend.
type Options struct {
	Store store.Store
	// Credentials are the config file's static keys, each mapped to its
	// account ("tenant"); they work whatever Accounts says.
	Credentials []Credential
	// Accounts, when set, holds every other access key and the accounts'
	// display names.
	Accounts store.Accounts
	// Region is the region this endpoint serves, e.g. "us-east-1".
	// CreateBucket accepts a LocationConstraint of "" or Region.
	Region string
	// VirtualHostDomains turn "bucket.<domain>[:port]" Hosts into
	// virtual-hosted-style requests; any other Host is path-style.
	VirtualHostDomains []string
	// TrustForwardedHost makes X-Forwarded-Host (set by a reverse proxy
	// that rewrites Host) the host used for addressing and signature
	// checks. Only for deployments where every request comes through
	// such a proxy.
	TrustForwardedHost bool
	Logger             zerolog.Logger
	// Now is the clock for signature checks and bucket creation times;
	// nil means time.Now.
	Now func() time.Time
	// ClientTimeout and ClientMinRate pace request bodies and responses
	// (pacing.go): in every ClientTimeout spent waiting on the client,
	// at least ClientMinRate x ClientTimeout bytes (one byte, with a rate
	// of 0) must move, or the body fails with RequestTimeout and a
	// response has its connection closed. A ClientTimeout of 0 turns
	// this off.
	ClientTimeout time.Duration
	ClientMinRate int64 // bytes per second
	// DefaultObjectOwnership is a new bucket's Object Ownership when
	// CreateBucket does not say (ownership.go); "" means ObjectWriter.
	DefaultObjectOwnership string
	// Metrics, when set, is where the S3 request metrics are registered
	// (metrics.go); nil records none.
	Metrics prometheus.Registerer
	// LifecycleDay is the length of a lifecycle day, with which the
	// x-amz-expiration header is computed (lifecycle.go): it must be the
	// lifecycle worker's. 0 means S3's, 24h; tests run a day in seconds.
	LifecycleDay time.Duration
	// AllowSSECOverHTTP accepts SSE-C keys on requests that did not come
	// over TLS (AWS refuses them): for tests, or behind a TLS-terminating
	// proxy on a trusted network.
	AllowSSECOverHTTP bool
	// KeyRing, when set, holds the master keys of SSE-S3 and SSE-KMS
	// (sse_managed.go); nil answers them 501 NotImplemented.
	KeyRing keyring.Ring
}

// server is the handler New returns.
type server struct {
	store    store.Store
	accounts store.Accounts        // nil: static keys only
	creds    map[string]Credential // by access key
	names    map[string]string     // tenant -> display name
	region   string
	domains  []string // lower case, longest first
	fwdHost  bool     // trust X-Forwarded-Host
	log      zerolog.Logger
	now      func() time.Time
	// verifiers are tried in order; the first that claims a request
	// decides it (see auth.go).
	verifiers []verifier
	router    *mux.Router

	policies policyCache // parsed bucket policies (policy.go)
	cors     corsCache   // parsed CORS configurations (cors_match.go)
	// lifecycleClock turns lifecycle rules' days into instants and
	// lifecycles holds parsed configurations (lifecycle.go).
	lifecycleClock lifecycle.Clock
	lifecycles     lifecycleCache

	clientTimeout    time.Duration
	clientMinRate    int64
	defaultOwnership string
	metrics          *metrics // nil: none
	sseOverHTTP      bool     // Options.AllowSSECOverHTTP
	keys             keyring.Ring
}

// New checks opts and returns the S3 API handler. It lists every problem
// with opts at once.
func New(opts Options) (http.Handler, error) {
	var errs []error
	if opts.Store == nil {
		errs = append(errs, errors.New("no store"))
	}
	if opts.Region == "" {
		errs = append(errs, errors.New("no region"))
	}
	s := &server{
		store:    opts.Store,
		accounts: opts.Accounts,
		creds:    make(map[string]Credential, len(opts.Credentials)),
		names:    make(map[string]string),
		region:   opts.Region,
		fwdHost:  opts.TrustForwardedHost,
		log:      opts.Logger,
		now:      opts.Now,

		clientTimeout:    opts.ClientTimeout,
		clientMinRate:    opts.ClientMinRate,
		defaultOwnership: opts.DefaultObjectOwnership,
		lifecycleClock:   lifecycle.Clock{Day: opts.LifecycleDay},
		sseOverHTTP:      opts.AllowSSECOverHTTP,
		keys:             opts.KeyRing,
	}
	if s.lifecycleClock.Day == 0 {
		s.lifecycleClock = lifecycle.DefaultClock
	}
	if s.defaultOwnership == "" {
		s.defaultOwnership = ownershipWriter
	}
	if !validOwnership(s.defaultOwnership) {
		errs = append(errs, fmt.Errorf("default object ownership %q: ObjectWriter, BucketOwnerPreferred or BucketOwnerEnforced", s.defaultOwnership))
	}
	if opts.LifecycleDay < 0 {
		errs = append(errs, errors.New("negative lifecycle day"))
	}
	if opts.ClientTimeout < 0 || opts.ClientMinRate < 0 {
		errs = append(errs, errors.New("negative client timeout or rate"))
	}
	if s.now == nil {
		s.now = time.Now
	}
	var err error
	if s.metrics, err = newMetrics(opts.Metrics); err != nil {
		errs = append(errs, fmt.Errorf("metrics: %w", err))
	}
	for i, c := range opts.Credentials {
		switch {
		case c.AccessKey == "" || c.SecretKey == "" || c.Tenant == "":
			errs = append(errs, fmt.Errorf("credential %d: access key, secret key and tenant are required", i))
			continue
		case strings.ContainsAny(c.AccessKey, ": \t\n"):
			errs = append(errs, fmt.Errorf("credential %d: access key %q has a colon or white space", i, c.AccessKey))
			continue
		}
		if _, dup := s.creds[c.AccessKey]; dup {
			errs = append(errs, fmt.Errorf("credential %d: access key %q listed twice", i, c.AccessKey))
			continue
		}
		s.creds[c.AccessKey] = c
		if _, ok := s.names[c.Tenant]; !ok || s.names[c.Tenant] == "" {
			s.names[c.Tenant] = c.DisplayName
		}
	}
	if len(s.creds) == 0 && s.accounts == nil && len(errs) == 0 {
		errs = append(errs, errors.New("no credentials and no account store"))
	}
	for _, d := range opts.VirtualHostDomains {
		d = strings.ToLower(strings.Trim(d, "."))
		if d == "" || strings.ContainsAny(d, ":/ ") {
			errs = append(errs, fmt.Errorf("virtual host domain %q is not a host name", d))
			continue
		}
		s.domains = append(s.domains, d)
	}
	// The longest domain first, so that with both "example.com" and
	// "s3.example.com" configured, "b.s3.example.com" names bucket "b".
	sort.SliceStable(s.domains, func(i, j int) bool { return len(s.domains[i]) > len(s.domains[j]) })
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("frontend options: %w", err)
	}
	s.verifiers = []verifier{sigv4Verifier{s}, sigv2Verifier{s}}
	s.router = s.routes()
	return s, nil
}

// reqInfo is what the per-request chain learns about a request, shared by
// pointer through the context so the access log sees what handlers set.
type reqInfo struct {
	id      string
	op      string // route name, e.g. "GetObject"
	addr    address
	ident   identity      // set once authenticated
	v4      *sigv4.Result // the verified SigV4 signature, nil for other schemes
	payload *payload      // the request body's form, set once authenticated
	access  string        // access key id claimed, even when it failed
	start   time.Time
	bytesIn int64
	aborted bool // the response was cut off mid-body
	query   url.Values
	client  *pacing.Client // the request's client, as the store's buffer budget sees it
	bucket  store.Bucket   // the addressed bucket, once authorize has allowed the request
	object  *store.Object  // the addressed object, when authorize read it (object reads)
}

type ctxKey struct{}

// info returns the request's reqInfo; ServeHTTP always sets one.
func info(r *http.Request) *reqInfo {
	return r.Context().Value(ctxKey{}).(*reqInfo)
}

// ServeHTTP gives every request an id and a logger, answers every response
// with x-amz-request-id, resolves the addressing and hands over to the
// route table. It writes one access log line per request.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ri := &reqInfo{id: newRequestID(), start: time.Now(), query: r.URL.Query()}
	if r.ContentLength == 0 && strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
		// net/http sends 100 Continue when a handler first reads the body,
		// which never happens for an empty one. S3 always answers the
		// expectation, and botocore (aws cli, boto3) waits for it: without
		// it, it misreads the next response on the same connection.
		w.WriteHeader(http.StatusContinue)
	}
	rec := &recorder{ResponseWriter: w}
	h := rec.Header()
	h.Set("Server", "Amphora")
	h.Set("x-amz-request-id", ri.id)
	h.Set("x-amz-id-2", hostID(ri.id))

	logger := s.log.With().Str("request_id", ri.id).Logger()
	client := pacing.NewClient()
	ri.client = client
	ctx := logger.WithContext(context.WithValue(store.WithMemo(r.Context()), ctxKey{}, ri))
	ctx = pacing.NewContext(ctx, client)
	r = r.WithContext(ctx)
	defer s.accessLog(rec, r, ri)
	s.metrics.begin()
	defer s.metrics.end(rec, ri)
	if rec.pace = s.newPacer(w, r, client); rec.pace != nil {
		defer rec.pace.finish()
		if rec.pace.hasBody {
			r.Body = &pacedBody{ReadCloser: r.Body, p: rec.pace}
		}
	} else {
		defer client.Close()
	}
	if r.Body != nil {
		r.Body = &countingBody{ReadCloser: r.Body, n: &ri.bytesIn}
	}

	if s.fwdHost {
		// The proxy's own host may follow the client's: "client, proxy".
		if fh, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Host"), ","); strings.TrimSpace(fh) != "" {
			r.Host = strings.TrimSpace(fh)
		}
	}
	a, err := parseAddress(r.Host, r.URL.EscapedPath(), s.domains)
	ri.addr = a
	if err != nil {
		s.fail(rec, r, err)
		return
	}
	if origin := r.Header.Get("Origin"); origin != "" && r.Method != http.MethodOptions {
		// A cross-origin request: its response gets the bucket's CORS
		// headers (cors_headers.go). Other requests pay nothing for CORS.
		rec.ResponseWriter = s.withCORS(rec.ResponseWriter, r, origin)
	}
	s.router.ServeHTTP(rec, r)
}
