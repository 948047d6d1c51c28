package main

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/cassandra"
)

// TestConfigScrub: [scrub] is off by default, read from the file, and
// checked.
func TestConfigScrub(t *testing.T) {
	const base = "[cassandra.replication]\nclass = \"SimpleStrategy\"\nfactor = 1\n"
	cfg, err := loadConfig(writeConfig(t, base))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Scrub.Enabled || cfg.Scrub.Interval.Duration != 24*time.Hour || cfg.Scrub.RateMB != 10 {
		t.Fatalf("defaults: %+v", cfg.Scrub)
	}
	cfg, err = loadConfig(writeConfig(t, base+"[scrub]\nenabled = true\ninterval = \"1h\"\nrate_mb = 2.5\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Scrub.Enabled || cfg.Scrub.Interval.Duration != time.Hour || cfg.Scrub.RateMB != 2.5 {
		t.Fatalf("read: %+v", cfg.Scrub)
	}
	_, err = loadConfig(writeConfig(t, base+"[scrub]\ninterval = \"0s\"\nrate_mb = -1\n"))
	if err == nil || !strings.Contains(err.Error(), "scrub.interval") || !strings.Contains(err.Error(), "scrub.rate_mb") {
		t.Fatalf("bad values: %v", err)
	}
}

// TestScrubMetricsRegister: every scrub metric registers beside the
// others, one series per result.
func TestScrubMetricsRegister(t *testing.T) {
	reg := prometheus.NewRegistry()
	w := &cassandra.Scrubber{Log: zerolog.Nop()}
	if err := registerScrubMetrics(reg, w); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	series := map[string]int{}
	for _, mf := range mfs {
		series[mf.GetName()] = len(mf.GetMetric())
	}
	n := len(cassandra.ScrubResults)
	for name, want := range map[string]int{"amphora_scrub_objects_total": n, "amphora_scrub_blocks_total": n,
		"amphora_scrub_read_bytes_total": 1, "amphora_scrub_passes_total": 1, "amphora_scrub_pass_errors_total": 1,
		"amphora_scrub_last_pass_timestamp_seconds": 1} {
		if series[name] != want {
			t.Errorf("%s: %d series, want %d", name, series[name], want)
		}
	}
}
