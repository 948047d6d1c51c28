package cassandra

import (
	"errors"
	"sync/atomic"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// Block reads at ONE.
//
// A block row is written once, never updated, and carries the CRC-32C of
// its stored bytes (and an SSE-C block its GCM tag), so any replica's
// copy of the right length that checks out is the block: there is nothing
// for a quorum to reconcile. readBlock therefore asks one replica first
// (BlockReadOne, on by default) and asks again at the configured
// consistency only when that copy is missing (a replica that missed the
// write, or was restored without it), fails its checks (a corrupt copy),
// or the read fails (a replica down or slow: the retry policy has already
// run). Only an error of that second read fails the GET, with exactly
// the error a read at the configured consistency alone would give, so a
// GET never returns wrong or short bytes because of one replica.
//
// Read-after-write holds: the version row that names the inode is read
// at the configured consistency, and a replica that has not yet got a
// block the writer wrote at that consistency answers "missing", which
// falls back.

// blockOneConsistency is the consistency of the first block read under
// the configured one: LOCAL_ONE for a LOCAL_ consistency (stay in the
// local datacenter), ONE otherwise.
func blockOneConsistency(c gocql.Consistency) gocql.Consistency {
	switch c {
	case gocql.LocalQuorum, gocql.LocalOne, gocql.EachQuorum:
		return gocql.LocalOne
	}
	return gocql.One
}

// BlockReadStats counts block reads from Cassandra at ONE since the Store
// opened (all zero with BlockReadOne off).
type BlockReadStats struct {
	One uint64 // blocks read at ONE that checked out (or whose request went away)
	// Fallbacks are reads at ONE that failed and were read again at the
	// configured consistency, by why: the copy was missing, was corrupt
	// (length, CRC-32C or authentication), or the read failed.
	FallbackMissing, FallbackCorrupt, FallbackError uint64
	// FallbackFailed counts fallbacks that failed too (the GET failed).
	FallbackFailed uint64
}

// blockReadCounters is what readBlock records in BlockReadStats.
type blockReadCounters struct {
	ones, missing, corrupt, other, failed atomic.Uint64
}

func (c *blockReadCounters) one() { c.ones.Add(1) }

// fallback records why a read at ONE is read again.
func (c *blockReadCounters) fallback(err error) {
	switch {
	case errors.Is(err, errBlockMissing):
		c.missing.Add(1)
	case errors.Is(err, store.ErrCorrupt):
		c.corrupt.Add(1)
	default:
		c.other.Add(1)
	}
}

func (c *blockReadCounters) fallbackFailed() { c.failed.Add(1) }

func (c *blockReadCounters) stats() BlockReadStats {
	return BlockReadStats{One: c.ones.Load(), FallbackMissing: c.missing.Load(), FallbackCorrupt: c.corrupt.Load(),
		FallbackError: c.other.Load(), FallbackFailed: c.failed.Load()}
}

// errBlockMissing marks a block row that is not there (it also wraps
// store.ErrCorrupt: a committed version's block must exist).
var errBlockMissing = errors.New("block missing")

// BlockReadStats reports the block reads at ONE and their fallbacks.
func (s *Store) BlockReadStats() BlockReadStats { return s.blockReads.stats() }
