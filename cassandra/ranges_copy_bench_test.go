package cassandra

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// BenchmarkListingCopy measures step 1 of a move, the copy of a bucket's
// listing rows into their new ranges, in rows per second, for several
// sizes of the batches the copied rows are written in (50 was the
// default before 500). Method: one bucket in 8 hash shards gets
// AMPHORA_COPY_ROWS (default 200,000) listing rows written straight into
// its partitions; one pass of the worker plans the move to ranges of at
// most 20,000 rows; then the copy runs again and again on that map, the
// variants taking turns for three rounds (the machine's noise spreads
// over all of them), each copy starting over from the first interval.
// It reports each variant's median rows/s and its ratio to the first. Run: CASSANDRA_HOSTS=127.0.0.1:9042 go test
// -run '^$' -bench BenchmarkListingCopy -benchtime 1x ./cassandra/
func BenchmarkListingCopy(b *testing.B) {
	total := 200_000
	if v, err := strconv.Atoi(os.Getenv("AMPHORA_COPY_ROWS")); err == nil && v > 0 {
		total = v
	}
	s := newStore(b, func(c *Config) {
		c.ListingShards = 8
		c.ListingPartRows = 20_000
		c.ListingMapTTL = 100 * time.Millisecond
		c.ListingSettle = 300 * time.Millisecond
	})
	ctx := context.Background()
	mustCreateBucket(b, s, "copy")
	bi := mustBucket(b, s, "copy")
	start := time.Now()
	if err := fillHashShards(ctx, s, bi, total, func(i int) string { return fmt.Sprintf("k%07d", i) }); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d listing rows written in %.1f s", total, time.Since(start).Seconds())
	if err := s.maintainListing(ctx, bi, &ListingStats{}); err != nil {
		b.Fatal(err)
	}
	m, err := s.readRangeMap(ctx, bi)
	if err != nil || moveStep(m) != 1 {
		b.Fatalf("after the first pass: %v, step %d", err, moveStep(m))
	}
	b.Logf("moving to %d ranges", len(m.ranges))
	variants := []int{50, copyRowsPerBatch, 1000}
	rates := make([][]float64, len(variants))
	b.ResetTimer()
	for range 3 {
		for i, v := range variants {
			s.cfg.copyBatch = v
			if err := s.exec(ctx, `UPDATE listing_ranges SET copy_gen = null, copy_next = null WHERE bucket_id = ?`, bi.id); err != nil {
				b.Fatal(err)
			}
			t0 := time.Now()
			n, err := s.copyMoving(ctx, bi, m)
			if err != nil || n != total {
				b.Fatalf("copy: %d rows, %v; want %d", n, err, total)
			}
			rates[i] = append(rates[i], float64(n)/time.Since(t0).Seconds())
		}
	}
	base := median(rates[0])
	for i, v := range variants {
		r := median(rates[i])
		b.ReportMetric(r, fmt.Sprintf("rows/s-batch%d", v))
		b.Logf("%4d rows a batch: median %.0f rows/s, %.2fx the first (rounds %.0f)", v, r, r/base, rates[i])
	}
}

// fillHashShards writes n listing rows (keys key(0), key(1), ...) into
// bucket b's hash-shard partitions, each partition's rows in batches of
// 500, two partitions at once.
func fillHashShards(ctx context.Context, s *Store, b bucketInfo, n int, key func(int) string) error {
	byShard := make([][]gocql.BatchEntry, b.shards)
	for i := range n {
		key := key(i)
		sh := shardOf(key, b.shards)
		r := versionRow{version: gocql.TimeUUID(), etag: "d41d8cd98f00b204e9800998ecf8427e", owner: "alice"}
		r.created = r.version.Time()
		byShard[sh] = append(byShard[sh], gocql.BatchEntry{Idempotent: true, Stmt: insertListing, Args: listingValues(b, sh, key, r)})
	}
	return parallel(ctx, len(byShard), 2, func(ctx context.Context, sh int) error {
		for entries := range slices.Chunk(byShard[sh], 500) {
			batch := s.sess.Batch(gocql.UnloggedBatch).WithContext(ctx)
			batch.Entries = entries
			if err := batch.Exec(); err != nil {
				return fmt.Errorf("fill shard %d: %w", sh, err)
			}
		}
		return nil
	})
}

func median(vs []float64) float64 {
	c := append([]float64(nil), vs...)
	slices.Sort(c)
	return c[len(c)/2]
}
