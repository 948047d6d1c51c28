package cassandra

import (
	"context"
	"errors"
	"fmt"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// CompleteMultipartUpload writes a manifest naming the listed parts'
// blocks (no byte is copied) and commits it as the key's new version
// through the same commit as PutObject. See doc.go, "Multipart uploads",
// for the steps and why each is safe to interrupt.
func (s *Store) CompleteMultipartUpload(ctx context.Context, in store.CompleteInput) (store.Object, error) {
	b, err := s.bucket(ctx, in.Bucket)
	if err != nil {
		return store.Object{}, err
	}
	rec, err := s.openUpload(ctx, b, in.Key, in.UploadID, true, stateOpen, stateDone)
	if err != nil {
		return store.Object{}, err
	}
	if rec.state == stateDone {
		return s.completedObject(ctx, b, rec)
	}
	rows, err := s.partRows(ctx, rec.id, 0, 0)
	if err != nil {
		return store.Object{}, err
	}
	if _, err := s.validateParts(in.Parts, rows); err != nil {
		return store.Object{}, err
	}
	cond := condition{ifNoneMatch: in.IfNoneMatch, ifMatch: in.IfMatch}
	if cond.set() { // fail fast; decided for good under the lock below
		cur, err := s.versionRows(ctx, b.id, in.Key, 1)
		if err != nil {
			return store.Object{}, err
		}
		if err := cond.check(cur); err != nil {
			return store.Object{}, fmt.Errorf("complete %q: %w", in.Key, err)
		}
	}

	manifest, err := randomUUID()
	if err != nil {
		return store.Object{}, err
	}
	row := versionRow{version: s.newVersion(), inode: manifest, owner: rec.owner, meta: rec.meta, uploadID: rec.id, acl: rec.acl, tags: rec.tags,
		lock: rec.lock, versioned: b.versioningEnabled(), sse: rec.sse}
	if l, _ := store.DecodeLock(rec.lock); l.Retention.IsZero() {
		// No retention of its own: the bucket's default, as of the
		// completion.
		l.Retention = in.DefaultRetention
		row.lock = l.Encode()
	}
	row.created = row.version.Time().Truncate(time.Millisecond)
	intent := s.newEntry(kindUpload, b, in.Key, row)
	intent.parts = len(in.Parts) // a manifest version; set before it is queued
	if err := s.enqueue(ctx, intent); err != nil {
		return store.Object{}, fmt.Errorf("record completion intent: %w", err)
	}
	applied, st, err := s.setState(ctx, rec.id, stateOpen, stateCompleting, &row.inode, &row.version)
	if err != nil {
		return store.Object{}, err
	}
	if !applied {
		s.dropIntent(intent)
		switch st {
		case stateDone:
			rec, err = s.openUpload(ctx, b, in.Key, in.UploadID, true, stateDone)
			if err != nil {
				return store.Object{}, err
			}
			return s.completedObject(ctx, b, rec)
		case stateCompleting:
			return store.Object{}, fmt.Errorf("upload %q is being completed: %w", in.UploadID, store.ErrConditionalConflict)
		}
		return store.Object{}, fmt.Errorf("upload %q: %w", in.UploadID, store.ErrNoSuchUpload)
	}
	// From here on the parts cannot change under us (UploadPart refuses a
	// closed upload; a part landing anyway is not in this read, and the
	// sweeper reclaims it, see doc_gc.go). Re-read and check again.
	obj, attempted, err := s.completeLocked(ctx, b, in, rec, &row, intent, cond)
	if err != nil && !attempted {
		// Nothing visible: the upload opens again, the manifest rows (if
		// any) go with the intent.
		if _, _, rerr := s.setState(context.WithoutCancel(ctx), rec.id, stateCompleting, stateOpen, &row.inode, nil); rerr != nil {
			s.log.Warn().Err(rerr).Str("upload", rec.id.String()).Msg("reopen upload after a failed completion; the sweeper will")
		}
	}
	return obj, err
}

// completeLocked is the completion once the upload is in state
// completing with row's manifest and version: manifest rows, commit, done.
func (s *Store) completeLocked(ctx context.Context, b bucketInfo, in store.CompleteInput, rec uploadRecord, row *versionRow, intent *gcEntry, cond condition) (store.Object, bool, error) {
	rows, err := s.partRows(ctx, rec.id, 0, 0)
	if err != nil {
		return store.Object{}, false, err
	}
	parts, err := s.validateParts(in.Parts, rows)
	if err != nil {
		return store.Object{}, false, err
	}
	etags := make([]string, len(parts))
	sums := make([]store.Checksum, len(parts))
	starts := make([]int64, len(parts))
	for i, p := range parts {
		etags[i], sums[i], starts[i] = p.etag, p.checksum, row.size
		row.size += p.size
	}
	if row.etag, err = store.MultipartETag(etags); err != nil {
		return store.Object{}, false, err
	}
	if row.checksum, err = store.ObjectChecksum(rec.algorithm, rec.typ, sums); err != nil {
		return store.Object{}, false, err
	}
	row.parts = len(parts)
	// The manifest, in chunks, keeping the intent ahead of any sweeper.
	const chunk = 256
	for lo := 0; lo < len(parts); lo += chunk {
		if err := s.refreshIntent(ctx, intent); err != nil {
			return store.Object{}, false, err
		}
		hi := min(lo+chunk, len(parts))
		err = parallel(ctx, hi-lo, 4*s.cfg.BlocksInFlight, func(ctx context.Context, j int) error {
			i := lo + j
			p := parts[i]
			return s.exec(ctx, `INSERT INTO manifests (manifest, idx, part_number, inode, size, start, block_size, etag, checksum)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, row.inode, i+1, p.number, p.inode, p.size, starts[i], p.blockSize, p.etag, p.checksum.Value)
		})
		if err != nil {
			return store.Object{}, false, fmt.Errorf("write manifest of %q: %w", in.Key, err)
		}
	}
	if cond.set() {
		lk, err := s.lockKey(ctx, b, in.Key)
		if err != nil {
			return store.Object{}, false, err
		}
		defer s.unlockKey(lk)
		cond.lock = lk
	}
	if attempted, err := s.commit(ctx, b, in.Key, row, false, intent, cond, nil); err != nil {
		return store.Object{}, attempted, err
	}
	// Committed. What follows is bookkeeping the sweeper redoes (via the
	// intent) if it fails.
	used := make(map[gocql.UUID]bool, len(parts))
	for _, p := range parts {
		used[p.inode] = true
	}
	if err := s.finishCompletion(ctx, rec, row.inode, used); err != nil {
		s.log.Warn().Err(err).Str("upload", rec.id.String()).Msg("finish completion; the sweeper will")
	}
	obj := row.object(in.Bucket, in.Key)
	return obj, true, nil
}

// validateParts checks the completion's list against the newest parts
// rows and returns the listed rows in order.
func (s *Store) validateParts(list []store.CompletedPart, rows []partRow) ([]partRow, error) {
	newest := map[int]partRow{}
	for _, p := range newestParts(rows) {
		newest[p.number] = p
	}
	if _, err := store.ValidateParts(list, func(n int) (store.Part, bool) {
		p, ok := newest[n]
		return p.public(), ok
	}, s.cfg.minPartSize); err != nil {
		return nil, err
	}
	out := make([]partRow, len(list))
	for i, c := range list {
		out[i] = newest[c.PartNumber]
	}
	return out, nil
}

// finishCompletion marks the upload done (so a retried completion returns
// the object), queues every part row the manifest does not use as
// garbage, and drops the parts and the listing row. Idempotent.
// used holds the manifest's part inodes.
func (s *Store) finishCompletion(ctx context.Context, rec uploadRecord, manifest gocql.UUID, used map[gocql.UUID]bool) error {
	applied, st, err := s.setState(ctx, rec.id, stateCompleting, stateDone, &manifest, nil)
	if err != nil {
		return err
	}
	if !applied && st != stateDone {
		return fmt.Errorf("upload %s: completing with manifest %s, found %q", rec.id, manifest, st)
	}
	rows, err := s.partRows(ctx, rec.id, 0, 0)
	if err != nil {
		return err
	}
	var unused []partRow
	for _, p := range rows {
		if !used[p.inode] {
			unused = append(unused, p)
		}
	}
	if err := parallel(ctx, len(unused), 32, func(ctx context.Context, i int) error {
		return s.enqueue(ctx, s.partEntry(kindPartGarbage, rec, unused[i]))
	}); err != nil {
		return err
	}
	return s.dropUpload(ctx, rec)
}

// completedObject returns the object a done upload made, if it is still
// the key's version. Errors: store.ErrNoSuchUpload once it is not.
func (s *Store) completedObject(ctx context.Context, b bucketInfo, rec uploadRecord) (store.Object, error) {
	row, err := s.versionByID(ctx, b.id, rec.key, rec.version)
	if errors.Is(err, store.ErrNoSuchKey) {
		return store.Object{}, fmt.Errorf("upload %s was completed, its object replaced since: %w", rec.id, store.ErrNoSuchUpload)
	}
	if err != nil {
		return store.Object{}, err
	}
	return row.object(b.name, rec.key), nil
}

// dropIntent removes an intent under which nothing was written.
func (s *Store) dropIntent(e *gcEntry) {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout())
	defer cancel()
	if err := s.dequeue(ctx, e); err != nil {
		s.log.Warn().Err(err).Msg("dequeue unused intent")
	}
}
