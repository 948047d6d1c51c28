package cassandra

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// Listing ranges (doc.go, "Listing ranges"): a bucket's listing rows are
// cut into key ranges, each in an objects partition of its own (its part),
// and a range splits into new parts as it fills. The map of ranges lives
// in listing_ranges, one partition per bucket, and every change to it is
// one conditional batch fenced by gen (ranges_move.go). Frontends cache
// it and re-read gen at least every ListingMapTTL.

// legacyPart is the part of a range whose rows are spread over the
// bucket's hash shards (buckets.shards > 0, the layout before ranges):
// a key's row is in shard shardOf(key, shards).
const legacyPart = -1

// listRange is one elementary key interval of a bucket's listing:
// [start, end) ("" end: no end). Readers read read; writers write every
// part of writes (two while the interval moves from one part to another).
type listRange struct {
	start  string
	end    string
	read   int
	writes []int
}

// moving reports whether r is in a move (step 1 or 2: it writes two parts).
func (r listRange) moving() bool { return len(r.writes) != 1 }

// rangeMap is a bucket's listing map at one gen. It is never modified
// once built: a change builds a new one.
type rangeMap struct {
	gen      int64
	changed  time.Time // when gen was written (zero for the implicit map)
	nextPart int       // the next part a move may take
	retired  []int     // parts moved away from, emptied once no frontend may write them
	ranges   []listRange
}

// implicitMap is the map of a bucket with no listing_ranges rows: one
// range over all keys, in its hash shards or in part 0.
func implicitMap(b bucketInfo) *rangeMap {
	m := &rangeMap{nextPart: 1, ranges: []listRange{{read: 0, writes: []int{0}}}}
	if b.shards > 0 {
		m.nextPart = b.shards
		m.ranges[0].read, m.ranges[0].writes = legacyPart, []int{legacyPart}
	}
	return m
}

// find returns the index of the range holding key.
func (m *rangeMap) find(key string) int {
	i := sort.Search(len(m.ranges), func(i int) bool { return m.ranges[i].start > key })
	return max(i-1, 0)
}

// partShard returns the objects partition (its shard column) that part p
// of bucket b means for key: p itself, or key's hash shard for legacyPart.
func partShard(b bucketInfo, p int, key string) int {
	if p == legacyPart {
		return shardOf(key, b.shards)
	}
	return p
}

// partShards returns every objects partition part p of bucket b holds
// rows in: p itself, or all of the bucket's hash shards for legacyPart.
func partShards(b bucketInfo, p int) []int {
	if p != legacyPart {
		return []int{p}
	}
	shards := make([]int, b.shards)
	for i := range shards {
		shards[i] = i
	}
	return shards
}

// rangeCache keeps each bucket's map, trusted for ListingMapTTL after its
// gen was last confirmed. A bucket's map not used for rangeCacheIdle is
// dropped (looked for at most once a rangeCacheIdle), so a frontend that
// served many buckets once does not keep all their maps.
type rangeCache struct {
	mu      sync.Mutex
	buckets map[gocql.UUID]*rangeSlot
	swept   time.Time // last look for idle maps
}

// rangeCacheIdle is how long an unused bucket's map stays cached.
const rangeCacheIdle = 10 * time.Minute

type rangeSlot struct {
	mu        sync.Mutex // held while a request refreshes m
	m         *rangeMap
	confirmed time.Time // when the read that confirmed m's gen started
	ahead     bool      // a refresh ahead of the TTL runs (refreshAhead)
	used      time.Time // last slot lookup (under rangeCache.mu)
}

func (c *rangeCache) slot(id gocql.UUID) *rangeSlot {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if c.buckets == nil {
		c.buckets = map[gocql.UUID]*rangeSlot{}
		c.swept = now
	}
	if now.Sub(c.swept) >= rangeCacheIdle {
		c.evictIdle(now)
	}
	sl := c.buckets[id]
	if sl == nil {
		sl = &rangeSlot{}
		c.buckets[id] = sl
	}
	sl.used = now
	return sl
}

// evictIdle drops the maps not looked up for rangeCacheIdle. A caller
// still holding a dropped slot finishes with it; the next lookup reads
// the map again. Called with c.mu held.
func (c *rangeCache) evictIdle(now time.Time) {
	c.swept = now
	for id, sl := range c.buckets {
		if now.Sub(sl.used) >= rangeCacheIdle {
			delete(c.buckets, id)
		}
	}
}

// size is the number of buckets whose map is cached.
func (c *rangeCache) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.buckets)
}

// forget drops a bucket's map: the next use reads it again.
func (c *rangeCache) forget(id gocql.UUID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.buckets, id)
}

// ranges returns bucket b's listing map, confirmed less than
// ListingMapTTL ago. Every decision of where a listing row goes or is
// read from is taken on a map that fresh: the moves that change the map
// wait ListingSettle (more than the TTL and a write's longest flight)
// between two steps, so no two frontends ever act on maps more than one
// step apart (ranges_move.go).
//
// A map confirmed more than half the TTL ago is still served, and the
// first request to see it so starts its refresh in the background
// (refreshAhead): a bucket in steady use never waits for the read of its
// gen, nor for the read of a changed map that takes less than half the
// TTL. Only a map past the TTL makes requests wait, one of them reading.
func (s *Store) ranges(ctx context.Context, b bucketInfo) (*rangeMap, error) {
	sl := s.rangeMaps.slot(b.id)
	sl.mu.Lock()
	defer sl.mu.Unlock()
	ttl := s.cfg.ListingMapTTL
	if sl.m != nil && ttl > 0 {
		if age := time.Since(sl.confirmed); age < ttl {
			if age >= ttl/2 && !sl.ahead {
				sl.ahead = true
				go s.refreshAhead(context.WithoutCancel(ctx), b, sl)
			}
			return sl.m, nil
		}
	}
	start := time.Now()
	m, err := s.confirmRanges(ctx, b, sl.m)
	if err != nil {
		return nil, err
	}
	sl.m, sl.confirmed = m, start
	return m, nil
}

// refreshAhead confirms or replaces sl's map without holding sl.mu while
// it reads; a failed read is left for a request to meet once the map is
// past its TTL.
func (s *Store) refreshAhead(ctx context.Context, b bucketInfo, sl *rangeSlot) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	sl.mu.Lock()
	cur := sl.m
	sl.mu.Unlock()
	start := time.Now()
	m, err := s.confirmRanges(ctx, b, cur)
	sl.mu.Lock()
	defer sl.mu.Unlock()
	sl.ahead = false
	if err == nil && start.After(sl.confirmed) {
		sl.m, sl.confirmed = m, start
	}
}

// confirmRanges returns cur if b's map is still at its gen (one read),
// else b's map read whole.
func (s *Store) confirmRanges(ctx context.Context, b bucketInfo, cur *rangeMap) (*rangeMap, error) {
	if cur != nil {
		gen, err := s.readRangeGen(ctx, b)
		if err != nil {
			return nil, err
		}
		if gen == cur.gen {
			return cur, nil
		}
	}
	return s.readRangeMap(ctx, b)
}

// readRangeGen reads the gen of b's map (0: no map written yet).
func (s *Store) readRangeGen(ctx context.Context, b bucketInfo) (int64, error) {
	var gen int64
	err := s.query(ctx, `SELECT gen FROM listing_ranges WHERE bucket_id = ? LIMIT 1`, b.id).Idempotent(true).Scan(&gen)
	if err != nil && !errors.Is(err, gocql.ErrNotFound) {
		return 0, fmt.Errorf("read listing map gen of %q: %w", b.name, err)
	}
	return gen, nil
}

// rangeHead is the static part of b's map: enough for the listing worker
// to tell whether a bucket needs its attention.
type rangeHead struct {
	gen     int64
	changed time.Time
	moving  bool
	retired []int
	counted map[int]int64 // listing_activity per part when last counted
}

func (s *Store) readRangeHead(ctx context.Context, b bucketInfo) (rangeHead, error) {
	var h rangeHead
	err := s.query(ctx, `SELECT gen, changed, moving, retired, counted FROM listing_ranges WHERE bucket_id = ? LIMIT 1`, b.id).
		Idempotent(true).Scan(&h.gen, &h.changed, &h.moving, &h.retired, &h.counted)
	if err != nil && !errors.Is(err, gocql.ErrNotFound) {
		return h, fmt.Errorf("read listing map of %q: %w", b.name, err)
	}
	return h, nil
}

// readRangeMap reads b's whole map. Its rows come in pages; a move that
// commits between two pages changes gen, and the read starts over.
func (s *Store) readRangeMap(ctx context.Context, b bucketInfo) (*rangeMap, error) {
	for attempt := 0; ; attempt++ {
		m, consistent, err := s.readRangeMapOnce(ctx, b)
		if err != nil || consistent {
			return m, err
		}
		if attempt == 5 {
			return nil, fmt.Errorf("read listing map of %q: it kept changing while read", b.name)
		}
	}
}

func (s *Store) readRangeMapOnce(ctx context.Context, b bucketInfo) (*rangeMap, bool, error) {
	iter := s.query(ctx, `SELECT start, read_part, write_parts, gen, changed, next_part, retired
		FROM listing_ranges WHERE bucket_id = ?`, b.id).Idempotent(true).PageSize(1000).Iter()
	var (
		m        *rangeMap
		start    []byte
		read     *int
		writes   []int
		gen      int64
		changed  time.Time
		next     int
		retired  []int
		mixedGen bool
	)
	for iter.Scan(&start, &read, &writes, &gen, &changed, &next, &retired) {
		if m == nil {
			m = &rangeMap{gen: gen, changed: changed, nextPart: next, retired: slices.Clone(retired)}
		} else if gen != m.gen {
			mixedGen = true
		}
		if read != nil { // nil: the static row of a partition without ranges
			m.ranges = append(m.ranges, listRange{start: string(start), read: *read, writes: slices.Sorted(slices.Values(writes))})
		}
		start, read, writes, retired = nil, nil, nil, nil
	}
	if err := iter.Close(); err != nil {
		return nil, false, fmt.Errorf("read listing map of %q: %w", b.name, err)
	}
	if m == nil || len(m.ranges) == 0 {
		im := implicitMap(b)
		if m != nil {
			im.gen, im.changed = m.gen, m.changed
			im.nextPart = max(im.nextPart, m.nextPart)
			im.retired = m.retired
		}
		return im, !mixedGen, nil
	}
	if m.ranges[0].start != "" {
		return nil, false, fmt.Errorf("listing map of %q starts at %q, not at the first key", b.name, m.ranges[0].start)
	}
	for i := range m.ranges[:len(m.ranges)-1] {
		m.ranges[i].end = m.ranges[i+1].start
	}
	return m, !mixedGen, nil
}
