package integration

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/amphora-s3/amphora/cassandra"
)

// Both frontends of the fault suite run with the bucket cache on
// (storage.bucket_cache_ttl, left at its default of 1 s), so every fault
// run is also a run against cached bucket lookups. After each fault,
// checkBucketCache deletes a bucket through frontend 1 that frontend 2
// has just looked up, and requires frontend 2 to refuse it
// (NoSuchBucket) within the cache time.

// faultCacheSlack is what a loaded 2-core machine adds to the cache time:
// one request's latency and the polling interval.
const faultCacheSlack = 2 * time.Second

func (su *faultSuite) checkBucketCache(t *testing.T, ctx context.Context, bucket string) {
	t.Helper()
	one, two := su.clients[0], su.clients[1]
	const key = "cached"
	if err := two.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		t.Errorf("bucket cache: MakeBucket(%s) through frontend 2: %v", bucket, err)
		return
	}
	if _, err := one.PutObject(ctx, bucket, key, bytes.NewReader([]byte("x")), 1, minio.PutObjectOptions{}); err != nil {
		t.Errorf("bucket cache: PUT through frontend 1: %v", err)
		return
	}
	if err := one.RemoveObject(ctx, bucket, key, minio.RemoveObjectOptions{}); err != nil {
		t.Errorf("bucket cache: DELETE through frontend 1: %v", err)
		return
	}
	// Frontend 2 looks the bucket up (and caches it) right before the delete.
	if code := getCode(ctx, two, bucket, key); code != "NoSuchKey" {
		t.Errorf("bucket cache: GET through frontend 2 before the delete = %q, want NoSuchKey", code)
		return
	}
	if err := one.RemoveBucket(ctx, bucket); err != nil {
		t.Errorf("bucket cache: DeleteBucket(%s) through frontend 1: %v", bucket, err)
		return
	}
	deleted := time.Now()
	ttl := cassandra.DefaultBucketCacheTTL
	stale := 0
	for {
		code := getCode(ctx, two, bucket, key)
		if code == "NoSuchBucket" {
			break
		}
		if code != "NoSuchKey" {
			t.Errorf("bucket cache: GET through frontend 2 after the delete = %q", code)
			return
		}
		stale++
		if time.Since(deleted) > ttl+faultCacheSlack {
			t.Errorf("bucket cache: frontend 2 still serves bucket %s %s after frontend 1 deleted it (cache time %s)",
				bucket, time.Since(deleted).Round(time.Millisecond), ttl)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("bucket cache: %s deleted through frontend 1, refused (NoSuchBucket) by frontend 2 after %s, %d answers from its cache before (cache time %s)",
		bucket, time.Since(deleted).Round(time.Millisecond), stale, ttl)
}

// getCode is the S3 error code of a GET of bucket/key, "" on success.
func getCode(ctx context.Context, c *minio.Client, bucket, key string) string {
	obj, err := c.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
	if err == nil {
		_, err = io.Copy(io.Discard, obj)
		obj.Close()
	}
	if err == nil {
		return ""
	}
	if code := minio.ToErrorResponse(err).Code; code != "" {
		return code
	}
	return err.Error()
}
