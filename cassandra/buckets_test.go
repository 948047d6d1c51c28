package cassandra

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/amphora-s3/amphora/store"
	"github.com/amphora-s3/amphora/store/storetest"
)

// Two frontends (two sessions) race to claim the same names: the LWT lets
// exactly one claim win each time, and every loser learns who owns it.
func TestBucketClaimRaceAcrossFrontends(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	a := openStore(t, cfg, true)
	b := openStore(t, cfg, false)
	ctx := context.Background()
	stores := []*Store{a, b}
	owners := []string{"tenant-a", "tenant-b", "tenant-c"}
	for round := range 5 {
		name := fmt.Sprintf("race-%d", round)
		const racers = 12
		errs := make([]error, racers)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range racers {
			wg.Go(func() {
				<-start
				errs[i] = stores[i%2].CreateBucket(ctx, store.Bucket{Name: name, Owner: owners[i%3]})
			})
		}
		close(start)
		wg.Wait()
		winner := storetest.CheckClaimRace(t, name, errs, func(i int) string { return owners[i%3] })
		got, err := b.GetBucket(ctx, name)
		if err != nil || got.Owner != owners[winner%3] {
			t.Errorf("round %d: GetBucket = %+v, %v; want owner %s", round, got, err, owners[winner%3])
		}
	}
}

// A bucket deleted and created again is a new incarnation: objects of the
// old one never show through, even ones committed after the delete.
func TestBucketIncarnations(t *testing.T) {
	t.Parallel()
	s := newStore(t, func(c *Config) { c.noEagerCleanup = true })
	ctx := context.Background()
	mustCreateBucket(t, s, "inc")
	old, err := s.bucket(ctx, "inc")
	if err != nil {
		t.Fatal(err)
	}
	// An upload into the first incarnation commits its version row after
	// DeleteBucket checked for emptiness (no listing row yet).
	data := randomBytes(t, 2*testBlockSize)
	inode := simulateUpload(t, s, old, "k", data, true)
	if err := s.DeleteBucket(ctx, "inc"); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBucket(ctx, store.Bucket{Name: "inc", Owner: "bob"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.HeadObject(ctx, "inc", "k"); !errors.Is(err, store.ErrNoSuchKey) {
		t.Fatalf("HeadObject in the new incarnation: %v, want ErrNoSuchKey", err)
	}
	if res, err := s.ListObjects(ctx, store.ListInput{Bucket: "inc", MaxKeys: 10}); err != nil || len(res.Objects) != 0 {
		t.Fatalf("ListObjects in the new incarnation: %+v, %v", res, err)
	}
	// The sweeper finds the orphan through its intent and reclaims it.
	sweepAfterGrace(t, s)
	if n := countBlocks(t, s, inode, 2); n != 0 {
		t.Errorf("%d blocks of the orphaned upload remain", n)
	}
	if rows, err := s.versionRows(ctx, old.id, "k", 0); err != nil || len(rows) != 0 {
		t.Errorf("orphaned version rows remain: %d, %v", len(rows), err)
	}
	// The owner lists reflect the change of hands.
	if bs, _ := s.ListBuckets(ctx, "alice"); len(bs) != 0 {
		t.Errorf("alice still lists %+v", bs)
	}
	if bs, _ := s.ListBuckets(ctx, "bob"); len(bs) != 1 || bs[0].Name != "inc" {
		t.Errorf("bob lists %+v", bs)
	}
}

func TestDeleteBucketNotEmpty(t *testing.T) {
	t.Parallel()
	s := newStore(t, func(c *Config) { c.ListingShards = 3 })
	ctx := context.Background()
	mustCreateBucket(t, s, "full")
	for i := range 5 {
		mustPut(t, s, "full", key(i), []byte("x"))
	}
	for i := range 5 {
		if err := s.DeleteBucket(ctx, "full"); !errors.Is(err, store.ErrBucketNotEmpty) {
			t.Fatalf("DeleteBucket with %d keys: %v", 5-i, err)
		}
		if _, err := s.DeleteObject(ctx, "full", key(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteBucket(ctx, "full"); err != nil {
		t.Fatalf("DeleteBucket when empty: %v", err)
	}
}

// A DeleteBucket that died after its LWT but before removing the owner
// row must not leave a ghost in ListBuckets.
func TestListBucketsHidesGhosts(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	for _, name := range []string{"ghost-a", "ghost-b", "ghost-c"} {
		if err := s.CreateBucket(ctx, store.Bucket{Name: name, Owner: "tenant-a"}); err != nil {
			t.Fatal(err)
		}
	}
	// The crash: the claim is gone, the owner row stays.
	if err := s.exec(ctx, `DELETE FROM buckets WHERE name = ?`, "ghost-b"); err != nil {
		t.Fatal(err)
	}
	// And another tenant claims the freed name.
	if err := s.CreateBucket(ctx, store.Bucket{Name: "ghost-b", Owner: "tenant-b"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListBuckets(ctx, "tenant-a")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range got {
		names = append(names, b.Name)
	}
	if fmt.Sprint(names) != "[ghost-a ghost-c]" {
		t.Fatalf("tenant-a lists %v, want [ghost-a ghost-c]", names)
	}
	got, err = s.ListBuckets(ctx, "tenant-b")
	if err != nil || len(got) != 1 || got[0].Name != "ghost-b" {
		t.Fatalf("tenant-b lists %v (%v), want [ghost-b]", got, err)
	}
}

// Within one request (a context carrying a store.Memo) the bucket's row is
// read once, however many calls the frontend makes on the bucket; without
// a memo (and with the cross-request cache off) every call reads it.
func TestBucketRowReadOncePerRequest(t *testing.T) {
	t.Parallel()
	counter := &queryCounter{}
	s := newStore(t, func(c *Config) { c.observer = counter; c.BucketCacheTTL = -1 })
	mustCreateBucket(t, s, "memo")
	mustPut(t, s, "memo", "k", []byte("hello"))
	bucketReads := func() int {
		counter.mu.Lock()
		defer counter.mu.Unlock()
		n := 0
		for _, stmt := range counter.stmts {
			if strings.Contains(stmt, "FROM buckets WHERE") {
				n++
			}
		}
		return n
	}
	calls := func(ctx context.Context) {
		if _, err := s.GetBucket(ctx, "memo"); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if _, err := s.HeadObject(ctx, "memo", "k"); err != nil {
				t.Fatal(err)
			}
		}
	}
	counter.reset()
	calls(store.WithMemo(context.Background()))
	if n := bucketReads(); n != 1 {
		t.Fatalf("with a memo the bucket row was read %d times, want 1", n)
	}
	counter.reset()
	calls(context.Background())
	if n := bucketReads(); n != 4 {
		t.Fatalf("without a memo the bucket row was read %d times, want 4", n)
	}
}
