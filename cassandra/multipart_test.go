package cassandra

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

func mustUploadPart(t testing.TB, s *Store, u store.Upload, n int, data []byte) store.Part {
	t.Helper()
	p, err := s.UploadPart(context.Background(), store.PartInput{Bucket: u.Bucket, Key: u.Key, UploadID: u.UploadID,
		PartNumber: n, Size: int64(len(data)), Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatalf("UploadPart %d: %v", n, err)
	}
	return p
}

// partInodes returns the inode of every parts row of u, every version.
func partInodes(t testing.TB, s *Store, u store.Upload) map[int][]gocql.UUID {
	t.Helper()
	id, _ := gocql.ParseUUID(u.UploadID)
	rows, err := s.partRows(context.Background(), id, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int][]gocql.UUID{}
	for _, r := range rows {
		out[r.number] = append(out[r.number], r.inode)
	}
	return out
}

func completeAll(t testing.TB, s *Store, u store.Upload, parts ...store.Part) store.Object {
	t.Helper()
	list := make([]store.CompletedPart, len(parts))
	for i, p := range parts {
		list[i] = store.CompletedPart{PartNumber: p.PartNumber, ETag: p.ETag}
	}
	obj, err := s.CompleteMultipartUpload(context.Background(), store.CompleteInput{Bucket: u.Bucket, Key: u.Key, UploadID: u.UploadID, Parts: list})
	if err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}
	return obj
}

// A completed object's parts keep their blocks while it is current;
// replaced and unlisted parts are reclaimed; once the object is replaced,
// every part's blocks and the manifest go. An aborted upload's parts go.
func TestMultipartGC(t *testing.T) {
	t.Parallel()
	s := newStore(t, func(c *Config) { c.minPartSize = 1 })
	ctx := context.Background()
	mustCreateBucket(t, s, "mp")
	size := 2*testBlockSize + 5
	u, err := s.CreateMultipartUpload(ctx, store.CreateUploadInput{Bucket: "mp", Key: "k", Owner: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	d1, d2old, d2, d3 := randomBytes(t, size), randomBytes(t, size), randomBytes(t, size), randomBytes(t, size)
	p1 := mustUploadPart(t, s, u, 1, d1)
	mustUploadPart(t, s, u, 2, d2old)
	old2 := partInodes(t, s, u)[2][0]
	p2 := mustUploadPart(t, s, u, 2, d2)
	mustUploadPart(t, s, u, 3, d3)
	inodes := partInodes(t, s, u)
	if len(inodes[2]) != 1 || inodes[2][0] == old2 {
		t.Fatalf("re-uploaded part 2 left rows %v", inodes[2])
	}
	obj := completeAll(t, s, u, p1, p2)
	whole := append(bytes.Clone(d1), d2...)
	if got := mustRead(t, s, obj, 0, -1); !bytes.Equal(got, whole) {
		t.Fatal("completed object reads wrong bytes")
	}
	sweepAfterGrace(t, s)
	sweepAfterGrace(t, s)
	for name, c := range map[string]struct {
		inode gocql.UUID
		want  int
	}{
		"part 1": {inodes[1][0], 3}, "part 2": {inodes[2][0], 3}, "replaced part 2": {old2, 0}, "unlisted part 3": {inodes[3][0], 0},
	} {
		if n := countBlocks(t, s, c.inode, 3); n != c.want {
			t.Errorf("%s: %d blocks, want %d", name, n, c.want)
		}
	}
	h, err := s.HeadObject(ctx, "mp", "k")
	if err != nil || h.Parts != 2 {
		t.Fatalf("HeadObject after sweeps: %+v, %v", h, err)
	}
	if got := mustRead(t, s, h, 0, -1); !bytes.Equal(got, whole) {
		t.Fatal("completed object damaged by the sweeps")
	}

	// Overwritten: the parts and the manifest go, the new object stays.
	v2 := mustPut(t, s, "mp", "k", randomBytes(t, testBlockSize+1))
	sweepAfterGrace(t, s)
	sweepAfterGrace(t, s)
	for _, in := range []gocql.UUID{inodes[1][0], inodes[2][0]} {
		if n := countBlocks(t, s, in, 3); n != 0 {
			t.Errorf("replaced multipart object: part inode %s keeps %d blocks", in, n)
		}
	}
	if rows, err := s.manifestParts(ctx, inodeOf(t, obj)); err != nil || len(rows) != 0 {
		t.Errorf("manifest of the replaced object: %d rows, %v", len(rows), err)
	}
	id, _ := gocql.ParseUUID(u.UploadID)
	if _, found, err := s.readRecord(ctx, id, true); err != nil || found {
		t.Errorf("upload row of the replaced object: found %v, %v", found, err)
	}
	if n := countBlocks(t, s, inodeOf(t, v2), 2); n != 2 {
		t.Errorf("new object has %d of 2 blocks", n)
	}

	// Aborted: every part goes.
	u2, err := s.CreateMultipartUpload(ctx, store.CreateUploadInput{Bucket: "mp", Key: "a", Owner: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	mustUploadPart(t, s, u2, 1, d1)
	mustUploadPart(t, s, u2, 2, d2)
	mustUploadPart(t, s, u2, 2, d3)
	ab := partInodes(t, s, u2)
	if err := s.AbortMultipartUpload(ctx, "mp", "a", u2.UploadID); err != nil {
		t.Fatal(err)
	}
	sweepAfterGrace(t, s)
	sweepAfterGrace(t, s)
	for n, ins := range ab {
		for _, in := range ins {
			if got := countBlocks(t, s, in, 3); got != 0 {
				t.Errorf("aborted upload part %d: %d blocks remain", n, got)
			}
		}
	}
	if _, err := s.DeleteObject(ctx, "mp", "k"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteBucket(ctx, "mp"); err != nil {
		t.Errorf("DeleteBucket: %v", err)
	}
}

// Uploads left open longer than MultipartMaxAge are aborted by the
// sweeper and their parts reclaimed.
func TestMultipartExpiry(t *testing.T) {
	t.Parallel()
	s := newStore(t, func(c *Config) { c.MultipartMaxAge = time.Second })
	ctx := context.Background()
	mustCreateBucket(t, s, "exp")
	u, err := s.CreateMultipartUpload(ctx, store.CreateUploadInput{Bucket: "exp", Key: "k", Owner: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	mustUploadPart(t, s, u, 1, randomBytes(t, testBlockSize+1))
	inode := partInodes(t, s, u)[1][0]
	if err := s.DeleteBucket(ctx, "exp"); !errors.Is(err, store.ErrBucketNotEmpty) {
		t.Fatalf("DeleteBucket with an open upload: %v", err)
	}
	sweepAfterGrace(t, s) // the upload is a second old: aborted
	if _, err := s.ListParts(ctx, store.ListPartsInput{Bucket: "exp", Key: "k", UploadID: u.UploadID, MaxParts: 10}); !errors.Is(err, store.ErrNoSuchUpload) {
		t.Fatalf("ListParts of an expired upload: %v", err)
	}
	if res, err := s.ListMultipartUploads(ctx, store.ListUploadsInput{Bucket: "exp", MaxUploads: 10}); err != nil || len(res.Uploads) != 0 {
		t.Fatalf("expired upload still listed: %+v, %v", res, err)
	}
	sweepAfterGrace(t, s)
	if n := countBlocks(t, s, inode, 2); n != 0 {
		t.Errorf("expired upload's part keeps %d blocks", n)
	}
	if err := s.DeleteBucket(ctx, "exp"); err != nil {
		t.Errorf("DeleteBucket after expiry: %v", err)
	}
}

// Completion cost grows with the part count, not the bytes: 10 and 1000
// parts of 1 KiB (the minimum part size lowered for the test). A range
// read deep inside the 1000-part object finds its part by binary search.
func TestMultipartCompletionTime(t *testing.T) {
	t.Parallel()
	s := newStore(t, func(c *Config) { c.minPartSize = 1; c.GCGrace = time.Minute })
	ctx := context.Background()
	mustCreateBucket(t, s, "time")
	for _, n := range []int{10, 1000} {
		key := fmt.Sprintf("parts-%d", n)
		u, err := s.CreateMultipartUpload(ctx, store.CreateUploadInput{Bucket: "time", Key: key, Owner: "alice"})
		if err != nil {
			t.Fatal(err)
		}
		parts := make([]store.Part, n)
		datas := make([][]byte, n)
		for i := range datas {
			datas[i] = randomBytes(t, 1024)
		}
		if err := parallel(ctx, n, 32, func(ctx context.Context, i int) error {
			p, err := s.UploadPart(ctx, store.PartInput{Bucket: "time", Key: key, UploadID: u.UploadID,
				PartNumber: i + 1, Size: 1024, Body: bytes.NewReader(datas[i])})
			parts[i] = p
			return err
		}); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		obj := completeAll(t, s, u, parts...)
		took := time.Since(start)
		t.Logf("completing %d parts of 1 KiB took %s", n, took)
		whole := bytes.Join(datas, nil)
		if got := mustRead(t, s, obj, 0, -1); !bytes.Equal(got, whole) {
			t.Fatalf("%d parts: wrong bytes", n)
		}
		off := int64(len(whole)) * 7 / 10
		if got := mustRead(t, s, obj, off-3, 2050); !bytes.Equal(got, whole[off-3:off-3+2050]) {
			t.Fatalf("%d parts: wrong range", n)
		}
		h := md5.New()
		for _, d := range datas {
			s := md5.Sum(d)
			h.Write(s[:])
		}
		if want := fmt.Sprintf("%x-%d", h.Sum(nil), n); obj.ETag != want {
			t.Errorf("ETag %s, want %s", obj.ETag, want)
		}
		if o, sz, err := s.ObjectPart(ctx, obj, n); err != nil || o != int64(n-1)*1024 || sz != 1024 {
			t.Errorf("ObjectPart(%d) = %d, %d, %v", n, o, sz, err)
		}
	}
}
