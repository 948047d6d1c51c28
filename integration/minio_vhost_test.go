package integration

import (
	"bytes"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// Virtual-host style (bucket.localhost:PORT, V2 signing the bucket from the
// Host) with minio-go; the client's dialer reaches the server without DNS.
func TestMinioVirtualHost(t *testing.T) {
	s := shared(t)
	ctx := testContext(t, time.Minute)
	c := s.minioClient(t, tenantA, minioOpts{VirtualHost: true})
	path := s.minioClient(t, tenantA, minioOpts{})
	const bucket, key = "minio-vhost", "dir/a b+c.txt"
	if err := c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("MakeBucket: %v", err)
	}
	t.Cleanup(func() { emptyAndRemove(t, path, bucket) })
	if ok, err := path.BucketExists(ctx, bucket); !ok || err != nil {
		t.Fatalf("path style does not see the bucket made virtual-host style: %v, %v", ok, err)
	}
	data := payloadBytes(t, 40, 400<<10)
	if _, err := c.PutObject(ctx, bucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{DisableMultipart: true}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	for name, cl := range map[string]*minio.Client{"virtual-host": c, "path": path} {
		if got, err := getBytes(ctx, cl, bucket, key, minio.GetObjectOptions{}); err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s GetObject: %d bytes, %v", name, len(got), err)
		}
	}
	if l := list(t, c, bucket, minio.ListObjectsOptions{Recursive: true}, map[string]int64{key: int64(len(data))}); !slices.Equal(l.Keys, []string{key}) {
		t.Errorf("virtual-host listing: %v", l)
	}
	if bs, err := c.ListBuckets(ctx); err != nil || !slices.ContainsFunc(bs, func(b minio.BucketInfo) bool { return b.Name == bucket }) {
		t.Errorf("ListBuckets on the bare domain: %v, %v", bs, err)
	}

	u, err := c.PresignedGetObject(ctx, bucket, key, 10*time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	if u.Host != bucket+".localhost:"+s.port() {
		t.Fatalf("presigned URL %s is not virtual-host style", u)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if r := s.do(t, req); r.Status != 200 || !bytes.Equal(r.Body, data) {
		t.Errorf("virtual-host presigned GET: %d\n%.300s", r.Status, r.Body)
	}

	if err := c.RemoveObject(ctx, bucket, key, minio.RemoveObjectOptions{}); err != nil {
		t.Fatalf("RemoveObject: %v", err)
	}
	_, err = c.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
	wantErrorCode(t, "StatObject after RemoveObject", err, 404, "NoSuchKey")
}
