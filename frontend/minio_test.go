package frontend

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// TestMinioV2 drives every operation with minio-go's Signature V2 signer,
// path-style and virtual-hosted-style.
func TestMinioV2(t *testing.T) {
	for _, vhost := range []bool{false, true} {
		name := "path-style"
		if vhost {
			name = "virtual-host"
		}
		t.Run(name, func(t *testing.T) { testMinioOps(t, vhost) })
	}
}

func testMinioOps(t *testing.T, vhost bool) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.minio(t, aliceKey, aliceSecret, vhost)
	const bucket = "photos"

	if err := c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: testRegion}); err != nil {
		t.Fatal(err)
	}
	err := c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: testRegion})
	if code := minio.ToErrorResponse(err).Code; code != "BucketAlreadyOwnedByYou" {
		t.Errorf("second MakeBucket: %v (code %q)", err, code)
	}
	if ok, err := c.BucketExists(ctx, bucket); err != nil || !ok {
		t.Errorf("BucketExists = %v, %v", ok, err)
	}
	if ok, err := c.BucketExists(ctx, "missing-bucket"); err != nil || ok {
		t.Errorf("BucketExists(missing) = %v, %v", ok, err)
	}
	if loc, err := c.GetBucketLocation(ctx, bucket); err != nil || loc != "us-east-1" {
		t.Errorf("GetBucketLocation = %q, %v", loc, err)
	}
	bs, err := c.ListBuckets(ctx)
	if err != nil || len(bs) != 1 || bs[0].Name != bucket || bs[0].CreationDate.IsZero() {
		t.Errorf("ListBuckets = %+v, %v", bs, err)
	}

	data := bytes.Repeat([]byte("0123456789"), 1000)
	sum := md5.Sum(data)
	info, err := c.PutObject(ctx, bucket, "dir/cat.txt", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{
		ContentType:     "text/plain",
		CacheControl:    "max-age=60",
		ContentLanguage: "en",
		UserMetadata:    map[string]string{"Color": "blue"},
		SendContentMd5:  true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if info.ETag != hex.EncodeToString(sum[:]) {
		t.Errorf("ETag = %q", info.ETag)
	}

	st, err := c.StatObject(ctx, bucket, "dir/cat.txt", minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Size != int64(len(data)) || st.ContentType != "text/plain" || st.ETag != info.ETag ||
		st.UserMetadata["Color"] != "blue" || st.Metadata.Get("Cache-Control") != "max-age=60" {
		t.Errorf("StatObject = %+v", st)
	}
	if _, err := c.StatObject(ctx, bucket, "nope", minio.StatObjectOptions{}); minio.ToErrorResponse(err).StatusCode != http.StatusNotFound {
		t.Errorf("StatObject(missing): %v", err)
	}

	obj, err := c.GetObject(ctx, bucket, "dir/cat.txt", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(obj)
	obj.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("GetObject: %d bytes, %v", len(got), err)
	}

	var ro minio.GetObjectOptions
	if err := ro.SetRange(10, 19); err != nil {
		t.Fatal(err)
	}
	obj, err = c.GetObject(ctx, bucket, "dir/cat.txt", ro)
	if err != nil {
		t.Fatal(err)
	}
	got, err = io.ReadAll(obj)
	obj.Close()
	if err != nil || string(got) != "0123456789" {
		t.Errorf("ranged GetObject = %q, %v", got, err)
	}

	for _, k := range []string{"dir/dog.txt", "top.txt", "dir/sub/x"} {
		if _, err := c.PutObject(ctx, bucket, k, strings.NewReader(k), int64(len(k)), minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, v1 := range []bool{false, true} {
		var keys []string
		for o := range c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: "dir/", UseV1: v1}) {
			if o.Err != nil {
				t.Fatal(o.Err)
			}
			keys = append(keys, o.Key)
		}
		if want := []string{"dir/cat.txt", "dir/dog.txt", "dir/sub/"}; !slices.Equal(keys, want) {
			t.Errorf("ListObjects(v1=%v) = %q, want %q", v1, keys, want)
		}
		keys = nil
		for o := range c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true, UseV1: v1}) {
			if o.Err != nil {
				t.Fatal(o.Err)
			}
			keys = append(keys, o.Key)
		}
		if want := []string{"dir/cat.txt", "dir/dog.txt", "dir/sub/x", "top.txt"}; !slices.Equal(keys, want) {
			t.Errorf("recursive ListObjects(v1=%v) = %q, want %q", v1, keys, want)
		}
	}

	// A presigned GET works with a plain HTTP client.
	u, err := c.PresignedGetObject(ctx, bucket, "top.txt", time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.client().Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "top.txt" {
		t.Errorf("presigned GET %s: %d %q", u, resp.StatusCode, body)
	}

	if err := c.RemoveObject(ctx, bucket, "top.txt", minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveObject(ctx, bucket, "never-existed", minio.RemoveObjectOptions{}); err != nil {
		t.Errorf("RemoveObject(missing): %v", err)
	}
	err = c.RemoveBucket(ctx, bucket)
	if code := minio.ToErrorResponse(err).Code; code != "BucketNotEmpty" {
		t.Errorf("RemoveBucket(non-empty): %v", err)
	}

	objs := make(chan minio.ObjectInfo, 4)
	for _, k := range []string{"dir/cat.txt", "dir/dog.txt", "dir/sub/x", "not-there"} {
		objs <- minio.ObjectInfo{Key: k}
	}
	close(objs)
	for rerr := range c.RemoveObjects(ctx, bucket, objs, minio.RemoveObjectsOptions{}) {
		t.Errorf("RemoveObjects: %v", rerr.Err)
	}
	if err := c.RemoveBucket(ctx, bucket); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.BucketExists(ctx, bucket); ok {
		t.Error("bucket still exists")
	}
}

// TestMinioOtherTenant: another tenant is refused on every operation, and
// a second key of the same tenant is not.
func TestMinioOtherTenant(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	alice := e.minio(t, aliceKey, aliceSecret, false)
	if err := alice.MakeBucket(ctx, "alices", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.PutObject(ctx, "alices", "k", strings.NewReader("v"), 1, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	alice2 := e.minio(t, alice2Key, alice2Secret, true)
	if _, err := alice2.StatObject(ctx, "alices", "k", minio.StatObjectOptions{}); err != nil {
		t.Errorf("same tenant, other key: %v", err)
	}

	bob := e.minio(t, bobKey, bobSecret, false)
	err := bob.MakeBucket(ctx, "alices", minio.MakeBucketOptions{})
	if code := minio.ToErrorResponse(err).Code; code != "BucketAlreadyExists" {
		t.Errorf("bob MakeBucket: %v", err)
	}
	checks := map[string]error{}
	_, checks["GetObject"] = getAll(bob, "alices", "k")
	_, checks["PutObject"] = bob.PutObject(ctx, "alices", "k2", strings.NewReader("v"), 1, minio.PutObjectOptions{})
	checks["RemoveObject"] = bob.RemoveObject(ctx, "alices", "k", minio.RemoveObjectOptions{})
	checks["RemoveBucket"] = bob.RemoveBucket(ctx, "alices")
	for o := range bob.ListObjects(ctx, "alices", minio.ListObjectsOptions{}) {
		checks["ListObjects"] = o.Err
	}
	for op, err := range checks {
		if code := minio.ToErrorResponse(err).Code; code != "AccessDenied" {
			t.Errorf("bob %s: %v (code %q)", op, err, code)
		}
	}
	if _, err := bob.StatObject(ctx, "alices", "k", minio.StatObjectOptions{}); minio.ToErrorResponse(err).StatusCode != http.StatusForbidden {
		t.Errorf("bob StatObject: %v", err)
	}
	if ok, err := bob.BucketExists(ctx, "alices"); ok || minio.ToErrorResponse(err).StatusCode != http.StatusForbidden {
		t.Errorf("bob BucketExists = %v, %v", ok, err)
	}
	if bs, err := bob.ListBuckets(ctx); err != nil || len(bs) != 0 {
		t.Errorf("bob ListBuckets = %v, %v", bs, err)
	}
	// Alice's object is intact.
	if got, err := getAll(alice, "alices", "k"); err != nil || got != "v" {
		t.Errorf("alice GetObject = %q, %v", got, err)
	}
}

func getAll(c *minio.Client, bucket, key string) (string, error) {
	o, err := c.GetObject(context.Background(), bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return "", err
	}
	defer o.Close()
	b, err := io.ReadAll(o)
	return string(b), err
}
