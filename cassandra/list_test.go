package cassandra

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// listingCounter counts listing queries and the rows they return.
type listingCounter struct {
	queries, rows atomic.Int64
}

func (c *listingCounter) ObserveQuery(_ context.Context, q gocql.ObservedQuery) {
	if strings.Contains(q.Statement, "FROM objects") {
		c.queries.Add(1)
		c.rows.Add(int64(q.Rows))
	}
}

// putKeys stores tiny objects under keys, a few at a time.
func putKeys(t *testing.T, s *Store, bucket string, keys []string) {
	t.Helper()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for _, k := range keys {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			mustPut(t, s, bucket, k, []byte(k))
		})
	}
	wg.Wait()
}

// A delimiter listing over 5,000 keys reads neither every key nor one
// query per key: common prefixes are skipped with range queries.
func TestListDelimiterSkipsPrefixes(t *testing.T) {
	t.Parallel()
	counter := &listingCounter{}
	s := newStore(t, func(c *Config) { c.observer = counter })
	ctx := context.Background()
	mustCreateBucket(t, s, "big")
	var keys []string
	for i := range 5000 {
		keys = append(keys, fmt.Sprintf("big/huge/%05d", i))
	}
	keys = append(keys, "big/a", "big/z", "big/zz/1", "other")
	putKeys(t, s, "big", keys)

	// One huge common prefix.
	counter.queries.Store(0)
	counter.rows.Store(0)
	res, err := s.ListObjects(ctx, store.ListInput{Bucket: "big", Prefix: "big/", Delimiter: "/", MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.CommonPrefixes, []string{"big/huge/", "big/zz/"}; !slices.Equal(got, want) {
		t.Errorf("common prefixes %q, want %q", got, want)
	}
	if len(res.Objects) != 2 || res.Objects[0].Key != "big/a" || res.Objects[1].Key != "big/z" || res.IsTruncated {
		t.Errorf("objects %+v truncated %v", res.Objects, res.IsTruncated)
	}
	q, rows := counter.queries.Load(), counter.rows.Load()
	t.Logf("huge prefix: %d listing queries, %d rows", q, rows)
	shards := int64(max(s.cfg.ListingShards, 1))
	if q > 4*shards || rows > 1000 {
		t.Errorf("delimiter listing took %d queries and read %d rows; want <= %d queries, <= 1000 rows", q, rows, 4*shards)
	}

	// Paging through it one entry at a time resumes after each prefix
	// without rereading it.
	counter.queries.Store(0)
	counter.rows.Store(0)
	in := store.ListInput{Bucket: "big", Prefix: "big/", Delimiter: "/", MaxKeys: 1}
	var entries []string
	for {
		res, err := s.ListObjects(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range res.Objects {
			entries = append(entries, o.Key)
		}
		entries = append(entries, res.CommonPrefixes...)
		if !res.IsTruncated {
			break
		}
		if res.NextAfter <= in.After {
			t.Fatalf("NextAfter %q does not advance past %q", res.NextAfter, in.After)
		}
		in.After = res.NextAfter
	}
	if want := []string{"big/a", "big/huge/", "big/z", "big/zz/"}; !slices.Equal(entries, want) {
		t.Errorf("paged entries %q, want %q", entries, want)
	}
	if q, rows := counter.queries.Load(), counter.rows.Load(); q > 8*shards || rows > 1000 {
		t.Errorf("paged delimiter listing: %d queries, %d rows", q, rows)
	}
}

// Many small common prefixes: 100 directories of 50 keys.
func TestListDelimiterManyPrefixes(t *testing.T) {
	t.Parallel()
	counter := &listingCounter{}
	s := newStore(t, func(c *Config) { c.observer = counter })
	ctx := context.Background()
	mustCreateBucket(t, s, "dirs")
	var keys []string
	for d := range 100 {
		for f := range 50 {
			keys = append(keys, fmt.Sprintf("d%03d/f%02d", d, f))
		}
	}
	putKeys(t, s, "dirs", keys)
	counter.queries.Store(0)
	res, err := s.ListObjects(ctx, store.ListInput{Bucket: "dirs", Delimiter: "/", MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.CommonPrefixes) != 100 || res.CommonPrefixes[99] != "d099/" || len(res.Objects) != 0 {
		t.Fatalf("got %d prefixes, %d objects", len(res.CommonPrefixes), len(res.Objects))
	}
	q := counter.queries.Load()
	t.Logf("100 prefixes: %d listing queries, %d rows", q, counter.rows.Load())
	if q > 40 {
		t.Errorf("%d listing queries for 100 common prefixes of 50 keys", q)
	}
}

// Listings agree with a sorted slice for several shard counts, including
// keys whose store.PrefixEnd is not valid UTF-8.
func TestListShardCounts(t *testing.T) {
	t.Parallel()
	keys := []string{"a", "a/b", "a/c", "ab", "b", "é", "é/x", "¿", "¿/1", "\U0010FFFF", "z/z"}
	for i := range 60 {
		keys = append(keys, fmt.Sprintf("n/%02d", i))
	}
	slices.Sort(keys)
	for _, shards := range []int{0, 1, 3, 16} { // 0: listing ranges
		t.Run(fmt.Sprint(shards), func(t *testing.T) {
			t.Parallel()
			s := newStore(t, func(c *Config) { c.ListingShards = shards })
			bucket := fmt.Sprintf("shards-%d", shards)
			mustCreateBucket(t, s, bucket)
			putKeys(t, s, bucket, keys)
			for _, prefix := range []string{"", "n/", "¿", "é", "a", "\U0010FFFF", "zz"} {
				var want []string
				for _, k := range keys {
					if strings.HasPrefix(k, prefix) {
						want = append(want, k)
					}
				}
				for _, max := range []int{1, 7, 1000} {
					in := store.ListInput{Bucket: bucket, Prefix: prefix, MaxKeys: max}
					var got []string
					for {
						res, err := s.ListObjects(context.Background(), in)
						if err != nil {
							t.Fatal(err)
						}
						for _, o := range res.Objects {
							got = append(got, o.Key)
						}
						if !res.IsTruncated {
							break
						}
						if res.NextAfter <= in.After {
							t.Fatalf("NextAfter %q does not advance past %q", res.NextAfter, in.After)
						}
						in.After = res.NextAfter
					}
					if !slices.Equal(got, want) {
						t.Errorf("prefix %q max %d: got %q, want %q", prefix, max, got, want)
					}
				}
			}
		})
	}
}

// A delimiter listing that goes on past a range's end keeps the page it
// had grown to: the keys after a common prefix, over several ranges, take
// about one query a range, not a small first page again in each.
func TestListDelimiterAcrossRanges(t *testing.T) {
	t.Parallel()
	var keys []string
	for i := range 200 {
		keys = append(keys, fmt.Sprintf("a/%03d", i))
	}
	for i := range 1200 {
		keys = append(keys, fmt.Sprintf("k%04d", i))
	}
	s, counter, m := rangedBucket(t, "wide", keys)
	if len(m.ranges) < 5 {
		t.Fatalf("%d ranges, want 5 or more", len(m.ranges))
	}
	ctx := context.Background()
	res, err := s.ListObjects(ctx, store.ListInput{Bucket: "wide", Delimiter: "/", MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.CommonPrefixes) != 1 || len(res.Objects) != 999 || res.Objects[998].Key != "k0998" {
		t.Fatalf("got %d prefixes, %d objects", len(res.CommonPrefixes), len(res.Objects))
	}
	q := counter.queries.Load()
	t.Logf("%d ranges: %d listing queries, %d rows", len(m.ranges), q, counter.rows.Load())
	if limit := int64(len(m.ranges)) + 4; q > limit {
		t.Errorf("%d listing queries over %d ranges, want at most %d", q, len(m.ranges), limit)
	}
}

// Common prefixes larger than a range: each costs one query of at most
// skipPage rows, wherever the ranges' ends fall (as in one range: a
// listing of a bucket of many ranges reads what it would in one).
func TestListDelimiterLargePrefixes(t *testing.T) {
	t.Parallel()
	var keys []string
	for d := range 8 {
		for i := range 300 {
			keys = append(keys, fmt.Sprintf("big/d%d/k%03d", d, i))
		}
	}
	s, counter, m := rangedBucket(t, "dirs", keys)
	ctx := context.Background()
	res, err := s.ListObjects(ctx, store.ListInput{Bucket: "dirs", Prefix: "big/", Delimiter: "/", MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.CommonPrefixes) != 8 || len(res.Objects) != 0 {
		t.Fatalf("got %d prefixes, %d objects", len(res.CommonPrefixes), len(res.Objects))
	}
	q, rows := counter.queries.Load(), counter.rows.Load()
	t.Logf("%d ranges: %d listing queries, %d rows", len(m.ranges), q, rows)
	if q > 8+int64(len(m.ranges)) || rows > 8*skipPage {
		t.Errorf("%d listing queries, %d rows for 8 prefixes over %d ranges", q, rows, len(m.ranges))
	}
}

// rangedBucket stores keys in a new bucket of a store whose listing
// ranges split at 400 rows, lets the listing worker catch up, and returns
// the store, a counter of listing queries (zeroed) and the bucket's map.
func rangedBucket(t *testing.T, bucket string, keys []string) (*Store, *listingCounter, *rangeMap) {
	t.Helper()
	counter := &listingCounter{}
	s := newStore(t, func(c *Config) {
		quickSplittingConfig(c)
		c.ListingPartRows = 400
		c.observer = counter
	})
	mustCreateBucket(t, s, bucket)
	putKeys(t, s, bucket, keys)
	runListingWorker(t, bucket, s)
	m := mapOf(t, s, bucket)
	counter.queries.Store(0)
	counter.rows.Store(0)
	return s, counter, m
}

// A page of n keys reads at most n+1 rows, however many ranges it spans:
// the key that says the page is truncated costs one row, not another
// page of them, and a range after the first is asked only for the rows
// still missing.
func TestListPageReadsOnlyItsRows(t *testing.T) {
	t.Parallel()
	var keys []string
	for i := range 1500 {
		keys = append(keys, fmt.Sprintf("k%04d", i))
	}
	s, counter, m := rangedBucket(t, "pages", keys)
	if len(m.ranges) < 3 {
		t.Fatalf("%d ranges, want 3 or more", len(m.ranges))
	}
	ctx := context.Background()
	for _, tc := range []struct {
		after    string
		max      int
		objects  int
		truncate bool
	}{
		{"", 1000, 1000, true},
		{"k0100", 1000, 1000, true},
		{"k0499", 1000, 1000, false}, // exactly the rest: the row after it is none
		{"k0999", 1000, 500, false},
		{"k0200", 7, 7, true},
		{"", 1, 1, true},
	} {
		counter.queries.Store(0)
		counter.rows.Store(0)
		res, err := s.ListObjects(ctx, store.ListInput{Bucket: "pages", After: tc.after, MaxKeys: tc.max})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Objects) != tc.objects || res.IsTruncated != tc.truncate {
			t.Fatalf("after %q max %d: %d objects, truncated %t; want %d, %t", tc.after, tc.max, len(res.Objects), res.IsTruncated, tc.objects, tc.truncate)
		}
		if first := fmt.Sprintf("k%04d", 0); tc.after == "" && res.Objects[0].Key != first {
			t.Fatalf("first key %q, want %q", res.Objects[0].Key, first)
		}
		q, rows := counter.queries.Load(), counter.rows.Load()
		t.Logf("after %q max %d: %d queries, %d rows over %d ranges", tc.after, tc.max, q, rows, len(m.ranges))
		if rows > int64(tc.max+1) {
			t.Errorf("after %q max %d: %d rows read, want at most %d", tc.after, tc.max, rows, tc.max+1)
		}
		if q > int64(len(m.ranges)) {
			t.Errorf("after %q max %d: %d queries over %d ranges", tc.after, tc.max, q, len(m.ranges))
		}
	}
}

// In one range, a page of 1000 is one query of 1001 rows (it was a query
// of 1000 and another of 1000 for the key after them), two with a
// delimiter.
func TestListPageOneQuery(t *testing.T) {
	t.Parallel()
	counter := &listingCounter{}
	s := newStore(t, func(c *Config) { c.observer = counter })
	mustCreateBucket(t, s, "page")
	var keys []string
	for i := range 2100 {
		keys = append(keys, fmt.Sprintf("k%04d", i))
	}
	putKeys(t, s, "page", keys)
	counter.queries.Store(0)
	res, err := s.ListObjects(context.Background(), store.ListInput{Bucket: "page", MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Objects) != 1000 || !res.IsTruncated || res.NextAfter != "k0999" {
		t.Fatalf("%d objects, truncated %t, next %q", len(res.Objects), res.IsTruncated, res.NextAfter)
	}
	if q, rows := counter.queries.Load(), counter.rows.Load(); q != 1 || rows != 1001 {
		t.Errorf("a page of 1000: %d queries, %d rows; want 1, 1001", q, rows)
	}
	// With a delimiter, keys might collapse into common prefixes: a first
	// query of 32, and once those were all plain keys, the rest at once
	// (it took 32, 128, 512 and 329 rows).
	counter.queries.Store(0)
	counter.rows.Store(0)
	res, err = s.ListObjects(context.Background(), store.ListInput{Bucket: "page", Delimiter: "/", MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Objects) != 1000 || !res.IsTruncated || res.NextAfter != "k0999" {
		t.Fatalf("delimiter: %d objects, truncated %t, next %q", len(res.Objects), res.IsTruncated, res.NextAfter)
	}
	if q, rows := counter.queries.Load(), counter.rows.Load(); q != 2 || rows != 1001 {
		t.Errorf("a page of 1000 with a delimiter: %d queries, %d rows; want 2, 1001", q, rows)
	}
}
