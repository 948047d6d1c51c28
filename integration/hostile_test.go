package integration

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// hostileOutcome is what one hostile request got.
type hostileOutcome struct {
	status int    // 0: no response
	code   string // S3 error code, "" when none
	err    error  // reading the response failed
	server bool   // the answer came from the frontend (x-amz-request-id), not net/http
	body   []byte
}

// sendHostile sends r on a new connection and reads the answer. The
// request is written while the answer is read, so a server that answers
// before the body is in (and stops reading it) never deadlocks the test.
func sendHostile(addr string, r hostileReq) hostileOutcome {
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return hostileOutcome{err: fmt.Errorf("dial: %w", err)}
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(45 * time.Second))
	go func() {
		_, _ = conn.Write(r.raw)
		if r.short {
			_ = conn.(*net.TCPConn).CloseWrite()
		}
	}()
	br := bufio.NewReader(conn)
	method, _, _ := bytes.Cut(r.raw, []byte(" "))
	resp, err := http.ReadResponse(br, &http.Request{Method: string(method)}) // a HEAD answer has no body
	if err != nil {
		return hostileOutcome{err: err}
	}
	defer resp.Body.Close()
	out := hostileOutcome{status: resp.StatusCode, server: resp.Header.Get("X-Amz-Request-Id") != ""}
	out.body, out.err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var e struct{ Code string }
	if xml.Unmarshal(out.body, &e) == nil {
		out.code = e.Code
	}
	return out
}

// acceptable says whether o is an answer the frontend may give to a
// hostile request: anything but a 5xx, except 503 SlowDown (overload),
// 501 NotImplemented (S3's answer for a feature Amphora lacks: a client
// request, not a fault; a HEAD gets the status alone), and net/http's own
// 501 for a transfer coding it does not know and 505 for an HTTP version
// it does not speak (RFC 9112 section 6.1 and RFC 9110 section 15.6.6
// call for them). A frontend 4xx to anything but HEAD is an S3 error
// document. No answer at all only where HTTP has no request to answer.
func (o hostileOutcome) acceptable(r hostileReq) error {
	head := bytes.HasPrefix(r.raw, []byte("HEAD "))
	switch {
	case o.status == 0 && r.noAnswer:
		return nil
	case o.status == 0:
		return fmt.Errorf("no response: %v", o.err)
	case o.status == http.StatusServiceUnavailable && o.code == "SlowDown":
	case o.status == http.StatusNotImplemented && o.server && (o.code == "NotImplemented" || head):
	case o.status == http.StatusNotImplemented && !o.server && bytes.Contains(o.body, []byte("nsupported transfer encoding")):
	case o.status == http.StatusHTTPVersionNotSupported && !o.server:
	case o.status >= 500:
		return fmt.Errorf("status %d %q: %.300s", o.status, o.code, o.body)
	case o.status >= 400 && o.server && o.code == "" && !head:
		return fmt.Errorf("status %d from the frontend without an S3 error document: %.300s", o.status, o.body)
	}
	if o.err != nil && !errors.Is(o.err, io.EOF) && o.status < 300 {
		return fmt.Errorf("status %d, body cut short: %v", o.status, o.err)
	}
	return nil
}

// hostileCount is how many requests TestHostileInput sends, 10,000
// unless AMPHORA_HOSTILE_REQUESTS says otherwise.
func hostileCount() int {
	if n, err := strconv.Atoi(os.Getenv("AMPHORA_HOSTILE_REQUESTS")); err == nil && n > 0 {
		return n
	}
	return 10000
}

// TestHostileInput sends malformed and hostile requests (hostile_gen_test.go:
// oversized headers, bad encodings, huge XML, entity bombs, lying
// Content-Length and Transfer-Encoding, path tricks, bad and expired
// signatures, unknown sub-resources, odd methods, garbage), generated
// from a seed (AMPHORA_HOSTILE_SEED, default 16), at the real binary on
// Cassandra, 16 at a time. Every answer is acceptable (no 5xx but 503
// SlowDown and 501 NotImplemented, no connection closed without an
// answer where HTTP has one to give), the process stays up with a
// bounded RSS and no goroutines left behind, nothing it holds changed,
// and a normal client works afterwards.
func TestHostileInput(t *testing.T) {
	seed := uint64(16)
	if v, err := strconv.ParseUint(os.Getenv("AMPHORA_HOSTILE_SEED"), 10, 64); err == nil {
		seed = v
	}
	n := hostileCount()
	o := defaultOptions()
	o.ClientTimeout = 5 * time.Second
	o.ReadHeaderTimeout = 5 * time.Second
	s := newServer(t, o)
	s.showLogOnFailure(t)
	ctx := testContext(t, 10*time.Minute)
	mc := s.minioClient(t, tenantA, minioOpts{})
	makeBucket(t, mc, hostileBucket)
	keep := payloadBytes(t, 1700, 5000)
	if _, err := mc.PutObject(ctx, hostileBucket, hostileKeep, bytes.NewReader(keep), int64(len(keep)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	bucketsA := s.bucketNames(t, tenantA)
	bucketsB := s.bucketNames(t, tenantB)
	pid := s.Pid()
	goroutinesBefore := scrape(t, s)["go_goroutines{}"]
	rssBefore, _ := rssMiB(pid)

	gen := &hostileGen{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), host: s.Addr}
	reqs := make([]hostileReq, n)
	for i := range reqs {
		reqs[i] = gen.next(i)
	}
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		mu       sync.Mutex
		failures []string
		tally    = map[string]map[string]int{} // kind -> answer -> count
		maxRSS   atomic.Int64
		sent     atomic.Int64
	)
	stopSampling := make(chan struct{})
	go func() {
		for {
			select {
			case <-stopSampling:
				return
			case <-time.After(200 * time.Millisecond):
				now, _ := rssMiB(pid)
				if int64(now) > maxRSS.Load() {
					maxRSS.Store(int64(now))
				}
			}
		}
	}()
	start := time.Now()
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				r := reqs[i]
				out := sendHostile(s.Addr, r)
				sent.Add(1)
				answer := fmt.Sprintf("%d %s", out.status, out.code)
				if out.status == 0 {
					answer = "no response"
				}
				mu.Lock()
				if tally[r.kind] == nil {
					tally[r.kind] = map[string]int{}
				}
				tally[r.kind][answer]++
				if err := out.acceptable(r); err != nil && len(failures) < 30 {
					failures = append(failures, fmt.Sprintf("request %d (%s): %v\n  sent: %.300q", i, r.kind, err, r.raw))
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(stopSampling)
	took := time.Since(start)
	for _, f := range failures {
		t.Error(f)
	}
	t.Logf("%d hostile requests (seed %d) in %s; answers by kind:\n%s", sent.Load(), seed, took.Round(time.Millisecond), formatTally(tally))

	// The process is up, its memory bounded and its goroutines back.
	if err := syscall.Kill(pid, 0); err != nil || s.Pid() != pid {
		t.Fatalf("amphora (pid %d) is gone: %v", pid, err)
	}
	_, peak := rssMiB(pid)
	limit := 512
	if raceEnabled {
		limit = 1536
	}
	t.Logf("frontend RSS (race detector %t): %d MiB before, at most %d MiB sampled during, peak (VmHWM) %d MiB", raceEnabled, rssBefore, maxRSS.Load(), peak)
	if peak > limit {
		t.Errorf("peak RSS %d MiB over %d MiB", peak, limit)
	}
	var goroutinesAfter float64
	deadline := time.Now().Add(30 * time.Second)
	for {
		goroutinesAfter = scrape(t, s)["go_goroutines{}"]
		if goroutinesAfter <= goroutinesBefore+10 || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("goroutines: %.0f before, %.0f after", goroutinesBefore, goroutinesAfter)
	if goroutinesAfter > goroutinesBefore+10 {
		t.Errorf("goroutines grew from %.0f to %.0f and stayed", goroutinesBefore, goroutinesAfter)
	}

	// Nothing changed: the bucket holds its one object, unchanged, no
	// upload is open, and neither tenant has a new bucket.
	var keys []string
	for obj := range mc.ListObjects(ctx, hostileBucket, minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err != nil {
			t.Fatalf("list after the hostile requests: %v", obj.Err)
		}
		keys = append(keys, obj.Key)
	}
	if len(keys) != 1 || keys[0] != hostileKeep {
		t.Errorf("bucket holds %q after the hostile requests, want only %q", keys, hostileKeep)
	}
	got, err := getBytes(ctx, mc, hostileBucket, hostileKeep, minio.GetObjectOptions{})
	if err != nil || !bytes.Equal(got, keep) {
		t.Errorf("%s after the hostile requests: %d bytes, %v", hostileKeep, len(got), err)
	}
	for up := range mc.ListIncompleteUploads(ctx, hostileBucket, "", true) {
		t.Errorf("upload left open: %+v", up)
	}
	if a, b := s.bucketNames(t, tenantA), s.bucketNames(t, tenantB); strings.Join(a, ",") != strings.Join(bucketsA, ",") || strings.Join(b, ",") != strings.Join(bucketsB, ",") {
		t.Errorf("buckets changed: tenant A %q -> %q, tenant B %q -> %q", bucketsA, a, bucketsB, b)
	}

	// A normal client still works.
	data := payloadBytes(t, 1701, 3*(256<<10)+17)
	if _, err := mc.PutObject(ctx, hostileBucket, "after", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{}); err != nil {
		t.Fatalf("PUT after the hostile requests: %v", err)
	}
	if got, err := getBytes(ctx, mc, hostileBucket, "after", minio.GetObjectOptions{}); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("GET after the hostile requests: %d bytes, %v", len(got), err)
	}
	if err := mc.RemoveObject(ctx, hostileBucket, "after", minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if bad := s.logLines("handler panic", 5); bad != "" {
		t.Errorf("the server recovered panics:\n%s", bad)
	}
}

// bucketNames lists tn's buckets.
func (s *server) bucketNames(t *testing.T, tn tenant) []string {
	t.Helper()
	bs, err := s.minioClient(t, tn, minioOpts{}).ListBuckets(testContext(t, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range bs {
		names = append(names, b.Name)
	}
	sort.Strings(names)
	return names
}

func formatTally(tally map[string]map[string]int) string {
	var kinds []string
	for k := range tally {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var b strings.Builder
	for _, k := range kinds {
		var answers []string
		for a, n := range tally[k] {
			answers = append(answers, fmt.Sprintf("%s x%d", a, n))
		}
		sort.Strings(answers)
		fmt.Fprintf(&b, "  %-18s %s\n", k, strings.Join(answers, ", "))
	}
	return b.String()
}
