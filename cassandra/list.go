package cassandra

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

const maxListPage = 1000 // rows per shard query, at most

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

// shardIter walks one listing partition in key order. Rows come in pages
// fetched on demand; from (inclusive) or after (exclusive) is where the
// next fetch starts.
type shardIter struct {
	shard     int
	rows      []listRow
	from      string // next fetch: key >= from ...
	exclusive bool   // ... or key > from
	exhausted bool   // no rows beyond rows
	pageSize  int
	grow      int // pageSize multiplier after each fetch
}

func (it *shardIter) head() *listRow {
	if len(it.rows) == 0 {
		return nil
	}
	return &it.rows[0]
}

// cursor is a store.Cursor merging all listing shards of one bucket.
type cursor struct {
	s      *Store
	b      bucketInfo
	prefix string
	upper  string // exclusive bound: PrefixEnd(prefix); "" for none
	shards []*shardIter
	err    error
	// markers: also yield keys whose current version is a delete marker
	// (ListVersions).
	markers bool
}

func (s *Store) newCursor(b bucketInfo, prefix, delimiter, after string, maxKeys int) *cursor {
	c := &cursor{s: s, b: b, prefix: prefix, upper: store.PrefixEnd(prefix)}
	// Keys hash evenly over shards: ask each for its share of the page
	// plus a margin; later pages grow.
	page := min(max((maxKeys+1)/b.shards+(maxKeys+1)/(4*b.shards)+4, 8), maxListPage)
	grow := 2
	if delimiter != "" {
		// Keys may collapse into common prefixes: start small, but grow
		// fast, so that a page of plain keys takes two rounds, not four.
		page, grow = min(page, 32), 4
	}
	for i := 0; i < b.shards; i++ {
		it := &shardIter{shard: i, from: prefix, pageSize: page, grow: grow}
		if after >= prefix {
			it.from, it.exclusive = after, true
		}
		c.shards = append(c.shards, it)
	}
	return c
}

// Next returns the smallest head key over all shards.
func (c *cursor) Next(ctx context.Context) (store.Object, bool) {
	if c.err != nil {
		return store.Object{}, false
	}
	if err := c.fill(ctx); err != nil {
		c.err = err
		return store.Object{}, false
	}
	r, ok := c.nextRow(ctx)
	for ok && r.marker && !c.markers {
		r, ok = c.nextRow(ctx) // behind a delete marker: not listed
	}
	if !ok {
		return store.Object{}, false
	}
	// (The listing does not know the S3 version id; ListObjects shows
	// none, and ListVersions reads the version rows.)
	return store.Object{
		Bucket: c.b.name, Key: r.key, DeleteMarker: r.marker, Size: max(r.size, 0), ETag: r.etag,
		LastModified: r.modified, Owner: r.owner, Parts: r.parts,
		Ref: ref{version: r.version, inode: r.inode, blockSize: r.blockSize, size: r.size, parts: r.parts},
	}, true
}

// nextRow takes the smallest head row over all shards.
func (c *cursor) nextRow(ctx context.Context) (listRow, bool) {
	if err := c.fill(ctx); err != nil {
		c.err = err
		return listRow{}, false
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

// SkipPrefix drops keys starting with p: within each shard's fetched page
// when possible; a shard whose page ends inside p is re-queried from
// PrefixEnd(p) on its next fetch, never reading the keys under p.
//
// store.List only skips the prefix of the key Next just returned, so no
// remaining key sorts before p and a shard with an empty page resumes at
// or after p; a shard for which that does not hold is left alone rather
// than risk dropping keys below p.
func (c *cursor) SkipPrefix(_ context.Context, p string) {
	end := store.PrefixEnd(p)
	for _, it := range c.shards {
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
		case end == "":
			it.exhausted = true // nothing sorts after p's keys
		case it.from < end:
			it.from, it.exclusive = end, false
		}
	}
}

func (c *cursor) Err() error   { return c.err }
func (c *cursor) Close() error { return nil }

// fill fetches, concurrently, the next page of every shard whose page is
// used up and which may hold more keys.
func (c *cursor) fill(ctx context.Context) error {
	var need []*shardIter
	for _, it := range c.shards {
		if len(it.rows) == 0 && !it.exhausted {
			need = append(need, it)
		}
	}
	return parallel(ctx, len(need), len(need), func(ctx context.Context, i int) error {
		return c.fetch(ctx, need[i])
	})
}

func (c *cursor) fetch(ctx context.Context, it *shardIter) error {
	stmt := `SELECT key, version, inode, size, block_size, etag, modified, owner, parts FROM objects
		WHERE bucket_id = ? AND shard = ? AND key >= ?`
	if it.exclusive {
		stmt = strings.Replace(stmt, "key >= ?", "key > ?", 1)
	}
	args := []any{c.b.id, it.shard, []byte(it.from)}
	if c.upper != "" {
		stmt += ` AND key < ?`
		args = append(args, []byte(c.upper))
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
	it.pageSize = min(it.grow*it.pageSize, maxListPage)
	return nil
}
