package cassandra

import (
	"context"
	"fmt"

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
	return s.setVersionEntry(ctx, obj, "ACL", "acls", enc)
}

// PutObjectTags sets the tags of the version obj names: an entry of the
// partition's static tag_sets map (schema 0007), as PutObjectACL does.
// An empty entry shadows the tags the PUT gave.
func (s *Store) PutObjectTags(ctx context.Context, obj store.Object, tags store.Tags) error {
	return s.setVersionEntry(ctx, obj, "tags", "tag_sets", tags.Encode())
}

// setVersionEntry writes enc as the entry of the static map column for
// the version obj names, if it is still the current version (buckets are
// not versioned): one replaced since obj was read is refused, and one
// replaced after this read keeps an entry nobody reads.
func (s *Store) setVersionEntry(ctx context.Context, obj store.Object, what, column, enc string) error {
	b, err := s.bucket(ctx, obj.Bucket)
	if err != nil {
		return err
	}
	v, err := gocql.ParseUUID(obj.VersionID)
	if err != nil {
		return fmt.Errorf("set %s of %q: version %q: %w", what, obj.Key, obj.VersionID, store.ErrNoSuchKey)
	}
	rows, err := s.versionRows(ctx, b.id, obj.Key, 1)
	if err != nil {
		return err
	}
	if len(rows) == 0 || rows[0].version != v {
		return fmt.Errorf("set %s of %q: version %s is not current: %w", what, obj.Key, v, store.ErrNoSuchKey)
	}
	// column is one of two constants: never client input.
	if err := s.exec(ctx, `UPDATE versions SET `+column+`[?] = ? WHERE bucket_id = ? AND key = ?`, v, enc, b.id, []byte(obj.Key)); err != nil {
		return fmt.Errorf("set %s of %q: %w", what, obj.Key, err)
	}
	return nil
}
