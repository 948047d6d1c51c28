package cassandra

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/internal/testcassandra"
	"github.com/amphora-s3/amphora/store"
)

const testBlockSize = 64 << 10

// testConfig returns a Config for a fresh keyspace (dropped after t).
func testConfig(t testing.TB) Config {
	t.Helper()
	hosts := testcassandra.Hosts(t)
	return Config{
		Hosts:          hosts,
		Keyspace:       testcassandra.Keyspace(t, hosts),
		Replication:    Replication{Class: "SimpleStrategy", Factor: 1},
		BlockSize:      testBlockSize,
		BlocksInFlight: 4,
		GCGrace:        time.Second,
		SweepInterval:  time.Second,
		Timeout:        30 * time.Second,
		ConnectTimeout: 30 * time.Second,
	}
}

// newStore applies the schema to a fresh keyspace and opens a Store on it.
func newStore(t testing.TB, edit ...func(*Config)) *Store {
	t.Helper()
	cfg := testConfig(t)
	for _, f := range edit {
		f(&cfg)
	}
	return openStore(t, cfg, true)
}

func openStore(t testing.TB, cfg Config, apply bool) *Store {
	t.Helper()
	ctx := context.Background()
	if apply {
		if err := ApplySchema(ctx, cfg); err != nil {
			t.Fatalf("ApplySchema: %v", err)
		}
	}
	s, err := Open(ctx, cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// queryCounter is a gocql.QueryObserver counting queries per table.
type queryCounter struct {
	mu    sync.Mutex
	total atomic.Int64
	stmts []string
}

func (c *queryCounter) ObserveQuery(_ context.Context, q gocql.ObservedQuery) {
	c.total.Add(1)
	c.mu.Lock()
	c.stmts = append(c.stmts, q.Statement)
	c.mu.Unlock()
}

func (c *queryCounter) reset() {
	c.total.Store(0)
	c.mu.Lock()
	c.stmts = nil
	c.mu.Unlock()
}

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func mustCreateBucket(t testing.TB, s *Store, name string) {
	t.Helper()
	if err := s.CreateBucket(context.Background(), store.Bucket{Name: name, Owner: "alice"}); err != nil {
		t.Fatalf("CreateBucket %s: %v", name, err)
	}
}

// mustBucket reads bucket's row, bypassing every cache.
func mustBucket(t testing.TB, s *Store, bucket string) bucketInfo {
	t.Helper()
	b, err := s.readBucket(context.Background(), bucket)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustPut(t testing.TB, s *Store, bucket, key string, data []byte) store.Object {
	t.Helper()
	obj, err := s.PutObject(context.Background(), store.PutInput{
		Bucket: bucket, Key: key, Owner: "alice", Size: int64(len(data)), Body: bytes.NewReader(data),
	})
	if err != nil {
		t.Fatalf("PutObject %s/%s: %v", bucket, key, err)
	}
	return obj
}

func mustRead(t testing.TB, s *Store, obj store.Object, off, n int64) []byte {
	t.Helper()
	rc, err := s.ReadObject(context.Background(), obj, off, n)
	if err != nil {
		t.Fatalf("ReadObject %s: %v", obj.Key, err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(rc); err != nil {
		t.Fatalf("read %s: %v", obj.Key, err)
	}
	return buf.Bytes()
}

// countBlocks counts the stored blocks [0, n) of inode.
func countBlocks(t testing.TB, s *Store, inode gocql.UUID, n int) int {
	t.Helper()
	found := 0
	for idx := 0; idx < n; idx++ {
		var got int
		err := s.sess.Query(`SELECT idx FROM blocks WHERE inode = ? AND idx = ?`, inode, idx).Scan(&got)
		switch {
		case err == gocql.ErrNotFound:
		case err != nil:
			t.Fatalf("count blocks: %v", err)
		default:
			found++
		}
	}
	return found
}

func inodeOf(t testing.TB, obj store.Object) gocql.UUID {
	t.Helper()
	r, ok := obj.Ref.(ref)
	if !ok {
		t.Fatalf("object %s has ref %T", obj.Key, obj.Ref)
	}
	return r.inode
}

func blocksOf(size int) int { return (size + testBlockSize - 1) / testBlockSize }

// sweepAfterGrace waits out the grace period, then sweeps once.
func sweepAfterGrace(t testing.TB, s *Store) SweepStats {
	t.Helper()
	time.Sleep(s.cfg.GCGrace + 50*time.Millisecond)
	st, err := s.Sweep(context.Background())
	if err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	return st
}

func key(i int) string { return fmt.Sprintf("k%05d", i) }

// vid is the timeuuid of the version obj names (its S3 VersionID is
// "null" in a bucket never versioned).
func vid(obj store.Object) gocql.UUID { return obj.Ref.(ref).version }
