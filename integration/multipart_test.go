package integration

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// minPart is S3's (and Amphora's) minimum size of every part but the last.
const minPart = 5 << 20

// mpETag is the ETag S3 gives a completed multipart upload of parts with
// these MD5s: the MD5 of their concatenated binary MD5s, "-", their count.
func mpETag(sums ...[]byte) string {
	h := md5.New()
	for _, s := range sums {
		h.Write(s)
	}
	return fmt.Sprintf("%x-%d", h.Sum(nil), len(sums))
}

// mpETagOf is mpETag of the parts themselves.
func mpETagOf(parts ...[]byte) string {
	sums := make([][]byte, len(parts))
	for i, p := range parts {
		s := md5.Sum(p)
		sums[i] = s[:]
	}
	return mpETag(sums...)
}

// mpETagOfChunks is the ETag of a multipart upload that cut data into
// chunk-byte parts (the last one shorter), as clients do.
func mpETagOfChunks(data []byte, chunk int) string {
	var parts [][]byte
	for len(data) > chunk {
		parts = append(parts, data[:chunk])
		data = data[chunk:]
	}
	return mpETagOf(append(parts, data)...)
}

// mpETagOfFile is mpETagOfChunks for a file, read chunk by chunk.
func mpETagOfFile(t *testing.T, path string, chunk int64) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var sums [][]byte
	for {
		h := md5.New()
		n, err := io.CopyN(h, f, chunk)
		if n > 0 {
			sums = append(sums, h.Sum(nil))
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return mpETag(sums...)
}

func trimETag(e string) string { return strings.Trim(e, `"`) }

// putPart uploads one part and checks the ETag the server gives it.
func putPart(t *testing.T, ctx context.Context, core minio.Core, bucket, key, id string, n int, data []byte) minio.CompletePart {
	t.Helper()
	p, err := core.PutObjectPart(ctx, bucket, key, id, n, bytes.NewReader(data), int64(len(data)), minio.PutObjectPartOptions{})
	if err != nil {
		t.Fatalf("UploadPart %d of %s/%s (%d bytes): %v", n, bucket, key, len(data), err)
	}
	if got, want := trimETag(p.ETag), md5Hex(data); got != want {
		t.Errorf("UploadPart %d ETag %s, want %s", n, got, want)
	}
	return minio.CompletePart{PartNumber: n, ETag: p.ETag}
}

// multipartPut creates an upload of key, uploads parts (numbered from 1)
// and completes it, checking the ETag; it returns the object's bytes.
func multipartPut(t *testing.T, ctx context.Context, c *minio.Client, bucket, key string, parts ...[]byte) []byte {
	t.Helper()
	core := minio.Core{Client: c}
	id, err := core.NewMultipartUpload(ctx, bucket, key, minio.PutObjectOptions{})
	if err != nil {
		t.Fatalf("CreateMultipartUpload %s/%s: %v", bucket, key, err)
	}
	var done []minio.CompletePart
	for i, p := range parts {
		done = append(done, putPart(t, ctx, core, bucket, key, id, i+1, p))
	}
	info, err := core.CompleteMultipartUpload(ctx, bucket, key, id, done, minio.PutObjectOptions{})
	if err != nil {
		t.Fatalf("CompleteMultipartUpload %s/%s: %v", bucket, key, err)
	}
	if got, want := trimETag(info.ETag), mpETagOf(parts...); got != want {
		t.Errorf("CompleteMultipartUpload %s/%s ETag %s, want %s", bucket, key, got, want)
	}
	return bytes.Join(parts, nil)
}

// checkObject reads bucket/key whole and compares it with want, and its
// ETag with etag ("" = not checked).
func checkObject(t *testing.T, ctx context.Context, c *minio.Client, bucket, key string, want []byte, etag string) {
	t.Helper()
	o, st, _, err := minio.Core{Client: c}.GetObject(ctx, bucket, key, minio.GetObjectOptions{}) // one GET, headers and body
	if err != nil {
		t.Fatalf("GET %s/%s: %v", bucket, key, err)
	}
	defer o.Close()
	got, err := io.ReadAll(o)
	if err != nil {
		t.Errorf("GET %s/%s: read after %d bytes: %v", bucket, key, len(got), err)
		return
	}
	if !bytes.Equal(got, want) {
		t.Errorf("GET %s/%s: %d bytes (md5 %s), want %d bytes (md5 %s)%s", bucket, key, len(got), md5Hex(got), len(want), md5Hex(want), firstDiff(got, want))
	}
	if etag != "" && (trimETag(st.ETag) != etag || st.Size != int64(len(want))) {
		t.Errorf("GET %s/%s: ETag %s, size %d; want %s, %d", bucket, key, st.ETag, st.Size, etag, len(want))
	}
}

// firstDiff describes where got and want first differ.
func firstDiff(got, want []byte) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf(" (first difference at byte %d)", i)
		}
	}
	return ""
}

// Multipart uploads through minio-go's Core API (signature V2): several
// shapes, each read back byte for byte with its ETag computed here, then
// ranged and partNumber reads of a multipart object.
func TestMultipartRoundTrips(t *testing.T) {
	s := shared(t)
	ctx := testContext(t, 4*time.Minute)
	c := s.minioClient(t, tenantA, minioOpts{})
	core := minio.Core{Client: c}
	const bucket = "multipart-round-trips"
	makeBucket(t, c, bucket)
	seed := uint64(3000)
	gen := func(n int) []byte { seed++; return payloadBytes(t, seed, int64(n)) }

	// Three parts: two of the minimum, the last odd and under a block.
	p1, p2, p3 := gen(minPart), gen(minPart+123), gen(777<<10+5)
	three := multipartPut(t, ctx, c, bucket, "three", p1, p2, p3)
	checkObject(t, ctx, c, bucket, "three", three, mpETagOf(p1, p2, p3))

	// One part, under the minimum (the last part may be small).
	one := gen(2<<20 + 9)
	multipartPut(t, ctx, c, bucket, "one", one)
	checkObject(t, ctx, c, bucket, "one", one, mpETagOf(one))

	// The last of four parts far under the minimum.
	q := [][]byte{gen(minPart), gen(minPart), gen(minPart + 1), gen(1)}
	multipartPut(t, ctx, c, bucket, "small-last", q...)
	checkObject(t, ctx, c, bucket, "small-last", bytes.Join(q, nil), mpETagOf(q...))

	// Out of order, part 2 uploaded twice with different bytes: the
	// second upload's bytes are the object's; completing with the first
	// upload's ETag is refused.
	id, err := core.NewMultipartUpload(ctx, bucket, "reordered", minio.PutObjectOptions{ContentType: "application/x-reordered"})
	if err != nil {
		t.Fatal(err)
	}
	r1, r2a, r2b, r3 := gen(minPart+7), gen(minPart), gen(minPart+300<<10), gen(1000)
	c3 := putPart(t, ctx, core, bucket, "reordered", id, 3, r3)
	c2a := putPart(t, ctx, core, bucket, "reordered", id, 2, r2a)
	c1 := putPart(t, ctx, core, bucket, "reordered", id, 1, r1)
	c2b := putPart(t, ctx, core, bucket, "reordered", id, 2, r2b)
	lp, err := core.ListObjectParts(ctx, bucket, "reordered", id, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, p := range lp.ObjectParts {
		listed = append(listed, fmt.Sprintf("%d:%d:%s", p.PartNumber, p.Size, trimETag(p.ETag)))
	}
	wantListed := []string{
		fmt.Sprintf("1:%d:%s", len(r1), md5Hex(r1)),
		fmt.Sprintf("2:%d:%s", len(r2b), md5Hex(r2b)),
		fmt.Sprintf("3:%d:%s", len(r3), md5Hex(r3)),
	}
	if fmt.Sprint(listed) != fmt.Sprint(wantListed) {
		t.Errorf("ListParts = %v, want %v", listed, wantListed)
	}
	_, err = core.CompleteMultipartUpload(ctx, bucket, "reordered", id, []minio.CompletePart{c1, c2a, c3}, minio.PutObjectOptions{})
	wantErrorCode(t, "complete with the replaced part's ETag", err, http.StatusBadRequest, "InvalidPart")
	info, err := core.CompleteMultipartUpload(ctx, bucket, "reordered", id, []minio.CompletePart{c1, c2b, c3}, minio.PutObjectOptions{})
	if err != nil {
		t.Fatalf("complete reordered: %v", err)
	}
	if got, want := trimETag(info.ETag), mpETagOf(r1, r2b, r3); got != want {
		t.Errorf("reordered: completion ETag %s, want %s", got, want)
	}
	reordered := bytes.Join([][]byte{r1, r2b, r3}, nil)
	checkObject(t, ctx, c, bucket, "reordered", reordered, mpETagOf(r1, r2b, r3))
	if st, err := c.StatObject(ctx, bucket, "reordered", minio.StatObjectOptions{}); err != nil || st.ContentType != "application/x-reordered" {
		t.Errorf("reordered: HEAD content type %q (%v), want the one given at creation", st.ContentType, err)
	}

	// A part under the minimum that is not the last is refused.
	id, err = core.NewMultipartUpload(ctx, bucket, "too-small", minio.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s1, s2 := putPart(t, ctx, core, bucket, "too-small", id, 1, gen(minPart-1)), putPart(t, ctx, core, bucket, "too-small", id, 2, gen(10))
	_, err = core.CompleteMultipartUpload(ctx, bucket, "too-small", id, []minio.CompletePart{s1, s2}, minio.PutObjectOptions{})
	wantErrorCode(t, "complete with a small first part", err, http.StatusBadRequest, "EntityTooSmall")
	if err := core.AbortMultipartUpload(ctx, bucket, "too-small", id); err != nil {
		t.Errorf("abort too-small: %v", err)
	}

	// Ranges of "three" (parts at [0, 5Mi), [5Mi, 10Mi+123), then 777Ki+5
	// bytes) within a part, across one and two part boundaries, a suffix.
	b1, b2 := int64(minPart), int64(2*minPart+123)
	size := int64(len(three))
	for _, r := range [][2]int64{
		{0, 0}, {b1 - 10, b1 + 9}, {b1 - 1, b1}, {b1, b1}, {b1 - 1, b2 + 200}, {b2 - 1, size - 1},
		{b2, b2 + 1000}, {100, size - 1}, {b1 + 4096, b2 - 4096},
	} {
		var o minio.GetObjectOptions
		if err := o.SetRange(r[0], r[1]); err != nil {
			t.Fatal(err)
		}
		got, err := getBytes(ctx, c, bucket, "three", o)
		if err != nil || !bytes.Equal(got, three[r[0]:r[1]+1]) {
			t.Errorf("GET three bytes=%d-%d: %d bytes (%v), want %d%s", r[0], r[1], len(got), err, r[1]-r[0]+1, firstDiff(got, three[r[0]:r[1]+1]))
		}
	}
	var suffix minio.GetObjectOptions
	suffix.SetRange(0, -(int64(len(p3)) + 50))
	if got, err := getBytes(ctx, c, bucket, "three", suffix); err != nil || !bytes.Equal(got, three[size-int64(len(p3))-50:]) {
		t.Errorf("GET three suffix range: %d bytes (%v)", len(got), err)
	}

	// partNumber reads: 206 with the part's bytes and range, and the count.
	for n, want := range map[int][]byte{1: p1, 2: p2, 3: p3} {
		body, _, hdr, err := core.GetObject(ctx, bucket, "three", minio.GetObjectOptions{PartNumber: n})
		if err != nil {
			t.Errorf("GET three?partNumber=%d: %v", n, err)
			continue
		}
		got, err := io.ReadAll(body)
		body.Close()
		off := map[int]int64{1: 0, 2: b1, 3: b2}[n]
		wantRange := fmt.Sprintf("bytes %d-%d/%d", off, off+int64(len(want))-1, size)
		if err != nil || !bytes.Equal(got, want) || hdr.Get("X-Amz-Mp-Parts-Count") != "3" || hdr.Get("Content-Range") != wantRange {
			t.Errorf("GET three?partNumber=%d: %d bytes (%v)%s, parts count %q, Content-Range %q (want %q)",
				n, len(got), err, firstDiff(got, want), hdr.Get("X-Amz-Mp-Parts-Count"), hdr.Get("Content-Range"), wantRange)
		}
	}
	_, _, _, err = core.GetObject(ctx, bucket, "three", minio.GetObjectOptions{PartNumber: 4})
	wantErrorCode(t, "GET three?partNumber=4", err, http.StatusRequestedRangeNotSatisfiable, "InvalidPartNumber")

	// Nothing left open.
	lu, err := core.ListMultipartUploads(ctx, bucket, "", "", "", "", 1000)
	if err != nil || len(lu.Uploads) != 0 {
		t.Errorf("ListMultipartUploads after everything completed or aborted: %+v (%v)", lu.Uploads, err)
	}
}

// A 1 GiB object in 16 parts of 64 MiB, uploaded three parts at a time
// straight from the payload generator and read back as a stream; nothing
// of that size is ever held in memory. Completion copies no byte, so it
// must take about as long for 1 GiB as for 1 KiB.
func TestMultipartGiB(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	o := defaultOptions()
	o.BlockSize = 1 << 20
	s := newServer(t, o)
	ctx := testContext(t, 15*time.Minute)
	c := s.minioClient(t, tenantA, minioOpts{})
	core := minio.Core{Client: c}
	const bucket, key = "multipart-gib", "one/gibibyte.bin"
	const parts, partSize = 16, 64 << 20
	const size = int64(parts) * partSize
	if err := c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	partSeed := func(n int) uint64 { return 7000 + uint64(n) }
	whole := func() io.Reader {
		rs := make([]io.Reader, parts)
		for i := range rs {
			rs[i] = payload(partSeed(i+1), partSize)
		}
		return io.MultiReader(rs...)
	}
	// The expected digest, computed while the upload runs.
	wantc := make(chan digests, 1)
	go func() { wantc <- digestOfReader(whole()) }()

	id, err := core.NewMultipartUpload(ctx, bucket, key, minio.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	sums := make([][]byte, parts)
	done := make([]minio.CompletePart, parts)
	errs := make([]error, parts)
	next := make(chan int)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for n := range next {
				h := md5.New()
				p, err := core.PutObjectPart(ctx, bucket, key, id, n, io.TeeReader(payload(partSeed(n), partSize), h), partSize, minio.PutObjectPartOptions{})
				sums[n-1] = h.Sum(nil)
				if err == nil && trimETag(p.ETag) != hex.EncodeToString(sums[n-1]) {
					err = fmt.Errorf("ETag %s, want %x", p.ETag, sums[n-1])
				}
				errs[n-1] = err
				done[n-1] = minio.CompletePart{PartNumber: n, ETag: p.ETag}
			}
		})
	}
	for n := 1; n <= parts; n++ {
		next <- n
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("UploadPart %d: %v", i+1, err)
		}
	}
	upload := time.Since(start)

	start = time.Now()
	info, err := core.CompleteMultipartUpload(ctx, bucket, key, id, done, minio.PutObjectOptions{})
	completeLatency := time.Since(start)
	if err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}
	wantETag := mpETag(sums...)
	if trimETag(info.ETag) != wantETag {
		t.Errorf("completion ETag %s, want %s", info.ETag, wantETag)
	}
	t.Logf("1 GiB in %d parts of %d MiB: upload %s (%.1f MiB/s), CompleteMultipartUpload %s",
		parts, partSize>>20, upload.Round(time.Millisecond), float64(size>>20)/upload.Seconds(), completeLatency.Round(time.Microsecond))

	st, err := c.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
	if err != nil || st.Size != size || trimETag(st.ETag) != wantETag {
		t.Errorf("HEAD: size %d, ETag %s (%v); want %d, %s", st.Size, st.ETag, err, size, wantETag)
	}

	start = time.Now()
	obj, err := c.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := digestOf(t, obj)
	obj.Close()
	t.Logf("GET of 1 GiB: %s", time.Since(start).Round(time.Millisecond))
	if want := <-wantc; got != want {
		t.Errorf("GET = %+v, want %+v", got, want)
	}

	// A range across the boundary of parts 8 and 9, and part 16.
	var rg minio.GetObjectOptions
	rg.SetRange(8*partSize-1000, 8*partSize+999)
	if b, err := getBytes(ctx, c, bucket, key, rg); err != nil || !bytes.Equal(b, append(payloadRange(t, partSeed(8), partSize-1000, 1000), payloadRange(t, partSeed(9), 0, 1000)...)) {
		t.Errorf("GET across parts 8 and 9: %d bytes (%v)", len(b), err)
	}
	body, _, hdr, err := core.GetObject(ctx, bucket, key, minio.GetObjectOptions{PartNumber: parts})
	if err != nil {
		t.Fatal(err)
	}
	if d := digestOf(t, body); d != payloadDigest(t, partSeed(parts), partSize) || hdr.Get("X-Amz-Mp-Parts-Count") != "16" {
		t.Errorf("GET ?partNumber=16: %+v, parts count %q", d, hdr.Get("X-Amz-Mp-Parts-Count"))
	}
	body.Close()
}
