package integration

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// More keys than one page (1000) holds, spread over every listing shard:
// pages must merge the shards in byte order, with nothing lost or repeated
// at page boundaries, and one DeleteObjects request takes 1000 keys.
func TestListManyKeys(t *testing.T) {
	s := shared(t)
	ctx := testContext(t, 2*time.Minute)
	c := s.minioClient(t, tenantA, minioOpts{})
	const bucket, n, dirs = "list-many", 1100, 23
	makeBucket(t, c, bucket)
	keys := make([]string, n)
	sizes := map[string]int64{}
	for i := range keys {
		if i%10 == 0 {
			keys[i] = fmt.Sprintf("top-%04d", i)
		} else {
			keys[i] = fmt.Sprintf("d%02d/k%04d", i%dirs, i)
		}
		sizes[keys[i]] = 0
	}
	// Zero-byte objects, eight PUTs at a time.
	var wg sync.WaitGroup
	work := make(chan string)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range work {
				if _, err := c.PutObject(ctx, bucket, k, bytes.NewReader(nil), 0, minio.PutObjectOptions{DisableMultipart: true}); err != nil {
					t.Errorf("PutObject(%s): %v", k, err)
				}
			}
		}()
	}
	for _, k := range keys {
		work <- k
	}
	close(work)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	sorted := slices.Sorted(slices.Values(keys))
	var tops, prefixes []string
	for _, k := range sorted {
		if k[0] == 't' {
			tops = append(tops, k)
		}
	}
	for d := range dirs {
		prefixes = append(prefixes, fmt.Sprintf("d%02d/", d))
	}
	for _, v1 := range []bool{false, true} {
		for _, maxKeys := range []int{0, 333} { // 0: the server's 1000
			l := list(t, c, bucket, minio.ListObjectsOptions{Recursive: true, UseV1: v1, MaxKeys: maxKeys}, sizes)
			if !slices.Equal(l.Keys, sorted) {
				t.Errorf("V1=%v max-keys %d: recursive listing has %d keys, want %d in order", v1, maxKeys, len(l.Keys), len(sorted))
			}
		}
		for _, maxKeys := range []int{0, 7} {
			l := list(t, c, bucket, minio.ListObjectsOptions{UseV1: v1, MaxKeys: maxKeys}, sizes)
			if !slices.Equal(l.Keys, tops) || !slices.Equal(l.Prefixes, prefixes) {
				t.Errorf("V1=%v delimiter listing, max-keys %d: %d keys, prefixes %q; want %d keys, prefixes %q", v1, maxKeys, len(l.Keys), l.Prefixes, len(tops), prefixes)
			}
		}
	}

	sc := newS3cmd(t, s, tenantA, false)
	if es := parseLs(t, sc.run(t, "ls", "--recursive", "s3://"+bucket)); len(es) != n {
		t.Errorf("s3cmd ls --recursive lists %d objects, want %d", len(es), n)
	}

	// minio-go sends the keys in DeleteObjects requests of 1000.
	objs := make(chan minio.ObjectInfo, n)
	for _, k := range keys {
		objs <- minio.ObjectInfo{Key: k}
	}
	close(objs)
	for e := range c.RemoveObjects(ctx, bucket, objs, minio.RemoveObjectsOptions{}) {
		t.Errorf("RemoveObjects: %s: %v", e.ObjectName, e.Err)
	}
	if l := list(t, c, bucket, minio.ListObjectsOptions{Recursive: true}, sizes); len(l.Keys) != 0 {
		t.Errorf("after RemoveObjects of every key, %d remain", len(l.Keys))
	}
}
