package cassandra

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/store"
	"github.com/amphora-s3/amphora/store/storetest"
)

// TestConformance runs the store conformance suite against a real node.
// The suite makes names unique per run, so all subtests share one store
// (and keyspace); a small block size puts boundaries within cheap reach.
// Listing ranges split past 16 rows, and the listing worker runs on the
// concurrent listing test's bucket while it runs (splitListings).
func TestConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Cassandra; skipped with -short")
	}
	var (
		once sync.Once
		s    *Store
	)
	storetest.Run(t, func(st *testing.T) store.Store {
		once.Do(func() {
			s = newStore(t, func(c *Config) { c.GCGrace = time.Minute; splittingConfig(c) })
		})
		return s
	}, storetest.Options{BlockSize: testBlockSize, Background: splitListings, ChurnFor: 8 * time.Second})
}

// splittingConfig makes listing ranges split at a few rows, with the
// steps of a move a second apart: a write decided on the map before a
// step lands well within that on a loaded test machine (the margin over
// the map's TTL is what ListingSettle buys in production).
func splittingConfig(c *Config) {
	c.ListingPartRows = 16
	c.ListingMapTTL = 100 * time.Millisecond
	c.ListingSettle = time.Second
	c.ListingFlush = 20 * time.Millisecond
}

// quickSplittingConfig is splittingConfig with steps 300ms apart, for
// tests whose writes never overlap a move.
func quickSplittingConfig(c *Config) {
	splittingConfig(c)
	c.ListingSettle = 300 * time.Millisecond
}

// splitListings runs the listing worker's work on bucket every 50ms
// until stopped: counts flushed, ranges counted, split and moved.
func splitListings(t *testing.T, st store.Store, bucket string) func() {
	s := st.(*Store)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var stats ListingStats
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			if err := s.maintainBucketListing(ctx, bucket, &stats); err != nil && ctx.Err() == nil {
				t.Errorf("listing worker on %q: %v", bucket, err)
				return
			}
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	var stop sync.Once
	return func() {
		stop.Do(func() {
			cancel()
			<-done
			t.Logf("listing worker on %q: %+v", bucket, stats)
		})
	}
}
