package monitor

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

func get(t *testing.T, srv *httptest.Server, path string) (int, string) {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func newTestServer(t *testing.T, o Options) *httptest.Server {
	t.Helper()
	h, err := Handler(o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestHealthFollowsReady(t *testing.T) {
	var down atomic.Bool
	var checks atomic.Int64
	srv := newTestServer(t, Options{
		Gatherer:   NewRegistry("test"),
		ReadyReuse: time.Nanosecond,
		Ready: func(ctx context.Context) error {
			checks.Add(1)
			if down.Load() {
				return errors.New("cassandra does not answer")
			}
			return nil
		},
		Logger: zerolog.Nop(),
	})
	if code, body := get(t, srv, "/health/live"); code != 200 || body != "live\n" {
		t.Fatalf("live: %d %q", code, body)
	}
	if code, body := get(t, srv, "/health/ready"); code != 200 || body != "ready\n" {
		t.Fatalf("ready: %d %q", code, body)
	}
	down.Store(true)
	time.Sleep(time.Millisecond)
	if code, body := get(t, srv, "/health/ready"); code != 503 || body != "not ready: cassandra does not answer\n" {
		t.Fatalf("ready while down: %d %q", code, body)
	}
	if code, _ := get(t, srv, "/health/live"); code != 200 {
		t.Fatalf("live while not ready: %d", code)
	}
	down.Store(false)
	time.Sleep(time.Millisecond)
	if code, _ := get(t, srv, "/health/ready"); code != 200 {
		t.Fatalf("ready again: %d", code)
	}
	if checks.Load() != 3 {
		t.Errorf("%d readiness checks for 3 probes", checks.Load())
	}
	if code, body := get(t, srv, "/metrics"); code != 200 || !strings.Contains(body, `amphora_build_info{goversion="`) {
		t.Errorf("metrics: %d\n%s", code, body)
	}
	if code, _ := get(t, srv, "/health/other"); code != 404 {
		t.Errorf("unknown path: %d", code)
	}
}

// Probes within ReadyReuse share one check, and a check that hangs fails
// within ReadyTimeout.
func TestReadyReuseAndTimeout(t *testing.T) {
	var checks atomic.Int64
	srv := newTestServer(t, Options{
		Gatherer:     prometheus.NewRegistry(),
		ReadyTimeout: 100 * time.Millisecond,
		ReadyReuse:   time.Hour,
		Ready: func(ctx context.Context) error {
			checks.Add(1)
			<-ctx.Done()
			return ctx.Err()
		},
	})
	start := time.Now()
	for range 5 {
		if code, body := get(t, srv, "/health/ready"); code != 503 || !strings.Contains(body, "deadline exceeded") {
			t.Fatalf("hung check: %d %q", code, body)
		}
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("5 probes took %s", took)
	}
	if checks.Load() != 1 {
		t.Errorf("%d checks for 5 probes within ReadyReuse", checks.Load())
	}
}

func TestHandlerNeedsGatherer(t *testing.T) {
	if _, err := Handler(Options{}); err == nil {
		t.Fatal("no error without a gatherer")
	}
}

func TestStatementsBySeries(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := NewStatements(reg)
	if err != nil {
		t.Fatal(err)
	}
	m.ObserveStatement("SELECT blocks", 2*time.Millisecond, nil)
	m.ObserveStatement("SELECT blocks", 3*time.Millisecond, errors.New("timeout"))
	m.ObserveStatement("INSERT blocks", time.Millisecond, nil)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, mt := range mf.GetMetric() {
			name := mf.GetName() + "/" + mt.GetLabel()[0].GetValue()
			if h := mt.GetHistogram(); h != nil {
				got[name] = float64(h.GetSampleCount())
			} else {
				got[name] = mt.GetCounter().GetValue()
			}
		}
	}
	want := map[string]float64{
		"amphora_cassandra_statement_duration_seconds/SELECT blocks": 2,
		"amphora_cassandra_statement_duration_seconds/INSERT blocks": 1,
		"amphora_cassandra_statement_errors_total/SELECT blocks":     1,
		"amphora_cassandra_statement_errors_total/INSERT blocks":     0,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("series: %v", got)
	}
}
