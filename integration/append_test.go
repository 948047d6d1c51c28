package integration

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/amphora-s3/amphora/sigv4"
)

// v4Append builds an append (method POST: the OSS form; PUT: the RGW
// form) of data at pos, signed with SigV4 over the payload's SHA-256, or
// as aws-chunked signed chunks when chunked.
func (s *server) v4Append(t *testing.T, tn tenant, method, path string, pos int64, data []byte, chunked bool) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path+"?append&position="+strconv.FormatInt(pos, 10), nil)
	if err != nil {
		t.Fatal(err)
	}
	body := data
	if chunked {
		req.Header.Set("Content-Encoding", "aws-chunked")
		req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(data)))
		seed := sigv4.SignRequest(req, tn.AccessKey, tn.SecretKey, region, time.Now(), sigv4.Signed.String())
		var buf bytes.Buffer
		if err := sigv4.EncodeChunked(&buf, data, 64<<10, sigv4.Signed, seed, nil); err != nil {
			t.Fatal(err)
		}
		body = buf.Bytes()
	} else {
		sigv4.SignRequest(req, tn.AccessKey, tn.SecretKey, region, time.Now(), fmt.Sprintf("%x", sha256.Sum256(data)))
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	return req
}

// TestAppendObject drives the real binary on Cassandra with raw SigV4
// appends in both forms (OSS POST and RGW PUT, plain and aws-chunked
// bodies, across block boundaries) and reads the object back with
// minio-go: whole, ranged, stat and listing. Wrong positions, a normal
// object and a versioned bucket are refused with the S3 error XML; a PUT
// replaces the appendable object and a DELETE removes it.
func TestAppendObject(t *testing.T) {
	s := shared(t)
	ctx := testContext(t, 3*time.Minute)
	c := s.minioClient(t, tenantA, minioOpts{})
	const bucket = "append-objects"
	makeBucket(t, c, bucket)
	path := "/" + bucket + "/stream/video.ts"

	var want []byte
	for i, n := range []int{1000, 1 << 20, 300 << 10, 1, 2<<20 + 7} {
		data := payloadBytes(t, uint64(80+i), int64(n))
		method, header := http.MethodPost, "X-Oss-Next-Append-Position"
		if i%2 == 1 {
			method, header = http.MethodPut, "X-Rgw-Next-Append-Position"
		}
		r := s.do(t, s.v4Append(t, tenantA, method, path, int64(len(want)), data, i >= 3))
		want = append(want, data...)
		if r.Status != http.StatusOK || r.Header.Get(header) != strconv.Itoa(len(want)) {
			t.Fatalf("append %d (%s): %d, %s = %q, want %d; %s", i+1, method, r.Status, header, r.Header.Get(header), len(want), r.Body)
		}
		if etag := r.Header.Get("ETag"); !strings.HasSuffix(etag, fmt.Sprintf(`-%d"`, i+1)) {
			t.Errorf("append %d: ETag %s", i+1, etag)
		}
	}
	obj, err := c.GetObject(ctx, bucket, "stream/video.ts", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(obj)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("minio GetObject: %d bytes (want %d), %v", len(got), len(want), err)
	}
	st, err := c.StatObject(ctx, bucket, "stream/video.ts", minio.StatObjectOptions{})
	if err != nil || st.Size != int64(len(want)) {
		t.Fatalf("StatObject: %+v, %v", st, err)
	}
	opts := minio.GetObjectOptions{}
	lo, hi := int64(1000+(1<<20)-5), int64(1000+(1<<20)+(300<<10)+10) // across two appends
	if err := opts.SetRange(lo, hi); err != nil {
		t.Fatal(err)
	}
	robj, err := c.GetObject(ctx, bucket, "stream/video.ts", opts)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(robj); err != nil || !bytes.Equal(got, want[lo:hi+1]) {
		t.Fatalf("ranged GetObject across appends: %d bytes, %v", len(got), err)
	}
	for o := range c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil || o.Key != "stream/video.ts" || o.Size != int64(len(want)) || o.ETag != st.ETag {
			t.Errorf("listing: %+v, want size %d etag %s", o, len(want), st.ETag)
		}
	}

	// Wrong position: 409 PositionNotEqualToLength with the length.
	r := s.do(t, s.v4Append(t, tenantA, http.MethodPost, path, 5, []byte("x"), false))
	if r.Status != http.StatusConflict || !bytes.Contains(r.Body, []byte("<Code>PositionNotEqualToLength</Code>")) ||
		!bytes.Contains(r.Body, []byte("<RequestId>")) || r.Header.Get("X-Oss-Next-Append-Position") != strconv.Itoa(len(want)) {
		t.Errorf("append at a wrong position: %d %s %v", r.Status, r.Body, r.Header)
	}
	r = s.do(t, s.v4Append(t, tenantA, http.MethodPut, path, 5, []byte("x"), false))
	if r.Status != http.StatusConflict || r.Header.Get("X-Rgw-Next-Append-Position") != strconv.Itoa(len(want)) {
		t.Errorf("RGW append at a wrong position: %d %s %v", r.Status, r.Body, r.Header)
	}
	// Another tenant may not append.
	r = s.do(t, s.v4Append(t, tenantB, http.MethodPost, path, int64(len(want)), []byte("x"), false))
	if r.Status != http.StatusForbidden {
		t.Errorf("another tenant's append: %d %s", r.Status, r.Body)
	}

	// A normal object is not appendable; a PUT replaces an appendable one.
	if _, err := c.PutObject(ctx, bucket, "normal", bytes.NewReader([]byte("normal")), 6, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	r = s.do(t, s.v4Append(t, tenantA, http.MethodPost, "/"+bucket+"/normal", 6, []byte("x"), false))
	if r.Status != http.StatusConflict || !bytes.Contains(r.Body, []byte("<Code>ObjectNotAppendable</Code>")) {
		t.Errorf("append to a normal object: %d %s", r.Status, r.Body)
	}
	if _, err := c.PutObject(ctx, bucket, "stream/video.ts", bytes.NewReader([]byte("replaced")), 8, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	r = s.do(t, s.v4Append(t, tenantA, http.MethodPost, path, 8, []byte("x"), false))
	if r.Status != http.StatusConflict || !bytes.Contains(r.Body, []byte("<Code>ObjectNotAppendable</Code>")) {
		t.Errorf("append after a PUT replaced it: %d %s", r.Status, r.Body)
	}
	// DELETE removes it; position 0 starts afresh.
	r = s.do(t, s.v4Append(t, tenantA, http.MethodPost, "/"+bucket+"/gone", 0, []byte("doomed"), false))
	if r.Status != http.StatusOK {
		t.Fatalf("append: %d %s", r.Status, r.Body)
	}
	if err := c.RemoveObject(ctx, bucket, "gone", minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.StatObject(ctx, bucket, "gone", minio.StatObjectOptions{}); err == nil {
		t.Errorf("StatObject after DELETE of an appendable object succeeded")
	}

	// curl's own SigV4 signer (the README's example): appends and reads.
	// curl 7.x signs a bare "?append" as "append" where SigV4 wants
	// "append=", so the URL spells it so; and it sends no
	// x-amz-content-sha256 of its own.
	if _, err := exec.LookPath("curl"); err == nil {
		curl := func(args ...string) (string, string) {
			t.Helper()
			hdr := filepath.Join(t.TempDir(), "headers")
			cmd := exec.CommandContext(ctx, "curl", append([]string{"-sS", "-D", hdr,
				"--aws-sigv4", "aws:amz:" + region + ":s3", "--user", tenantA.AccessKey + ":" + tenantA.SecretKey,
				"-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD"}, args...)...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("curl %v: %v\n%s", args, err, out)
			}
			h, _ := os.ReadFile(hdr)
			return string(out), string(h)
		}
		u := s.URL() + "/" + bucket + "/curl.log"
		out, h := curl("-X", "POST", "--data-binary", "first line\n", u+"?append=&position=0")
		if !strings.Contains(strings.ToLower(h), "x-oss-next-append-position: 11") {
			t.Errorf("curl append: headers\n%s%s", h, out)
		}
		_, h = curl("-X", "PUT", "--data-binary", "second line\n", u+"?append=&position=11")
		if !strings.Contains(strings.ToLower(h), "x-rgw-next-append-position: 23") {
			t.Errorf("curl RGW append: headers\n%s", h)
		}
		if out, _ := curl(u); out != "first line\nsecond line\n" {
			t.Errorf("curl GET: %q", out)
		}
	} else {
		t.Log("curl not installed: its append example is not checked")
	}

	// A versioned bucket refuses appends.
	const vb = "append-versioned"
	makeBucket(t, c, vb)
	if err := c.EnableVersioning(ctx, vb); err != nil {
		t.Fatal(err)
	}
	r = s.do(t, s.v4Append(t, tenantA, http.MethodPost, "/"+vb+"/k", 0, []byte("x"), false))
	if r.Status != http.StatusBadRequest || !bytes.Contains(r.Body, []byte("<Code>InvalidRequest</Code>")) {
		t.Errorf("append in a versioned bucket: %d %s", r.Status, r.Body)
	}
}
