package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/keyring"
)

// writeKeyFile writes a key file (keyring.File) of the given ids and
// secrets, def its default.
func writeKeyFile(t *testing.T, path, def string, keys map[string]string) {
	t.Helper()
	var b strings.Builder
	if def != "" {
		b.WriteString("default = \"" + def + "\"\n")
	}
	for id, secret := range keys {
		b.WriteString("\n[[key]]\nid = \"" + id + "\"\nsecret = \"" + secret + "\"\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

func newSecret(t *testing.T) string {
	t.Helper()
	s, err := keyring.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// awsSSEHead is what head-object says of an object's encryption.
type awsSSEHead struct {
	ContentLength        int64
	ETag                 string
	ServerSideEncryption string
	SSEKMSKeyId          string
}

// TestSSEManaged: a server with a key file. The aws CLI stores objects
// with --sse AES256 and --sse aws:kms (a named key), boto3 runs its
// scenario (testdata/boto3_sse_managed.py: multipart, copy, bucket default
// encryption, errors). Then the key file is rotated (a new default key):
// after a restart the old objects still read back and new ones use the
// new key. A wrong key file stops the server from starting, saying why.
func TestSSEManaged(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "keys.toml")
	k1 := newSecret(t)
	writeKeyFile(t, keyFile, "", map[string]string{"k1": k1})
	o := defaultOptions()
	o.KeyFile = keyFile
	s := newServer(t, o)

	c := newAWSCLI(t, s, tenantA, awsOpts{})
	const bucket = "awscli-sse"
	c.run(t, "s3", "mb", "s3://"+bucket)
	want := writeFile(t, c.path("up.bin"), nil, 41, 3<<20+17)
	c.run(t, "s3", "cp", c.path("up.bin"), "s3://"+bucket+"/s3.bin", "--sse", "AES256")
	c.run(t, "s3", "cp", c.path("up.bin"), "s3://"+bucket+"/kms.bin", "--sse", "aws:kms", "--sse-kms-key-id", "k1")
	var h awsSSEHead
	c.json(t, &h, "s3api", "head-object", "--bucket", bucket, "--key", "s3.bin")
	if h.ServerSideEncryption != "AES256" || strings.Trim(h.ETag, `"`) != want.MD5 {
		t.Errorf("head-object of an SSE-S3 object: %+v (md5 %s)", h, want.MD5)
	}
	h = awsSSEHead{}
	c.json(t, &h, "s3api", "head-object", "--bucket", bucket, "--key", "kms.bin")
	if h.ServerSideEncryption != "aws:kms" || h.SSEKMSKeyId != "k1" {
		t.Errorf("head-object of an SSE-KMS object: %+v", h)
	}
	download := func(key string) {
		t.Helper()
		os.Remove(c.path("down.bin"))
		c.run(t, "s3", "cp", "s3://"+bucket+"/"+key, c.path("down.bin"))
		got, err := os.ReadFile(c.path("down.bin"))
		if err != nil {
			t.Fatal(err)
		}
		if md5Hex(got) != want.MD5 {
			t.Errorf("aws s3 cp of %s: downloaded bytes differ", key)
		}
	}
	download("s3.bin")
	download("kms.bin")

	t.Run("boto3", func(t *testing.T) { runBoto3SSEManaged(t, s, "k1") })

	// Rotation: k2 becomes the default; k1 stays for the objects it wraps.
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	writeKeyFile(t, keyFile, "k2", map[string]string{"k1": k1, "k2": newSecret(t)})
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	download("s3.bin")
	download("kms.bin")
	c.run(t, "s3", "cp", c.path("up.bin"), "s3://"+bucket+"/kms2.bin", "--sse", "aws:kms")
	h = awsSSEHead{}
	c.json(t, &h, "s3api", "head-object", "--bucket", bucket, "--key", "kms2.bin")
	if h.SSEKMSKeyId != "k2" {
		t.Errorf("after rotation, a new object's key is %q, want k2", h.SSEKMSKeyId)
	}
	download("kms2.bin")

	// A wrong key file refuses to start, with its reason.
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(keyFile)
	os.WriteFile(keyFile, []byte("[[key]]\nid = \"k1\"\nsecret = \"dG9vIHNob3J0\"\n"), 0o600)
	err := s.Restart()
	if err == nil || !strings.Contains(err.Error(), "encryption.key_file") || !strings.Contains(err.Error(), "base64 of 32") {
		t.Errorf("start with a wrong key file: %v", err)
	}
	if strings.Contains(s.tail(0, 200), k1) {
		t.Error("a master key secret is in the server's log")
	}
	os.WriteFile(keyFile, good, 0o600)
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	download("kms.bin")
}

func runBoto3SSEManaged(t *testing.T, s *server, kmsKey string) {
	needClient(t, "boto3 ("+python3Bin+" with Debian python3-boto3)", executable(python3Bin))
	script, err := filepath.Abs(filepath.Join("testdata", "boto3_sse_managed.py"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in, _ := json.Marshal(map[string]any{"endpoint": s.URL(), "access_key": tenantA.AccessKey, "secret_key": tenantA.SecretKey,
		"region": region, "bucket": "boto3-sse", "workdir": dir, "kms_key": kmsKey})
	stdout, stderr, err := runClient(dir, clientEnv(dir), 5*time.Minute, python3Bin, script, string(in))
	var r struct {
		Step, Error    string
		PutS3SSE       string            `json:"put_s3_sse"`
		PutS3ETagIsMD5 bool              `json:"put_s3_etag_is_md5"`
		PutKMSSSE      string            `json:"put_kms_sse"`
		PutKMSKey      string            `json:"put_kms_key"`
		GetS3OK        bool              `json:"get_s3_ok"`
		GetKMSRangeOK  bool              `json:"get_kms_range_ok"`
		HeadKMSSSE     string            `json:"head_kms_sse"`
		MultipartOK    bool              `json:"multipart_ok"`
		CopySSE        string            `json:"copy_sse"`
		CopyOK         bool              `json:"copy_ok"`
		GetEnc         map[string]string `json:"get_enc"`
		DefaultSSE     string            `json:"default_sse"`
		GetEncNone     json.RawMessage   `json:"get_enc_none"`
		GetEncDeleted  json.RawMessage   `json:"get_enc_deleted"`
		UnknownKMSKey  json.RawMessage   `json:"unknown_kms_key"`
		SSECOnManaged  json.RawMessage   `json:"ssec_on_managed"`
	}
	if jerr := json.Unmarshal([]byte(stdout), &r); jerr != nil {
		t.Fatalf("boto3 SSE-S3/KMS: %v (output not JSON: %v)\nstdout:\n%s\nstderr:\n%s", err, jerr, stdout, stderr)
	}
	if err != nil || r.Error != "" || r.Step != "done" {
		t.Fatalf("boto3 SSE-S3/KMS failed at %s: %v: %s\nstderr:\n%s", r.Step, err, r.Error, stderr)
	}
	if r.PutS3SSE != "AES256" || !r.PutS3ETagIsMD5 || r.PutKMSSSE != "aws:kms" || r.PutKMSKey != kmsKey ||
		!r.GetS3OK || !r.GetKMSRangeOK || r.HeadKMSSSE != "aws:kms" || !r.MultipartOK || r.CopySSE != "aws:kms" || !r.CopyOK ||
		r.GetEnc["SSEAlgorithm"] != "aws:kms" || r.GetEnc["KMSMasterKeyID"] != kmsKey || r.DefaultSSE != "aws:kms" {
		t.Errorf("boto3 SSE-S3/KMS: %s", stdout)
	}
	for name, c := range map[string][2]string{
		"get_bucket_encryption (none)":    {string(r.GetEncNone), `{"status": 404, "code": "ServerSideEncryptionConfigurationNotFoundError"}`},
		"get_bucket_encryption (deleted)": {string(r.GetEncDeleted), `{"status": 404, "code": "ServerSideEncryptionConfigurationNotFoundError"}`},
		"unknown KMS key":                 {string(r.UnknownKMSKey), `{"status": 400, "code": "KMS.NotFoundException"}`},
		"SSE-C on a managed object":       {string(r.SSECOnManaged), `{"status": 400, "code": "InvalidRequest"}`},
	} {
		if c[0] != c[1] {
			t.Errorf("boto3 %s: %s, want %s", name, c[0], c[1])
		}
	}
}
