package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"

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
