package cassandra

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// copyRowsPerBatch bounds an unlogged batch of copied rows, and is the
// page the source is read by. The rows all go to one destination
// partition, so a batch is one mutation: Cassandra neither logs it nor
// holds it to batch_size_warn_threshold, which only counts batches of
// several mutations. 500 copies 1.25-1.45x as many rows a second as 50
// did; more rows a batch, or batches written while the next page is
// read, gained nothing more (BenchmarkListingCopy, docs/benchmarks.md).
const copyRowsPerBatch = 500

// copyMoving copies the rows of every interval of m that reads its old
// part while writing a new one (step 1 of a move, ranges_move.go) into
// the new part, each row at its own write timestamp: a row written or
// deleted since (both parts get every write now) keeps the newer state.
// Rows written ListingSettle after step 1 or later are not copied: every
// frontend wrote them to both parts (the settle is longer than the map's
// TTL, and a row's write timestamp is never later than its write). It
// copies listingParallel intervals at once and records where the copy
// stands (copy_gen, copy_next: the end of the intervals done in key
// order), and a copy of the same gen resumes there. It returns the
// number of rows copied.
func (s *Store) copyMoving(ctx context.Context, b bucketInfo, m *rangeMap) (int, error) {
	resume, err := s.copyResume(ctx, b, m.gen)
	if err != nil {
		return 0, err
	}
	dual := m.changed.Add(s.cfg.ListingSettle).UnixMicro() // rows from then on are in both parts
	var todo []listRange
	for _, r := range m.ranges {
		if len(r.writes) == 2 && r.read == r.writes[0] && (resume == nil || r.start >= *resume) {
			todo = append(todo, r)
		}
	}
	var (
		n    atomic.Int64
		mu   sync.Mutex
		done = make([]bool, len(todo))
		next int // todo[:next] are all copied
	)
	err = parallel(ctx, len(todo), listingParallel, func(ctx context.Context, i int) error {
		r := todo[i]
		for _, sh := range partShards(b, r.read) {
			c, err := s.copyInterval(ctx, b, sh, r.writes[1], r.start, r.end, dual)
			n.Add(int64(c))
			if err != nil {
				return err
			}
		}
		mu.Lock()
		defer mu.Unlock()
		done[i] = true
		was := next
		for next < len(todo) && done[next] {
			next++
		}
		if next == was || todo[next-1].end == "" {
			return nil // nothing new in order, or the last range: nothing after it
		}
		err := s.exec(ctx, `UPDATE listing_ranges SET copy_gen = ?, copy_next = ? WHERE bucket_id = ?`, m.gen, []byte(todo[next-1].end), b.id)
		if err != nil {
			return fmt.Errorf("save listing copy position of %q: %w", b.name, err)
		}
		return nil
	})
	return int(n.Load()), err
}

// copyResume returns where a copy of b's map at gen stopped, nil for none.
func (s *Store) copyResume(ctx context.Context, b bucketInfo, gen int64) (*string, error) {
	var (
		g    *int64
		next []byte
	)
	err := s.query(ctx, `SELECT copy_gen, copy_next FROM listing_ranges WHERE bucket_id = ? LIMIT 1`, b.id).Idempotent(true).Scan(&g, &next)
	if err != nil && !errors.Is(err, gocql.ErrNotFound) {
		return nil, fmt.Errorf("read listing copy position of %q: %w", b.name, err)
	}
	if g == nil || *g != gen {
		return nil, nil
	}
	from := string(next)
	return &from, nil
}

// copyInterval copies the rows of [start, end) ("" end: no end) of objects
// partition from into partition to, but for those written at or after
// dual (a write timestamp).
func (s *Store) copyInterval(ctx context.Context, b bucketInfo, from, to int, start, end string, dual int64) (int, error) {
	stmt := `SELECT key, version, inode, size, block_size, etag, modified, owner, parts, writetime(version)
		FROM objects WHERE bucket_id = ? AND shard = ? AND key >= ?`
	args := []any{b.id, from, []byte(start)}
	if end != "" {
		stmt, args = stmt+` AND key < ?`, append(args, []byte(end))
	}
	rows := cmp.Or(s.cfg.copyBatch, copyRowsPerBatch)
	iter := s.query(ctx, stmt, args...).Idempotent(true).PageSize(max(500, rows)).Iter()
	var (
		n     int
		batch *gocql.Batch
		key   []byte
		r     versionRow
		size  int64
		wt    int64
	)
	flush := func() error {
		if batch == nil || len(batch.Entries) == 0 {
			return nil
		}
		err := batch.Exec()
		batch = nil
		return err
	}
	for iter.Scan(&key, &r.version, &r.inode, &size, &r.blockSize, &r.etag, &r.created, &r.owner, &r.parts, &wt) {
		if wt >= dual {
			continue // written to both parts already
		}
		r.size, r.marker = size, size == markerSize
		if batch == nil {
			batch = s.sess.Batch(gocql.UnloggedBatch).WithContext(ctx)
		}
		batch.Entries = append(batch.Entries, gocql.BatchEntry{Idempotent: true, Stmt: insertListing + ` USING TIMESTAMP ?`,
			Args: append(listingValues(b, to, string(key), r), wt)})
		n++
		if len(batch.Entries) == rows {
			if err := flush(); err != nil {
				iter.Close()
				return n, fmt.Errorf("copy listing rows of %q to part %d: %w", b.name, to, err)
			}
		}
		r = versionRow{}
	}
	if err := iter.Close(); err != nil {
		return n, fmt.Errorf("read listing rows of %q part %d: %w", b.name, from, err)
	}
	if err := flush(); err != nil {
		return n, fmt.Errorf("copy listing rows of %q to part %d: %w", b.name, to, err)
	}
	return n, nil
}
