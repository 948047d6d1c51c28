package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"time"
)

// The listing bucket holds o.listKeys empty objects: o.listPrefix of them
// under big/, spread over bigDirs "directories" (big/d000/ ... big/d099/),
// and the rest flat at the root (k0000000, k0000001, ...).
const (
	listBucket = "bench-list"
	metaBucket = "bench-meta"
	bigDirs    = 100
)

// ListingResult is the listing part of the report.
type ListingResult struct {
	Keys        int     `json:"keys"`
	PrefixKeys  int     `json:"prefix_keys"`
	Reused      bool    `json:"reused"` // the dataset was already loaded (-keep-keyspace)
	LoadSeconds float64 `json:"load_seconds,omitempty"`
	LoadPerSec  float64 `json:"load_puts_per_s,omitempty"`
	LoadConc    int     `json:"load_concurrency,omitempty"`
	Loader      string  `json:"loader,omitempty"` // http or store
	// SettleSeconds is how long the run waited for Cassandra's
	// compactions to finish before measuring.
	SettleSeconds float64   `json:"settle_seconds"`
	Cases         []ListRun `json:"cases"`
}

// ListRun is one kind of ListObjectsV2 request, repeated.
type ListRun struct {
	Name    string  `json:"name"`
	Query   string  `json:"query"`
	Reps    int     `json:"reps"`
	Entries int     `json:"entries"` // keys + common prefixes in one answer
	P50Ms   float64 `json:"p50_ms"`
	P99Ms   float64 `json:"p99_ms"`
	MaxMs   float64 `json:"max_ms"`
}

func listKey(i, prefixKeys int) string {
	if i < prefixKeys {
		return fmt.Sprintf("big/d%03d/k%07d", i%bigDirs, i/bigDirs)
	}
	return fmt.Sprintf("k%07d", i-prefixKeys)
}

func runListing(ctx context.Context, o options, e *env) (*ListingResult, error) {
	res := &ListingResult{Keys: o.listKeys, PrefixKeys: o.listPrefix}
	marker := fmt.Sprintf("list-%d-%d", o.listKeys, o.listPrefix)
	for _, b := range []string{listBucket, metaBucket} {
		if err := e.s3.createBucket(ctx, b); err != nil {
			return nil, err
		}
	}
	if o.keepKeyspace && e.s3.head(ctx, metaBucket, marker, 0) == nil {
		res.Reused = true
		logf("listing: reusing the %d keys loaded by an earlier run", o.listKeys)
	} else {
		if err := loadListing(ctx, o, e, res); err != nil {
			return nil, err
		}
		if err := e.s3.put(ctx, metaBucket, marker, 0, nil); err != nil {
			return nil, err
		}
	}
	// Loading a million rows leaves flushes and compactions running for a
	// while; a bucket that size is listed long after it was filled, so
	// measure the settled table (the wait is reported).
	res.SettleSeconds = e.raw.settle(ctx, 3*time.Minute).Seconds()
	logf("listing: compactions settled after %.0f s", res.SettleSeconds)
	flat := o.listKeys - o.listPrefix
	randomAfter := func() string { return fmt.Sprintf("start-after=k%07d", rand.IntN(flat-1000)) }
	cases := []struct {
		name  string
		query func() string
		want  int
	}{
		{"page of 1000, no delimiter", func() string { return "max-keys=1000&" + randomAfter() }, 1000},
		{"page of 1000, delimiter /", func() string { return "max-keys=1000&delimiter=%2F&" + randomAfter() }, 1000},
		{fmt.Sprintf("root, delimiter / (skips big/: %d keys)", o.listPrefix),
			func() string { return "max-keys=1000&delimiter=%2F" }, 1000},
		{fmt.Sprintf("prefix big/ (%d keys), delimiter /", o.listPrefix),
			func() string { return "max-keys=1000&delimiter=%2F&prefix=big%2F" }, bigDirs},
	}
	for _, c := range cases {
		run := ListRun{Name: c.name, Query: c.query(), Reps: o.listReps}
		// One unmeasured request warms the path.
		if _, _, err := e.s3.list(ctx, listBucket, run.Query); err != nil {
			return nil, err
		}
		var lats []time.Duration
		for range o.listReps {
			r, took, err := e.s3.list(ctx, listBucket, c.query())
			if err != nil {
				return nil, err
			}
			if n := len(r.Contents) + len(r.CommonPrefixes); n != c.want {
				return nil, fmt.Errorf("listing %q: %d entries, want %d", c.name, n, c.want)
			}
			run.Entries = c.want
			lats = append(lats, took)
		}
		slices.Sort(lats)
		run.P50Ms, run.P99Ms, run.MaxMs = ms(percentile(lats, 50)), ms(percentile(lats, 99)), ms(lats[len(lats)-1])
		logf("listing: %-45s p50 %7.1f ms p99 %7.1f ms", c.name, run.P50Ms, run.P99Ms)
		res.Cases = append(res.Cases, run)
	}
	return res, nil
}

// loadListing PUTs every key of the dataset, empty, through HTTP at
// o.loadConc: the store's own write path, whatever its format.
func loadListing(ctx context.Context, o options, e *env, res *ListingResult) error {
	put, closeLoader, err := listingLoader(ctx, o, e)
	if err != nil {
		return err
	}
	defer closeLoader()
	logf("listing: loading %d empty objects (%d under big/) at concurrency %d through %s", o.listKeys, o.listPrefix, o.loadConc, o.loader)
	start := time.Now()
	var count atomic.Int64
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(15 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				k := count.Load()
				logf("listing: %d/%d loaded (%.0f PUT/s)", k, o.listKeys, float64(k)/time.Since(start).Seconds())
			}
		}
	}()
	c := measure(ctx, o.loadConc, 24*time.Hour, o.listKeys, func(ctx context.Context, _, i int) (int64, error) {
		err := put(ctx, listKey(i, o.listPrefix))
		count.Add(1)
		return 0, err
	})
	close(stop)
	if c.Errors > 0 || c.Ops != o.listKeys {
		return fmt.Errorf("listing load: %d of %d PUTs done, %d errors, first: %s", c.Ops, o.listKeys, c.Errors, c.FirstError)
	}
	res.LoadSeconds = time.Since(start).Seconds()
	res.LoadPerSec = float64(o.listKeys) / res.LoadSeconds
	res.LoadConc = o.loadConc
	res.Loader = o.loader
	logf("listing: loaded %d keys in %.1f s (%.0f PUT/s)", o.listKeys, res.LoadSeconds, res.LoadPerSec)
	return nil
}
