package cassandra

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/store"
)

// settleListing runs the listing worker's steps on bucket, through each
// of workers in turn, until nothing is moving, retired or over the bound
// (or the deadline): what a quiet bucket looks like once the worker
// caught up.
func runListingWorker(t *testing.T, bucket string, workers ...*Store) ListingStats {
	t.Helper()
	ctx := context.Background()
	var st ListingStats
	deadline := time.Now().Add(90 * time.Second)
	quiet := 0
	for i := 0; quiet < 3; i++ {
		if time.Now().After(deadline) {
			t.Fatalf("listing of %q still changing after 90s: %+v", bucket, st)
		}
		before := st
		before.Buckets = st.Buckets + 1 // one more bucket looked at is no change
		var wg sync.WaitGroup
		errs := make([]error, len(workers))
		for j, w := range workers {
			wg.Go(func() { errs[j] = w.maintainBucketListing(ctx, bucket, &ListingStats{}) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		if err := workers[0].maintainBucketListing(ctx, bucket, &st); err != nil {
			t.Fatal(err)
		}
		m := mapOf(t, workers[0], bucket)
		if st == before && moveStep(m) == 0 && len(m.retired) == 0 {
			quiet++
		} else {
			quiet = 0
		}
		time.Sleep(workers[0].cfg.ListingSettle / 2)
	}
	return st
}

func mapOf(t *testing.T, s *Store, bucket string) *rangeMap {
	t.Helper()
	b := mustBucket(t, s, bucket)
	m, err := s.readRangeMap(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// partRows counts the rows of objects partition shard of bucket in
// [start, end).
func partRows(t *testing.T, s *Store, bucket string, shard int, start, end string) int {
	t.Helper()
	b := mustBucket(t, s, bucket)
	stmt, args := `SELECT key FROM objects WHERE bucket_id = ? AND shard = ? AND key >= ?`, []any{b.id, shard, []byte(start)}
	if end != "" {
		stmt, args = stmt+` AND key < ?`, append(args, []byte(end))
	}
	iter := s.sess.Query(stmt, args...).PageSize(500).Iter()
	n := 0
	for sc := iter.Scanner(); sc.Next(); {
		n++
	}
	if err := iter.Close(); err != nil {
		t.Fatal(err)
	}
	return n
}

func listAll(t *testing.T, s *Store, bucket string, pageSize int) []string {
	t.Helper()
	var keys []string
	in := store.ListInput{Bucket: bucket, MaxKeys: pageSize}
	for {
		res, err := s.ListObjects(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range res.Objects {
			keys = append(keys, o.Key)
		}
		if !res.IsTruncated {
			return keys
		}
		in.After = res.NextAfter
	}
}

// checkRangesBounded checks that every range of bucket's map holds at
// most bound rows in the part it reads, and that no other part holds any.
func checkRangesBounded(t *testing.T, s *Store, bucket string, bound int) *rangeMap {
	t.Helper()
	m := mapOf(t, s, bucket)
	for _, r := range m.ranges {
		if r.read == legacyPart {
			t.Fatalf("range %q still in hash shards", r.start)
		}
		if n := partRows(t, s, bucket, r.read, r.start, r.end); n > bound {
			t.Errorf("range [%q, %q) holds %d rows in part %d, over the bound of %d", r.start, r.end, n, r.read, bound)
		}
	}
	return m
}

// A bucket growing past the bound is split into ranges that each stay
// under it, by two listing workers racing each other (the map's gen
// fences them); the listing stays exact throughout and after, and the
// parts moved away from are emptied.
func TestListingSplitsKeepPartitionsBounded(t *testing.T) {
	t.Parallel()
	a := newStore(t, quickSplittingConfig)
	b := openStore(t, a.cfg.Config, false)
	mustCreateBucket(t, a, "grow")
	var want []string
	for round := range 4 {
		var keys []string
		for i := range 60 {
			keys = append(keys, fmt.Sprintf("%c/%03d/%d", 'a'+i%5, i, round))
		}
		putKeys(t, a, "grow", keys)
		want = append(want, keys...)
		runListingWorker(t, "grow", a, b)
		slices.Sort(want)
		for _, size := range []int{1, 7, 1000} {
			if got := listAll(t, b, "grow", size); !slices.Equal(got, want) {
				t.Fatalf("round %d, pages of %d: %d keys listed, want %d", round, size, len(got), len(want))
			}
		}
	}
	m := checkRangesBounded(t, a, "grow", a.cfg.ListingPartRows)
	if len(m.ranges) < len(want)/a.cfg.ListingPartRows {
		t.Errorf("%d keys in %d ranges of at most %d", len(want), len(m.ranges), a.cfg.ListingPartRows)
	}
	// Parts no range reads hold nothing: every part below next_part.
	used := map[int]bool{}
	for _, r := range m.ranges {
		used[r.read] = true
	}
	for p := range m.nextPart {
		if !used[p] {
			if n := partRows(t, a, "grow", p, "", ""); n != 0 {
				t.Errorf("retired part %d still holds %d rows", p, n)
			}
		}
	}
	t.Logf("%d keys in %d ranges, %d parts allocated", len(want), len(m.ranges), m.nextPart)
}

// A bucket of the hash-sharded layout moves to ranges while keys are
// written and deleted, and lists exactly its keys all along; its hash
// shards are emptied.
func TestListingMigratesHashShards(t *testing.T) {
	t.Parallel()
	old := newStore(t, func(c *Config) { splittingConfig(c); c.ListingShards = 8 })
	mustCreateBucket(t, old, "legacy")
	var keys []string
	for i := range 100 {
		keys = append(keys, fmt.Sprintf("p%d/%03d", i%4, i))
	}
	putKeys(t, old, "legacy", keys)
	if m := mapOf(t, old, "legacy"); m.ranges[0].read != legacyPart {
		t.Fatalf("a bucket created with 8 shards has map %+v", m.ranges)
	}
	w := openStore(t, old.cfg.Config, false)

	// Writers keep going while the worker moves the bucket.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	live := map[string]bool{}
	for _, k := range keys {
		live[k] = true
	}
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			k := fmt.Sprintf("p%d/%03d", i%4, i%150)
			if i%3 == 0 {
				if _, err := old.DeleteObject(context.Background(), "legacy", k); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				delete(live, k)
				mu.Unlock()
				continue
			}
			mustPut(t, old, "legacy", k, []byte(k))
			mu.Lock()
			live[k] = true
			mu.Unlock()
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		if err := w.maintainBucketListing(context.Background(), "legacy", &ListingStats{}); err != nil {
			t.Fatal(err)
		}
		m := mapOf(t, w, "legacy")
		if m.gen >= 3 && moveStep(m) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("migration not done after 60s: map %+v", m)
		}
		time.Sleep(w.cfg.ListingSettle / 3)
	}
	close(stop)
	wg.Wait()
	runListingWorker(t, "legacy", w)

	var want []string
	for k := range live {
		want = append(want, k)
	}
	slices.Sort(want)
	for _, s := range []*Store{old, w} {
		if got := listAll(t, s, "legacy", 7); !slices.Equal(got, want) {
			t.Fatalf("after the move: %d keys listed, want %d\n got %q\nwant %q", len(got), len(want), got, want)
		}
	}
	checkRangesBounded(t, w, "legacy", w.cfg.ListingPartRows)
	for sh := range 8 {
		if n := partRows(t, w, "legacy", sh, "", ""); n != 0 {
			t.Errorf("hash shard %d still holds %d rows", sh, n)
		}
	}
	if err := w.DeleteBucket(context.Background(), "legacy"); !errors.Is(err, store.ErrBucketNotEmpty) {
		t.Errorf("DeleteBucket of a full moved bucket: %v", err)
	}
}

// Ranges emptied by deletes are joined, so that a listing reads few
// partitions per key: any two adjacent ranges hold an eighth of the bound
// between them, or the worker would join them.
func TestListingMergesEmptiedRanges(t *testing.T) {
	t.Parallel()
	counter := &listingCounter{}
	s := newStore(t, func(c *Config) { quickSplittingConfig(c); c.observer = counter })
	mustCreateBucket(t, s, "shrink")
	var keys []string
	for i := range 240 {
		keys = append(keys, fmt.Sprintf("k%04d", i))
	}
	putKeys(t, s, "shrink", keys)
	runListingWorker(t, "shrink", s)
	grown := mapOf(t, s, "shrink")

	var left []string
	for i, k := range keys {
		if i%10 == 0 {
			left = append(left, k)
			continue
		}
		if _, err := s.DeleteObject(context.Background(), "shrink", k); err != nil {
			t.Fatal(err)
		}
	}
	runListingWorker(t, "shrink", s)
	m := checkRangesBounded(t, s, "shrink", s.cfg.ListingPartRows)
	bound := 2*(8*len(left)/s.cfg.ListingPartRows+1) + 1
	if len(m.ranges) > bound {
		t.Errorf("%d keys left in %d ranges (from %d), want at most %d", len(left), len(m.ranges), len(grown.ranges), bound)
	}
	counter.queries.Store(0)
	if got := listAll(t, s, "shrink", 1000); !slices.Equal(got, left) {
		t.Fatalf("listed %q, want %q", got, left)
	}
	if q := counter.queries.Load(); q > int64(len(m.ranges)) {
		t.Errorf("one page read %d listing partitions, with %d ranges", q, len(m.ranges))
	}
	t.Logf("%d ranges for %d keys, %d after deleting all but %d", len(grown.ranges), len(keys), len(m.ranges), len(left))
}

// The listing worker's passes reach every bucket, resuming from the
// position saved with the lease.
func TestListingPassVisitsEveryBucket(t *testing.T) {
	t.Parallel()
	s := newStore(t, func(c *Config) { quickSplittingConfig(c); c.ListingInterval = 100 * time.Millisecond })
	ctx := context.Background()
	if ok, err := s.AcquireLease(ctx, ListingLease, s.holder, time.Minute); err != nil || !ok {
		t.Fatalf("take the listing lease: %v %v", ok, err)
	}
	names := []string{"pass-a", "pass-b", "pass-c"}
	for _, n := range names {
		mustCreateBucket(t, s, n)
		var keys []string
		for i := range 40 {
			keys = append(keys, fmt.Sprintf("k%03d", i))
		}
		putKeys(t, s, n, keys)
	}
	if err := s.flushListingActivity(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		st, err := s.ListingPass(ctx)
		if err != nil {
			t.Fatal(err)
		}
		split := 0
		for _, n := range names {
			if m := mapOf(t, s, n); len(m.ranges) > 1 && moveStep(m) == 0 {
				split++
			}
		}
		if split == len(names) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 60s of passes, %d of %d buckets split (last pass %+v)", split, len(names), st)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if pos, err := s.LeasePosition(ctx, ListingLease); err != nil || pos == "" {
		t.Errorf("no position saved: %q %v", pos, err)
	}
}

// A copy that stopped resumes after the last interval it finished: a
// second copy of the same step copies only what follows the saved
// position, and the move still ends with every key listed.
func TestListingCopyResumes(t *testing.T) {
	t.Parallel()
	s := newStore(t, func(c *Config) { quickSplittingConfig(c); c.ListingShards = 8 })
	ctx := context.Background()
	mustCreateBucket(t, s, "resume")
	var keys []string
	for i := range 100 {
		keys = append(keys, fmt.Sprintf("k%03d", i))
	}
	putKeys(t, s, "resume", keys)
	b := mustBucket(t, s, "resume")
	if err := s.maintainListing(ctx, b, &ListingStats{}); err != nil { // step 1 of the move out of hash shards
		t.Fatal(err)
	}
	m := mapOf(t, s, "resume")
	if moveStep(m) != 1 || len(m.ranges) < 4 {
		t.Fatalf("after the first pass: step %d, %d ranges", moveStep(m), len(m.ranges))
	}
	all, err := s.copyMoving(ctx, b, m)
	if err != nil || all != len(keys) {
		t.Fatalf("first copy: %d rows, %v; want %d", all, err, len(keys))
	}
	again, err := s.copyMoving(ctx, b, m)
	last := partRows(t, s, "resume", m.ranges[len(m.ranges)-1].writes[1], "", "")
	if err != nil || again != last {
		t.Fatalf("resumed copy: %d rows, %v; want the last interval's %d", again, err, last)
	}
	time.Sleep(s.cfg.ListingSettle)
	runListingWorker(t, "resume", s)
	if got := listAll(t, s, "resume", 1000); !slices.Equal(got, keys) {
		t.Fatalf("after the move: %d keys listed, want %d", len(got), len(keys))
	}
	checkRangesBounded(t, s, "resume", s.cfg.ListingPartRows)
}
