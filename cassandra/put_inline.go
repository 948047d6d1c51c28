package cassandra

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// putInline stores an object of at most InlineSize bytes in its version
// row (block_size 0, data): no blocks, no block reads. An unconditional
// PUT is one logged batch: the version row, the listing row and the
// version's queue entry land together or not at all (see doc.go, "Inline
// objects"). A conditional PUT takes the usual path, under the key lock.
// done is false, with nothing read, when the batch would exceed
// InlineBatchLimit (a long key, large metadata): blocks then.
func (s *Store) putInline(ctx context.Context, b bucketInfo, in store.PutInput, sse string) (obj store.Object, done bool, err error) {
	inode, err := randomUUID()
	if err != nil {
		return store.Object{}, true, fmt.Errorf("allocate inode: %w", err)
	}
	row := s.newRow(b, in, inode, 0)
	row.sse = sse
	stored := in.Size
	if in.SSE != nil {
		stored += gcmOverhead
	}
	// The entry names the inode and version only: it can be built (and
	// sized) before the bytes are read.
	entry := s.newEntry(kindUpload, b, in.Key, row)
	cond := condition{ifNoneMatch: in.IfNoneMatch, ifMatch: in.IfMatch}
	if !cond.set() {
		listingRows, err := s.listingRowCount(ctx, b, in.Key)
		if err != nil {
			return store.Object{}, true, err
		}
		if inlineBatchBytes(b, in.Key, row, entry, stored, in.ChecksumAlgorithm != "", listingRows) > s.cfg.InlineBatchLimit {
			return store.Object{}, false, nil
		}
	}
	obj, err = s.storeInline(ctx, b, in, row, entry, cond)
	return obj, true, err
}

func (s *Store) storeInline(ctx context.Context, b bucketInfo, in store.PutInput, row versionRow, entry *gcEntry, cond condition) (store.Object, error) {
	var err error
	if row.data, err = readSmall(in); err != nil {
		return store.Object{}, fmt.Errorf("put %q: %w", in.Key, err)
	}
	sum := md5.Sum(row.data)
	if in.ContentMD5 != nil && !bytes.Equal(sum[:], in.ContentMD5) {
		return store.Object{}, fmt.Errorf("put %q: md5 %x, client sent %x: %w", in.Key, sum, in.ContentMD5, store.ErrBadDigest)
	}
	if in.Verify != nil {
		if row.checksum, err = in.Verify(); err != nil {
			return store.Object{}, fmt.Errorf("put %q: verify: %w", in.Key, err)
		}
	}
	if in.SSE != nil {
		// Sealed under the inode's key; the ETag tells nothing of the
		// plain bytes (store.ETagDigest; SSE-S3's excepted).
		codec, err := newCodec(in.SSE, row.inode)
		if err != nil {
			return store.Object{}, fmt.Errorf("put %q: %w", in.Key, err)
		}
		row.data = codec.seal(inlineIdx, row.data)
	}
	crc := crc32c(row.data)
	row.dataCRC = &crc
	row.etag = hex.EncodeToString(store.ETagDigest(row.sse, sum[:]))
	// The version is taken once the body is in, so that of two PUTs of
	// the key the one that completes last is the newer (a slow client's
	// small PUT is not overtaken by one that started after it). Nothing
	// was written under the first one.
	row.version = s.newVersion()
	row.created = row.version.Time().Truncate(time.Millisecond)
	entry.version = row.version
	entry.setDue(time.Now().Add(s.cfg.GCGrace))
	if cond.set() {
		if err := s.enqueue(ctx, entry); err != nil {
			return store.Object{}, fmt.Errorf("record upload intent: %w", err)
		}
		if err := s.lockAndCommit(ctx, b, in.Key, &row, entry, 0, cond, nil); err != nil {
			return store.Object{}, err
		}
		return row.object(in.Bucket, in.Key), nil
	}

	// Older rows stay: reading them to queue their blocks would cost a
	// round trip. The entry makes the sweeper remove them (and queue
	// their blocks) once it comes due; readers only ever read the newest.
	listing, err := s.listingEntries(ctx, b, in.Key, row)
	if err != nil {
		return store.Object{}, fmt.Errorf("commit version: %w", err)
	}
	batch := s.sess.Batch(gocql.LoggedBatch).WithContext(ctx).WithTimestamp(writeTime(row.version))
	batch.Entries = append(batch.Entries,
		gocql.BatchEntry{Idempotent: true, Stmt: insertVersion,
			Args: append([]any{b.id, []byte(in.Key)}, row.values()...)},
		gocql.BatchEntry{Idempotent: true, Stmt: insertEntry, Args: entry.values()},
	)
	batch.Entries = append(batch.Entries, listing...)
	if err := batch.Exec(); err != nil {
		// Ambiguous: the batch log replays it whole if it was logged.
		return store.Object{}, fmt.Errorf("commit version of %q: %w", in.Key, err)
	}
	return row.object(in.Bucket, in.Key), nil
}

// readSmall reads exactly in.Size bytes of in.Body (at most InlineSize).
func readSmall(in store.PutInput) ([]byte, error) {
	data := make([]byte, in.Size)
	if _, err := io.ReadFull(in.Body, data); err != nil {
		return nil, bodyError(err, in.Size)
	}
	return data, nil
}

// readInline serves bytes [off, end) of an inline version after checking
// that its stored bytes still match their length and checksum, and
// opening them with codec. The checksum is the CRC-32C of the stored
// bytes; a version written before it (schema 0016) is checked by its
// ETag: store.ETagDigest of the plain bytes' MD5, or for sealed versions
// written before that rule the MD5 of their stored bytes.
func readInline(key string, r ref, codec blockCodec, off, end int64) (io.ReadCloser, error) {
	if int64(len(r.data)) != r.size+int64(codec.overhead()) {
		return nil, fmt.Errorf("read %q: inline version %s holds %d bytes, want %d: %w", key, r.version, len(r.data), r.size, store.ErrCorrupt)
	}
	if r.dataCRC != nil {
		if got := crc32c(r.data); got != *r.dataCRC {
			return nil, fmt.Errorf("read %q: inline version %s: crc %08x, want %08x: %w", key, r.version, uint32(got), uint32(*r.dataCRC), store.ErrCorrupt)
		}
	}
	plain := r.data
	if codec.overhead() > 0 {
		var err error // opened in a copy: r.data is shared by every reader of the Object
		plain, err = codec.open(inlineIdx, bytes.Clone(r.data))
		if err != nil {
			return nil, fmt.Errorf("read %q: inline version %s: %w", key, r.version, err)
		}
	}
	if r.dataCRC == nil {
		sum := md5.Sum(plain)
		if hex.EncodeToString(store.ETagDigest(r.sse, sum[:])) != r.etag {
			stored := md5.Sum(r.data)
			if codec.overhead() == 0 || hex.EncodeToString(stored[:]) != r.etag {
				return nil, fmt.Errorf("read %q: inline version %s: md5 %x, etag %s: %w", key, r.version, sum, r.etag, store.ErrCorrupt)
			}
		}
	}
	return io.NopCloser(bytes.NewReader(plain[off:end])), nil
}
