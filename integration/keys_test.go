package integration

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// awkwardKeys must survive signing, routing, listing and deletion.
var awkwardKeys = []string{
	"日本語/ファイル.txt",
	"caf\u00e9",
	"a b/c d",
	"a+b",
	"100%/x%2Fy",
	"a//b",
	"//lead",
}

// Listing awkwardKeys with delimiter "/" (and no prefix).
var (
	awkwardTopKeys     = []string{"a+b", "caf\u00e9"}
	awkwardTopPrefixes = []string{"/", "100%/", "a b/", "a/", "日本語/"} // byte order
)

// awkwardSize gives each key a distinct size.
func awkwardSize(i int) int64 { return int64(100 + 37*i) }

// Keys put by minio-go, read back by minio-go and by s3cmd.
func TestAwkwardKeysMinio(t *testing.T) {
	s := shared(t)
	ctx := testContext(t, 2*time.Minute)
	c := s.minioClient(t, tenantA, minioOpts{})
	const bucket = "awkward-keys-minio"
	makeBucket(t, c, bucket)
	extra := []string{"q?x=1&y", "#hash", "semi;colon", "tilde~", "quote'\"", "<xml>&amp;"}
	keys := append(slices.Clone(awkwardKeys), extra...)
	sizes := map[string]int64{}
	for i, k := range keys {
		sizes[k] = awkwardSize(i)
		data := payloadBytes(t, uint64(200+i), sizes[k])
		if _, err := c.PutObject(ctx, bucket, k, bytes.NewReader(data), sizes[k], minio.PutObjectOptions{DisableMultipart: true}); err != nil {
			t.Fatalf("PutObject(%q): %v", k, err)
		}
		st, err := c.StatObject(ctx, bucket, k, minio.StatObjectOptions{})
		if err != nil || st.Size != sizes[k] || st.ETag != md5Hex(data) {
			t.Errorf("StatObject(%q) = size %d etag %s, %v", k, st.Size, st.ETag, err)
		}
		if got, err := getBytes(ctx, c, bucket, k, minio.GetObjectOptions{}); err != nil || !bytes.Equal(got, data) {
			t.Errorf("GetObject(%q): %d bytes, %v", k, len(got), err)
		}
	}
	sorted := slices.Clone(keys)
	slices.Sort(sorted)
	for _, v1 := range []bool{false, true} {
		if l := list(t, c, bucket, minio.ListObjectsOptions{Recursive: true, UseV1: v1}, sizes); !slices.Equal(l.Keys, sorted) || len(l.Prefixes) != 0 {
			t.Errorf("V1=%v recursive listing = %v, want %q", v1, l, sorted)
		}
		top := list(t, c, bucket, minio.ListObjectsOptions{UseV1: v1}, sizes)
		wantTop := append(slices.Clone(awkwardTopKeys), extra...)
		slices.Sort(wantTop)
		if !slices.Equal(top.Keys, wantTop) || !slices.Equal(top.Prefixes, awkwardTopPrefixes) {
			t.Errorf("V1=%v delimiter listing = %v, want keys %q prefixes %q", v1, top, wantTop, awkwardTopPrefixes)
		}
		for prefix, want := range map[string]listing{
			"a/":      {Prefixes: []string{"a//"}},
			"/":       {Prefixes: []string{"//"}},
			"//":      {Keys: []string{"//lead"}},
			"日本語/":    {Keys: []string{"日本語/ファイル.txt"}},
			"100%/":   {Keys: []string{"100%/x%2Fy"}},
			"a b/":    {Keys: []string{"a b/c d"}},
			"100%/x%": {Keys: []string{"100%/x%2Fy"}},
		} {
			if got := list(t, c, bucket, minio.ListObjectsOptions{Prefix: prefix, UseV1: v1}, sizes); got.String() != want.String() {
				t.Errorf("V1=%v listing prefix %q: %v, want %v", v1, prefix, got, want)
			}
		}
	}

	// s3cmd reads what minio-go wrote, under the same names.
	sc := newS3cmd(t, s, tenantA, false)
	es := parseLs(t, sc.run(t, "ls", "--recursive", "s3://"+bucket))
	var listed []string
	for _, e := range es {
		listed = append(listed, e.URI)
	}
	var want []string
	for _, k := range awkwardKeys {
		want = append(want, "s3://"+bucket+"/"+k)
	}
	for _, w := range want {
		if !slices.Contains(listed, w) {
			t.Errorf("s3cmd ls --recursive lacks %q; got %q", w, listed)
		}
	}
	for i, k := range awkwardKeys {
		out := fmt.Sprintf("get-%d", i)
		sc.run(t, "get", "s3://"+bucket+"/"+k, out)
		if got, want := fileDigest(t, sc.path(out)), payloadDigest(t, uint64(200+i), sizes[k]); got != want {
			t.Errorf("s3cmd get %q = %+v, want %+v", k, got, want)
		}
	}

	for _, k := range keys {
		if err := c.RemoveObject(ctx, bucket, k, minio.RemoveObjectOptions{}); err != nil {
			t.Errorf("RemoveObject(%q): %v", k, err)
		}
	}
	if l := list(t, c, bucket, minio.ListObjectsOptions{Recursive: true}, sizes); len(l.Keys) != 0 {
		t.Errorf("after deleting every key the listing is %v", l)
	}
}

// Keys put by s3cmd, listed and read by s3cmd and by minio-go.
func TestAwkwardKeysS3cmd(t *testing.T) {
	s := shared(t)
	ctx := testContext(t, 2*time.Minute)
	sc := newS3cmd(t, s, tenantA, false)
	const bucket = "awkward-keys-s3cmd"
	uri := "s3://" + bucket + "/"
	sc.run(t, "mb", "s3://"+bucket)
	sizes := map[string]int64{}
	for i, k := range awkwardKeys {
		sizes[k] = awkwardSize(i)
		f := fmt.Sprintf("put-%d", i)
		writeFile(t, sc.path(f), nil, uint64(300+i), sizes[k])
		sc.run(t, "put", f, uri+k)
	}

	es := parseLs(t, sc.run(t, "ls", "--recursive", "s3://"+bucket))
	sorted := slices.Clone(awkwardKeys)
	slices.Sort(sorted)
	var want []lsEntry
	for _, k := range sorted {
		want = append(want, lsEntry{Size: sizes[k], URI: uri + k})
	}
	if fmt.Sprint(es) != fmt.Sprint(want) {
		t.Errorf("s3cmd ls --recursive =\n%+v\nwant\n%+v", es, want)
	}
	es = parseLs(t, sc.run(t, "ls", "s3://"+bucket))
	want = nil
	for _, p := range awkwardTopPrefixes {
		want = append(want, lsEntry{Dir: true, URI: uri + p})
	}
	for _, k := range awkwardTopKeys {
		want = append(want, lsEntry{Size: sizes[k], URI: uri + k})
	}
	if fmt.Sprint(es) != fmt.Sprint(want) {
		t.Errorf("s3cmd ls (delimiter /) =\n%+v\nwant\n%+v", es, want)
	}

	// minio-go sees exactly the keys s3cmd meant.
	c := s.minioClient(t, tenantA, minioOpts{})
	if l := list(t, c, bucket, minio.ListObjectsOptions{Recursive: true}, sizes); !slices.Equal(l.Keys, sorted) {
		t.Errorf("minio-go lists %v, want %q", l, sorted)
	}
	for i, k := range awkwardKeys {
		got, err := getBytes(ctx, c, bucket, k, minio.GetObjectOptions{})
		if err != nil || !bytes.Equal(got, payloadBytes(t, uint64(300+i), sizes[k])) {
			t.Errorf("minio-go GetObject(%q): %d bytes, %v", k, len(got), err)
		}
		out := fmt.Sprintf("get-%d", i)
		sc.run(t, "get", uri+k, out)
		if got, want := fileDigest(t, sc.path(out)), payloadDigest(t, uint64(300+i), sizes[k]); got != want {
			t.Errorf("s3cmd get %q = %+v, want %+v", k, got, want)
		}
	}

	for _, k := range awkwardKeys {
		sc.run(t, "del", uri+k)
	}
	if es := parseLs(t, sc.run(t, "ls", "--recursive", "s3://"+bucket)); len(es) != 0 {
		t.Errorf("after s3cmd del of every key: %+v", es)
	}
	sc.run(t, "rb", "s3://"+bucket)
}
