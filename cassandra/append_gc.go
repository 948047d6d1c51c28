package cassandra

import (
	"context"
	"fmt"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// The sweeper's rules for appendable objects (doc.go, "Appendable
// objects"). A chain's segments are shared by all of its versions, so no
// entry of one version reclaims them: the chain is the unit. It lives
// while a row the garbage rule keeps names it; once none does, it is
// queued as dead a grace period later (its last version may have been
// current until a moment ago) and, found dead again then, every segment
// it ever claimed goes with its rows.

const (
	// kindAppend: an append's intent, written before its blob's first
	// block: inode is the blob, uploadID the chain, part the segment
	// index it will claim.
	kindAppend entryKind = 6
	// kindChainDead: a chain found without a live version (inode and
	// uploadID name it): its segments go if it is still dead when due.
	kindChainDead entryKind = 7
)

// chainEntry reports whether e concerns an appendable object's chain:
// an append's intent, a dead chain, or a chain version's entry.
func (e *gcEntry) chainEntry() bool {
	return e.kind == kindAppend || e.kind == kindChainDead || (e.parts > 0 && e.uploadID == e.inode)
}

// chainLive reports whether a row the garbage rule keeps names chain.
func chainLive(rows, garbage []versionRow, chain gocql.UUID) bool {
	for _, r := range rows {
		if r.isChain() && r.inode == chain && !containsVersion(garbage, r.version) {
			return true
		}
	}
	return false
}

// chainEntry handles a chain entry of a live bucket, given the key's rows
// (read after its listing, older garbage already requeued).
func (sw *sweep) chainEntry(ctx context.Context, e *gcEntry, rows, garbage []versionRow) error {
	chain := e.uploadID
	live := chainLive(rows, garbage, chain)
	switch e.kind {
	case kindAppend:
		owned, err := sw.segmentOwned(ctx, e)
		if err != nil || !owned {
			return err
		}
	case kindChainDead:
		if live {
			sw.live.Add(1)
			return nil
		}
		return sw.reclaimChain(ctx, e, true)
	}
	if live {
		sw.live.Add(1) // the chain's blocks stay; its last version's entry decides later
		return nil
	}
	if containsVersion(rows, e.version) && e.kind != kindAppend {
		return nil // still there as garbage: cleanupOlder queued it anew
	}
	return sw.queueChainDead(ctx, e)
}

// segmentOwned decides an append's intent: it reports whether the blob
// is its chain's (claimed: the chain's fate is its fate). Otherwise the
// blob never was, and never can be, part of the chain: its index was
// claimed by another append, or is fenced here with an empty segment
// (the appender, too slow, finds it taken), and its blocks are deleted.
func (sw *sweep) segmentOwned(ctx context.Context, e *gcEntry) (bool, error) {
	s := sw.s
	chain := e.uploadID
	for range 2 {
		got, err := s.segments(ctx, chain, e.part-2, e.part, true)
		if err != nil {
			return false, err
		}
		var prev, at *segmentRow
		for i := range got {
			switch got[i].idx {
			case e.part - 1:
				prev = &got[i]
			case e.part:
				at = &got[i]
			}
		}
		if at != nil {
			if at.inode == e.inode {
				return true, nil
			}
			return false, sw.reclaimBlocks(ctx, e.inode, e.blocks)
		}
		fence := segmentRow{idx: e.part, version: s.newVersionAfter(e.version)}
		if prev != nil {
			fence.start, fence.etag, fence.blockSize = prev.end(), prev.etag, prev.blockSize
		} else if e.part > 1 {
			// The chain's rows are gone (reclaimed): nothing reads it.
			return false, sw.reclaimBlocks(ctx, e.inode, e.blocks)
		}
		applied, err := s.claimSegment(ctx, chain, fence)
		if err != nil {
			return false, err
		}
		if applied {
			return false, sw.reclaimBlocks(ctx, e.inode, e.blocks)
		}
		// Claimed meanwhile: read it again.
	}
	return false, fmt.Errorf("segment %d of chain %s: claimed and unclaimed in turn", e.part, chain)
}

// queueChainDead queues e's chain as dead, a grace period from now.
func (sw *sweep) queueChainDead(ctx context.Context, e *gcEntry) error {
	g := gcEntry{kind: kindChainDead, inode: e.uploadID, uploadID: e.uploadID, bucket: e.bucket, bucketID: e.bucketID,
		key: e.key, version: e.version}
	g.setDue(time.Now().Add(sw.s.cfg.GCGrace))
	if err := sw.s.enqueue(ctx, &g); err != nil {
		return err
	}
	sw.requeued.Add(1)
	return nil
}

// reclaimChain deletes every segment e's chain ever claimed, then its
// rows (a plain partition delete: the exception to "LWT tables are
// written only by LWTs", safe because nothing claims a segment of a dead
// chain but a late appender, whose intent then reclaims it). With fence,
// the version each segment's append commits is first deleted at its own
// timestamp, as an absent upload's is: a commit of it still in the air
// can never make the chain visible again once its blocks are gone.
func (sw *sweep) reclaimChain(ctx context.Context, e *gcEntry, fence bool) error {
	s := sw.s
	chain := e.uploadID
	segs, err := s.segments(ctx, chain, 0, 0, false)
	if err != nil {
		return err
	}
	if fence {
		err := parallel(ctx, len(segs), 4*s.cfg.BlocksInFlight, func(ctx context.Context, i int) error {
			v := segs[i].version
			if err := s.exec(ctx, `DELETE FROM versions USING TIMESTAMP ? WHERE bucket_id = ? AND key = ? AND version = ?`,
				writeTime(v), e.bucketID, []byte(e.key), v); err != nil {
				return fmt.Errorf("fence version %s of chain %s: %w", v, chain, err)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for _, g := range segs {
		if g.inode == (gocql.UUID{}) {
			continue // a fence
		}
		n := versionRow{size: g.size, blockSize: g.blockSize}.blocks()
		if err := sw.reclaimBlocks(ctx, g.inode, n); err != nil {
			return err
		}
	}
	return sw.dropManifest(ctx, chain)
}

// reclaimChainEntry is reclaim for a chain entry whose bucket
// incarnation is gone: nothing reads it any more.
func (sw *sweep) reclaimChainEntry(ctx context.Context, e *gcEntry) error {
	if e.kind == kindAppend {
		if err := sw.reclaimBlocks(ctx, e.inode, e.blocks); err != nil {
			return err
		}
	}
	return sw.reclaimChain(ctx, e, false)
}
