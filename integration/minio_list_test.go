package integration

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// listing is what a ListObjects call yielded, in the order it came.
type listing struct {
	Keys     []string // objects
	Prefixes []string // common prefixes
}

func (l listing) String() string {
	return fmt.Sprintf("keys %q prefixes %q", l.Keys, l.Prefixes)
}

// list drains c.ListObjects; objects keep their order, and each object's
// size and ETag are checked against sizes (key -> size).
func list(t *testing.T, c *minio.Client, bucket string, opts minio.ListObjectsOptions, sizes map[string]int64) listing {
	t.Helper()
	ctx := testContext(t, time.Minute)
	var l listing
	n := 0
	for o := range c.ListObjects(ctx, bucket, opts) {
		if o.Err != nil {
			t.Fatalf("ListObjects(%+v): %v", opts, o.Err)
		}
		if n++; n > 10000 {
			t.Fatalf("ListObjects(%+v) does not end", opts)
		}
		if o.ETag == "" && strings.HasSuffix(o.Key, "/") && o.Size == 0 {
			l.Prefixes = append(l.Prefixes, o.Key)
			continue
		}
		l.Keys = append(l.Keys, o.Key)
		if want, ok := sizes[o.Key]; !ok || o.Size != want || len(o.ETag) != 32 {
			t.Errorf("listed %q size %d etag %q; want size %d (known %v)", o.Key, o.Size, o.ETag, want, ok)
		}
	}
	// minio-go yields each page's objects, then its prefixes; pages come in
	// order, so each list is in byte order by itself when the server is right.
	return l
}

func TestMinioListObjects(t *testing.T) {
	s := shared(t)
	ctx := testContext(t, 2*time.Minute)
	c := s.minioClient(t, tenantA, minioOpts{})
	const bucket = "minio-list"
	makeBucket(t, c, bucket)
	keys := []string{"a/1", "a/2", "a/b/3", "b", "c/4", "d", "e/f/g"}
	sizes := map[string]int64{}
	for i, k := range keys {
		size := int64(10 * (i + 1))
		sizes[k] = size
		if _, err := c.PutObject(ctx, bucket, k, bytes.NewReader(payloadBytes(t, uint64(i), size)), size, minio.PutObjectOptions{DisableMultipart: true}); err != nil {
			t.Fatalf("PutObject(%s): %v", k, err)
		}
	}

	cases := []struct {
		name string
		opts minio.ListObjectsOptions
		want listing
	}{
		{"recursive", minio.ListObjectsOptions{Recursive: true}, listing{Keys: keys}},
		{"delimiter", minio.ListObjectsOptions{}, listing{Keys: []string{"b", "d"}, Prefixes: []string{"a/", "c/", "e/"}}},
		{"prefix", minio.ListObjectsOptions{Prefix: "a/"}, listing{Keys: []string{"a/1", "a/2"}, Prefixes: []string{"a/b/"}}},
		{"prefix recursive", minio.ListObjectsOptions{Prefix: "a/", Recursive: true}, listing{Keys: []string{"a/1", "a/2", "a/b/3"}}},
		{"prefix without slash", minio.ListObjectsOptions{Prefix: "a"}, listing{Prefixes: []string{"a/"}}},
		{"prefix of nothing", minio.ListObjectsOptions{Prefix: "zzz", Recursive: true}, listing{}},
		{"start after", minio.ListObjectsOptions{StartAfter: "a/2", Recursive: true}, listing{Keys: keys[2:]}},
		{"start after, delimiter", minio.ListObjectsOptions{StartAfter: "b"}, listing{Keys: []string{"d"}, Prefixes: []string{"c/", "e/"}}},
		{"pages of 2", minio.ListObjectsOptions{Recursive: true, MaxKeys: 2}, listing{Keys: keys}},
		{"pages of 2, delimiter", minio.ListObjectsOptions{MaxKeys: 2}, listing{Keys: []string{"b", "d"}, Prefixes: []string{"a/", "c/", "e/"}}},
		{"pages of 1, prefix", minio.ListObjectsOptions{Prefix: "a/", MaxKeys: 1}, listing{Keys: []string{"a/1", "a/2"}, Prefixes: []string{"a/b/"}}},
	}
	for _, v1 := range []bool{false, true} {
		for _, cs := range cases {
			opts := cs.opts
			opts.UseV1 = v1
			opts.WithMetadata = false
			got := list(t, c, bucket, opts, sizes)
			if got.String() != cs.want.String() {
				t.Errorf("V1=%v %s: got %v, want %v", v1, cs.name, got, cs.want)
			}
		}
	}
}

// max-keys=0 is a valid, empty page (raw V2-signed requests: minio-go
// never sends it).
func TestListMaxKeysZero(t *testing.T) {
	s := shared(t)
	c := s.minioClient(t, tenantA, minioOpts{})
	const bucket = "list-max-keys-zero"
	makeBucket(t, c, bucket)
	ctx := testContext(t, time.Minute)
	if _, err := c.PutObject(ctx, bucket, "k", bytes.NewReader([]byte("v")), 1, minio.PutObjectOptions{DisableMultipart: true}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"?max-keys=0", "?list-type=2&max-keys=0"} {
		r := s.do(t, s.signedRequest(t, tenantA, http.MethodGet, "/"+bucket+q, "", nil))
		if r.Status != 200 || bytes.Contains(r.Body, []byte("<Contents>")) || !bytes.Contains(r.Body, []byte("<MaxKeys>0</MaxKeys>")) {
			t.Errorf("GET /%s%s: %d\n%s", bucket, q, r.Status, r.Body)
		}
	}
}
