package cassandra

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// Moving listing ranges (doc.go, "Listing ranges"). A move gives groups
// of adjacent ranges new parts: one range cut in several (a split), the
// bucket's hash shards cut into ranges (a migration), or several ranges
// joined (a merge). It takes three steps, each one conditional batch on
// the bucket's listing_ranges partition that bumps gen, at least
// ListingSettle apart:
//
//  1. dual: every elementary interval of a group (cut at old and new
//     boundaries alike) reads its old part and writes both parts;
//  2. after the old rows are copied to the new parts (copyInterval, each
//     row at its own write timestamp): read the new part, still write both;
//  3. done: write only the new part; boundaries inside one new range go
//     and the old parts are retired.
//
// Retired parts are emptied ListingSettle after step 3 (dropRetired).
// Frontends act on maps confirmed less than ListingMapTTL ago, and a move
// waits ListingSettle between steps, so no two frontends act on maps more
// than one step apart. Any two adjacent steps agree: during steps 1 and 2
// both parts get every write, and every read goes to a part that has
// every row (the old one until the copy is done, which starts only once
// every frontend writes both). Rows copied late never undo a newer write
// or delete: they keep their write timestamps.

// moveGroup is one group of a move: the ranges from index first to last
// (inclusive) of the map, given new parts cut at cuts (new range starts
// strictly inside the group's span; none for a merge or a plain move).
type moveGroup struct {
	first, last int
	cuts        []string
}

// errMoveRaced: the map changed since it was read (another worker, or a
// lease lost): nothing was written.
var errMoveRaced = errors.New("listing map changed concurrently")

// advance writes the next change of b's map over m, one step for every
// range: groups (of ranges not moving, in key order, disjoint) start
// (step 1), ranges at step 1 switch (step 2; their old rows must have
// been copied) and ranges at step 2 finish (step 3). Every range moves at
// most one step per change, and changes are ListingSettle apart, so moves
// overlap without any frontend acting on maps more than one step apart:
// a range can split while others still move. m.retired must have been
// emptied (dropRetired): the parts this change retires replace them.
func (s *Store) advance(ctx context.Context, b bucketInfo, m *rangeMap, groups []moveGroup) error {
	rows, next, err := startRows(b, m, groups)
	if err != nil {
		return err
	}
	rows = append(rows, switchRows(m)...)
	done, deletes, retired := finishRows(m)
	rows = append(rows, done...)
	moving := len(groups) > 0 || moveStep(m)&stepDual != 0
	// retired is nil when this change retires nothing: left as
	// dropRetired emptied it.
	return s.commitMap(ctx, b, m, rows, deletes, next, retired, moving)
}

// startRows returns the map rows of step 1 of a move of groups over m,
// and the next part free after it.
func startRows(b bucketInfo, m *rangeMap, groups []moveGroup) ([]listRange, int, error) {
	next := m.nextPart
	var rows []listRange
	for _, g := range groups {
		start, end := m.ranges[g.first].start, m.ranges[g.last].end
		news := append([]string{start}, g.cuts...)
		for _, c := range g.cuts {
			if c <= start || (end != "" && c >= end) {
				return nil, 0, fmt.Errorf("move of %q: cut %q outside [%q, %q)", b.name, c, start, end)
			}
		}
		parts := make([]int, len(news))
		for i := range parts {
			parts[i] = next
			next++
		}
		// Elementary intervals: old and new boundaries merged.
		bounds := slices.Clone(news)
		for i := g.first; i <= g.last; i++ {
			bounds = append(bounds, m.ranges[i].start)
		}
		slices.Sort(bounds)
		bounds = slices.Compact(bounds)
		for _, x := range bounds {
			old := m.ranges[m.find(x)]
			if len(old.writes) != 1 || old.read != old.writes[0] {
				return nil, 0, fmt.Errorf("move of %q: range at %q is already moving", b.name, old.start)
			}
			newPart := parts[findStart(news, x)]
			rows = append(rows, listRange{start: x, read: old.read, writes: []int{old.read, newPart}})
		}
	}
	return rows, next, nil
}

// findStart returns the index of the last start <= key in sorted starts.
func findStart(starts []string, key string) int {
	i, _ := slices.BinarySearch(starts, key)
	if i < len(starts) && starts[i] == key {
		return i
	}
	return max(i-1, 0)
}

// The steps ranges of a map are at (moveStep): a bit each.
const (
	stepDual     = 1 << iota // step 1: reads its old part, writes both
	stepSwitched             // step 2: reads its new part, writes both
)

// moveStep returns the steps m's ranges are at (stepDual, stepSwitched;
// 0 when nothing moves).
func moveStep(m *rangeMap) int {
	steps := 0
	for _, r := range m.ranges {
		if len(r.writes) == 2 {
			if r.read == r.writes[0] {
				steps |= stepDual
			} else {
				steps |= stepSwitched
			}
		}
	}
	return steps
}

// switchRows returns the rows of step 2 of the ranges at step 1: they
// read their new part.
func switchRows(m *rangeMap) []listRange {
	var rows []listRange
	for _, r := range m.ranges {
		if len(r.writes) == 2 && r.read == r.writes[0] {
			rows = append(rows, listRange{start: r.start, read: r.writes[1], writes: r.writes})
		}
	}
	return rows
}

// finishRows returns the rows of step 3 of the ranges at step 2: they
// write only their new part, boundaries between intervals of one new
// part go (deletes), and the old parts no other range uses are retired.
func finishRows(m *rangeMap) (rows []listRange, deletes []string, retired []int) {
	olds := map[int]bool{}
	for i, r := range m.ranges {
		if len(r.writes) != 2 || r.read != r.writes[1] {
			continue
		}
		olds[r.writes[0]] = true
		newPart := r.writes[1]
		if i > 0 {
			prev := m.ranges[i-1]
			if prev.writes[len(prev.writes)-1] == newPart {
				deletes = append(deletes, r.start) // inside the new range that prev starts
				continue
			}
		}
		rows = append(rows, listRange{start: r.start, read: newPart, writes: []int{newPart}})
	}
	for _, r := range m.ranges {
		if len(r.writes) == 2 && r.read == r.writes[1] {
			continue // finishing now
		}
		for _, p := range r.writes {
			delete(olds, p) // still in use (a range outside this step)
		}
	}
	for p := range olds {
		retired = append(retired, p)
	}
	slices.Sort(retired)
	return rows, deletes, retired
}

// commitMap writes one change of b's map over m: rows upserted, rows at
// deletes removed, next_part, retired (nil: unchanged), moving, gen
// m.gen+1 and changed now, all in one conditional batch applied only if gen is still
// m.gen (else errMoveRaced). The bucket's first change also writes the
// implicit map's range, so that the partition holds the whole map.
func (s *Store) commitMap(ctx context.Context, b bucketInfo, m *rangeMap, rows []listRange, deletes []string, next int, retired []int, moving bool) error {
	if m.gen == 0 {
		// The partition may not exist, or hold only counted: give it a
		// gen, so that the batch below has one to compare. Not applied:
		// someone else did (the batch then decides).
		_, err := s.query(ctx, `UPDATE listing_ranges SET gen = 0, next_part = ? WHERE bucket_id = ? IF gen = null`,
			m.nextPart, b.id).SerialConsistency(s.cfg.serial).MapScanCAS(map[string]any{})
		if err != nil {
			return fmt.Errorf("create listing map of %q: %w", b.name, err)
		}
		if rows[0].start != "" {
			first := m.ranges[0]
			rows = append([]listRange{{start: "", read: first.read, writes: first.writes}}, rows...)
		}
	}
	batch := s.sess.Batch(gocql.LoggedBatch).WithContext(ctx).SerialConsistency(s.cfg.serial)
	upd, args := `UPDATE listing_ranges SET gen = ?, changed = ?, next_part = ?, moving = ?`, []any{m.gen + 1, time.Now(), next, moving}
	if retired != nil {
		upd, args = upd+`, retired = ?`, append(args, retired)
	}
	batch.Entries = append(batch.Entries, gocql.BatchEntry{Stmt: upd + ` WHERE bucket_id = ? IF gen = ?`, Args: append(args, b.id, m.gen)})
	for _, r := range rows {
		batch.Entries = append(batch.Entries, gocql.BatchEntry{
			Stmt: `INSERT INTO listing_ranges (bucket_id, start, read_part, write_parts) VALUES (?, ?, ?, ?)`,
			Args: []any{b.id, []byte(r.start), r.read, r.writes}})
	}
	for _, d := range deletes {
		batch.Entries = append(batch.Entries, gocql.BatchEntry{
			Stmt: `DELETE FROM listing_ranges WHERE bucket_id = ? AND start = ?`, Args: []any{b.id, []byte(d)}})
	}
	applied, iter, err := batch.MapExecCAS(map[string]any{})
	if iter != nil {
		iter.Close()
	}
	if err != nil {
		return fmt.Errorf("change listing map of %q: %w", b.name, err)
	}
	s.rangeMaps.forget(b.id)
	if !applied {
		return fmt.Errorf("listing map of %q at gen %d: %w", b.name, m.gen, errMoveRaced)
	}
	return nil
}

// dropRetired empties b's retired parts (partition tombstones; for the
// hash shards, every shard) and takes them off the map. It must run
// ListingSettle after the step that retired them: no frontend writes
// them any more.
func (s *Store) dropRetired(ctx context.Context, b bucketInfo, m *rangeMap) error {
	for _, p := range m.retired {
		for _, sh := range partShards(b, p) {
			if err := s.exec(ctx, `DELETE FROM objects WHERE bucket_id = ? AND shard = ?`, b.id, sh); err != nil {
				return fmt.Errorf("empty retired listing part %d of %q: %w", sh, b.name, err)
			}
		}
		if err := s.exec(ctx, `DELETE FROM listing_checked WHERE bucket_id = ? AND part = ?`, b.id, p); err != nil {
			return fmt.Errorf("forget retired listing part %d of %q: %w", p, b.name, err)
		}
		if err := s.exec(ctx, `DELETE FROM listing_activity WHERE bucket_id = ? AND part = ?`, b.id, p); err != nil {
			return fmt.Errorf("forget retired listing part %d of %q: %w", p, b.name, err)
		}
		if err := s.exec(ctx, `DELETE counted[?] FROM listing_ranges WHERE bucket_id = ?`, p, b.id); err != nil {
			return fmt.Errorf("forget retired listing part %d of %q: %w", p, b.name, err)
		}
	}
	applied, err := s.query(ctx, `UPDATE listing_ranges SET retired = null WHERE bucket_id = ? IF gen = ?`, b.id, m.gen).
		SerialConsistency(s.cfg.serial).MapScanCAS(map[string]any{})
	if err != nil {
		return fmt.Errorf("clear retired listing parts of %q: %w", b.name, err)
	}
	if !applied {
		return fmt.Errorf("listing map of %q at gen %d: %w", b.name, m.gen, errMoveRaced)
	}
	return nil
}
