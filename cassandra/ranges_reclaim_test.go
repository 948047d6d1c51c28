package cassandra

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestDeleteBucketReclaimsListing: once a deleted bucket's entry comes
// due, the sweeper deletes its listing map, its counts and every objects
// partition of its parts, including a row a frontend with a stale cache
// wrote after the deletion; a bucket re-created under the same name and
// a bucket never deleted keep theirs.
func TestDeleteBucketReclaimsListing(t *testing.T) {
	t.Parallel()
	const grace = 3 * time.Second
	s := newStore(t, func(c *Config) { quickSplittingConfig(c); c.GCGrace = grace })
	ctx := context.Background()
	var keys []string
	for i := range 80 {
		keys = append(keys, fmt.Sprintf("k%03d", i))
	}
	for _, name := range []string{"gone", "kept"} {
		mustCreateBucket(t, s, name)
		putKeys(t, s, name, keys)
		runListingWorker(t, name, s)
	}
	m := mapOf(t, s, "gone")
	if len(m.ranges) < 2 {
		t.Fatalf("%d ranges for %d keys: the test needs a split map", len(m.ranges), len(keys))
	}
	gone := mustBucket(t, s, "gone")
	if err := s.flushListingActivity(ctx); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if _, err := s.DeleteObject(ctx, "gone", k); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteBucket(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	// A frontend that still had the bucket cached writes one more row.
	last := m.ranges[len(m.ranges)-1].read
	if err := s.exec(ctx, `INSERT INTO objects (bucket_id, shard, key, size) VALUES (?, ?, ?, ?)`, gone.id, last, []byte("late"), int64(1)); err != nil {
		t.Fatal(err)
	}
	mustCreateBucket(t, s, "gone") // a new incarnation under the name
	putKeys(t, s, "gone", []string{"new"})

	left := func() (n int) {
		t.Helper()
		for _, table := range []string{"listing_ranges", "listing_activity", "listing_checked"} {
			var c int
			if err := s.query(ctx, `SELECT count(*) FROM `+table+` WHERE bucket_id = ?`, gone.id).Scan(&c); err != nil {
				t.Fatal(err)
			}
			n += c
		}
		var c int
		for p := range max(m.nextPart, 1) {
			if err := s.query(ctx, `SELECT count(*) FROM objects WHERE bucket_id = ? AND shard = ?`, gone.id, p).Scan(&c); err != nil {
				t.Fatal(err)
			}
			n += c
		}
		return n
	}
	if _, err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if n := left(); n == 0 {
		t.Fatal("the deleted bucket's listing was reclaimed before its entry came due")
	}
	time.Sleep(grace + time.Second)
	if _, err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if n := left(); n != 0 {
		t.Fatalf("%d listing rows of the deleted bucket left after the sweep", n)
	}
	if got := listAll(t, s, "gone", 1000); !slices.Equal(got, []string{"new"}) {
		t.Fatalf("the re-created bucket lists %q, want [new]", got)
	}
	if got := listAll(t, s, "kept", 7); !slices.Equal(got, keys) {
		t.Fatalf("the bucket never deleted lists %d keys, want %d", len(got), len(keys))
	}
}

// TestDeleteBucketReclaimsHashShards: a bucket still in the hash shards of
// the layout before ranges (no map) has every shard reclaimed.
func TestDeleteBucketReclaimsHashShards(t *testing.T) {
	t.Parallel()
	const grace = 2 * time.Second
	s := newStore(t, func(c *Config) { c.ListingShards = 4; c.GCGrace = grace })
	ctx := context.Background()
	mustCreateBucket(t, s, "hashed")
	b := mustBucket(t, s, "hashed")
	if b.shards != 4 {
		t.Fatalf("bucket created with %d hash shards, want 4", b.shards)
	}
	if err := s.DeleteBucket(ctx, "hashed"); err != nil {
		t.Fatal(err)
	}
	for shard := range 4 { // rows of frontends with stale caches
		if err := s.exec(ctx, `INSERT INTO objects (bucket_id, shard, key, size) VALUES (?, ?, ?, ?)`, b.id, shard, []byte("late"), int64(1)); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(grace + time.Second)
	if _, err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	for shard := range 4 {
		var n int
		if err := s.query(ctx, `SELECT count(*) FROM objects WHERE bucket_id = ? AND shard = ?`, b.id, shard).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("hash shard %d of the deleted bucket holds %d rows after the sweep", shard, n)
		}
	}
}
