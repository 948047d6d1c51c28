package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/cassandra"
	"github.com/amphora-s3/amphora/lifecycle"
	"github.com/amphora-s3/amphora/store"
)

// lifecycleWorker is the worker cfg describes, on st.
func lifecycleWorker(cfg Config, st store.Store, log zerolog.Logger) *lifecycle.Worker {
	return &lifecycle.Worker{
		Store:  st,
		Clock:  lifecycle.Clock{Day: cfg.Lifecycle.Day.Duration},
		Holder: leaseHolder(),
		Rate:   cfg.Lifecycle.Rate,
		Log:    log.With().Str("worker", "lifecycle").Logger(),
	}
}

// leaseHolder names this process in the leases it takes.
func leaseHolder() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:]) // never fails
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// lifecycleRun is `amphora lifecycle run`: one pass over every bucket with
// lifecycle rules (those another frontend is working are skipped), then
// exit.
func lifecycleRun(ctx context.Context, cfg Config, stdout io.Writer) error {
	sc := storeConfig(cfg)
	log := newLogger(cfg.Log, nil)
	sc.Logger = log
	st, err := cassandra.Open(ctx, sc)
	if err != nil {
		return err
	}
	defer st.Close()
	stats, err := lifecycleWorker(cfg, st, log).RunOnce(ctx)
	fmt.Fprintf(stdout, "lifecycle pass: %d buckets worked, %d busy elsewhere, %d keys, %d expired, %d versions removed, %d uploads aborted, %d locked versions kept, %d failed\n",
		stats.Buckets, stats.Busy, stats.Keys, stats.Expired, stats.Removed, stats.Aborted, stats.Locked, stats.Failed)
	if err != nil {
		return fmt.Errorf("lifecycle: %w", err)
	}
	return nil
}

// registerLifecycleMetrics exposes what w's passes did (in this process)
// with the other metrics: its progress and what it left (locked, failed).
func registerLifecycleMetrics(reg prometheus.Registerer, w *lifecycle.Worker) error {
	counter := func(name, help string, v func(lifecycle.Totals) int) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return float64(v(w.Totals())) })
	}
	cs := []prometheus.Collector{
		counter("amphora_lifecycle_passes_total", "Lifecycle passes this process made over the buckets with rules.",
			func(t lifecycle.Totals) int { return t.Passes }),
		counter("amphora_lifecycle_pass_errors_total", "Lifecycle passes that ended in an error (retried next pass).",
			func(t lifecycle.Totals) int { return t.Errors }),
		counter("amphora_lifecycle_buckets_total", "Buckets this process's lifecycle passes worked (their lease held).",
			func(t lifecycle.Totals) int { return t.Buckets }),
		counter("amphora_lifecycle_buckets_busy_total", "Buckets skipped because another frontend held their lifecycle lease.",
			func(t lifecycle.Totals) int { return t.Busy }),
		counter("amphora_lifecycle_keys_total", "Keys the lifecycle passes looked at.",
			func(t lifecycle.Totals) int { return t.Keys }),
		counter("amphora_lifecycle_expired_total", "Current versions expired (deleted, or a delete marker added).",
			func(t lifecycle.Totals) int { return t.Expired }),
		counter("amphora_lifecycle_removed_versions_total", "Noncurrent versions and expired delete markers removed.",
			func(t lifecycle.Totals) int { return t.Removed }),
		counter("amphora_lifecycle_aborted_uploads_total", "Incomplete multipart uploads aborted.",
			func(t lifecycle.Totals) int { return t.Aborted }),
		counter("amphora_lifecycle_locked_versions_total", "Versions due but kept because object lock protects them.",
			func(t lifecycle.Totals) int { return t.Locked }),
		counter("amphora_lifecycle_failed_actions_total", "Lifecycle actions that failed (retried next pass).",
			func(t lifecycle.Totals) int { return t.Failed }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "amphora_lifecycle_last_pass_timestamp_seconds",
			Help: "When this process's last lifecycle pass ended (Unix time; 0 before the first)."},
			func() float64 {
				if t := w.Totals().LastPass; !t.IsZero() {
					return float64(t.Unix())
				}
				return 0
			}),
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("lifecycle metrics: %w", err)
		}
	}
	return nil
}
