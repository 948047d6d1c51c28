package monitor

import (
	"context"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/cassandra"
	"github.com/amphora-s3/amphora/frontend"
	"github.com/amphora-s3/amphora/pacing"
	"github.com/amphora-s3/amphora/store/memstore"
)

// fakeStore stands in for *cassandra.Store.
type fakeStore struct{}

func (fakeStore) BufferStats() pacing.Stats   { return pacing.Stats{Size: 128, Used: 3, Cuts: 1} }
func (fakeStore) SlotStats() (used, size int) { return 2, 64 }
func (fakeStore) CacheStats() (keys, buckets cassandra.CacheStats) {
	return cassandra.CacheStats{Hits: 5, Misses: 1}, cassandra.CacheStats{Hits: 7, Misses: 2}
}
func (fakeStore) GCStats() cassandra.GCStats {
	return cassandra.GCStats{Passes: 4, Entries: 9, LastPass: time.Now(), LastDuration: time.Second}
}
func (fakeStore) GCLag(context.Context) (time.Duration, error) { return 90 * time.Second, nil }

// describing is a Registerer that remembers the name of every metric
// registered through it, whether or not it has a series yet.
type describing struct {
	prometheus.Registerer
	names map[string]bool
}

var fqName = regexp.MustCompile(`fqName: "([^"]+)"`)

func (d *describing) Register(c prometheus.Collector) error {
	ch := make(chan *prometheus.Desc, 64)
	go func() { c.Describe(ch); close(ch) }()
	for desc := range ch {
		if m := fqName.FindStringSubmatch(desc.String()); m != nil {
			d.names[m[1]] = true
		}
	}
	return d.Registerer.Register(c)
}

// families registers every amphora metric the way serve does and returns
// the amphora_* names registered or gathered.
func families(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	reg := NewRegistry("test")
	d := &describing{Registerer: reg, names: names}
	stmts, err := NewStatements(d)
	if err != nil {
		t.Fatal(err)
	}
	stmts.ObserveStatement("SELECT blocks", time.Millisecond, nil)
	if err := RegisterStore(d, fakeStore{}); err != nil {
		t.Fatal(err)
	}
	_, err = frontend.New(frontend.Options{
		Store: memstore.New(), Region: "us-east-1", Logger: zerolog.Nop(), Metrics: d,
		Credentials: []frontend.Credential{{AccessKey: "AK", SecretKey: "0123456789abcdef", Tenant: "t"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather() // amphora_build_info, registered by NewRegistry itself
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if strings.HasPrefix(mf.GetName(), "amphora_") {
			names[mf.GetName()] = true
		}
	}
	return names
}

var metricName = regexp.MustCompile(`\bamphora_[a-z0-9_]+`)

// mentioned returns the amphora_* metric names in a file, histogram
// series suffixes removed.
func mentioned(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, n := range metricName.FindAllString(string(b), -1) {
		for _, suffix := range []string{"_bucket", "_count", "_sum"} {
			if strings.HasSuffix(n, "_seconds"+suffix) {
				n = strings.TrimSuffix(n, suffix)
			}
		}
		out[n] = true
	}
	return out
}

// Every metric is documented in docs/operations.md, and the Grafana
// dashboard draws only metrics that exist.
func TestMetricNamesDocumentedAndDashboarded(t *testing.T) {
	have := families(t)
	if len(have) < 20 {
		t.Fatalf("only %d amphora metrics gathered: %v", len(have), have)
	}
	doc := mentioned(t, "../docs/operations.md")
	dash := mentioned(t, "../docs/grafana-dashboard.json")
	var undocumented, unknown, undrawn []string
	for n := range have {
		if !doc[n] {
			undocumented = append(undocumented, n)
		}
		if !dash[n] {
			undrawn = append(undrawn, n)
		}
	}
	for n := range dash {
		// The lifecycle worker's and the scrubber's metrics are registered
		// by cmd/amphora (its TestWorkerMetricsDocumented checks them).
		workers := strings.HasPrefix(n, "amphora_lifecycle_") || strings.HasPrefix(n, "amphora_scrub_")
		if !have[n] && !(workers && doc[n]) {
			unknown = append(unknown, n)
		}
	}
	sort.Strings(undocumented)
	sort.Strings(unknown)
	sort.Strings(undrawn)
	if len(undocumented) > 0 {
		t.Errorf("metrics missing from docs/operations.md: %v", undocumented)
	}
	if len(unknown) > 0 {
		t.Errorf("docs/grafana-dashboard.json draws metrics that do not exist: %v", unknown)
	}
	if len(undrawn) > 0 {
		t.Logf("metrics not on the dashboard: %v", undrawn)
	}
}
