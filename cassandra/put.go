package cassandra

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"maps"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// crc32c is the CRC-32C of stored bytes, as blocks and inline versions
// keep it.
func crc32c(b []byte) int32 { return int32(crc32.Checksum(b, castagnoli)) }

// PutObject stores in.Body under a new inode and version, then commits.
// See doc.go for the steps and why each is safe to interrupt.
func (s *Store) PutObject(ctx context.Context, in store.PutInput) (store.Object, error) {
	if in.Size < 0 && in.Size != store.UnknownSize {
		return store.Object{}, fmt.Errorf("put %q: negative size %d", in.Key, in.Size)
	}
	b, err := s.bucket(ctx, in.Bucket)
	if err != nil {
		return store.Object{}, err
	}
	if in.Body == nil {
		in.Body = bytes.NewReader(nil)
	}
	sse, err := store.NewSSERecord(in.SSE)
	if err != nil {
		return store.Object{}, fmt.Errorf("put %q: %w", in.Key, err)
	}
	if in.Size != store.UnknownSize && in.Size <= int64(s.cfg.InlineSize) {
		if obj, done, err := s.putInline(ctx, b, in, sse); done {
			return obj, err
		}
	}
	inode, err := randomUUID()
	if err != nil {
		return store.Object{}, fmt.Errorf("allocate inode: %w", err)
	}
	row := s.newRow(b, in, inode, s.cfg.BlockSize)
	row.sse = sse
	codec, err := newCodec(in.SSE, inode)
	if err != nil {
		return store.Object{}, fmt.Errorf("put %q: %w", in.Key, err)
	}

	// Intent first: from here on a crash leaves nothing the sweeper cannot
	// find. (Empty objects get one too: the sweeper also repairs listings.)
	intent := s.newEntry(kindUpload, b, in.Key, row)
	if in.Size == store.UnknownSize {
		intent.blocks = unknownSizeBlocks // grown as the blocks come (writeBlocks)
	}
	if err := s.enqueue(ctx, intent); err != nil {
		return store.Object{}, fmt.Errorf("record upload intent: %w", err)
	}
	cond := condition{ifNoneMatch: in.IfNoneMatch, ifMatch: in.IfMatch}
	var early *earlyRead
	if !cond.set() {
		early = s.readEarly(ctx, b, in.Key, row) // overlaps the block writes
	}
	sum, written, size, err := s.writeBlocks(ctx, inode, codec, in.Body, in.Size, intent)
	row.size = size
	if err == nil && in.ContentMD5 != nil && !bytes.Equal(sum, in.ContentMD5) {
		err = fmt.Errorf("put %q: md5 %x, client sent %x: %w", in.Key, sum, in.ContentMD5, store.ErrBadDigest)
	}
	if err == nil && in.Verify != nil {
		if row.checksum, err = in.Verify(); err != nil {
			err = fmt.Errorf("put %q: verify: %w", in.Key, err)
		}
	}
	if err != nil {
		s.abandon(intent, written)
		return store.Object{}, err
	}
	row.etag = hex.EncodeToString(store.ETagDigest(sse, sum))

	if err := s.lockAndCommit(ctx, b, in.Key, &row, intent, written, cond, early); err != nil {
		return store.Object{}, err
	}
	return row.object(in.Bucket, in.Key), nil
}

// lockAndCommit takes the key's lock when cond asks for one and commits
// row. When the commit batch was never sent, the upload's written blocks
// are reclaimed; once sent, the commit may still land, and only the
// sweeper, which fences first, may delete them.
func (s *Store) lockAndCommit(ctx context.Context, b bucketInfo, key string, row *versionRow, intent *gcEntry, written int, cond condition, early *earlyRead) error {
	if cond.set() {
		lk, err := s.lockKey(ctx, b, key)
		if err != nil {
			s.abandon(intent, written)
			return err
		}
		defer s.unlockKey(lk)
		cond.lock = lk
	}
	attempted, err := s.commit(ctx, b, key, row, true, intent, cond, early)
	if err != nil && !attempted {
		s.abandon(intent, written)
	}
	return err
}

// newRow is the version row of a PUT of in, bytes not yet stored.
func (s *Store) newRow(b bucketInfo, in store.PutInput, inode gocql.UUID, blockSize int) versionRow {
	row := versionRow{
		version: s.newVersion(), inode: inode, size: in.Size, blockSize: blockSize,
		owner: in.Owner, meta: in.Meta, acl: in.ACL.Encode(), tags: in.Tags.Encode(),
		lock: in.Lock.Encode(), versioned: b.versioningEnabled(),
	}
	row.created = row.version.Time().Truncate(time.Millisecond)
	row.meta.User = maps.Clone(in.Meta.User) // the caller keeps its map
	if len(row.meta.User) == 0 {
		row.meta.User = nil
	}
	return row
}

// queueReplaced queues the rows a commit of row replaces (replacedBy)
// that have blocks as garbage (rows without any have nothing to reclaim;
// the upload's intent repairs the listing).
func (s *Store) queueReplaced(ctx context.Context, b bucketInfo, key string, row versionRow, rows []versionRow) error {
	for _, r := range replacedBy(row, rows) {
		if !r.hasBlocks() {
			continue
		}
		if err := s.enqueueGarbage(ctx, b, key, r); err != nil {
			return err
		}
	}
	return nil
}

// earlyRead is commit's first step, run while an unconditional PUT's
// blocks upload instead of after: read the key's version rows and queue
// those with blocks as garbage. Queueing early is harmless whatever
// happens next (the sweeper drops garbage whose version is still the
// newest), and commit still redoes the read if it has grown older than a
// quarter of the grace period. A conditional PUT cannot use it: its
// condition is decided on a read taken under the key lock.
type earlyRead struct {
	done   chan struct{}
	at     time.Time
	rows   []versionRow
	queued bool // rows read and their garbage queued
}

func (s *Store) readEarly(ctx context.Context, b bucketInfo, key string, row versionRow) *earlyRead {
	e := &earlyRead{done: make(chan struct{})}
	go func() {
		defer close(e.done)
		e.at = time.Now()
		rows, err := s.versionRows(ctx, b.id, key, 0)
		if err != nil {
			return // commit reads again, and reports its own error
		}
		if s.queueReplaced(ctx, b, key, row, rows) == nil {
			e.rows, e.queued = rows, true
		}
	}()
	return e
}

// result waits for the early read; queued is false when there was none
// or it failed (commit then reads itself).
func (e *earlyRead) result() (at time.Time, rows []versionRow, queued bool) {
	if e == nil {
		return time.Time{}, nil, false
	}
	<-e.done
	return e.at, e.rows, e.queued
}

// newestMoved reports whether key's newest version row is no longer
// rows' first (a lighter read than versionRows: one clustering key).
func (s *Store) newestMoved(ctx context.Context, bucketID gocql.UUID, key string, rows []versionRow) (bool, error) {
	var v gocql.UUID
	err := s.query(ctx, `SELECT version FROM versions WHERE bucket_id = ? AND key = ? LIMIT 1`, bucketID, []byte(key)).
		Idempotent(true).Scan(&v)
	if err != nil && !errors.Is(err, gocql.ErrNotFound) {
		return false, fmt.Errorf("read newest version of %q: %w", key, err)
	}
	if v == (gocql.UUID{}) { // no rows (or the static maps only)
		return len(rows) > 0, nil
	}
	return len(rows) == 0 || rows[0].version != v, nil
}

// insertVersion writes a version row (versionRow.values).
const insertVersion = `INSERT INTO versions (bucket_id, key, ` + versionInsertCols + `) VALUES (?, ?, ` + versionMarks + `)`

// commit makes row the current version of key: (1) read the existing
// rows, decide cond on them and queue the inodes of those it replaces
// (replacedBy), (2) in one single-partition batch insert row and delete
// the rows it replaces (the commit point), (3) upsert the listing row. attempted reports whether
// step 2 was sent: after that a failure is ambiguous and the blocks must
// stay until the sweeper decides.
// early, when not nil, is step 1 already under way (readEarly).
//
// With renew, a row that a version started after it committed before
// (rows[0] is newer) takes a fresh version, newer than every row read,
// and its intent moves with it (renewVersion): of two PUTs of one key the
// one that completes last is current, and version order is completion
// order. (A multipart completion, whose version its upload's record
// names, does not renew: its version is taken at completion already.)
func (s *Store) commit(ctx context.Context, b bucketInfo, key string, row *versionRow, renew bool, intent *gcEntry, cond condition, early *earlyRead) (attempted bool, err error) {
	var rows []versionRow
	for {
		readAt, read, queued := early.result()
		rows = read
		early = nil // a repeated read is done here
		if queued && renew {
			// The early read ran while the body came in: a version
			// committed since then (by a PUT that started after ours)
			// must be seen, or ours would not end up current.
			moved, err := s.newestMoved(ctx, b.id, key, rows)
			if err != nil {
				return false, err
			}
			queued = !moved
		}
		if !queued {
			readAt = time.Now()
			var err error
			if rows, err = s.versionRows(ctx, b.id, key, 0); err != nil {
				return false, err
			}
		}
		if err := cond.check(rows); err != nil {
			return false, fmt.Errorf("put %q: %w", key, err)
		}
		if renew && len(rows) > 0 && compareTimeUUID(rows[0].version, row.version) > 0 {
			if err := s.refreshIntent(ctx, intent); err != nil {
				return false, err
			}
			if err := s.renewVersion(ctx, row, intent, rows[0].version); err != nil {
				return false, err
			}
			queued = false // the rows ours replaces are not those queued early
		}
		if supersededOnArrival(*row, rows) {
			// A newer version committed first and replaces ours (a bucket
			// never versioned, or a newer null version): ours would never
			// be seen. Report success (a later PUT won, as in S3); the
			// intent reclaims our blocks. (While Enabled, ours is kept as
			// a version that is not current.)
			return false, nil
		}
		if !queued {
			if err := s.queueReplaced(ctx, b, key, *row, rows); err != nil {
				return false, err
			}
		}
		if err := s.refreshIntent(ctx, intent); err != nil {
			return false, err
		}
		// The batch deletes older rows this read may not have seen (a
		// concurrent commit); their intents reclaim them, provided the
		// read is recent enough that those intents cannot have been
		// swept as live in the meantime (see doc.go).
		if time.Since(readAt) < s.cfg.GCGrace/4 {
			break
		}
	}
	if err := s.lockFresh(cond.lock); err != nil {
		return false, err
	}
	batch := s.sess.Batch(gocql.UnloggedBatch).WithContext(ctx).WithTimestamp(writeTime(row.version))
	batch.Entries = append(batch.Entries,
		gocql.BatchEntry{Idempotent: true, Stmt: insertVersion,
			Args: append([]any{b.id, []byte(key)}, row.values()...)})
	batch.Entries = append(batch.Entries, replacedDeletes(b, key, *row, rows)...)
	if err := batch.Exec(); err != nil {
		return true, fmt.Errorf("commit version of %q: %w", key, err)
	}
	if err := s.putListing(ctx, b, key, *row); err != nil {
		// Committed: HEAD and GET see the object; the sweeper repairs the
		// listing when it handles the intent.
		return true, fmt.Errorf("object committed, but %w", err)
	}
	return true, nil
}

// unknownSizeBlocks is the block count an upload of unknown size starts
// its intent with; the intent doubles it (moving like refreshIntent) each
// time the upload needs more, so the sweeper always knows every block an
// abandoned upload may have written.
const unknownSizeBlocks = 8

// abandon reclaims a failed upload's blocks right away, in the background
// and detached from the request (which is often the thing that failed).
// If that fails too, the intent entry still makes the sweeper do it.
func (s *Store) abandon(intent *gcEntry, written int) {
	if intent == nil || s.cfg.noEagerCleanup {
		return
	}
	e := *intent
	s.background(func(ctx context.Context) {
		if err := s.deleteBlocks(ctx, e.inode, written); err != nil {
			s.log.Warn().Err(err).Str("inode", e.inode.String()).Msg("reclaim failed upload; the sweeper will")
			return
		}
		if err := s.dequeue(ctx, &e); err != nil {
			s.log.Warn().Err(err).Str("inode", e.inode.String()).Msg("dequeue failed upload")
		}
	})
}

// replacedDeletes are the commit batch's deletes of the rows a commit of
// row replaces (all older than row). In a bucket never versioned every
// older row is replaced: one range tombstone below row, which also covers
// rows committed meanwhile that the read did not see (their own intents
// reclaim them). Otherwise one row tombstone per row replaced: a range
// could take a version committed concurrently that must stay.
func replacedDeletes(b bucketInfo, key string, row versionRow, rows []versionRow) []gocql.BatchEntry {
	if !b.versioned() {
		return []gocql.BatchEntry{{Idempotent: true, Stmt: `DELETE FROM versions WHERE bucket_id = ? AND key = ? AND version < ?`,
			Args: []any{b.id, []byte(key), row.version}}}
	}
	garbage := replacedBy(row, rows)
	out := make([]gocql.BatchEntry, 0, len(garbage))
	for _, r := range garbage {
		out = append(out, gocql.BatchEntry{Idempotent: true, Stmt: `DELETE FROM versions WHERE bucket_id = ? AND key = ? AND version = ?`,
			Args: []any{b.id, []byte(key), r.version}})
	}
	return out
}
