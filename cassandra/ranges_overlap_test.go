package cassandra

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// A range filling up while another range moves starts its own split at
// the next change, without waiting for the first move to finish: the map
// then holds a range at step 2 and another at step 1. The listing stays
// exact after every change, and every partition ends under the bound.
func TestListingMovesOverlap(t *testing.T) {
	t.Parallel()
	s := newStore(t, quickSplittingConfig)
	ctx := context.Background()
	mustCreateBucket(t, s, "overlap")
	var want []string
	put := func(prefix string, n int) {
		t.Helper()
		var keys []string
		for i := range n {
			keys = append(keys, fmt.Sprintf("%s/%03d", prefix, len(want)+i))
		}
		putKeys(t, s, "overlap", keys)
		want = append(want, keys...)
		slices.Sort(want)
	}
	check := func(when string) {
		t.Helper()
		for _, size := range []int{3, 1000} {
			if got := listAll(t, s, "overlap", size); !slices.Equal(got, want) {
				t.Fatalf("%s, pages of %d: %d keys listed, want %d", when, size, len(got), len(want))
			}
		}
	}
	pass := func(when string) *rangeMap {
		t.Helper()
		time.Sleep(s.cfg.ListingSettle + 50*time.Millisecond)
		if err := s.maintainBucketListing(ctx, "overlap", &ListingStats{}); err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		check(when)
		return mapOf(t, s, "overlap")
	}

	// Two quiet ranges at least: "a/..." and "z/...".
	put("a", 10)
	put("z", 10)
	runListingWorker(t, "overlap", s)
	m := mapOf(t, s, "overlap")
	if len(m.ranges) < 2 || m.ranges[len(m.ranges)-1].start < "a/999" {
		t.Fatalf("setup: ranges %+v, want one of them for z/ alone", m.ranges)
	}

	// The first range fills and starts a split.
	put("a", 30)
	m = pass("first range full")
	if moveStep(m) != stepDual {
		t.Fatalf("after the first range filled: steps %b, want dual only; ranges %+v", moveStep(m), m.ranges)
	}
	// The last range fills while the first moves; the next change
	// switches the first and starts the last.
	put("z", 30)
	m = pass("last range full")
	if moveStep(m) != stepDual|stepSwitched {
		t.Fatalf("after the last range filled: steps %b, want dual and switched; ranges %+v", moveStep(m), m.ranges)
	}
	last := m.ranges[len(m.ranges)-1]
	if !last.moving() || last.read != last.writes[0] {
		t.Fatalf("last range %+v, want it at step 1", last)
	}
	// The next change finishes the first and switches the last, and so on.
	m = pass("first done, last switched")
	if moveStep(m) != stepSwitched {
		t.Fatalf("steps %b, want switched only; ranges %+v", moveStep(m), m.ranges)
	}
	if len(m.retired) == 0 {
		t.Fatalf("the first range's old part was not retired: %+v", m)
	}
	runListingWorker(t, "overlap", s)
	check("after the worker caught up")
	m = checkRangesBounded(t, s, "overlap", s.cfg.ListingPartRows)
	used := map[int]bool{}
	for _, r := range m.ranges {
		used[r.read] = true
	}
	for p := range m.nextPart {
		if n := partRows(t, s, "overlap", p, "", ""); !used[p] && n != 0 {
			t.Errorf("retired part %d still holds %d rows", p, n)
		}
	}
}

// Rows written to a range between its count and its move's first step
// reach the new parts only through the copy, never as writes to them: a
// new range is counted once its move is done, and split if that took it
// over the bound, with no write to it since.
func TestListingCountsNewRanges(t *testing.T) {
	t.Parallel()
	s := newStore(t, quickSplittingConfig)
	ctx := context.Background()
	mustCreateBucket(t, s, "late")
	var keys []string
	for i := range 10 {
		keys = append(keys, fmt.Sprintf("k%02d", i))
	}
	putKeys(t, s, "late", keys)
	runListingWorker(t, "late", s) // counted: 10 rows, under the bound
	b := mustBucket(t, s, "late")
	m := mapOf(t, s, "late")
	if len(m.ranges) != 1 {
		t.Fatalf("setup: %d ranges, want 1", len(m.ranges))
	}
	// As if the worker had cut the range at its count, and the keys
	// below came before its move's first step.
	for i := 10; i < 40; i++ {
		keys = append(keys, fmt.Sprintf("k%02d", i))
	}
	putKeys(t, s, "late", keys[10:])
	if err := s.advance(ctx, b, m, []moveGroup{{first: 0, last: 0, cuts: []string{"k05"}}}); err != nil {
		t.Fatal(err)
	}
	runListingWorker(t, "late", s)
	if got := listAll(t, s, "late", 7); !slices.Equal(got, keys) {
		t.Fatalf("%d keys listed, want %d", len(got), len(keys))
	}
	checkRangesBounded(t, s, "late", s.cfg.ListingPartRows)
}
