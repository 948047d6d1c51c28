package cassandra

import (
	"context"
	"fmt"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// entryKind says why an inode sits in the GC queue.
type entryKind int8

const (
	// kindUpload: an upload's intent, written before its first block. The
	// blocks stay if the upload's version row exists when the entry is
	// swept; otherwise the row is fenced off and the blocks deleted.
	kindUpload entryKind = 1
	// kindGarbage: a version being replaced or deleted. Its blocks go once
	// its version row is gone; if the row is still the newest (the delete
	// or overwrite failed), the entry is dropped and the blocks stay.
	kindGarbage entryKind = 2
	// kindPartUpload: a part upload's intent (upload, part, version);
	// kindPartGarbage: a replaced part. Their blocks go once neither the
	// open upload's parts rows nor the completed upload's manifest refer
	// to them (see doc_gc.go).
	kindPartUpload  entryKind = 3
	kindPartGarbage entryKind = 4
	// kindExpire: an upload's end of life, MultipartMaxAge after its
	// creation (inode is the upload id): an open upload is aborted.
	kindExpire entryKind = 5
	// (6 and 7: kindAppend, kindChainDead in append_gc.go.)
	// kindBucketListing: a deleted bucket's listing map, counts and
	// objects partitions, reclaimed once due if the bucket is gone
	// (ranges_reclaim.go).
	kindBucketListing entryKind = 8
)

// gcEntry is one gc_queue row: the blocks [0, blocks) of inode, which
// belong to version of key in bucket (name and incarnation id).
type gcEntry struct {
	slot     int64
	shard    int
	due      time.Time
	inode    gocql.UUID
	kind     entryKind
	blocks   int
	bucket   string
	bucketID gocql.UUID
	key      string
	version  gocql.UUID
	// Multipart: the upload, the part number (part entries) and, for a
	// version entry, its part count (> 0: inode is a manifest).
	uploadID gocql.UUID
	part     int
	parts    int
}

// setDue places e in the queue partition for due.
func (e *gcEntry) setDue(due time.Time) {
	e.due = due.Truncate(time.Millisecond) // CQL timestamp precision, so deletes match
	e.slot = slotOf(e.due)
	e.shard = queueShardOf(e.inode)
}

// newEntry builds an entry for row r of key, due after the grace period.
func (s *Store) newEntry(kind entryKind, b bucketInfo, key string, r versionRow) *gcEntry {
	e := &gcEntry{
		inode: r.inode, kind: kind, blocks: r.blocks(),
		bucket: b.name, bucketID: b.id, key: key, version: r.version,
		uploadID: r.uploadID, parts: r.parts,
	}
	e.setDue(time.Now().Add(s.cfg.GCGrace))
	return e
}

// insertEntry writes a gc_queue row (gcEntry.values).
const insertEntry = `INSERT INTO gc_queue (slot, shard, due, inode, kind, blocks, bucket, bucket_id, key, version, upload_id, part, parts)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// values leaves empty multipart columns unset (entries are never
// overwritten).
func (e *gcEntry) values() []any {
	return []any{e.slot, e.shard, e.due, e.inode, int8(e.kind), e.blocks, e.bucket, e.bucketID, []byte(e.key), e.version,
		orUnset(e.uploadID), orUnset(e.part), orUnset(e.parts)}
}

func (s *Store) enqueue(ctx context.Context, e *gcEntry) error {
	if err := s.exec(ctx, insertEntry, e.values()...); err != nil {
		return fmt.Errorf("queue inode %s for gc: %w", e.inode, err)
	}
	return nil
}

func (s *Store) dequeue(ctx context.Context, e *gcEntry) error {
	err := s.exec(ctx, `DELETE FROM gc_queue WHERE slot = ? AND shard = ? AND due = ? AND inode = ?`,
		e.slot, e.shard, e.due, e.inode)
	if err != nil {
		return fmt.Errorf("dequeue inode %s: %w", e.inode, err)
	}
	return nil
}

// refreshIntent keeps an upload's intent at least half a grace period in
// the future, so no sweeper acts on it while the upload still runs: a new
// entry is queued and the old one removed well before it comes due. It is
// called after each body read and before each block write and the commit,
// so nothing is written under an intent a sweeper may already process. An
// upload that cannot move its intent in time fails.
func (s *Store) refreshIntent(ctx context.Context, e *gcEntry) error {
	if e == nil || time.Until(e.due) > s.cfg.GCGrace/2 {
		return nil
	}
	next := *e
	next.setDue(time.Now().Add(s.cfg.GCGrace))
	if err := s.enqueue(ctx, &next); err != nil {
		return fmt.Errorf("refresh upload intent: %w", err)
	}
	if time.Until(e.due) <= s.cfg.GCGrace/4 {
		// Too late to withdraw safely: a sweeper may act on the old entry.
		// The new one stays queued and covers every block written so far.
		return fmt.Errorf("refresh upload intent: intent due at %s, upload too slow: %w", e.due.Format(time.RFC3339Nano), store.ErrSlowDown)
	}
	if err := s.dequeue(ctx, e); err != nil {
		return fmt.Errorf("refresh upload intent: %w", err)
	}
	*e = next
	return nil
}

// growIntent moves an upload's intent (of unknown size) to one that
// covers blocks blocks, as refreshIntent moves it in time: the new entry
// first, then the old one withdrawn while far from due.
func (s *Store) growIntent(ctx context.Context, e *gcEntry, blocks int) error {
	next := *e
	next.blocks = blocks
	next.setDue(time.Now().Add(s.cfg.GCGrace))
	if err := s.enqueue(ctx, &next); err != nil {
		return fmt.Errorf("grow upload intent: %w", err)
	}
	if time.Until(e.due) <= s.cfg.GCGrace/4 {
		return fmt.Errorf("grow upload intent: intent due at %s, upload too slow: %w", e.due.Format(time.RFC3339Nano), store.ErrSlowDown)
	}
	if err := s.dequeue(ctx, e); err != nil {
		return fmt.Errorf("grow upload intent: %w", err)
	}
	*e = next
	return nil
}

// renewVersion gives row a fresh version, newer than after (another
// frontend's clock may be ahead of ours), and moves its upload intent to
// it the way refreshIntent moves an intent in time: the new entry first,
// then the old one withdrawn, which the caller has just refreshed so that
// no sweeper can be acting on it. Blocks are keyed by inode, not version:
// nothing else moves.
func (s *Store) renewVersion(ctx context.Context, row *versionRow, intent *gcEntry, after gocql.UUID) error {
	v := s.newVersionAfter(after)
	next := *intent
	next.version = v
	next.setDue(time.Now().Add(s.cfg.GCGrace))
	if err := s.enqueue(ctx, &next); err != nil {
		return fmt.Errorf("move upload intent: %w", err)
	}
	if time.Until(intent.due) <= s.cfg.GCGrace/4 {
		return fmt.Errorf("move upload intent: intent due at %s, upload too slow: %w", intent.due.Format(time.RFC3339Nano), store.ErrSlowDown)
	}
	if err := s.dequeue(ctx, intent); err != nil {
		return fmt.Errorf("move upload intent: %w", err)
	}
	*intent = next
	row.version = v
	row.created = v.Time().Truncate(time.Millisecond)
	return nil
}

// scanQueue reads the entries of one queue partition due at or before upTo.
func (s *Store) scanQueue(ctx context.Context, slot int64, shard int, upTo time.Time) ([]gcEntry, error) {
	iter := s.query(ctx, `SELECT due, inode, kind, blocks, bucket, bucket_id, key, version, upload_id, part, parts FROM gc_queue
		WHERE slot = ? AND shard = ? AND due <= ?`, slot, shard, upTo).Idempotent(true).PageSize(500).Iter()
	var (
		out  []gcEntry
		e    = gcEntry{slot: slot, shard: shard}
		kind int8
		key  []byte
	)
	for iter.Scan(&e.due, &e.inode, &kind, &e.blocks, &e.bucket, &e.bucketID, &key, &e.version, &e.uploadID, &e.part, &e.parts) {
		e.kind, e.key = entryKind(kind), string(key)
		out = append(out, e)
		e = gcEntry{slot: slot, shard: shard}
	}
	if err := iter.Close(); err != nil {
		return nil, fmt.Errorf("scan gc queue slot %d shard %d: %w", slot, shard, err)
	}
	return out, nil
}
