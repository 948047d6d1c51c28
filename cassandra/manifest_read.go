package cassandra

import (
	"context"
	"errors"
	"fmt"
	"io"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// manifestRow is a manifests row: part idx (1-based, object order) of a
// completed multipart object.
type manifestRow struct {
	idx       int
	number    int
	inode     gocql.UUID
	size      int64
	start     int64
	blockSize int
}

func (s *Store) manifestRow(ctx context.Context, manifest gocql.UUID, idx int) (manifestRow, error) {
	m := manifestRow{idx: idx}
	err := s.query(ctx, `SELECT part_number, inode, size, start, block_size FROM manifests WHERE manifest = ? AND idx = ?`,
		manifest, idx).Idempotent(true).Scan(&m.number, &m.inode, &m.size, &m.start, &m.blockSize)
	if errors.Is(err, gocql.ErrNotFound) {
		return m, fmt.Errorf("manifest %s part %d missing: %w", manifest, idx, store.ErrCorrupt)
	}
	if err != nil {
		return m, fmt.Errorf("read manifest %s part %d: %w", manifest, idx, err)
	}
	return m, nil
}

// findPart returns the part of manifest r holding byte off (< r.size):
// a guess from the first part's size (every part but the last is usually
// that size), then a binary search by point reads, so a range read costs
// O(log parts) rows before its first byte, not a scan of the manifest.
func (s *Store) findPart(ctx context.Context, r ref, off int64) (int, error) {
	if off == 0 {
		return 1, nil
	}
	first, err := s.manifestRow(ctx, r.inode, 1)
	if err != nil {
		return 0, err
	}
	lo, hi := 1, r.parts // the answer is in [lo, hi]
	probe := lo
	if first.size > 0 {
		probe = int(min(int64(r.parts), off/first.size+1))
	}
	for lo < hi {
		m, err := s.manifestRow(ctx, r.inode, probe)
		if err != nil {
			return 0, err
		}
		switch {
		case off < m.start:
			hi = probe - 1
		case off >= m.start+m.size && probe < r.parts:
			lo = probe + 1
		default:
			return probe, nil
		}
		probe = lo + (hi-lo)/2
	}
	return lo, nil
}

// readManifest streams bytes [off, end) of a manifest object: it finds
// the first part, then reads manifest rows a page at a time as the block
// reader needs them, so memory stays bounded whatever the part count and
// a range read touches only the parts it overlaps.
func (s *Store) readManifest(ctx context.Context, obj store.Object, r ref, off, end int64) (io.ReadCloser, error) {
	idx, err := s.findPart(ctx, r, off)
	if err != nil {
		return nil, err
	}
	var (
		iter *gocql.Iter
		pos  = off // next byte to deliver
	)
	next := func(ctx context.Context) (*segment, error) {
		if iter == nil {
			iter = s.query(ctx, `SELECT idx, inode, size, start, block_size FROM manifests WHERE manifest = ? AND idx >= ?`,
				r.inode, idx).Idempotent(true).PageSize(100).Iter()
		}
		for pos < end {
			var m manifestRow
			if !iter.Scan(&m.idx, &m.inode, &m.size, &m.start, &m.blockSize) {
				err := iter.Close()
				if err == nil {
					err = fmt.Errorf("read %q: manifest %s ends before byte %d: %w", obj.Key, r.inode, pos, store.ErrCorrupt)
				}
				return nil, err
			}
			if m.start > pos || m.start+m.size <= pos {
				if m.size == 0 && m.start == pos {
					continue
				}
				return nil, fmt.Errorf("read %q: manifest %s part %d at %d+%d, want byte %d: %w", obj.Key, r.inode, m.idx, m.start, m.size, pos, store.ErrCorrupt)
			}
			hi := min(end, m.start+m.size)
			codec, err := readCodec(r.sse, obj.SSEKey, m.inode) // each part is a blob of its own
			if err != nil {
				return nil, err
			}
			seg, err := newSegment(obj.Key, ref{inode: m.inode, blockSize: m.blockSize, size: m.size}, codec, pos-m.start, hi-m.start)
			if err != nil {
				return nil, err
			}
			pos = hi
			return seg, nil
		}
		return nil, iter.Close()
	}
	return s.newBlockReader(ctx, next), nil
}

// ObjectParts returns parts first..last of obj: one range read of its
// manifest rows; a single PUT is one part.
func (s *Store) ObjectParts(ctx context.Context, obj store.Object, first, last int) ([]store.PartInfo, error) {
	r, ok := obj.Ref.(ref)
	if !ok {
		var err error
		if r, err = s.refByVersion(ctx, obj); err != nil {
			return nil, err
		}
	}
	n := max(r.parts, 1)
	if r.chain { // an appendable object is one part
		n = 1
	}
	if first < 1 || last < first || last > n {
		return nil, fmt.Errorf("parts %d..%d of %d: %w", first, last, n, store.ErrInvalidPart)
	}
	if r.parts == 0 || r.chain {
		return []store.PartInfo{{Number: 1, Size: r.size}}, nil
	}
	composite := obj.Checksum.Type == "COMPOSITE"
	iter := s.query(ctx, `SELECT idx, size, start, checksum FROM manifests WHERE manifest = ? AND idx >= ? AND idx <= ?`,
		r.inode, first, last).Idempotent(true).PageSize(1000).Iter()
	out := make([]store.PartInfo, 0, last-first+1)
	var (
		p   store.PartInfo
		sum string
	)
	for iter.Scan(&p.Number, &p.Size, &p.Off, &sum) {
		if composite {
			p.Checksum = sum
		}
		out = append(out, p)
		p, sum = store.PartInfo{}, ""
	}
	if err := iter.Close(); err != nil {
		return nil, fmt.Errorf("read manifest %s parts %d..%d: %w", r.inode, first, last, err)
	}
	if len(out) != last-first+1 {
		return nil, fmt.Errorf("manifest %s: %d of parts %d..%d: %w", r.inode, len(out), first, last, store.ErrCorrupt)
	}
	return out, nil
}

// ObjectPart returns where part n of obj lies: one manifest row for a
// multipart object; a single PUT is one part.
func (s *Store) ObjectPart(ctx context.Context, obj store.Object, n int) (off, size int64, err error) {
	r, ok := obj.Ref.(ref)
	if !ok {
		if r, err = s.refByVersion(ctx, obj); err != nil {
			return 0, 0, err
		}
	}
	if r.parts == 0 || r.chain { // an appendable object is one part
		if n != 1 {
			return 0, 0, fmt.Errorf("part %d of a single-part object: %w", n, store.ErrInvalidPart)
		}
		return 0, r.size, nil
	}
	if n < 1 || n > r.parts {
		return 0, 0, fmt.Errorf("part %d of %d: %w", n, r.parts, store.ErrInvalidPart)
	}
	m, err := s.manifestRow(ctx, r.inode, n)
	if err != nil {
		return 0, 0, err
	}
	return m.start, m.size, nil
}
