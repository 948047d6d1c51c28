package cassandra

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/store"
)

// wantListing pages through keys (sorted, the bucket's listed keys) as
// S3 does: the entries of each page of max, and the after of the next.
func wantListing(keys []string, prefix, delimiter, after string, max int) (entries []string, next string, truncated bool) {
	for _, k := range keys {
		if !strings.HasPrefix(k, prefix) || k <= after {
			continue
		}
		e := k
		if cp := store.CommonPrefix(k, prefix, delimiter); cp != "" {
			if cp <= after || (len(entries) > 0 && entries[len(entries)-1] == cp) {
				continue
			}
			e = cp
		}
		if len(entries) == max {
			return entries, entries[max-1], true
		}
		entries = append(entries, e)
	}
	return entries, "", false
}

// aheadKeys are keys with common prefixes of many sizes under big/
// (from 1 to 700 keys), plain keys among them, and flat keys after; the
// deleted ones are deleted in a versioned bucket: gone/ is no prefix,
// half/, whose first key only is deleted, is one.
func aheadKeys() (keys, deleted []string) {
	for d := range 12 {
		n := []int{150, 3, 700, 1, 90, 260}[d%6]
		for i := range n {
			keys = append(keys, fmt.Sprintf("big/d%02d/k%04d", d, i))
		}
	}
	for i := range 40 {
		keys = append(keys, fmt.Sprintf("big/f%02d", i)) // plain keys among the prefixes
	}
	for i := range 300 {
		keys = append(keys, fmt.Sprintf("big/z/k%04d", i), fmt.Sprintf("flat%04d", i))
	}
	for i := range 5 {
		keys = append(keys, fmt.Sprintf("big/gone/k%d", i), fmt.Sprintf("big/half/k%d", i))
	}
	slices.Sort(keys)
	return keys, []string{"big/gone/k0", "big/gone/k1", "big/gone/k2", "big/gone/k3", "big/gone/k4", "big/half/k0"}
}

// deleteVersioned turns versioning on in bucket and deletes keys, each
// behind a delete marker, and returns the keys left listed.
func deleteVersioned(t *testing.T, s *Store, bucket string, keys, deleted []string) []string {
	t.Helper()
	ctx := context.Background()
	if err := s.SetBucketSetting(ctx, bucket, store.SettingVersioning, store.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	listed := slices.Clone(keys)
	for _, k := range deleted {
		if _, err := s.DeleteObject(ctx, bucket, k); err != nil {
			t.Fatal(err)
		}
		listed = slices.DeleteFunc(listed, func(x string) bool { return x == k })
	}
	return listed
}

// checkListing pages through a listing of bucket and compares every page
// with wantListing's over listed.
func checkListing(t *testing.T, s *Store, bucket string, listed []string, prefix string, max int) {
	t.Helper()
	after := ""
	for {
		want, wantNext, wantTrunc := wantListing(listed, prefix, "/", after, max)
		res, err := s.ListObjects(context.Background(), store.ListInput{Bucket: bucket, Prefix: prefix, Delimiter: "/", After: after, MaxKeys: max})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, o := range res.Objects {
			got = append(got, o.Key)
		}
		got = append(got, res.CommonPrefixes...)
		slices.Sort(got)
		if !slices.Equal(got, want) || res.IsTruncated != wantTrunc || (wantTrunc && res.NextAfter != wantNext) {
			t.Fatalf("prefix %q max %d after %q: got %q (truncated %t, next %q), want %q (%t, %q)",
				prefix, max, after, got, res.IsTruncated, res.NextAfter, want, wantTrunc, wantNext)
		}
		if !wantTrunc {
			return
		}
		after = res.NextAfter
	}
}

// A delimiter listing over long common prefixes in many ranges scans
// ranges ahead, and lists exactly what a listing of the sorted keys does:
// prefixes that span ranges once, prefixes whose keys are all behind a
// delete marker not at all, pages of every size, continued from a key or
// from a common prefix.
func TestListAheadAgrees(t *testing.T) {
	t.Parallel()
	keys, deleted := aheadKeys()
	s, counter, m := rangedBucket(t, "ahead", keys)
	if len(m.ranges) < 8 {
		t.Fatalf("%d ranges, want 8 or more", len(m.ranges))
	}
	ctx := context.Background()
	listed := deleteVersioned(t, s, "ahead", keys, deleted)
	for _, prefix := range []string{"", "big/", "big/d0", "flat"} {
		for _, max := range []int{1, 2, 5, 1000} {
			checkListing(t, s, "ahead", listed, prefix, max)
		}
	}
	// The listing of big/ went ahead, and its entries are the same.
	counter.queries.Store(0)
	in := store.ListInput{Bucket: "ahead", Prefix: "big/", Delimiter: "/", MaxKeys: 1000}
	c := s.newCursor(mustBucket(t, s, "ahead"), in.Prefix, in.Delimiter, in.After, in.MaxKeys)
	c.want = in.MaxKeys + 1
	res, err := store.List(ctx, c, in)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("big/ over %d ranges: %d prefixes, %d objects, %d queries, %d batches ahead, %d ranges read",
		len(m.ranges), len(res.CommonPrefixes), len(res.Objects), counter.queries.Load(), c.aheads, c.ranges)
	if c.aheads == 0 {
		t.Error("the listing of big/ scanned no range ahead")
	}
	if want, _, _ := wantListing(listed, in.Prefix, "/", "", 1000); len(res.CommonPrefixes)+len(res.Objects) != len(want) {
		t.Errorf("%d entries, want %d", len(res.CommonPrefixes)+len(res.Objects), len(want))
	}
	if n := len(s.aheadSlots); n != 0 {
		t.Errorf("%d slots for ranges scanned ahead still taken", n)
	}
	// With the process's slots all taken (other listings scanning ahead),
	// a listing goes on one range at a time, and lists the same.
	s.takeAhead(aheadSlots)
	if aheads := listAheads(t, s, "ahead", "big/"); aheads != 0 {
		t.Errorf("%d batches ahead with no slot free", aheads)
	}
	checkListing(t, s, "ahead", listed, "big/", 1000)
	s.releaseAhead(aheadSlots)
}

// Listings that scan ahead while the bucket's ranges split under them:
// keys are added to big/'s prefixes only, so every listing of big/ must
// give the same entries, whatever the ranges it read were doing.
func TestListAheadDuringSplits(t *testing.T) {
	t.Parallel()
	counter := &listingCounter{}
	s := newStore(t, func(c *Config) {
		splittingConfig(c)
		c.ListingPartRows = 400
		c.observer = counter
	})
	keys, deleted := aheadKeys()
	mustCreateBucket(t, s, "ahead-splits")
	putKeys(t, s, "ahead-splits", keys)
	runListingWorker(t, "ahead-splits", s)
	listed := deleteVersioned(t, s, "ahead-splits", keys, deleted)
	m0 := mapOf(t, s, "ahead-splits")
	stop := splitListings(t, s, "ahead-splits")
	defer stop()
	// Into the long prefixes d02/, d08/ and z/ only: the short ones keep
	// sharing ranges, where a listing scans ahead.
	var more []string
	for i := range 2400 {
		more = append(more, fmt.Sprintf("big/%s/x%04d", []string{"d02", "d08", "z"}[i%3], i))
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		putKeys(t, s, "ahead-splits", more)
	}()
	// List until the keys are in and the moves they caused are over.
	deadline := time.Now().Add(60 * time.Second)
	listings, gens := 0, map[int64]bool{}
	for writing := true; ; listings++ {
		select {
		case <-done:
			writing = false
		default:
		}
		m := mapOf(t, s, "ahead-splits")
		gens[m.gen] = true
		if !writing && moveStep(m) == 0 || time.Now().After(deadline) {
			break
		}
		checkListing(t, s, "ahead-splits", listed, "big/", []int{1000, 3}[listings%2])
		if t.Failed() {
			return
		}
	}
	stop()
	m := mapOf(t, s, "ahead-splits")
	t.Logf("%d listings of big/ (%d queries) while %d keys were added: %d ranges at gen %d -> %d at gen %d, %d gens seen",
		listings, counter.queries.Load(), len(more), len(m0.ranges), m0.gen, len(m.ranges), m.gen, len(gens))
	if len(gens) < 3 {
		t.Errorf("the listings saw %d maps, want the steps of a move", len(gens))
	}
	if aheads := listAheads(t, s, "ahead-splits", "big/"); aheads == 0 {
		t.Error("a listing of big/ scans no range ahead")
	}
}

// listAheads lists prefix of bucket with delimiter / in one page of 1000,
// as ListObjects does, and returns the batches of ranges it scanned ahead.
func listAheads(t *testing.T, s *Store, bucket, prefix string) int {
	t.Helper()
	in := store.ListInput{Bucket: bucket, Prefix: prefix, Delimiter: "/", MaxKeys: 1000}
	c := s.newCursor(mustBucket(t, s, bucket), in.Prefix, in.Delimiter, in.After, in.MaxKeys)
	c.want = in.MaxKeys + 1
	if _, err := store.List(context.Background(), c, in); err != nil {
		t.Fatal(err)
	}
	return c.aheads
}

// Common prefixes that each span many ranges are listed with a query or
// two each, one range after another, even after shorter prefixes had the
// listing scan ahead: a batch of ranges inside one long prefix lists it
// again in every range but the first, and gives no entry a range.
func TestListAheadNotForHugePrefixes(t *testing.T) {
	t.Parallel()
	var keys []string
	for d := range 4 {
		for i := range 100 {
			keys = append(keys, fmt.Sprintf("big/a%d/k%04d", d, i))
		}
		for i := range 1000 {
			keys = append(keys, fmt.Sprintf("big/d%d/k%04d", d, i))
		}
	}
	s, counter, m := rangedBucket(t, "huge", keys)
	if len(m.ranges) < 10 {
		t.Fatalf("%d ranges, want 10 or more", len(m.ranges))
	}
	aheads := listAheads(t, s, "huge", "big/")
	q := counter.queries.Load()
	t.Logf("8 prefixes over %d ranges: %d queries, %d batches ahead", len(m.ranges), q, aheads)
	if q > 16 {
		t.Errorf("8 prefixes over %d ranges: %d queries, %d batches ahead; want at most 2 a prefix", len(m.ranges), q, aheads)
	}
}
