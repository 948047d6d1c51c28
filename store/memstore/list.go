package memstore

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/amphora-s3/amphora/store"
)

// ListObjects lists current objects in key (byte) order with the shared
// store.List algorithm, so paging and common prefixes behave exactly as
// on every other store. The read lock is held for the whole page: a page
// is a consistent snapshot.
func (s *Store) ListObjects(ctx context.Context, in store.ListInput) (store.ListResult, error) {
	if err := ctx.Err(); err != nil {
		return store.ListResult{}, fmt.Errorf("list %s: %w", in.Bucket, err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bucketLocked(in.Bucket)
	if err != nil {
		return store.ListResult{}, err
	}
	c := newCursor(b, in.Prefix, in.After)
	defer c.Close()
	res, err := store.List(ctx, c, in)
	if err != nil {
		return store.ListResult{}, fmt.Errorf("list %s: %w", in.Bucket, err)
	}
	return res, nil
}

// cursor walks b.keys from the first key after both the prefix start and
// After, and stops at the first key without the prefix. Its callers hold
// the store's read lock for its whole life.
type cursor struct {
	b      *bucket
	prefix string
	i      int
	err    error
}

func newCursor(b *bucket, prefix, after string) *cursor {
	i := sort.SearchStrings(b.keys, prefix) // first key >= prefix
	j := sort.Search(len(b.keys), func(k int) bool { return b.keys[k] > after })
	return &cursor{b: b, prefix: prefix, i: max(i, j)}
}

// Next returns the next key's current version, or ok=false past the
// prefix, at the end, or when ctx is done.
func (c *cursor) Next(ctx context.Context) (store.Object, bool) {
	if c.err != nil {
		return store.Object{}, false
	}
	if err := ctx.Err(); err != nil {
		c.err = err
		return store.Object{}, false
	}
	for c.i < len(c.b.keys) && strings.HasPrefix(c.b.keys[c.i], c.prefix) {
		v := c.b.current(c.b.keys[c.i])
		c.i++
		if v != nil { // not a key whose current version is a delete marker
			return v.object(), true
		}
	}
	return store.Object{}, false
}

// SkipPrefix seeks to the first key at or after store.PrefixEnd(p) by
// binary search, without touching the keys under p.
func (c *cursor) SkipPrefix(_ context.Context, p string) {
	end := store.PrefixEnd(p)
	if end == "" {
		c.i = len(c.b.keys)
		return
	}
	if j := sort.SearchStrings(c.b.keys, end); j > c.i {
		c.i = j
	}
}

// Err reports why iteration stopped early, if it did.
func (c *cursor) Err() error { return c.err }

// Close releases nothing: the cursor only indexes the bucket's key slice.
func (c *cursor) Close() error { return nil }
