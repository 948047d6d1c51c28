package integration

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/signer"

	"github.com/amphora-s3/amphora/internal/testcassandra"
)

// overloadBudget is the overloaded frontend's block budget and the size
// of the objects its load moves.
type overloadBudget struct {
	block   int // storage.block_size
	slots   int // storage.max_blocks_in_flight
	buffers int // storage.max_block_buffers
	object  int // bytes of each PUT and GET of the load
}

// budget is small by default (an 8 MiB block budget), so that 4x the
// budget is a light load for the test machine;
// AMPHORA_OVERLOAD_BUDGET=default measures the server's default budget
// (128 MiB) with 8 MiB objects instead.
func budget() overloadBudget {
	if os.Getenv("AMPHORA_OVERLOAD_BUDGET") == "default" {
		return overloadBudget{block: 1 << 20, slots: 64, buffers: 128, object: 8 << 20}
	}
	return overloadBudget{block: 256 << 10, slots: 8, buffers: 32, object: 1 << 20}
}

// overloadQueryTime is the overloaded frontend's cassandra.timeout.
const overloadQueryTime = time.Second

// overloadServer is a frontend whose Cassandra is behind a proxy that
// can stall (ready_test.go), with a short query timeout and the block
// budget b.
func overloadServer(t *testing.T, b overloadBudget) (*server, *cqlProxy) {
	t.Helper()
	proxy := startCQLProxy(t, testcassandra.Hosts(t)[0])
	o := defaultOptions()
	o.BlockSize = int64(b.block)
	o.Metrics = false
	o.Sweeper = false
	s := newServerWith(t, o, []string{proxy.Addr()}, func(toml string) string {
		toml = replaceLine(t, toml, `timeout = "30s"`, fmt.Sprintf("timeout = %q", overloadQueryTime.String()))
		toml = replaceLine(t, toml, `connect_timeout = "20s"`, `connect_timeout = "3s"`)
		return replaceLine(t, toml, "sweeper = false", fmt.Sprintf("sweeper = false\nmax_blocks_in_flight = %d\nmax_block_buffers = %d", b.slots, b.buffers))
	})
	return s, proxy
}

// overloadClient sends one request at a time per call, with 100-continue
// on bodies so that a PUT refused before its body is read never has its
// body cut off.
func overloadClient(s *server) *http.Client {
	tr := s.transport()
	tr.ExpectContinueTimeout = 5 * time.Second
	tr.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: tr, Timeout: 90 * time.Second}
}

// overloadRequest is a V2-signed request (minio-go's signer) as tenantA.
func overloadRequest(t testing.TB, s *server, method, rawPath string, body []byte) *http.Request {
	req, err := http.NewRequest(method, s.URL()+rawPath, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == nil {
		req.Body, req.ContentLength = nil, 0
	} else {
		req.Header.Set("Expect", "100-continue")
	}
	return signer.SignV2(*req, tenantA.AccessKey, tenantA.SecretKey, false)
}

// exchange sends req and reads the whole answer; err is a transport
// failure (no response, or a body cut short).
func exchange(c *http.Client, req *http.Request) (response, error) {
	resp, err := c.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}, err
}

// rssMiB is the resident set size of pid now (VmRSS) and at its peak so
// far (VmHWM), in MiB.
func rssMiB(pid int) (now, peak int) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.Atoi(f[1])
		switch f[0] {
		case "VmRSS:":
			now = kb >> 10
		case "VmHWM:":
			peak = kb >> 10
		}
	}
	return now, peak
}

// TestOverloadSlowDown: while the frontend's Cassandra stops answering
// (the proxy between them stalls), every PUT, GET, HEAD, LIST and DELETE
// is answered 503 SlowDown with Retry-After, never 500; once Cassandra
// answers again, requests succeed again without a restart. Then a load
// of 4x the block budget runs into a stall that starts mid-load, and the
// frontend's RSS is reported.
func TestOverloadSlowDown(t *testing.T) {
	b := budget()
	s, proxy := overloadServer(t, b)
	s.showLogOnFailure(t)
	ctx := testContext(t, 10*time.Minute)
	mc := s.minioClient(t, tenantA, minioOpts{})
	const bucket = "overload"
	makeBucket(t, mc, bucket)
	big := payloadBytes(t, 1600, int64(b.object))
	for _, k := range []string{"small", "big"} {
		data := []byte("small object")
		if k == "big" {
			data = big
		}
		if _, err := mc.PutObject(ctx, bucket, k, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{DisableMultipart: true}); err != nil {
			t.Fatalf("put %s: %v", k, err)
		}
	}
	c := overloadClient(s)
	pid := s.Pid()
	base, _ := rssMiB(pid)

	// Every kind of request, a bounded number of times, with Cassandra
	// stalled.
	proxy.Stall()
	type kind struct {
		method, path string
		body         []byte
	}
	kinds := []kind{
		{http.MethodPut, "/" + bucket + "/during-small", []byte("x")},
		{http.MethodPut, "/" + bucket + "/during-big", big},
		{http.MethodGet, "/" + bucket + "/small", nil},
		{http.MethodGet, "/" + bucket + "/big", nil},
		{http.MethodHead, "/" + bucket + "/big", nil},
		{http.MethodGet, "/" + bucket + "?list-type=2", nil},
		{http.MethodGet, "/" + bucket + "?prefix=b&delimiter=/", nil},
		{http.MethodDelete, "/" + bucket + "/small", nil},
		{http.MethodGet, "/" + bucket + "/big?partNumber=1", nil},
		{http.MethodPost, "/" + bucket + "/mp?uploads", nil},
	}
	const rounds = 3
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		answers = map[string]int{}
		slowest time.Duration
	)
	start := time.Now()
	for r := 0; r < rounds; r++ {
		for _, k := range kinds {
			wg.Add(1)
			go func() {
				defer wg.Done()
				t0 := time.Now()
				resp, err := exchange(c, overloadRequest(t, s, k.method, k.path, k.body))
				took := time.Since(t0)
				mu.Lock()
				defer mu.Unlock()
				slowest = max(slowest, took)
				what := fmt.Sprintf("%s %s", k.method, k.path)
				switch {
				case err != nil:
					t.Errorf("%s with Cassandra stalled: %v", what, err)
				case resp.Status != http.StatusServiceUnavailable:
					t.Errorf("%s with Cassandra stalled: %d %s, want 503 SlowDown", what, resp.Status, resp.Body)
				case resp.Header.Get("Retry-After") == "":
					t.Errorf("%s with Cassandra stalled: 503 without Retry-After", what)
				case k.method != http.MethodHead && resp.Code() != "SlowDown":
					t.Errorf("%s with Cassandra stalled: code %q, want SlowDown", what, resp.Code())
				}
				answers[fmt.Sprintf("%d %s", resp.Status, resp.Code())]++
			}()
		}
	}
	wg.Wait()
	t.Logf("stalled: %d requests in %s, answers %v, slowest %s (cassandra.timeout %s)",
		rounds*len(kinds), time.Since(start).Round(time.Millisecond), answers, slowest.Round(time.Millisecond), overloadQueryTime)

	proxy.Restore()
	recovered := waitRecovery(t, c, s, bucket)
	t.Logf("recovered %s after the stall ended", recovered.Round(time.Millisecond))
	checkServes(t, ctx, mc, bucket, big, b)

	overloadLoad(t, s, proxy, c, bucket, big, base, b)
	proxy.Restore()
	recovered = waitRecovery(t, c, s, bucket)
	t.Logf("recovered %s after the second stall ended", recovered.Round(time.Millisecond))
	checkServes(t, ctx, mc, bucket, big, b)
}

// waitRecovery polls a GET until it succeeds (at most two minutes: the
// driver reconnects on its own schedule) and returns how long it took.
func waitRecovery(t *testing.T, c *http.Client, s *server, bucket string) time.Duration {
	t.Helper()
	start := time.Now()
	var last string
	for time.Since(start) < 2*time.Minute {
		resp, err := exchange(c, overloadRequest(t, s, http.MethodGet, "/"+bucket+"/big", nil))
		switch {
		case err != nil:
			last = err.Error()
		case resp.Status == http.StatusOK:
			return time.Since(start)
		case resp.Status != http.StatusServiceUnavailable:
			t.Fatalf("GET while recovering: %d %s", resp.Status, resp.Body)
		default:
			last = fmt.Sprintf("%d %s", resp.Status, resp.Code())
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("requests still fail two minutes after the stall ended: %s", last)
	return 0
}

// checkServes: PUT, GET and LIST work and read back what they should.
func checkServes(t *testing.T, ctx context.Context, mc *minio.Client, bucket string, big []byte, b overloadBudget) {
	t.Helper()
	data := payloadBytes(t, 1601, int64(3*b.block+5))
	if _, err := mc.PutObject(ctx, bucket, "after", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{DisableMultipart: true}); err != nil {
		t.Fatalf("PUT after the stall: %v", err)
	}
	for k, want := range map[string][]byte{"after": data, "big": big} {
		got, err := getBytes(ctx, mc, bucket, k, minio.GetObjectOptions{})
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("GET %s after the stall: %d bytes, %v", k, len(got), err)
		}
	}
	n := 0
	for o := range mc.ListObjects(ctx, bucket, minio.ListObjectsOptions{}) {
		if o.Err != nil {
			t.Fatalf("LIST after the stall: %v", o.Err)
		}
		n++
	}
	if n < 2 {
		t.Fatalf("LIST after the stall: %d keys", n)
	}
}

// overloadLoad runs 4x the block budget in concurrent PUTs and GETs of
// b.object bytes (4 or 8 blocks each), stalls Cassandra a second into it and keeps the
// load on for 15 s of stall (each worker waiting Retry-After after a
// 503, at most 40 requests each), sampling the frontend's RSS. Every answer is
// 200 or 503 SlowDown; a GET whose body had started when the stall came
// may be cut off (its connection aborted), and a PUT refused while its
// body was still coming may see its connection closed.
func overloadLoad(t *testing.T, s *server, proxy *cqlProxy, c *http.Client, bucket string, big []byte, base int, b overloadBudget) {
	workers := 4 * b.buffers * b.block / b.object // 4x the budget in bytes in flight
	const (
		stallFor = 15 * time.Second
		// Each worker sends at most this many requests: with Retry-After
		// honoured, about one a second while Cassandra is stalled.
		maxPerWorker = 40
	)
	pid := s.Pid()
	var (
		stop     atomic.Bool
		wg       sync.WaitGroup
		mu       sync.Mutex
		answers  = map[string]int{}
		requests atomic.Int64
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < maxPerWorker && !stop.Load(); i++ {
				var req *http.Request
				if w%2 == 0 {
					req = overloadRequest(t, s, http.MethodPut, fmt.Sprintf("/%s/load-%d-%d", bucket, w, i), big)
				} else {
					req = overloadRequest(t, s, http.MethodGet, "/"+bucket+"/big", nil)
				}
				requests.Add(1)
				resp, err := exchange(c, req)
				key := fmt.Sprintf("%s %d %s", req.Method, resp.Status, resp.Code())
				if err != nil {
					key = fmt.Sprintf("%s transport error", req.Method)
					if resp.Status != 0 {
						key = fmt.Sprintf("%s %d cut short", req.Method, resp.Status)
					}
				}
				mu.Lock()
				answers[key]++
				mu.Unlock()
				if err == nil && resp.Status != http.StatusOK && !(resp.Status == http.StatusServiceUnavailable && resp.Code() == "SlowDown") {
					t.Errorf("%s %s under load: %d %s", req.Method, req.URL.Path, resp.Status, resp.Body)
				}
				if resp.Status == http.StatusServiceUnavailable {
					// As a client should: wait Retry-After (1 s) before the next.
					wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
					time.Sleep(time.Duration(max(wait, 1)) * time.Second)
				}
			}
		}()
	}
	time.Sleep(time.Second)
	proxy.Stall()
	stalled := time.Now()
	maxRSS := 0
	for time.Since(stalled) < stallFor {
		now, _ := rssMiB(pid)
		maxRSS = max(maxRSS, now)
		time.Sleep(100 * time.Millisecond)
	}
	stop.Store(true)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("load requests still running two minutes after the load stopped")
	}
	now, peak := rssMiB(pid)
	t.Logf("load of %d concurrent %d MiB PUT/GET workers (4x the %d x %d KiB block budget), Cassandra stalled for %s a second in: %d requests, answers %v",
		workers, b.object>>20, b.buffers, b.block>>10, stallFor, requests.Load(), answers)
	t.Logf("frontend RSS (race detector %t): %d MiB before the load, at most %d MiB sampled while stalled, %d MiB after, peak (VmHWM) %d MiB",
		raceEnabled, base, maxRSS, now, peak)
}

// newServerWith starts a server of the test's own, like newServer, on
// Cassandra at hosts (a proxy, say), with its configuration file edited by
// edit. The schema is applied first
// through the real Cassandra (amphora schema apply), so that the server
// starts without creating it.
func newServerWith(t *testing.T, o serverOptions, hosts []string, edit func(toml string) string) *server {
	t.Helper()
	real := testcassandra.Hosts(t)
	bin := amphoraBinary(t)
	ks := testcassandra.Keyspace(t, real) // dropped after the server stops
	addr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s := &server{
		Addr: addr, Hosts: hosts, Keyspace: ks, Options: o, bin: bin,
		Config: filepath.Join(dir, "amphora.toml"), LogPath: filepath.Join(dir, "amphora.log"),
	}
	schemaCfg := filepath.Join(dir, "schema.toml")
	if err := os.WriteFile(schemaCfg, []byte(configTOML(addr, real, ks, o)), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "schema", "apply", "-config", schemaCfg).CombinedOutput(); err != nil {
		t.Fatalf("amphora schema apply: %v\n%s", err, out)
	}
	cfg := edit(replaceLine(t, configTOML(addr, hosts, ks, o), "apply_schema = true", "apply_schema = false"))
	if err := os.WriteFile(s.Config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop server: %v", err)
		}
		if t.Failed() {
			t.Logf("server log (%s), last lines:\n%s", s.LogPath, s.tail(0, 80))
		}
	})
	return s
}

// replaceLine replaces the configuration line that is exactly old, which
// must be there.
func replaceLine(t testing.TB, toml, old, new string) string {
	t.Helper()
	if !strings.Contains(toml, "\n"+old+"\n") {
		t.Fatalf("configuration has no line %q", old)
	}
	return strings.Replace(toml, "\n"+old+"\n", "\n"+new+"\n", 1)
}
