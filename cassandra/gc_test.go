package cassandra

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// queued returns the queue entries for key, due at any time around now.
func queued(t *testing.T, s *Store, key string) []gcEntry {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	var out []gcEntry
	for slot := slotOf(now.Add(-10 * time.Minute)); slot <= slotOf(now.Add(10*time.Minute)); slot++ {
		for shard := range queueShards {
			es, err := s.scanQueue(ctx, slot, shard, now.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range es {
				if e.key == key {
					out = append(out, e)
				}
			}
		}
	}
	return out
}

type brokenBody struct {
	r   io.Reader
	err error
}

func (b *brokenBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		return n, b.err
	}
	return n, err
}

var errBroken = errors.New("client went away")

// Failed uploads leave blocks behind only until the sweeper's pass after
// the grace period; the key never becomes visible.
func TestGCFailedUpload(t *testing.T) {
	t.Parallel()
	// The checks that nothing is reclaimed early need the three failed
	// PUTs and the first sweep to fit in one grace period: 4 s, not the
	// tests' usual 1 s, which a loaded machine under -race overran.
	s := newStore(t, func(c *Config) { c.noEagerCleanup = true; c.GCGrace = 4 * time.Second })
	ctx := context.Background()
	mustCreateBucket(t, s, "gc")
	data := randomBytes(t, 3*testBlockSize+100)
	cut := 2*testBlockSize + 10
	wrong := md5.Sum([]byte("other"))
	cases := []struct {
		name string
		in   store.PutInput
		want error
	}{
		{"broken body", store.PutInput{Body: &brokenBody{bytes.NewReader(data[:cut]), errBroken}}, errBroken},
		{"short body", store.PutInput{Body: bytes.NewReader(data[:cut])}, store.ErrIncompleteBody},
		{"bad digest", store.PutInput{Body: bytes.NewReader(data), ContentMD5: wrong[:]}, store.ErrBadDigest},
	}
	var intents []gcEntry
	for _, c := range cases {
		in := c.in
		in.Bucket, in.Key, in.Owner, in.Size = "gc", c.name, "alice", int64(len(data))
		if _, err := s.PutObject(ctx, in); !errors.Is(err, c.want) {
			t.Fatalf("%s: PutObject error %v, want %v", c.name, err, c.want)
		}
		if _, err := s.HeadObject(ctx, "gc", c.name); !errors.Is(err, store.ErrNoSuchKey) {
			t.Errorf("%s: HeadObject after failure: %v", c.name, err)
		}
		q := queued(t, s, c.name)
		if len(q) != 1 || q[0].kind != kindUpload || q[0].blocks != 4 {
			t.Fatalf("%s: queue entries %+v, want one upload intent for 4 blocks", c.name, q)
		}
		// A broken body cancels the block writes in flight, so only the
		// bad digest case surely has all of its blocks stored.
		if n := countBlocks(t, s, q[0].inode, 4); c.want == store.ErrBadDigest && n != 4 {
			t.Fatalf("%s: %d of 4 blocks stored before the failure", c.name, n)
		}
		intents = append(intents, q[0])
	}
	if res, err := s.ListObjects(ctx, store.ListInput{Bucket: "gc", MaxKeys: 10}); err != nil || len(res.Objects) != 0 {
		t.Fatalf("failed uploads listed: %+v, %v", res.Objects, err)
	}
	if _, err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countBlocks(t, s, intents[2].inode, 4); n != 4 {
		t.Fatalf("blocks swept before the grace period: %d of 4 left", n)
	}
	// New keys: the first pass after the grace period fences the versions
	// and gives them one more grace period, the next reclaims them.
	sweepAfterGrace(t, s)
	if n := countBlocks(t, s, intents[2].inode, 4); n != 4 {
		t.Fatalf("first pass reclaimed too early: %d of 4 blocks left", n)
	}
	sweepAfterGrace(t, s)
	for _, e := range intents {
		if n := countBlocks(t, s, e.inode, 4); n != 0 {
			t.Errorf("%s: %d blocks remain after the sweep", e.key, n)
		}
		if q := queued(t, s, e.key); len(q) != 0 {
			t.Errorf("%s: queue still holds %+v", e.key, q)
		}
	}
	if err := s.DeleteBucket(ctx, "gc"); err != nil {
		t.Errorf("bucket with only failed uploads: DeleteBucket: %v", err)
	}
}

// By default a failed upload's blocks go at once, without the sweeper.
func TestFailedUploadEagerCleanup(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	mustCreateBucket(t, s, "gc")
	data := randomBytes(t, 3*testBlockSize)
	_, err := s.PutObject(ctx, store.PutInput{Bucket: "gc", Key: "k", Owner: "a", Size: int64(len(data)) + 1, Body: bytes.NewReader(data)})
	if !errors.Is(err, store.ErrIncompleteBody) {
		t.Fatalf("PutObject: %v", err)
	}
	var inode gocql.UUID
	if q := queued(t, s, "k"); len(q) == 1 {
		inode = q[0].inode
	}
	s.bg.Wait()
	if q := queued(t, s, "k"); len(q) != 0 {
		t.Errorf("intent still queued after eager cleanup: %+v", q)
	}
	if inode != (gocql.UUID{}) {
		if n := countBlocks(t, s, inode, 4); n != 0 {
			t.Errorf("%d blocks remain after eager cleanup", n)
		}
	}
}

// Replaced and deleted versions keep their blocks for the grace period
// (readers may still stream them), then the sweeper reclaims them; the
// current version's blocks are never touched.
func TestGCOverwriteAndDelete(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	mustCreateBucket(t, s, "gc")
	d1 := randomBytes(t, 3*testBlockSize)
	v1 := mustPut(t, s, "gc", "k", d1)
	d2 := randomBytes(t, 2*testBlockSize+5)
	v2 := mustPut(t, s, "gc", "k", d2)
	b, _ := s.bucket(ctx, "gc")
	if rows, err := s.versionRows(ctx, b.id, "k", 0); err != nil || len(rows) != 1 {
		t.Fatalf("the overwrite left %d version rows (%v), want 1", len(rows), err)
	}

	if _, err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countBlocks(t, s, inodeOf(t, v1), 3); n != 3 {
		t.Fatalf("replaced version lost blocks before the grace period: %d of 3", n)
	}
	if got := mustRead(t, s, v1, 0, -1); !bytes.Equal(got, d1) {
		t.Fatal("replaced version unreadable within the grace period")
	}
	sweepAfterGrace(t, s)
	if n := countBlocks(t, s, inodeOf(t, v1), 3); n != 0 {
		t.Errorf("replaced version: %d blocks remain after the grace period", n)
	}
	if n := countBlocks(t, s, inodeOf(t, v2), 3); n != 3 {
		t.Fatalf("current version has %d of 3 blocks", n)
	}
	if got := mustRead(t, s, v2, 0, -1); !bytes.Equal(got, d2) {
		t.Fatal("current version damaged")
	}

	if _, err := s.DeleteObject(ctx, "gc", "k"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countBlocks(t, s, inodeOf(t, v2), 3); n != 3 {
		t.Fatalf("deleted version lost blocks before the grace period: %d of 3", n)
	}
	sweepAfterGrace(t, s)
	if n := countBlocks(t, s, inodeOf(t, v2), 3); n != 0 {
		t.Errorf("deleted version: %d blocks remain after the grace period", n)
	}
}

// Writers overwrite a few keys as fast as they can while a sweeper runs
// back to back and readers stream whatever is current: no read ever fails
// or returns wrong bytes, the final versions are intact, and every
// replaced version is reclaimed in the end.
func TestGCNeverSweepsLiveVersions(t *testing.T) {
	t.Parallel()
	s := newStore(t, func(c *Config) { c.GCGrace = 2 * time.Second })
	ctx := context.Background()
	mustCreateBucket(t, s, "live")
	const (
		keys    = 3
		writers = 6
	)
	var (
		mu       sync.Mutex
		payloads = map[string][]byte{}  // etag -> bytes
		inodes   = map[gocql.UUID]int{} // every stored inode -> blocks
	)
	put := func(k string, data []byte) {
		sum := md5.Sum(data)
		mu.Lock()
		payloads[hex.EncodeToString(sum[:])] = data // before readers can see it
		mu.Unlock()
		obj := mustPut(t, s, "live", k, data)
		mu.Lock()
		inodes[inodeOf(t, obj)] = blocksOf(len(data))
		mu.Unlock()
	}
	for k := range keys {
		put(key(k), randomBytes(t, testBlockSize+k))
	}
	stop := make(chan struct{})
	deadline := time.Now().Add(4 * time.Second)
	var writing, others sync.WaitGroup
	for w := range writers {
		writing.Go(func() {
			for i := 0; time.Now().Before(deadline); i++ {
				put(key((w+i)%keys), randomBytes(t, testBlockSize/2+(w*7919+i*104729)%(2*testBlockSize)))
			}
		})
	}
	others.Go(func() { // the sweeper
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := s.Sweep(ctx); err != nil {
				t.Errorf("Sweep: %v", err)
				return
			}
		}
	})
	for r := range 4 {
		others.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				obj, err := s.HeadObject(ctx, "live", key((r+n)%keys))
				if err != nil {
					t.Errorf("HeadObject: %v", err)
					return
				}
				rc, err := s.ReadObject(ctx, obj, 0, -1)
				if err != nil {
					t.Errorf("ReadObject: %v", err)
					return
				}
				got, err := io.ReadAll(rc)
				rc.Close()
				mu.Lock()
				want, ok := payloads[obj.ETag]
				mu.Unlock()
				if err != nil || !ok || !bytes.Equal(got, want) {
					t.Errorf("read %s (%s): %d bytes, known %v, err %v", obj.Key, obj.ETag, len(got), ok, err)
					return
				}
			}
		})
	}
	writing.Wait()
	close(stop)
	others.Wait()

	// Two more passes, a grace period apart, settle everything.
	sweepAfterGrace(t, s)
	sweepAfterGrace(t, s)
	current := map[gocql.UUID]bool{}
	for k := range keys {
		obj, err := s.HeadObject(ctx, "live", key(k))
		if err != nil {
			t.Fatal(err)
		}
		current[inodeOf(t, obj)] = true
		sum := md5.Sum(mustRead(t, s, obj, 0, -1))
		if hex.EncodeToString(sum[:]) != obj.ETag {
			t.Errorf("%s: final bytes do not match ETag %s", obj.Key, obj.ETag)
		}
	}
	t.Logf("%d versions written", len(inodes))
	for in, n := range inodes {
		got := countBlocks(t, s, in, n)
		switch {
		case current[in] && got != n:
			t.Errorf("current inode %s has %d of %d blocks", in, got, n)
		case !current[in] && got != 0:
			t.Errorf("replaced inode %s still has %d of %d blocks", in, got, n)
		}
	}
}

// A version deleted just before its upload intent comes due keeps its
// blocks for a full grace period after the delete, not just until the
// intent is swept: a GET that looked it up before the delete may still be
// streaming it.
func TestGCGraceCountsFromDelete(t *testing.T) {
	t.Parallel()
	s := newStore(t, func(c *Config) { c.GCGrace = 2 * time.Second })
	ctx := context.Background()
	mustCreateBucket(t, s, "gc")
	data := randomBytes(t, 2*testBlockSize)
	obj := mustPut(t, s, "gc", "k", data)
	rc, err := s.ReadObject(ctx, obj, 0, -1) // a GET already under way
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	time.Sleep(s.cfg.GCGrace - 500*time.Millisecond)
	if _, err := s.DeleteObject(ctx, "gc", "k"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(600 * time.Millisecond) // the upload intent is now due
	if _, err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countBlocks(t, s, inodeOf(t, obj), 2); n != 2 {
		t.Fatalf("blocks reclaimed %s after the delete: %d of 2 left", 600*time.Millisecond, n)
	}
	if got, err := io.ReadAll(rc); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("GET under way when the key was deleted: %d bytes, %v", len(got), err)
	}
	sweepAfterGrace(t, s)
	if n := countBlocks(t, s, inodeOf(t, obj), 2); n != 0 {
		t.Errorf("%d blocks remain a grace period after the delete", n)
	}
}

// An upload of unknown size that fails after more blocks than its intent
// first covered: the intent grew with it (8, 16, 32 blocks), so the
// sweeper reclaims every block written.
func TestGCFailedUploadUnknownSize(t *testing.T) {
	t.Parallel()
	s := newStore(t, func(c *Config) { c.noEagerCleanup = true; c.GCGrace = 2 * time.Second })
	ctx := context.Background()
	mustCreateBucket(t, s, "gcu")
	const written = 20
	data := randomBytes(t, written*testBlockSize)
	wrong := md5.Sum([]byte("other"))
	_, err := s.PutObject(ctx, store.PutInput{Bucket: "gcu", Key: "k", Owner: "alice", Size: store.UnknownSize,
		Body: bytes.NewReader(data), ContentMD5: wrong[:]})
	if !errors.Is(err, store.ErrBadDigest) {
		t.Fatalf("PutObject: %v", err)
	}
	q := queued(t, s, "k")
	if len(q) != 1 || q[0].kind != kindUpload || q[0].blocks < written {
		t.Fatalf("queue entries %+v, want one upload intent for at least %d blocks", q, written)
	}
	if n := countBlocks(t, s, q[0].inode, written); n != written {
		t.Fatalf("%d of %d blocks stored", n, written)
	}
	sweepAfterGrace(t, s) // fenced, and queued again as garbage
	st := sweepAfterGrace(t, s)
	if n := countBlocks(t, s, q[0].inode, q[0].blocks); n != 0 {
		t.Errorf("%d blocks left after the sweep %+v; queue now %+v", n, st, queued(t, s, "k"))
	}
}
