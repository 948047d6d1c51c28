package cassandra

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestStatementName(t *testing.T) {
	for cql, want := range map[string]string{
		`SELECT data, crc FROM blocks WHERE inode = ? AND idx = ?`:                          "SELECT blocks",
		"SELECT key,\n\tversion FROM objects WHERE bucket_id = ?":                           "SELECT objects",
		`SELECT COUNT(*) FROM schema_migrations`:                                            "SELECT schema_migrations",
		`select now() from system.local`:                                                    "SELECT system.local",
		`SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?`:         "SELECT system_schema.keyspaces",
		`SELECT version FROM amphora_t_0123.schema_migrations`:                              "SELECT schema_migrations",
		`INSERT INTO blocks (inode, idx, data, crc) VALUES (?, ?, ?, ?)`:                    "INSERT blocks",
		`INSERT INTO t(a, b) VALUES (?, ?)`:                                                 "INSERT t",
		`INSERT INTO gc_state (name, holder) VALUES ('lease', ?) IF NOT EXISTS USING TTL ?`: "INSERT gc_state LWT",
		`UPDATE multipart SET state = ? WHERE upload_id = ? IF state = ?`:                   "UPDATE multipart LWT",
		`UPDATE "Quoted" SET a = ? WHERE k = ?`:                                             "UPDATE quoted",
		`DELETE config[?] FROM buckets WHERE name = ? IF id = ?`:                            "DELETE buckets LWT",
		`DELETE FROM versions USING TIMESTAMP ? WHERE bucket_id = ? AND key = ?`:            "DELETE versions",
		`TRUNCATE TABLE ks.blocks`:                                                          "TRUNCATE blocks",
		`CREATE TABLE IF NOT EXISTS ks.blocks (inode uuid, PRIMARY KEY ((inode)))`:          "CREATE TABLE",
		`BEGIN BATCH INSERT INTO a (k) VALUES (1); APPLY BATCH`:                             "BATCH",
		`USE ks`:                      "USE KS",
		`SELECT a FROM ks.weird$name`: "SELECT other",
		``:                            "EMPTY",
		`SELECT`:                      "SELECT",
	} {
		if got := StatementName(cql); got != want {
			t.Errorf("StatementName(%q) = %q, want %q", cql, got, want)
		}
	}
	var names statementNames
	got := batchName([]string{
		`INSERT INTO versions (bucket_id, key) VALUES (?, ?)`,
		`INSERT INTO objects (bucket_id, shard, key) VALUES (?, ?, ?)`,
		`INSERT INTO gc_queue (slot, shard) VALUES (?, ?)`,
		`DELETE FROM versions WHERE bucket_id = ? AND key = ? AND version < ?`,
	}, &names)
	if got != "BATCH gc_queue,objects,versions" {
		t.Errorf("batch name %q", got)
	}
}

// recordingObserver keeps what a StatementObserver is told.
type recordingObserver struct {
	mu    sync.Mutex
	count map[string]int
	errs  map[string]int
}

func (r *recordingObserver) ObserveStatement(name string, took time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.count == nil {
		r.count, r.errs = map[string]int{}, map[string]int{}
	}
	r.count[name]++
	if err != nil {
		r.errs[name]++
	}
}

func (r *recordingObserver) snapshot() (map[string]int, map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, e := map[string]int{}, map[string]int{}
	for k, v := range r.count {
		c[k] = v
	}
	for k, v := range r.errs {
		e[k] = v
	}
	return c, e
}

// The observer sees a real PUT and GET by statement name, next to a
// test's own gocql observer, and a failing statement as an error.
func TestStatementObserverOnCassandra(t *testing.T) {
	rec := &recordingObserver{}
	counter := &queryCounter{}
	s := newStore(t, func(c *Config) { c.Observer = rec; c.observer = counter; c.InlineSize = -1 })
	mustCreateBucket(t, s, "observed")
	obj := mustPut(t, s, "observed", "k", randomBytes(t, 3*testBlockSize))
	mustRead(t, s, obj, 0, -1)
	count, _ := rec.snapshot()
	if count["INSERT blocks"] != 3 || count["SELECT blocks"] < 3 {
		t.Errorf("block statements seen: %v", count)
	}
	if counter.total.Load() == 0 {
		t.Error("the test's own observer saw nothing")
	}
	if err := s.query(context.Background(), `SELECT nothing FROM no_such_table`).Exec(); err == nil {
		t.Fatal("a query of a missing table succeeded")
	}
	_, errs := rec.snapshot()
	if errs["SELECT no_such_table"] != 1 {
		t.Errorf("errors seen: %v", errs)
	}
	if keys, buckets := s.CacheStats(); buckets.Hits+buckets.Misses == 0 || keys.Hits+keys.Misses != 0 {
		t.Errorf("cache stats: keys %+v, buckets %+v", keys, buckets)
	}
	if used, size := s.SlotStats(); used != 0 || size != s.cfg.MaxBlocksInFlight {
		t.Errorf("slots %d of %d at rest", used, size)
	}
	if lag, err := s.GCLag(context.Background()); err != nil || lag < 0 || lag > 2*time.Minute {
		t.Errorf("gc lag %s, %v on a fresh keyspace", lag, err)
	}
}
