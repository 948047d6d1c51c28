package cassandra

import (
	"context"
	"errors"
	"fmt"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// Listing rows: where a key's row is written, deleted and read, through
// the bucket's listing map (ranges.go). A write goes to every part the
// key's range writes (two while the range moves); a read to the part it
// reads.

// insertListing writes a listing row (listingValues), at the batch's
// timestamp or at one of its own (USING TIMESTAMP appended).
const insertListing = `INSERT INTO objects (bucket_id, shard, key, version, inode, size, block_size, etag, modified, owner, parts)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// markerSize is the size a listing row gives a delete marker: the key's
// current version is a marker. Encoding it in a column every listing
// write sets anyway costs a small PUT's batch no byte (the inline batch
// is sized to the byte), and the next write clears it.
const markerSize = -1

// listingValues are the listing row of key for version r in objects
// partition shard.
func listingValues(b bucketInfo, shard int, key string, r versionRow) []any {
	size := r.size
	if r.marker {
		size = markerSize
	}
	return []any{b.id, shard, []byte(key), r.version, r.inode, size, r.blockSize, r.etag, r.created, r.owner, r.parts}
}

// listingShards returns the objects partitions a write of key's listing
// row goes to, counting the write for the listing worker.
func (s *Store) listingShards(ctx context.Context, b bucketInfo, key string) ([]int, error) {
	m, err := s.ranges(ctx, b)
	if err != nil {
		return nil, err
	}
	r := m.ranges[m.find(key)]
	shards := make([]int, 0, len(r.writes))
	for _, p := range r.writes {
		shards = append(shards, partShard(b, p, key))
		s.noteListingWrite(b.id, p)
	}
	return shards, nil
}

// listingRowCount is how many listing rows a write of key makes now: one,
// or two while its range moves. Unlike listingShards it counts no write.
func (s *Store) listingRowCount(ctx context.Context, b bucketInfo, key string) (int, error) {
	m, err := s.ranges(ctx, b)
	if err != nil {
		return 0, fmt.Errorf("listing of %q: %w", key, err)
	}
	return len(m.ranges[m.find(key)].writes), nil
}

// listingEntries are the batch statements that write key's listing row
// for r, at the batch's timestamp.
func (s *Store) listingEntries(ctx context.Context, b bucketInfo, key string, r versionRow) ([]gocql.BatchEntry, error) {
	shards, err := s.listingShards(ctx, b, key)
	if err != nil {
		return nil, fmt.Errorf("listing of %q: %w", key, err)
	}
	entries := make([]gocql.BatchEntry, 0, len(shards))
	for _, sh := range shards {
		entries = append(entries, gocql.BatchEntry{Idempotent: true, Stmt: insertListing, Args: listingValues(b, sh, key, r)})
	}
	return entries, nil
}

// putListing upserts key's listing row from r at r's write timestamp, so
// the listing converges on the newest version whatever the commit order.
func (s *Store) putListing(ctx context.Context, b bucketInfo, key string, r versionRow) error {
	return s.putListingAt(ctx, b, key, r, writeTime(r.version))
}

// putListingAt upserts key's listing row from r at timestamp ts: one
// statement, or a logged batch when the key's range moves (both parts
// get it or neither).
func (s *Store) putListingAt(ctx context.Context, b bucketInfo, key string, r versionRow, ts int64) error {
	entries, err := s.listingEntries(ctx, b, key, r)
	if err != nil {
		return fmt.Errorf("update %w", err)
	}
	if len(entries) == 1 {
		err = s.exec(ctx, insertListing+` USING TIMESTAMP ?`, append(entries[0].Args, ts)...)
	} else {
		batch := s.sess.Batch(gocql.LoggedBatch).WithContext(ctx).WithTimestamp(ts)
		batch.Entries = entries
		err = batch.Exec()
	}
	if err != nil {
		return fmt.Errorf("update listing of %q: %w", key, err)
	}
	return nil
}

// deleteListing deletes key's listing row at timestamp ts, from every
// part its range writes.
func (s *Store) deleteListing(ctx context.Context, b bucketInfo, key string, ts int64) error {
	shards, err := s.listingShards(ctx, b, key)
	if err != nil {
		return fmt.Errorf("delete listing of %q: %w", key, err)
	}
	const stmt = `DELETE FROM objects USING TIMESTAMP ? WHERE bucket_id = ? AND shard = ? AND key = ?`
	if len(shards) == 1 {
		err = s.exec(ctx, stmt, ts, b.id, shards[0], []byte(key))
	} else {
		batch := s.sess.Batch(gocql.LoggedBatch).WithContext(ctx)
		for _, sh := range shards {
			batch.Entries = append(batch.Entries, gocql.BatchEntry{Idempotent: true, Stmt: stmt, Args: []any{ts, b.id, sh, []byte(key)}})
		}
		err = batch.Exec()
	}
	if err != nil {
		return fmt.Errorf("delete listing of %q: %w", key, err)
	}
	return nil
}

// listingState is what a listing row says: which version, written when.
type listingState struct {
	found   bool
	version gocql.UUID
	wt      int64 // write timestamp of the row
}

// readListing reads key's listing row from the part its range reads.
func (s *Store) readListing(ctx context.Context, b bucketInfo, key string) (listingState, error) {
	var l listingState
	m, err := s.ranges(ctx, b)
	if err != nil {
		return l, fmt.Errorf("read listing of %q: %w", key, err)
	}
	shard := partShard(b, m.ranges[m.find(key)].read, key)
	err = s.query(ctx, `SELECT version, writetime(version) FROM objects WHERE bucket_id = ? AND shard = ? AND key = ?`,
		b.id, shard, []byte(key)).Idempotent(true).Scan(&l.version, &l.wt)
	switch {
	case err == nil:
		l.found = true
	case !errors.Is(err, gocql.ErrNotFound):
		return l, fmt.Errorf("read listing of %q: %w", key, err)
	}
	return l, nil
}
