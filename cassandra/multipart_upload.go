package cassandra

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// Upload states in the multipart table; only LWTs change them.
const (
	stateOpen       = "open"
	stateCompleting = "completing"
	stateDone       = "done"
	stateAborted    = "aborted"
)

// uploadRecord is a multipart row.
type uploadRecord struct {
	id        gocql.UUID
	bucketID  gocql.UUID
	bucket    string
	key       string
	state     string
	owner     string
	initiated time.Time
	algorithm string
	typ       string
	meta      store.Meta
	acl       string // store.ACL.Encode: the object's, once completed
	tags      string // store.Tags.Encode: the object's, once completed
	lock      string // store.Lock.Encode: the object's, once completed
	manifest  gocql.UUID
	version   gocql.UUID
	sse       string // store.NewSSERecord: every part is sealed under the customer key
}

func (r uploadRecord) public() store.Upload {
	acl, _ := store.DecodeACL(r.acl)
	tags, _ := store.DecodeTags(r.tags)
	lock, _ := store.DecodeLock(r.lock)
	return store.Upload{Lock: lock, Bucket: r.bucket, Key: r.key, UploadID: r.id.String(), Owner: r.owner,
		Initiated: r.initiated.UTC(), Meta: r.meta, ChecksumAlgorithm: r.algorithm, ChecksumType: r.typ, ACL: acl, Tags: tags,
		SSE: r.sse}
}

// readRecord reads upload id's row; serial reads go through Paxos, so
// they see (and finish) any state change in flight.
func (s *Store) readRecord(ctx context.Context, id gocql.UUID, serial bool) (uploadRecord, bool, error) {
	r := uploadRecord{id: id}
	var key []byte
	q := s.query(ctx, `SELECT bucket_id, bucket, key, state, owner, initiated, checksum_algorithm, checksum_type,
		content_type, content_encoding, content_disposition, content_language, cache_control, expires, user_meta,
		manifest, version, acl, tags, lock, sse FROM multipart WHERE upload_id = ?`, id).Idempotent(true)
	if serial {
		q = q.Consistency(s.cfg.serial)
	}
	err := q.Scan(&r.bucketID, &r.bucket, &key, &r.state, &r.owner, &r.initiated, &r.algorithm, &r.typ,
		&r.meta.ContentType, &r.meta.ContentEncoding, &r.meta.ContentDisposition, &r.meta.ContentLanguage,
		&r.meta.CacheControl, &r.meta.Expires, &r.meta.User, &r.manifest, &r.version, &r.acl, &r.tags, &r.lock, &r.sse)
	if errors.Is(err, gocql.ErrNotFound) {
		return r, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("read upload %s: %w", id, err)
	}
	r.key = string(key)
	if len(r.meta.User) == 0 {
		r.meta.User = nil
	}
	return r, true, nil
}

// openUpload returns the record of uploadID if it belongs to key of b.
// Errors: store.ErrNoSuchUpload (also for any state but those allowed).
func (s *Store) openUpload(ctx context.Context, b bucketInfo, key, uploadID string, serial bool, states ...string) (uploadRecord, error) {
	id, err := gocql.ParseUUID(uploadID)
	if err != nil {
		return uploadRecord{}, fmt.Errorf("upload %q: %w", uploadID, store.ErrNoSuchUpload)
	}
	r, found, err := s.readRecord(ctx, id, serial)
	if err != nil {
		return r, err
	}
	if !found || r.bucketID != b.id || r.key != key {
		return r, fmt.Errorf("upload %q of %q: %w", uploadID, key, store.ErrNoSuchUpload)
	}
	for _, st := range states {
		if r.state == st {
			return r, nil
		}
	}
	if r.state == stateCompleting {
		return r, fmt.Errorf("upload %q of %q is being completed: %w", uploadID, key, store.ErrConditionalConflict)
	}
	return r, fmt.Errorf("upload %q of %q is %s: %w", uploadID, key, r.state, store.ErrNoSuchUpload)
}

// setState moves upload id from state from to to with an LWT; extra
// conditions compare the manifest. It returns whether it applied and the
// state found otherwise.
func (s *Store) setState(ctx context.Context, id gocql.UUID, from, to string, manifest, version *gocql.UUID) (bool, string, error) {
	stmt := `UPDATE multipart SET state = ? WHERE upload_id = ? IF state = ?`
	args := []any{to, id, from}
	switch {
	case from == stateOpen && to == stateCompleting:
		stmt = `UPDATE multipart SET state = ?, manifest = ?, version = ? WHERE upload_id = ? IF state = ?`
		args = []any{to, *manifest, *version, id, from}
	case from == stateCompleting && to == stateOpen:
		stmt = `UPDATE multipart SET state = ?, manifest = null, version = null WHERE upload_id = ? IF state = ? AND manifest = ?`
		args = append(args, *manifest)
	case from == stateCompleting:
		stmt = `UPDATE multipart SET state = ? WHERE upload_id = ? IF state = ? AND manifest = ?`
		args = append(args, *manifest)
	}
	existing := map[string]any{}
	applied, err := s.query(ctx, stmt, args...).SerialConsistency(s.cfg.serial).MapScanCAS(existing)
	if err != nil {
		return false, "", fmt.Errorf("upload %s: %s -> %s: %w", id, from, to, err)
	}
	st, _ := existing["state"].(string)
	return applied, st, nil
}

// CreateMultipartUpload records a new upload: its expiry entry first (so
// no upload outlives MultipartMaxAge whatever happens), then the upload
// row (an LWT, like every later state change), then the listing row.
func (s *Store) CreateMultipartUpload(ctx context.Context, in store.CreateUploadInput) (store.Upload, error) {
	b, err := s.bucket(ctx, in.Bucket)
	if err != nil {
		return store.Upload{}, err
	}
	sse, err := store.NewSSERecord(in.SSE)
	if err != nil {
		return store.Upload{}, fmt.Errorf("create upload of %q: %w", in.Key, err)
	}
	r := uploadRecord{sse: sse, id: s.newVersion(), bucketID: b.id, bucket: b.name, key: in.Key, state: stateOpen,
		owner: in.Owner, algorithm: in.ChecksumAlgorithm, typ: in.ChecksumType, meta: in.Meta, acl: in.ACL.Encode(), tags: in.Tags.Encode(),
		lock: in.Lock.Encode()}
	r.initiated = r.id.Time().Truncate(time.Millisecond)
	r.meta.User = maps.Clone(in.Meta.User)
	if len(r.meta.User) == 0 {
		r.meta.User = nil
	}
	exp := &gcEntry{inode: r.id, kind: kindExpire, bucket: b.name, bucketID: b.id, key: in.Key, version: r.id, uploadID: r.id}
	exp.setDue(time.Now().Add(s.cfg.MultipartMaxAge))
	if err := s.enqueue(ctx, exp); err != nil {
		return store.Upload{}, err
	}
	m := r.meta
	existing := map[string]any{}
	applied, err := s.query(ctx, `INSERT INTO multipart (upload_id, bucket_id, bucket, key, state, owner, initiated,
		checksum_algorithm, checksum_type, content_type, content_encoding, content_disposition, content_language,
		cache_control, expires, user_meta, acl, tags, lock, sse) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS`,
		r.id, b.id, b.name, []byte(in.Key), stateOpen, in.Owner, r.initiated, r.algorithm, r.typ,
		m.ContentType, m.ContentEncoding, m.ContentDisposition, m.ContentLanguage, m.CacheControl, m.Expires, m.User,
		orUnset(r.acl), orUnset(r.tags), orUnset(r.lock), orUnset(r.sse)).
		SerialConsistency(s.cfg.serial).MapScanCAS(existing)
	if err != nil {
		return store.Upload{}, fmt.Errorf("create upload of %q: %w", in.Key, err)
	}
	if !applied {
		return store.Upload{}, fmt.Errorf("create upload of %q: upload id %s taken", in.Key, r.id)
	}
	if err := s.exec(ctx, `INSERT INTO uploads (bucket_id, key, upload_id, owner, initiated) VALUES (?, ?, ?, ?, ?)`,
		b.id, []byte(in.Key), r.id, in.Owner, r.initiated); err != nil {
		return store.Upload{}, fmt.Errorf("list upload of %q: %w", in.Key, err)
	}
	return r.public(), nil
}

// partRow is a parts row.
type partRow struct {
	number    int
	version   gocql.UUID
	inode     gocql.UUID
	size      int64
	blockSize int
	etag      string
	checksum  store.Checksum
	created   time.Time
}

func (p partRow) blocks() int {
	return versionRow{size: p.size, blockSize: p.blockSize}.blocks()
}

func (p partRow) public() store.Part {
	return store.Part{PartNumber: p.number, Size: p.size, ETag: p.etag, LastModified: p.created.UTC(), Checksum: p.checksum}
}

// partRows reads the parts rows of upload id with numbers in [from, to]
// (to 0: no bound), every version, newest first within a number.
func (s *Store) partRows(ctx context.Context, id gocql.UUID, from, to int) ([]partRow, error) {
	stmt := `SELECT part_number, version, inode, size, block_size, etag, checksum_algorithm, checksum, created
		FROM parts WHERE upload_id = ? AND part_number >= ?`
	args := []any{id, from}
	if to > 0 {
		stmt += ` AND part_number <= ?`
		args = append(args, to)
	}
	iter := s.query(ctx, stmt, args...).Idempotent(true).PageSize(1000).Iter()
	var (
		out []partRow
		p   partRow
	)
	for iter.Scan(&p.number, &p.version, &p.inode, &p.size, &p.blockSize, &p.etag, &p.checksum.Algorithm, &p.checksum.Value, &p.created) {
		if p.checksum.Algorithm != "" {
			p.checksum.Type = store.ChecksumFullObject
		}
		out = append(out, p)
		p = partRow{}
	}
	if err := iter.Close(); err != nil {
		return nil, fmt.Errorf("read parts of upload %s: %w", id, err)
	}
	return out, nil
}

// newestParts keeps the newest row of each part number (rows as
// partRows returns them).
func newestParts(rows []partRow) []partRow {
	var out []partRow
	for _, p := range rows {
		if len(out) == 0 || out[len(out)-1].number != p.number {
			out = append(out, p)
		}
	}
	return out
}

func (s *Store) partEntry(kind entryKind, r uploadRecord, p partRow) *gcEntry {
	e := &gcEntry{inode: p.inode, kind: kind, blocks: p.blocks(), bucket: r.bucket, bucketID: r.bucketID,
		key: r.key, version: p.version, uploadID: r.id, part: p.number}
	e.setDue(time.Now().Add(s.cfg.GCGrace))
	return e
}

// UploadPart stores a part like a PUT stores an object: intent, blocks,
// then a single-partition batch that inserts the part's row and deletes
// the older rows of its number (their inodes queued first).
func (s *Store) UploadPart(ctx context.Context, in store.PartInput) (store.Part, error) {
	if in.PartNumber < 1 || in.PartNumber > store.MaxPartNumber {
		return store.Part{}, fmt.Errorf("part number %d outside 1..%d", in.PartNumber, store.MaxPartNumber)
	}
	if in.Size < 0 || in.Size > store.MaxPartSize {
		return store.Part{}, fmt.Errorf("part size %d outside 0..%d", in.Size, int64(store.MaxPartSize))
	}
	b, err := s.bucket(ctx, in.Bucket)
	if err != nil {
		return store.Part{}, err
	}
	rec, err := s.openUpload(ctx, b, in.Key, in.UploadID, false, stateOpen)
	if err != nil {
		return store.Part{}, err
	}
	if err := in.Check(rec.public()); err != nil {
		return store.Part{}, fmt.Errorf("part %d of upload %s: %w", in.PartNumber, in.UploadID, err)
	}
	if err := in.ResolveManaged(ctx, rec.sse); err != nil {
		return store.Part{}, fmt.Errorf("part %d of upload %s: %w", in.PartNumber, in.UploadID, err)
	}
	if err := store.CheckSSE(rec.sse, in.SSE); err != nil {
		return store.Part{}, fmt.Errorf("part %d of upload %s: %w", in.PartNumber, in.UploadID, err)
	}
	if in.Body == nil {
		in.Body = bytes.NewReader(nil)
	}
	inode, err := randomUUID()
	if err != nil {
		return store.Part{}, err
	}
	codec, err := newCodec(in.SSE, inode) // each part is a blob of its own: its own key
	if err != nil {
		return store.Part{}, err
	}
	p := partRow{number: in.PartNumber, version: s.newVersion(), inode: inode, size: in.Size, blockSize: s.cfg.BlockSize}
	p.created = p.version.Time().Truncate(time.Millisecond)
	intent := s.partEntry(kindPartUpload, rec, p)
	if err := s.enqueue(ctx, intent); err != nil {
		return store.Part{}, fmt.Errorf("record part intent: %w", err)
	}
	sum, written, _, err := s.writeBlocks(ctx, inode, codec, in.Body, in.Size, intent)
	if err == nil && in.ContentMD5 != nil && !bytes.Equal(sum, in.ContentMD5) {
		err = fmt.Errorf("part %d: md5 %x, client sent %x: %w", in.PartNumber, sum, in.ContentMD5, store.ErrBadDigest)
	}
	if err == nil && in.Verify != nil {
		if p.checksum, err = in.Verify(); err != nil {
			err = fmt.Errorf("part %d: verify: %w", in.PartNumber, err)
		}
	}
	if err == nil {
		// Completed or aborted meanwhile? Then the part could never be
		// used: fail now rather than leave it to the sweeper.
		_, err = s.openUpload(ctx, b, in.Key, in.UploadID, false, stateOpen)
	}
	if err != nil {
		s.abandon(intent, written)
		return store.Part{}, err
	}
	p.etag = hex.EncodeToString(store.ETagDigest(rec.sse, sum))
	if attempted, err := s.commitPart(ctx, rec, p, intent); err != nil {
		if !attempted {
			s.abandon(intent, written)
		}
		return store.Part{}, err
	}
	return p.public(), nil
}

// commitPart is commit for a part: queue the inodes of the number's
// existing rows, then insert p and delete the older rows in one batch at
// p's timestamp (see commit for why the read must be recent).
func (s *Store) commitPart(ctx context.Context, rec uploadRecord, p partRow, intent *gcEntry) (attempted bool, err error) {
	for {
		readAt := time.Now()
		rows, err := s.partRows(ctx, rec.id, p.number, p.number)
		if err != nil {
			return false, err
		}
		if len(rows) > 0 && compareTimeUUID(rows[0].version, p.version) > 0 {
			return false, nil // a newer upload of this part won
		}
		for _, r := range rows {
			if err := s.enqueue(ctx, s.partEntry(kindPartGarbage, rec, r)); err != nil {
				return false, err
			}
		}
		if err := s.refreshIntent(ctx, intent); err != nil {
			return false, err
		}
		if time.Since(readAt) < s.cfg.GCGrace/4 {
			break
		}
	}
	batch := s.sess.Batch(gocql.UnloggedBatch).WithContext(ctx).WithTimestamp(writeTime(p.version))
	batch.Entries = append(batch.Entries,
		gocql.BatchEntry{Idempotent: true, Stmt: `INSERT INTO parts (upload_id, part_number, version, inode, size,
			block_size, etag, checksum_algorithm, checksum, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			Args: []any{rec.id, p.number, p.version, p.inode, p.size, p.blockSize, p.etag, p.checksum.Algorithm, p.checksum.Value, p.created}},
		gocql.BatchEntry{Idempotent: true, Stmt: `DELETE FROM parts WHERE upload_id = ? AND part_number = ? AND version < ?`,
			Args: []any{rec.id, p.number, p.version}},
	)
	if err := batch.Exec(); err != nil {
		return true, fmt.Errorf("commit part %d: %w", p.number, err)
	}
	return true, nil
}

// ListParts lists the newest row of each part number after in.After.
func (s *Store) ListParts(ctx context.Context, in store.ListPartsInput) (store.ListPartsResult, error) {
	b, err := s.bucket(ctx, in.Bucket)
	if err != nil {
		return store.ListPartsResult{}, err
	}
	rec, err := s.openUpload(ctx, b, in.Key, in.UploadID, false, stateOpen)
	if err != nil {
		return store.ListPartsResult{}, err
	}
	res := store.ListPartsResult{Upload: rec.public()}
	if in.MaxParts <= 0 {
		return res, nil
	}
	iter := s.query(ctx, `SELECT part_number, size, etag, checksum_algorithm, checksum, created FROM parts
		WHERE upload_id = ? AND part_number > ?`, rec.id, in.After).Idempotent(true).PageSize(min(in.MaxParts+1, 1000)).Iter()
	var (
		p    store.Part
		last = -1
	)
	for iter.Scan(&p.PartNumber, &p.Size, &p.ETag, &p.Checksum.Algorithm, &p.Checksum.Value, &p.LastModified) {
		if p.PartNumber == last {
			continue // an older row of the same number
		}
		if len(res.Parts) == in.MaxParts {
			res.IsTruncated = true
			break
		}
		last = p.PartNumber
		p.LastModified = p.LastModified.UTC()
		if p.Checksum.Algorithm != "" {
			p.Checksum.Type = store.ChecksumFullObject
		}
		res.Parts = append(res.Parts, p)
		res.NextAfter = p.PartNumber
		p = store.Part{}
	}
	if err := iter.Close(); err != nil {
		return store.ListPartsResult{}, fmt.Errorf("list parts of upload %s: %w", rec.id, err)
	}
	return res, nil
}

// AbortMultipartUpload moves the upload to aborted with an LWT, so it
// cannot also complete, then hands every part to the GC queue.
func (s *Store) AbortMultipartUpload(ctx context.Context, bucket, key, uploadID string) error {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return err
	}
	rec, err := s.openUpload(ctx, b, key, uploadID, true, stateOpen)
	if err != nil {
		return err
	}
	applied, st, err := s.setState(ctx, rec.id, stateOpen, stateAborted, nil, nil)
	if err != nil {
		return err
	}
	if !applied {
		if st == stateCompleting {
			return fmt.Errorf("upload %q is being completed: %w", uploadID, store.ErrConditionalConflict)
		}
		return fmt.Errorf("upload %q is %s: %w", uploadID, st, store.ErrNoSuchUpload)
	}
	return s.finishAbort(ctx, rec)
}

// finishAbort queues every part of an aborted upload as garbage, then
// drops its parts, listing row and record. Idempotent: the expiry entry
// repeats it after a crash.
func (s *Store) finishAbort(ctx context.Context, rec uploadRecord) error {
	rows, err := s.partRows(ctx, rec.id, 0, 0)
	if err != nil {
		return err
	}
	if err := parallel(ctx, len(rows), 32, func(ctx context.Context, i int) error {
		return s.enqueue(ctx, s.partEntry(kindPartGarbage, rec, rows[i]))
	}); err != nil {
		return err
	}
	if err := s.dropUpload(ctx, rec); err != nil {
		return err
	}
	existing := map[string]any{}
	if _, err := s.query(ctx, `DELETE FROM multipart WHERE upload_id = ? IF state = ?`, rec.id, stateAborted).
		SerialConsistency(s.cfg.serial).MapScanCAS(existing); err != nil {
		return fmt.Errorf("delete aborted upload %s: %w", rec.id, err)
	}
	return nil
}

// dropUpload deletes a finished upload's parts partition and listing row.
func (s *Store) dropUpload(ctx context.Context, rec uploadRecord) error {
	if err := s.exec(ctx, `DELETE FROM parts WHERE upload_id = ?`, rec.id); err != nil {
		return fmt.Errorf("delete parts of upload %s: %w", rec.id, err)
	}
	if err := s.exec(ctx, `DELETE FROM uploads WHERE bucket_id = ? AND key = ? AND upload_id = ?`,
		rec.bucketID, []byte(rec.key), rec.id); err != nil {
		return fmt.Errorf("unlist upload %s: %w", rec.id, err)
	}
	return nil
}
