package cassandra

import (
	"context"
	"strings"

	"github.com/amphora-s3/amphora/store"
)

// A delimiter listing whose common prefixes are long, such as prefix
// photos/ over directories of thousands of keys each, costs a query per
// prefix: the next prefix is only found by reading past the last one.
// Within a range those queries follow one another, but ranges are
// independent: once such a listing has crossed a range that took several
// queries for few entries (sparse), the cursor scans the next ranges at
// once, each with a cursor of its own bounded by the range's end, and
// then serves their entries in key order. Batches double, from 2 ranges
// up to aheadRanges, while the listing stays sparse. A range scanned
// ahead stops after its first query when that gave many entries (plain
// keys): a listing that turns dense reads one page of the ranges it
// may not reach, then goes on one range at a time.
const (
	aheadRanges  = 8 // ranges scanned at once
	aheadQueries = 8 // queries a range scanned ahead may make before it waits its turn
	// aheadSparse is the most entries per query a range may have yielded
	// for the listing to scan the next ones ahead.
	aheadSparse = 2
	// aheadSkipPage caps the page of a range scanned ahead that resumes
	// past a common prefix: prefixes there are longer than pages, so a
	// larger page reads more rows of the next prefix for nothing, and
	// queries running at once make those rows cost.
	aheadSkipPage = 32
	// aheadSlots bounds the ranges scanned ahead at once by the whole
	// process (8 listings' full batches): past it, a listing scans fewer
	// ranges at once, or none, and goes on one range at a time, so that
	// many such listings at once do not multiply the queries in flight.
	aheadSlots = 64
)

// rangeScan is one range of a batch scanned ahead: a cursor over the
// range's keys (its upper bound the range's end), the entries it found
// (keys, and the first key of each common prefix, which it skipped), and
// where the range ends ("": the bucket's last range).
type rangeScan struct {
	sub  *cursor
	rows []listRow
	end  string
}

// scan reads the range's entries, up to want of them, while they come
// few per query (a range of plain keys stops after its first page), for
// at most aheadQueries queries: the main cursor goes on from there in
// turn.
func (a *rangeScan) scan(ctx context.Context, want int) error {
	c := a.sub
	for len(a.rows) < want {
		if c.wouldFetch() && (c.fetches >= aheadQueries || c.yielded > aheadSparse*c.fetches) {
			break
		}
		r, ok := c.nextRow(ctx)
		if !ok {
			break
		}
		if r.marker && !c.markers {
			continue // not listed, as in Next: it makes no common prefix either
		}
		c.yielded++
		a.rows = append(a.rows, r)
		if p := store.CommonPrefix(r.key, c.prefix, c.delimiter); p != "" {
			c.SkipPrefix(ctx, p)
		}
	}
	return c.err
}

// next returns the range's next row: the ones scanned ahead, then the
// range cursor's own.
func (a *rangeScan) next(ctx context.Context) (listRow, bool) {
	if len(a.rows) > 0 {
		r := a.rows[0]
		a.rows = a.rows[1:]
		return r, true
	}
	return a.sub.nextRow(ctx)
}

// wouldFetch tells whether the cursor's next row needs a query.
func (c *cursor) wouldFetch() bool {
	if c.done {
		return false
	}
	if !c.started {
		return true
	}
	for _, it := range c.shards {
		if len(it.rows) > 0 {
			return false
		}
	}
	return true
}

// sparse tells whether the listing should scan the next ranges ahead: a
// delimiter listing (of ListObjects, whose want bounds every scan) whose
// last range, or batch of n ranges, took several queries and gave few
// entries per query, but at least two entries, or one a range: common
// prefixes that each span many ranges would have every range of a batch
// but the first list the same prefix again, for nothing.
func (c *cursor) sparse(n int) bool {
	f, e := c.fetches-c.segFetches, c.yielded-c.segYield
	return c.delim && c.want > 0 && !c.noAhead && !c.skipAll && f >= 2 && e >= max(n, 2) && e <= aheadSparse*f
}

// newSegment starts counting the entries and queries of the next range
// or batch of ranges.
func (c *cursor) newSegment() {
	c.segYield, c.segFetches = c.yielded, c.fetches
}

// goAhead scans up to n ranges from the one holding from (or from
// skipTo, when further) at once, and queues them. It returns false, with
// nothing queued, when the first of them is in hash shards.
func (c *cursor) goAhead(ctx context.Context, from string, n int) (bool, error) {
	from = max(from, c.skipTo)
	m, err := c.s.ranges(ctx, c.b)
	if err != nil {
		return false, err
	}
	want := c.want - c.yielded
	var scans []*rangeScan
	for i := m.find(from); i < len(m.ranges) && len(scans) < n; i++ {
		r := m.ranges[i]
		if len(partShards(c.b, r.read)) != 1 {
			break
		}
		end := r.end
		if c.upper != "" && (end == "" || end > c.upper) {
			end = c.upper
		}
		sub := &cursor{s: c.s, b: c.b, prefix: c.prefix, upper: end, maxKeys: c.maxKeys, want: want,
			delim: true, delimiter: c.delimiter, markers: c.markers, noAhead: true, skipCap: aheadSkipPage, from: from}
		scans = append(scans, &rangeScan{sub: sub, end: end})
		if end == "" || end == c.upper {
			break
		}
		from = end
	}
	scans = scans[:c.s.takeAhead(len(scans))]
	if len(scans) == 0 {
		return false, nil
	}
	err = parallel(ctx, len(scans), len(scans), func(ctx context.Context, i int) error {
		return scans[i].scan(ctx, want)
	})
	c.s.releaseAhead(len(scans))
	if err != nil {
		return false, err
	}
	c.newSegment()
	c.ahead, c.aheadN = scans, len(scans)
	c.aheads++
	c.started, c.shards = false, nil
	return true, nil
}

// nextAhead returns the next row of the ranges scanned ahead. Once they
// are all read, the cursor goes on after the last one, with another
// batch, twice as large, while the listing stays sparse.
func (c *cursor) nextAhead(ctx context.Context) (listRow, bool) {
	for len(c.ahead) > 0 {
		a := c.ahead[0]
		if r, ok := a.next(ctx); ok {
			return r, true
		}
		if a.sub.err != nil {
			c.err = a.sub.err
			return listRow{}, false
		}
		c.ahead = c.ahead[1:]
		c.ranges += a.sub.ranges
		c.fetches += a.sub.fetches
		if len(c.ahead) > 0 {
			continue
		}
		if a.end == "" || (c.upper != "" && a.end >= c.upper) {
			c.done = true
			break
		}
		c.from, c.exclusive = a.end, false
		if !c.sparse(c.aheadN) {
			c.newSegment()
			break
		}
		if _, err := c.goAhead(ctx, a.end, min(2*c.aheadN, aheadRanges)); err != nil {
			c.err = err
			return listRow{}, false
		}
	}
	return listRow{}, false
}

// skipAhead drops p's keys from the ranges scanned ahead: the rows of
// each at the head of the queue, up to the first that goes on past p. A
// range left with no row scanned skips p itself too (a range's scan
// already skipped every prefix it found, p included if its rows start
// inside p; this keeps the rule local).
func (c *cursor) skipAhead(ctx context.Context, p string) {
	if c.skipAll {
		c.ahead = nil // every key left is under p
		return
	}
	for _, a := range c.ahead {
		i := 0
		for i < len(a.rows) && strings.HasPrefix(a.rows[i].key, p) {
			i++
		}
		a.rows = a.rows[i:]
		if len(a.rows) > 0 {
			return // past p: so is every range after it
		}
		a.sub.SkipPrefix(ctx, p)
	}
}

// takeAhead takes up to n of the process's slots for ranges scanned
// ahead, without waiting, and returns how many it took.
func (s *Store) takeAhead(n int) int {
	for i := range n {
		select {
		case s.aheadSlots <- struct{}{}:
		default:
			return i
		}
	}
	return n
}

func (s *Store) releaseAhead(n int) {
	for range n {
		<-s.aheadSlots
	}
}
