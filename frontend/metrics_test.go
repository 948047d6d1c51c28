package frontend

import (
	"bytes"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// series flattens a registry's metrics into "name{label="value",...}" ->
// value; a histogram gives its _count and _sum.
func series(t *testing.T, g prometheus.Gatherer) map[string]float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			sort.Strings(labels)
			key := func(suffix string) string {
				return mf.GetName() + suffix + "{" + strings.Join(labels, ",") + "}"
			}
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				out[key("")] = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				out[key("")] = m.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				out[key("_count")] = float64(m.GetHistogram().GetSampleCount())
				out[key("_sum")] = m.GetHistogram().GetSampleSum()
			}
		}
	}
	return out
}

// moved returns the series of prefix whose value changed from before to
// after, with the change.
func moved(before, after map[string]float64, prefix string) map[string]float64 {
	d := map[string]float64{}
	for k, v := range after {
		if strings.HasPrefix(k, prefix+"{") && v != before[k] {
			d[k] = v - before[k]
		}
	}
	return d
}

func sameDeltas(t *testing.T, what string, got, want map[string]float64) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s moved by\n  %v\nwant\n  %v", what, got, want)
	}
}

// Scraped before and after a known workload, the request metrics move by
// exactly those requests and the byte counters by exactly their bodies.
func TestMetricsCountAKnownWorkload(t *testing.T) {
	reg := prometheus.NewRegistry()
	e := newEnv(t, func(o *Options) { o.Metrics = reg })
	e.mustCreate(t, "metered")
	// Let the CreateBucket's own recording land (it happens after the
	// client has its response).
	waitFor(t, func() bool { return series(t, reg)[`amphora_s3_requests_total{code="200",op="CreateBucket"}`] == 1 })
	before := series(t, reg)

	bodies := [][]byte{bytes.Repeat([]byte("a"), 1000), bytes.Repeat([]byte("b"), 70000), []byte("c")}
	var sentIn, sentOut float64
	for i, b := range bodies {
		resp, body := e.signed(t, http.MethodPut, objectPath("metered", fmt.Sprintf("k%d", i)), b, nil)
		wantStatus(t, resp, body, http.StatusOK)
		sentIn += float64(len(b))
		sentOut += float64(len(body))
	}
	var getOut float64
	for i := range 2 {
		resp, body := e.signed(t, http.MethodGet, objectPath("metered", fmt.Sprintf("k%d", i)), nil, nil)
		wantStatus(t, resp, body, http.StatusOK)
		if !bytes.Equal(body, bodies[i]) {
			t.Fatalf("GET k%d: %d bytes back", i, len(body))
		}
		getOut += float64(len(body))
	}
	resp, body := e.signed(t, http.MethodGet, objectPath("metered", "missing"), nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "NoSuchKey")
	getOut += float64(len(body))

	var after map[string]float64
	waitFor(t, func() bool {
		after = series(t, reg)
		total := 0.0
		for _, d := range moved(before, after, "amphora_s3_requests_total") {
			total += d
		}
		return total >= 6 && after["amphora_s3_requests_in_flight{}"] == 0
	})
	sameDeltas(t, "amphora_s3_requests_total", moved(before, after, "amphora_s3_requests_total"), map[string]float64{
		`amphora_s3_requests_total{code="200",op="PutObject"}`: 3,
		`amphora_s3_requests_total{code="200",op="GetObject"}`: 2,
		`amphora_s3_requests_total{code="404",op="GetObject"}`: 1,
	})
	sameDeltas(t, "amphora_s3_request_duration_seconds_count", moved(before, after, "amphora_s3_request_duration_seconds_count"), map[string]float64{
		`amphora_s3_request_duration_seconds_count{op="PutObject"}`: 3,
		`amphora_s3_request_duration_seconds_count{op="GetObject"}`: 3,
	})
	sameDeltas(t, "amphora_s3_received_bytes_total", moved(before, after, "amphora_s3_received_bytes_total"), map[string]float64{
		`amphora_s3_received_bytes_total{op="PutObject"}`: sentIn,
	})
	wantOut := map[string]float64{`amphora_s3_sent_bytes_total{op="GetObject"}`: getOut}
	if sentOut > 0 {
		wantOut[`amphora_s3_sent_bytes_total{op="PutObject"}`] = sentOut
	}
	sameDeltas(t, "amphora_s3_sent_bytes_total", moved(before, after, "amphora_s3_sent_bytes_total"), wantOut)
	if d := moved(before, after, "amphora_s3_aborted_responses_total"); len(d) != 0 {
		t.Errorf("aborted responses moved: %v", d)
	}
	if v := after["amphora_s3_requests_in_flight{}"]; v != 0 {
		t.Errorf("requests in flight = %v after the workload", v)
	}
}

// A request refused before the route table (here a key longer than S3
// allows) is counted under an operation name of its own.
func TestMetricsUnroutedRequest(t *testing.T) {
	reg := prometheus.NewRegistry()
	e := newEnv(t, func(o *Options) { o.Metrics = reg })
	resp, body := e.signed(t, http.MethodGet, objectPath("metered", strings.Repeat("k", 2000)), nil, nil)
	wantError(t, resp, body, http.StatusBadRequest, "KeyTooLongError")
	waitFor(t, func() bool { return series(t, reg)[`amphora_s3_requests_total{code="400",op="Unrouted"}`] == 1 })
}

// Two frontends cannot share one registry: the second is refused with
// the reason, not a panic.
func TestMetricsRegistryConflict(t *testing.T) {
	reg := prometheus.NewRegistry()
	newEnv(t, func(o *Options) { o.Metrics = reg })
	_, err := New(Options{Store: nil, Region: testRegion, Credentials: testCreds, Metrics: reg})
	if err == nil || !strings.Contains(err.Error(), "metrics") {
		t.Fatalf("New with a registry already used: %v", err)
	}
}

// waitFor polls cond for up to 5 s: metrics are recorded once a response
// is complete, a moment after the client has it.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
