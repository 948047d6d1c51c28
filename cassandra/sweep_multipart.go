package cassandra

import (
	"context"
	"fmt"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// The sweeper's multipart rules; doc_gc.go states them and why they are
// safe. The upload row decides who owns a part's blocks: the upload's
// parts rows while it is open, its manifest once it is done, nobody once
// it is aborted or gone.

// requeue puts e back in the queue a grace period from now, unchanged.
func (sw *sweep) requeue(ctx context.Context, e *gcEntry) error {
	g := *e
	g.setDue(time.Now().Add(sw.s.cfg.GCGrace))
	if err := sw.s.enqueue(ctx, &g); err != nil {
		return err
	}
	sw.requeued.Add(1)
	return nil
}

// manifestInodes returns the part inodes of manifest m, cached per pass.
func (sw *sweep) manifestInodes(ctx context.Context, m gocql.UUID) (map[gocql.UUID]bool, error) {
	sw.mu.Lock()
	set, ok := sw.manifests[m]
	sw.mu.Unlock()
	if ok {
		return set, nil
	}
	set, err := sw.s.manifestInodes(ctx, m)
	if err != nil {
		return nil, err
	}
	sw.mu.Lock()
	if len(sw.manifests) > 64 {
		clear(sw.manifests)
	}
	sw.manifests[m] = set
	sw.mu.Unlock()
	return set, nil
}

// manifestParts reads every row of manifest m.
func (s *Store) manifestParts(ctx context.Context, m gocql.UUID) ([]manifestRow, error) {
	iter := s.query(ctx, `SELECT idx, part_number, inode, size, start, block_size FROM manifests WHERE manifest = ?`, m).
		Idempotent(true).PageSize(1000).Iter()
	var (
		out []manifestRow
		r   manifestRow
	)
	for iter.Scan(&r.idx, &r.number, &r.inode, &r.size, &r.start, &r.blockSize) {
		out = append(out, r)
	}
	if err := iter.Close(); err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", m, err)
	}
	return out, nil
}

func (s *Store) manifestInodes(ctx context.Context, m gocql.UUID) (map[gocql.UUID]bool, error) {
	rows, err := s.manifestParts(ctx, m)
	if err != nil {
		return nil, err
	}
	set := make(map[gocql.UUID]bool, len(rows))
	for _, r := range rows {
		set[r.inode] = true
	}
	return set, nil
}

// partEntry handles a part's intent or garbage entry. The parts rows are
// read before the upload row, and an absent part is fenced before the
// upload row is read again: a completion that reads the parts after its
// LWT then either sees the fence (and leaves the part out) or has moved
// the upload out of open before our second read.
func (sw *sweep) partEntry(ctx context.Context, e *gcEntry) error {
	s := sw.s
	rows, err := s.partRows(ctx, e.uploadID, e.part, e.part)
	if err != nil {
		return err
	}
	rec, found, err := s.readRecord(ctx, e.uploadID, true)
	if err != nil {
		return err
	}
	if found && rec.state == stateOpen {
		if len(rows) > 1 {
			for _, r := range rows[1:] {
				if err := s.enqueue(ctx, s.partEntry(kindPartGarbage, rec, r)); err != nil {
					return err
				}
			}
			if err := s.exec(ctx, `DELETE FROM parts USING TIMESTAMP ? WHERE upload_id = ? AND part_number = ? AND version < ?`,
				writeTime(rows[0].version), e.uploadID, e.part, rows[0].version); err != nil {
				return fmt.Errorf("delete old rows of part %d: %w", e.part, err)
			}
			sw.requeued.Add(int64(len(rows) - 1))
		}
		for i, r := range rows {
			if r.version == e.version {
				if i == 0 {
					sw.live.Add(1)
				}
				return nil
			}
		}
		if err := sw.fencePart(ctx, e); err != nil {
			return err
		}
		if rec, found, err = s.readRecord(ctx, e.uploadID, true); err != nil {
			return err
		}
	}
	switch {
	case !found || rec.state == stateAborted || rec.state == stateOpen:
		// Aborted or gone: nothing may read it. Open (after the fence):
		// no completion can pick it up any more.
	case rec.state == stateCompleting:
		sw.live.Add(1)
		return sw.requeue(ctx, e) // decided once the completion is
	case rec.state == stateDone:
		used, err := sw.manifestInodes(ctx, rec.manifest)
		if err != nil {
			return err
		}
		if used[e.inode] {
			sw.live.Add(1) // the manifest owns the blocks now
			return nil
		}
	}
	if err := sw.fencePart(ctx, e); err != nil {
		return err
	}
	return sw.reclaimBlocks(ctx, e.inode, e.blocks)
}

// fencePart deletes the entry's part row at the part's own timestamp, so
// a commit of it landing later is shadowed for ever.
func (sw *sweep) fencePart(ctx context.Context, e *gcEntry) error {
	err := sw.s.exec(ctx, `DELETE FROM parts USING TIMESTAMP ? WHERE upload_id = ? AND part_number = ? AND version = ?`,
		writeTime(e.version), e.uploadID, e.part, e.version)
	if err != nil {
		return fmt.Errorf("fence part %d of upload %s: %w", e.part, e.uploadID, err)
	}
	return nil
}

func (sw *sweep) reclaimBlocks(ctx context.Context, inode gocql.UUID, n int) error {
	if err := sw.s.deleteBlocks(ctx, inode, n); err != nil {
		return err
	}
	sw.reclaimed.Add(1)
	sw.blocks.Add(int64(n))
	return nil
}

// expireEntry ends an upload MultipartMaxAge after its creation: an open
// one is aborted; an aborted one whose cleanup was interrupted is cleaned
// up; a completing one waits for its completion to be decided.
func (sw *sweep) expireEntry(ctx context.Context, e *gcEntry) error {
	s := sw.s
	rec, found, err := s.readRecord(ctx, e.uploadID, true)
	if err != nil || !found {
		return err
	}
	switch rec.state {
	case stateOpen:
		applied, _, err := s.setState(ctx, rec.id, stateOpen, stateAborted, nil, nil)
		if err != nil {
			return err
		}
		if !applied {
			return sw.requeue(ctx, e)
		}
		return s.finishAbort(ctx, rec)
	case stateAborted:
		return s.finishAbort(ctx, rec)
	case stateCompleting:
		return sw.requeue(ctx, e)
	}
	return s.dropUpload(ctx, rec) // done: only bookkeeping may be left
}

// finishManifest completes the bookkeeping of a committed manifest
// version whose completer died before marking its upload done.
func (sw *sweep) finishManifest(ctx context.Context, e *gcEntry) error {
	rec, found, err := sw.s.readRecord(ctx, e.uploadID, true)
	if err != nil || !found || rec.state != stateCompleting || rec.manifest != e.inode {
		return err
	}
	used, err := sw.manifestInodes(ctx, e.inode)
	if err != nil {
		return err
	}
	return sw.s.finishCompletion(ctx, rec, e.inode, used)
}

// unusedManifest handles the intent of a manifest version found absent
// (and just fenced). It reports done when the entry needs nothing more:
// the manifest is not (or no longer) its upload's, so only its rows go;
// or its completion provably never became visible (an older version is
// current), so the upload opens again for the client to retry. When the
// version may have been visible, the upload is marked done and the
// caller queues the manifest as garbage: its parts go a grace later.
func (sw *sweep) unusedManifest(ctx context.Context, e *gcEntry, top *versionRow, versioned bool) (bool, error) {
	s := sw.s
	rec, found, err := s.readRecord(ctx, e.uploadID, true)
	if err != nil {
		return false, err
	}
	switch {
	case found && rec.manifest != e.inode:
		return true, sw.dropManifest(ctx, e.inode)
	case found && rec.state == stateCompleting:
		if top != nil && compareTimeUUID(top.version, e.version) < 0 && !versioned {
			applied, _, err := s.setState(ctx, rec.id, stateCompleting, stateOpen, &e.inode, nil)
			if err != nil {
				return false, err
			}
			if applied {
				return true, sw.dropManifest(ctx, e.inode)
			}
			return false, fmt.Errorf("upload %s changed state while its completion was undone", rec.id)
		}
		used, err := sw.manifestInodes(ctx, e.inode)
		if err != nil {
			return false, err
		}
		return false, s.finishCompletion(ctx, rec, e.inode, used)
	}
	return false, nil
}

// dropManifest deletes a manifest's rows, never its parts' blocks.
func (sw *sweep) dropManifest(ctx context.Context, m gocql.UUID) error {
	if err := sw.s.exec(ctx, `DELETE FROM manifests WHERE manifest = ?`, m); err != nil {
		return fmt.Errorf("delete manifest %s: %w", m, err)
	}
	return nil
}

// reclaimManifest deletes a dead manifest version's bytes: every part's
// blocks, then the manifest, then its upload's row. When the upload row
// names another manifest (this completion was undone and the upload
// completed again), the blocks are that manifest's: only the rows go.
func (sw *sweep) reclaimManifest(ctx context.Context, e *gcEntry) error {
	s := sw.s
	rec, found, err := s.readRecord(ctx, e.uploadID, true)
	if err != nil {
		return err
	}
	if found && rec.manifest != e.inode {
		return sw.dropManifest(ctx, e.inode)
	}
	rows, err := s.manifestParts(ctx, e.inode)
	if err != nil {
		return err
	}
	for _, r := range rows {
		n := versionRow{size: r.size, blockSize: r.blockSize}.blocks()
		if err := sw.reclaimBlocks(ctx, r.inode, n); err != nil {
			return err
		}
	}
	if err := sw.dropManifest(ctx, e.inode); err != nil {
		return err
	}
	if !found {
		return nil
	}
	existing := map[string]any{}
	if _, err := s.query(ctx, `DELETE FROM multipart WHERE upload_id = ? IF manifest = ?`, rec.id, e.inode).
		SerialConsistency(s.cfg.serial).MapScanCAS(existing); err != nil {
		return fmt.Errorf("delete upload %s: %w", rec.id, err)
	}
	return s.dropUpload(ctx, rec)
}
