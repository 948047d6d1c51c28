package cassandra

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// Appendable objects (store.Appends). See doc.go, "Appendable objects":
// an appendable object is a chain, a manifests partition of segments
// claimed one by one with a lightweight transaction (the claim is an
// append's commit point among appenders), and version rows naming the
// chain with the count of segments each covers.

// isChain reports whether r is a version of an appendable object: its
// inode names its chain and so does its upload_id (a multipart version's
// upload id is a timeuuid, its manifest id a random one: never equal;
// a chain's id is a timeuuid of its own).
func (r versionRow) isChain() bool { return r.parts > 0 && r.uploadID == r.inode }

// segmentRow is one row of a chain: segment idx (1-based) holds the
// blob inode's size bytes at start; etag is the chain's running digest
// (store.AppendDigest) through this segment, in hex; version the version
// the claiming append commits. A fence (fenceSegment) has no inode.
type segmentRow struct {
	idx       int
	inode     gocql.UUID
	size      int64
	start     int64
	blockSize int
	etag      string
	version   gocql.UUID
}

func (r segmentRow) end() int64 { return r.start + r.size }

// chainTip is what an append must know of its key: the current version
// (nil: the key does not exist) and the chain's end, claimed segments
// beyond that version included.
type chainTip struct {
	rows   []versionRow // the key's rows, newest first
	cur    *versionRow
	idx    int    // segments claimed so far
	length int64  // bytes in them
	digest []byte // running digest through them
	newest gocql.UUID
}

// AppendObject appends in.Body to the appendable object in.Key (see
// store.Appends). The bytes are written as a blob of their own under an
// intent, then the next segment of the key's chain is claimed with
// INSERT ... IF NOT EXISTS (of appenders racing at one position exactly
// one claims it), then the version covering it is committed. An append
// that creates the object does so under the key's conditional-write lock,
// so two creators never both win.
func (s *Store) AppendObject(ctx context.Context, in store.AppendInput) (store.Object, error) {
	if in.Size < 0 {
		return store.Object{}, fmt.Errorf("append %q: unknown or negative size %d", in.Key, in.Size)
	}
	b, err := s.bucket(ctx, in.Bucket)
	if err != nil {
		return store.Object{}, err
	}
	if b.versioned() {
		return store.Object{}, fmt.Errorf("append %q: %w", in.Key, store.ErrAppendNotSupported)
	}
	if in.Body == nil {
		in.Body = bytes.NewReader(nil)
	}
	tip, err := s.readTip(ctx, b, in.Key)
	if err != nil {
		return store.Object{}, err
	}
	if err := tip.check(in); err != nil {
		return store.Object{}, err
	}
	chain := gocql.UUID{}
	if tip.cur != nil {
		chain = tip.cur.inode
	} else {
		chain = gocql.TimeUUID() // upload_id columns are timeuuids
	}
	inode, err := randomUUID()
	if err != nil {
		return store.Object{}, fmt.Errorf("allocate inode: %w", err)
	}
	seg := segmentRow{idx: tip.idx + 1, inode: inode, size: in.Size, start: tip.length, blockSize: s.cfg.BlockSize}
	intent := &gcEntry{kind: kindAppend, inode: inode, blocks: versionRow{size: in.Size, blockSize: seg.blockSize}.blocks(),
		bucket: b.name, bucketID: b.id, key: in.Key, version: s.newVersionAfter(tip.newest), uploadID: chain, part: seg.idx}
	intent.setDue(time.Now().Add(s.cfg.GCGrace))
	if err := s.enqueue(ctx, intent); err != nil {
		return store.Object{}, fmt.Errorf("record append intent: %w", err)
	}
	sum, written, _, err := s.writeBlocks(ctx, inode, plainCodec{}, in.Body, in.Size, intent)
	if err == nil && in.ContentMD5 != nil && !bytes.Equal(sum, in.ContentMD5) {
		err = fmt.Errorf("append %q: md5 %x, client sent %x: %w", in.Key, sum, in.ContentMD5, store.ErrBadDigest)
	}
	if err == nil && in.Verify != nil {
		if _, err = in.Verify(); err != nil {
			err = fmt.Errorf("append %q: verify: %w", in.Key, err)
		}
	}
	if err != nil {
		s.abandon(intent, written)
		return store.Object{}, err
	}
	seg.etag = hex.EncodeToString(store.AppendDigest(tip.digest, sum))
	// The version is taken once the bytes are in (its time is the
	// object's Last-Modified), newer than every row and claim read: a
	// claim made since is at our index or beyond, and ours then fails.
	seg.version = s.newVersionAfter(intent.version)
	if tip.cur == nil {
		return s.createChain(ctx, b, in, chain, seg, intent, written)
	}
	return s.appendSegment(ctx, b, in, tip, chain, seg, intent, written)
}

// check decides in against the tip: the key must hold an appendable
// object (or nothing) and in.Position be its length.
func (t chainTip) check(in store.AppendInput) error {
	if t.cur != nil && !t.cur.isChain() {
		return fmt.Errorf("append %q: %w", in.Key, store.ErrObjectNotAppendable)
	}
	if in.Position != t.length {
		return &store.PositionError{Key: in.Key, Length: t.length}
	}
	if t.idx+1 > store.MaxAppends {
		return fmt.Errorf("append %q: %d appends: %w", in.Key, store.MaxAppends, store.ErrEntityTooLarge)
	}
	if t.length+in.Size > store.MaxObjectSize {
		return fmt.Errorf("append %q: %d bytes in all: %w", in.Key, t.length+in.Size, store.ErrEntityTooLarge)
	}
	return nil
}

// readTip reads key's rows and, for an appendable object, the segments
// claimed beyond its current version (serial: a claim in flight is
// settled first).
func (s *Store) readTip(ctx context.Context, b bucketInfo, key string) (chainTip, error) {
	rows, err := s.versionRows(ctx, b.id, key, 0)
	if err != nil {
		return chainTip{}, err
	}
	t := chainTip{rows: rows}
	if len(rows) == 0 || rows[0].marker {
		return t, nil
	}
	t.cur = &rows[0]
	t.newest = rows[0].version
	if !t.cur.isChain() {
		return t, nil
	}
	t.idx, t.length = t.cur.parts, t.cur.size
	if t.digest, _, err = store.ParseAppendETag(t.cur.etag); err != nil {
		return chainTip{}, fmt.Errorf("append %q: %w", key, err)
	}
	claimed, err := s.segments(ctx, t.cur.inode, t.idx, 0, true)
	if err != nil {
		return chainTip{}, err
	}
	for _, c := range claimed {
		if c.idx != t.idx+1 || c.start != t.length {
			return chainTip{}, fmt.Errorf("append %q: chain %s segment %d at %d, want %d at %d: %w",
				key, t.cur.inode, c.idx, c.start, t.idx+1, t.length, store.ErrCorrupt)
		}
		if t.digest, err = hexDigest(c.etag); err != nil {
			return chainTip{}, fmt.Errorf("append %q: chain %s segment %d: %w", key, t.cur.inode, c.idx, err)
		}
		t.idx, t.length = c.idx, c.end()
		if compareTimeUUID(c.version, t.newest) > 0 {
			t.newest = c.version
		}
	}
	return t, nil
}

// segments reads the rows of chain after segment after, up to segment
// upTo (0: to the end), in order.
func (s *Store) segments(ctx context.Context, chain gocql.UUID, after, upTo int, serial bool) ([]segmentRow, error) {
	if upTo <= 0 {
		upTo = math.MaxInt32
	}
	q := s.query(ctx, `SELECT idx, inode, size, start, block_size, etag, version FROM manifests WHERE manifest = ? AND idx > ? AND idx <= ?`,
		chain, after, upTo).Idempotent(true).PageSize(1000)
	if serial {
		q = q.Consistency(s.cfg.serial)
	}
	iter := q.Iter()
	var (
		out []segmentRow
		r   segmentRow
	)
	for iter.Scan(&r.idx, &r.inode, &r.size, &r.start, &r.blockSize, &r.etag, &r.version) {
		out = append(out, r)
		r = segmentRow{}
	}
	if err := iter.Close(); err != nil {
		return nil, fmt.Errorf("read chain %s after segment %d: %w", chain, after, err)
	}
	return out, nil
}

// claimSegment inserts seg into chain if its index is free. When it is not,
// applied is false. An error leaves the outcome unknown.
func (s *Store) claimSegment(ctx context.Context, chain gocql.UUID, seg segmentRow) (applied bool, err error) {
	existing := map[string]any{}
	var inode any = gocql.UnsetValue
	if seg.inode != (gocql.UUID{}) {
		inode = seg.inode
	}
	applied, err = s.query(ctx, `INSERT INTO manifests (manifest, idx, part_number, inode, size, start, block_size, etag, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS`, chain, seg.idx, seg.idx, inode, seg.size, seg.start, seg.blockSize, seg.etag, seg.version).
		SerialConsistency(s.cfg.serial).MapScanCAS(existing)
	if err != nil {
		return false, fmt.Errorf("claim segment %d of chain %s: %w", seg.idx, chain, err)
	}
	return applied, nil
}

// createChain makes a new appendable object of seg, its first segment,
// under the key's lock: the key must still not exist when the lock is
// held (of creators racing, the first to take the lock wins; the others
// wait for it and then find the object).
func (s *Store) createChain(ctx context.Context, b bucketInfo, in store.AppendInput, chain gocql.UUID, seg segmentRow, intent *gcEntry, written int) (store.Object, error) {
	lk, err := s.lockKeyWait(ctx, b, in.Key)
	if err != nil {
		s.abandon(intent, written)
		return store.Object{}, err
	}
	defer s.unlockKey(lk)
	tip, err := s.readTip(ctx, b, in.Key)
	if err == nil && tip.cur != nil {
		err = tip.check(in) // the object exists now: its length, or not appendable
		if err == nil {
			err = &store.PositionError{Key: in.Key, Length: tip.length} // (an empty one: retry)
		}
	}
	if err != nil {
		s.abandon(intent, written)
		return store.Object{}, err
	}
	if err := s.refreshIntent(ctx, intent); err != nil {
		s.abandon(intent, written)
		return store.Object{}, err
	}
	applied, err := s.claimSegment(ctx, chain, seg)
	if err != nil {
		return store.Object{}, err // the sweeper decides (the intent)
	}
	if !applied { // a sweeper fenced our segment: we were too slow
		s.abandon(intent, written)
		return store.Object{}, &store.PositionError{Key: in.Key, Length: 0}
	}
	row := versionRow{version: seg.version, inode: chain, uploadID: chain, parts: 1, size: seg.size,
		blockSize: seg.blockSize, etag: store.AppendETag(mustHex(seg.etag), 1), owner: in.Owner,
		meta: in.Meta, acl: in.ACL.Encode(), tags: in.Tags.Encode()}
	if len(row.meta.User) == 0 {
		row.meta.User = nil
	}
	row.created = row.version.Time().Truncate(time.Millisecond)
	if err := s.lockFresh(lk); err != nil {
		return store.Object{}, err // claimed: the next append commits it
	}
	if err := s.commitAppend(ctx, b, in.Key, &row); err != nil {
		return store.Object{}, err
	}
	return row.object(in.Bucket, in.Key), nil
}

// appendSegment claims seg as the next segment of the key's chain and
// commits the version covering it.
func (s *Store) appendSegment(ctx context.Context, b bucketInfo, in store.AppendInput, tip chainTip, chain gocql.UUID, seg segmentRow, intent *gcEntry, written int) (store.Object, error) {
	if err := s.refreshIntent(ctx, intent); err != nil {
		s.abandon(intent, written)
		return store.Object{}, err
	}
	applied, err := s.claimSegment(ctx, chain, seg)
	if err != nil {
		return store.Object{}, err // the sweeper decides (the intent)
	}
	if !applied {
		// Another append took this position (or a sweeper fenced it):
		// the client learns the length now.
		s.abandon(intent, written)
		now, err := s.readTip(ctx, b, in.Key)
		if err != nil {
			return store.Object{}, err
		}
		if err := now.check(in); err != nil {
			return store.Object{}, err
		}
		return store.Object{}, &store.PositionError{Key: in.Key, Length: now.length}
	}
	cur := tip.cur
	row := versionRow{version: seg.version, inode: chain, uploadID: chain, parts: seg.idx, size: seg.end(),
		blockSize: cur.blockSize, etag: store.AppendETag(mustHex(seg.etag), seg.idx), owner: cur.owner,
		meta: cur.meta, acl: cur.effectiveACL().Encode(), tags: cur.effectiveTags().Encode()}
	row.created = row.version.Time().Truncate(time.Millisecond)
	if err := s.commitAppend(ctx, b, in.Key, &row); err != nil {
		return store.Object{}, err
	}
	return row.object(in.Bucket, in.Key), nil
}

// lockKeyWait takes key's conditional-write lock, waiting (a few
// seconds at most) while another writer holds it.
func (s *Store) lockKeyWait(ctx context.Context, b bucketInfo, key string) (*keyLock, error) {
	wait := 20 * time.Millisecond
	deadline := time.Now().Add(5 * time.Second)
	for {
		lk, err := s.lockKey(ctx, b, key)
		if !errors.Is(err, store.ErrConditionalConflict) || time.Now().After(deadline) {
			return lk, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("lock %q: %w", key, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, 500*time.Millisecond)
	}
}

func hexDigest(h string) ([]byte, error) {
	if h == "" {
		return nil, nil // before the first segment (a fence in its place)
	}
	d, err := hex.DecodeString(h)
	if err != nil || len(d) != 16 {
		return nil, fmt.Errorf("running digest %q: %w", h, store.ErrCorrupt)
	}
	return d, nil
}

// mustHex decodes a digest this package formatted.
func mustHex(h string) []byte {
	d, _ := hexDigest(h)
	return d
}
