package integration

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/minio/minio-go/v7"
)

// sweepOptions: a server whose own sweeper reclaims garbage a few
// seconds after it is made, for tests that count blocks.
func sweepOptions() serverOptions {
	o := defaultOptions()
	o.GCGrace = 3 * time.Second
	o.SweepInterval = 500 * time.Millisecond
	return o
}

// waitBlocks polls the block count until it is want, and fails the test
// if it is not within timeout. It returns the last count.
func waitBlocks(t *testing.T, db *gocql.Session, want int64, timeout time.Duration, what string) int64 {
	t.Helper()
	start := time.Now()
	var seen []string
	for {
		n := countBlocks(t, db)
		if len(seen) == 0 || !strings.HasSuffix(seen[len(seen)-1], fmt.Sprintf(":%d", n)) {
			seen = append(seen, fmt.Sprintf("%s:%d", time.Since(start).Round(100*time.Millisecond), n))
		}
		if n == want {
			t.Logf("%s: %d block rows after %s", what, n, time.Since(start).Round(100*time.Millisecond))
			return n
		}
		if time.Since(start) > timeout {
			t.Errorf("%s: %d block rows after %s, want %d (counts seen: %v)", what, n, timeout, want, seen)
			return n
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// stillBlocks checks, once the sweeper has had time to act on anything
// left, that the block count has not moved from want.
func stillBlocks(t *testing.T, s *server, db *gocql.Session, want int64, what string) {
	t.Helper()
	time.Sleep(2*s.Options.GCGrace + 2*s.Options.SweepInterval)
	if n := countBlocks(t, db); n != want {
		t.Errorf("%s: %d block rows two grace periods later, want %d still", what, n, want)
	}
}

// An aborted upload disappears from the listings at once and its parts'
// blocks are reclaimed after the grace period. A completion that lists
// only some of the uploaded parts leaves the unlisted parts' blocks to
// the sweeper and keeps the listed ones; overwriting the object then
// reclaims every part's blocks.
func TestMultipartAbortAndUnlistedPartsReclaimed(t *testing.T) {
	o := sweepOptions()
	s := newServer(t, o)
	db := cqlSession(t, s)
	ctx := testContext(t, 5*time.Minute)
	c := s.minioClient(t, tenantA, minioOpts{})
	core := minio.Core{Client: c}
	bs := o.BlockSize
	wait := 8*o.GCGrace + 30*time.Second
	const bucket = "abort-gc"
	if err := c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	seed := uint64(5000)
	gen := func(n int) []byte { seed++; return payloadBytes(t, seed, int64(n)) }
	keep := gen(300 << 10)
	if _, err := c.PutObject(ctx, bucket, "keep", bytes.NewReader(keep), int64(len(keep)), minio.PutObjectOptions{DisableMultipart: true}); err != nil {
		t.Fatal(err)
	}
	base := waitBlocks(t, db, blocksFor(int64(len(keep)), bs), wait, "before any upload")

	// Abort.
	const key = "aborted/key"
	id, err := core.NewMultipartUpload(ctx, bucket, key, minio.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	parts := [][]byte{gen(minPart), gen(minPart), gen(1<<20 + 5)}
	var partBlocks int64
	var done []minio.CompletePart
	for i, p := range parts {
		done = append(done, putPart(t, ctx, core, bucket, key, id, i+1, p))
		partBlocks += blocksFor(int64(len(p)), bs)
	}
	if n := countBlocks(t, db); n != base+partBlocks {
		t.Errorf("after 3 parts: %d block rows, want %d + %d", n, base, partBlocks)
	}
	lu, err := core.ListMultipartUploads(ctx, bucket, "", "", "", "", 1000)
	if err != nil || len(lu.Uploads) != 1 || lu.Uploads[0].UploadID != id || lu.Uploads[0].Key != key {
		t.Errorf("ListMultipartUploads before abort: %+v (%v), want only %s", lu.Uploads, err, id)
	}
	if err := core.AbortMultipartUpload(ctx, bucket, key, id); err != nil {
		t.Fatalf("AbortMultipartUpload: %v", err)
	}
	lu, err = core.ListMultipartUploads(ctx, bucket, "", "", "", "", 1000)
	if err != nil || len(lu.Uploads) != 0 {
		t.Errorf("ListMultipartUploads after abort: %+v (%v), want none", lu.Uploads, err)
	}
	_, err = core.ListObjectParts(ctx, bucket, key, id, 0, 1000)
	wantErrorCode(t, "ListParts after abort", err, http.StatusNotFound, "NoSuchUpload")
	r := s.do(t, s.signedRequest(t, tenantA, http.MethodGet, "/"+bucket+"/"+key+"?uploadId="+id, "", nil))
	if r.Status != http.StatusNotFound || r.Code() != "NoSuchUpload" {
		t.Errorf("raw GET ?uploadId after abort: %d %s\n%s", r.Status, r.Code(), r.Body)
	}
	_, err = core.PutObjectPart(ctx, bucket, key, id, 4, bytes.NewReader([]byte("late")), 4, minio.PutObjectPartOptions{})
	wantErrorCode(t, "UploadPart after abort", err, http.StatusNotFound, "NoSuchUpload")
	_, err = core.CompleteMultipartUpload(ctx, bucket, key, id, done, minio.PutObjectOptions{})
	wantErrorCode(t, "CompleteMultipartUpload after abort", err, http.StatusNotFound, "NoSuchUpload")
	if _, err := c.StatObject(ctx, bucket, key, minio.StatObjectOptions{}); minio.ToErrorResponse(err).Code != "NoSuchKey" {
		t.Errorf("HEAD of the aborted upload's key: %v, want NoSuchKey", err)
	}
	waitBlocks(t, db, base, wait, "after abort")

	// Complete with parts 1 and 3 of 3.
	const subset = "subset/key"
	id, err = core.NewMultipartUpload(ctx, bucket, subset, minio.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p1, p2, p3 := gen(minPart), gen(minPart+1000), gen(600<<10)
	c1 := putPart(t, ctx, core, bucket, subset, id, 1, p1)
	putPart(t, ctx, core, bucket, subset, id, 2, p2)
	c3 := putPart(t, ctx, core, bucket, subset, id, 3, p3)
	b1, b2, b3 := blocksFor(int64(len(p1)), bs), blocksFor(int64(len(p2)), bs), blocksFor(int64(len(p3)), bs)
	if n := countBlocks(t, db); n != base+b1+b2+b3 {
		t.Errorf("after 3 parts: %d block rows, want %d", n, base+b1+b2+b3)
	}
	info, err := core.CompleteMultipartUpload(ctx, bucket, subset, id, []minio.CompletePart{c1, c3}, minio.PutObjectOptions{})
	if err != nil {
		t.Fatalf("complete with parts 1 and 3: %v", err)
	}
	want := append(append([]byte{}, p1...), p3...)
	if trimETag(info.ETag) != mpETagOf(p1, p3) {
		t.Errorf("completion ETag %s, want %s", info.ETag, mpETagOf(p1, p3))
	}
	waitBlocks(t, db, base+b1+b3, wait, "after completing with parts 1 and 3")
	stillBlocks(t, s, db, base+b1+b3, "completed object")
	checkObject(t, ctx, c, bucket, subset, want, mpETagOf(p1, p3))
	body, _, _, err := core.GetObject(ctx, bucket, subset, minio.GetObjectOptions{PartNumber: 2})
	if err != nil {
		t.Errorf("GET ?partNumber=2 (the object's second part is upload part 3): %v", err)
	} else if d := digestOf(t, body); d != digestOfBytes(p3) {
		t.Errorf("GET ?partNumber=2 = %+v, want upload part 3's bytes %+v", d, digestOfBytes(p3))
	}
	if body != nil {
		body.Close()
	}

	// Overwrite it: every part's blocks go.
	repl := gen(100 << 10)
	if _, err := c.PutObject(ctx, bucket, subset, bytes.NewReader(repl), int64(len(repl)), minio.PutObjectOptions{DisableMultipart: true}); err != nil {
		t.Fatal(err)
	}
	waitBlocks(t, db, base+blocksFor(int64(len(repl)), bs), wait, "after overwriting the multipart object")
	checkObject(t, ctx, c, bucket, subset, repl, md5Hex(repl))
	checkObject(t, ctx, c, bucket, "keep", keep, md5Hex(keep))
}
