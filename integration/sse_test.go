package integration

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/encrypt"
)

// TestSSECMinio: minio-go's SSE-C (encrypt.NewSSEC) through a single
// PUT, a multipart PUT, ranged and whole GETs, stat, a copy under a new
// key and a compose (UploadPartCopy) from SSE-C sources; a missing or
// wrong key is refused as S3 refuses it.
func TestSSECMinio(t *testing.T) {
	s := shared(t)
	ctx := testContext(t, 3*time.Minute)
	c := s.minioClient(t, tenantA, minioOpts{V4: true})
	const bucket = "minio-ssec"
	makeBucket(t, c, bucket)
	newKey := func() encrypt.ServerSide {
		k := make([]byte, 32)
		rand.Read(k)
		sse, err := encrypt.NewSSEC(k)
		if err != nil {
			t.Fatal(err)
		}
		return sse
	}
	k1, k2 := newKey(), newKey()

	small := payloadBytes(t, 31, 700<<10+3)
	if _, err := c.PutObject(ctx, bucket, "small", bytes.NewReader(small), int64(len(small)),
		minio.PutObjectOptions{ServerSideEncryption: k1, DisableMultipart: true}); err != nil {
		t.Fatalf("PutObject with SSE-C: %v", err)
	}
	get := func(key string, sse encrypt.ServerSide, o minio.GetObjectOptions) ([]byte, error) {
		o.ServerSideEncryption = sse
		return getBytes(ctx, c, bucket, key, o)
	}
	if got, err := get("small", k1, minio.GetObjectOptions{}); err != nil || !bytes.Equal(got, small) {
		t.Errorf("GetObject with the key: %d bytes, %v", len(got), err)
	}
	var ro minio.GetObjectOptions
	ro.SetRange(100, 300<<10)
	if got, err := get("small", k1, ro); err != nil || !bytes.Equal(got, small[100:300<<10+1]) {
		t.Errorf("ranged GetObject with the key: %d bytes, %v", len(got), err)
	}
	if st, err := c.StatObject(ctx, bucket, "small", minio.StatObjectOptions{ServerSideEncryption: k1}); err != nil || st.Size != int64(len(small)) {
		t.Errorf("StatObject with the key: %+v, %v", st, err)
	}
	_, err := get("small", nil, minio.GetObjectOptions{})
	wantErrorCode(t, "GetObject without the key", err, 400, "InvalidRequest")
	_, err = get("small", k2, minio.GetObjectOptions{})
	wantErrorCode(t, "GetObject with another key", err, 403, "AccessDenied")

	big := payloadBytes(t, 32, 11<<20+5)
	if _, err := c.PutObject(ctx, bucket, "big", bytes.NewReader(big), int64(len(big)),
		minio.PutObjectOptions{ServerSideEncryption: k1, PartSize: 5 << 20}); err != nil {
		t.Fatalf("multipart PutObject with SSE-C: %v", err)
	}
	if got, err := get("big", k1, minio.GetObjectOptions{}); err != nil || !bytes.Equal(got, big) {
		t.Errorf("GetObject of the multipart SSE-C object: %d bytes, %v", len(got), err)
	}

	if _, err := c.CopyObject(ctx, minio.CopyDestOptions{Bucket: bucket, Object: "copy", Encryption: k2},
		minio.CopySrcOptions{Bucket: bucket, Object: "small", Encryption: encrypt.SSECopy(k1)}); err != nil {
		t.Fatalf("CopyObject between SSE-C keys: %v", err)
	}
	if got, err := get("copy", k2, minio.GetObjectOptions{}); err != nil || !bytes.Equal(got, small) {
		t.Errorf("GetObject of the copy: %d bytes, %v", len(got), err)
	}
	if _, err := c.ComposeObject(ctx, minio.CopyDestOptions{Bucket: bucket, Object: "composed", Encryption: k2},
		minio.CopySrcOptions{Bucket: bucket, Object: "big", Encryption: encrypt.SSECopy(k1)},
		minio.CopySrcOptions{Bucket: bucket, Object: "copy", Encryption: encrypt.SSECopy(k2)}); err != nil {
		t.Fatalf("ComposeObject from SSE-C sources: %v", err)
	}
	if got, err := get("composed", k2, minio.GetObjectOptions{}); err != nil || !bytes.Equal(got, append(append([]byte(nil), big...), small...)) {
		t.Errorf("GetObject of the composed object: %d bytes, %v", len(got), err)
	}
}

// TestSSECAWSCLI: aws s3 cp --sse-c up and down, and a download with
// the wrong key failing.
func TestSSECAWSCLI(t *testing.T) {
	s := shared(t)
	c := newAWSCLI(t, s, tenantA, awsOpts{})
	const bucket = "awscli-ssec"
	c.run(t, "s3", "mb", "s3://"+bucket)
	k1, k2 := make([]byte, 32), make([]byte, 32)
	rand.Read(k1)
	rand.Read(k2)
	if err := os.WriteFile(c.path("k1"), k1, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.path("k2"), k2, 0o600); err != nil {
		t.Fatal(err)
	}
	want := writeFile(t, c.path("up.bin"), nil, 33, 3<<20+17)
	c.run(t, "s3", "cp", c.path("up.bin"), "s3://"+bucket+"/enc.bin", "--sse-c", "AES256", "--sse-c-key", "fileb://"+c.path("k1"))
	c.run(t, "s3", "cp", "s3://"+bucket+"/enc.bin", c.path("down.bin"), "--sse-c", "AES256", "--sse-c-key", "fileb://"+c.path("k1"))
	got, err := os.ReadFile(c.path("down.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if md5Hex(got) != want.MD5 {
		t.Errorf("aws s3 cp with --sse-c: downloaded bytes differ")
	}
	var h awsHead
	c.json(t, &h, "s3api", "head-object", "--bucket", bucket, "--key", "enc.bin",
		"--sse-customer-algorithm", "AES256", "--sse-customer-key", "fileb://"+c.path("k1"))
	if h.ContentLength != 3<<20+17 {
		t.Errorf("head-object with the key: %+v", h)
	}
	if _, errOut, err := c.try("s3", "cp", "s3://"+bucket+"/enc.bin", c.path("bad.bin"), "--sse-c", "AES256", "--sse-c-key", "fileb://"+c.path("k2")); err == nil ||
		!strings.Contains(errOut, "403") {
		t.Errorf("aws s3 cp with the wrong key: %v\n%s", err, errOut)
	}
	if _, errOut, err := c.try("s3", "cp", "s3://"+bucket+"/enc.bin", c.path("bad.bin")); err == nil || !strings.Contains(errOut, "400") {
		t.Errorf("aws s3 cp without the key: %v\n%s", err, errOut)
	}
}

// TestSSECBoto3: testdata/boto3_ssec.py (SSECustomerKey on put, get,
// head, upload_file multipart, copy_object).
func TestSSECBoto3(t *testing.T) {
	s := shared(t)
	needClient(t, "boto3 ("+python3Bin+" with Debian python3-boto3)", executable(python3Bin))
	script, err := filepath.Abs(filepath.Join("testdata", "boto3_ssec.py"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in, _ := json.Marshal(map[string]any{"endpoint": s.URL(), "access_key": tenantA.AccessKey, "secret_key": tenantA.SecretKey,
		"region": region, "bucket": "boto3-ssec", "workdir": dir})
	stdout, stderr, err := runClient(dir, clientEnv(dir), 5*time.Minute, python3Bin, script, string(in))
	var r struct {
		Step, Error  string
		PutAlg       string `json:"put_alg"`
		PutETagIsMD5 bool   `json:"put_etag_is_md5"`
		GetOK        bool   `json:"get_ok"`
		RangeOK      bool   `json:"range_ok"`
		HeadLen      int64  `json:"head_len"`
		MultipartOK  bool   `json:"multipart_ok"`
		CopyOK       bool   `json:"copy_ok"`
	}
	if jerr := json.Unmarshal([]byte(stdout), &r); jerr != nil {
		t.Fatalf("boto3 SSE-C: %v (output not JSON: %v)\nstdout:\n%s\nstderr:\n%s", err, jerr, stdout, stderr)
	}
	var raw map[string]json.RawMessage
	json.Unmarshal([]byte(stdout), &raw)
	errOf := func(name string) string { return string(raw[name]) }
	if err != nil || r.Error != "" || r.Step != "done" {
		t.Fatalf("boto3 SSE-C failed at %s: %v: %s\nstderr:\n%s", r.Step, err, r.Error, stderr)
	}
	if r.PutAlg != "AES256" || r.PutETagIsMD5 || !r.GetOK || !r.RangeOK || r.HeadLen != 300_000 || !r.MultipartOK || !r.CopyOK {
		t.Errorf("boto3 SSE-C: %s", stdout)
	}
	for name, want := range map[string]string{
		"get_no_key":     `{"status": 400, "code": "InvalidRequest"}`,
		"get_wrong_key":  `{"status": 403, "code": "AccessDenied"}`,
		"head_wrong_key": `{"status": 403, "code": "403"}`,
		"copy_old_key":   `{"status": 403, "code": "AccessDenied"}`,
	} {
		if got := errOf(name); got != want {
			t.Errorf("boto3 %s: %s, want %s", name, got, want)
		}
	}
}
