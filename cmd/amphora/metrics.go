package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/cassandra"
	"github.com/amphora-s3/amphora/monitor"
)

// monitoring is serve's [metrics] listener: Prometheus metrics and the
// health checks (package monitor), apart from the S3 listeners. It is
// bound before Cassandra is reached, so /health/live answers and
// /health/ready says "starting" while serve connects and applies the
// schema.
type monitoring struct {
	reg   *prometheus.Registry
	stmts *monitor.Statements
	srv   *http.Server
	addr  string

	store    atomic.Pointer[cassandra.Store] // set once S3 is served
	stopping atomic.Bool
}

var (
	errStarting = errors.New("starting")
	errStopping = errors.New("shutting down")
)

// startMonitoring binds addr and serves the monitoring endpoints on it;
// nil, nil when addr is empty (off).
func startMonitoring(addr string, log zerolog.Logger) (*monitoring, error) {
	if addr == "" {
		return nil, nil
	}
	m := &monitoring{reg: monitor.NewRegistry(version)}
	var err error
	if m.stmts, err = monitor.NewStatements(m.reg); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	h, err := monitor.Handler(monitor.Options{
		Gatherer: m.reg,
		Ready:    m.ready,
		Logger:   log.With().Str("component", "health").Logger(),
	})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listen on %s: %w", addr, err)
	}
	m.addr = ln.Addr().String()
	m.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go m.srv.Serve(ln)
	log.Info().Str("metrics_listen", m.addr).Msg("metrics at /metrics, health checks at /health/live and /health/ready")
	return m, nil
}

// registerer is where the frontend registers its metrics; nil when off.
func (m *monitoring) registerer() prometheus.Registerer {
	if m == nil {
		return nil
	}
	return m.reg
}

// observer is the store's statement observer; nil when off.
func (m *monitoring) observer() cassandra.StatementObserver {
	if m == nil {
		return nil
	}
	return m.stmts
}

// serving registers st's metrics and lets readiness follow st from now on.
func (m *monitoring) serving(st *cassandra.Store) error {
	if m == nil {
		return nil
	}
	if err := monitor.RegisterStore(m.reg, st); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	m.store.Store(st)
	return nil
}

// ready is /health/ready: the store's readiness once S3 is served, until
// shutdown begins.
func (m *monitoring) ready(ctx context.Context) error {
	if m.stopping.Load() {
		return errStopping
	}
	st := m.store.Load()
	if st == nil {
		return errStarting
	}
	return st.Ready(ctx)
}

// stop turns readiness off, for load balancers to stop sending requests
// while those in progress finish.
func (m *monitoring) stop() {
	if m != nil {
		m.stopping.Store(true)
	}
}

// close ends the listener.
func (m *monitoring) close() {
	if m != nil {
		m.srv.Close()
	}
}
