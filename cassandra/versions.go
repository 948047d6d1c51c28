package cassandra

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// versionRow is one row of the versions table.
type versionRow struct {
	version   gocql.UUID
	inode     gocql.UUID
	size      int64
	blockSize int
	etag      string
	owner     string
	created   time.Time
	meta      store.Meta
	checksum  store.Checksum
	// parts > 0: a completed multipart upload (of uploadID) whose inode
	// names its manifest; its bytes are the manifest's parts' blocks.
	parts    int
	uploadID gocql.UUID
	// data holds the bytes of an inline version (blockSize 0). Only the
	// statements that need it read it (versionDataCols).
	data []byte
	// acl is the version's ACL as its PUT gave it (store.ACL.Encode; ""
	// for the private default). acls is the partition's static map of
	// ACLs set later (PutObjectACL), by version; only read, never written
	// with the row.
	acl  string
	acls map[gocql.UUID]string
	// tags and tagSets are the version's tags (store.Tags.Encode), kept
	// like acl and acls (schema 0007).
	tags    string
	tagSets map[gocql.UUID]string
	// lock is the version's retention and legal hold as its write gave
	// them (store.Lock.Encode); retentions and legalHolds the partition's
	// static maps of later changes, by version (schema 0009).
	lock       string
	retentions map[gocql.UUID]string
	legalHolds map[gocql.UUID]bool
	// versioned: written while the bucket's versioning was Enabled (its
	// S3 id is its timeuuid); otherwise it is a null version. marker: a
	// delete marker (schema 0008).
	versioned, marker bool
	// sse is the version's SSE-C record (store.NewSSERecord; schema
	// 0011): its blocks, or inline bytes, are sealed (codec.go).
	sse string
	// dataCRC is the CRC-32C of data as stored (schema 0016); nil for
	// an inline version written before, checked by its ETag instead.
	dataCRC *int32
}

// versionBaseCols are the columns a version's row is written with, but
// its bytes; versionCols are what readers select (the static ACL map
// too); versionDataCols add the inline bytes; versionInsertCols are what
// a commit writes, versionMarks one ? for each.
const (
	versionBaseCols = `version, inode, size, block_size, etag, owner, created,
	content_type, content_encoding, content_disposition, content_language, cache_control, expires, user_meta,
	checksum_algorithm, checksum_type, checksum, parts, upload_id, acl, tags, versioned, marker, lock, sse, data_crc`
	versionCols       = versionBaseCols + `, acls, tag_sets, retentions, legal_holds`
	versionDataCols   = versionCols + `, data`
	versionInsertCols = versionBaseCols + `, data`
	versionMarks      = `?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?`
)

func (r *versionRow) dest() []any {
	return []any{&r.version, &r.inode, &r.size, &r.blockSize, &r.etag, &r.owner, &r.created,
		&r.meta.ContentType, &r.meta.ContentEncoding, &r.meta.ContentDisposition, &r.meta.ContentLanguage,
		&r.meta.CacheControl, &r.meta.Expires, &r.meta.User,
		&r.checksum.Algorithm, &r.checksum.Type, &r.checksum.Value, &r.parts, &r.uploadID, &r.acl, &r.tags, &r.versioned, &r.marker, &r.lock, &r.sse, &r.dataCRC,
		&r.acls, &r.tagSets, &r.retentions, &r.legalHolds}
}

// effectiveACL is the version's ACL in force: the last one set with
// PutObjectACL, else its PUT's (zero: private to its owner).
func (r versionRow) effectiveACL() store.ACL {
	a, _ := store.DecodeACL(inForce(r.acl, r.acls, r.version)) // written by this package: cannot fail but by corruption (private then)
	return a
}

// effectiveTags are the version's tags in force: the last ones set with
// PutObjectTags, else its PUT's.
func (r versionRow) effectiveTags() store.Tags {
	t, _ := store.DecodeTags(inForce(r.tags, r.tagSets, r.version)) // written by this package
	return t
}

// effectiveLock is what protects the version in force: its retention
// and legal hold as last set (PutObjectRetention, PutObjectLegalHold),
// else as its write gave them.
func (r versionRow) effectiveLock() store.Lock {
	l, _ := store.DecodeLock(r.lock) // written by this package
	if v, ok := r.retentions[r.version]; ok {
		l.Retention, _ = store.DecodeRetention(v)
	}
	if v, ok := r.legalHolds[r.version]; ok {
		l.LegalHold = v
		l.LegalHoldSet = true
	}
	return l
}

// inForce is a version's value of a setting kept as a row column (what
// its PUT gave) and a static map of later changes by version.
func inForce(given string, changed map[gocql.UUID]string, version gocql.UUID) string {
	if v, ok := changed[version]; ok {
		return v
	}
	return given
}

// dataDest is dest and the inline bytes: the columns of versionDataCols.
func (r *versionRow) dataDest() []any { return append(r.dest(), &r.data) }

// values are the column values of versionInsertCols, in order.
func (r *versionRow) values() []any {
	m := r.meta
	var upload any = gocql.UnsetValue
	if r.parts > 0 {
		upload = r.uploadID
	}
	var user any = gocql.UnsetValue
	if len(m.User) > 0 {
		user = m.User
	}
	var data, crc any = gocql.UnsetValue, gocql.UnsetValue
	if len(r.data) > 0 {
		data = r.data
	}
	if r.dataCRC != nil {
		crc = *r.dataCRC
	}
	// Version rows are never overwritten with other values, so empty
	// columns are left unset: no null cells (tombstones), a smaller row.
	return []any{r.version, r.inode, r.size, r.blockSize, r.etag, r.owner, r.created,
		m.ContentType, orUnset(m.ContentEncoding), orUnset(m.ContentDisposition), orUnset(m.ContentLanguage),
		orUnset(m.CacheControl), orUnset(m.Expires), user,
		orUnset(r.checksum.Algorithm), orUnset(r.checksum.Type), orUnset(r.checksum.Value), orUnset(r.parts), upload,
		orUnset(r.acl), orUnset(r.tags), orUnset(r.versioned), orUnset(r.marker), orUnset(r.lock), orUnset(r.sse), crc, data}
}

// orUnset binds v, or leaves its column unwritten when v is the zero value
// (it then reads back as null, which scans as the zero value).
func orUnset[T comparable](v T) any {
	var zero T
	if v == zero {
		return gocql.UnsetValue
	}
	return v
}

// inline reports whether the version's bytes live in its row.
func (r versionRow) inline() bool { return r.blockSize == 0 && r.parts == 0 }

// hasBlocks reports whether reclaiming the version means deleting
// blocks (its own, or its manifest's parts').
func (r versionRow) hasBlocks() bool { return r.blocks() > 0 || r.parts > 0 }

// blocks is the number of blocks holding the version's bytes; 0 for a
// manifest version, whose blocks belong to its parts.
func (r versionRow) blocks() int {
	if r.parts > 0 || r.size <= 0 || r.blockSize <= 0 {
		return 0
	}
	return int((r.size + int64(r.blockSize) - 1) / int64(r.blockSize))
}

func (r versionRow) ref() ref {
	return ref{version: r.version, inode: r.inode, blockSize: r.blockSize, size: r.size, parts: r.parts,
		etag: r.etag, data: r.data, dataCRC: r.dataCRC, sse: r.sse, chain: r.isChain()}
}

// s3ID is the version's id as S3 shows it.
func (r versionRow) s3ID() string {
	if r.versioned {
		return r.version.String()
	}
	return store.NullVersion
}

func (r versionRow) object(bucket, key string) store.Object {
	o := store.Object{
		Bucket: bucket, Key: key, VersionID: r.s3ID(), DeleteMarker: r.marker,
		Size: r.size, ETag: r.etag, LastModified: r.created, Owner: r.owner,
		Meta: r.meta, Parts: r.parts, Checksum: r.checksum, Ref: r.ref(), ACL: r.effectiveACL(), Tags: r.effectiveTags(),
		Lock: r.effectiveLock(), SSE: r.sse,
		Appendable: r.isChain(),
	}
	if o.Appendable {
		o.Parts = 0 // one part, as a PUT's: its manifest rows are segments (append.go)
	}
	return o
}

// ref is what store.Object.Ref holds for objects of this store: enough to
// read the exact version without another metadata read.
type ref struct {
	version   gocql.UUID
	inode     gocql.UUID
	blockSize int
	size      int64
	parts     int // > 0: inode is a manifest of this many parts
	// An inline version (blockSize 0, parts 0): its bytes, their MD5
	// and the CRC-32C of the bytes as stored (nil before schema 0016).
	etag    string
	data    []byte
	dataCRC *int32
	// sse is the version's SSE-C record: reading needs the key.
	sse string
	// chain: inode is an appendable object's chain, parts the segments
	// the version covers (append.go); it is one part.
	chain bool
}

// versionRows reads the version rows of key, newest first; limit 0 reads all.
func (s *Store) versionRows(ctx context.Context, bucketID gocql.UUID, key string, limit int) ([]versionRow, error) {
	stmt := `SELECT ` + versionCols + ` FROM versions WHERE bucket_id = ? AND key = ?`
	args := []any{bucketID, []byte(key)}
	if limit > 0 {
		stmt += ` LIMIT ?`
		args = append(args, limit)
	}
	iter := s.query(ctx, stmt, args...).Idempotent(true).Iter()
	var (
		rows []versionRow
		r    versionRow
	)
	for iter.Scan(r.dest()...) {
		if len(r.meta.User) == 0 {
			r.meta.User = nil
		}
		if r.version != (gocql.UUID{}) { // not a partition left with its static maps only
			rows = append(rows, r)
		}
		r = versionRow{}
	}
	if err := iter.Close(); err != nil {
		return nil, fmt.Errorf("read versions of %q: %w", key, err)
	}
	return rows, nil
}

// versionByID reads one version of key. Errors: store.ErrNoSuchKey.
func (s *Store) versionByID(ctx context.Context, bucketID gocql.UUID, key string, version gocql.UUID) (versionRow, error) {
	var r versionRow
	err := s.query(ctx, `SELECT `+versionDataCols+` FROM versions WHERE bucket_id = ? AND key = ? AND version = ?`,
		bucketID, []byte(key), version).Idempotent(true).Scan(r.dataDest()...)
	if errors.Is(err, gocql.ErrNotFound) {
		return versionRow{}, fmt.Errorf("version %s of %q: %w", version, key, store.ErrNoSuchKey)
	}
	if err != nil {
		return versionRow{}, fmt.Errorf("read version %s of %q: %w", version, key, err)
	}
	return r, nil
}

// compareTimeUUID orders timeuuids the way Cassandra's TimeUUIDType does:
// by time, then by the remaining bytes compared as signed bytes.
func compareTimeUUID(a, b gocql.UUID) int {
	if c := cmp.Compare(a.Timestamp(), b.Timestamp()); c != 0 {
		return c
	}
	for i := 8; i < 16; i++ {
		if a[i] != b[i] {
			return cmp.Compare(int8(a[i]), int8(b[i]))
		}
	}
	return 0
}

// HeadObject returns the current (newest) version of key.
func (s *Store) HeadObject(ctx context.Context, bucket, key string) (store.Object, error) {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return store.Object{}, err
	}
	// One read, with the bytes of an inline version: a GET of a small
	// object needs nothing else.
	var r versionRow
	err = s.query(ctx, `SELECT `+versionDataCols+` FROM versions WHERE bucket_id = ? AND key = ? LIMIT 1`,
		b.id, []byte(key)).Idempotent(true).Scan(r.dataDest()...)
	if errors.Is(err, gocql.ErrNotFound) || err == nil && r.version == (gocql.UUID{}) {
		// (A partition left with its static ACLs only holds no version.)
		return store.Object{}, fmt.Errorf("key %q: %w", key, store.ErrNoSuchKey)
	}
	if err != nil {
		return store.Object{}, fmt.Errorf("read current version of %q: %w", key, err)
	}
	if r.marker {
		return store.Object{}, &store.DeleteMarkerError{Bucket: bucket, Key: key, VersionID: r.s3ID()}
	}
	if len(r.meta.User) == 0 {
		r.meta.User = nil
	}
	return r.object(bucket, key), nil
}

// DeleteObject deletes key. In a versioned bucket it commits a delete
// marker (putMarker). In a bucket never versioned it removes every
// version of key: it queues their inodes first
// (the sweeper deletes blocks only of versions whose row is gone, so an
// entry left by a failed delete is harmless), then writes one partition
// tombstone newer than every version: a PUT that started earlier but
// commits later is shadowed too, as in S3 where the later request wins.
func (s *Store) DeleteObject(ctx context.Context, bucket, key string) (store.DeleteResult, error) {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return store.DeleteResult{}, err
	}
	if b.versioned() {
		return s.putMarker(ctx, b, key)
	}
	var rows []versionRow
	for {
		readAt := time.Now()
		if rows, err = s.versionRows(ctx, b.id, key, 0); err != nil {
			return store.DeleteResult{}, err
		}
		if len(rows) == 0 {
			return store.DeleteResult{}, nil
		}
		for _, r := range rows {
			if err := s.enqueueGarbage(ctx, b, key, r); err != nil {
				return store.DeleteResult{}, err
			}
		}
		if time.Since(readAt) < s.cfg.GCGrace/4 { // as in commit
			break
		}
	}
	ts := max(writeTime(s.newVersion()), writeTime(rows[0].version)+1)
	if err := s.exec(ctx, `DELETE FROM versions USING TIMESTAMP ? WHERE bucket_id = ? AND key = ?`,
		ts, b.id, []byte(key)); err != nil {
		return store.DeleteResult{}, fmt.Errorf("delete versions of %q: %w", key, err)
	}
	if err := s.deleteListing(ctx, b, key, ts); err != nil {
		return store.DeleteResult{}, err
	}
	return store.DeleteResult{}, nil
}

func (s *Store) enqueueGarbage(ctx context.Context, b bucketInfo, key string, r versionRow) error {
	return s.enqueue(ctx, s.newEntry(kindGarbage, b, key, r))
}

// cleanupOlder removes the rows garbageRows names (with a bucket never
// versioned: every row older than rows[0]), queueing their inodes first.
func (s *Store) cleanupOlder(ctx context.Context, b bucketInfo, key string, rows []versionRow) error {
	if len(rows) < 2 {
		return nil
	}
	garbage := garbageRows(rows)
	for _, r := range garbage {
		if !r.hasBlocks() {
			continue // an inline or empty version: its row is all there is
		}
		if err := s.enqueueGarbage(ctx, b, key, r); err != nil {
			return err
		}
	}
	return s.deleteRows(ctx, b, key, rows[0].version, garbage, writeTime(rows[0].version))
}

// repairListing makes key's listing row agree with top, the newest version
// row (nil: none). A PUT writes its version row before its listing row and
// a DELETE its partition tombstone before the listing tombstone, so a
// frontend dying between the two leaves a listing the sweeper fixes here.
//
// l must have been read before the version rows: a listing row can only
// name a version whose row was written earlier, so if that version is not
// among the rows read after it, the row is stale. Writes use the
// timestamps the interrupted request would have used (or the stale row's
// own), so they never override a newer request.
//
// A listing row naming a version no longer among the rows (deleted by id,
// and the deleting request died before settling the listing) is stale
// whatever its timestamp: it is rewritten just above it.
func (s *Store) repairListing(ctx context.Context, b bucketInfo, key string, l listingState, rows []versionRow) error {
	var top *versionRow
	if len(rows) > 0 {
		top = &rows[0]
	}
	switch {
	case top != nil && l.found && l.version != top.version && !containsVersion(rows, l.version):
		if err := s.putListingAt(ctx, b, key, *top, max(l.wt+1, writeTime(top.version))); err != nil {
			return fmt.Errorf("repair: %w", err)
		}
	case top != nil && (!l.found || (l.version != top.version && l.wt < writeTime(top.version))):
		return s.putListing(ctx, b, key, *top)
	case top == nil && l.found:
		if err := s.deleteListing(ctx, b, key, l.wt); err != nil {
			return fmt.Errorf("stale: %w", err)
		}
	}
	return nil
}
