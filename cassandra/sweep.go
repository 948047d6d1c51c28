package cassandra

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// SweepStats counts what one Sweep pass did.
type SweepStats struct {
	Slots     int // queue slots scanned
	Entries   int // queue entries handled
	Live      int // entries whose version is current: blocks kept
	Requeued  int // superseded versions found still present: removed and queued again
	Reclaimed int // inodes whose blocks were deleted
	Blocks    int // block partitions deleted
	Failed    int // entries left for a later pass
}

// sweep is the state of one Sweep pass.
type sweep struct {
	s   *Store
	now time.Time

	mu        sync.Mutex
	buckets   map[string]*bucketInfo // nil value: no such bucket
	manifests map[gocql.UUID]map[gocql.UUID]bool
	errs      []error

	slots, entries, live, requeued, reclaimed, blocks, failed atomic.Int64
}

// Sweep makes one pass over the GC queue: every entry due by now is
// handled (see doc_gc.go) and removed; queue partitions of slots entirely in
// the past are deleted whole and the low watermark moves past them. It is
// idempotent and safe to run from several processes at once.
func (s *Store) Sweep(ctx context.Context) (SweepStats, error) {
	sw := &sweep{s: s, now: time.Now(), buckets: map[string]*bucketInfo{}, manifests: map[gocql.UUID]map[gocql.UUID]bool{}}
	low, err := s.queueLow(ctx, sw.now)
	if err != nil {
		return SweepStats{}, err
	}
	cur := slotOf(sw.now)
	newLow := low
	for slot := low; slot <= cur; slot++ {
		past := !slotEnd(slot).After(sw.now)
		clean := sw.slot(ctx, slot, past)
		if clean && past && newLow == slot {
			newLow = slot + 1
		}
		if ctx.Err() != nil {
			break
		}
	}
	if newLow > low {
		if err := s.advanceLow(ctx, newLow); err != nil {
			sw.fail(err)
		}
	}
	st := SweepStats{
		Slots: int(sw.slots.Load()), Entries: int(sw.entries.Load()), Live: int(sw.live.Load()),
		Requeued: int(sw.requeued.Load()), Reclaimed: int(sw.reclaimed.Load()), Blocks: int(sw.blocks.Load()),
		Failed: int(sw.failed.Load()),
	}
	if err := ctx.Err(); err != nil {
		return st, err
	}
	return st, errors.Join(sw.errs...)
}

func (sw *sweep) fail(err error) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if len(sw.errs) < 5 {
		sw.errs = append(sw.errs, err)
	}
}

// slot handles every queue partition of slot and reports whether all of
// their due entries were handled. A slot entirely in the past gets no new
// entries (they are always due a grace period after their writer's now),
// so its partitions are then deleted whole.
func (sw *sweep) slot(ctx context.Context, slot int64, past bool) bool {
	sw.slots.Add(1)
	var dirty atomic.Bool
	_ = parallel(ctx, queueShards, 4, func(ctx context.Context, shard int) error {
		if !sw.partition(ctx, slot, shard, past) {
			dirty.Store(true)
		}
		return nil
	})
	return !dirty.Load() && ctx.Err() == nil
}

func (sw *sweep) partition(ctx context.Context, slot int64, shard int, past bool) bool {
	s := sw.s
	entries, err := s.scanQueue(ctx, slot, shard, sw.now)
	if err != nil {
		sw.fail(err)
		return false
	}
	var done []*gcEntry
	for i := range entries {
		e := &entries[i]
		sw.entries.Add(1)
		if err := sw.entry(ctx, e); err != nil {
			sw.failed.Add(1)
			sw.fail(err)
			s.log.Warn().Err(err).Str("inode", e.inode.String()).Str("key", e.key).Msg("gc entry left for a later pass")
			continue
		}
		done = append(done, e)
	}
	switch {
	case len(done) < len(entries):
		for _, e := range done {
			if err := s.dequeue(ctx, e); err != nil {
				sw.fail(err)
			}
		}
		return false
	case len(done) == 0:
	case past:
		err = s.exec(ctx, `DELETE FROM gc_queue WHERE slot = ? AND shard = ?`, slot, shard)
	default:
		err = s.exec(ctx, `DELETE FROM gc_queue WHERE slot = ? AND shard = ? AND due <= ?`, slot, shard, done[len(done)-1].due)
	}
	if err != nil {
		sw.fail(fmt.Errorf("clear gc queue slot %d shard %d: %w", slot, shard, err))
		return false
	}
	return true
}

// entry handles one due queue entry. The rule that keeps live data safe:
// blocks are deleted only when the entry's version row is absent (or its
// bucket incarnation is gone), and an absent upload is first fenced so
// that a late-arriving commit of it can never become visible.
func (sw *sweep) entry(ctx context.Context, e *gcEntry) error {
	s := sw.s
	switch e.kind {
	case kindPartUpload, kindPartGarbage:
		return sw.partEntry(ctx, e)
	case kindExpire:
		return sw.expireEntry(ctx, e)
	case kindBucketListing:
		return sw.bucketListingEntry(ctx, e)
	}
	b, err := sw.bucket(ctx, e.bucket, e.bucketID)
	if err != nil {
		return err
	}
	if b == nil {
		// The bucket was deleted (and maybe re-created under a new id)
		// while this upload ran: nothing reads this incarnation any more.
		if err := s.exec(ctx, `DELETE FROM versions WHERE bucket_id = ? AND key = ?`, e.bucketID, []byte(e.key)); err != nil {
			return fmt.Errorf("delete orphaned versions of %q: %w", e.key, err)
		}
		return sw.reclaim(ctx, e)
	}
	listing, err := s.readListing(ctx, *b, e.key) // before the rows: see repairListing
	if err != nil {
		return err
	}
	rows, err := s.versionRows(ctx, b.id, e.key, 0)
	if err != nil {
		return err
	}
	if err := s.cleanupOlder(ctx, *b, e.key, rows); err != nil {
		return err
	}
	garbage := garbageRows(rows)
	sw.requeued.Add(int64(len(garbage)))
	var top *versionRow
	if len(rows) > 0 {
		top = &rows[0]
	}
	if err := s.repairListing(ctx, *b, e.key, listing, rows); err != nil {
		return err
	}
	if e.chainEntry() { // an appendable object's: append_gc.go
		return sw.chainEntry(ctx, e, rows, garbage)
	}
	for _, r := range rows {
		if r.version != e.version {
			continue
		}
		if !containsVersion(garbage, r.version) {
			sw.live.Add(1) // a version the rule keeps (the current one, or any while versioned): its blocks stay
			if e.kind == kindUpload && e.parts > 0 {
				return sw.finishManifest(ctx, e)
			}
		} // else cleanupOlder just removed it and queued it anew
		return nil
	}
	if e.kind == kindUpload {
		// Not committed, or the commit is still in the air after a
		// timeout: a tombstone at the version's own timestamp wins over
		// that commit whenever it lands.
		err := s.exec(ctx, `DELETE FROM versions USING TIMESTAMP ? WHERE bucket_id = ? AND key = ? AND version = ?`,
			writeTime(e.version), b.id, []byte(e.key), e.version)
		if err != nil {
			return fmt.Errorf("fence version %s of %q: %w", e.version, e.key, err)
		}
		if e.parts > 0 {
			if done, err := sw.unusedManifest(ctx, e, top, b.versioned()); done || err != nil {
				return err
			}
		}
		// Only in a bucket never versioned does a current version older
		// than this one prove this one was never visible (its commit
		// would have removed older rows); in a versioned bucket it may
		// have been committed and then deleted by version id.
		if (e.blocks > 0 || e.parts > 0) && (top == nil || compareTimeUUID(top.version, e.version) > 0 || b.versioned()) {
			// The version may have been current until a newer one or a
			// delete replaced it just now: its readers get a full grace
			// period. (An inline or empty version has no blocks to keep.) (Only when an older version is current can this one
			// never have been: its commit would have removed older rows.)
			g := *e
			g.kind = kindGarbage
			g.setDue(time.Now().Add(s.cfg.GCGrace))
			if err := s.enqueue(ctx, &g); err != nil {
				return err
			}
			sw.requeued.Add(1)
			return nil
		}
	}
	return sw.reclaim(ctx, e)
}

func (sw *sweep) reclaim(ctx context.Context, e *gcEntry) error {
	if e.chainEntry() {
		return sw.reclaimChainEntry(ctx, e)
	}
	if e.parts > 0 {
		return sw.reclaimManifest(ctx, e)
	}
	if err := sw.s.deleteBlocks(ctx, e.inode, e.blocks); err != nil {
		return err
	}
	sw.reclaimed.Add(1)
	sw.blocks.Add(int64(e.blocks))
	return nil
}

// bucket returns the live incarnation id of name, or nil when name is
// gone or now names another incarnation. Lookups are cached per pass.
func (sw *sweep) bucket(ctx context.Context, name string, id gocql.UUID) (*bucketInfo, error) {
	sw.mu.Lock()
	b, ok := sw.buckets[name]
	sw.mu.Unlock()
	if !ok {
		got, err := sw.s.bucket(ctx, name)
		switch {
		case errors.Is(err, store.ErrNoSuchBucket):
			b = nil
		case err != nil:
			return nil, err
		default:
			b = &got
		}
		sw.mu.Lock()
		sw.buckets[name] = b
		sw.mu.Unlock()
	}
	if b == nil || b.id != id {
		return nil, nil
	}
	return b, nil
}

// queueLow reads the oldest queue slot that may hold entries.
func (s *Store) queueLow(ctx context.Context, now time.Time) (int64, error) {
	var low int64
	err := s.query(ctx, `SELECT low FROM gc_state WHERE name = 'queue'`).Idempotent(true).Scan(&low)
	if errors.Is(err, gocql.ErrNotFound) {
		// Schema applied by something else than ApplySchema: look back a day.
		low = slotOf(now.Add(-24 * time.Hour))
		err = s.query(ctx, `INSERT INTO gc_state (name, low) VALUES ('queue', ?) IF NOT EXISTS`, low).Exec()
	}
	if err != nil {
		return 0, fmt.Errorf("read gc watermark: %w", err)
	}
	return low, nil
}

// advanceLow moves the watermark forward, never back.
func (s *Store) advanceLow(ctx context.Context, low int64) error {
	existing := map[string]any{}
	_, err := s.query(ctx, `UPDATE gc_state SET low = ? WHERE name = 'queue' IF low < ?`, low, low).MapScanCAS(existing)
	if err != nil {
		return fmt.Errorf("advance gc watermark: %w", err)
	}
	return nil
}

// RunSweeper sweeps every SweepInterval until ctx is done. Frontends share
// a lease so that normally one of them sweeps at a time; if its holder
// dies, another takes over once the lease expires.
func (s *Store) RunSweeper(ctx context.Context) {
	t := time.NewTicker(s.cfg.SweepInterval)
	defer t.Stop()
	for {
		s.sweepIfLeader(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Store) sweepIfLeader(ctx context.Context) {
	ok, err := s.lease(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn().Err(err).Msg("gc lease")
		}
		return
	}
	if !ok {
		return
	}
	start := time.Now()
	st, err := s.Sweep(ctx)
	s.recordSweep(st, err, time.Since(start)) // metrics (stats.go)
	ev := s.log.Info()
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		ev = s.log.Warn().Err(err)
	} else if st.Entries == 0 {
		ev = s.log.Debug()
	}
	ev.Int("entries", st.Entries).Int("reclaimed", st.Reclaimed).Int("blocks", st.Blocks).
		Int("live", st.Live).Int("requeued", st.Requeued).Int("failed", st.Failed).
		Dur("took", time.Since(start)).Msg("gc sweep")
}

// lease takes or renews the sweeper lease for this Store (the gc_state
// row 'lease': one lease type, lease.go).
func (s *Store) lease(ctx context.Context) (bool, error) {
	return s.AcquireLease(ctx, "lease", s.holder, max(3*s.cfg.SweepInterval, 10*time.Second))
}
