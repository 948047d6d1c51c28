package cassandra

import (
	"context"
	"errors"
	"fmt"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/schema"
)

// ApplySchema creates the keyspace (with cfg.Replication) and every table,
// applying the embedded migrations not yet recorded in schema_migrations.
// It is idempotent and safe to run from several processes at once: every
// statement is CREATE ... IF NOT EXISTS with a deterministic table id (see
// package schema), and recording a version twice is harmless. An existing
// keyspace keeps its replication.
func ApplySchema(ctx context.Context, cfg Config) error {
	st, err := cfg.validate()
	if err != nil {
		return err
	}
	repl, err := st.Replication.cql()
	if err != nil {
		return err
	}
	ms, err := schema.Migrations()
	if err != nil {
		return err
	}
	sess, err := newCluster(st, "").CreateSession()
	if err != nil {
		return fmt.Errorf("connect to cassandra %v: %w", st.Hosts, tlsHint(st.TLS, err))
	}
	defer sess.Close()
	ks := st.Keyspace
	var applied map[int]bool
	err = whileUnavailable(ctx, func() (err error) {
		applied, err = appliedVersions(ctx, sess, ks)
		return err
	})
	if err != nil {
		return err
	}
	if err := schemaNewer(ks, applied, ms); err != nil {
		return err
	}
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		stmts, err := m.Render(ks, repl)
		if err != nil {
			return err
		}
		for i, stmt := range stmts {
			if err := sess.Query(stmt).WithContext(ctx).Exec(); err != nil {
				return fmt.Errorf("migration %04d_%s statement %d: %w", m.Version, m.Name, i+1, err)
			}
		}
		if err := sess.AwaitSchemaAgreement(ctx); err != nil {
			return fmt.Errorf("migration %04d_%s: await schema agreement: %w", m.Version, m.Name, err)
		}
		err = whileUnavailable(ctx, func() error {
			return sess.Query(`INSERT INTO `+ks+`.schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.Version, m.Name, time.Now()).WithContext(ctx).Idempotent(true).Exec()
		})
		if err != nil {
			return fmt.Errorf("record migration %04d_%s: %w", m.Version, m.Name, err)
		}
	}
	// The sweeper scans the GC queue from this slot on; only the first
	// applier's value sticks.
	err = whileUnavailable(ctx, func() error {
		return sess.Query(`INSERT INTO `+ks+`.gc_state (name, low) VALUES ('queue', ?) IF NOT EXISTS`, slotOf(time.Now())).
			WithContext(ctx).Exec()
	})
	if err != nil {
		return fmt.Errorf("init gc watermark: %w", err)
	}
	return nil
}

// unavailableWait bounds how long ApplySchema waits for replicas a
// coordinator does not yet see alive.
const unavailableWait = time.Minute

// whileUnavailable runs f until it does not fail with Unavailable, for at
// most unavailableWait. A ring that has just started answers CQL on every
// node before each node's failure detector sees the others alive, and a
// coordinator then refuses a quorum write with Unavailable; what ApplySchema
// writes is idempotent, so it waits for the ring instead of failing.
func whileUnavailable(ctx context.Context, f func() error) error {
	deadline := time.Now().Add(unavailableWait)
	for {
		err := f()
		var u *gocql.RequestErrUnavailable
		if err == nil || !errors.As(err, &u) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Second):
		}
	}
}

// appliedVersions reads schema_migrations; none when it does not exist yet.
func appliedVersions(ctx context.Context, sess *gocql.Session, ks string) (map[int]bool, error) {
	var name string
	err := sess.Query(`SELECT table_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = 'schema_migrations'`, ks).
		WithContext(ctx).Scan(&name)
	if err == gocql.ErrNotFound {
		return map[int]bool{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read schema tables: %w", err)
	}
	applied := map[int]bool{}
	iter := sess.Query(`SELECT version FROM ` + ks + `.schema_migrations`).WithContext(ctx).Iter()
	var v int
	for iter.Scan(&v) {
		applied[v] = true
	}
	if err := iter.Close(); err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	return applied, nil
}
