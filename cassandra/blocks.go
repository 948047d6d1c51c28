package cassandra

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"

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

// readBlock fetches block idx of r into buf, checks its length and
// CRC-32C (over the stored bytes) and opens it with codec. A mismatch, a
// block failing authentication or a missing block wraps store.ErrCorrupt.
func (s *Store) readBlock(ctx context.Context, r ref, codec blockCodec, idx int, buf []byte) ([]byte, error) {
	sink := blockSink{b: buf[:0]}
	var crc int32
	err := s.query(ctx, `SELECT data, crc FROM blocks WHERE inode = ? AND idx = ?`, r.inode, idx).
		Idempotent(true).Scan(&sink, &crc)
	if errors.Is(err, gocql.ErrNotFound) {
		return nil, fmt.Errorf("read block %d of inode %s: block missing: %w", idx, r.inode, store.ErrCorrupt)
	}
	if err != nil {
		return nil, fmt.Errorf("read block %d of inode %s: %w", idx, r.inode, err)
	}
	want := min(int64(r.blockSize), r.size-int64(idx)*int64(r.blockSize)) + int64(codec.overhead())
	if int64(len(sink.b)) != want {
		return nil, fmt.Errorf("read block %d of inode %s: %d bytes, want %d: %w", idx, r.inode, len(sink.b), want, store.ErrCorrupt)
	}
	if got := int32(crc32.Checksum(sink.b, castagnoli)); got != crc {
		return nil, fmt.Errorf("read block %d of inode %s: crc32c %08x, stored %08x: %w", idx, r.inode, uint32(got), uint32(crc), store.ErrCorrupt)
	}
	data, err := codec.open(idx, sink.b)
	if err != nil {
		return nil, fmt.Errorf("read block %d of inode %s: %w", idx, r.inode, err)
	}
	return data, nil
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
