package integration

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// CopyObject and UploadPartCopy make objects that share nothing with
// their sources: deleting or overwriting a source, and then garbage
// collection, leave every copy whole, and afterwards only the live
// objects' blocks remain.
func TestCopyIndependentOfSource(t *testing.T) {
	o := gcOptions() // this test runs `amphora gc` itself
	s := newServer(t, o)
	db := cqlSession(t, s)
	ctx := testContext(t, 5*time.Minute)
	c := s.minioClient(t, tenantA, minioOpts{})
	core := minio.Core{Client: c}
	bs := o.BlockSize
	const bucket = "copy-gc"
	if err := c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	seed := uint64(9000)
	gen := func(n int) []byte { seed++; return payloadBytes(t, seed, int64(n)) }
	put := func(key string, b []byte, opts minio.PutObjectOptions) {
		t.Helper()
		opts.DisableMultipart = true
		if _, err := c.PutObject(ctx, bucket, key, bytes.NewReader(b), int64(len(b)), opts); err != nil {
			t.Fatalf("PUT %s: %v", key, err)
		}
	}
	copyObj := func(dst minio.CopyDestOptions, src minio.CopySrcOptions) (minio.UploadInfo, error) {
		dst.Bucket, src.Bucket = bucket, bucket
		return c.CopyObject(ctx, dst, src)
	}
	live := map[string][]byte{}  // key -> bytes
	etags := map[string]string{} // key -> ETag
	blocks := map[string]int64{} // key -> block rows

	// Copy (metadata directive COPY), then delete the source.
	src1 := gen(1<<20 + 3)
	put("src1", src1, minio.PutObjectOptions{ContentType: "text/x-src", UserMetadata: map[string]string{"color": "blue"}})
	info, err := copyObj(minio.CopyDestOptions{Object: "copy1"}, minio.CopySrcOptions{Object: "src1"})
	if err != nil || info.ETag != md5Hex(src1) {
		t.Fatalf("CopyObject src1 -> copy1: ETag %s (%v), want %s", info.ETag, err, md5Hex(src1))
	}
	if err := c.RemoveObject(ctx, bucket, "src1", minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	checkObject(t, ctx, c, bucket, "copy1", src1, md5Hex(src1))
	if st, err := c.StatObject(ctx, bucket, "copy1", minio.StatObjectOptions{}); err != nil || st.ContentType != "text/x-src" || st.UserMetadata["Color"] != "blue" {
		t.Errorf("copy1 (COPY): type %q, metadata %v (%v); want the source's", st.ContentType, st.UserMetadata, err)
	}
	live["copy1"], etags["copy1"], blocks["copy1"] = src1, md5Hex(src1), blocksFor(int64(len(src1)), bs)

	// Copy (REPLACE), then overwrite the source; copy-source conditions.
	src2, src2new := gen(700<<10), gen(400<<10)
	put("src2", src2, minio.PutObjectOptions{ContentType: "text/x-src"})
	_, err = copyObj(minio.CopyDestOptions{Object: "copy2"}, minio.CopySrcOptions{Object: "src2", MatchETag: md5Hex(src1)})
	wantErrorCode(t, "copy with a failing x-amz-copy-source-if-match", err, http.StatusPreconditionFailed, "PreconditionFailed")
	_, err = copyObj(minio.CopyDestOptions{Object: "copy2"}, minio.CopySrcOptions{Object: "src2", NoMatchETag: md5Hex(src2)})
	wantErrorCode(t, "copy with a failing x-amz-copy-source-if-none-match", err, http.StatusPreconditionFailed, "PreconditionFailed")
	if _, err := c.StatObject(ctx, bucket, "copy2", minio.StatObjectOptions{}); minio.ToErrorResponse(err).Code != "NoSuchKey" {
		t.Errorf("a refused copy made copy2: %v", err)
	}
	info, err = copyObj(minio.CopyDestOptions{Object: "copy2", ReplaceMetadata: true, UserMetadata: map[string]string{"Content-Type": "application/x-replaced", "shape": "round"}},
		minio.CopySrcOptions{Object: "src2", MatchETag: md5Hex(src2)})
	if err != nil || info.ETag != md5Hex(src2) {
		t.Fatalf("CopyObject src2 -> copy2 (REPLACE): ETag %s (%v)", info.ETag, err)
	}
	put("src2", src2new, minio.PutObjectOptions{})
	checkObject(t, ctx, c, bucket, "copy2", src2, md5Hex(src2))
	checkObject(t, ctx, c, bucket, "src2", src2new, md5Hex(src2new))
	if st, err := c.StatObject(ctx, bucket, "copy2", minio.StatObjectOptions{}); err != nil || st.ContentType != "application/x-replaced" || st.UserMetadata["Shape"] != "round" {
		t.Errorf("copy2 (REPLACE): type %q, metadata %v (%v)", st.ContentType, st.UserMetadata, err)
	}
	live["copy2"], etags["copy2"], blocks["copy2"] = src2, md5Hex(src2), blocksFor(int64(len(src2)), bs)
	live["src2"], etags["src2"], blocks["src2"] = src2new, md5Hex(src2new), blocksFor(int64(len(src2new)), bs)

	// Copy of a multipart object, then delete the source.
	m1, m2, m3 := gen(minPart), gen(minPart), gen(1<<20+1)
	mp := multipartPut(t, ctx, c, bucket, "mp", m1, m2, m3)
	info, err = copyObj(minio.CopyDestOptions{Object: "mpcopy"}, minio.CopySrcOptions{Object: "mp"})
	if err != nil {
		t.Fatalf("CopyObject mp -> mpcopy: %v", err)
	}
	if info.ETag != md5Hex(mp) {
		t.Errorf("copy of a multipart object: ETag %s, want the copy's MD5 %s", info.ETag, md5Hex(mp))
	}
	if err := c.RemoveObject(ctx, bucket, "mp", minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	checkObject(t, ctx, c, bucket, "mpcopy", mp, info.ETag)
	live["mpcopy"], etags["mpcopy"], blocks["mpcopy"] = mp, info.ETag, blocksFor(int64(len(mp)), bs)

	// UploadPartCopy: an object assembled from ranges of mpcopy (one
	// across its source's part boundary) and the whole of copy2.
	id, err := core.NewMultipartUpload(ctx, bucket, "assembled", minio.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	type rng struct {
		src       string
		off, n    int64 // n < 0: the whole object, no range header
		wantBytes []byte
	}
	ranges := []rng{
		{"mpcopy", 1<<20 + 5, minPart + 100, nil},
		{"mpcopy", minPart - 100, minPart + 50, nil},
		{"copy2", 0, -1, src2},
	}
	var cparts []minio.CompletePart
	var pieces [][]byte
	for i, r := range ranges {
		want := r.wantBytes
		if r.n >= 0 {
			want = live[r.src][r.off : r.off+r.n]
		}
		cp, err := core.CopyObjectPart(ctx, bucket, r.src, bucket, "assembled", id, i+1, r.off, r.n, nil)
		if err != nil {
			t.Fatalf("UploadPartCopy %d from %s [%d, +%d): %v", i+1, r.src, r.off, r.n, err)
		}
		if trimETag(cp.ETag) != md5Hex(want) {
			t.Errorf("UploadPartCopy %d: ETag %s, want %s", i+1, cp.ETag, md5Hex(want))
		}
		cparts = append(cparts, cp)
		pieces = append(pieces, want)
		blocks["assembled"] += blocksFor(int64(len(want)), bs)
	}
	_, err = core.CopyObjectPart(ctx, bucket, "copy2", bucket, "assembled", id, 4, int64(len(src2)), 10, nil)
	wantErrorCode(t, "UploadPartCopy of a range past the source's end", err, http.StatusBadRequest, "InvalidArgument")
	ci, err := core.CompleteMultipartUpload(ctx, bucket, "assembled", id, cparts, minio.PutObjectOptions{})
	if err != nil {
		t.Fatalf("complete assembled: %v", err)
	}
	if trimETag(ci.ETag) != mpETagOf(pieces...) {
		t.Errorf("assembled: ETag %s, want %s", ci.ETag, mpETagOf(pieces...))
	}
	live["assembled"], etags["assembled"] = bytes.Join(pieces, nil), mpETagOf(pieces...)
	checkObject(t, ctx, c, bucket, "assembled", live["assembled"], etags["assembled"])
	// Overwrite the range sources: the assembled object keeps its bytes.
	put("copy2", src2new, minio.PutObjectOptions{})
	live["copy2"], etags["copy2"], blocks["copy2"] = src2new, md5Hex(src2new), blocksFor(int64(len(src2new)), bs)
	checkObject(t, ctx, c, bucket, "assembled", live["assembled"], etags["assembled"])

	// Collect, then everything must still read back whole, and only the
	// live objects' blocks remain.
	var want int64
	for _, n := range blocks {
		want += n
	}
	before := countBlocks(t, db)
	time.Sleep(o.GCGrace + 500*time.Millisecond)
	n := before
	for i := range 4 {
		out := s.GC(t)
		n = countBlocks(t, db)
		t.Logf("gc run %d: %d block rows (was %d, live objects need %d): %s", i+1, n, before, want, out)
		if n <= want {
			break
		}
		time.Sleep(o.GCGrace + 500*time.Millisecond)
	}
	if n != want {
		t.Errorf("after gc: %d block rows, live objects need exactly %d", n, want)
	}
	for key, b := range live {
		checkObject(t, ctx, c, bucket, key, b, etags[key])
	}
	s.GC(t)
	if n := countBlocks(t, db); n != want {
		t.Errorf("a second gc left %d block rows, want %d", n, want)
	}
}
