package cassandra

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ListingLease is the lease (store.Leases) of the listing worker: one
// frontend at a time counts, splits and moves listing ranges.
const ListingLease = "listing"

// listingParallel is how many ranges the listing worker counts, and how
// many intervals a move's copy copies, at once: counting a bucket's ranges
// and copying them for its first splits take most of a move's time, and
// one at a time waits on every round trip.
const listingParallel = 4

// listingRowBytes is what a listing row costs besides its key: the
// columns' values (version, inode, size, block size, ETag, modified,
// owner, parts) and their cell overheads, roughly.
const listingRowBytes = 120

// ListingStats is what a listing pass did.
type ListingStats struct {
	Buckets  int // buckets looked at
	Counted  int // ranges whose rows were counted
	Moves    int // moves started (splits and migrations)
	Steps    int // later steps of moves written
	Copied   int // rows copied to new parts
	Retired  int // retired parts emptied
	Largest  int64
	Conflict int // map changes lost to another writer (nothing written)
}

// RunListingWorker runs a listing pass every ListingInterval, while this
// Store holds ListingLease, until ctx is done.
func (s *Store) RunListingWorker(ctx context.Context) {
	t := time.NewTicker(s.cfg.ListingInterval)
	defer t.Stop()
	for {
		s.listingIfLeader(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Store) listingIfLeader(ctx context.Context) {
	ok, err := s.AcquireLease(ctx, ListingLease, s.holder, max(3*s.cfg.ListingInterval, 10*time.Second))
	if err != nil || !ok {
		if err != nil && ctx.Err() == nil {
			s.log.Warn().Err(err).Msg("listing lease")
		}
		return
	}
	start := time.Now()
	st, err := s.ListingPass(ctx)
	s.recordListing(st, err, time.Since(start)) // metrics (ranges_totals.go)
	ev := s.log.Debug()
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		ev = s.log.Warn().Err(err)
	} else if st.Moves+st.Steps+st.Retired > 0 {
		ev = s.log.Info()
	}
	ev.Int("buckets", st.Buckets).Int("counted", st.Counted).Int("moves", st.Moves).Int("steps", st.Steps).
		Int("copied", st.Copied).Int("retired", st.Retired).Dur("took", time.Since(start)).Msg("listing pass")
}

// ListingPass looks at buckets' listings, from the position the last
// pass saved with ListingLease, for at most half a ListingInterval (and
// each bucket at most once): advances a move that settled, empties
// retired parts, moves a bucket still in hash shards to ranges, and
// splits or joins the ranges that outgrew the bound or emptied. A quiet
// bucket costs two single-row reads (its map's static columns and its
// total listing activity), whatever its number of ranges.
func (s *Store) ListingPass(ctx context.Context) (ListingStats, error) {
	var st ListingStats
	bs, err := s.allBucketInfos(ctx)
	if err != nil {
		return st, err
	}
	pos, err := s.LeasePosition(ctx, ListingLease)
	if err != nil {
		return st, err
	}
	first, _ := slices.BinarySearchFunc(bs, pos, func(b bucketInfo, name string) int { return strings.Compare(b.name, name) })
	if first < len(bs) && bs[first].name == pos {
		first++ // pos was done
	}
	budget := time.Now().Add(max(s.cfg.ListingInterval/2, time.Second))
	var errs []error
	for i := range bs {
		b := bs[(first+i)%len(bs)]
		st.Buckets++
		err := s.maintainListing(ctx, b, &st)
		switch {
		case errors.Is(err, errMoveRaced):
			st.Conflict++
		case err != nil:
			errs = append(errs, err)
		}
		if ctx.Err() != nil {
			break
		}
		if time.Now().After(budget) || i == len(bs)-1 {
			if _, err := s.SaveLeasePosition(ctx, ListingLease, s.holder, b.name); err != nil {
				errs = append(errs, err)
			}
			break
		}
	}
	return st, errors.Join(errs...)
}

// maintainBucketListing flushes this frontend's listing counts and does
// the next thing bucket's listing needs (a listing pass over one bucket).
func (s *Store) maintainBucketListing(ctx context.Context, bucket string, st *ListingStats) error {
	if err := s.flushListingActivity(ctx); err != nil {
		return err
	}
	b, err := s.readBucket(ctx, bucket)
	if err != nil {
		return err
	}
	st.Buckets++
	err = s.maintainListing(ctx, b, st)
	if errors.Is(err, errMoveRaced) {
		st.Conflict++
		return nil
	}
	return err
}

// maintainListing does the next thing b's listing needs, if any.
func (s *Store) maintainListing(ctx context.Context, b bucketInfo, st *ListingStats) error {
	h, err := s.readRangeHead(ctx, b)
	if err != nil {
		return err
	}
	act := activity{counted: h.counted}
	if !h.moving && len(h.retired) == 0 && !(b.shards > 0 && h.gen == 0) {
		// Nothing under way: the parts' counts are read only once the
		// bucket took a quarter of the bound in writes since they last
		// were, and the map only when a part took that many.
		total, err := s.readActivityTotal(ctx, b)
		if err != nil {
			return err
		}
		if total-act.counted[activityTotal] < s.countEvery() {
			return nil
		}
		if act.total, err = s.readActivity(ctx, b); err != nil {
			return err
		}
		busy := false
		for p := range act.total {
			busy = busy || (p != activityTotal && act.since(p) >= s.countEvery())
		}
		if err := s.exec(ctx, `UPDATE listing_ranges SET counted[?] = ? WHERE bucket_id = ?`, activityTotal, total, b.id); err != nil {
			return fmt.Errorf("record listing activity of %q: %w", b.name, err)
		}
		if !busy {
			return nil
		}
	}
	m, err := s.readRangeMap(ctx, b)
	if err != nil {
		return err
	}
	steps := moveStep(m)
	if (steps != 0 || len(m.retired) > 0) && time.Since(m.changed) < s.cfg.ListingSettle {
		return nil // the last change has not settled
	}
	if len(m.retired) > 0 {
		st.Retired += len(m.retired)
		if err := s.dropRetired(ctx, b, m); err != nil {
			return err
		}
		dropped := *m // maps are never modified: a copy without them
		dropped.retired = nil
		m = &dropped
	}
	if act.total == nil {
		if act.total, err = s.readActivity(ctx, b); err != nil {
			return err
		}
	}
	// Ranges not moving may start moving while others move.
	groups, err := s.planMoves(ctx, b, m, act, st)
	if err != nil {
		return err
	}
	if steps == 0 && len(groups) == 0 {
		return nil
	}
	if steps&stepDual != 0 {
		n, err := s.copyMoving(ctx, b, m)
		st.Copied += n
		if err != nil {
			return err
		}
		st.Steps++
	}
	if steps&stepSwitched != 0 {
		st.Steps++
	}
	slices.SortFunc(groups, func(a, b moveGroup) int { return a.first - b.first })
	st.Moves += len(groups)
	return s.advance(ctx, b, m, groups)
}

// activity is what listing_activity says of a bucket's parts (total
// writes counted by the frontends) and what the worker saw of it when it
// last counted each part's rows (listing_ranges.counted).
type activity struct {
	total, counted map[int]int64
}

// since is how many writes part took since its rows were last counted.
func (a activity) since(part int) int64 { return max(a.total[part]-a.counted[part], 0) }

// countEvery is how many writes to a part make the worker count its
// rows: a quarter of the bound.
func (s *Store) countEvery() int64 { return int64(max(s.cfg.ListingPartRows/4, 1)) }

// partCheck is what the worker last counted of a part.
type partCheck struct {
	rows, bytes int64
}

// planMoves returns the groups to move: the whole bucket when it is
// still in hash shards, else every range counted over the bound and the
// runs of emptied ranges to join. Ranges already moving are left alone.
func (s *Store) planMoves(ctx context.Context, b bucketInfo, m *rangeMap, act activity, st *ListingStats) ([]moveGroup, error) {
	if len(m.ranges) == 1 && m.ranges[0].read == legacyPart {
		if m.ranges[0].moving() {
			return nil, nil
		}
		cuts, rows, bytes, err := s.countRange(ctx, b, m.ranges[0])
		if err != nil {
			return nil, err
		}
		st.Counted++
		st.Largest = max(st.Largest, rows)
		s.log.Info().Str("bucket", b.name).Int64("keys", rows).Int64("bytes", bytes).Int("ranges", len(cuts)+1).
			Msg("listing: moving a bucket from hash shards to ranges")
		return []moveGroup{{first: 0, last: 0, cuts: cuts}}, nil
	}
	checked, err := s.readChecked(ctx, b)
	if err != nil {
		return nil, err
	}
	every := s.countEvery()
	// Due for a count: ranges that took a quarter of the bound in writes
	// since their last count, and ranges never counted. A move's new
	// ranges are counted once it is done: rows written to the old part
	// between its count and the move's first step reach them through
	// the copy, never as writes to their part.
	var due []int
	for i, r := range m.ranges {
		_, counted := checked[r.read]
		if !r.moving() && (act.since(r.read) >= every || !counted) {
			due = append(due, i)
		}
	}
	type count struct {
		cuts        []string
		rows, bytes int64
		writes      int64
	}
	counts := make([]count, len(due))
	err = parallel(ctx, len(due), listingParallel, func(ctx context.Context, k int) error {
		r := m.ranges[due[k]]
		w := act.total[r.read]
		cuts, rows, bytes, err := s.countRange(ctx, b, r)
		if err != nil {
			return err
		}
		counts[k] = count{cuts: cuts, rows: rows, bytes: bytes, writes: w}
		err = s.exec(ctx, `INSERT INTO listing_checked (bucket_id, part, writes, row_count, byte_count, checked) VALUES (?, ?, ?, ?, ?, ?)`,
			b.id, r.read, w, rows, bytes, time.Now())
		if err != nil {
			return fmt.Errorf("record listing count of %q part %d: %w", b.name, r.read, err)
		}
		// The writes seen are accounted for by the count (later ones
		// are not). Plain writes of a cell no conditional batch writes.
		err = s.exec(ctx, `UPDATE listing_ranges SET counted[?] = ? WHERE bucket_id = ?`, r.read, w, b.id)
		if err != nil {
			return fmt.Errorf("record listing count of %q part %d: %w", b.name, r.read, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var groups []moveGroup
	for k, i := range due {
		r, c := m.ranges[i], counts[k]
		st.Counted++
		st.Largest = max(st.Largest, c.rows)
		// Split before the bound: up to every more rows may come before
		// the next count.
		if len(c.cuts) > 0 && (c.rows > int64(s.cfg.ListingPartRows)-every || c.bytes > s.cfg.ListingPartBytes*3/4) {
			groups = append(groups, moveGroup{first: i, last: i, cuts: c.cuts})
		}
		checked[r.read] = partCheck{rows: c.rows, bytes: c.bytes}
		if act.counted == nil {
			act.counted = map[int]int64{}
		}
		act.counted[r.read] = c.writes
	}
	return append(groups, s.planMerges(m, groups, act, checked)...), nil
}

// planMerges returns groups joining runs of adjacent ranges that emptied:
// each run holds at most half the bound in all (rows counted, plus every
// write since, as if each added a row) and at least one of its ranges
// holds less than an eighth of it. Ranges never counted, moving, or in a
// split group, are left alone. Joined ranges split again only past three
// quarters of the bound, so the two never alternate.
func (s *Store) planMerges(m *rangeMap, splits []moveGroup, act activity, checked map[int]partCheck) []moveGroup {
	splitting := map[int]bool{}
	for _, g := range splits {
		splitting[g.first] = true
	}
	half, small := int64(s.cfg.ListingPartRows/2), int64(s.cfg.ListingPartRows/8)
	halfBytes := s.cfg.ListingPartBytes / 2
	estimate := func(i int) (rows, bytes int64, ok bool) {
		r := m.ranges[i]
		c, counted := checked[r.read]
		if !counted || splitting[i] || r.moving() {
			return 0, 0, false
		}
		since := act.since(r.read)
		return c.rows + since, c.bytes + since*listingRowBytes, true
	}
	var groups []moveGroup
	for i := 0; i < len(m.ranges); {
		rows, bytes, ok := estimate(i)
		if !ok {
			i++
			continue
		}
		j, least := i, rows
		for j+1 < len(m.ranges) {
			r, b, ok := estimate(j + 1)
			if !ok || rows+r > half || bytes+b > halfBytes {
				break
			}
			j, rows, bytes, least = j+1, rows+r, bytes+b, min(least, r)
		}
		if j > i && least < small {
			groups = append(groups, moveGroup{first: i, last: j})
		}
		i = j + 1
	}
	return groups
}

// countRange counts the rows and bytes of r and returns where to cut it
// into ranges of about half the bound each (none when it fits in one).
func (s *Store) countRange(ctx context.Context, b bucketInfo, r listRange) (cuts []string, rows, bytes int64, err error) {
	c := s.newCursor(b, "", "", "", maxListPage)
	c.markers = true
	c.upper = r.end
	c.seek(r.start, false)
	// Sampled keys, every step rows, and the bytes before each.
	step := int64(max(s.cfg.ListingPartRows/16, 1))
	type sample struct {
		key          string
		rows, before int64
	}
	var samples []sample
	for {
		row, ok := c.nextRow(ctx)
		if !ok {
			break
		}
		if rows > 0 && rows%step == 0 {
			samples = append(samples, sample{row.key, rows, bytes})
		}
		rows++
		bytes += int64(len(row.key)) + listingRowBytes
	}
	if err := c.Err(); err != nil {
		return nil, 0, 0, fmt.Errorf("count listing range %q of %q: %w", r.start, b.name, err)
	}
	halfRows, halfBytes := int64(max(s.cfg.ListingPartRows/2, 1)), max(s.cfg.ListingPartBytes/2, 1)
	n := max((rows+halfRows-1)/halfRows, (bytes+halfBytes-1)/halfBytes, 1) // ranges wanted
	// Cut at the samples nearest to n-1 evenly spaced row counts.
	for i, k := int64(1), 0; i < n && k < len(samples); i++ {
		target := rows * i / n
		for k+1 < len(samples) && samples[k+1].rows <= target {
			k++
		}
		if samples[k].rows > 0 && (len(cuts) == 0 || samples[k].key > cuts[len(cuts)-1]) {
			cuts = append(cuts, samples[k].key)
		}
	}
	return cuts, rows, bytes, nil
}

// readActivity reads b's listing writes per part (listing_activity).
func (s *Store) readActivity(ctx context.Context, b bucketInfo) (map[int]int64, error) {
	iter := s.query(ctx, `SELECT part, writes FROM listing_activity WHERE bucket_id = ?`, b.id).Idempotent(true).Iter()
	out := map[int]int64{}
	var (
		part   int
		writes int64
	)
	for iter.Scan(&part, &writes) {
		out[part] = writes
	}
	if err := iter.Close(); err != nil {
		return nil, fmt.Errorf("read listing activity of %q: %w", b.name, err)
	}
	return out, nil
}

// readChecked reads what the worker last counted of b's parts.
func (s *Store) readChecked(ctx context.Context, b bucketInfo) (map[int]partCheck, error) {
	iter := s.query(ctx, `SELECT part, row_count, byte_count FROM listing_checked WHERE bucket_id = ?`, b.id).Idempotent(true).Iter()
	out := map[int]partCheck{}
	var (
		part int
		c    partCheck
	)
	for iter.Scan(&part, &c.rows, &c.bytes) {
		out[part] = c
	}
	if err := iter.Close(); err != nil {
		return nil, fmt.Errorf("read listing counts of %q: %w", b.name, err)
	}
	return out, nil
}
