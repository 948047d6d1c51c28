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
