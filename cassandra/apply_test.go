package cassandra

import (
	"time"

	"context"
	"strings"
	"sync"
	"testing"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/schema"
)

func TestApplySchemaTwice(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	ctx := context.Background()
	for i := range 2 {
		if err := ApplySchema(ctx, cfg); err != nil {
			t.Fatalf("ApplySchema #%d: %v", i+1, err)
		}
	}
	s := openStore(t, cfg, false)
	ms, err := schema.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.sess.Query(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(ms) {
		t.Errorf("schema_migrations has %d rows, want %d", n, len(ms))
	}
	checkTableIDs(t, s.sess, cfg.Keyspace)
}

// Two processes applying at once must both succeed and agree on one set
// of tables: their ids are deterministic.
func TestApplySchemaConcurrently(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() { errs[i] = ApplySchema(context.Background(), cfg) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("ApplySchema #%d: %v", i+1, err)
		}
	}
	s := openStore(t, cfg, false)
	checkTableIDs(t, s.sess, cfg.Keyspace)
	mustCreateBucket(t, s, "after-concurrent-apply")
	mustPut(t, s, "after-concurrent-apply", "k", []byte("works"))
}

func checkTableIDs(t *testing.T, sess *gocql.Session, ks string) {
	t.Helper()
	iter := sess.Query(`SELECT table_name, id FROM system_schema.tables WHERE keyspace_name = ?`, ks).Iter()
	var (
		name string
		id   gocql.UUID
		n    int
	)
	for iter.Scan(&name, &id) {
		n++
		if want := schema.TableID(ks, name); id.String() != want {
			t.Errorf("table %s has id %s, want %s", name, id, want)
		}
	}
	if err := iter.Close(); err != nil {
		t.Fatal(err)
	}
	if n < 8 {
		t.Errorf("keyspace %s has %d tables, want 8", ks, n)
	}
}

func TestOpenMissingKeyspace(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t) // never created
	_, err := Open(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "keyspace "+cfg.Keyspace+" missing: run `amphora schema apply`") {
		t.Fatalf("Open on a missing keyspace: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	ok := Config{Hosts: []string{"h"}, Keyspace: "ks"}
	st, err := ok.validate()
	if err != nil {
		t.Fatal(err)
	}
	if st.BlockSize != DefaultBlockSize || st.BlocksInFlight != DefaultBlocksInFlight || st.GCGrace != DefaultGCGrace ||
		st.SweepInterval != DefaultSweepInterval || st.ListingShards != 0 || st.ListingPartRows != DefaultListingPartRows ||
		st.consistency != gocql.LocalQuorum || st.serial != gocql.LocalSerial {
		t.Errorf("defaults not applied: %+v", st)
	}
	bad := []func(*Config){
		func(c *Config) { c.Hosts = nil },
		func(c *Config) { c.Keyspace = "bad-name" },
		func(c *Config) { c.Keyspace = "" },
		func(c *Config) { c.Consistency = "MOST" },
		func(c *Config) { c.Consistency = "SERIAL" },
		func(c *Config) { c.SerialConsistency = "QUORUM" },
		func(c *Config) { c.BlockSize = MaxBlockSize + 1 },
		func(c *Config) { c.BlockSize = -1 },
		func(c *Config) { c.BlocksInFlight = -2 },
		func(c *Config) { c.GCGrace = -1 },
		func(c *Config) { c.ListingShards = MaxListingShards + 1 },
		func(c *Config) { c.ListingShards = -1 },
		func(c *Config) { c.ListingPartRows = 2 },
		func(c *Config) { c.ListingMapTTL = time.Second; c.ListingSettle = time.Second },
	}
	for i, f := range bad {
		c := ok
		f(&c)
		if _, err := c.validate(); err == nil {
			t.Errorf("bad config %d accepted: %+v", i, c)
		}
	}
	c := ok
	c.Consistency, c.SerialConsistency = "one", "serial"
	if st, err := c.validate(); err != nil || st.consistency != gocql.One || st.serial != gocql.Serial {
		t.Errorf("lower-case consistency: %v %v", st.consistency, err)
	}
	// Every problem is reported at once.
	c = Config{BlockSize: -1}
	if _, err := c.validate(); err == nil || !strings.Contains(err.Error(), "no hosts") || !strings.Contains(err.Error(), "block size") {
		t.Errorf("validate should list every problem: %v", err)
	}
}

func TestReplicationCQL(t *testing.T) {
	cases := []struct {
		r    Replication
		want string
	}{
		{Replication{DataCenters: map[string]int{"dc2": 2, "dc1": 3}}, "{'class': 'NetworkTopologyStrategy', 'dc1': 3, 'dc2': 2}"},
		{Replication{Class: "NetworkTopologyStrategy", Factor: 3}, "{'class': 'NetworkTopologyStrategy', 'replication_factor': 3}"},
		{Replication{Class: "SimpleStrategy", Factor: 1}, "{'class': 'SimpleStrategy', 'replication_factor': 1}"},
		{Replication{DataCenters: map[string]int{"it's": 1}}, "{'class': 'NetworkTopologyStrategy', 'it''s': 1}"},
	}
	for _, c := range cases {
		got, err := c.r.cql()
		if err != nil || got != c.want {
			t.Errorf("%+v: got %q, %v; want %q", c.r, got, err, c.want)
		}
	}
	for _, r := range []Replication{{}, {Class: "SimpleStrategy"}, {Class: "Other", Factor: 1}, {DataCenters: map[string]int{"dc1": 0}}} {
		if _, err := r.cql(); err == nil {
			t.Errorf("%+v accepted", r)
		}
	}
}
