package integration

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/minio/minio-go/v7"

	"github.com/amphora-s3/amphora/cassandra"
	"github.com/amphora-s3/amphora/internal/testcassandra"
)

// The fault suite (docs/reliability.md, "Fault suite"): two frontends on a
// three-node ring (RF 3, LOCAL_QUORUM) under a mixed workload, with one
// fault per subtest. It runs only when AMPHORA_FAULT_RING names the ring's
// hosts (`make fault` starts one on 127.0.0.21-23 and sets it); the ring's
// nodes are restarted with scripts/cassandra.sh, which reads
// CASSANDRA_HOME_DIR, CASSANDRA_ADDR_OFFSET and CASSANDRA_HEAP from the
// environment. Client disconnects mid-body and slow readers are covered by
// slowclients_test.go and crash_test.go and are not repeated here.

const (
	faultTimeout  = 3 * time.Second // cassandra.timeout of the frontends
	faultWorkers  = 4
	faultKeys     = 12 // keys per worker
	faultAttempts = 5  // tries per request, like an SDK's retries
)

func faultRing(t *testing.T) []string {
	t.Helper()
	env := os.Getenv("AMPHORA_FAULT_RING")
	if env == "" {
		t.Skip("fault suite: set AMPHORA_FAULT_RING to a three-node ring's hosts (make fault)")
	}
	if testing.Short() {
		t.Skip("fault suite: skipped with -short")
	}
	var hosts []string
	for _, h := range strings.Split(env, ",") {
		if h = strings.TrimSpace(h); h != "" {
			hosts = append(hosts, h)
		}
	}
	if len(hosts) != 3 {
		t.Fatalf("AMPHORA_FAULT_RING = %q: want three hosts", env)
	}
	return hosts
}

func TestFaults(t *testing.T) {
	hosts := faultRing(t)
	// One keyspace and one pair of frontends for every fault: schema
	// changes right after a node restart can fail while the ring's schema
	// versions disagree, and each fault's check covers the earlier
	// faults' buckets again.
	suite := newFaultSuite(t, hosts)
	t.Run("NodeKill", func(t *testing.T) {
		suite.run(t, "node-kill", func(t *testing.T, f *faultEnv) {
			pid := ringPid(t, 2)
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				t.Fatalf("SIGKILL node 2 (pid %d): %v", pid, err)
			}
			t.Logf("node 2 (pid %d) SIGKILLed", pid)
			time.Sleep(5 * time.Second)
			ringRestart(t, 2)
			awaitSchema(t, hosts)
		})
	})
	t.Run("NodePause", func(t *testing.T) {
		suite.run(t, "node-pause", func(t *testing.T, f *faultEnv) {
			pid := ringPid(t, 3)
			if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
				t.Fatalf("SIGSTOP node 3 (pid %d): %v", pid, err)
			}
			t.Cleanup(func() { syscall.Kill(pid, syscall.SIGCONT) })
			pause := 3 * faultTimeout
			t.Logf("node 3 (pid %d) SIGSTOPped for %s (query timeout %s)", pid, pause, faultTimeout)
			time.Sleep(pause)
			if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
				t.Fatalf("SIGCONT node 3: %v", err)
			}
		})
	})
	t.Run("FrontendKill", func(t *testing.T) {
		suite.run(t, "frontend-kill", func(t *testing.T, f *faultEnv) {
			s := f.fronts[0]
			ctx := testContext(t, 2*time.Minute)
			c := s.minioClient(t, tenantA, minioOpts{})
			core := minio.Core{Client: c}
			// A multipart upload with one part stored and the next in flight.
			const mpKey = "killed/multipart"
			id, err := core.NewMultipartUpload(ctx, f.bucket, mpKey, minio.PutObjectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := core.PutObjectPart(ctx, f.bucket, mpKey, id, 1, payload(7001, 5<<20), 5<<20, minio.PutObjectPartOptions{}); err != nil {
				t.Fatal(err)
			}
			pr, pw := io.Pipe()
			partDone := make(chan error, 1)
			go func() {
				_, err := core.PutObjectPart(ctx, f.bucket, mpKey, id, 2, pr, 5<<20, minio.PutObjectPartOptions{})
				partDone <- err
			}()
			go func() { io.CopyN(pw, payload(7002, 5<<20), 2<<20) }()
			// A single PUT with part of its body sent.
			const putKey = "killed/put"
			put := startRawPut(t, s, tenantA, f.bucket, putKey, 7003, 4<<20)
			put.send(t, 2<<20)
			f.led.set(putKey, objState{absent: true})
			f.led.set(mpKey, objState{absent: true})
			time.Sleep(time.Second)
			pid := s.Pid()
			s.Kill()
			t.Logf("frontend %s (pid %d) SIGKILLed mid-PUT and mid-multipart", s.Addr, pid)
			pw.CloseWithError(errors.New("frontend killed"))
			put.conn.Close()
			if err := <-partDone; err == nil {
				t.Errorf("part 2 in flight on the killed frontend succeeded")
			}
			time.Sleep(2 * time.Second)
			if err := s.Restart(); err != nil {
				t.Fatalf("restart frontend: %v", err)
			}
		})
	})
}

// objState is one possible state of a key: absent, or content with its
// SHA-256, size and block rows.
type objState struct {
	absent bool
	sha    string
	size   int64
	blocks int64
}

func (s objState) String() string {
	if s.absent {
		return "absent"
	}
	return fmt.Sprintf("%d bytes sha256 %.12s", s.size, s.sha)
}

// ledger holds, per key, the states it may be in: one after an
// acknowledged write, more after writes that failed (the write may or may
// not have happened, but never partly).
type ledger struct {
	mu   sync.Mutex
	keys map[string][]objState
}

func (l *ledger) set(key string, s objState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.keys[key] = []objState{s}
}

func (l *ledger) maybe(key string, s objState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cur, ok := l.keys[key]
	if !ok {
		cur = []objState{{absent: true}}
	}
	l.keys[key] = append(cur, s)
}

func (l *ledger) get(key string) []objState {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c, ok := l.keys[key]; ok {
		return append([]objState(nil), c...)
	}
	return []objState{{absent: true}}
}

// definite is the one state of an acknowledged key, ok false otherwise.
func (l *ledger) definite(key string) (objState, bool) {
	c := l.get(key)
	return c[0], len(c) == 1
}

// faultSuite is the frontends on the suite's keyspace and every fault's
// bucket and ledger so far.
type faultSuite struct {
	hosts   []string
	ks      string
	o       serverOptions
	fronts  [2]*server
	clients [2]*minio.Client
	done    []*faultEnv
}

func newFaultSuite(t *testing.T, hosts []string) *faultSuite {
	bin := amphoraBinary(t)
	su := &faultSuite{hosts: hosts, ks: testcassandra.Keyspace(t, hosts)}
	o := gcOptions()
	o.GCGrace = 10 * time.Second
	o.Metrics, o.Console = false, false
	o.ReplicationFactor, o.Consistency, o.CassandraTimeout = 3, "LOCAL_QUORUM", faultTimeout
	su.o = o
	for i := range su.fronts {
		s, err := startServer(bin, hosts, su.ks, o, t.TempDir())
		if err != nil {
			t.Fatalf("frontend %d: %v", i+1, err)
		}
		t.Cleanup(func() {
			if err := s.Stop(); err != nil {
				t.Errorf("stop frontend %d: %v", i+1, err)
			}
		})
		su.fronts[i] = s
		su.clients[i] = s.minioClient(t, tenantA, minioOpts{})
	}
	return su
}

// faultEnv is one fault's bucket, ledger and counters.
type faultEnv struct {
	*faultSuite
	bucket string
	block  int64
	led    *ledger
	phase  atomic.Int32 // 0 before the fault, 1 during, 2 after
	stats  [3]struct{ ops, opFails, attempts, attemptErrs, slow, maxNanos atomic.Int64 }
	bad    atomic.Int64 // reads that matched no possible state
	errMu  sync.Mutex
	errs   [3][]string // the first few request errors of each phase
}

var phaseNames = [3]string{"before the fault", "during the fault", "after the fault"}

// run puts the suite's load on a bucket of the fault's own, injects the
// fault five seconds in, and checks every bucket so far afterwards.
func (su *faultSuite) run(t *testing.T, bucket string, fault func(*testing.T, *faultEnv)) {
	for _, s := range su.fronts {
		s.showLogOnFailure(t)
	}
	f := &faultEnv{faultSuite: su, bucket: bucket, block: su.o.BlockSize, led: &ledger{keys: map[string][]objState{}}}
	ctx := testContext(t, 10*time.Minute)
	// Not makeBucket: later faults check this bucket again.
	if err := f.clients[0].MakeBucket(ctx, f.bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("MakeBucket(%s): %v", f.bucket, err)
	}
	su.done = append(su.done, f)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range faultWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.work(t, ctx, w, stop)
		}()
	}
	start := time.Now()
	time.Sleep(5 * time.Second)
	f.phase.Store(1)
	faultStart := time.Now()
	fault(t, f)
	faultDur := time.Since(faultStart)
	f.phase.Store(2)
	time.Sleep(max(5*time.Second, 25*time.Second-time.Since(start)))
	close(stop)
	wg.Wait()
	t.Logf("load ran %s; fault lasted %s", time.Since(start).Round(time.Second), faultDur.Round(100*time.Millisecond))
	for p := range f.stats {
		st := &f.stats[p]
		ops, fails, att, attErr := st.ops.Load(), st.opFails.Load(), st.attempts.Load(), st.attemptErrs.Load()
		t.Logf("%s: %d operations, %d failed after %d tries (%.2f%%); %d requests, %d answered with an error or no answer (%.2f%%)",
			phaseNames[p], ops, fails, faultAttempts, pct(fails, ops), att, attErr, pct(attErr, att))
		t.Logf("  %d operations took over 2s; the slowest %s", st.slow.Load(), time.Duration(st.maxNanos.Load()).Round(time.Millisecond))
		if len(f.errs[p]) > 0 {
			t.Logf("  first errors: %q", f.errs[p])
		}
	}
	if n := f.bad.Load(); n > 0 {
		t.Errorf("%d reads during the load matched no acknowledged or attempted state", n)
	}
	var want int64
	for _, e := range su.done {
		want += e.verify(t, ctx)
	}
	su.checkBlocks(t, ctx, want)
}

func pct(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// try runs op up to faultAttempts times (counted in the phase it started
// in), switching frontends between tries
// (as a load balancer would) and backing off, while the error is a
// connection error or a 5xx; it counts requests and errors.
func (f *faultEnv) try(ctx context.Context, first int, op func(c *minio.Client) error) error {
	st := &f.stats[f.phase.Load()]
	st.ops.Add(1)
	started := time.Now()
	defer func() {
		d := int64(time.Since(started))
		if d > int64(2*time.Second) {
			st.slow.Add(1)
		}
		for m := st.maxNanos.Load(); d > m && !st.maxNanos.CompareAndSwap(m, d); m = st.maxNanos.Load() {
		}
	}()
	var err error
	for i := range faultAttempts {
		st.attempts.Add(1)
		if err = op(f.clients[(first+i)%2]); err == nil {
			return nil
		}
		st.attemptErrs.Add(1)
		f.errMu.Lock()
		if p := f.phase.Load(); len(f.errs[p]) < 4 {
			f.errs[p] = append(f.errs[p], err.Error())
		}
		f.errMu.Unlock()
		if code := minio.ToErrorResponse(err).StatusCode; code >= 400 && code < 500 {
			break
		}
		time.Sleep(time.Duration(200<<i) * time.Millisecond)
	}
	st.opFails.Add(1)
	return err
}

// blocksOf is how many block rows a single PUT or a copy of size bytes
// stores: none when the object is kept inline in its version row.
func (f *faultEnv) blocksOf(size int64) int64 {
	if size <= cassandra.DefaultInlineSize {
		return 0
	}
	return blocksFor(size, f.block)
}

func (f *faultEnv) content(seed uint64, sizes ...int64) objState {
	h := sha256.New()
	var n, blocks int64
	for i, sz := range sizes {
		m, _ := io.Copy(h, payload(seed+uint64(i), sz))
		n += m
		blocks += blocksFor(sz, f.block)
	}
	if len(sizes) == 1 {
		blocks = f.blocksOf(n)
	}
	return objState{sha: hex.EncodeToString(h.Sum(nil)), size: n, blocks: blocks}
}

// work is one client's loop over keys of its own, so its ledger entries
// change only in the order it made them.
func (f *faultEnv) work(t *testing.T, ctx context.Context, w int, stop <-chan struct{}) {
	rng := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
	seed := uint64(w+1) << 32
	key := func(i int) string { return fmt.Sprintf("w%d/k%02d", w, i) }
	for {
		select {
		case <-stop:
			return
		default:
		}
		k := key(rng.IntN(faultKeys))
		fr := rng.IntN(2)
		seed += 4
		r := rng.IntN(100)
		switch {
		case r < 32: // PUT small (<= 64 KiB) or multi-block
			size := 1 + rng.Int64N(64<<10)
			if r >= 20 {
				size = 3*f.block + rng.Int64N(f.block)
			}
			want := f.content(seed, size)
			err := f.try(ctx, fr, func(c *minio.Client) error {
				_, err := c.PutObject(ctx, f.bucket, k, payload(seed, size), size, minio.PutObjectOptions{DisableMultipart: true})
				return err
			})
			f.record(k, want, err)
		case r < 40: // multipart: 5 MiB and a small last part
			if rng.IntN(3) == 0 { // not every time: it is the heaviest
				last := 8<<10 + rng.Int64N(300<<10) // above the inline size either way
				want := f.content(seed, 5<<20, last)
				f.record(k, want, f.multipart(ctx, fr, k, seed, last))
			}
		case r < 65: // GET
			f.check(t, ctx, fr, k)
		case r < 72: // LIST
			f.try(ctx, fr, func(c *minio.Client) error {
				for o := range c.ListObjects(ctx, f.bucket, minio.ListObjectsOptions{Prefix: fmt.Sprintf("w%d/", w), Recursive: true}) {
					if o.Err != nil {
						return o.Err
					}
				}
				return nil
			})
		case r < 82: // DELETE
			err := f.try(ctx, fr, func(c *minio.Client) error {
				return c.RemoveObject(ctx, f.bucket, k, minio.RemoveObjectOptions{})
			})
			f.record(k, objState{absent: true}, err)
		default: // copy from another acknowledged key of this worker
			src := key(rng.IntN(faultKeys))
			st, ok := f.led.definite(src)
			if !ok || st.absent || src == k {
				continue
			}
			want := st
			want.blocks = f.blocksOf(st.size)
			err := f.try(ctx, fr, func(c *minio.Client) error {
				_, err := c.CopyObject(ctx, minio.CopyDestOptions{Bucket: f.bucket, Object: k}, minio.CopySrcOptions{Bucket: f.bucket, Object: src})
				return err
			})
			f.record(k, want, err)
		}
	}
}

func (f *faultEnv) record(k string, s objState, err error) {
	if err == nil {
		f.led.set(k, s)
	} else {
		f.led.maybe(k, s)
	}
}

func (f *faultEnv) multipart(ctx context.Context, fr int, k string, seed uint64, last int64) error {
	var id string
	err := f.try(ctx, fr, func(c *minio.Client) (err error) {
		id, err = minio.Core{Client: c}.NewMultipartUpload(ctx, f.bucket, k, minio.PutObjectOptions{})
		return err
	})
	if err != nil {
		return err
	}
	var parts []minio.CompletePart
	for i, sz := range []int64{5 << 20, last} {
		var p minio.ObjectPart
		err := f.try(ctx, fr, func(c *minio.Client) (err error) {
			p, err = minio.Core{Client: c}.PutObjectPart(ctx, f.bucket, k, id, i+1, payload(seed+uint64(i), sz), sz, minio.PutObjectPartOptions{})
			return err
		})
		if err != nil {
			return err
		}
		parts = append(parts, minio.CompletePart{PartNumber: i + 1, ETag: p.ETag})
	}
	return f.try(ctx, fr, func(c *minio.Client) error {
		_, err := minio.Core{Client: c}.CompleteMultipartUpload(ctx, f.bucket, k, id, parts, minio.PutObjectOptions{})
		return err
	})
}

// read returns the state a GET of k through frontend i shows.
func (f *faultEnv) read(ctx context.Context, c *minio.Client, k string) (objState, error) {
	obj, err := c.GetObject(ctx, f.bucket, k, minio.GetObjectOptions{})
	if err != nil {
		return objState{}, err
	}
	defer obj.Close()
	h := sha256.New()
	n, err := io.Copy(h, obj)
	if err != nil {
		if er := minio.ToErrorResponse(err); er.Code == "NoSuchKey" {
			return objState{absent: true}, nil
		}
		return objState{}, err
	}
	return objState{sha: hex.EncodeToString(h.Sum(nil)), size: n}, nil
}

// match is the candidate s is, or false.
func match(cands []objState, s objState) (objState, bool) {
	for _, c := range cands {
		if c.absent == s.absent && (c.absent || c.sha == s.sha && c.size == s.size) {
			return c, true
		}
	}
	return objState{}, false
}

func (f *faultEnv) check(t *testing.T, ctx context.Context, fr int, k string) {
	before := f.led.get(k)
	var got objState
	if err := f.try(ctx, fr, func(c *minio.Client) (err error) { got, err = f.read(ctx, c, k); return err }); err != nil {
		return
	}
	after := f.led.get(k) // the worker is this key's only writer: no change in between
	if _, ok := match(append(before, after...), got); !ok {
		f.bad.Add(1)
		t.Errorf("GET %s during the load = %v; possible states %v", k, got, before)
	}
}

// verify checks every key through both frontends, the listings, and
// after gc that the block rows are exactly the live objects'.
func (f *faultEnv) verify(t *testing.T, ctx context.Context) int64 {
	f.led.mu.Lock()
	keys := make([]string, 0, len(f.led.keys))
	for k := range f.led.keys {
		keys = append(keys, k)
	}
	f.led.mu.Unlock()
	var acked, uncertain, lost int
	final := map[string]objState{}
	for _, k := range keys {
		cands := f.led.get(k)
		if len(cands) == 1 {
			acked++
		} else {
			uncertain++
		}
		for i, c := range f.clients {
			var got objState
			var err error
			for range faultAttempts { // the ring has recovered; retry only a transient error
				if got, err = f.read(ctx, c, k); err == nil || minio.ToErrorResponse(err).StatusCode/100 == 4 {
					break
				}
				time.Sleep(time.Second)
			}
			if err != nil {
				t.Errorf("GET %s through frontend %d: %v", k, i+1, err)
				continue
			}
			m, ok := match(cands, got)
			if !ok {
				if len(cands) == 1 {
					lost++
					t.Errorf("ACKNOWLEDGED WRITE LOST: %s through frontend %d = %v, acknowledged %v", k, i+1, got, cands[0])
				} else {
					t.Errorf("%s through frontend %d = %v (partial?), possible states %v", k, i+1, got, cands)
				}
				continue
			}
			if prev, seen := final[k]; seen && prev != m {
				t.Errorf("%s: frontend 1 shows %v, frontend 2 %v", k, prev, m)
			}
			final[k] = m
		}
	}
	t.Logf("bucket %s: verified %d keys through both frontends: %d acknowledged, %d with an unacknowledged last write; %d acknowledged writes lost", f.bucket, len(keys), acked, uncertain, lost)
	if lost > 0 {
		t.Errorf("%d acknowledged writes lost", lost)
	}

	// Listings agree with what the reads found.
	for i, c := range f.clients {
		listed := map[string]bool{}
		for obj := range c.ListObjects(ctx, f.bucket, minio.ListObjectsOptions{Recursive: true}) {
			if obj.Err != nil {
				t.Fatalf("list through frontend %d: %v", i+1, obj.Err)
			}
			listed[obj.Key] = true
			if s, ok := final[obj.Key]; !ok || s.absent || s.size != obj.Size {
				t.Errorf("frontend %d lists %s (%d bytes), reads found %v", i+1, obj.Key, obj.Size, s)
			}
		}
		for k, s := range final {
			if !s.absent && !listed[k] {
				t.Errorf("frontend %d does not list %s (%v)", i+1, k, s)
			}
		}
	}

	// Uploads left open by failed or killed requests are aborted (their
	// parts are garbage then).
	for u := range f.clients[0].ListIncompleteUploads(ctx, f.bucket, "", true) {
		if u.Err != nil {
			t.Fatalf("list uploads: %v", u.Err)
		}
		if err := f.clients[0].RemoveIncompleteUpload(ctx, f.bucket, u.Key); err != nil {
			t.Errorf("abort upload of %s: %v", u.Key, err)
		}
	}
	var want int64
	for _, s := range final {
		if !s.absent {
			want += s.blocks
		}
	}
	return want
}

// checkBlocks runs gc after the grace and checks that exactly the live
// objects' want block rows are left: none orphaned, none lost.
func (su *faultSuite) checkBlocks(t *testing.T, ctx context.Context, want int64) {
	db := quorumSession(t, su.hosts, su.ks)
	before := countBlocks(t, db)
	time.Sleep(su.o.GCGrace + time.Second)
	n := before
	for i := range 3 {
		out := su.fronts[0].GC(t)
		n = countBlocks(t, db)
		t.Logf("gc run %d: %d block rows (%d before), live objects need %d: %s", i+1, n, before, want, out)
		if n == want {
			break
		}
		time.Sleep(su.o.GCGrace)
	}
	if n != want {
		t.Errorf("after gc, %d block rows; the live objects need exactly %d (%d orphaned)", n, want, n-want)
	}
}

// awaitSchema waits until the ring's nodes agree on the schema again.
func awaitSchema(t *testing.T, hosts []string) {
	t.Helper()
	c := gocql.NewCluster(hosts...)
	c.Timeout = 30 * time.Second
	c.ConnectTimeout = 10 * time.Second
	c.MaxWaitSchemaAgreement = 2 * time.Minute
	sess, err := c.CreateSession()
	if err != nil {
		t.Fatalf("cql session: %v", err)
	}
	defer sess.Close()
	started := time.Now()
	if err := sess.AwaitSchemaAgreement(context.Background()); err != nil {
		t.Errorf("schema agreement after the restart: %v", err)
	}
	t.Logf("schema agreement after %s", time.Since(started).Round(100*time.Millisecond))
}

// quorumSession reads the keyspace at QUORUM, so that a node that missed
// writes or deletes while down does not skew a count.
func quorumSession(t *testing.T, hosts []string, ks string) *gocql.Session {
	t.Helper()
	c := gocql.NewCluster(hosts...)
	c.Keyspace = ks
	c.Consistency = gocql.Quorum
	c.Timeout = 30 * time.Second
	c.ConnectTimeout = 10 * time.Second
	sess, err := c.CreateSession()
	if err != nil {
		t.Fatalf("cql session on %s: %v", ks, err)
	}
	t.Cleanup(sess.Close)
	return sess
}

// ringDir is node n's folder under the ring's CASSANDRA_HOME_DIR.
func ringDir(t *testing.T, n int) string {
	home := os.Getenv("CASSANDRA_HOME_DIR")
	if home == "" {
		t.Fatal("CASSANDRA_HOME_DIR must name the fault ring's folder (make fault sets it)")
	}
	return filepath.Join(home, fmt.Sprintf("node%d", n))
}

// ringPid is node n's pid, from the pid file scripts/cassandra.sh writes.
func ringPid(t *testing.T, n int) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(ringDir(t, n), "cassandra.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		t.Fatalf("pid file of node %d: %q", n, b)
	}
	// Never signal anything but the ring's own node.
	if cmd, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err != nil || !bytes.Contains(cmd, []byte(ringDir(t, n))) {
		t.Fatalf("pid %d is not node %d of the fault ring (%v)", pid, n, err)
	}
	return pid
}

// ringRestart starts node n again with the project's script.
func ringRestart(t *testing.T, n int) {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	cmd := exec.Command("bash", filepath.Join(root, "scripts", "cassandra.sh"), "start")
	cmd.Env = append(os.Environ(), "CASSANDRA_NODES=3", "CASSANDRA_NODE="+strconv.Itoa(n))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("restart node %d: %v\n%s", n, err, out)
	}
	t.Logf("node %d restarted in %s: %s", n, time.Since(started).Round(100*time.Millisecond), bytes.TrimSpace(out))
}
