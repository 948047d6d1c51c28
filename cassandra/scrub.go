package cassandra

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// Scrubbing (issue 14 part 5) verifies every live version's bytes and
// heals the replicas that lost or rotted theirs. It walks the metadata,
// never the blocks table: buckets (AllBuckets), each bucket's keys through
// its listing index (delete markers included), each key's versions
// partition a page at a time, and for each live version its blocks by
// key, one block row at a time (a scan of the blocks table in pages makes
// Cassandra materialize every 1 MiB row it pages over, which was measured
// to kill a 1-2 GiB node). Memory is one buffer per replica of the
// largest block, whatever the object sizes (scrub_verify.go).
//
// With more than one replica each block is read from every replica that
// holds it, at consistency ONE with the replica itself as coordinator
// (scrub_replica.go); a replica whose copy is missing, of the wrong length
// or fails its CRC-32C is rewritten from a verified copy (scrub_heal.go).

// ScrubResult is what scrubbing found of an object (a version) or a block.
type ScrubResult string

const (
	// ScrubHealthy: every replica's copy of every block checks out.
	ScrubHealthy ScrubResult = "healthy"
	// ScrubHealed: some copies were missing or bad and were rewritten
	// from a verified copy (and verified again afterwards).
	ScrubHealed ScrubResult = "healed"
	// ScrubUnhealed: some copies are missing, bad or could not be read
	// (a replica down), none were rewritten (dry run, replica down, heal
	// failed), but every block has a verified copy: readable.
	ScrubUnhealed ScrubResult = "unhealed"
	// ScrubDamaged: some block has no verified copy on any replica, or
	// the bytes contradict the version's metadata: damaged beyond repair.
	ScrubDamaged ScrubResult = "damaged"
	// ScrubFailed: the object could not be checked (a query failed).
	ScrubFailed ScrubResult = "failed"
)

// ScrubResults are every result, in the order of the reports.
var ScrubResults = []ScrubResult{ScrubHealthy, ScrubHealed, ScrubUnhealed, ScrubDamaged, ScrubFailed}

// ScrubOptions say what to scrub and how fast.
type ScrubOptions struct {
	// Bucket limits the walk to one bucket; "" walks every bucket.
	Bucket string
	// RateMB bounds the bytes read from Cassandra (every replica's copy
	// counted) to RateMB x 10^6 per second; 0: unbounded.
	RateMB float64
	// From is a position (ScrubPosition, ScrubStats.Position) to resume
	// after: the walk starts with the key after it. "" starts at the
	// beginning.
	From string
	// DryRun reports what it finds and rewrites nothing.
	DryRun bool
	// Report, when set, receives every object's result as it is known.
	Report func(ScrubObject)
	// Checkpoint, when set, is called after each key with the position
	// of that key; an error stops the walk (and is returned).
	Checkpoint func(ctx context.Context, pos string) error
}

// ScrubObject is the report on one version.
type ScrubObject struct {
	Bucket    string      `json:"bucket"`
	Key       string      `json:"key"`
	VersionID string      `json:"version_id"`
	Result    ScrubResult `json:"result"`
	Size      int64       `json:"size"`
	// Blocks counts the object's blocks by result (its parts' blocks for
	// a multipart object; none for an inline object).
	Blocks map[ScrubResult]int `json:"blocks,omitempty"`
	// Replicas is how many copies of each block were read (the most of
	// any block).
	Replicas int `json:"replicas,omitempty"`
	// BytesRead is what reading it cost, every replica's copy counted.
	BytesRead int64 `json:"bytes_read"`
	// Problems say what was wrong, where (empty when healthy).
	Problems []string `json:"problems,omitempty"`
}

// ScrubStats add up a walk.
type ScrubStats struct {
	Buckets   int                 `json:"buckets"`
	Keys      int                 `json:"keys"`
	Objects   map[ScrubResult]int `json:"objects"`
	Blocks    map[ScrubResult]int `json:"blocks"`
	BytesRead int64               `json:"bytes_read"`
	// Position is the last key done ("" when the walk reached its end).
	Position string        `json:"position"`
	Took     time.Duration `json:"took_ns"`
}

func (st *ScrubStats) add(o ScrubObject) {
	if st.Objects == nil {
		st.Objects, st.Blocks = map[ScrubResult]int{}, map[ScrubResult]int{}
	}
	st.Objects[o.Result]++
	for r, n := range o.Blocks {
		st.Blocks[r] += n
	}
	st.BytesRead += o.BytesRead
}

// ScrubPosition is the position of key in bucket: bucket names hold no
// "/", so the first "/" splits it again.
func ScrubPosition(bucket, key string) string { return bucket + "/" + key }

func splitScrubPosition(pos string) (bucket, key string) {
	bucket, key, _ = strings.Cut(pos, "/")
	return bucket, key
}

// Scrub verifies (and heals, unless o.DryRun) every live version of one
// bucket or all, from o.From on. It returns what it found; the error is
// the first that stopped the walk (a failed object does not).
func (s *Store) Scrub(ctx context.Context, o ScrubOptions) (ScrubStats, error) {
	start := time.Now()
	sc, err := s.newScrubber(o)
	if err != nil {
		return ScrubStats{}, err
	}
	defer sc.close()
	err = sc.walk(ctx)
	sc.stats.Took = time.Since(start)
	return sc.stats, err
}

// walk visits the buckets in name order from o.From's bucket on.
func (sc *scrubber) walk(ctx context.Context) error {
	fromBucket, fromKey := splitScrubPosition(sc.opts.From)
	var names []string
	if sc.opts.Bucket != "" {
		names = []string{sc.opts.Bucket}
	} else {
		all, err := sc.s.AllBuckets(ctx)
		if err != nil {
			return fmt.Errorf("scrub: %w", err)
		}
		for _, b := range all {
			names = append(names, b.Name)
		}
	}
	for _, name := range names {
		after := ""
		switch {
		case sc.opts.From == "":
		case name < fromBucket:
			continue
		case name == fromBucket:
			after = fromKey
		}
		b, err := sc.s.bucket(ctx, name)
		if errors.Is(err, store.ErrNoSuchBucket) && sc.opts.Bucket == "" {
			continue // deleted since AllBuckets
		}
		if err != nil {
			return fmt.Errorf("scrub: %w", err)
		}
		sc.stats.Buckets++
		if err := sc.bucket(ctx, b, after); err != nil {
			return err
		}
	}
	sc.stats.Position = ""
	return nil
}

// bucket visits b's keys after after, in key order, through its listing
// index (keys behind a delete marker included).
func (sc *scrubber) bucket(ctx context.Context, b bucketInfo, after string) error {
	c := sc.s.newCursor(b, "", "", after, maxListPage)
	c.markers = true
	defer c.Close()
	for {
		obj, ok := c.Next(ctx)
		if !ok {
			break
		}
		if err := sc.key(ctx, b, obj.Key); err != nil {
			return err
		}
		sc.stats.Keys++
		sc.stats.Position = ScrubPosition(b.name, obj.Key)
		if sc.opts.Checkpoint != nil {
			if err := sc.opts.Checkpoint(ctx, sc.stats.Position); err != nil {
				return err
			}
		}
	}
	if err := c.Err(); err != nil {
		return fmt.Errorf("scrub bucket %q: list keys: %w", b.name, err)
	}
	return nil
}

// key scrubs the live versions of key, reading its versions partition a
// page at a time (inline bytes included). Garbage rows (null versions
// below the newest, which the sweeper removes) and delete markers are
// skipped.
func (sc *scrubber) key(ctx context.Context, b bucketInfo, key string) error {
	iter := sc.s.query(ctx, `SELECT `+versionDataCols+` FROM versions WHERE bucket_id = ? AND key = ?`,
		b.id, []byte(key)).Idempotent(true).PageSize(100).Iter()
	now := time.Now()
	seenNull := false
	for {
		var r versionRow
		if !iter.Scan(r.dataDest()...) {
			break
		}
		if r.version == (gocql.UUID{}) {
			continue // a partition left with its static maps only
		}
		garbage := r.isNull() && seenNull && !r.effectiveLock().Active(now)
		if r.isNull() {
			seenNull = true
		}
		if garbage || r.marker {
			continue
		}
		rep, ok := sc.version(ctx, b, key, r)
		if err := ctx.Err(); err != nil {
			iter.Close()
			return err // stopped mid-version: not checked, not reported
		}
		if ok {
			sc.stats.add(rep)
			if sc.opts.Report != nil {
				sc.opts.Report(rep)
			}
		}
	}
	if err := iter.Close(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rep := ScrubObject{Bucket: b.name, Key: key, Result: ScrubFailed,
			Problems: []string{fmt.Sprintf("read versions: %v", err)}}
		sc.stats.add(rep)
		if sc.opts.Report != nil {
			sc.opts.Report(rep)
		}
	}
	return nil
}
