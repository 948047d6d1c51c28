package cassandra

import (
	"context"
	"fmt"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// The rule "which versions of a key are garbage" lives in one place,
// store.GarbageVersions; this file applies it to version rows for the
// PUT commit (and completions), the inline path's later cleanup by the
// sweeper, and the sweeper's pass over a key. (DeleteObject in a bucket
// never versioned removes every version, so it needs no rule.)
//
// Every row is a null version today: buckets are not versioned yet.

// isNull reports whether r is a null version.
func (r versionRow) isNull() bool { return true }

// garbageRows are the rows (newest first) that are garbage as they stand.
func garbageRows(rows []versionRow) []versionRow {
	isNull := make([]bool, len(rows))
	for i, r := range rows {
		isNull[i] = r.isNull()
	}
	var out []versionRow
	for _, i := range store.GarbageVersions(isNull) {
		out = append(out, rows[i])
	}
	return out
}

// replacedBy are the rows a commit of row makes garbage: the rule applied
// with row as the newest version.
func replacedBy(row versionRow, rows []versionRow) []versionRow {
	return garbageRows(append([]versionRow{row}, rows...))
}

// deleteRows removes the garbage rows of key older than newest, at ts:
// one range tombstone when they are all the rows older than newest (a
// bucket never versioned), else one row tombstone each.
func (s *Store) deleteRows(ctx context.Context, b bucketInfo, key string, newest gocql.UUID, older, garbage []versionRow, ts int64) error {
	if len(garbage) == 0 {
		return nil
	}
	if len(garbage) == len(older) {
		err := s.exec(ctx, `DELETE FROM versions USING TIMESTAMP ? WHERE bucket_id = ? AND key = ? AND version < ?`,
			ts, b.id, []byte(key), newest)
		if err != nil {
			return fmt.Errorf("delete old versions of %q: %w", key, err)
		}
		return nil
	}
	for _, r := range garbage {
		err := s.exec(ctx, `DELETE FROM versions USING TIMESTAMP ? WHERE bucket_id = ? AND key = ? AND version = ?`,
			ts, b.id, []byte(key), r.version)
		if err != nil {
			return fmt.Errorf("delete version %s of %q: %w", r.version, key, err)
		}
	}
	return nil
}
