package cassandra

import (
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
