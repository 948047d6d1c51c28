package integration

import (
	"context"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// blocksTable holds object bytes, one row per block (schema/*.cql).
const blocksTable = "blocks"

// cqlSession opens a session on the server's keyspace, closed at test end.
func cqlSession(t *testing.T, s *server) *gocql.Session {
	t.Helper()
	c := gocql.NewCluster(s.Hosts...)
	c.Keyspace = s.Keyspace
	c.Consistency = gocql.One
	c.Timeout = 30 * time.Second
	c.ConnectTimeout = 10 * time.Second
	sess, err := c.CreateSession()
	if err != nil {
		t.Fatalf("cql session on %s: %v", s.Keyspace, err)
	}
	t.Cleanup(sess.Close)
	return sess
}

// countBlocks is the number of block rows in the keyspace, selecting only
// their keys, in pages of 4 rows. Cassandra pages by rows, not bytes, and
// reads every column of a row to decide its liveness even when only the
// key is selected (DISTINCT too): pages of 200 rows of 1 MiB blocks ran a
// 1 GiB test node out of heap.
func countBlocks(t *testing.T, sess *gocql.Session) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sc := sess.Query("SELECT inode, idx FROM " + blocksTable).PageSize(4).WithContext(ctx).Iter().Scanner()
	var n int64
	for sc.Next() {
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("count %s: %v", blocksTable, err)
	}
	return n
}

// blocksFor is how many blocks an object of size bytes occupies.
func blocksFor(size, block int64) int64 { return (size + block - 1) / block }
