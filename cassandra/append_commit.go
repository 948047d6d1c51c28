package cassandra

import (
	"context"
	"fmt"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// commitAppend makes row, a version of a chain whose last segment its
// append has just claimed, the key's current version, as commit does for
// a PUT: read the key's rows and queue those it replaces, then one
// single-partition batch inserting row and deleting older rows (the
// bucket is never versioned: one range tombstone below row), then the
// listing row.
//
// The claim, not this commit, decided the append. So no commit is needed
// when the current row already covers row's segments (a later append
// committed first: its version is newer, taken after it saw our claim),
// and none is made when the current row is no longer of row's chain (a
// PUT or DELETE replaced the object since the claim: it replaced our
// append too, as the later of two writes; committing would bring the
// chain back over it). Both are success. The append's intent needs no
// refreshing any more: a claimed blob is its chain's (append_gc.go).
func (s *Store) commitAppend(ctx context.Context, b bucketInfo, key string, row *versionRow) error {
	var rows []versionRow
	for {
		readAt := time.Now()
		var err error
		if rows, err = s.versionRows(ctx, b.id, key, 0); err != nil {
			return err
		}
		if len(rows) == 0 && row.parts > 1 {
			return nil // deleted since the claim
		}
		if len(rows) > 0 && (!rows[0].isChain() || rows[0].inode != row.inode || rows[0].parts >= row.parts ||
			compareTimeUUID(rows[0].version, row.version) >= 0) {
			return nil
		}
		if err := s.queueReplaced(ctx, b, key, *row, rows); err != nil {
			return err
		}
		if time.Since(readAt) < s.cfg.GCGrace/4 { // as in commit
			break
		}
	}
	batch := s.sess.Batch(gocql.UnloggedBatch).WithContext(ctx).WithTimestamp(writeTime(row.version))
	batch.Entries = append(batch.Entries,
		gocql.BatchEntry{Idempotent: true, Stmt: insertVersion, Args: append([]any{b.id, []byte(key)}, row.values()...)})
	batch.Entries = append(batch.Entries, replacedDeletes(b, key, *row, rows)...)
	if err := batch.Exec(); err != nil {
		// The append is claimed: the next append (or GET after it)
		// covers it whether or not this batch lands.
		return fmt.Errorf("commit append to %q: %w", key, err)
	}
	if err := s.putListing(ctx, b, key, *row); err != nil {
		return fmt.Errorf("append committed, but %w", err)
	}
	return nil
}
