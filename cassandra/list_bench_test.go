package cassandra

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// BenchmarkListPage measures ListObjects pages of 1000 keys from a random
// start in a one-range bucket of 20,000 keys, against the paging before
// cursor.want: a first query of 1000 rows and a second one of up to 1001
// for the key that says the page is truncated (a cursor built for 999
// keys with no want, which asks exactly that). Method: the listing rows
// are written straight into the bucket's one partition; the two ways take
// turns, 300 pages each after 20 unmeasured ones, and each reports its
// median and 90th percentile. Run: CASSANDRA_HOSTS=127.0.0.1:9042 go test
// -run '^$' -bench BenchmarkListPage -benchtime 1x ./cassandra/
func BenchmarkListPage(b *testing.B) {
	const keys, reps = 20_000, 300
	s := newStore(b)
	ctx := context.Background()
	mustCreateBucket(b, s, "pages")
	bi := mustBucket(b, s, "pages")
	var entries []gocql.BatchEntry
	for i := range keys {
		r := versionRow{version: gocql.TimeUUID(), etag: "d41d8cd98f00b204e9800998ecf8427e", owner: "alice", size: 4096}
		r.created = r.version.Time()
		entries = append(entries, gocql.BatchEntry{Idempotent: true, Stmt: insertListing, Args: listingValues(bi, 0, fmt.Sprintf("k%08d", i), r)})
	}
	for chunk := range slices.Chunk(entries, 500) {
		batch := s.sess.Batch(gocql.UnloggedBatch).WithContext(ctx)
		batch.Entries = chunk
		if err := batch.Exec(); err != nil {
			b.Fatal(err)
		}
	}
	page := func(old bool) (time.Duration, error) {
		in := store.ListInput{Bucket: "pages", MaxKeys: 1000, After: fmt.Sprintf("k%08d", rand.IntN(keys-1001))}
		t0 := time.Now()
		var res store.ListResult
		var err error
		if old {
			c := s.newCursor(bi, "", "", in.After, in.MaxKeys-1)
			res, err = store.List(ctx, c, in)
		} else {
			res, err = s.ListObjects(ctx, in)
		}
		if err == nil && (len(res.Objects) != 1000 || !res.IsTruncated) {
			err = fmt.Errorf("%d objects, truncated %t", len(res.Objects), res.IsTruncated)
		}
		return time.Since(t0), err
	}
	lat := [2][]float64{}
	b.ResetTimer()
	for i := range reps + 20 {
		for _, old := range []bool{i%2 == 0, i%2 != 0} {
			d, err := page(old)
			if err != nil {
				b.Fatal(err)
			}
			if i >= 20 {
				j := 0
				if old {
					j = 1
				}
				lat[j] = append(lat[j], float64(d.Microseconds())/1000)
			}
		}
	}
	b.StopTimer()
	slices.Sort(lat[0])
	slices.Sort(lat[1])
	for j, name := range []string{"one query of 1001", "1000 then 1001"} {
		p50, p90 := lat[j][len(lat[j])/2], lat[j][len(lat[j])*9/10]
		b.ReportMetric(p50, "p50-ms-"+[]string{"new", "old"}[j])
		b.Logf("%-18s p50 %.2f ms, p90 %.2f ms, p50 %.2fx the old", name, p50, p90, p50/lat[1][len(lat[1])/2])
	}
}

// BenchmarkListAhead measures delimiter listings of a bucket of 200,000
// keys in about 40 ranges (5,000 rows each) with and without scanning
// ranges ahead (list_ahead.go), the two taking turns. Keys: 100
// directories big/dNNN/ of 1,000 keys each, and 100,000 flat keys after
// them. Cases: prefix big/ with delimiter / (100 common prefixes, in
// every range of big/); the root with delimiter / (big/, then 999 flat
// keys); a page of 1000 flat keys with delimiter / from a random start.
// Method: the listing rows are written into 8 hash shards and the
// listing worker moves them to ranges of at most 10,000 rows; each case
// then runs 40 times each way after 4 unmeasured runs, and reports its
// medians and their ratio. Run: CASSANDRA_HOSTS=127.0.0.1:9042 go test
// -run '^$' -bench BenchmarkListAhead -benchtime 1x ./cassandra/
func BenchmarkListAhead(b *testing.B) {
	const dirs, perDir, flat, reps = 100, 1000, 100_000, 40
	s := newStore(b, func(c *Config) {
		c.ListingShards = 8
		c.ListingPartRows = 10_000
		c.ListingMapTTL = 100 * time.Millisecond
		c.ListingSettle = 300 * time.Millisecond
	})
	ctx := context.Background()
	mustCreateBucket(b, s, "ahead")
	bi := mustBucket(b, s, "ahead")
	key := func(i int) string {
		if i < dirs*perDir {
			return fmt.Sprintf("big/d%03d/k%05d", i/perDir, i%perDir)
		}
		return fmt.Sprintf("k%07d", i-dirs*perDir)
	}
	if err := fillHashShards(ctx, s, bi, dirs*perDir+flat, key); err != nil {
		b.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		if err := s.maintainListing(ctx, bi, &ListingStats{}); err != nil {
			b.Fatal(err)
		}
		m, err := s.readRangeMap(ctx, bi)
		if err != nil {
			b.Fatal(err)
		}
		if len(m.ranges) > 1 && moveStep(m) == 0 {
			b.Logf("%d ranges", len(m.ranges))
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("the move to ranges did not end in 5 minutes")
		}
		time.Sleep(100 * time.Millisecond)
	}
	cases := []struct {
		name string
		in   func() store.ListInput
		want int
	}{
		{"prefix big/, delimiter /", func() store.ListInput {
			return store.ListInput{Bucket: "ahead", Prefix: "big/", Delimiter: "/", MaxKeys: 1000}
		}, dirs},
		{"root, delimiter /", func() store.ListInput {
			return store.ListInput{Bucket: "ahead", Delimiter: "/", MaxKeys: 1000}
		}, 1000},
		{"flat page, delimiter /", func() store.ListInput {
			return store.ListInput{Bucket: "ahead", Delimiter: "/", MaxKeys: 1000, After: fmt.Sprintf("k%07d", rand.IntN(flat-1001))}
		}, 1000},
	}
	b.ResetTimer()
	for _, tc := range cases {
		lat := [2][]float64{} // ahead, not
		for i := range reps + 4 {
			for _, ahead := range []bool{i%2 == 0, i%2 != 0} {
				in := tc.in()
				c := s.newCursor(bi, in.Prefix, in.Delimiter, in.After, in.MaxKeys)
				c.want, c.noAhead = in.MaxKeys+1, !ahead
				t0 := time.Now()
				res, err := store.List(ctx, c, in)
				d := time.Since(t0)
				if err != nil {
					b.Fatal(err)
				}
				if n := len(res.Objects) + len(res.CommonPrefixes); n != tc.want {
					b.Fatalf("%s: %d entries, want %d", tc.name, n, tc.want)
				}
				if i == 5 {
					b.Logf("%s ahead=%t: %d batches ahead, %d ranges, %d queries, %.1f ms", tc.name, ahead, c.aheads, c.ranges, c.fetches, float64(d.Microseconds())/1000)
				}
				if i >= 4 {
					j := 0
					if !ahead {
						j = 1
					}
					lat[j] = append(lat[j], float64(d.Microseconds())/1000)
				}
			}
		}
		a, o := median(lat[0]), median(lat[1])
		b.Logf("%-26s ahead p50 %6.2f ms, without %6.2f ms: %.2fx", tc.name, a, o, a/o)
	}
}
