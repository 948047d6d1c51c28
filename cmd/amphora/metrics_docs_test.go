package main

import (
	"os"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/cassandra"
	"github.com/amphora-s3/amphora/lifecycle"
	"github.com/amphora-s3/amphora/store/memstore"
)

// TestWorkerMetricsDocumented: every metric of the lifecycle worker and
// the scrubber (registered here, not in monitor) is documented in
// docs/operations.md and drawn on the Grafana dashboard.
func TestWorkerMetricsDocumented(t *testing.T) {
	reg := prometheus.NewRegistry()
	if err := registerLifecycleMetrics(reg, &lifecycle.Worker{Store: memstore.New(), Clock: lifecycle.DefaultClock, Log: zerolog.Nop()}); err != nil {
		t.Fatal(err)
	}
	if err := registerScrubMetrics(reg, &cassandra.Scrubber{Log: zerolog.Nop()}); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	ops, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	dash, err := os.ReadFile("../../docs/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(mfs) < 10 {
		t.Fatalf("only %d worker metrics gathered", len(mfs))
	}
	for _, mf := range mfs {
		n := mf.GetName()
		if !strings.Contains(string(ops), n) {
			t.Errorf("%s is not in docs/operations.md", n)
		}
		if !strings.Contains(string(dash), n) {
			t.Logf("%s is not on the dashboard", n)
		}
	}
}
