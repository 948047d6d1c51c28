package integration

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/amphora-s3/amphora/cassandra"
	"github.com/amphora-s3/amphora/internal/testcassandra"
)

// The fault suite's frontends and load: four clients on keys of their
// own, each request retried through the other frontend on a 5xx or a
// connection error, every outcome counted per phase.

// faultSuite is the frontends on the suite's keyspace and every fault's
// bucket and ledger so far.
type faultSuite struct {
	hosts   []string
	ks      string
	o       serverOptions
	fronts  [2]*server
	clients [2]*minio.Client
	done    []*faultEnv
	// load is how long each fault's load runs, the fault five seconds in.
	load time.Duration
}

func newFaultSuite(t *testing.T, hosts []string, load time.Duration) *faultSuite {
	bin := amphoraBinary(t)
	su := &faultSuite{hosts: hosts, ks: testcassandra.Keyspace(t, hosts), load: load}
	o := gcOptions()
	o.GCGrace = 10 * time.Second
	o.Metrics, o.Console = false, false
	o.ReplicationFactor, o.Consistency, o.CassandraTimeout = 3, "LOCAL_QUORUM", faultTimeout
	su.o = o
	// The schema first, with a timeout of its own: the frontends' 3 s is
	// too short for a table creation on a fresh ring under a busy machine.
	schemaApply(t, bin, configTOML("127.0.0.1:0", hosts, su.ks, o))
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
	stats  [3]struct{ ops, opFails, attempts, attemptErrs, slowDown, internal, slow, maxNanos atomic.Int64 }
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
	time.Sleep(max(5*time.Second, su.load-time.Since(start)))
	close(stop)
	wg.Wait()
	t.Logf("load ran %s; fault lasted %s", time.Since(start).Round(time.Second), faultDur.Round(100*time.Millisecond))
	for p := range f.stats {
		st := &f.stats[p]
		ops, fails, att, attErr := st.ops.Load(), st.opFails.Load(), st.attempts.Load(), st.attemptErrs.Load()
		t.Logf("%s: %d operations, %d failed after %d tries (%.2f%%); %d requests, %d answered with an error or no answer (%.2f%%)",
			phaseNames[p], ops, fails, faultAttempts, pct(fails, ops), att, attErr, pct(attErr, att))
		t.Logf("  %d answered 503, %d answered 500; %d operations took over 2s; the slowest %s",
			st.slowDown.Load(), st.internal.Load(), st.slow.Load(), time.Duration(st.maxNanos.Load()).Round(time.Millisecond))
		if n := st.internal.Load(); n > 0 {
			t.Errorf("%s: %d requests answered 500 InternalError: overload and node loss must be 503 SlowDown", phaseNames[p], n)
		}
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
	su.checkBucketCache(t, ctx, bucket+"-cache")
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
		switch code := minio.ToErrorResponse(err).StatusCode; code {
		case 503:
			st.slowDown.Add(1)
		case 500:
			st.internal.Add(1)
		}
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
