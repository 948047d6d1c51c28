package cassandra

import (
	"context"
	"fmt"
	"sync"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// listingActivity counts this process's listing writes per part until
// they are added to listing_activity, which the listing worker reads to
// find the parts worth counting (ranges_worker.go). The counts are an
// estimate: an overwrite counts like a new key, a retried increment
// twice, and a crash loses what was not flushed.
type listingActivity struct {
	mu      sync.Mutex
	n       map[activityKey]int64
	flushed time.Time // when the last flush started
	running bool
}

type activityKey struct {
	bucket gocql.UUID
	part   int
}

// add counts one write to part, and starts a flush in the background
// when the last one is ListingFlush old.
func (a *listingActivity) add(bucket gocql.UUID, part int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.n == nil {
		a.n = map[activityKey]int64{}
	}
	a.n[activityKey{bucket, part}]++
}

// due reports whether a flush should start now, and marks it started.
func (a *listingActivity) due(every time.Duration) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.running || len(a.n) == 0 || time.Since(a.flushed) < every {
		return false
	}
	a.running, a.flushed = true, time.Now()
	return true
}

func (a *listingActivity) take() map[activityKey]int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := a.n
	a.n = nil
	return n
}

// putBack returns counts a flush could not write.
func (a *listingActivity) putBack(n map[activityKey]int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.n == nil {
		a.n = map[activityKey]int64{}
	}
	for k, v := range n {
		a.n[k] += v
	}
}

func (a *listingActivity) finished() {
	a.mu.Lock()
	a.running = false
	a.mu.Unlock()
}

// noteListingWrite counts a listing write and flushes the counts in the
// background every ListingFlush.
func (s *Store) noteListingWrite(bucket gocql.UUID, part int) {
	s.activity.add(bucket, part)
	if s.activity.due(s.cfg.ListingFlush) {
		s.background(func(ctx context.Context) {
			defer s.activity.finished()
			if err := s.flushListingActivity(ctx); err != nil {
				s.log.Warn().Err(err).Msg("listing activity")
			}
		})
	}
}

// flushListingActivity adds the counted writes to listing_activity.
func (s *Store) flushListingActivity(ctx context.Context) error {
	n := s.activity.take()
	for k, v := range n {
		err := s.query(ctx, `UPDATE listing_activity SET writes = writes + ? WHERE bucket_id = ? AND part = ?`, v, k.bucket, k.part).Exec()
		if err != nil {
			s.activity.putBack(n)
			return fmt.Errorf("count listing writes: %w", err)
		}
		delete(n, k)
	}
	return nil
}
