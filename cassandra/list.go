package cassandra

import (
	"cmp"
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// maxListPage is the most rows a shard query asks for: a page of 1000
// keys and the one after it, which says whether the page is truncated.
const maxListPage = 1001

// skipPage caps the page of a query that resumes past a skipped common
// prefix: 100 prefixes of 50 keys take a query per 5 of them, 100 of
// 1,000 keys read 256 rows per prefix, not 1000 (docs/benchmarks.md,
// "Listing at 2 million keys").
const skipPage = 256

// ListObjects lists the current objects of a bucket through store.List,
// over a cursor that merges the bucket's listing shards.
func (s *Store) ListObjects(ctx context.Context, in store.ListInput) (store.ListResult, error) {
	b, err := s.bucket(ctx, in.Bucket)
	if err != nil {
		return store.ListResult{}, err
	}
	if in.MaxKeys <= 0 {
		return store.ListResult{}, nil
	}
	c := s.newCursor(b, in.Prefix, in.Delimiter, in.After, in.MaxKeys)
	// store.List takes at most MaxKeys+1 entries, each one row (a common
	// prefix is the row that starts it; SkipPrefix drops the others).
	c.want = in.MaxKeys + 1
	defer c.Close()
	res, err := store.List(ctx, c, in)
	if err != nil {
		return store.ListResult{}, fmt.Errorf("list %q: %w", in.Bucket, err)
	}
	return res, nil
}

// listRow is one row of the objects table.
type listRow struct {
	key       string
	version   gocql.UUID
	inode     gocql.UUID
	size      int64
	blockSize int
	etag      string
	modified  time.Time
	owner     string
	parts     int
	marker    bool // the key's current version is a delete marker (size markerSize)
}

// shardIter walks one listing partition in key order, below upper ("":
// no bound). Rows come in pages fetched on demand; from (inclusive) or
// after (exclusive) is where the next fetch starts.
type shardIter struct {
	shard     int
	rows      []listRow
	from      string // next fetch: key >= from ...
	exclusive bool   // ... or key > from
	upper     string
	exhausted bool // no rows beyond rows
	pageSize  int
	grow      int // pageSize multiplier after each fetch
	// fetched: a page was read; collapsed: SkipPrefix dropped keys of
	// it, or re-queried past them, since.
	fetched, collapsed bool
}

func (it *shardIter) head() *listRow {
	if len(it.rows) == 0 {
		return nil
	}
	return &it.rows[0]
}

// cursor is a store.Cursor over a bucket's listing: the ranges of its
// listing map in key order (ranges.go), each read from the part it
// reads, or merged over the bucket's hash shards for a range still in
// them. The map is looked up afresh (ranges) for each range, so a range
// that split since the last one is read from its new parts.
type cursor struct {
	s       *Store
	b       bucketInfo
	prefix  string
	upper   string // exclusive bound: PrefixEnd(prefix); "" for none
	maxKeys int
	// want bounds the rows a query asks for by the rows Next may still
	// have to return (0: no bound, for the scans of every key): a page
	// of n keys never reads more than n+1 rows of one shard, however its
	// queries fall (see fetch).
	want    int
	yielded int // rows Next returned
	delim   bool
	// delimiter is the listing's, for the ranges scanned ahead
	// (list_ahead.go), which find common prefixes themselves.
	delimiter string
	// markers: also yield keys whose current version is a delete marker
	// (ListVersions).
	markers bool

	// The next range starts at from (after it when exclusive), or at
	// skipTo if that is further (SkipPrefix).
	from      string
	exclusive bool
	skipTo    string
	skipAll   bool // SkipPrefix skipped every key left
	started   bool // shards are the current range's
	end       string
	last      bool // the current range has no end
	done      bool
	shards    []*shardIter
	ranges    int // ranges read so far (for tests and stats)
	carry     int // the page the last range's shard had grown to
	err       error

	// Scanning ahead (list_ahead.go): the ranges of the batch not yet
	// read, its size, queries made so far, and the entries and queries
	// counted when the current range or batch began.
	ahead                []*rangeScan
	aheadN               int
	noAhead              bool // a range scanned ahead does not scan ahead itself
	skipCap              int  // replaces skipPage when > 0 (aheadSkipPage)
	aheads               int  // batches scanned ahead (tests)
	fetches              int
	segYield, segFetches int
}

func (s *Store) newCursor(b bucketInfo, prefix, delimiter, after string, maxKeys int) *cursor {
	c := &cursor{s: s, b: b, prefix: prefix, upper: store.PrefixEnd(prefix), maxKeys: maxKeys,
		delim: delimiter != "", delimiter: delimiter, from: prefix}
	if after >= prefix {
		c.from, c.exclusive = after, true
	}
	return c
}

// seek makes the cursor start at key (after it when exclusive), before
// its first Next.
func (c *cursor) seek(key string, exclusive bool) {
	c.from, c.exclusive, c.started, c.shards = key, exclusive, false, nil
}

// pageSizes returns the first page and its growth for n shards: keys
// hash evenly over hash shards, so each is asked for its share of the
// page plus a margin; later pages grow.
func (c *cursor) pageSizes(n int) (page, grow int) {
	page = min(max((c.maxKeys+1)/n+(c.maxKeys+1)/(4*n)+4, 8), maxListPage)
	if n == 1 {
		page = min(max(c.maxKeys+1, 8), maxListPage)
	}
	grow = 2
	if c.delim {
		// Keys may collapse into common prefixes: start small, but grow
		// fast, so that a page of plain keys takes two rounds, not four.
		page, grow = min(page, 32), 4
	}
	return page, grow
}

// Next returns the smallest head key over all shards.
func (c *cursor) Next(ctx context.Context) (store.Object, bool) {
	r, ok := c.nextRow(ctx)
	for ok && r.marker && !c.markers {
		r, ok = c.nextRow(ctx) // behind a delete marker: not listed
	}
	if !ok {
		return store.Object{}, false
	}
	c.yielded++
	// (The listing does not know the S3 version id; ListObjects shows
	// none, and ListVersions reads the version rows.)
	return store.Object{
		Bucket: c.b.name, Key: r.key, DeleteMarker: r.marker, Size: max(r.size, 0), ETag: r.etag,
		LastModified: r.modified, Owner: r.owner, Parts: r.parts,
		Ref: ref{version: r.version, inode: r.inode, blockSize: r.blockSize, size: r.size, parts: r.parts},
	}, true
}

// nextRow takes the next row of the ranges scanned ahead, if any, else
// the smallest head row over the current range's shards.
func (c *cursor) nextRow(ctx context.Context) (listRow, bool) {
	for c.err == nil && len(c.ahead) > 0 {
		if r, ok := c.nextAhead(ctx); ok {
			return r, true
		}
	}
	if c.err != nil {
		return listRow{}, false
	}
	if err := c.fill(ctx); err != nil {
		c.err = err
		return listRow{}, false
	}
	if len(c.ahead) > 0 {
		return c.nextRow(ctx) // fill went ahead
	}
	var best *shardIter
	for _, it := range c.shards {
		if h := it.head(); h != nil && (best == nil || h.key < best.head().key) {
			best = it
		}
	}
	if best == nil {
		return listRow{}, false
	}
	r := best.rows[0]
	best.rows = best.rows[1:]
	return r, true
}

// fill makes every shard of the current range hold rows or be exhausted,
// moving on to the next range while the current one has nothing left.
func (c *cursor) fill(ctx context.Context) error {
	for !c.done {
		if !c.started {
			if err := c.startRange(ctx); err != nil {
				return err
			}
			continue
		}
		var need []*shardIter
		for _, it := range c.shards {
			if len(it.rows) == 0 && !it.exhausted {
				need = append(need, it)
			}
		}
		if len(need) > 0 {
			c.fetches += len(need)
			err := parallel(ctx, len(need), len(need), func(ctx context.Context, i int) error {
				return c.fetch(ctx, need[i])
			})
			if err != nil {
				return err
			}
		}
		for _, it := range c.shards {
			if len(it.rows) > 0 {
				return nil
			}
		}
		// The range has nothing more: the next one starts at its end.
		if c.last || (c.upper != "" && c.end >= c.upper) {
			c.done = true
			break
		}
		c.carry = 0
		if len(c.shards) == 1 {
			c.carry = c.shards[0].pageSize
		}
		c.from, c.exclusive, c.started, c.shards = c.end, false, false, nil
		if !c.sparse(1) {
			c.newSegment()
			continue
		}
		if ok, err := c.goAhead(ctx, c.end, 2); ok || err != nil {
			return err
		}
		c.newSegment()
	}
	return nil
}

// startRange sets up the shards of the range holding c.from, in the
// bucket's current map.
func (c *cursor) startRange(ctx context.Context) error {
	if c.skipAll {
		c.done = true // every key left is under a skipped prefix
		return nil
	}
	skipped := c.skipTo > c.from
	if skipped {
		c.from, c.exclusive = c.skipTo, false
	}
	m, err := c.s.ranges(ctx, c.b)
	if err != nil {
		return err
	}
	r := m.ranges[m.find(c.from)]
	c.end, c.last = r.end, r.end == ""
	upper := c.upper
	if r.end != "" && (upper == "" || r.end < upper) {
		upper = r.end
	}
	shards := partShards(c.b, r.read)
	page, grow := c.pageSizes(len(shards))
	if len(shards) == 1 && c.carry > page {
		// A listing that went on past a range's end goes on with the
		// page it had grown to (capped after a skip, as in SkipPrefix),
		// not with a first page again: a delimiter listing whose common
		// prefixes end in other ranges reads the keys after them in as
		// few queries as in one range.
		if skipped {
			page = max(page, min(c.carry, skipPage))
		} else {
			page = c.carry
		}
	}
	c.shards = c.shards[:0]
	for _, sh := range shards {
		c.shards = append(c.shards, &shardIter{shard: sh, from: c.from, exclusive: c.exclusive, upper: upper, pageSize: page, grow: grow})
	}
	c.started = true
	c.ranges++
	return nil
}

// SkipPrefix drops keys starting with p: within each shard's fetched page
// when possible; a shard whose page ends inside p is re-queried from
// PrefixEnd(p) on its next fetch, never reading the keys under p, and the
// next range starts at PrefixEnd(p) at the earliest.
//
// store.List only skips the prefix of the key Next just returned, so no
// remaining key sorts before p and a shard with an empty page resumes at
// or after p; a shard for which that does not hold is left alone rather
// than risk dropping keys below p.
func (c *cursor) SkipPrefix(ctx context.Context, p string) {
	end := store.PrefixEnd(p)
	if end == "" {
		c.skipAll = true
	} else if end > c.skipTo {
		c.skipTo = end
	}
	c.skipAhead(ctx, p)
	for _, it := range c.shards {
		it.collapsed = true
		n := len(it.rows)
		i := sort.Search(n, func(j int) bool { return it.rows[j].key >= p })
		j := i
		for j < n && strings.HasPrefix(it.rows[j].key, p) {
			j++
		}
		if i == 0 {
			it.rows = it.rows[j:]
		} else {
			it.rows = append(it.rows[:i:i], it.rows[j:]...)
		}
		if j < n || it.exhausted {
			continue // the page goes on past p, or the shard has nothing more
		}
		if (n > 0 && j == i) || (n == 0 && it.from < p) {
			continue // the unread part may start below p
		}
		switch {
		case end == "" || (it.upper != "" && end >= it.upper):
			it.exhausted = true // nothing after p's keys in this shard's range
		case it.from < end:
			// Re-queried past p: a page grown to 1000 would read up to
			// 1000 rows of the next prefix to find it, one of small
			// prefixes covers several. Cap it between the two.
			it.from, it.exclusive, it.pageSize = end, false, min(it.pageSize, cmp.Or(c.skipCap, skipPage))
		}
	}
}

func (c *cursor) Err() error   { return c.err }
func (c *cursor) Close() error { return nil }

func (c *cursor) fetch(ctx context.Context, it *shardIter) error {
	stmt := `SELECT key, version, inode, size, block_size, etag, modified, owner, parts FROM objects
		WHERE bucket_id = ? AND shard = ? AND key >= ?`
	if it.exclusive {
		stmt = strings.Replace(stmt, "key >= ?", "key > ?", 1)
	}
	args := []any{c.b.id, it.shard, []byte(it.from)}
	if it.upper != "" {
		stmt += ` AND key < ?`
		args = append(args, []byte(it.upper))
	}
	if c.want > 0 {
		if c.delim && it.fetched && !it.collapsed && len(c.shards) == 1 {
			// The last page's keys were all listed as themselves, not
			// collapsed into common prefixes: read the rest of the page
			// at once, as without a delimiter (a page of 1000 plain keys
			// in two queries, not four).
			it.pageSize = maxListPage
		}
		// Never more rows than Next may still return: the key after a
		// page of 1000 costs one row, not another page of them. A page
		// cut short here grows from its own size, as any other.
		it.pageSize = max(min(it.pageSize, c.want-c.yielded), 1)
	}
	stmt += ` LIMIT ?`
	args = append(args, it.pageSize)
	iter := c.s.query(ctx, stmt, args...).Idempotent(true).PageSize(it.pageSize).Iter()
	var (
		r   listRow
		key []byte
	)
	rows := make([]listRow, 0, it.pageSize)
	for iter.Scan(&key, &r.version, &r.inode, &r.size, &r.blockSize, &r.etag, &r.modified, &r.owner, &r.parts) {
		r.key = string(key)
		r.marker = r.size == markerSize
		rows = append(rows, r)
		r = listRow{}
	}
	if err := iter.Close(); err != nil {
		return fmt.Errorf("list shard %d: %w", it.shard, err)
	}
	if len(rows) < it.pageSize {
		it.exhausted = true
	}
	if n := len(rows); n > 0 {
		it.from, it.exclusive = rows[n-1].key, true
	}
	it.rows = rows
	it.fetched, it.collapsed = true, false
	it.pageSize = min(it.grow*it.pageSize, maxListPage)
	return nil
}
