package cassandra

import (
	"context"
	"errors"
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

// activityTotal is the listing_activity row that counts every listing
// write to a bucket, whatever the part: the listing worker reads a
// bucket's per-part rows only once this one moved by a quarter of the
// bound since it last did.
const activityTotal = -2

// flushListingActivity adds the counted writes to listing_activity: one
// counter batch per bucket (one partition), with the bucket's total.
func (s *Store) flushListingActivity(ctx context.Context) error {
	n := s.activity.take()
	byBucket := map[gocql.UUID]map[int]int64{}
	for k, v := range n {
		if byBucket[k.bucket] == nil {
			byBucket[k.bucket] = map[int]int64{}
		}
		byBucket[k.bucket][k.part] += v
		byBucket[k.bucket][activityTotal] += v
	}
	const stmt = `UPDATE listing_activity SET writes = writes + ? WHERE bucket_id = ? AND part = ?`
	for bucket, parts := range byBucket {
		batch := s.sess.Batch(gocql.CounterBatch).WithContext(ctx)
		for part, v := range parts {
			batch.Entries = append(batch.Entries, gocql.BatchEntry{Stmt: stmt, Args: []any{v, bucket, part}})
		}
		if err := batch.Exec(); err != nil {
			rest := map[activityKey]int64{}
			for k, v := range n {
				if _, left := byBucket[k.bucket]; left {
					rest[k] = v
				}
			}
			s.activity.putBack(rest)
			return fmt.Errorf("count listing writes: %w", err)
		}
		delete(byBucket, bucket)
	}
	return nil
}

// readActivityTotal reads the count of every listing write to b.
func (s *Store) readActivityTotal(ctx context.Context, b bucketInfo) (int64, error) {
	var n int64
	err := s.query(ctx, `SELECT writes FROM listing_activity WHERE bucket_id = ? AND part = ?`, b.id, activityTotal).Idempotent(true).Scan(&n)
	if err != nil && !errors.Is(err, gocql.ErrNotFound) {
		return 0, fmt.Errorf("read listing activity of %q: %w", b.name, err)
	}
	return n, nil
}
