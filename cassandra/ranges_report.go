package cassandra

import (
	"context"
	"fmt"
)

// ListingRange is one range of a bucket's listing index, as
// ListingRanges reports it.
type ListingRange struct {
	Start, End string // [Start, End); "" End: no end
	Part       int    // the objects partition read (-1: the bucket's hash shards)
	Moving     bool   // writes go to a second part too (a move in progress)
	Rows       int64  // counted when asked, else -1
	Bytes      int64  // keys plus listingRowBytes a row, when counted
}

// ListingRanges returns bucket's listing ranges in key order and the
// map's gen, counting each range's rows when count is set (a read of
// every listing row: for tools and tests, not for requests).
func (s *Store) ListingRanges(ctx context.Context, bucket string, count bool) ([]ListingRange, int64, error) {
	b, err := s.readBucket(ctx, bucket)
	if err != nil {
		return nil, 0, err
	}
	m, err := s.readRangeMap(ctx, b)
	if err != nil {
		return nil, 0, err
	}
	out := make([]ListingRange, 0, len(m.ranges))
	for _, r := range m.ranges {
		lr := ListingRange{Start: r.start, End: r.end, Part: r.read, Moving: len(r.writes) > 1, Rows: -1, Bytes: -1}
		if count {
			if _, lr.Rows, lr.Bytes, err = s.countRange(ctx, b, r); err != nil {
				return nil, 0, fmt.Errorf("listing ranges of %q: %w", bucket, err)
			}
		}
		out = append(out, lr)
	}
	return out, m.gen, nil
}
