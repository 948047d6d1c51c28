package cassandra

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/amphora-s3/amphora/schema"
)

// A keyspace is at this binary's version when schema_migrations records
// every embedded migration and nothing else. Fewer: the binary would use
// tables or columns that are missing. More: a newer binary has changed
// the data model, and this one could misread or, worse, garbage-collect
// what it does not understand; it refuses to serve (Open, ApplySchema)
// and reports itself not ready (Ready).

// embeddedMigrations parses the binary's migrations once.
var embeddedMigrations = sync.OnceValues(schema.Migrations)

// schemaVersions reads the versions recorded in schema_migrations.
func (s *Store) schemaVersions(ctx context.Context) (map[int]bool, error) {
	applied := map[int]bool{}
	iter := s.query(ctx, `SELECT version FROM schema_migrations`).Idempotent(true).Iter()
	var v int
	for iter.Scan(&v) {
		applied[v] = true
	}
	if err := iter.Close(); err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	return applied, nil
}

// schemaAt reports how the applied versions of keyspace ks differ from the
// embedded migrations: a newer version first, then a missing one.
func schemaAt(ks string, applied map[int]bool) error {
	ms, err := embeddedMigrations()
	if err != nil {
		return err
	}
	if err := schemaNewer(ks, applied, ms); err != nil {
		return err
	}
	for _, m := range ms {
		if !applied[m.Version] {
			return fmt.Errorf("keyspace %s lacks schema migration %04d_%s: run `amphora schema apply`", ks, m.Version, m.Name)
		}
	}
	return nil
}

// schemaNewer fails when keyspace ks records a migration this binary does
// not have.
func schemaNewer(ks string, applied map[int]bool, ms []schema.Migration) error {
	known := make(map[int]bool, len(ms))
	latest := 0
	for _, m := range ms {
		known[m.Version] = true
		latest = max(latest, m.Version)
	}
	var unknown []int
	for v := range applied {
		if !known[v] {
			unknown = append(unknown, v)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Ints(unknown)
	return fmt.Errorf("keyspace %s has schema migration %04d but this amphora knows migrations up to %04d only: the keyspace was upgraded by a newer amphora; run that version or a later one", ks, unknown[len(unknown)-1], latest)
}

// Ready reports whether the store can serve: Cassandra answers a read of
// the keyspace's schema_migrations (a few rows) and the schema is at this
// binary's version. ctx bounds the read.
func (s *Store) Ready(ctx context.Context) error {
	applied, err := s.schemaVersions(ctx)
	if err != nil {
		return err
	}
	return schemaAt(s.cfg.Keyspace, applied)
}
