package cassandra

import (
	"context"
	"errors"
	"fmt"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// blockSink receives a blob column straight into a pooled buffer instead
// of a fresh allocation per block.
type blockSink struct{ b []byte }

func (k *blockSink) UnmarshalCQL(_ gocql.TypeInfo, data []byte) error {
	if len(data) > cap(k.b) {
		return fmt.Errorf("block of %d bytes exceeds its %d-byte buffer", len(data), cap(k.b))
	}
	k.b = append(k.b[:0], data...)
	return nil
}

// blockRowFunc fetches the stored bytes and CRC-32C of one block row at
// consistency c into buf (whose capacity bounds the block). A missing row
// wraps gocql.ErrNotFound. Store.blockRow is one (selectBlock); tests wrap
// it to inject a missing or corrupt replica.
type blockRowFunc func(ctx context.Context, inode gocql.UUID, idx int, c gocql.Consistency, buf []byte) ([]byte, int32, error)

// selectBlock is the blockRowFunc on Cassandra.
func (s *Store) selectBlock(ctx context.Context, inode gocql.UUID, idx int, c gocql.Consistency, buf []byte) ([]byte, int32, error) {
	sink := blockSink{b: buf[:0]}
	var crc int32
	err := s.query(ctx, `SELECT data, crc FROM blocks WHERE inode = ? AND idx = ?`, inode, idx).
		Consistency(c).Idempotent(true).Scan(&sink, &crc)
	if err != nil {
		return nil, 0, err
	}
	return sink.b, crc, nil
}

// readBlock fetches block idx of r into buf, checks its length and
// CRC-32C (over the stored bytes) and opens it with codec. A mismatch, a
// block failing authentication or a missing block wraps store.ErrCorrupt.
//
// A block is immutable and carries its own checksum, so one replica's
// copy that checks out is the block: with BlockReadOne the row is read at
// ONE (LOCAL_ONE under a LOCAL_ consistency) first, and only a miss, a
// bad copy or an error is read again at the configured consistency
// (blockread.go). The block cache, when on, is asked before either.
func (s *Store) readBlock(ctx context.Context, r ref, codec blockCodec, idx int, buf []byte) ([]byte, error) {
	if data, ok := s.cachedBlock(r, codec, idx, buf); ok {
		return data, nil
	}
	return s.readStoredBlock(ctx, r, codec, idx, buf)
}

// readStoredBlock is readBlock from Cassandra, past the cache.
func (s *Store) readStoredBlock(ctx context.Context, r ref, codec blockCodec, idx int, buf []byte) ([]byte, error) {
	if !s.cfg.blockReadOne {
		return s.readBlockAt(ctx, r, codec, idx, buf, s.cfg.consistency)
	}
	data, err := s.readBlockAt(ctx, r, codec, idx, buf, s.cfg.blockOne)
	if err == nil || ctx.Err() != nil {
		s.blockReads.one()
		return data, err
	}
	s.blockReads.fallback(err)
	s.log.Debug().Err(err).Str("inode", r.inode.String()).Int("idx", idx).
		Msg("block read at ONE failed; reading again at the configured consistency")
	data, err = s.readBlockAt(ctx, r, codec, idx, buf, s.cfg.consistency)
	if err != nil {
		s.blockReads.fallbackFailed()
	}
	return data, err
}

// readBlockAt is one attempt of readBlock at consistency c, adding the
// block to the cache when it checks out.
func (s *Store) readBlockAt(ctx context.Context, r ref, codec blockCodec, idx int, buf []byte, c gocql.Consistency) ([]byte, error) {
	stored, crc, err := s.blockRow(ctx, r.inode, idx, c, buf)
	if errors.Is(err, gocql.ErrNotFound) {
		return nil, fmt.Errorf("read block %d of inode %s at %s: %w: %w", idx, r.inode, c, errBlockMissing, store.ErrCorrupt)
	}
	if err != nil {
		return nil, fmt.Errorf("read block %d of inode %s at %s: %w", idx, r.inode, c, err)
	}
	if err := checkBlock(r, codec, idx, stored, crc); err != nil {
		return nil, fmt.Errorf("read block %d of inode %s at %s: %w", idx, r.inode, c, err)
	}
	// The cache keeps the stored (sealed) bytes: codec opens in place.
	cached := s.cache.add(blockKey{r.inode, idx}, stored, crc)
	data, err := codec.open(idx, stored)
	if err != nil {
		if cached {
			s.cache.remove(blockKey{r.inode, idx})
		}
		return nil, fmt.Errorf("read block %d of inode %s at %s: %w", idx, r.inode, c, err)
	}
	return data, nil
}

// cachedBlock serves block idx of r from the block cache into buf,
// checked and opened like a block from Cassandra; false when it is not
// cached (or the cached copy does not check out: it is dropped).
func (s *Store) cachedBlock(r ref, codec blockCodec, idx int, buf []byte) ([]byte, bool) {
	if s.cache == nil {
		return nil, false
	}
	k := blockKey{r.inode, idx}
	stored, crc, ok := s.cache.get(k, buf)
	if !ok {
		return nil, false
	}
	if checkBlock(r, codec, idx, stored, crc) != nil {
		s.cache.remove(k)
		return nil, false
	}
	data, err := codec.open(idx, stored)
	if err != nil {
		// Never expected: the reader's key was checked against the
		// version's record before. Cassandra decides.
		return nil, false
	}
	return data, true
}

// checkBlock checks the length and CRC-32C of stored block idx of r.
func checkBlock(r ref, codec blockCodec, idx int, stored []byte, crc int32) error {
	want := min(int64(r.blockSize), r.size-int64(idx)*int64(r.blockSize)) + int64(codec.overhead())
	if int64(len(stored)) != want {
		return fmt.Errorf("%d bytes, want %d: %w", len(stored), want, store.ErrCorrupt)
	}
	if got := crc32c(stored); got != crc {
		return fmt.Errorf("crc32c %08x, stored %08x: %w", uint32(got), uint32(crc), store.ErrCorrupt)
	}
	return nil
}

// deleteBlocks deletes the partitions of blocks [0, n) of inode.
func (s *Store) deleteBlocks(ctx context.Context, inode gocql.UUID, n int) error {
	return parallel(ctx, n, 4*s.cfg.BlocksInFlight, func(ctx context.Context, idx int) error {
		if err := s.exec(ctx, `DELETE FROM blocks WHERE inode = ? AND idx = ?`, inode, idx); err != nil {
			return fmt.Errorf("delete block %d of inode %s: %w", idx, inode, err)
		}
		return nil
	})
}
