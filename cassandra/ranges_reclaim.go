package cassandra

import (
	"context"
	"errors"
	"fmt"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// A deleted bucket's listing: its map (listing_ranges), its write counts
// (listing_activity, listing_checked) and the objects partitions of its
// parts. DeleteBucket queues a kindBucketListing entry before it deletes
// the bucket row; the sweeper handles it once due (GCGrace later, long
// after every frontend's bucket cache, range map and activity flush let
// go of the bucket) with reclaimListing. If the bucket still exists under
// that id (the delete failed: not empty, or lost a race), the entry is
// dropped and nothing is touched.

// newBucketListingEntry is the queue entry that reclaims b's listing. Its
// inode is the bucket id (a timeuuid: never a block's random inode) and
// blocks 0, so an older sweeper that does not know the kind deletes
// nothing; part carries the bucket's hash shard count.
func (s *Store) newBucketListingEntry(b bucketInfo) *gcEntry {
	e := &gcEntry{inode: b.id, kind: kindBucketListing, bucket: b.name, bucketID: b.id, version: b.id, part: b.shards}
	e.setDue(time.Now().Add(s.cfg.GCGrace))
	return e
}

// bucketListingEntry handles a kindBucketListing entry.
func (sw *sweep) bucketListingEntry(ctx context.Context, e *gcEntry) error {
	b, err := sw.bucket(ctx, e.bucket, e.bucketID)
	if err != nil {
		return err
	}
	if b != nil {
		return nil // the bucket lives: its deletion did not happen
	}
	n, err := sw.s.reclaimListing(ctx, e.bucketID, e.part)
	if err != nil {
		return err
	}
	sw.s.log.Info().Str("bucket", e.bucket).Str("bucket_id", e.bucketID.String()).Int("partitions", n).
		Msg("deleted bucket's listing reclaimed")
	return nil
}

// reclaimListing deletes every listing partition of the deleted bucket
// incarnation id: the objects partitions of each part it ever allocated
// (parts below next_part, part 0 always) and of its hash shards (a bucket
// created before ranges), then its map and counts. It returns how many
// objects partitions it deleted. Every statement is a partition deletion,
// so running it twice is harmless.
func (s *Store) reclaimListing(ctx context.Context, id gocql.UUID, shards int) (int, error) {
	var nextPart int
	err := s.query(ctx, `SELECT next_part FROM listing_ranges WHERE bucket_id = ? LIMIT 1`, id).Idempotent(true).Scan(&nextPart)
	if err != nil && !errors.Is(err, gocql.ErrNotFound) {
		return 0, fmt.Errorf("reclaim listing of bucket %s: %w", id, err)
	}
	n := max(nextPart, shards, 1)
	err = parallel(ctx, n, 8, func(ctx context.Context, shard int) error {
		return s.exec(ctx, `DELETE FROM objects WHERE bucket_id = ? AND shard = ?`, id, shard)
	})
	if err != nil {
		return 0, fmt.Errorf("reclaim listing partitions of bucket %s: %w", id, err)
	}
	for _, table := range []string{"listing_activity", "listing_checked", "listing_ranges"} {
		if err := s.exec(ctx, `DELETE FROM `+table+` WHERE bucket_id = ?`, id); err != nil {
			return 0, fmt.Errorf("reclaim %s of bucket %s: %w", table, id, err)
		}
	}
	return n, nil
}
