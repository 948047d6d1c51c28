package cassandra

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// Read-only views of the Store's process-wide state, for metrics. They
// read what the request paths keep anyway; the only thing added to those
// paths is a hit or miss counter in each cache lookup (ttl_cache.go).

// SlotStats reports the block statement slots (MaxBlocksInFlight) taken
// now, and how many there are.
func (s *Store) SlotStats() (used, size int) { return len(s.slots), cap(s.slots) }

// CacheStats reports the lookups of the access key and bucket caches
// since the Store opened.
func (s *Store) CacheStats() (keys, buckets CacheStats) {
	return s.keys.stats(), s.buckets.stats()
}

// GCStats adds up the sweeps RunSweeper made in this process.
type GCStats struct {
	Passes, FailedPasses uint64 // sweeps run, and those that ended in an error
	Entries              uint64 // queue entries handled
	Reclaimed            uint64 // inodes whose blocks were deleted
	Blocks               uint64 // block partitions deleted
	Failed               uint64 // entries left for a later pass
	LastPass             time.Time
	LastDuration         time.Duration
}

// gcTotals is where RunSweeper records each pass.
type gcTotals struct {
	mu sync.Mutex
	st GCStats
}

// recordSweep adds one pass of RunSweeper to the totals.
func (s *Store) recordSweep(st SweepStats, err error, took time.Duration) {
	t := &s.gc
	t.mu.Lock()
	defer t.mu.Unlock()
	t.st.Passes++
	if err != nil && !errors.Is(err, context.Canceled) { // not a shutdown
		t.st.FailedPasses++
	}
	t.st.Entries += uint64(st.Entries)
	t.st.Reclaimed += uint64(st.Reclaimed)
	t.st.Blocks += uint64(st.Blocks)
	t.st.Failed += uint64(st.Failed)
	t.st.LastPass = time.Now()
	t.st.LastDuration = took
}

// GCStats reports the sweeps this process ran (it sweeps only while it
// holds the sweeper lease).
func (s *Store) GCStats() GCStats {
	t := &s.gc
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.st
}

// GCLag is how far the sweeper's watermark is behind now: the age of the
// oldest GC queue slot (a minute) not yet cleared, by any frontend. A
// sweeper that keeps up keeps it within a slot and a sweep interval; one
// that fails or is off lets it grow. One single-row read.
func (s *Store) GCLag(ctx context.Context) (time.Duration, error) {
	var low int64
	err := s.query(ctx, `SELECT low FROM gc_state WHERE name = 'queue'`).Idempotent(true).Scan(&low)
	if errors.Is(err, gocql.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read gc watermark: %w", err)
	}
	return max(0, time.Since(time.Unix(low*slotSeconds, 0))), nil
}
