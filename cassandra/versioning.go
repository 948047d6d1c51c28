package cassandra

import (
	"context"
	"errors"
	"fmt"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// Versions (cassandra/doc.go, "Versions"): delete markers, versions by
// id, deleting one version, listing every version.

// putMarker commits a delete marker as the newest version of key: one
// logged batch, like an inline PUT (version row, listing row marked, the
// version's queue entry, which makes the sweeper remove the null version
// a null marker replaces, once due).
func (s *Store) putMarker(ctx context.Context, b bucketInfo, key string) (store.DeleteResult, error) {
	row := versionRow{version: s.newVersion(), marker: true, versioned: b.versioningEnabled()}
	row.created = row.version.Time().Truncate(time.Millisecond)
	entry := s.newEntry(kindUpload, b, key, row)
	listing, err := s.listingEntries(ctx, b, key, row)
	if err != nil {
		return store.DeleteResult{}, fmt.Errorf("commit delete marker: %w", err)
	}
	batch := s.sess.Batch(gocql.LoggedBatch).WithContext(ctx).WithTimestamp(writeTime(row.version))
	batch.Entries = append(batch.Entries,
		gocql.BatchEntry{Idempotent: true, Stmt: insertVersion, Args: append([]any{b.id, []byte(key)}, row.values()...)},
		gocql.BatchEntry{Idempotent: true, Stmt: insertEntry, Args: entry.values()},
	)
	batch.Entries = append(batch.Entries, listing...)
	if err := batch.Exec(); err != nil {
		return store.DeleteResult{}, fmt.Errorf("commit delete marker of %q: %w", key, err)
	}
	return store.DeleteResult{VersionID: row.s3ID(), DeleteMarker: true}, nil
}

// findVersion returns the row of key S3 names id ("null": the newest null
// version), with an inline version's bytes. Errors: store.ErrNoSuchVersion
// (malformed id, or no such version).
func (s *Store) findVersion(ctx context.Context, b bucketInfo, key, id string) (versionRow, error) {
	var v gocql.UUID
	if id == store.NullVersion {
		rows, err := s.versionRows(ctx, b.id, key, 0)
		if err != nil {
			return versionRow{}, err
		}
		i := 0
		for i < len(rows) && !rows[i].isNull() {
			i++
		}
		if i == len(rows) {
			return versionRow{}, fmt.Errorf("null version of %q: %w", key, store.ErrNoSuchVersion)
		}
		v = rows[i].version
	} else {
		var err error
		if v, err = gocql.ParseUUID(id); err != nil || v.Version() != 1 {
			return versionRow{}, fmt.Errorf("version %q of %q: %w", id, key, store.ErrNoSuchVersion)
		}
	}
	r, err := s.versionByID(ctx, b.id, key, v)
	if errors.Is(err, store.ErrNoSuchKey) || err == nil && r.s3ID() != id {
		// (A null version's timeuuid is not its S3 id.)
		return versionRow{}, fmt.Errorf("version %s of %q: %w", id, key, store.ErrNoSuchVersion)
	}
	if err != nil {
		return versionRow{}, err
	}
	if len(r.meta.User) == 0 {
		r.meta.User = nil
	}
	return r, nil
}

// HeadVersion returns the version of key S3 names versionID.
func (s *Store) HeadVersion(ctx context.Context, bucket, key, versionID string) (store.Object, error) {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return store.Object{}, err
	}
	r, err := s.findVersion(ctx, b, key, versionID)
	if err != nil {
		return store.Object{}, err
	}
	return r.object(bucket, key), nil
}

// DeleteVersion removes the version of key S3 names versionID (for
// "null", every null row: the newest and any garbage one the sweeper has
// not removed yet). Its blocks are queued as garbage first, so readers
// that hold it keep a grace period. If it was the current version, the
// listing row moves to the next older one (or goes), written just after
// the deleted version's own listing write, so that any newer commit's
// listing write still wins.
func (s *Store) DeleteVersion(ctx context.Context, bucket, key, versionID string, bypassGovernance bool) (store.DeleteResult, error) {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return store.DeleteResult{}, err
	}
	if versionID != store.NullVersion {
		if v, err := gocql.ParseUUID(versionID); err != nil || v.Version() != 1 {
			return store.DeleteResult{}, fmt.Errorf("version %q of %q: %w", versionID, key, store.ErrNoSuchVersion)
		}
	}
	rows, err := s.versionRows(ctx, b.id, key, 0)
	if err != nil {
		return store.DeleteResult{}, err
	}
	res := store.DeleteResult{VersionID: versionID}
	var doomed []versionRow
	for _, r := range rows {
		if r.s3ID() == versionID {
			doomed = append(doomed, r)
		}
	}
	if len(doomed) == 0 {
		return res, nil
	}
	now := time.Now()
	for _, r := range doomed {
		if err := r.effectiveLock().CheckDelete(now, bypassGovernance); err != nil {
			return store.DeleteResult{}, fmt.Errorf("delete version %s of %q: %w", versionID, key, err)
		}
	}
	res.DeleteMarker = doomed[0].marker
	for _, r := range doomed {
		// Every deleted version gets an entry, blocks or not: the sweeper
		// then also visits the key, and repairs its listing if this
		// request dies before doing so.
		if err := s.enqueueGarbage(ctx, b, key, r); err != nil {
			return store.DeleteResult{}, err
		}
		ts := max(writeTime(s.newVersion()), writeTime(r.version)+1)
		if err := s.exec(ctx, `DELETE FROM versions USING TIMESTAMP ? WHERE bucket_id = ? AND key = ? AND version = ?`,
			ts, b.id, []byte(key), r.version); err != nil {
			return store.DeleteResult{}, fmt.Errorf("delete version %s of %q: %w", r.version, key, err)
		}
	}
	if err := s.settleListing(ctx, b, key); err != nil {
		return res, fmt.Errorf("version deleted, but %w", err)
	}
	return res, nil
}

// settleListing makes key's listing row name its newest version (or go
// when none is left) after versions were deleted by id. It reads the
// listing first, then the versions (as repairListing wants), and writes
// just above the listing row's own timestamp: above what the deleted
// versions wrote, below any newer commit's listing write. Concurrent
// deletes of one key's versions (DeleteObjects) each settle it, the last
// to read seeing the final state.
func (s *Store) settleListing(ctx context.Context, b bucketInfo, key string) error {
	l, err := s.readListing(ctx, b, key)
	if err != nil {
		return err
	}
	rows, err := s.versionRows(ctx, b.id, key, 0)
	if err != nil {
		return err
	}
	switch {
	case len(rows) == 0 && l.found:
		err = s.deleteListing(ctx, b, key, l.wt+1)
	case len(rows) > 0 && (!l.found || l.version != rows[0].version):
		ts := writeTime(rows[0].version)
		if l.found {
			ts = max(ts, l.wt+1)
		}
		err = s.putListingAt(ctx, b, key, rows[0], ts)
	}
	if err != nil {
		return fmt.Errorf("settle listing of %q: %w", key, err)
	}
	return nil
}

// versionListAhead is how many keys ListVersions reads the versions of at
// once (one query each, concurrently) when no delimiter may skip them.
const versionListAhead = 64

// ListVersions lists every version through store.ListVersionsPage, over
// the listing index (keys behind a delete marker included) and each key's
// versions partition, read a few keys ahead. Garbage rows the sweeper has
// not removed yet are not listed.
func (s *Store) ListVersions(ctx context.Context, in store.ListVersionsInput) (store.ListVersionsResult, error) {
	b, err := s.bucket(ctx, in.Bucket)
	if err != nil {
		return store.ListVersionsResult{}, err
	}
	if m := in.VersionIDMarker; m != "" && m != store.NullVersion {
		if v, err := gocql.ParseUUID(m); err != nil || v.Version() != 1 {
			return store.ListVersionsResult{}, fmt.Errorf("list versions of %q: marker %q: %w", in.Bucket, m, store.ErrNoSuchVersion)
		}
	}
	if in.MaxKeys <= 0 {
		return store.ListVersionsResult{}, nil
	}
	c := s.newCursor(b, in.Prefix, in.Delimiter, "", in.MaxKeys)
	if in.KeyMarker > in.Prefix {
		// The marker key itself is listed again, from its marker version on.
		c.seek(in.KeyMarker, false)
	}
	c.markers = true
	ahead := versionListAhead
	if in.Delimiter != "" {
		ahead = 1
	}
	vc := &versionCursor{s: s, b: b, c: c, ahead: ahead}
	res, err := store.ListVersionsPage(ctx, vc, in)
	if err != nil {
		return store.ListVersionsResult{}, fmt.Errorf("list versions of %q: %w", in.Bucket, err)
	}
	return res, nil
}

// versionCursor is a store.VersionCursor over a listing cursor.
type versionCursor struct {
	s     *Store
	b     bucketInfo
	c     *cursor
	ahead int
	queue []store.KeyVersions
	err   error
}

func (vc *versionCursor) Next(ctx context.Context) (store.KeyVersions, bool) {
	for {
		if vc.err != nil {
			return store.KeyVersions{}, false
		}
		if len(vc.queue) == 0 && !vc.fill(ctx) {
			return store.KeyVersions{}, false
		}
		kv := vc.queue[0]
		vc.queue = vc.queue[1:]
		if len(kv.Versions) > 0 { // a stale listing row of a key with no version left is skipped
			return kv, true
		}
	}
}

// fill takes the next keys from the listing and reads their versions.
func (vc *versionCursor) fill(ctx context.Context) bool {
	var keys []string
	for len(keys) < vc.ahead {
		obj, ok := vc.c.Next(ctx)
		if !ok {
			break
		}
		keys = append(keys, obj.Key)
	}
	if err := vc.c.Err(); err != nil {
		vc.err = err
		return false
	}
	if len(keys) == 0 {
		return false
	}
	out := make([]store.KeyVersions, len(keys))
	err := parallel(ctx, len(keys), len(keys), func(ctx context.Context, i int) error {
		rows, err := vc.s.versionRows(ctx, vc.b.id, keys[i], 0)
		if err != nil {
			return err
		}
		garbage := garbageRows(rows)
		out[i].Key = keys[i]
		for _, r := range rows {
			if !containsVersion(garbage, r.version) {
				if len(r.meta.User) == 0 {
					r.meta.User = nil
				}
				out[i].Versions = append(out[i].Versions, r.object(vc.b.name, keys[i]))
			}
		}
		return nil
	})
	if err != nil {
		vc.err = err
		return false
	}
	vc.queue = out
	return true
}

func containsVersion(rows []versionRow, v gocql.UUID) bool {
	for _, r := range rows {
		if r.version == v {
			return true
		}
	}
	return false
}

func (vc *versionCursor) SkipPrefix(ctx context.Context, p string) {
	i := 0
	for i < len(vc.queue) && len(vc.queue[i].Key) >= len(p) && vc.queue[i].Key[:len(p)] == p {
		i++
	}
	vc.queue = vc.queue[i:]
	if len(vc.queue) == 0 {
		vc.c.SkipPrefix(ctx, p)
	}
}

func (vc *versionCursor) Err() error   { return vc.err }
func (vc *versionCursor) Close() error { return vc.c.Close() }
