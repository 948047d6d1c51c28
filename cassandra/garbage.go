package cassandra

import (
	"context"
	"fmt"
	"slices"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// The rule "which versions of a key are garbage" lives in one place,
// store.GarbageVersions; this file applies it to version rows for the
// PUT commit (and completions), the inline path's later cleanup by the
// sweeper, and the sweeper's pass over a key. (DeleteObject in a bucket
// never versioned removes every version, so it needs no rule.)

// isNull reports whether r is a null version (written while the bucket's
// versioning was not Enabled).
func (r versionRow) isNull() bool { return !r.versioned }

// garbageRows are the rows (newest first) that are garbage as they stand
// now (a version under object lock never is).
func garbageRows(rows []versionRow) []versionRow {
	facts := make([]store.VersionFacts, len(rows))
	now := time.Now()
	for i, r := range rows {
		facts[i] = store.VersionFacts{Null: r.isNull(), Locked: r.effectiveLock().Active(now)}
	}
	var out []versionRow
	for _, i := range store.GarbageVersions(facts) {
		out = append(out, rows[i])
	}
	return out
}

// replacedBy are the rows (of rows) a commit of row makes garbage: the
// rule applied with row in its place among them, keeping those older than
// row (a garbage row newer than row is left to the sweeper: a delete at
// row's timestamp could not shadow it).
func replacedBy(row versionRow, rows []versionRow) []versionRow {
	var out []versionRow
	for _, r := range garbageRows(withRow(row, rows)) {
		if r.version != row.version && compareTimeUUID(r.version, row.version) < 0 {
			out = append(out, r)
		}
	}
	return out
}

// supersededOnArrival reports whether row is garbage as soon as it is
// committed among rows: a newer null version exists and row is null.
func supersededOnArrival(row versionRow, rows []versionRow) bool {
	return slices.ContainsFunc(garbageRows(withRow(row, rows)), func(r versionRow) bool { return r.version == row.version })
}

// withRow is rows (newest first) with row in its place.
func withRow(row versionRow, rows []versionRow) []versionRow {
	i := 0
	for i < len(rows) && compareTimeUUID(rows[i].version, row.version) > 0 {
		i++
	}
	return slices.Insert(slices.Clone(rows), i, row)
}

// deleteRows removes the garbage rows of key older than newest, at ts:
// one range tombstone in a bucket never versioned (every older row is
// garbage), else one row tombstone each.
func (s *Store) deleteRows(ctx context.Context, b bucketInfo, key string, newest gocql.UUID, garbage []versionRow, ts int64) error {
	if len(garbage) == 0 {
		return nil
	}
	if !b.versioned() {
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
