package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/cassandra"
)

// ScrubConfig is the background scrubber's (cassandra.Scrubber), off by
// default; `amphora scrub` runs a pass by hand whatever it says.
type ScrubConfig struct {
	// Enabled runs the scrubber in amphora serve. Frontends share one
	// lease: one of them scrubs at a time, from where the last stopped.
	Enabled bool `toml:"enabled"`
	// Interval is the time between the end of a pass (by whichever
	// frontend) and the next.
	Interval Duration `toml:"interval"`
	// RateMB bounds the bytes the scrubber reads from Cassandra, every
	// replica's copy counted, in MB (10^6 bytes) per second; 0 unbounded.
	RateMB float64 `toml:"rate_mb"`
}

func (c ScrubConfig) validate() []string {
	var p []string
	if c.Interval.Duration <= 0 {
		p = append(p, "scrub.interval must be positive")
	}
	if c.RateMB < 0 {
		p = append(p, "scrub.rate_mb must not be negative (0: unbounded)")
	}
	return p
}

// scrubWorker is the background scrubber cfg describes, on st.
func scrubWorker(cfg Config, st *cassandra.Store, log zerolog.Logger) *cassandra.Scrubber {
	return &cassandra.Scrubber{
		Store:    st,
		Holder:   leaseHolder(),
		RateMB:   cfg.Scrub.RateMB,
		Interval: cfg.Scrub.Interval.Duration,
		Log:      log.With().Str("worker", "scrub").Logger(),
	}
}

const scrubUsage = `usage: amphora scrub [-config FILE] [-bucket NAME] [-rate MB] [-json] [-dry-run]
  verifies every live version's blocks (on every replica) and rewrites the
  replicas' missing or bad copies from a verified one; exits 1 when an object
  is damaged beyond repair (docs/operations.md, "Scrubbing")
`

// scrubCmd is `amphora scrub`: one pass over one bucket or all, each
// object that is not healthy reported (every object with -json), then the
// totals.
func scrubCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("scrub", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), scrubUsage) }
	path := fs.String("config", "amphora.toml", "configuration file (TOML)")
	bucket := fs.String("bucket", "", "scrub this bucket only (default: every bucket)")
	rate := fs.Float64("rate", -1, "read at most this many MB (10^6 bytes) per second from Cassandra, every replica's copy counted; 0 unbounded (default: scrub.rate_mb)")
	asJSON := fs.Bool("json", false, "one JSON object per line: every object's report, then the totals")
	dryRun := fs.Bool("dry-run", false, "report only: rewrite no replica")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("scrub: unexpected arguments %q", fs.Args())
	}
	cfg, err := loadConfig(*path)
	if err != nil {
		return err
	}
	if *rate < 0 {
		*rate = cfg.Scrub.RateMB
	}
	sc := storeConfig(cfg)
	sc.Logger = newLogger(cfg.Log, nil)
	st, err := cassandra.Open(ctx, sc)
	if err != nil {
		return err
	}
	defer st.Close()
	enc := json.NewEncoder(stdout)
	var werr error
	report := func(o cassandra.ScrubObject) {
		switch {
		case werr != nil:
		case *asJSON:
			werr = enc.Encode(o)
		case o.Result != cassandra.ScrubHealthy:
			_, werr = fmt.Fprintf(stdout, "%s\t%s/%s\tversion %s\t%s\n", o.Result, o.Bucket, o.Key, o.VersionID, strings.Join(o.Problems, "; "))
		}
	}
	stats, err := st.Scrub(ctx, cassandra.ScrubOptions{Bucket: *bucket, RateMB: *rate, DryRun: *dryRun, Report: report})
	if werr != nil {
		return werr
	}
	if *asJSON {
		if e := enc.Encode(struct {
			Totals cassandra.ScrubStats `json:"totals"`
		}{stats}); e != nil {
			return e
		}
	} else {
		fmt.Fprintf(stdout, "scrub: %d buckets, %d keys; objects %s; blocks %s; %.1f MB read in %v (%.1f MB/s)\n",
			stats.Buckets, stats.Keys, counts(stats.Objects), counts(stats.Blocks), float64(stats.BytesRead)/1e6,
			stats.Took.Round(1e6), float64(stats.BytesRead)/1e6/max(stats.Took.Seconds(), 1e-9))
	}
	if err != nil {
		if stats.Position != "" {
			return fmt.Errorf("scrub stopped after %q: %w", stats.Position, err)
		}
		return fmt.Errorf("scrub: %w", err)
	}
	if n := stats.Objects[cassandra.ScrubDamaged]; n > 0 {
		return fmt.Errorf("scrub: %d objects damaged beyond repair", n)
	}
	return nil
}

// counts writes results' counts in their usual order ("none" for none).
func counts(m map[cassandra.ScrubResult]int) string {
	var parts []string
	for _, r := range cassandra.ScrubResults {
		if n := m[r]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, r))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// registerScrubMetrics exposes what w did (in this process) with the
// other metrics: objects and blocks by result, bytes read, passes.
func registerScrubMetrics(reg prometheus.Registerer, w *cassandra.Scrubber) error {
	var cs []prometheus.Collector
	for _, r := range cassandra.ScrubResults {
		labels := prometheus.Labels{"result": string(r)}
		cs = append(cs,
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "amphora_scrub_objects_total", ConstLabels: labels,
				Help: "Object versions the scrubber checked, by result (healthy, healed, unhealed, damaged: beyond repair, failed: not checked)."},
				func() float64 { return float64(w.Totals().Objects[r]) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "amphora_scrub_blocks_total", ConstLabels: labels,
				Help: "Blocks the scrubber checked on every replica, by result."},
				func() float64 { return float64(w.Totals().Blocks[r]) }))
	}
	cs = append(cs,
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "amphora_scrub_read_bytes_total",
			Help: "Bytes the scrubber read from Cassandra, every replica's copy counted."},
			func() float64 { return float64(w.Totals().BytesRead) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "amphora_scrub_passes_total",
			Help: "Scrub passes this process finished (the walk reached its end)."},
			func() float64 { return float64(w.Totals().Passes) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "amphora_scrub_pass_errors_total",
			Help: "Scrub passes stopped by an error (the next resumes at the saved position)."},
			func() float64 { return float64(w.Totals().Errors) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "amphora_scrub_last_pass_timestamp_seconds",
			Help: "When this process's last scrub pass finished (Unix time; 0 before the first)."},
			func() float64 {
				if t := w.Totals().LastPass; !t.IsZero() {
					return float64(t.Unix())
				}
				return 0
			}))
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("scrub metrics: %w", err)
		}
	}
	return nil
}

// startScrubber starts the background scrubber when [scrub] enables it
// (its metrics on reg, when not nil); the channel closes when it is done
// (bg cancelled), at once when it is off.
func startScrubber(bg context.Context, cfg Config, st *cassandra.Store, reg prometheus.Registerer, log zerolog.Logger) (<-chan struct{}, error) {
	done := make(chan struct{})
	if !cfg.Scrub.Enabled {
		close(done)
		return done, nil
	}
	w := scrubWorker(cfg, st, log)
	if reg != nil {
		if err := registerScrubMetrics(reg, w); err != nil {
			close(done)
			return done, err
		}
	}
	go func() {
		defer close(done)
		w.Run(bg)
	}()
	return done, nil
}
