package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// admin runs `amphora admin -config <the server's> -json args...` and
// decodes its JSON output into v (nil: ignore it).
func (s *server) admin(t *testing.T, v any, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, s.bin, append([]string{"admin", "-config", s.Config, "-json"}, args...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("amphora admin %s: %v\n%s%s", strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	if v != nil {
		if err := json.Unmarshal(stdout.Bytes(), v); err != nil {
			t.Fatalf("amphora admin %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, stdout.Bytes())
		}
	}
}

// adminKey is a key as `amphora admin -json key create` prints it.
type adminKey struct {
	AccessKey string            `json:"access_key"`
	SecretKey string            `json:"secret_key"`
	Account   string            `json:"account"`
	Buckets   map[string]string `json:"buckets"`
}

// newKey creates a key for account with `amphora admin` and returns it as
// a tenant the clients can sign with.
func (s *server) newKey(t *testing.T, account string, buckets ...string) tenant {
	t.Helper()
	args := []string{"key", "create", account}
	for _, b := range buckets {
		args = append(args, "-bucket", b)
	}
	var keys []adminKey
	s.admin(t, &keys, args...)
	if len(keys) != 1 || keys[0].SecretKey == "" {
		t.Fatalf("key create printed %+v", keys)
	}
	return tenant{Name: account, AccessKey: keys[0].AccessKey, SecretKey: keys[0].SecretKey}
}

// A key restricted with `amphora admin` to one bucket reads and writes
// it, with the aws cli and boto3, and gets 403 everywhere else; its secret
// is sealed in Cassandra.
func TestScopedKeyClients(t *testing.T) {
	s := newServer(t, defaultOptions())
	ctx := testContext(t, 5*time.Minute)
	owner := s.minioClient(t, tenantA, minioOpts{})
	makeBucket(t, owner, "scoped-in")
	makeBucket(t, owner, "scoped-out")
	if _, err := owner.PutObject(ctx, "scoped-out", "secret.txt", strings.NewReader("no"), 2, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	key := s.newKey(t, tenantA.Name, "scoped-in:readwrite")

	var raw []byte
	if err := cqlSession(t, s).Query(`SELECT secret FROM access_keys WHERE id = ?`, key.AccessKey).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(key.SecretKey)) {
		t.Error("the secret key is stored in the clear although a master key is set")
	}

	aws := newAWSCLI(t, s, key, awsOpts{})
	local := aws.path("in.txt")
	if err := os.WriteFile(local, []byte("scoped bytes"), 0o600); err != nil {
		t.Fatal(err)
	}
	aws.run(t, "s3", "cp", local, "s3://scoped-in/in.txt")
	if out := aws.run(t, "s3", "cp", "s3://scoped-in/in.txt", "-"); out != "scoped bytes" {
		t.Errorf("aws s3 cp back: %q", out)
	}
	var lb struct{ Buckets []struct{ Name string } }
	aws.json(t, &lb, "s3api", "list-buckets")
	if len(lb.Buckets) != 1 || lb.Buckets[0].Name != "scoped-in" {
		t.Errorf("list-buckets with a key restricted to scoped-in: %+v", lb.Buckets)
	}
	for _, args := range [][]string{
		{"s3", "ls", "s3://scoped-out"},
		{"s3", "cp", "s3://scoped-out/secret.txt", "-"},
		{"s3", "cp", local, "s3://scoped-out/in.txt"},
		{"s3", "mb", "s3://scoped-new"},
		{"s3", "rb", "s3://scoped-in"},
	} {
		_, errOut, err := aws.try(args...)
		if err == nil || !strings.Contains(errOut, "AccessDenied") && !strings.Contains(errOut, "403") {
			t.Errorf("aws %s with a key restricted to scoped-in: %v\n%s", strings.Join(args, " "), err, errOut)
		}
	}

	hasBoto3 := executable(python3Bin) && exec.Command(python3Bin, "-c", "import boto3").Run() == nil
	needClient(t, "boto3", hasBoto3)
	script := `
import json, sys, boto3
from botocore.config import Config
from botocore.exceptions import ClientError
a = json.loads(sys.argv[1])
s3 = boto3.client("s3", endpoint_url=a["endpoint"], aws_access_key_id=a["ak"], aws_secret_access_key=a["sk"],
    region_name="us-east-1", config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
out = {}
s3.put_object(Bucket="scoped-in", Key="boto.txt", Body=b"from boto3")
out["get"] = s3.get_object(Bucket="scoped-in", Key="boto.txt")["Body"].read().decode()
for name, call in [("get_out", lambda: s3.get_object(Bucket="scoped-out", Key="secret.txt")),
                   ("put_out", lambda: s3.put_object(Bucket="scoped-out", Key="x", Body=b"x")),
                   ("list_out", lambda: s3.list_objects_v2(Bucket="scoped-out"))]:
    try:
        call()
        out[name] = "allowed"
    except ClientError as e:
        out[name] = e.response["Error"]["Code"]
print(json.dumps(out))
`
	dir := t.TempDir()
	scriptPath := filepath.Join(dir, "scoped.py")
	if err := os.WriteFile(scriptPath, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	in, _ := json.Marshal(map[string]string{"endpoint": s.URL(), "ak": key.AccessKey, "sk": key.SecretKey})
	stdout, stderr, err := runClient(dir, clientEnv(dir), 2*time.Minute, python3Bin, scriptPath, string(in))
	if err != nil {
		t.Fatalf("boto3: %v\n%s\n%s", err, stdout, stderr)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("boto3 output %q: %v", stdout, err)
	}
	want := map[string]string{"get": "from boto3", "get_out": "AccessDenied", "put_out": "AccessDenied", "list_out": "AccessDenied"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("boto3 %s = %q, want %q", k, got[k], v)
		}
	}
}

// A key disabled with `amphora admin` stops working on every frontend of
// a two-frontend setup within accounts.key_cache_ttl; enabled again, it
// works again.
func TestKeyRevocationTwoFrontends(t *testing.T) {
	const ttl = 2 * time.Second
	o := defaultOptions()
	o.KeyCacheTTL = ttl
	one := newServer(t, o)
	two, err := startServer(amphoraBinary(t), one.Hosts, one.Keyspace, one.Options, t.TempDir())
	if err != nil {
		t.Fatalf("second frontend: %v", err)
	}
	t.Cleanup(func() {
		if err := two.Stop(); err != nil {
			t.Errorf("stop second frontend: %v", err)
		}
	})
	ctx := testContext(t, 3*time.Minute)
	makeBucket(t, one.minioClient(t, tenantA, minioOpts{}), "revoke")
	key := one.newKey(t, tenantA.Name)
	clients := []*minio.Client{one.minioClient(t, key, minioOpts{}), two.minioClient(t, key, minioOpts{V4: true})}
	for i, c := range clients {
		if _, err := c.PutObject(ctx, "revoke", "k", strings.NewReader("v"), 1, minio.PutObjectOptions{}); err != nil {
			t.Fatalf("frontend %d with the new key: %v", i+1, err)
		}
	}

	one.admin(t, nil, "key", "disable", key.AccessKey)
	disabled := time.Now()
	for i, c := range clients {
		for {
			_, err := getBytes(ctx, c, "revoke", "k", minio.GetObjectOptions{})
			if err != nil {
				wantErrorCode(t, "GET with a disabled key", err, 403, "InvalidAccessKeyId")
				t.Logf("frontend %d refused the disabled key after %s (key_cache_ttl %s)", i+1, time.Since(disabled).Round(time.Millisecond), ttl)
				break
			}
			if time.Since(disabled) > ttl+2*time.Second {
				t.Fatalf("frontend %d still accepts the key %s after it was disabled (key_cache_ttl %s)", i+1, time.Since(disabled), ttl)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	one.admin(t, nil, "key", "enable", key.AccessKey)
	time.Sleep(ttl + 200*time.Millisecond)
	for i, c := range clients {
		if _, err := c.StatObject(ctx, "revoke", "k", minio.StatObjectOptions{}); err != nil {
			t.Errorf("frontend %d after the key was enabled again: %v", i+1, err)
		}
	}
}
