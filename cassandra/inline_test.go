package cassandra

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// batchCounter is a gocql.BatchObserver counting batches.
type batchCounter struct {
	mu sync.Mutex
	n  int
}

func (c *batchCounter) ObserveBatch(context.Context, gocql.ObservedBatch) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
}

func (c *batchCounter) take() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.n
	c.n = 0
	return n
}

// TestInlineOneRoundTrip: a small PUT is one batch and nothing else, a
// small GET (lookup and read) one query; larger objects use blocks.
func TestInlineOneRoundTrip(t *testing.T) {
	ctx := context.Background()
	queries, batches := &queryCounter{}, &batchCounter{}
	s := newStore(t, func(c *Config) { c.observer = queries; c.batchObserver = batches })
	mustCreateBucket(t, s, "inl")
	mustPut(t, s, "inl", "warm", []byte("x")) // fills the bucket cache

	for _, size := range []int{0, 1, 1000, DefaultInlineSize} {
		data := randomBytes(t, size)
		queries.reset()
		batches.take()
		obj := mustPut(t, s, "inl", "small", data)
		if q, b := queries.total.Load(), batches.take(); q != 0 || b != 1 {
			t.Fatalf("PUT of %d bytes: %d queries %v and %d batches, want 0 and 1", size, q, queries.stmts, b)
		}
		if r := obj.Ref.(ref); r.blockSize != 0 {
			t.Fatalf("PUT of %d bytes: block size %d, want inline", size, r.blockSize)
		}
		queries.reset()
		head, err := s.HeadObject(ctx, "inl", "small")
		if err != nil {
			t.Fatal(err)
		}
		got := mustRead(t, s, head, 0, -1)
		if q, b := queries.total.Load(), batches.take(); q != 1 || b != 0 {
			t.Fatalf("GET of %d bytes: %d queries %v and %d batches, want 1 and 0", size, q, queries.stmts, b)
		}
		if !bytes.Equal(got, data) || head.ETag != obj.ETag || head.Size != int64(size) {
			t.Fatalf("GET of %d bytes: got %d bytes, etag %s (put %s)", size, len(got), head.ETag, obj.ETag)
		}
		if size > 10 {
			if got := mustRead(t, s, head, 3, 5); !bytes.Equal(got, data[3:8]) {
				t.Fatalf("range read: %q", got)
			}
		}
	}

	big := randomBytes(t, DefaultInlineSize+1)
	obj := mustPut(t, s, "inl", "big", big)
	if r := obj.Ref.(ref); r.blockSize != testBlockSize || countBlocks(t, s, r.inode, 1) != 1 {
		t.Fatalf("PUT of InlineSize+1 bytes: block size %d, want blocks", r.blockSize)
	}
	list, err := s.ListObjects(ctx, store.ListInput{Bucket: "inl", MaxKeys: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Objects) != 3 || list.Objects[2].Key != "warm" || list.Objects[1].Size != DefaultInlineSize {
		t.Fatalf("listing: %+v", list.Objects)
	}
}

// TestInlineOverwrites: inline and block versions replace each other in
// any order; older rows an inline PUT leaves are removed by the sweeper,
// which reclaims the blocks of a replaced block version, and an old
// reader keeps reading its version until then.
func TestInlineOverwrites(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	mustCreateBucket(t, s, "ow")
	big := randomBytes(t, 3*testBlockSize)
	old := mustPut(t, s, "ow", "k", big)
	sweepAfterGrace(t, s) // the intent is swept as live: only the versions row knows the blocks now
	var last []byte
	for i := range 5 {
		last = randomBytes(t, 100+i)
		mustPut(t, s, "ow", "k", last)
	}
	if n := len(versionRowsOf(t, s, "ow", "k")); n != 6 {
		t.Fatalf("%d version rows before the sweep, want 6 (inline PUTs do not read)", n)
	}
	head, err := s.HeadObject(ctx, "ow", "k")
	if err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, s, head, 0, -1); !bytes.Equal(got, last) {
		t.Fatal("current version is not the last inline PUT")
	}
	if got := mustRead(t, s, old, 0, -1); !bytes.Equal(got, big) {
		t.Fatal("a reader of the replaced version lost its bytes before the grace period")
	}
	sweepAfterGrace(t, s) // removes the older rows, queues the block version as garbage
	if n := len(versionRowsOf(t, s, "ow", "k")); n != 1 {
		t.Fatalf("%d version rows after the sweep, want 1", n)
	}
	sweepAfterGrace(t, s)
	if n := countBlocks(t, s, inodeOf(t, old), 3); n != 0 {
		t.Fatalf("%d blocks of the replaced version left", n)
	}

	// Block version over inline ones: the commit removes the inline rows.
	mustPut(t, s, "ow", "k", []byte("tiny"))
	obj := mustPut(t, s, "ow", "k", big)
	if rows := versionRowsOf(t, s, "ow", "k"); len(rows) != 1 || rows[0].version != obj.Ref.(ref).version {
		t.Fatalf("rows after a block PUT over inline ones: %d", len(rows))
	}
	if _, err := s.DeleteObject(ctx, "ow", "k"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.HeadObject(ctx, "ow", "k"); !errors.Is(err, store.ErrNoSuchKey) {
		t.Fatalf("HEAD after delete: %v", err)
	}
	sweepAfterGrace(t, s)
	sweepAfterGrace(t, s)
	if n := countBlocks(t, s, inodeOf(t, obj), 3); n != 0 {
		t.Fatalf("%d blocks of the deleted version left", n)
	}
	list, err := s.ListObjects(ctx, store.ListInput{Bucket: "ow", MaxKeys: 10})
	if err != nil || len(list.Objects) != 0 {
		t.Fatalf("listing after delete: %+v %v", list.Objects, err)
	}
}

// TestInlineCorruptionDetected: inline bytes are checked on every read,
// against their CRC-32C, or their MD5 for a version written before the
// CRC column (schema 0016).
func TestInlineCorruptionDetected(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	mustCreateBucket(t, s, "cor")
	b, err := s.bucket(ctx, "cor")
	if err != nil {
		t.Fatal(err)
	}
	for _, legacy := range []bool{false, true} {
		key := fmt.Sprintf("k-%t", legacy)
		obj := mustPut(t, s, "cor", key, []byte("hello inline world"))
		v := obj.Ref.(ref).version
		if obj.Ref.(ref).dataCRC == nil {
			t.Fatal("inline PUT wrote no CRC")
		}
		if legacy {
			if err := s.exec(ctx, `UPDATE versions SET data_crc = null WHERE bucket_id = ? AND key = ? AND version = ?`,
				b.id, []byte(key), v); err != nil {
				t.Fatal(err)
			}
		}
		read := func() error {
			head, err := s.HeadObject(ctx, "cor", key)
			if err != nil {
				t.Fatal(err)
			}
			if got := head.Ref.(ref).dataCRC == nil; got != legacy {
				t.Fatalf("legacy %t: row without a CRC: %t", legacy, got)
			}
			rc, err := s.ReadObject(ctx, head, 0, -1)
			if err == nil {
				rc.Close()
			}
			return err
		}
		if err := read(); err != nil {
			t.Fatalf("legacy %t: read of sound bytes: %v", legacy, err)
		}
		if err := s.exec(ctx, `UPDATE versions SET data = ? WHERE bucket_id = ? AND key = ? AND version = ?`,
			[]byte("hello inline wxrld"), b.id, []byte(key), v); err != nil {
			t.Fatal(err)
		}
		if err := read(); !errors.Is(err, store.ErrCorrupt) {
			t.Fatalf("legacy %t: read of altered inline bytes: %v, want ErrCorrupt", legacy, err)
		}
	}
}

// TestInlineFailedPutStoresNothing: a short body or a bad digest leaves
// the previous version.
func TestInlineFailedPutStoresNothing(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	mustCreateBucket(t, s, "fail")
	mustPut(t, s, "fail", "k", []byte("before"))
	_, err := s.PutObject(ctx, store.PutInput{Bucket: "fail", Key: "k", Size: 10, Body: bytes.NewReader([]byte("short"))})
	if !errors.Is(err, store.ErrIncompleteBody) {
		t.Fatalf("short body: %v", err)
	}
	_, err = s.PutObject(ctx, store.PutInput{Bucket: "fail", Key: "k", Size: 5, Body: bytes.NewReader([]byte("after")),
		ContentMD5: make([]byte, 16)})
	if !errors.Is(err, store.ErrBadDigest) {
		t.Fatalf("bad md5: %v", err)
	}
	head, err := s.HeadObject(ctx, "fail", "k")
	if err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, s, head, 0, -1); string(got) != "before" {
		t.Fatalf("after failed PUTs: %q", got)
	}
	if n := len(versionRowsOf(t, s, "fail", "k")); n != 1 {
		t.Fatalf("%d version rows after failed PUTs", n)
	}
}

// TestGlobalBlocksInFlight: however many requests run, no more than
// MaxBlocksInFlight block writes or reads are in flight in the process.
func TestGlobalBlocksInFlight(t *testing.T) {
	ctx := context.Background()
	obs := &overlapObserver{match: []string{"INSERT INTO blocks", "FROM blocks"}}
	s := newStore(t, func(c *Config) { c.observer = obs; c.BlocksInFlight = 3; c.MaxBlocksInFlight = 4 })
	mustCreateBucket(t, s, "g")
	put := func(k string, data []byte) (store.Object, error) {
		return s.PutObject(ctx, store.PutInput{Bucket: "g", Key: k, Size: int64(len(data)), Body: bytes.NewReader(data)})
	}
	data := randomBytes(t, 12*testBlockSize)
	var wg sync.WaitGroup
	objs := make([]store.Object, 6)
	for i := range objs {
		wg.Go(func() {
			var err error
			if objs[i], err = put(key(i), data); err != nil {
				t.Errorf("put %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for i := range objs {
		wg.Go(func() {
			rc, err := s.ReadObject(ctx, objs[i], 0, -1)
			if err != nil {
				t.Errorf("read %d: %v", i, err)
				return
			}
			defer rc.Close()
			var got bytes.Buffer
			if _, err := got.ReadFrom(rc); err != nil || !bytes.Equal(got.Bytes(), data) {
				t.Errorf("object %d read back wrong: %v", i, err)
			}
		})
	}
	wg.Wait()
	if m := obs.max(); m > 4 || m < 3 {
		t.Fatalf("at most %d block statements at once, want 3..4 (MaxBlocksInFlight 4)", m)
	}
	if n := len(s.slots); n != 0 {
		t.Fatalf("%d process slots still held", n)
	}
}

// overlapObserver records the intervals of statements on one table and
// reports the most that overlapped.
type overlapObserver struct {
	match []string
	mu    sync.Mutex
	spans [][2]time.Time
}

func (o *overlapObserver) ObserveQuery(_ context.Context, q gocql.ObservedQuery) {
	if !slices.ContainsFunc(o.match, func(m string) bool { return strings.HasPrefix(q.Statement, m) || strings.Contains(q.Statement, " "+m) }) {
		return
	}
	o.mu.Lock()
	o.spans = append(o.spans, [2]time.Time{q.Start, q.End})
	o.mu.Unlock()
}

func (o *overlapObserver) max() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	best := 0
	for _, a := range o.spans {
		n := 0
		for _, b := range o.spans {
			if !b[0].After(a[0]) && b[1].After(a[0]) {
				n++
			}
		}
		best = max(best, n)
	}
	return best
}

// TestBucketCache: a bucket deleted through another Store is seen there
// for at most BucketCacheTTL; one created anywhere is seen at once.
func TestBucketCache(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	cfg.BucketCacheTTL = 300 * time.Millisecond
	a := openStore(t, cfg, true)
	b := openStore(t, cfg, false)
	mustCreateBucket(t, a, "bc")
	if _, err := b.GetBucket(ctx, "bc"); err != nil {
		t.Fatalf("bucket created elsewhere: %v", err)
	}
	if err := a.DeleteBucket(ctx, "bc"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.GetBucket(ctx, "bc"); !errors.Is(err, store.ErrNoSuchBucket) {
		t.Fatalf("deleting store still sees the bucket: %v", err)
	}
	deadline := time.Now().Add(cfg.BucketCacheTTL + 200*time.Millisecond)
	for {
		_, err := b.GetBucket(ctx, "bc")
		if errors.Is(err, store.ErrNoSuchBucket) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("other store still sees the deleted bucket after the TTL: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Re-created: the new incarnation, never the old one.
	mustCreateBucket(t, a, "bc")
	obj := mustPut(t, b, "bc", "k", []byte("v"))
	if got := mustRead(t, a, obj, 0, -1); string(got) != "v" {
		t.Fatalf("read through the other store: %q", got)
	}
}

func versionRowsOf(t testing.TB, s *Store, bucket, key string) []versionRow {
	t.Helper()
	b := mustBucket(t, s, bucket)
	rows, err := s.versionRows(context.Background(), b.id, key, 0)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
