package cassandra

import (
	"context"
	"errors"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// heal rewrites block idx of inode from good, a verified copy, so that
// the replicas whose copy is missing or bad get it, then reads each of
// them again to verify it. Blocks are immutable, so writing the verified
// bytes to every replica (a write through a coordinator goes to all) is
// harmless; the write's timestamp is above every copy's seen and above
// now, so it wins over a bad copy and over the tombstone of a deleted one
// (the sweeper's later DELETE, at its own now, still wins over it). The
// version is read again first: a version deleted meanwhile is not healed
// (its blocks are the sweeper's), so scrubbing never brings back blocks
// the sweeper reclaimed.
func (sc *scrubber) heal(ctx context.Context, oc *objectCheck, inode gocql.UUID, idx, want int, good *blockCopy, copies []blockCopy) ScrubResult {
	if sc.opts.DryRun {
		return ScrubUnhealed
	}
	var fix []blockCopy
	unreachable := false
	ts := time.Now().UnixMicro()
	for _, c := range copies {
		ts = max(ts, c.writeTime+1)
		switch {
		case c.readErr != nil:
			unreachable = true
		case c.problem != nil:
			fix = append(fix, c)
		}
	}
	if len(fix) == 0 {
		return ScrubUnhealed // only unreachable replicas: nothing to write to
	}
	if !oc.checkedLive {
		_, err := sc.s.versionByID(ctx, oc.b.id, oc.rep.Key, oc.version)
		if errors.Is(err, store.ErrNoSuchKey) {
			oc.problem("inode %s block %d: not healed: version deleted meanwhile", inode, idx)
			return ScrubUnhealed
		}
		if err != nil {
			oc.problem("inode %s block %d: not healed: %v", inode, idx, err)
			return ScrubUnhealed
		}
		oc.checkedLive = true
	}
	cl := gocql.All
	if unreachable {
		cl = gocql.One // the live replicas still get it; each is read back below
	}
	err := sc.s.query(ctx, `INSERT INTO blocks (inode, idx, data, crc) VALUES (?, ?, ?, ?) USING TIMESTAMP ?`,
		inode, idx, good.data, good.crc, ts).Consistency(cl).Idempotent(true).Exec()
	if err != nil {
		oc.problem("inode %s block %d: heal: %v", inode, idx, err)
		return ScrubUnhealed
	}
	res := ScrubHealed
	if unreachable {
		res = ScrubUnhealed
	}
	for _, c := range fix {
		var host *gocql.HostInfo
		for _, h := range sc.rr.replicas(inode, idx) {
			if h.ConnectAddress().String() == c.host {
				host = h
			}
		}
		if host == nil && c.host != "" {
			oc.problem("inode %s block %d on %s: healed copy not verified: replica gone", inode, idx, c.host)
			res = ScrubUnhealed
			continue
		}
		again := sc.rr.read(ctx, sc.s, host, inode, idx, sc.healBuf)
		sc.healBuf = again.data[:0]
		sc.pace.wait(ctx, len(again.data))
		oc.rep.BytesRead += int64(len(again.data))
		if err := verifyCopy(again, want); err != nil {
			oc.problem("inode %s block %d on %s: healed copy: %v", inode, idx, c.host, err)
			res = ScrubUnhealed
			continue
		}
		oc.problem("inode %s block %d on %s: healed", inode, idx, c.host)
	}
	return res
}
