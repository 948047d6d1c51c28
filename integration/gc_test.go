package integration

import (
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// After overwrites and deletes, and once the grace period has passed, a
// gc run leaves exactly the blocks of live objects, and they still read.
func TestGCKeepsExactlyLiveBlocks(t *testing.T) {
	o := gcOptions() // this test runs `amphora gc` itself
	s := newServer(t, o)
	db := cqlSession(t, s)
	ctx := testContext(t, 3*time.Minute)
	c := s.minioClient(t, tenantA, minioOpts{})
	block := o.BlockSize
	const bucket, gone = "gc-live", "gc-removed-bucket"
	for _, b := range []string{bucket, gone} {
		if err := c.MakeBucket(ctx, b, minio.MakeBucketOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	seed := uint64(600)
	put := func(b, key string, size int64) {
		t.Helper()
		seed++
		if _, err := c.PutObject(ctx, b, key, payload(seed, size), size, minio.PutObjectOptions{DisableMultipart: true}); err != nil {
			t.Fatalf("put %s/%s: %v", b, key, err)
		}
	}
	del := func(b, key string) {
		t.Helper()
		if err := c.RemoveObject(ctx, b, key, minio.RemoveObjectOptions{}); err != nil {
			t.Fatalf("delete %s/%s: %v", b, key, err)
		}
	}

	// Garbage of every kind: overwritten versions, deleted objects, a
	// batch delete, a removed bucket.
	put(bucket, "overwritten", 600<<10)
	put(bucket, "overwritten", 1<<20+1)
	put(bucket, "overwritten", 300<<10)
	put(bucket, "deleted", 700<<10)
	del(bucket, "deleted")
	put(bucket, "batch-1", block+4)
	put(bucket, "batch-2", 2*block)
	objs := make(chan minio.ObjectInfo, 2)
	objs <- minio.ObjectInfo{Key: "batch-1"}
	objs <- minio.ObjectInfo{Key: "batch-2"}
	close(objs)
	for e := range c.RemoveObjects(ctx, bucket, objs, minio.RemoveObjectsOptions{}) {
		t.Fatalf("RemoveObjects %s: %v", e.ObjectName, e.Err)
	}
	put(gone, "x", 500<<10)
	del(gone, "x")
	if err := c.RemoveBucket(ctx, gone); err != nil {
		t.Fatal(err)
	}
	// Live objects and their contents.
	type content struct {
		seed uint64
		size int64
	}
	live := map[string]content{"overwritten": {603, 300 << 10}}
	for _, k := range []struct {
		key  string
		size int64
	}{{"kept-aligned", 3 * block}, {"kept-tail", block + 1}, {"kept-big", 9*block - 5}, {"kept-empty", 0}} {
		put(bucket, k.key, k.size)
		live[k.key] = content{seed, k.size}
	}
	var want int64
	for _, v := range live {
		want += blocksFor(v.size, block)
	}
	before := countBlocks(t, db)
	if before <= want {
		t.Fatalf("%d block rows before gc, %d live: no garbage to collect?", before, want)
	}

	time.Sleep(o.GCGrace + 500*time.Millisecond)
	n := before
	for i := range 3 {
		out := s.GC(t)
		n = countBlocks(t, db)
		t.Logf("gc run %d: %d block rows (was %d, live objects need %d): %s", i+1, n, before, want, out)
		if n <= want {
			break
		}
		time.Sleep(o.GCGrace)
	}
	if n != want {
		t.Errorf("after gc, %s has %d rows; live objects need exactly %d", blocksTable, n, want)
	}

	// Every live object still reads back byte-exact, and a second gc
	// changes nothing.
	sizes := map[string]int64{}
	for key, v := range live {
		sizes[key] = v.size
		obj, err := c.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got, wantD := digestOf(t, obj), payloadDigest(t, v.seed, v.size); got != wantD {
			t.Errorf("%s after gc = %+v, want %+v", key, got, wantD)
		}
		obj.Close()
	}
	if l := list(t, c, bucket, minio.ListObjectsOptions{Recursive: true}, sizes); len(l.Keys) != len(live) {
		t.Errorf("listing after gc: %v, want %d objects", l, len(live))
	}
	s.GC(t)
	if n := countBlocks(t, db); n != want {
		t.Errorf("a second gc left %d rows, want %d", n, want)
	}
}
