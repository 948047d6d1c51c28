package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/cassandra"
	"github.com/amphora-s3/amphora/store"
)

// The listing scale mode (-list-scale N, issue 17 part 5) loads two buckets
// of the same shape, one of -list-scale-small keys and one of N, while the
// server's listing worker splits ranges at -list-split-rows, waits until the
// worker caught up, checks every range's partition is under the bound, and
// measures ListObjectsV2 on both buckets interleaved. Keys, in a cycle of 20:
//
//	9 flat at the root   k00000000, k00000001, ...
//	8 under big/         big/d000/k0000000 ... big/d099/... (100 directories)
//	3 four levels deep   deep/a/b/c/k0000000, ...
//
// Within each part keys grow with the load order (appends: the hardest
// pattern for splits, all of a part's writes land in its last range).
const (
	scaleSmallBucket = "bench-scale-small"
	scaleLargeBucket = "bench-scale-large"
	scaleDeepPrefix  = "deep/a/b/c/"
	scaleCycle       = 20
	scaleFlat        = 9
	scaleBig         = 8
	scaleDeep        = 3
)

// scaleKey is key i of a bucket in the scale layout.
func scaleKey(i int) string {
	c, r := i/scaleCycle, i%scaleCycle
	switch {
	case r < scaleFlat:
		return fmt.Sprintf("k%08d", c*scaleFlat+r)
	case r < scaleFlat+scaleBig:
		j := c*scaleBig + r - scaleFlat
		return fmt.Sprintf("big/d%03d/k%07d", j%bigDirs, j/bigDirs)
	}
	return fmt.Sprintf("%sk%07d", scaleDeepPrefix, c*scaleDeep+r-scaleFlat-scaleBig)
}

// scaleCounts are the keys of each part of an n-key bucket (n a multiple
// of scaleCycle).
func scaleCounts(n int) (flat, big, deep int) {
	c := n / scaleCycle
	return c * scaleFlat, c * scaleBig, c * scaleDeep
}

// ListingScaleResult is the -list-scale part of the report.
type ListingScaleResult struct {
	SplitRows int `json:"split_rows"` // the server's listing_partition_rows
	// SettleSeconds is the listing worker's settle between move steps
	// (listing_map_ttl + 2 x timeout + 1s), IntervalSeconds its period.
	SettleSeconds   float64       `json:"settle_seconds"`
	IntervalSeconds float64       `json:"interval_seconds"`
	LoadConc        int           `json:"load_concurrency"`
	Small           ScaleBucket   `json:"small"`
	Large           ScaleBucket   `json:"large"`
	Progress        []ScaleSample `json:"progress"` // the large bucket's load and catch-up
	// MapChanges are the large bucket's map changes, seen by polling its
	// gen every second through the load and the catch-up: each move step
	// (dual, switch, done) is one, and the time between them is the
	// move's settles and copy. Seconds count from the large load's start.
	MapChanges []ScaleSample `json:"map_changes"`
	// CatchUpSeconds is the wait after the large load until no range
	// moved for a while and every range was counted under the bound;
	// CompactionSeconds the wait for compactions after it.
	CatchUpSeconds    float64     `json:"catch_up_seconds"`
	CompactionSeconds float64     `json:"compaction_settle_seconds"`
	Reps              int         `json:"reps"`
	Cases             []ScaleCase `json:"cases"`
	TargetRatio       float64     `json:"target_ratio"` // large / small p50
}

// ScaleBucket is one bucket of the scale mode.
type ScaleBucket struct {
	Name        string  `json:"name"`
	Keys        int     `json:"keys"`
	Flat        int     `json:"flat_keys"`
	Big         int     `json:"big_keys"`
	Deep        int     `json:"deep_keys"`
	LoadSeconds float64 `json:"load_seconds"`
	LoadPerSec  float64 `json:"load_puts_per_s"`
	Ranges      int     `json:"ranges"`
	// LargestRows and LargestBytes are the largest range's exact count
	// (ListingRanges with counting) after the worker caught up;
	// SmallestRows the smallest; CountSeconds how long counting took.
	LargestRows  int64   `json:"largest_rows"`
	LargestBytes int64   `json:"largest_bytes"`
	SmallestRows int64   `json:"smallest_rows"`
	TotalRows    int64   `json:"total_rows"`
	CountSeconds float64 `json:"count_seconds"`
	UnderBound   bool    `json:"under_bound"`
}

// ScaleSample is one progress line.
type ScaleSample struct {
	Seconds float64 `json:"s"`
	Loaded  int     `json:"loaded"`
	Ranges  int     `json:"ranges"`
	Moving  int     `json:"moving"`
	Gen     int64   `json:"gen"`
}

// ScaleCase is one kind of request on both buckets.
type ScaleCase struct {
	Name         string     `json:"name"`
	Query        string     `json:"query"` // an example
	SmallEntries int        `json:"small_entries"`
	LargeEntries int        `json:"large_entries"`
	Small        ScaleStats `json:"small"`
	Large        ScaleStats `json:"large"`
	RatioP50     float64    `json:"ratio_p50"`
	RatioP99     float64    `json:"ratio_p99"`
	Pass         bool       `json:"pass"` // RatioP50 <= TargetRatio
}

// ScaleStats are one bucket's latencies of a case.
type ScaleStats struct {
	P50Ms float64 `json:"p50_ms"`
	P99Ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`
}

// scaleSettle is the server's ListingSettle default for these options.
func scaleSettle(o options) time.Duration { return time.Second + 2*o.timeout + time.Second }

const scaleInterval = 2 * time.Second

// listScaleStorage are the [storage] lines of the servers in this mode.
func listScaleStorage(o options) string {
	return fmt.Sprintf("listing_partition_rows = %d\nlisting_worker = true\nlisting_interval = %q\n", o.listSplitRows, scaleInterval.String())
}

func runListingScale(ctx context.Context, o options, e *env) (*ListingScaleResult, error) {
	res := &ListingScaleResult{
		SplitRows: o.listSplitRows, SettleSeconds: scaleSettle(o).Seconds(), IntervalSeconds: scaleInterval.Seconds(),
		LoadConc: o.loadConc, Reps: o.listReps, TargetRatio: 1.2,
	}
	st, err := cassandra.Open(ctx, cassandra.Config{
		Hosts: o.hosts, Keyspace: o.keyspace, Consistency: o.consistency, SerialConsistency: o.serial,
		ConnectTimeout: o.timeout, Timeout: o.timeout, BlockSize: int(o.blockSize), BlocksInFlight: o.blocksInFlight,
		InlineSize: o.storeInlineSize(), Connections: o.conns, ProtocolVersion: o.proto,
		ListingPartRows: o.listSplitRows, Logger: zerolog.Nop(),
	})
	if err != nil {
		return nil, fmt.Errorf("store loader: %w", err)
	}
	defer st.Close()
	for _, b := range []string{scaleSmallBucket, scaleLargeBucket} {
		if err := e.s3.createBucket(ctx, b); err != nil {
			return nil, err
		}
	}
	start := time.Now()
	sample := func(b string, loaded int) (ScaleSample, error) {
		rs, gen, err := st.ListingRanges(ctx, b, false)
		s := ScaleSample{Seconds: time.Since(start).Seconds(), Loaded: loaded, Ranges: len(rs), Gen: gen}
		for _, r := range rs {
			if r.Moving {
				s.Moving++
			}
		}
		return s, err
	}
	var stopWatch func() []ScaleSample // the large bucket's map watch
	for _, bk := range []struct {
		b    *ScaleBucket
		name string
		n    int
	}{{&res.Small, scaleSmallBucket, o.listScaleSmall}, {&res.Large, scaleLargeBucket, o.listScale}} {
		bk.b.Name, bk.b.Keys = bk.name, bk.n
		bk.b.Flat, bk.b.Big, bk.b.Deep = scaleCounts(bk.n)
		if bk.name == scaleLargeBucket {
			stopWatch = watchMap(ctx, st, bk.name)
			defer stopWatch()
		}
		if err := scaleLoad(ctx, o, st, bk.b, func(loaded int) {
			s, err := sample(bk.name, loaded)
			if err != nil {
				logf("list-scale: ranges of %s: %v", bk.name, err)
				return
			}
			if bk.name == scaleLargeBucket {
				res.Progress = append(res.Progress, s)
			}
			logf("list-scale: %s %d/%d loaded (%.0f PUT/s), %d ranges, %d moving, gen %d",
				bk.name, loaded, bk.n, float64(loaded)/max(time.Since(start).Seconds(), 1e-3), s.Ranges, s.Moving, s.Gen)
		}); err != nil {
			return nil, err
		}
		start = time.Now() // the large bucket's samples count from its own start
	}
	// Wait for the worker: no range moving and the map unchanged for two
	// settles and a few passes, then every range counted under the bound.
	catch := time.Now()
	stable := 2*scaleSettle(o) + 3*scaleInterval + 5*time.Second
	deadline := catch.Add(o.listScaleWait)
	var lastGen int64 = -1
	lastChange, lastLog := time.Now(), time.Time{}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s, err := sample(scaleLargeBucket, o.listScale)
		if err != nil {
			return nil, err
		}
		if s.Gen != lastGen || s.Moving > 0 {
			lastGen, lastChange = s.Gen, time.Now()
		}
		if time.Since(lastLog) >= 15*time.Second {
			lastLog = time.Now()
			res.Progress = append(res.Progress, s)
			logf("list-scale: catching up: %d ranges, %d moving, gen %d, unchanged for %.0f s", s.Ranges, s.Moving, s.Gen, time.Since(lastChange).Seconds())
		}
		timedOut := time.Now().After(deadline)
		if time.Since(lastChange) >= stable || timedOut {
			if err := scaleCount(ctx, o, st, &res.Large); err != nil {
				return nil, err
			}
			if res.Large.UnderBound {
				break
			}
			if timedOut {
				res.CatchUpSeconds = time.Since(catch).Seconds()
				return res, fmt.Errorf("list-scale: after %.0f s the largest range of %s holds %d rows, over the bound %d",
					res.CatchUpSeconds, scaleLargeBucket, res.Large.LargestRows, o.listSplitRows)
			}
			lastChange = time.Now() // the worker has more to do: wait again
		}
		time.Sleep(5 * time.Second)
	}
	res.CatchUpSeconds = time.Since(catch).Seconds()
	res.MapChanges = stopWatch()
	if err := scaleCount(ctx, o, st, &res.Small); err != nil {
		return nil, err
	}
	logf("list-scale: caught up after %.0f s: %s has %d ranges, largest %d rows (%d bytes), smallest %d; %s has %d",
		res.CatchUpSeconds, scaleLargeBucket, res.Large.Ranges, res.Large.LargestRows, res.Large.LargestBytes, res.Large.SmallestRows,
		scaleSmallBucket, res.Small.Ranges)
	res.CompactionSeconds = e.raw.settle(ctx, 3*time.Minute).Seconds()
	logf("list-scale: compactions settled after %.0f s", res.CompactionSeconds)
	if err := scaleMeasure(ctx, o, e, res); err != nil {
		return res, err
	}
	return res, nil
}

// watchMap polls bucket's map every second and logs each change of its
// gen; stop ends the polling (at its first call) and returns the changes
// seen, their Seconds counted from the call (Loaded left 0).
func watchMap(ctx context.Context, st *cassandra.Store, bucket string) (stop func() []ScaleSample) {
	ctx, cancel := context.WithCancel(ctx)
	start := time.Now()
	done := make(chan []ScaleSample, 1)
	go func() {
		var changes []ScaleSample
		last := int64(-1)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			rs, gen, err := st.ListingRanges(ctx, bucket, false)
			if err == nil && gen != last {
				c := ScaleSample{Seconds: time.Since(start).Seconds(), Ranges: len(rs), Gen: gen}
				for _, r := range rs {
					if r.Moving {
						c.Moving++
					}
				}
				since := 0.0
				if n := len(changes); n > 0 {
					since = c.Seconds - changes[n-1].Seconds
				}
				logf("list-scale: map of %s at gen %d after %.0f s (%.0f s after the last change): %d ranges, %d moving",
					bucket, gen, c.Seconds, since, c.Ranges, c.Moving)
				changes, last = append(changes, c), gen
			}
			select {
			case <-ctx.Done():
				done <- changes
				return
			case <-t.C:
			}
		}
	}()
	return sync.OnceValue(func() []ScaleSample {
		cancel()
		return <-done
	})
}

// scaleLoad PUTs bucket b's keys, empty, through st at o.loadConc,
// calling progress every 15 s.
func scaleLoad(ctx context.Context, o options, st *cassandra.Store, b *ScaleBucket, progress func(loaded int)) error {
	logf("list-scale: loading %d empty objects into %s (%d flat, %d under big/, %d under %s) at concurrency %d",
		b.Keys, b.Name, b.Flat, b.Big, b.Deep, scaleDeepPrefix, o.loadConc)
	start := time.Now()
	var count atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(15 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				progress(int(count.Load()))
			}
		}
	})
	c := measure(ctx, o.loadConc, 24*time.Hour, b.Keys, func(ctx context.Context, _, i int) (int64, error) {
		_, err := st.PutObject(ctx, store.PutInput{Bucket: b.Name, Key: scaleKey(i), Owner: benchTenant, Size: 0, Body: http.NoBody})
		count.Add(1)
		return 0, err
	})
	close(stop)
	wg.Wait()
	if c.Errors > 0 || c.Ops != b.Keys {
		return fmt.Errorf("list-scale load of %s: %d of %d PUTs done, %d errors, first: %s", b.Name, c.Ops, b.Keys, c.Errors, c.FirstError)
	}
	b.LoadSeconds = time.Since(start).Seconds()
	b.LoadPerSec = float64(b.Keys) / b.LoadSeconds
	logf("list-scale: loaded %s: %d keys in %.1f s (%.0f PUT/s)", b.Name, b.Keys, b.LoadSeconds, b.LoadPerSec)
	progress(b.Keys)
	return nil
}

// scaleCount counts every range of b exactly and records the largest.
func scaleCount(ctx context.Context, o options, st *cassandra.Store, b *ScaleBucket) error {
	t := time.Now()
	rs, _, err := st.ListingRanges(ctx, b.Name, true)
	if err != nil {
		return err
	}
	b.CountSeconds = time.Since(t).Seconds()
	b.Ranges, b.LargestRows, b.LargestBytes, b.SmallestRows, b.TotalRows = len(rs), 0, 0, -1, 0
	b.UnderBound = true
	for _, r := range rs {
		b.TotalRows += r.Rows
		b.LargestRows = max(b.LargestRows, r.Rows)
		b.LargestBytes = max(b.LargestBytes, r.Bytes)
		if b.SmallestRows < 0 || r.Rows < b.SmallestRows {
			b.SmallestRows = r.Rows
		}
		if r.Rows > int64(o.listSplitRows) || r.Moving {
			b.UnderBound = false
		}
	}
	logf("list-scale: counted %s in %.1f s: %d ranges, %d rows, largest %d rows (%d bytes), smallest %d, all under %d: %t",
		b.Name, b.CountSeconds, b.Ranges, b.TotalRows, b.LargestRows, b.LargestBytes, b.SmallestRows, o.listSplitRows, b.UnderBound)
	if b.TotalRows != int64(b.Keys) {
		return fmt.Errorf("list-scale: %s has %d listing rows, want %d", b.Name, b.TotalRows, b.Keys)
	}
	return nil
}

// scaleMeasure runs every case on both buckets, interleaved (small,
// large, large, small, ...) so that drift hits both alike.
func scaleMeasure(ctx context.Context, o options, e *env, res *ListingScaleResult) error {
	type bucketCase struct {
		b     *ScaleBucket
		query func() string
		want  int
	}
	type scaleCaseDef struct {
		name string
		mk   func(b *ScaleBucket) bucketCase
	}
	randomFlat := func(b *ScaleBucket) string { return fmt.Sprintf("start-after=k%08d", rand.IntN(b.Flat-1000)) }
	cases := []scaleCaseDef{
		{"page of 1000, no delimiter", func(b *ScaleBucket) bucketCase {
			return bucketCase{b, func() string { return "max-keys=1000&" + randomFlat(b) }, 1000}
		}},
		{"page of 1000, delimiter /", func(b *ScaleBucket) bucketCase {
			return bucketCase{b, func() string { return "max-keys=1000&delimiter=%2F&" + randomFlat(b) }, 1000}
		}},
		{"root, delimiter / (skips big/ and deep/)", func(b *ScaleBucket) bucketCase {
			return bucketCase{b, func() string { return "max-keys=1000&delimiter=%2F" }, 1000}
		}},
		{"prefix big/, delimiter / (100 prefixes)", func(b *ScaleBucket) bucketCase {
			return bucketCase{b, func() string { return "max-keys=1000&delimiter=%2F&prefix=big%2F" }, bigDirs}
		}},
		{"prefix big/dNNN/, no delimiter", func(b *ScaleBucket) bucketCase {
			return bucketCase{b, func() string { return fmt.Sprintf("max-keys=1000&prefix=big%%2Fd%03d%%2F", rand.IntN(bigDirs)) }, min(1000, b.Big/bigDirs)}
		}},
		{"prefix deep/a/b/c/, page of 1000", func(b *ScaleBucket) bucketCase {
			return bucketCase{b, func() string {
				return fmt.Sprintf("max-keys=1000&prefix=deep%%2Fa%%2Fb%%2Fc%%2F&start-after=deep%%2Fa%%2Fb%%2Fc%%2Fk%07d", rand.IntN(b.Deep-1000))
			}, 1000}
		}},
	}
	for _, c := range cases {
		sides := []bucketCase{c.mk(&res.Small), c.mk(&res.Large)}
		lats := make([][]time.Duration, 2)
		one := func(side int) error {
			bc := sides[side]
			q := bc.query()
			r, took, err := e.s3.list(ctx, bc.b.Name, q)
			if err != nil {
				return fmt.Errorf("listing %q of %s: %w", c.name, bc.b.Name, err)
			}
			if n := len(r.Contents) + len(r.CommonPrefixes); n != bc.want {
				return fmt.Errorf("listing %q of %s (%s): %d entries, want %d", c.name, bc.b.Name, q, n, bc.want)
			}
			lats[side] = append(lats[side], took)
			return nil
		}
		// One unmeasured request per bucket warms the path.
		for side := range sides {
			if err := one(side); err != nil {
				return err
			}
			lats[side] = nil
		}
		for i := range o.listReps {
			order := []int{0, 1}
			if i%2 == 1 {
				order = []int{1, 0}
			}
			for _, side := range order {
				if err := one(side); err != nil {
					return err
				}
			}
		}
		sc := ScaleCase{Name: c.name, Query: sides[1].query(), SmallEntries: sides[0].want, LargeEntries: sides[1].want}
		for side, p := range []*ScaleStats{&sc.Small, &sc.Large} {
			l := lats[side]
			slices.Sort(l)
			*p = ScaleStats{P50Ms: ms(percentile(l, 50)), P99Ms: ms(percentile(l, 99)), MaxMs: ms(l[len(l)-1])}
		}
		sc.RatioP50 = sc.Large.P50Ms / sc.Small.P50Ms
		sc.RatioP99 = sc.Large.P99Ms / sc.Small.P99Ms
		sc.Pass = sc.RatioP50 <= res.TargetRatio
		logf("list-scale: %-42s small p50 %6.1f p99 %6.1f ms | large p50 %6.1f p99 %6.1f ms | x%.2f (p99 x%.2f)",
			c.name, sc.Small.P50Ms, sc.Small.P99Ms, sc.Large.P50Ms, sc.Large.P99Ms, sc.RatioP50, sc.RatioP99)
		res.Cases = append(res.Cases, sc)
	}
	return nil
}

// print writes the scale mode's tables.
func (r *ListingScaleResult) print(w io.Writer) {
	fmt.Fprintf(w, "listing scale: split bound %d rows, settle %.0f s, worker every %.0f s, load concurrency %d\n",
		r.SplitRows, r.SettleSeconds, r.IntervalSeconds, r.LoadConc)
	for _, b := range []ScaleBucket{r.Small, r.Large} {
		fmt.Fprintf(w, "  %s: %d keys loaded in %.0f s (%.0f PUT/s); %d ranges, largest %d rows (%d bytes), smallest %d, under the bound: %t\n",
			b.Name, b.Keys, b.LoadSeconds, b.LoadPerSec, b.Ranges, b.LargestRows, b.LargestBytes, b.SmallestRows, b.UnderBound)
	}
	fmt.Fprintf(w, "  worker caught up %.0f s after the load; compactions settled %.0f s later\n\n", r.CatchUpSeconds, r.CompactionSeconds)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "case\tentries\tp50 %d\tp99 %d\tp50 %d\tp99 %d\tx p50\tx p99\ttarget\t\n", r.Small.Keys, r.Small.Keys, r.Large.Keys, r.Large.Keys)
	for _, c := range r.Cases {
		fmt.Fprintf(tw, "%s\t%d/%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.2f\t%.2f\t%s\t\n", c.Name, c.SmallEntries, c.LargeEntries,
			c.Small.P50Ms, c.Small.P99Ms, c.Large.P50Ms, c.Large.P99Ms, c.RatioP50, c.RatioP99,
			map[bool]string{true: "met", false: fmt.Sprintf("missed (<= %.1f)", r.TargetRatio)}[c.Pass])
	}
	tw.Flush()
	fmt.Fprintln(w)
}
