package cassandra

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// TestRangeCacheEvictsIdle: a bucket's map not looked up for
// rangeCacheIdle is dropped at the next look for idle maps; one in use
// stays, and a slot still held by a caller keeps working.
func TestRangeCacheEvictsIdle(t *testing.T) {
	var c rangeCache
	idle, busy := gocql.TimeUUID(), gocql.TimeUUID()
	held := c.slot(idle)
	held.m = &rangeMap{gen: 7}
	c.slot(busy)
	if n := c.size(); n != 2 {
		t.Fatalf("%d maps cached, want 2", n)
	}

	// Nothing is dropped before a rangeCacheIdle has passed since the
	// last look, however old a slot is.
	c.mu.Lock()
	c.buckets[idle].used = time.Now().Add(-2 * rangeCacheIdle)
	c.mu.Unlock()
	c.slot(busy)
	if n := c.size(); n != 2 {
		t.Fatalf("%d maps cached before the next look, want 2", n)
	}

	c.mu.Lock()
	c.swept = time.Now().Add(-rangeCacheIdle)
	c.mu.Unlock()
	c.slot(busy)
	if n := c.size(); n != 1 {
		t.Fatalf("%d maps cached after the look, want 1 (the idle one dropped)", n)
	}
	if held.m.gen != 7 {
		t.Fatal("a dropped slot held by a caller changed")
	}
	if fresh := c.slot(idle); fresh == held || fresh.m != nil {
		t.Fatal("the dropped bucket's next lookup did not start a fresh slot")
	}
}

// slowMapReads delays every read of listing_ranges by delay while on.
type slowMapReads struct {
	on    atomic.Bool
	delay time.Duration
	reads atomic.Int64
}

func (o *slowMapReads) ObserveQuery(_ context.Context, q gocql.ObservedQuery) {
	if strings.Contains(q.Statement, "FROM listing_ranges") {
		o.reads.Add(1)
		if o.on.Load() {
			time.Sleep(o.delay)
		}
	}
}

// TestRangesRefreshAhead: a map past half its TTL is still served at
// once while its refresh runs in the background, which picks up a
// changed map; a map past its TTL makes the request wait for the read.
func TestRangesRefreshAhead(t *testing.T) {
	t.Parallel()
	obs := &slowMapReads{delay: 300 * time.Millisecond}
	s := newStore(t, func(c *Config) {
		c.observer = obs
		c.ListingMapTTL = 2 * time.Second
		c.ListingSettle = 3 * time.Second
	})
	ctx := context.Background()
	mustCreateBucket(t, s, "ahead")
	b := mustBucket(t, s, "ahead")
	m0, err := s.ranges(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	timed := func() (*rangeMap, time.Duration) {
		t.Helper()
		start := time.Now()
		m, err := s.ranges(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		return m, time.Since(start)
	}

	// Change the map's gen behind the cache's back, as a move would.
	if err := s.exec(ctx, `UPDATE listing_ranges SET gen = ? WHERE bucket_id = ?`, m0.gen+1, b.id); err != nil {
		t.Fatal(err)
	}
	obs.on.Store(true)
	if m, d := timed(); m != m0 || d > 100*time.Millisecond {
		t.Fatalf("a fresh map: gen %d after %v, want the cached one at once", m.gen, d)
	}
	time.Sleep(time.Second + 100*time.Millisecond) // past half the TTL
	before := obs.reads.Load()
	if m, d := timed(); m != m0 || d > 100*time.Millisecond {
		t.Fatalf("a map past half its TTL: gen %d after %v, want the cached one at once", m.gen, d)
	}
	if m, d := timed(); m != m0 || d > 100*time.Millisecond {
		t.Fatalf("while its refresh runs: gen %d after %v, want the cached one at once", m.gen, d)
	}
	// The refresh reads the gen, then the changed map: two slow reads.
	deadline := time.Now().Add(5 * time.Second)
	for {
		m, d := timed()
		if d > 100*time.Millisecond {
			t.Fatalf("a request waited %v during the refresh ahead", d)
		}
		if m.gen == m0.gen+1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the refresh ahead never brought gen %d (reads %d)", m0.gen+1, obs.reads.Load()-before)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := obs.reads.Load() - before; n < 2 {
		t.Errorf("%d reads of the map by the refresh ahead, want the gen and the map", n)
	}

	// Unused for longer than the TTL: the next request waits for the read.
	time.Sleep(2*time.Second + 100*time.Millisecond)
	if _, d := timed(); d < obs.delay {
		t.Errorf("a map past its TTL was served after %v, without waiting for its read", d)
	}
}
