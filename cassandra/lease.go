package cassandra

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// Leases (store.Leases) are gc_state rows (schema 0010): holder, written
// with a TTL by lightweight transactions, and position, written without
// one only while the writer holds the lease. The sweeper's lease is the
// row 'lease'; the lifecycle worker's are 'lifecycle/<bucket>'.

// AcquireLease takes lease name for holder when nobody holds it, or
// renews it when holder does.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	secs := max(int(ttl/time.Second), 1)
	existing := map[string]any{}
	applied, err := s.query(ctx, `UPDATE gc_state USING TTL ? SET holder = ? WHERE name = ? IF holder = null`,
		secs, holder, name).SerialConsistency(s.cfg.serial).MapScanCAS(existing)
	if err != nil {
		return false, fmt.Errorf("take lease %s: %w", name, err)
	}
	if applied {
		return true, nil
	}
	if h, _ := existing["holder"].(string); h != holder {
		return false, nil
	}
	clear(existing)
	applied, err = s.query(ctx, `UPDATE gc_state USING TTL ? SET holder = ? WHERE name = ? IF holder = ?`,
		secs, holder, name, holder).SerialConsistency(s.cfg.serial).MapScanCAS(existing)
	if err != nil {
		return false, fmt.Errorf("renew lease %s: %w", name, err)
	}
	return applied, nil
}

// ReleaseLease gives lease name up if holder has it.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	_, err := s.query(ctx, `DELETE holder FROM gc_state WHERE name = ? IF holder = ?`, name, holder).
		SerialConsistency(s.cfg.serial).MapScanCAS(map[string]any{})
	if err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}

// LeasePosition reads the position saved with lease name.
func (s *Store) LeasePosition(ctx context.Context, name string) (string, error) {
	var pos string
	err := s.query(ctx, `SELECT position FROM gc_state WHERE name = ?`, name).Idempotent(true).Scan(&pos)
	if err != nil && !errors.Is(err, gocql.ErrNotFound) {
		return "", fmt.Errorf("read position of lease %s: %w", name, err)
	}
	return pos, nil
}

// SaveLeasePosition saves pos if holder still has lease name.
func (s *Store) SaveLeasePosition(ctx context.Context, name, holder, pos string) (bool, error) {
	applied, err := s.query(ctx, `UPDATE gc_state SET position = ? WHERE name = ? IF holder = ?`, pos, name, holder).
		SerialConsistency(s.cfg.serial).MapScanCAS(map[string]any{})
	if err != nil {
		return false, fmt.Errorf("save position of lease %s: %w", name, err)
	}
	return applied, nil
}

// AllBuckets reads every bucket row (a scan of a small table).
func (s *Store) AllBuckets(ctx context.Context) ([]store.Bucket, error) {
	bs, err := s.allBucketInfos(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]store.Bucket, 0, len(bs))
	for _, b := range bs {
		out = append(out, b.public())
	}
	return out, nil
}

// allBucketInfos reads every bucket row, in name order.
func (s *Store) allBucketInfos(ctx context.Context) ([]bucketInfo, error) {
	iter := s.query(ctx, `SELECT name, id, owner, location, created, shards, config FROM buckets`).
		Idempotent(true).PageSize(500).Iter()
	var (
		out      []bucketInfo
		b        bucketInfo
		settings map[string]string
	)
	for iter.Scan(&b.name, &b.id, &b.owner, &b.location, &b.created, &b.shards, &settings) {
		if len(settings) > 0 {
			b.settings = settings
		}
		out = append(out, b)
		b, settings = bucketInfo{}, nil
	}
	if err := iter.Close(); err != nil {
		return nil, fmt.Errorf("list all buckets: %w", err)
	}
	slices.SortFunc(out, func(a, b bucketInfo) int { return strings.Compare(a.name, b.name) })
	return out, nil
}
