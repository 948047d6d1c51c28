package cassandra

import (
	"context"
	"errors"
	"testing"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// A partition left with its static ACL map only (a key deleted while an
// ACL was being set on it) holds no object: HEAD and GET say so, and a
// new PUT of the key is served normally.
func TestStaticOnlyPartitionIsNoObject(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	mustCreateBucket(t, s, "b")
	b, err := s.bucket(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.exec(ctx, `UPDATE versions SET acls[?] = ? WHERE bucket_id = ? AND key = ?`,
		gocql.TimeUUID(), store.PrivateACL("x").Encode(), b.id, []byte("k")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.HeadObject(ctx, "b", "k"); !errors.Is(err, store.ErrNoSuchKey) {
		t.Fatalf("HEAD of a static-only partition: %v, want ErrNoSuchKey", err)
	}
	if rows, err := s.versionRows(ctx, b.id, "k", 0); err != nil || len(rows) != 0 {
		t.Fatalf("version rows of a static-only partition: %d, %v", len(rows), err)
	}
	data := randomBytes(t, 3*testBlockSize)
	obj := mustPut(t, s, "b", "k", data)
	if got, err := s.HeadObject(ctx, "b", "k"); err != nil || vid(got) != vid(obj) || got.ACL.Public() {
		t.Fatalf("after a PUT: %+v, %v", got, err)
	}
}
