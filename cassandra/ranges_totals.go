package cassandra

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ListingTotals add up the listing passes RunListingWorker made in this
// process (it works only while it holds ListingLease): metrics.
type ListingTotals struct {
	Passes, FailedPasses uint64
	Counted              uint64 // ranges counted
	Moves                uint64 // splits, joins and migrations started
	Steps                uint64 // later steps of moves
	Copied               uint64 // listing rows copied to new parts
	Retired              uint64 // parts emptied
	Conflicts            uint64 // map changes another writer won
	LargestCounted       int64  // most rows in a range counted by the last pass that counted one
	LastPass             time.Time
	LastDuration         time.Duration
}

type listingTotals struct {
	mu sync.Mutex
	t  ListingTotals
}

func (s *Store) recordListing(st ListingStats, err error, took time.Duration) {
	l := &s.listingTotals
	l.mu.Lock()
	defer l.mu.Unlock()
	l.t.Passes++
	if err != nil && !errors.Is(err, context.Canceled) {
		l.t.FailedPasses++
	}
	l.t.Counted += uint64(st.Counted)
	l.t.Moves += uint64(st.Moves)
	l.t.Steps += uint64(st.Steps)
	l.t.Copied += uint64(st.Copied)
	l.t.Retired += uint64(st.Retired)
	l.t.Conflicts += uint64(st.Conflict)
	if st.Counted > 0 {
		l.t.LargestCounted = st.Largest
	}
	l.t.LastPass, l.t.LastDuration = time.Now(), took
}

// ListingTotals reports the listing passes this process ran.
func (s *Store) ListingTotals() ListingTotals {
	l := &s.listingTotals
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.t
}
