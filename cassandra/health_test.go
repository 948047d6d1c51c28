package cassandra

import (
	"context"
	"strings"
	"testing"
	"time"
)

// A keyspace whose schema a newer binary upgraded is refused: Open and
// ApplySchema fail naming the version, and a Store already open reports
// itself not ready. Back at this binary's version, it is ready again.
func TestSchemaNewerThanBinary(t *testing.T) {
	cfg := testConfig(t)
	s := openStore(t, cfg, true)
	ctx := context.Background()
	if err := s.Ready(ctx); err != nil {
		t.Fatalf("Ready on a fresh keyspace: %v", err)
	}
	if err := s.exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, 9999, "from_the_future", time.Now()); err != nil {
		t.Fatal(err)
	}
	for what, err := range map[string]error{
		"Ready":       s.Ready(ctx),
		"ApplySchema": ApplySchema(ctx, cfg),
		"Open":        openErr(ctx, cfg),
	} {
		if err == nil || !strings.Contains(err.Error(), "schema migration 9999") || !strings.Contains(err.Error(), "newer amphora") {
			t.Errorf("%s on a newer schema: %v", what, err)
		}
	}
	if err := s.exec(ctx, `DELETE FROM schema_migrations WHERE version = ?`, 9999); err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(ctx); err != nil {
		t.Fatalf("Ready once the newer version is gone: %v", err)
	}
	// An older schema (a migration missing) is not ready either.
	if err := s.exec(ctx, `DELETE FROM schema_migrations WHERE version = ?`, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(ctx); err == nil || !strings.Contains(err.Error(), "lacks schema migration 0001") {
		t.Errorf("Ready with a migration missing: %v", err)
	}
}

func openErr(ctx context.Context, cfg Config) error {
	s, err := Open(ctx, cfg)
	if err == nil {
		s.Close()
	}
	return err
}
