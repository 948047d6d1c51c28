package integration

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// MetricsURL is the monitoring listener's base URL.
func (s *server) MetricsURL() string { return "http://" + s.MetricsAddr }

// httpGet fetches url with a short timeout: status and body, or the error.
func httpGet(url string) (int, string, error) {
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// waitStatus polls url until it answers status, for at most within.
func waitStatus(t *testing.T, url string, status int, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	var last string
	for time.Since(start) < within {
		code, body, err := httpGet(url)
		if err == nil && code == status {
			return time.Since(start)
		}
		last = fmt.Sprintf("%d %q %v", code, strings.TrimSpace(body), err)
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s did not answer %d within %s; last: %s", url, status, within, last)
	return 0
}

// scrape reads /metrics as "name{labels}" -> value, labels as the
// server writes them (sorted by name).
func scrape(t *testing.T, s *server) map[string]float64 {
	t.Helper()
	code, body, err := httpGet(s.MetricsURL() + "/metrics")
	if err != nil || code != http.StatusOK {
		t.Fatalf("scrape %s/metrics: %d %v", s.MetricsURL(), code, err)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if i < 0 || err != nil {
			t.Fatalf("metrics line %q does not parse", line)
		}
		name := line[:i]
		if !strings.Contains(name, "{") {
			name += "{}"
		}
		out[name] = v
	}
	return out
}

// deltas are the series of metric name that changed from before to after.
func deltas(before, after map[string]float64, name string) map[string]float64 {
	d := map[string]float64{}
	for k, v := range after {
		if strings.HasPrefix(k, name+"{") && v != before[k] {
			d[k] = v - before[k]
		}
	}
	return d
}

// wire counts the body bytes aws-sdk-go-v2 sends and receives, by
// operation, as they cross its HTTP client.
type wire struct {
	mu       sync.Mutex
	sent     map[string]int64
	received map[string]int64
}

// op is a per-call option counting that call's bytes under name.
func (w *wire) op(name string) func(*s3.Options) {
	return func(o *s3.Options) {
		o.HTTPClient = &wireClient{next: o.HTTPClient, w: w, op: name}
	}
}

func (w *wire) add(m *map[string]int64, op string, n int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if *m == nil {
		*m = map[string]int64{}
	}
	(*m)[op] += int64(n)
}

type wireClient struct {
	next s3.HTTPClient
	w    *wire
	op   string
}

func (c *wireClient) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		req.Body = &countingReader{ReadCloser: req.Body, add: func(n int) { c.w.add(&c.w.sent, c.op, n) }}
	}
	resp, err := c.next.Do(req)
	if err == nil {
		resp.Body = &countingReader{ReadCloser: resp.Body, add: func(n int) { c.w.add(&c.w.received, c.op, n) }}
	}
	return resp, err
}

type countingReader struct {
	io.ReadCloser
	add func(int)
}

func (r *countingReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	r.add(n)
	return n, err
}

// /metrics of the real binary, scraped before and after a workload of
// aws-sdk-go-v2 calls, moves by exactly those requests and their body
// bytes as the client saw them on the wire; the store's metrics show the
// blocks written and read, no statement error, and nothing left in use.
func TestMetricsScrapedAroundWorkload(t *testing.T) {
	s := newServer(t, defaultOptions())
	waitStatus(t, s.MetricsURL()+"/health/live", http.StatusOK, 10*time.Second)
	waitStatus(t, s.MetricsURL()+"/health/ready", http.StatusOK, 30*time.Second)
	c := s.sdkClient(t, tenantA, sdkOpts{})
	ctx := testContext(t, 2*time.Minute)
	const bucket = "metrics-workload"
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket: %s", sdkErr(err))
	}
	// With 256 KiB blocks and 4 KiB inline objects: one inline object,
	// one of 3 blocks, one of 1 block.
	objects := map[string][]byte{
		"inline": payloadBytes(t, 1, 1000),
		"three":  payloadBytes(t, 2, 600<<10),
		"one":    payloadBytes(t, 3, 5000),
	}
	var w wire
	// The CreateBucket's own recording happens once its response is out.
	time.Sleep(200 * time.Millisecond)
	before := scrape(t, s)

	for _, k := range []string{"inline", "three", "one"} {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: bytes.NewReader(objects[k])}, w.op("PutObject"))
		if err != nil {
			t.Fatalf("PutObject %s: %s", k, sdkErr(err))
		}
	}
	for _, k := range []string{"three", "one"} {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(k)}, w.op("GetObject"))
		if err != nil {
			t.Fatalf("GetObject %s: %s", k, sdkErr(err))
		}
		b, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil || !bytes.Equal(b, objects[k]) {
			t.Fatalf("GetObject %s: %d bytes, %v", k, len(b), err)
		}
	}
	_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("missing")}, w.op("GetObject"))
	if err == nil || !strings.Contains(sdkErr(err), "404 NoSuchKey") {
		t.Fatalf("GetObject of a missing key: %v", err)
	}

	var after map[string]float64
	deadline := time.Now().Add(10 * time.Second)
	for {
		after = scrape(t, s)
		total := 0.0
		for _, d := range deltas(before, after, "amphora_s3_requests_total") {
			total += d
		}
		if total >= 6 && after["amphora_s3_requests_in_flight{}"] == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	want := func(name string, want map[string]float64) {
		t.Helper()
		if got := deltas(before, after, name); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s moved by\n  %v\nwant\n  %v", name, got, want)
		}
	}
	want("amphora_s3_requests_total", map[string]float64{
		`amphora_s3_requests_total{code="200",op="PutObject"}`: 3,
		`amphora_s3_requests_total{code="200",op="GetObject"}`: 2,
		`amphora_s3_requests_total{code="404",op="GetObject"}`: 1,
	})
	want("amphora_s3_request_duration_seconds_count", map[string]float64{
		`amphora_s3_request_duration_seconds_count{op="PutObject"}`: 3,
		`amphora_s3_request_duration_seconds_count{op="GetObject"}`: 3,
	})
	w.mu.Lock()
	wantIn := map[string]float64{`amphora_s3_received_bytes_total{op="PutObject"}`: float64(w.sent["PutObject"])}
	wantOut := map[string]float64{`amphora_s3_sent_bytes_total{op="GetObject"}`: float64(w.received["GetObject"])}
	if n := w.received["PutObject"]; n > 0 {
		wantOut[`amphora_s3_sent_bytes_total{op="PutObject"}`] = float64(n)
	}
	w.mu.Unlock()
	if wantIn[`amphora_s3_received_bytes_total{op="PutObject"}`] < 606000 {
		t.Errorf("the client sent only %v bytes of PutObject bodies", wantIn)
	}
	want("amphora_s3_received_bytes_total", wantIn)
	want("amphora_s3_sent_bytes_total", wantOut)
	want("amphora_s3_aborted_responses_total", map[string]float64{})

	// Cassandra, by statement: 4 blocks written, at least 4 read (the
	// 404 reads none), the inline object in one batch, no error.
	stmt := func(name string) float64 {
		k := fmt.Sprintf("amphora_cassandra_statement_duration_seconds_count{statement=%q}", name)
		return after[k] - before[k]
	}
	t.Logf("on the wire: PutObject bodies %v B, GetObject bodies %v B; statements: INSERT blocks +%v, SELECT blocks +%v, inline batch +%v",
		wantIn[`amphora_s3_received_bytes_total{op="PutObject"}`], wantOut[`amphora_s3_sent_bytes_total{op="GetObject"}`],
		stmt("INSERT blocks"), stmt("SELECT blocks"), stmt("BATCH gc_queue,objects,versions"))
	if n := stmt("INSERT blocks"); n != 4 {
		t.Errorf("INSERT blocks moved by %v, want 4", n)
	}
	if n := stmt("SELECT blocks"); n < 4 {
		t.Errorf("SELECT blocks moved by %v, want at least 4", n)
	}
	if n := stmt("BATCH gc_queue,objects,versions"); n < 1 {
		t.Errorf("the inline PUT's batch moved by %v", n)
	}
	want("amphora_cassandra_statement_errors_total", map[string]float64{})
	for _, g := range []string{"amphora_block_buffers_in_use{}", "amphora_cassandra_block_slots_in_use{}", "amphora_s3_requests_in_flight{}"} {
		if v, ok := after[g]; !ok || v != 0 {
			t.Errorf("%s = %v (present %t) at rest", g, v, ok)
		}
	}
	for _, g := range []string{"amphora_block_buffers_max{}", "amphora_cassandra_block_slots_max{}", `amphora_cache_lookups_total{cache="bucket",result="hit"}`} {
		if after[g] <= 0 {
			t.Errorf("%s = %v", g, after[g])
		}
	}
	if n := after[`amphora_cache_lookups_total{cache="bucket",result="hit"}`] + after[`amphora_cache_lookups_total{cache="bucket",result="miss"}`] -
		before[`amphora_cache_lookups_total{cache="bucket",result="hit"}`] - before[`amphora_cache_lookups_total{cache="bucket",result="miss"}`]; n < 6 {
		t.Errorf("bucket cache lookups moved by %v for 6 requests", n)
	}

	// The sweeper runs every second here: its passes and its lag (read
	// in the background, so a later scrape has it) show.
	deadline = time.Now().Add(30 * time.Second)
	for {
		m := scrape(t, s)
		_, hasLag := m["amphora_gc_queue_lag_seconds{}"]
		if m["amphora_gc_sweeps_total{}"] > 0 && hasLag {
			if lag := m["amphora_gc_queue_lag_seconds{}"]; lag < 0 || lag > 300 {
				t.Errorf("gc lag %v s on a fresh keyspace swept every second", lag)
			}
			if m["amphora_gc_last_sweep_timestamp_seconds{}"] < float64(time.Now().Add(-time.Minute).Unix()) {
				t.Errorf("last sweep at %v", m["amphora_gc_last_sweep_timestamp_seconds{}"])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no sweep or no gc lag within 30s: sweeps %v, lag present %t", m["amphora_gc_sweeps_total{}"], hasLag)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if code, body, err := httpGet(s.MetricsURL() + "/health/live"); code != 200 || body != "live\n" {
		t.Errorf("live: %d %q %v", code, body, err)
	}
	if code, body, err := httpGet(s.MetricsURL() + "/health/ready"); code != 200 || body != "ready\n" {
		t.Errorf("ready: %d %q %v", code, body, err)
	}
	// The S3 listener knows nothing of them: there, /health is a bucket.
	if r := s.do(t, s.signedRequest(t, tenantA, http.MethodGet, "/health/live", "", nil)); r.Status != http.StatusNotFound || r.Code() != "NoSuchBucket" {
		t.Errorf("GET /health/live on the S3 listener: %d %s", r.Status, r.Code())
	}
}
