package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// Real clients' multipart uploads and parallel ranged downloads: each
// file goes up and comes back byte for byte, and the object's ETag is the
// one the client's part size implies.

// The aws CLI with its default transfer settings (8 MiB threshold and
// parts): `aws s3 cp` of 200 MiB is a 25-part upload, and the download is
// parallel ranged GETs.
func TestMultipartAWSCLI(t *testing.T) {
	s := shared(t)
	c := newAWSCLI(t, s, tenantA, awsOpts{})
	// newAWSCLI raises the multipart threshold; put back the defaults.
	cfg := fmt.Sprintf(`[default]
region = %s
output = json
max_attempts = 1
retry_mode = standard
s3 =
  addressing_style = path
  multipart_threshold = 8MB
  multipart_chunksize = 8MB
  max_concurrent_requests = 4
`, region)
	if err := os.WriteFile(c.path(".aws-config"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	const bucket, size, chunk = "mp-awscli", 200 << 20, 8 << 20
	want := writeFile(t, c.path("big.bin"), nil, 4000, size)
	wantETag := mpETagOfFile(t, c.path("big.bin"), chunk)
	c.run(t, "s3", "mb", "s3://"+bucket)
	start := time.Now()
	c.run(t, "s3", "cp", "big.bin", "s3://"+bucket+"/dir/big.bin")
	up := time.Since(start)
	h := c.head(t, bucket, "dir/big.bin")
	if h.ContentLength != size || h.ETag != `"`+wantETag+`"` {
		t.Errorf("head-object after aws s3 cp: size %d, ETag %s; want %d, %q (25 parts of 8 MiB)", h.ContentLength, h.ETag, int64(size), wantETag)
	}
	start = time.Now()
	c.run(t, "s3", "cp", "s3://"+bucket+"/dir/big.bin", "big.down")
	down := time.Since(start)
	if got := fileDigest(t, c.path("big.down")); got != want {
		t.Errorf("aws s3 cp down: %+v, want %+v", got, want)
	}
	t.Logf("aws s3 cp of 200 MiB: up %s, down %s", up.Round(time.Millisecond), down.Round(time.Millisecond))
	var lu struct{ Uploads []any }
	if out := c.run(t, "s3api", "list-multipart-uploads", "--bucket", bucket); strings.TrimSpace(out) != "" {
		c.json(t, &lu, "s3api", "list-multipart-uploads", "--bucket", bucket)
		if len(lu.Uploads) != 0 {
			t.Errorf("uploads left open: %s", out)
		}
	}
	c.run(t, "s3", "rb", "--force", "s3://"+bucket)
}

// rclone with a 10 MiB upload cutoff and 16 MiB chunks: the 100 MiB file
// is a 7-part upload (rclone keeps its MD5 in the metadata), and `rclone
// check` compares sizes and MD5s of the whole tree.
func TestMultipartRclone(t *testing.T) {
	s := shared(t)
	r := newRclone(t, s, tenantA)
	// newRclone sets a 64M cutoff for the remote; the flags below and
	// these (the environment's last value wins) make it 10M.
	r.env = append(r.env, "RCLONE_CONFIG_AMPH_UPLOAD_CUTOFF=10M", "RCLONE_CONFIG_AMPH_CHUNK_SIZE=16M")
	const bucket = "mp-rclone"
	remote := "amph:" + bucket
	files := map[string]int64{"big.bin": 100 << 20, "sub/mid.bin": 12<<20 + 3, "sub/small.txt": 1000}
	want := map[string]digests{}
	seed := uint64(4100)
	for name, size := range files {
		seed++
		p := r.path(filepath.Join("tree", name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		want[name] = writeFile(t, p, nil, seed, size)
	}
	r.run(t, "mkdir", remote)
	mp := []string{"--s3-upload-cutoff", "10M", "--s3-chunk-size", "16M"}
	start := time.Now()
	r.run(t, append([]string{"copy", "tree", remote + "/tree"}, mp...)...)
	t.Logf("rclone copy of the tree (100 MiB + 12 MiB + 1000 B): %s", time.Since(start).Round(time.Millisecond))

	c := s.minioClient(t, tenantA, minioOpts{})
	ctx := testContext(t, time.Minute)
	for name, parts := range map[string]string{"big.bin": "-7", "sub/mid.bin": "-1"} {
		st, err := c.StatObject(ctx, bucket, "tree/"+name, minio.StatObjectOptions{})
		wantETag := mpETagOfFile(t, r.path(filepath.Join("tree", name)), 16<<20)
		if err != nil || st.ETag != wantETag || !strings.HasSuffix(st.ETag, parts) || st.Size != files[name] {
			t.Errorf("%s after rclone copy: ETag %s, size %d (%v); want a multipart ETag %s, size %d", name, st.ETag, st.Size, err, wantETag, files[name])
		}
	}
	ls := r.lsjson(t, remote+"/tree")
	for name, d := range want {
		if e := ls[name]; e.Size != d.Size || e.Hashes["md5"] != d.MD5 {
			t.Errorf("rclone lsjson %s: size %d, md5 %q; want %d, %s", name, e.Size, e.Hashes["md5"], d.Size, d.MD5)
		}
	}
	out, errOut, err := r.try(append([]string{"check", "tree", remote + "/tree"}, mp...)...)
	if err != nil || !strings.Contains(errOut, "0 differences found") || !strings.Contains(errOut, "3 matching files") || strings.Contains(errOut, "could not be checked") {
		t.Errorf("rclone check: %v\n%s%s", err, out, errOut)
	}
	r.run(t, "copy", remote+"/tree", "down")
	for name, d := range want {
		if got := fileDigest(t, r.path(filepath.Join("down", name))); got != d {
			t.Errorf("rclone copy down %s: %+v, want %+v", name, got, d)
		}
	}
	r.run(t, "purge", remote)
}

// s3cmd over signature V2 with 5 MiB parts: a 23 MiB file is a 5-part
// upload, and s3cmd get brings it back whole.
func TestMultipartS3cmd(t *testing.T) {
	s := shared(t)
	c := newS3cmd(t, s, tenantA, false)
	const bucket, size = "mp-s3cmd", 23<<20 + 1234
	uri := "s3://" + bucket
	want := writeFile(t, c.path("big.bin"), nil, 4200, size)
	wantETag := mpETagOfFile(t, c.path("big.bin"), 5<<20)
	c.run(t, "mb", uri)
	c.run(t, "put", "--multipart-chunk-size-mb=5", "big.bin", uri+"/big.bin")
	mc := s.minioClient(t, tenantA, minioOpts{})
	if st, err := mc.StatObject(testContext(t, time.Minute), bucket, "big.bin", minio.StatObjectOptions{}); err != nil || st.ETag != wantETag || !strings.HasSuffix(st.ETag, "-5") {
		t.Errorf("HEAD big.bin after a 5 MiB-part s3cmd put: ETag %s (%v), want %s", st.ETag, err, wantETag)
	}
	// For a multipart ETag, s3cmd ls --list-md5 shows the MD5 s3cmd
	// stored in its x-amz-meta-s3cmd-attrs.
	es := parseLs(t, c.run(t, "ls", "--list-md5", uri+"/big.bin"))
	if len(es) != 1 || es[0].Size != size || es[0].MD5 != want.MD5 {
		t.Errorf("s3cmd ls --list-md5: %+v, want size %d, MD5 %s", es, int64(size), want.MD5)
	}
	c.run(t, "get", uri+"/big.bin", "big.down")
	if got := fileDigest(t, c.path("big.down")); got != want {
		t.Errorf("s3cmd get: %+v, want %+v", got, want)
	}
	c.run(t, "del", uri+"/big.bin")
	c.run(t, "rb", uri)
}
