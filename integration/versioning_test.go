package integration

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Versioning with the aws cli on Cassandra: put-bucket-versioning, two
// versions of a key, get-object --version-id, a delete marker hiding the
// key, list-object-versions, deleting the marker by id, and a Suspended
// write making the null version.
func TestVersioningAWSCLI(t *testing.T) {
	s := shared(t)
	c := newAWSCLI(t, s, tenantA, awsOpts{})
	const bucket = "versioning-awscli"
	c.run(t, "s3", "mb", "s3://"+bucket)
	c.run(t, "s3api", "put-bucket-versioning", "--bucket", bucket, "--versioning-configuration", "Status=Enabled")
	var vc struct{ Status string }
	c.json(t, &vc, "s3api", "get-bucket-versioning", "--bucket", bucket)
	if vc.Status != "Enabled" {
		t.Fatalf("get-bucket-versioning: %+v", vc)
	}
	one, two := c.path("one"), c.path("two")
	w1 := writeFile(t, one, nil, 41, 3<<20) // blocks
	writeFile(t, two, nil, 42, 100)         // inline
	var p1, p2 struct{ VersionId string }
	c.json(t, &p1, "s3api", "put-object", "--bucket", bucket, "--key", "k", "--body", one)
	c.json(t, &p2, "s3api", "put-object", "--bucket", bucket, "--key", "k", "--body", two)
	if p1.VersionId == "" || p1.VersionId == p2.VersionId {
		t.Fatalf("version ids %q %q", p1.VersionId, p2.VersionId)
	}
	var got struct{ VersionId string }
	c.json(t, &got, "s3api", "get-object", "--bucket", bucket, "--key", "k", "--version-id", p1.VersionId, c.path("back"))
	back, err := os.ReadFile(c.path("back"))
	if err != nil {
		t.Fatal(err)
	}
	if got.VersionId != p1.VersionId || md5Hex(back) != w1.MD5 {
		t.Errorf("get-object --version-id: %+v", got)
	}
	var del struct {
		DeleteMarker bool
		VersionId    string
	}
	c.json(t, &del, "s3api", "delete-object", "--bucket", bucket, "--key", "k")
	if !del.DeleteMarker || del.VersionId == "" {
		t.Errorf("delete-object in a versioned bucket: %+v", del)
	}
	if _, errOut, err := c.try("s3api", "head-object", "--bucket", bucket, "--key", "k"); err == nil || !strings.Contains(errOut, "404") {
		t.Errorf("head-object behind a delete marker: %v %s", err, errOut)
	}
	var lv struct {
		Versions []struct {
			Key, VersionId string
			IsLatest       bool
		}
		DeleteMarkers []struct {
			Key, VersionId string
			IsLatest       bool
		}
	}
	c.json(t, &lv, "s3api", "list-object-versions", "--bucket", bucket)
	if len(lv.Versions) != 2 || len(lv.DeleteMarkers) != 1 || !lv.DeleteMarkers[0].IsLatest || lv.Versions[0].VersionId != p2.VersionId {
		t.Errorf("list-object-versions: %+v", lv)
	}
	c.run(t, "s3api", "delete-object", "--bucket", bucket, "--key", "k", "--version-id", del.VersionId)
	var h struct{ VersionId string }
	c.json(t, &h, "s3api", "head-object", "--bucket", bucket, "--key", "k")
	if h.VersionId != p2.VersionId {
		t.Errorf("head-object once the marker is gone: %+v", h)
	}
	c.run(t, "s3api", "put-bucket-versioning", "--bucket", bucket, "--versioning-configuration", "Status=Suspended")
	var p3 struct{ VersionId string }
	c.json(t, &p3, "s3api", "put-object", "--bucket", bucket, "--key", "k", "--body", two)
	if p3.VersionId != "null" {
		t.Errorf("a Suspended put: version %q", p3.VersionId)
	}
	if _, errOut, err := c.try("s3api", "delete-bucket", "--bucket", bucket); err == nil || !strings.Contains(errOut, "BucketNotEmpty") {
		t.Errorf("delete-bucket with versions left: %v %s", err, errOut)
	}
	for _, v := range []string{p1.VersionId, p2.VersionId, "null"} {
		c.run(t, "s3api", "delete-object", "--bucket", bucket, "--key", "k", "--version-id", v)
	}
	c.run(t, "s3api", "delete-bucket", "--bucket", bucket)
}

// boto3's bucket.object_versions.delete() empties a versioned bucket
// (versions and delete markers), after which delete_bucket succeeds.
func TestVersioningBoto3(t *testing.T) {
	s := shared(t)
	hasBoto3 := executable(python3Bin) && exec.Command(python3Bin, "-c", "import boto3").Run() == nil
	needClient(t, "boto3 ("+python3Bin+" with Debian python3-boto3)", hasBoto3)
	script, err := filepath.Abs(filepath.Join("testdata", "boto3_versions.py"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in, _ := json.Marshal(map[string]any{"endpoint": s.URL(), "access_key": tenantA.AccessKey, "secret_key": tenantA.SecretKey,
		"region": region, "bucket": "versioning-boto3"})
	stdout, stderr, err := runClient(dir, clientEnv(dir), 2*time.Minute, python3Bin, script, string(in))
	var r struct {
		Step, Error, Status, First string
		NotEmpty                   string   `json:"not_empty"`
		PutIDs                     []string `json:"put_ids"`
		Marker                     bool
		Versions, Markers, Left    int
		DeletedTooEarly            bool `json:"deleted_too_early"`
	}
	if jerr := json.Unmarshal([]byte(stdout), &r); jerr != nil || err != nil || r.Error != "" {
		t.Fatalf("boto3 versions scenario at %s: %v %v %s\nstdout:\n%s\nstderr:\n%s", r.Step, err, jerr, r.Error, stdout, stderr)
	}
	if r.Status != "Enabled" || len(r.PutIDs) != 3 || r.First != "v0" || !r.Marker || r.Versions != 4 || r.Markers != 1 ||
		r.DeletedTooEarly || r.NotEmpty != "BucketNotEmpty" || r.Left != 0 || r.Step != "done" {
		t.Errorf("boto3 versions scenario: %+v", r)
	}
}
