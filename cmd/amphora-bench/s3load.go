package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// Cell is one measured operation at one size and concurrency.
type Cell struct {
	Op         string  `json:"op"` // raw-write, raw-read, PUT, GET, HEAD, LIST, DELETE
	Size       int64   `json:"size"`
	SizeLabel  string  `json:"size_label"`
	Conc       int     `json:"concurrency"`
	Ops        int     `json:"ops"`
	Errors     int     `json:"errors"`
	FirstError string  `json:"first_error,omitempty"`
	Bytes      int64   `json:"bytes"`
	Seconds    float64 `json:"seconds"`
	OpsPerSec  float64 `json:"ops_per_s"`
	MBPerSec   float64 `json:"mb_per_s"` // 10^6 bytes per second
	P50Ms      float64 `json:"p50_ms"`
	P99Ms      float64 `json:"p99_ms"`
	// Ratio is Amphora / raw in MB/s (= in ops/s, the sizes being equal):
	// PUT against raw-write, GET against raw-read.
	Ratio float64 `json:"ratio,omitempty"`
}

// opFunc runs operation number i on worker w and returns the bytes moved.
type opFunc func(ctx context.Context, w, i int) (int64, error)

// maxErrors ends a cell early: something is wrong, not slow.
const maxErrors = 20

// measure runs op on conc workers until dur has passed (no op starts
// later; running ops finish) or maxOps ops have started (0: no limit).
// Throughput is over the time from the start to the last op's end.
func measure(ctx context.Context, conc int, dur time.Duration, maxOps int, op opFunc) Cell {
	return measureMin(ctx, conc, dur, 0, maxOps, op)
}

// minRounds is how many ops per worker a matrix cell runs at least: with
// 64 MiB objects one round can outlast the cell's duration, and a cell of
// a single round measures when each worker happened to stall, not a rate.
const minRounds = 3

// maxCell bounds a cell that minRounds stretches.
const maxCell = time.Minute

// measureMin is measure that also keeps starting ops, up to maxCell,
// until minOps have started.
func measureMin(ctx context.Context, conc int, dur time.Duration, minOps, maxOps int, op opFunc) Cell {
	soft := time.Now().Add(dur)
	hard := time.Now().Add(maxCell)
	var started atomic.Int64
	more := func() bool {
		now := time.Now()
		return now.Before(soft) || int(started.Load()) < minOps && now.Before(hard)
	}
	return measureUntil(ctx, conc, more, maxOps, func(ctx context.Context, w, i int) (int64, error) {
		started.Add(1)
		return op(ctx, w, i)
	})
}

// measureUntil runs op on conc workers while more() holds.
func measureUntil(ctx context.Context, conc int, more func() bool, maxOps int, op opFunc) Cell {
	var next, errs atomic.Int64
	var mu sync.Mutex
	var lats []time.Duration
	var bytes int64
	var first error
	var wg sync.WaitGroup
	start := time.Now()
	for w := range conc {
		wg.Go(func() {
			var mine []time.Duration
			var moved int64
			for ctx.Err() == nil && more() && errs.Load() < maxErrors {
				i := int(next.Add(1) - 1)
				if maxOps > 0 && i >= maxOps {
					break
				}
				t := time.Now()
				n, err := op(ctx, w, i)
				if err != nil {
					if errs.Add(1) == 1 {
						mu.Lock()
						first = err
						mu.Unlock()
					}
					continue
				}
				mine = append(mine, time.Since(t))
				moved += n
			}
			mu.Lock()
			lats = append(lats, mine...)
			bytes += moved
			mu.Unlock()
		})
	}
	wg.Wait()
	el := time.Since(start)
	c := Cell{Conc: conc, Ops: len(lats), Errors: int(errs.Load()), Bytes: bytes, Seconds: el.Seconds()}
	if first != nil {
		c.FirstError = first.Error()
	}
	if len(lats) > 0 {
		slices.Sort(lats)
		c.OpsPerSec = float64(len(lats)) / el.Seconds()
		c.MBPerSec = float64(bytes) / 1e6 / el.Seconds()
		c.P50Ms = ms(percentile(lats, 50))
		c.P99Ms = ms(percentile(lats, 99))
	}
	return c
}

// percentile of sorted d, nearest rank.
func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := (len(d)*p + 99) / 100
	return d[max(0, min(len(d)-1, i-1))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// warmOps bounds a warm-up to about 64 MiB of traffic (and to the
// warm-up time): a single op for 64 MiB objects, whatever the concurrency.
func warmOps(size int64) int {
	return int(max(1, min(int64(64<<20)/max(size, 1), 1<<20)))
}

// runMatrix measures every size x concurrency: raw-write, raw-read, then
// PUT, GET, HEAD, LIST and DELETE through HTTP on the objects PUT wrote.
func runMatrix(ctx context.Context, o options, e *env) ([]Cell, error) {
	const bucket = "bench"
	if err := e.s3.createBucket(ctx, bucket); err != nil {
		return nil, fmt.Errorf("create bucket: %w", err)
	}
	if o.versioned {
		if err := e.s3.setVersioning(ctx, bucket); err != nil {
			return nil, fmt.Errorf("enable versioning: %w", err)
		}
	}
	var cells []Cell
	for _, size := range o.sizes {
		for _, conc := range o.concs {
			cs, err := runCellSet(ctx, o, e, bucket, size, conc)
			cells = append(cells, cs...)
			if err != nil {
				return cells, err
			}
		}
	}
	return cells, nil
}

// runCellSet is one size and concurrency: every operation, each with a
// warm-up run first.
func runCellSet(ctx context.Context, o options, e *env, bucket string, size int64, conc int) ([]Cell, error) {
	label := sizeLabel(size)
	prefix := fmt.Sprintf("m/%s/c%d/", label, conc)
	bufs := make([][]byte, conc)
	for i := range bufs {
		bufs[i] = make([]byte, 256<<10)
	}
	var (
		mu     sync.Mutex
		inodes []gocql.UUID
		keys   []string
		seq    atomic.Int64
	)
	rawWrite := func(ctx context.Context, _, _ int) (int64, error) {
		inode, err := e.raw.write(ctx, size)
		if err != nil {
			return 0, err
		}
		mu.Lock()
		inodes = append(inodes, inode)
		mu.Unlock()
		return size, nil
	}
	rawRead := func(ctx context.Context, _, i int) (int64, error) {
		return size, e.raw.read(ctx, inodes[i%len(inodes)], size)
	}
	put := func(ctx context.Context, _, _ int) (int64, error) {
		key := fmt.Sprintf("%s%08d", prefix, seq.Add(1))
		if err := e.s3.put(ctx, bucket, key, size, e.raw.pattern); err != nil {
			return 0, err
		}
		mu.Lock()
		keys = append(keys, key)
		mu.Unlock()
		return size, nil
	}
	get := func(ctx context.Context, w, i int) (int64, error) {
		return size, e.s3.get(ctx, bucket, keys[i%len(keys)], size, bufs[w])
	}
	head := func(ctx context.Context, _, i int) (int64, error) {
		return 0, e.s3.head(ctx, bucket, keys[i%len(keys)], size)
	}
	list := func(ctx context.Context, _, _ int) (int64, error) {
		res, _, err := e.s3.list(ctx, bucket, "max-keys=1000&prefix="+prefix)
		if err == nil && res.KeyCount != min(1000, len(keys)) {
			err = fmt.Errorf("list %s: %d keys, want %d", prefix, res.KeyCount, min(1000, len(keys)))
		}
		return 0, err
	}
	del := func(ctx context.Context, _, i int) (int64, error) {
		return 0, e.s3.delete(ctx, bucket, keys[i])
	}
	// HEAD and LIST are short, stable requests: half the time is plenty.
	// DELETE removes what PUT wrote, once each.
	half := o.duration / 2
	steps := []struct {
		name   string
		op     opFunc
		warm   bool
		needs  *[]string
		dur    time.Duration
		maxOps func() int
	}{
		{"raw-write", rawWrite, true, nil, o.duration, nil},
		{"raw-read", rawRead, true, nil, o.duration, nil},
		{"PUT", put, true, nil, o.duration, nil},
		{"GET", get, true, &keys, o.duration, nil},
		{"HEAD", head, true, &keys, half, nil},
		{"LIST", list, true, &keys, half, nil},
		{"DELETE", del, false, &keys, o.duration, func() int { return len(keys) }},
	}
	var out []Cell
	for _, st := range steps {
		if st.name == "raw-read" && len(inodes) == 0 || st.needs != nil && len(*st.needs) == 0 {
			logf("%-9s %7s c=%-3d skipped: nothing was written", st.name, label, conc)
			continue
		}
		if st.warm && o.warmup > 0 {
			measure(ctx, conc, o.warmup, warmOps(size), st.op)
		}
		maxOps := 0
		if st.maxOps != nil {
			maxOps = st.maxOps()
		}
		var stopProfile func()
		if st.name == "PUT" || st.name == "GET" {
			stopProfile = e.profile(ctx, o, fmt.Sprintf("%s-%s-c%d", st.name, label, conc), st.dur)
		}
		minOps := 0
		if maxOps == 0 {
			minOps = minRounds * conc
		}
		c := measureMin(ctx, conc, st.dur, minOps, maxOps, st.op)
		if stopProfile != nil {
			stopProfile()
		}
		c.Op, c.Size, c.SizeLabel = st.name, size, label
		out = append(out, c)
		logf("%-9s %7s c=%-3d %6d ops %8.1f ops/s %8.1f MB/s p50 %7.1f ms p99 %7.1f ms%s",
			c.Op, label, conc, c.Ops, c.OpsPerSec, c.MBPerSec, c.P50Ms, c.P99Ms, errNote(c))
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
	}
	return out, nil
}

func errNote(c Cell) string {
	if c.Errors == 0 {
		return ""
	}
	return fmt.Sprintf("  %d errors, first: %s", c.Errors, c.FirstError)
}
