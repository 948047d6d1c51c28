package integration

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
)

// Bucket policies and Block Public Access with the aws cli on Cassandra:
// a public-read policy with a denied prefix serves an anonymous GET and
// keeps the prefix closed (to the owner too); another account named in
// the policy lists the bucket; get-bucket-policy returns the document,
// get-bucket-policy-status says it is public; a malformed policy is
// refused naming the bad element; a public access block with
// RestrictPublicBuckets closes the bucket to everyone but the owner.
func TestBucketPolicyAWSCLI(t *testing.T) {
	s := shared(t)
	alice := newAWSCLI(t, s, tenantA, awsOpts{})
	bob := newAWSCLI(t, s, tenantB, awsOpts{})
	const bucket = "policy-awscli"
	alice.run(t, "s3", "mb", "s3://"+bucket)
	t.Cleanup(func() {
		alice.try("s3api", "delete-public-access-block", "--bucket", bucket)
		alice.try("s3api", "delete-bucket-policy", "--bucket", bucket)
		alice.try("s3", "rb", "--force", "s3://"+bucket)
	})
	local := alice.path("f.txt")
	want := writeFile(t, local, nil, 11, 3000)
	alice.run(t, "s3", "cp", local, "s3://"+bucket+"/f.txt")
	alice.run(t, "s3", "cp", local, "s3://"+bucket+"/private/secret.txt")

	if _, errOut, err := alice.try("s3api", "get-bucket-policy", "--bucket", bucket); err == nil || !strings.Contains(errOut, "NoSuchBucketPolicy") {
		t.Fatalf("get-bucket-policy with none set: %v %s", err, errOut)
	}
	doc := `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/*"},` +
		`{"Sid":"NotPrivate","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/private/*"},` +
		`{"Sid":"BobLists","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::` + tenantB.Name + `:root"]},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::` + bucket + `"}]}`
	file := alice.path("policy.json")
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	alice.run(t, "s3api", "put-bucket-policy", "--bucket", bucket, "--policy", "file://"+file)
	var got struct{ Policy string }
	alice.json(t, &got, "s3api", "get-bucket-policy", "--bucket", bucket)
	if got.Policy != doc {
		t.Errorf("get-bucket-policy = %s, want the document put", got.Policy)
	}
	var status struct{ PolicyStatus struct{ IsPublic bool } }
	alice.json(t, &status, "s3api", "get-bucket-policy-status", "--bucket", bucket)
	if !status.PolicyStatus.IsPublic {
		t.Errorf("get-bucket-policy-status of a public-read policy: %+v", status)
	}

	url := s.URL() + "/" + bucket
	if code, body := anonymousGet(t, s, url+"/f.txt"); code != http.StatusOK || md5Hex(body) != want.MD5 {
		t.Errorf("anonymous GET under the public-read policy: %d, %d bytes", code, len(body))
	}
	if code, _ := anonymousGet(t, s, url+"/private/secret.txt"); code != http.StatusForbidden {
		t.Errorf("anonymous GET of a denied prefix: %d", code)
	}
	if _, errOut, err := alice.try("s3", "cp", "s3://"+bucket+"/private/secret.txt", alice.path("back")); err == nil || !strings.Contains(errOut, "403") {
		t.Errorf("the owner reads a prefix the policy denies to everyone: %v %s", err, errOut)
	}
	if code, _ := anonymousGet(t, s, url); code != http.StatusForbidden {
		t.Errorf("anonymous listing (the policy allows GetObject only): %d", code)
	}
	if out := bob.run(t, "s3", "ls", "s3://"+bucket+"/"); !strings.Contains(out, "f.txt") {
		t.Errorf("bob's listing, allowed by the policy: %q", out)
	}
	if _, errOut, err := bob.try("s3", "cp", local, "s3://"+bucket+"/bob.txt"); err == nil || !strings.Contains(errOut, "AccessDenied") {
		t.Errorf("bob writes with a policy that allows listing only: %v %s", err, errOut)
	}
	if _, errOut, err := bob.try("s3api", "get-bucket-policy", "--bucket", bucket); err == nil || !strings.Contains(errOut, "AccessDenied") {
		t.Errorf("bob reads the policy: %v %s", err, errOut)
	}

	bad := alice.path("bad.json")
	if err := os.WriteFile(bad, []byte(strings.Replace(doc, "s3:ListBucket", "s3:ListBuckt", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errOut, err := alice.try("s3api", "put-bucket-policy", "--bucket", bucket, "--policy", "file://"+bad); err == nil ||
		!strings.Contains(errOut, "MalformedPolicy") || !strings.Contains(errOut, "s3:ListBuckt") {
		t.Errorf("a policy with a misspelt action: %v %s", err, errOut)
	}

	alice.run(t, "s3api", "put-public-access-block", "--bucket", bucket, "--public-access-block-configuration",
		"BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true")
	var pab struct {
		PublicAccessBlockConfiguration map[string]bool
	}
	alice.json(t, &pab, "s3api", "get-public-access-block", "--bucket", bucket)
	if len(pab.PublicAccessBlockConfiguration) != 4 || !pab.PublicAccessBlockConfiguration["RestrictPublicBuckets"] {
		b, _ := json.Marshal(pab)
		t.Errorf("get-public-access-block: %s", b)
	}
	if code, _ := anonymousGet(t, s, url+"/f.txt"); code != http.StatusForbidden {
		t.Errorf("anonymous GET once RestrictPublicBuckets is set: %d", code)
	}
	if _, errOut, err := bob.try("s3", "ls", "s3://"+bucket+"/"); err == nil || !strings.Contains(errOut, "AccessDenied") {
		t.Errorf("bob lists once RestrictPublicBuckets is set: %v %s", err, errOut)
	}
	if _, errOut, err := alice.try("s3api", "put-bucket-policy", "--bucket", bucket, "--policy", "file://"+file); err == nil || !strings.Contains(errOut, "AccessDenied") {
		t.Errorf("a public policy under BlockPublicPolicy: %v %s", err, errOut)
	}
	if _, errOut, err := alice.try("s3api", "put-object-acl", "--bucket", bucket, "--key", "f.txt", "--acl", "public-read"); err == nil || !strings.Contains(errOut, "AccessDenied") {
		t.Errorf("a public object ACL under BlockPublicAcls: %v %s", err, errOut)
	}
	alice.run(t, "s3", "cp", "s3://"+bucket+"/f.txt", alice.path("mine"))

	alice.run(t, "s3api", "delete-public-access-block", "--bucket", bucket)
	if code, _ := anonymousGet(t, s, url+"/f.txt"); code != http.StatusOK {
		t.Errorf("anonymous GET once the block is gone: %d", code)
	}
	alice.run(t, "s3api", "delete-bucket-policy", "--bucket", bucket)
	if code, _ := anonymousGet(t, s, url+"/f.txt"); code != http.StatusForbidden {
		t.Errorf("anonymous GET once the policy is gone: %d", code)
	}
}

// s3cmd's policy commands: setpolicy, info showing it, delpolicy.
func TestBucketPolicyS3cmd(t *testing.T) {
	s := shared(t)
	c := newS3cmd(t, s, tenantA, false)
	const bucket = "policy-s3cmd"
	c.run(t, "mb", "s3://"+bucket)
	t.Cleanup(func() { c.try("rb", "--recursive", "--force", "s3://"+bucket) })
	local := c.path("p.txt")
	want := writeFile(t, local, nil, 5, 700)
	c.run(t, "put", local, "s3://"+bucket+"/p.txt")
	if out := c.run(t, "info", "s3://"+bucket); !strings.Contains(out, "Policy:    none") {
		t.Errorf("s3cmd info without a policy:\n%s", out)
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::` + bucket + `/*"]}]}`
	file := c.path("policy.json")
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	c.run(t, "setpolicy", file, "s3://"+bucket)
	if out := c.run(t, "info", "s3://"+bucket); !strings.Contains(out, `"s3:GetObject"`) {
		t.Errorf("s3cmd info with a policy:\n%s", out)
	}
	if code, body := anonymousGet(t, s, s.URL()+"/"+bucket+"/p.txt"); code != http.StatusOK || md5Hex(body) != want.MD5 {
		t.Errorf("anonymous GET under the policy s3cmd set: %d", code)
	}
	c.run(t, "delpolicy", "s3://"+bucket)
	if code, _ := anonymousGet(t, s, s.URL()+"/"+bucket+"/p.txt"); code != http.StatusForbidden {
		t.Errorf("anonymous GET after delpolicy: %d", code)
	}
}
