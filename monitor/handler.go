package monitor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"
)

// Defaults for Options.
const (
	DefaultReadyTimeout = 2 * time.Second
	DefaultReadyReuse   = time.Second
)

// Options configure Handler.
type Options struct {
	// Gatherer is scraped at /metrics (the process's registry).
	Gatherer prometheus.Gatherer
	// Ready reports whether the process can serve S3 requests; nil means
	// always. Its error is the reason given in a 503's body.
	Ready func(ctx context.Context) error
	// ReadyTimeout bounds one readiness check (default 2s): a check that
	// takes longer is a failure.
	ReadyTimeout time.Duration
	// ReadyReuse is how long a check's result answers further probes
	// (default 1s), so that many probes cost one check.
	ReadyReuse time.Duration
	// Logger hears of readiness changes.
	Logger zerolog.Logger
}

// Handler serves the monitoring endpoints:
//
//	/metrics       Prometheus text exposition of opts.Gatherer
//	/health/live   200 "live" whenever the process answers HTTP
//	/health/ready  200 "ready" when opts.Ready succeeds, else 503 "not ready: <reason>"
//
// The health endpoints answer GET and HEAD.
func Handler(opts Options) (http.Handler, error) {
	if opts.Gatherer == nil {
		return nil, errors.New("monitor: no gatherer")
	}
	if opts.ReadyTimeout <= 0 {
		opts.ReadyTimeout = DefaultReadyTimeout
	}
	if opts.ReadyReuse <= 0 {
		opts.ReadyReuse = DefaultReadyReuse
	}
	r := &readiness{opts: opts}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(opts.Gatherer, promhttp.HandlerOpts{MaxRequestsInFlight: 4}))
	mux.HandleFunc("GET /health/live", func(w http.ResponseWriter, _ *http.Request) {
		health(w, http.StatusOK, "live")
	})
	mux.HandleFunc("GET /health/ready", func(w http.ResponseWriter, req *http.Request) {
		if err := r.check(req.Context()); err != nil {
			health(w, http.StatusServiceUnavailable, "not ready: "+err.Error())
			return
		}
		health(w, http.StatusOK, "ready")
	})
	return mux, nil
}

// health writes a short plain-text answer that no cache keeps.
func health(w http.ResponseWriter, status int, body string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintln(w, body)
}

// readiness runs opts.Ready at most once per ReadyReuse, however many
// probes arrive; concurrent probes wait for the same check.
type readiness struct {
	opts Options

	mu      sync.Mutex
	err     error
	at      time.Time // when err was found; zero: never checked
	checked bool
}

func (r *readiness) check(ctx context.Context) error {
	if r.opts.Ready == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.checked && time.Since(r.at) < r.opts.ReadyReuse {
		return r.err
	}
	// The check runs under its own deadline, not the probe's: a probe
	// that gives up early must not make the next one fail.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opts.ReadyTimeout)
	err := r.opts.Ready(cctx)
	if err != nil && cctx.Err() != nil && !errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("%w (no answer within %s)", err, r.opts.ReadyTimeout)
	}
	cancel()
	switch {
	case err != nil && (!r.checked || r.err == nil):
		r.opts.Logger.Warn().Err(err).Msg("not ready")
	case err == nil && r.checked && r.err != nil:
		r.opts.Logger.Info().Msg("ready again")
	}
	r.err, r.at, r.checked = err, time.Now(), true
	return err
}
