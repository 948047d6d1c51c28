package cassandra

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// scrubber is one walk's state: its replica reader, pacing, buffers (one
// per replica, reused block after block) and totals.
type scrubber struct {
	s    *Store
	opts ScrubOptions
	rr   *replicaReader
	pace *scrubPacer
	bufs [][]byte
	// healBuf receives a healed copy read back (heal).
	healBuf []byte
	stats   ScrubStats
}

func (s *Store) newScrubber(o ScrubOptions) (*scrubber, error) {
	rr, err := s.openReplicaReader()
	if err != nil {
		return nil, err
	}
	return &scrubber{s: s, opts: o, rr: rr, pace: newScrubPacer(o.RateMB)}, nil
}

func (sc *scrubber) close() { sc.rr.close() }

// sealedOverhead is how many bytes each stored block (or inline value)
// of a version with SSE record sse has beyond its plain bytes: every
// encrypted version is sealed with AES-256-GCM (codec.go), so its CRC-32C
// and length are checked without its key.
func sealedOverhead(sse string) int {
	if sse != "" {
		return maxCodecOverhead
	}
	return 0
}

// objectCheck gathers one version's report as its blobs are checked.
type objectCheck struct {
	b       bucketInfo
	version gocql.UUID
	// checkedLive: the version row was read again before a heal.
	checkedLive bool
	rep         ScrubObject
	damaged     bool
	unheal      bool
	healed      bool
	failed      bool
}

func (oc *objectCheck) problem(format string, args ...any) {
	oc.rep.Problems = append(oc.rep.Problems, fmt.Sprintf(format, args...))
}

func (oc *objectCheck) result() ScrubResult {
	switch {
	case oc.damaged:
		return ScrubDamaged
	case oc.failed:
		return ScrubFailed
	case oc.unheal:
		return ScrubUnhealed
	case oc.healed:
		return ScrubHealed
	}
	return ScrubHealthy
}

// version checks one live version: its inline bytes, its blocks, or its
// manifest's parts and their blocks. false: the version was deleted
// while it was checked (nothing to report).
func (sc *scrubber) version(ctx context.Context, b bucketInfo, key string, r versionRow) (ScrubObject, bool) {
	oc := &objectCheck{b: b, version: r.version, rep: ScrubObject{Bucket: b.name, Key: key, VersionID: r.s3ID(), Size: r.size,
		Blocks: map[ScrubResult]int{}}}
	switch {
	case r.inline():
		sc.inline(oc, r)
	case r.parts > 0:
		sc.manifest(ctx, oc, r)
	default:
		var sum hash.Hash
		if r.sse == "" && isMD5Hex(r.etag) {
			sum = md5.New() // a single PUT's ETag is the MD5 of its bytes
		}
		sc.blob(ctx, oc, r.inode, r.blockSize, r.size, sealedOverhead(r.sse), sum)
		if sum != nil && !oc.damaged && !oc.failed {
			if got := hex.EncodeToString(sum.Sum(nil)); got != r.etag {
				oc.damaged = true
				oc.problem("md5 of the verified blocks %s, etag %s", got, r.etag)
			}
		}
	}
	if oc.damaged && ctx.Err() == nil {
		// Deleted while being read (its blocks reclaimed after the grace
		// period): gone, not damaged.
		if _, err := sc.s.versionByID(ctx, b.id, key, r.version); errors.Is(err, store.ErrNoSuchKey) {
			return ScrubObject{}, false
		}
	}
	oc.rep.Result = oc.result()
	if len(oc.rep.Blocks) == 0 {
		oc.rep.Blocks = nil
	}
	return oc.rep, true
}

func isMD5Hex(s string) bool {
	if len(s) != 32 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// inline checks an inline version's bytes (read at the store's
// consistency with its row): their length, their CRC-32C when the row has
// one and, for a plain object, their MD5 (its ETag). An encrypted inline
// value's MD5 is not checked: its ETag is the MD5 of the plain bytes for
// SSE-S3, of the stored ones otherwise, and the row does not say which
// without the key ring.
func (sc *scrubber) inline(oc *objectCheck, r versionRow) {
	if r.size == 0 {
		return
	}
	oc.rep.BytesRead = int64(len(r.data))
	if want := r.size + int64(sealedOverhead(r.sse)); int64(len(r.data)) != want {
		oc.damaged = true
		oc.problem("inline bytes: %d, want %d", len(r.data), want)
		return
	}
	if r.dataCRC != nil {
		if got := crc32c(r.data); got != *r.dataCRC {
			oc.damaged = true
			oc.problem("inline bytes: crc %08x, want %08x", uint32(got), uint32(*r.dataCRC))
			return
		}
	}
	sum := md5.Sum(r.data)
	if got := hex.EncodeToString(sum[:]); got != r.etag && r.sse == "" {
		oc.damaged = true
		oc.problem("inline bytes: md5 %s, etag %s", got, r.etag)
	}
}

// manifest checks a multipart version's manifest, or an appendable
// version's chain, read a page at a time: parts 1..n, contiguous, adding
// up to the version's size, each part's blocks present and sound.
func (sc *scrubber) manifest(ctx context.Context, oc *objectCheck, r versionRow) {
	// Rows past the version's parts belong to later versions (the
	// segments an appendable object's later appends claimed).
	iter := sc.s.query(ctx, `SELECT idx, inode, size, start, block_size FROM manifests WHERE manifest = ? AND idx <= ?`,
		r.inode, r.parts).Idempotent(true).PageSize(100).Iter()
	var (
		m    manifestRow
		next = 1
		off  int64
	)
	for iter.Scan(&m.idx, &m.inode, &m.size, &m.start, &m.blockSize) {
		if m.idx != next || m.start != off {
			oc.damaged = true
			oc.problem("manifest %s: part %d at %d, want part %d at %d", r.inode, m.idx, m.start, next, off)
			break
		}
		sc.blob(ctx, oc, m.inode, m.blockSize, m.size, sealedOverhead(r.sse), nil)
		if ctx.Err() != nil {
			break
		}
		next++
		off += m.size
	}
	if err := iter.Close(); err != nil {
		oc.failed = true
		oc.problem("read manifest %s: %v", r.inode, err)
		return
	}
	if !oc.damaged && ctx.Err() == nil && (next-1 != r.parts || off != r.size) {
		oc.damaged = true
		oc.problem("manifest %s: %d parts of %d bytes, want %d parts of %d bytes", r.inode, next-1, off, r.parts, r.size)
	}
}

// blob checks blocks 0..n-1 of inode, one at a time, feeding the verified
// bytes to sum (when not nil).
func (sc *scrubber) blob(ctx context.Context, oc *objectCheck, inode gocql.UUID, blockSize int, size int64, overhead int, sum hash.Hash) {
	if size == 0 {
		return
	}
	if blockSize <= 0 || blockSize > MaxBlockSize {
		oc.damaged = true
		oc.problem("inode %s: block size %d", inode, blockSize)
		return
	}
	n := int((size + int64(blockSize) - 1) / int64(blockSize))
	for idx := range n {
		if ctx.Err() != nil {
			oc.failed = true
			return
		}
		want := int(min(int64(blockSize), size-int64(idx)*int64(blockSize))) + overhead
		good := sc.block(ctx, oc, inode, idx, want)
		if sum != nil && good != nil {
			sum.Write(good)
		}
	}
}

// block reads block idx of inode from each of its replicas, verifies each
// copy's length and CRC-32C and heals the others from a verified copy.
// It returns the verified bytes (nil if none; valid until the next call).
func (sc *scrubber) block(ctx context.Context, oc *objectCheck, inode gocql.UUID, idx, want int) []byte {
	hosts := sc.rr.replicas(inode, idx)
	targets := make([]*gocql.HostInfo, len(hosts))
	copy(targets, hosts)
	if len(targets) == 0 {
		targets = []*gocql.HostInfo{nil} // no routing information: any coordinator
	}
	for len(sc.bufs) < len(targets) {
		sc.bufs = append(sc.bufs, nil)
	}
	copies := make([]blockCopy, len(targets))
	var good *blockCopy
	bad := 0
	for i, h := range targets {
		c := sc.rr.read(ctx, sc.s, h, inode, idx, sc.bufs[i])
		sc.bufs[i] = c.data[:0]
		sc.pace.wait(ctx, len(c.data))
		oc.rep.BytesRead += int64(len(c.data))
		c.problem = verifyCopy(c, want)
		copies[i] = c
		if c.problem == nil && good == nil {
			good = &copies[i]
		}
		if c.problem != nil {
			bad++
		}
	}
	oc.rep.Replicas = max(oc.rep.Replicas, len(targets))
	where := func(c blockCopy) string {
		if c.host == "" {
			return ""
		}
		return " on " + c.host
	}
	for _, c := range copies {
		if c.problem != nil {
			oc.problem("inode %s block %d%s: %v", inode, idx, where(c), c.problem)
		}
	}
	short := sc.rr.expected > 0 && len(hosts) > 0 && len(hosts) < sc.rr.expected
	if short {
		oc.problem("inode %s block %d: %d of %d replicas up", inode, idx, len(hosts), sc.rr.expected)
	}
	switch {
	case good == nil && (short || anyUnreachable(copies)):
		// A replica that did not answer may hold a good copy.
		oc.failed = true
		oc.rep.Blocks[ScrubFailed]++
		return nil
	case good == nil:
		oc.damaged = true
		oc.rep.Blocks[ScrubDamaged]++
		return nil
	case bad == 0 && !short:
		oc.rep.Blocks[ScrubHealthy]++
		return good.data
	}
	res := sc.heal(ctx, oc, inode, idx, want, good, copies)
	if short {
		res = ScrubUnhealed // a replica down: not every copy verified
	}
	oc.rep.Blocks[res]++
	switch res {
	case ScrubHealed:
		oc.healed = true
	case ScrubUnhealed:
		oc.unheal = true
	}
	return good.data
}

var errScrubMissing = errors.New("block missing")

// verifyCopy checks a copy's presence, length and CRC-32C.
func verifyCopy(c blockCopy, want int) error {
	switch {
	case c.readErr != nil:
		return fmt.Errorf("unreachable: %w", c.readErr)
	case c.missing:
		return errScrubMissing
	case len(c.data) != want:
		return fmt.Errorf("%d bytes, want %d", len(c.data), want)
	}
	if got := crc32c(c.data); got != c.crc {
		return fmt.Errorf("crc32c %08x, stored %08x", uint32(got), uint32(c.crc))
	}
	return nil
}

func anyUnreachable(copies []blockCopy) bool {
	for _, c := range copies {
		if c.readErr != nil {
			return true
		}
	}
	return false
}
