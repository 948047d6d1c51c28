package cassandra

import (
	"context"
	"fmt"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// PutObjectACL sets the ACL of the version obj names: an entry of the
// partition's static acls map, keyed by that version (schema 0006). The
// committed row is not touched, so a later commit neither loses the entry
// (it is for a version the commit does not write) nor gets it (its own
// version has none). Readers get the map with the one row they read.
//
// A key deleted between the check and the write leaves the partition
// with its static map only: readers skip such a row (versionRows,
// HeadObject), and the next DeleteObject or a newer entry replaces it.
func (s *Store) PutObjectACL(ctx context.Context, obj store.Object, acl store.ACL) error {
	enc := acl.Encode()
	if enc == "" {
		enc = store.PrivateACL(obj.Owner).Encode() // an entry must shadow the PUT's ACL
	}
	return s.setVersionEntry(ctx, obj, "ACL", "acls", enc, nil)
}

// PutObjectTags sets the tags of the version obj names: an entry of the
// partition's static tag_sets map (schema 0007), as PutObjectACL does.
// An empty entry shadows the tags the PUT gave.
func (s *Store) PutObjectTags(ctx context.Context, obj store.Object, tags store.Tags) error {
	return s.setVersionEntry(ctx, obj, "tags", "tag_sets", tags.Encode(), nil)
}

// PutObjectRetention sets the retention of the version obj names: an
// entry of the partition's static retentions map (schema 0009), as
// PutObjectACL does, once store.CheckRetentionChange allows it against
// the retention in force. An empty entry shadows the retention the write
// gave. (A concurrent change of the same version's retention is decided
// by the last write; each was checked against what it read.)
func (s *Store) PutObjectRetention(ctx context.Context, obj store.Object, r store.Retention, bypassGovernance bool) error {
	return s.setVersionEntry(ctx, obj, "retention", "retentions", r.Encode(), func(row versionRow) error {
		return store.CheckRetentionChange(row.effectiveLock().Retention, r, time.Now(), bypassGovernance)
	})
}

// PutObjectLegalHold sets the legal hold of the version obj names: an
// entry of the partition's static legal_holds map (schema 0009).
func (s *Store) PutObjectLegalHold(ctx context.Context, obj store.Object, on bool) error {
	return s.setVersionEntry(ctx, obj, "legal hold", "legal_holds", on, nil)
}

// setVersionEntry writes enc as the entry of the static map column for
// the version obj names (by its Ref, else by its S3 id), if the key still
// has it, the one rule does not make it garbage (store.GarbageVersions:
// in a bucket never versioned only the current version qualifies) and
// check (when set) accepts the version's row as read. One replaced after
// this read keeps an entry nobody reads.
func (s *Store) setVersionEntry(ctx context.Context, obj store.Object, what, column string, enc any, check func(versionRow) error) error {
	b, err := s.bucket(ctx, obj.Bucket)
	if err != nil {
		return err
	}
	rows, err := s.versionRows(ctx, b.id, obj.Key, 0)
	if err != nil {
		return err
	}
	r, ok := obj.Ref.(ref)
	var (
		v     gocql.UUID
		found versionRow
	)
	for _, row := range rows {
		if ok && row.version == r.version || !ok && row.s3ID() == obj.VersionID {
			v, found = row.version, row
			break
		}
	}
	if v == (gocql.UUID{}) || containsVersion(garbageRows(rows), v) {
		return fmt.Errorf("set %s of %q: version %s is gone: %w", what, obj.Key, obj.VersionID, store.ErrNoSuchKey)
	}
	if check != nil {
		if err := check(found); err != nil {
			return fmt.Errorf("set %s of %q version %s: %w", what, obj.Key, obj.VersionID, err)
		}
	}
	// column is one of four constants: never client input.
	if err := s.exec(ctx, `UPDATE versions SET `+column+`[?] = ? WHERE bucket_id = ? AND key = ?`, v, enc, b.id, []byte(obj.Key)); err != nil {
		return fmt.Errorf("set %s of %q: %w", what, obj.Key, err)
	}
	return nil
}
