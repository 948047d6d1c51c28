package integration

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// makeBucket creates bucket as c's tenant and removes it (and what is
// left in it) when the test ends.
func makeBucket(t *testing.T, c *minio.Client, bucket string) {
	t.Helper()
	ctx := testContext(t, time.Minute)
	if err := c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("MakeBucket(%s): %v", bucket, err)
	}
	t.Cleanup(func() { emptyAndRemove(t, c, bucket) })
}

// emptyAndRemove deletes every object of bucket, then the bucket.
func emptyAndRemove(t *testing.T, c *minio.Client, bucket string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for o := range c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Errorf("cleanup: list %s: %v", bucket, o.Err)
			return
		}
		if err := c.RemoveObject(ctx, bucket, o.Key, minio.RemoveObjectOptions{}); err != nil {
			t.Errorf("cleanup: remove %s/%s: %v", bucket, o.Key, err)
		}
	}
	if err := c.RemoveBucket(ctx, bucket); err != nil {
		t.Errorf("cleanup: remove bucket %s: %v", bucket, err)
	}
}

// getBytes reads the object (with opts) into memory.
func getBytes(ctx context.Context, c *minio.Client, bucket, key string, opts minio.GetObjectOptions) ([]byte, error) {
	o, err := c.GetObject(ctx, bucket, key, opts)
	if err != nil {
		return nil, err
	}
	defer o.Close()
	return io.ReadAll(o)
}

func TestMinioObjects(t *testing.T) {
	s := shared(t)
	ctx := testContext(t, 2*time.Minute)
	c := s.minioClient(t, tenantA, minioOpts{})
	const bucket, key = "minio-objects", "docs/report.bin"
	makeBucket(t, c, bucket)
	data := payloadBytes(t, 10, 700<<10+3)

	up, err := c.PutObject(ctx, bucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{
		ContentType:        "application/x-report",
		ContentDisposition: `attachment; filename="report.bin"`,
		CacheControl:       "max-age=60",
		UserMetadata:       map[string]string{"color": "blue", "Owner-Name": "alice smith"},
		SendContentMd5:     true,
		DisableMultipart:   true,
	})
	if err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	if up.ETag != md5Hex(data) || up.Size != int64(len(data)) {
		t.Errorf("PutObject = ETag %q size %d, want %s %d", up.ETag, up.Size, md5Hex(data), len(data))
	}

	st, err := c.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
	if err != nil {
		t.Fatalf("StatObject: %v", err)
	}
	if st.Size != int64(len(data)) || st.ETag != md5Hex(data) || st.ContentType != "application/x-report" ||
		st.Metadata.Get("Content-Disposition") != `attachment; filename="report.bin"` || st.Metadata.Get("Cache-Control") != "max-age=60" ||
		st.UserMetadata["Color"] != "blue" || st.UserMetadata["Owner-Name"] != "alice smith" || len(st.UserMetadata) != 2 {
		t.Errorf("StatObject = size %d etag %s type %q metadata %v user %v", st.Size, st.ETag, st.ContentType, st.Metadata, st.UserMetadata)
	}
	if d := time.Since(st.LastModified); d < -time.Minute || d > 5*time.Minute {
		t.Errorf("LastModified %v is not about now", st.LastModified)
	}

	got, err := getBytes(ctx, c, bucket, key, minio.GetObjectOptions{})
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("GetObject: %d bytes (want %d), equal %v, err %v", len(got), len(data), bytes.Equal(got, data), err)
	}

	t.Run("ranges", func(t *testing.T) { testMinioRanges(t, c, bucket, key, data) })
	t.Run("conditional", func(t *testing.T) { testMinioConditional(t, c, bucket, key, st) })

	// Missing keys and buckets.
	_, err = getBytes(ctx, c, bucket, "missing", minio.GetObjectOptions{})
	wantErrorCode(t, "GetObject of a missing key", err, 404, "NoSuchKey")
	_, err = getBytes(ctx, c, "minio-objects-missing", key, minio.GetObjectOptions{})
	wantErrorCode(t, "GetObject in a missing bucket", err, 404, "NoSuchBucket")
	_, err = c.StatObject(ctx, bucket, "missing", minio.StatObjectOptions{})
	wantErrorCode(t, "StatObject of a missing key", err, 404, "NoSuchKey")
	_, err = c.PutObject(ctx, "minio-objects-missing", key, bytes.NewReader(data[:10]), 10, minio.PutObjectOptions{DisableMultipart: true})
	wantErrorCode(t, "PutObject into a missing bucket", err, 404, "NoSuchBucket")

	// Overwrite: the new bytes and nothing of the old.
	v2 := payloadBytes(t, 11, 5)
	if _, err := c.PutObject(ctx, bucket, key, bytes.NewReader(v2), 5, minio.PutObjectOptions{DisableMultipart: true}); err != nil {
		t.Fatalf("overwrite: %v", err)
	}
	if got, err := getBytes(ctx, c, bucket, key, minio.GetObjectOptions{}); err != nil || !bytes.Equal(got, v2) {
		t.Fatalf("after overwrite GetObject = %x, %v; want %x", got, err, v2)
	}
	st2, err := c.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
	if err != nil || st2.ContentType != "binary/octet-stream" && st2.ContentType != "application/octet-stream" || len(st2.UserMetadata) != 0 {
		t.Errorf("after overwrite without metadata: type %q user %v err %v; want the old metadata gone", st2.ContentType, st2.UserMetadata, err)
	}

	// RemoveObject, twice: deleting a missing key succeeds.
	for i := range 2 {
		if err := c.RemoveObject(ctx, bucket, key, minio.RemoveObjectOptions{}); err != nil {
			t.Fatalf("RemoveObject #%d: %v", i+1, err)
		}
	}
	_, err = c.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
	wantErrorCode(t, "StatObject after RemoveObject", err, 404, "NoSuchKey")

	// RemoveObjects: one DeleteObjects request for several keys, one of
	// them missing (which S3 reports as deleted).
	batch := []string{"batch/1", "batch/2", "batch/3 with space", "batch/missing"}
	for _, k := range batch[:3] {
		if _, err := c.PutObject(ctx, bucket, k, bytes.NewReader(v2), 5, minio.PutObjectOptions{DisableMultipart: true}); err != nil {
			t.Fatalf("PutObject(%s): %v", k, err)
		}
	}
	if _, err := c.PutObject(ctx, bucket, "batch/kept", bytes.NewReader(v2), 5, minio.PutObjectOptions{DisableMultipart: true}); err != nil {
		t.Fatal(err)
	}
	objs := make(chan minio.ObjectInfo, len(batch))
	for _, k := range batch {
		objs <- minio.ObjectInfo{Key: k}
	}
	close(objs)
	for e := range c.RemoveObjects(ctx, bucket, objs, minio.RemoveObjectsOptions{}) {
		t.Errorf("RemoveObjects: %s: %v", e.ObjectName, e.Err)
	}
	if l := list(t, c, bucket, minio.ListObjectsOptions{Recursive: true}, map[string]int64{"batch/kept": 5}); l.String() != (listing{Keys: []string{"batch/kept"}}).String() {
		t.Errorf("after RemoveObjects the bucket holds %v, want only batch/kept", l)
	}
}

func testMinioRanges(t *testing.T, c *minio.Client, bucket, key string, data []byte) {
	ctx := testContext(t, time.Minute)
	n := int64(len(data))
	for _, r := range []struct {
		start, end int64 // minio-go SetRange arguments
		from, to   int64 // expected slice [from, to)
	}{
		{0, 0, 0, 1},
		{0, 9, 0, 10},
		{100, 0, 100, n},    // bytes=100-
		{0, -50, n - 50, n}, // bytes=-50
		{n - 1, n - 1, n - 1, n},
		{5, n + 1000, 5, n}, // end past the object is clamped
	} {
		opts := minio.GetObjectOptions{}
		if err := opts.SetRange(r.start, r.end); err != nil {
			t.Fatal(err)
		}
		got, err := getBytes(ctx, c, bucket, key, opts)
		if err != nil || !bytes.Equal(got, data[r.from:r.to]) {
			t.Errorf("%s: got %d bytes, err %v; want bytes [%d,%d)", opts.Header().Get("Range"), len(got), err, r.from, r.to)
		}
	}
	opts := minio.GetObjectOptions{}
	opts.SetRange(n, n+10)
	_, err := getBytes(ctx, c, bucket, key, opts)
	wantErrorCode(t, "range starting at the size", err, 416, "InvalidRange")
}

func testMinioConditional(t *testing.T, c *minio.Client, bucket, key string, st minio.ObjectInfo) {
	ctx := testContext(t, time.Minute)
	lm := st.LastModified
	cases := []struct {
		name   string
		set    func(o *minio.GetObjectOptions) error
		status int // 200, 304 or 412
	}{
		{"If-Match current", func(o *minio.GetObjectOptions) error { return o.SetMatchETag(st.ETag) }, 200},
		{"If-Match other", func(o *minio.GetObjectOptions) error { return o.SetMatchETag("0123456789abcdef0123456789abcdef") }, 412},
		{"If-None-Match current", func(o *minio.GetObjectOptions) error { return o.SetMatchETagExcept(st.ETag) }, 304},
		{"If-None-Match other", func(o *minio.GetObjectOptions) error { return o.SetMatchETagExcept("0123456789abcdef0123456789abcdef") }, 200},
		{"If-Modified-Since earlier", func(o *minio.GetObjectOptions) error { return o.SetModified(lm.Add(-time.Hour)) }, 200},
		{"If-Modified-Since last-modified", func(o *minio.GetObjectOptions) error { return o.SetModified(lm) }, 304},
		{"If-Modified-Since later", func(o *minio.GetObjectOptions) error { return o.SetModified(lm.Add(time.Hour)) }, 304},
		{"If-Unmodified-Since earlier", func(o *minio.GetObjectOptions) error { return o.SetUnmodified(lm.Add(-time.Hour)) }, 412},
		{"If-Unmodified-Since last-modified", func(o *minio.GetObjectOptions) error { return o.SetUnmodified(lm) }, 200},
	}
	for _, cs := range cases {
		var opts minio.GetObjectOptions
		if err := cs.set(&opts); err != nil {
			t.Fatal(err)
		}
		got, err := getBytes(ctx, c, bucket, key, opts)
		switch cs.status {
		case 200:
			if err != nil || int64(len(got)) != st.Size {
				t.Errorf("%s: %d bytes, %v; want the object", cs.name, len(got), err)
			}
		case 304:
			// No body: minio-go reports the status line as the code.
			wantErrorCode(t, cs.name, err, 304, "304 Not Modified")
		case 412:
			wantErrorCode(t, cs.name, err, 412, "PreconditionFailed")
		}
		// The same through StatObject (HEAD).
		_, err = c.StatObject(ctx, bucket, key, minio.StatObjectOptions(opts))
		if cs.status == 200 && err != nil {
			t.Errorf("HEAD %s: %v", cs.name, err)
		} else if cs.status != 200 && minio.ToErrorResponse(err).StatusCode != cs.status {
			t.Errorf("HEAD %s: %v (status %d), want %d", cs.name, err, minio.ToErrorResponse(err).StatusCode, cs.status)
		}
	}
}

// Content-MD5 is checked by the server: minio-go only ever sends the
// right one, so the wrong ones go out as raw V2-signed requests.
func TestContentMD5Checked(t *testing.T) {
	s := shared(t)
	ctx := testContext(t, time.Minute)
	c := s.minioClient(t, tenantA, minioOpts{})
	const bucket = "content-md5"
	makeBucket(t, c, bucket)
	other := md5.Sum([]byte("other bytes"))
	for _, cs := range []struct {
		md5, code string
	}{
		{base64.StdEncoding.EncodeToString(other[:]), "BadDigest"},
		{"not-base64!", "InvalidDigest"},
		{base64.StdEncoding.EncodeToString([]byte("short")), "InvalidDigest"},
	} {
		r := s.do(t, s.signedRequest(t, tenantA, http.MethodPut, "/"+bucket+"/k", "the body", map[string]string{"Content-MD5": cs.md5}))
		if r.Status != 400 || r.Code() != cs.code {
			t.Errorf("PUT with Content-MD5 %q: got %d %q, want 400 %s\n%s", cs.md5, r.Status, r.Code(), cs.code, r.Body)
		}
	}
	_, err := c.StatObject(ctx, bucket, "k", minio.StatObjectOptions{})
	wantErrorCode(t, "StatObject after rejected PUTs", err, 404, "NoSuchKey")

	good := md5.Sum([]byte("the body"))
	r := s.do(t, s.signedRequest(t, tenantA, http.MethodPut, "/"+bucket+"/k", "the body", map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(good[:])}))
	if r.Status != 200 || r.Header.Get("ETag") != `"`+md5Hex([]byte("the body"))+`"` {
		t.Fatalf("PUT with the right Content-MD5: %d ETag %q\n%s", r.Status, r.Header.Get("ETag"), r.Body)
	}
}
