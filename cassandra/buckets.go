package cassandra

import (
	"context"
	"errors"
	"fmt"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// bucketInfo is a buckets row. id names this incarnation of the bucket:
// every object row hangs off id, not off the name.
type bucketInfo struct {
	name     string
	id       gocql.UUID
	owner    string
	location string
	created  time.Time
	shards   int
	settings store.BucketSettings // the config column: every setting, one home
}

// versioningEnabled reports whether new versions get their own id.
func (b bucketInfo) versioningEnabled() bool {
	return b.settings[store.SettingVersioning] == store.VersioningEnabled
}

// versioned reports whether versioning was ever enabled on b.
func (b bucketInfo) versioned() bool { return b.settings[store.SettingVersioning] != "" }

func (b bucketInfo) public() store.Bucket {
	return store.Bucket{Name: b.name, Owner: b.owner, Location: b.location, Created: b.created, Settings: b.settings}
}

// bucketMemoKey memoizes a bucket's row for one request (store.Memo).
type bucketMemoKey struct {
	s    *Store
	name string
}

// bucket reads name's row: once per request when ctx carries a
// store.Memo, and at most once per BucketCacheTTL across requests.
// Errors: store.ErrNoSuchBucket.
func (s *Store) bucket(ctx context.Context, name string) (bucketInfo, error) {
	memo := store.MemoFrom(ctx)
	if v, ok := memo.Load(bucketMemoKey{s, name}); ok {
		return v.(bucketInfo), nil
	}
	if b, ok := s.buckets.get(name); ok {
		memo.Store(bucketMemoKey{s, name}, b)
		return b, nil
	}
	b, err := s.readBucket(ctx, name)
	if err != nil {
		return bucketInfo{}, err
	}
	memo.Store(bucketMemoKey{s, name}, b)
	s.buckets.put(name, b)
	return b, nil
}

// readBucket reads name's row from Cassandra, bypassing every cache.
func (s *Store) readBucket(ctx context.Context, name string) (bucketInfo, error) {
	b := bucketInfo{name: name}
	var settings map[string]string
	err := s.query(ctx, `SELECT id, owner, location, created, shards, config FROM buckets WHERE name = ?`, name).
		Idempotent(true).Scan(&b.id, &b.owner, &b.location, &b.created, &b.shards, &settings)
	if len(settings) > 0 {
		b.settings = settings
	}
	if errors.Is(err, gocql.ErrNotFound) {
		return bucketInfo{}, fmt.Errorf("bucket %q: %w", name, store.ErrNoSuchBucket)
	}
	if err != nil {
		return bucketInfo{}, fmt.Errorf("read bucket %q: %w", name, err)
	}
	if b.shards < 0 {
		return bucketInfo{}, fmt.Errorf("bucket %q has %d listing shards", name, b.shards)
	}
	return b, nil
}

// bucketSerial is the serial consistency of the lightweight transactions
// on the buckets table (claim, settings, delete). Bucket names are global,
// so with a local datacenter configured (a multi-datacenter deployment) it
// is SERIAL whatever serial_consistency says: under LOCAL_SERIAL each
// datacenter runs Paxos among its own replicas only, and two datacenters
// could both claim one name. With one datacenter cut off, SERIAL cannot
// reach a quorum of all replicas and a claim fails (503 SlowDown) instead
// of splitting (docs/operations.md, "Several datacenters").
func (s *Store) bucketSerial() gocql.Consistency {
	if s.cfg.LocalDC != "" {
		return gocql.Serial
	}
	return s.cfg.serial
}

// CreateBucket claims b.Name with a lightweight transaction, so exactly one
// of several concurrent claims wins, then records it for ListBuckets.
func (s *Store) CreateBucket(ctx context.Context, b store.Bucket) error {
	s.buckets.forget(b.Name) // a stale incarnation deleted elsewhere
	if b.Name == "" || b.Owner == "" {
		return errors.New("create bucket: name and owner are required")
	}
	created := b.Created
	if created.IsZero() {
		created = time.Now()
	}
	created = created.Truncate(time.Millisecond) // CQL timestamp precision
	id := s.newVersion()
	existing := map[string]any{}
	var settings any = gocql.UnsetValue
	if len(b.Settings) > 0 {
		settings = map[string]string(b.Settings)
	}
	applied, err := s.query(ctx,
		`INSERT INTO buckets (name, id, owner, location, created, shards, config) VALUES (?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS`,
		b.Name, id, b.Owner, b.Location, created, s.cfg.ListingShards, settings).
		SerialConsistency(s.bucketSerial()).MapScanCAS(existing)
	if err != nil {
		return fmt.Errorf("claim bucket %q: %w", b.Name, err)
	}
	if !applied {
		owner, _ := existing["owner"].(string)
		if owner != b.Owner {
			return fmt.Errorf("bucket %q: %w", b.Name, store.ErrBucketAlreadyExists)
		}
		// Ours already: make sure ListBuckets shows it (a crash may have
		// come between the claim and the owner row).
		prev := bucketInfo{name: b.Name, owner: owner}
		prev.id, _ = existing["id"].(gocql.UUID)
		prev.location, _ = existing["location"].(string)
		prev.created, _ = existing["created"].(time.Time)
		if err := s.putOwnerRow(ctx, prev); err != nil {
			return err
		}
		return fmt.Errorf("bucket %q: %w", b.Name, store.ErrBucketAlreadyOwnedByYou)
	}
	return s.putOwnerRow(ctx, bucketInfo{name: b.Name, id: id, owner: b.Owner, location: b.Location, created: created})
}

// putOwnerRow writes b's buckets_by_owner row at the incarnation's
// timestamp, so that deleting an older incarnation never hides it.
func (s *Store) putOwnerRow(ctx context.Context, b bucketInfo) error {
	err := s.exec(ctx, `INSERT INTO buckets_by_owner (owner, name, location, created) VALUES (?, ?, ?, ?) USING TIMESTAMP ?`,
		b.owner, b.name, b.location, b.created, writeTime(b.id))
	if err != nil {
		return fmt.Errorf("record bucket %q for owner: %w", b.name, err)
	}
	return nil
}

// SetBucketSetting writes one entry of the bucket's config column, with a
// lightweight transaction on the incarnation id: a bucket deleted and
// re-created meanwhile never gets the old one's setting. This frontend
// forgets its cached row at once; others within BucketCacheTTL.
func (s *Store) SetBucketSetting(ctx context.Context, name, setting, value string) error {
	b, err := s.readBucket(ctx, name)
	if err != nil {
		return err
	}
	stmt, args := `UPDATE buckets SET config[?] = ? WHERE name = ? IF id = ?`, []any{setting, value, name, b.id}
	if value == "" {
		stmt, args = `DELETE config[?] FROM buckets WHERE name = ? IF id = ?`, []any{setting, name, b.id}
	}
	applied, err := s.query(ctx, stmt, args...).SerialConsistency(s.bucketSerial()).MapScanCAS(map[string]any{})
	if err != nil {
		return fmt.Errorf("set %s of bucket %q: %w", setting, name, err)
	}
	s.buckets.forget(name)
	store.MemoFrom(ctx).Forget(bucketMemoKey{s, name})
	if !applied {
		return fmt.Errorf("set %s of bucket %q: %w", setting, name, store.ErrNoSuchBucket)
	}
	return nil
}

// GetBucket returns the bucket named name.
func (s *Store) GetBucket(ctx context.Context, name string) (store.Bucket, error) {
	b, err := s.bucket(ctx, name)
	if err != nil {
		return store.Bucket{}, err
	}
	return b.public(), nil
}

// DeleteBucket removes name when no listing shard holds a row. The
// delete is conditional on the incarnation id, so it never removes a
// bucket re-created in the meantime.
func (s *Store) DeleteBucket(ctx context.Context, name string) error {
	s.buckets.forget(name)
	store.MemoFrom(ctx).Forget(bucketMemoKey{s, name})
	b, err := s.readBucket(ctx, name)
	if err != nil {
		return err
	}
	empty, err := s.bucketEmpty(ctx, b)
	if err != nil {
		return err
	}
	if !empty {
		return fmt.Errorf("bucket %q: %w", name, store.ErrBucketNotEmpty)
	}
	// The listing's reclamation is queued first: if the delete then fails,
	// the sweeper finds the bucket alive and drops the entry.
	if err := s.enqueue(ctx, s.newBucketListingEntry(b)); err != nil {
		return fmt.Errorf("delete bucket %q: %w", name, err)
	}
	existing := map[string]any{}
	applied, err := s.query(ctx, `DELETE FROM buckets WHERE name = ? IF id = ?`, name, b.id).
		SerialConsistency(s.bucketSerial()).MapScanCAS(existing)
	if err != nil {
		return fmt.Errorf("delete bucket %q: %w", name, err)
	}
	store.MemoFrom(ctx).Forget(bucketMemoKey{s, name})
	s.buckets.forget(name)
	if !applied {
		return fmt.Errorf("bucket %q: %w", name, store.ErrNoSuchBucket)
	}
	s.rangeMaps.forget(b.id)
	err = s.exec(ctx, `DELETE FROM buckets_by_owner USING TIMESTAMP ? WHERE owner = ? AND name = ?`,
		writeTime(b.id), b.owner, name)
	if err != nil {
		return fmt.Errorf("delete bucket %q from owner list: %w", name, err)
	}
	return nil
}

// bucketEmpty reports whether no listing range of b holds a key (in the
// part it reads) and no upload is open.
func (s *Store) bucketEmpty(ctx context.Context, b bucketInfo) (bool, error) {
	m, err := s.ranges(ctx, b)
	if err != nil {
		return false, err
	}
	type probe struct {
		shard      int
		start, end string
	}
	var probes []probe
	for _, r := range m.ranges {
		for _, sh := range partShards(b, r.read) {
			probes = append(probes, probe{sh, r.start, r.end})
		}
	}
	errFound := errors.New("found")
	err = parallel(ctx, len(probes), 8, func(ctx context.Context, i int) error {
		p := probes[i]
		stmt, args := `SELECT key FROM objects WHERE bucket_id = ? AND shard = ? AND key >= ?`, []any{b.id, p.shard, []byte(p.start)}
		if p.end != "" {
			stmt, args = stmt+` AND key < ?`, append(args, []byte(p.end))
		}
		var key []byte
		err := s.query(ctx, stmt+` LIMIT 1`, args...).Idempotent(true).Scan(&key)
		switch {
		case errors.Is(err, gocql.ErrNotFound):
			return nil
		case err != nil:
			return fmt.Errorf("check bucket %q shard %d: %w", b.name, p.shard, err)
		}
		return errFound
	})
	if errors.Is(err, errFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return s.noUploads(ctx, b)
}

// noUploads reports whether b has no multipart upload in progress. A
// listing row whose upload is finished (its finisher died before
// removing it) is removed here.
func (s *Store) noUploads(ctx context.Context, b bucketInfo) (bool, error) {
	for range 100 {
		var (
			key []byte
			id  gocql.UUID
		)
		err := s.query(ctx, `SELECT key, upload_id FROM uploads WHERE bucket_id = ? LIMIT 1`, b.id).Idempotent(true).Scan(&key, &id)
		switch {
		case errors.Is(err, gocql.ErrNotFound):
			return true, nil
		case err != nil:
			return false, fmt.Errorf("check uploads of bucket %q: %w", b.name, err)
		}
		rec, found, err := s.readRecord(ctx, id, true)
		if err != nil {
			return false, err
		}
		if found && (rec.state == stateOpen || rec.state == stateCompleting) {
			return false, nil
		}
		if err := s.exec(ctx, `DELETE FROM uploads WHERE bucket_id = ? AND key = ? AND upload_id = ?`, b.id, key, id); err != nil {
			return false, fmt.Errorf("unlist finished upload %s: %w", id, err)
		}
	}
	return false, nil
}

// ListBuckets returns owner's buckets in name order. buckets_by_owner is
// checked against the claims in buckets (one IN query), so a DeleteBucket
// that died between its two writes leaves no ghost entry: a name whose
// claim is gone, or now belongs to another owner, is left out.
func (s *Store) ListBuckets(ctx context.Context, owner string) ([]store.Bucket, error) {
	iter := s.query(ctx, `SELECT name, location, created FROM buckets_by_owner WHERE owner = ?`, owner).
		Idempotent(true).Iter()
	var (
		out []store.Bucket
		b   = store.Bucket{Owner: owner}
	)
	for iter.Scan(&b.Name, &b.Location, &b.Created) {
		out = append(out, b)
	}
	if err := iter.Close(); err != nil {
		return nil, fmt.Errorf("list buckets of %q: %w", owner, err)
	}
	if len(out) == 0 {
		return out, nil
	}
	claimed, err := s.claimOwners(ctx, out)
	if err != nil {
		return nil, err
	}
	kept := out[:0]
	for _, b := range out {
		if claimed[b.Name] == owner {
			kept = append(kept, b)
		}
	}
	return kept, nil
}

// claimOwners returns the owner of each claimed name among bs.
func (s *Store) claimOwners(ctx context.Context, bs []store.Bucket) (map[string]string, error) {
	names := make([]string, len(bs))
	for i, b := range bs {
		names[i] = b.Name
	}
	owners := make(map[string]string, len(names))
	iter := s.query(ctx, `SELECT name, owner FROM buckets WHERE name IN ?`, names).Idempotent(true).Iter()
	var name, owner string
	for iter.Scan(&name, &owner) {
		owners[name] = owner
	}
	if err := iter.Close(); err != nil {
		return nil, fmt.Errorf("check bucket claims: %w", err)
	}
	return owners, nil
}
