package integration

import (
	"strings"
	"testing"
)

// Bucket ACLs with the aws cli, as users set them: put-bucket-acl with a
// canned ACL and with a grant to another account (by its canonical id,
// as get-bucket-acl shows it), get-bucket-acl, and what the grantee may
// then do; ownership controls turn ACLs off.
func TestBucketACLAWSCLI(t *testing.T) {
	s := shared(t)
	alice := newAWSCLI(t, s, tenantA, awsOpts{})
	bob := newAWSCLI(t, s, tenantB, awsOpts{})
	const bucket = "acl-awscli"
	alice.run(t, "s3", "mb", "s3://"+bucket)
	t.Cleanup(func() { alice.try("s3", "rb", "--force", "s3://"+bucket) })
	local := alice.path("f.txt")
	writeFile(t, local, nil, 7, 100)
	alice.run(t, "s3", "cp", local, "s3://"+bucket+"/f.txt")

	if _, errOut, err := bob.try("s3", "ls", "s3://"+bucket); err == nil || !strings.Contains(errOut, "AccessDenied") {
		t.Fatalf("bob lists a private bucket: %v %s", err, errOut)
	}
	alice.run(t, "s3api", "put-bucket-acl", "--bucket", bucket, "--acl", "authenticated-read")
	var acl struct {
		Owner  struct{ ID, DisplayName string }
		Grants []struct {
			Grantee    struct{ Type, ID, URI string }
			Permission string
		}
	}
	alice.json(t, &acl, "s3api", "get-bucket-acl", "--bucket", bucket)
	if acl.Owner.ID != tenantA.Name || len(acl.Grants) != 2 || acl.Grants[1].Grantee.URI != "http://acs.amazonaws.com/groups/global/AuthenticatedUsers" || acl.Grants[1].Permission != "READ" {
		t.Errorf("get-bucket-acl after authenticated-read: %+v", acl)
	}
	if out := bob.run(t, "s3", "ls", "s3://"+bucket); !strings.Contains(out, "f.txt") {
		t.Errorf("bob's listing of an authenticated-read bucket: %q", out)
	}
	if _, errOut, err := bob.try("s3", "cp", local, "s3://"+bucket+"/bob.txt"); err == nil || !strings.Contains(errOut, "AccessDenied") {
		t.Errorf("bob writes with READ only: %v %s", err, errOut)
	}

	alice.run(t, "s3api", "put-bucket-acl", "--bucket", bucket, "--grant-write", "id="+tenantB.Name, "--grant-full-control", "id="+tenantA.Name)
	bob.run(t, "s3", "cp", local, "s3://"+bucket+"/bob.txt")
	if _, errOut, err := bob.try("s3", "ls", "s3://"+bucket); err == nil || !strings.Contains(errOut, "AccessDenied") {
		t.Errorf("bob lists with WRITE only: %v %s", err, errOut)
	}

	alice.run(t, "s3api", "put-bucket-acl", "--bucket", bucket, "--acl", "private")
	alice.run(t, "s3api", "put-bucket-ownership-controls", "--bucket", bucket,
		"--ownership-controls", "Rules=[{ObjectOwnership=BucketOwnerEnforced}]")
	var oc struct {
		OwnershipControls struct {
			Rules []struct{ ObjectOwnership string }
		}
	}
	alice.json(t, &oc, "s3api", "get-bucket-ownership-controls", "--bucket", bucket)
	if len(oc.OwnershipControls.Rules) != 1 || oc.OwnershipControls.Rules[0].ObjectOwnership != "BucketOwnerEnforced" {
		t.Errorf("get-bucket-ownership-controls: %+v", oc)
	}
	if _, errOut, err := alice.try("s3api", "put-bucket-acl", "--bucket", bucket, "--acl", "public-read"); err == nil || !strings.Contains(errOut, "AccessControlListNotSupported") {
		t.Errorf("a public ACL on a BucketOwnerEnforced bucket: %v %s", err, errOut)
	}
	// With ACLs off the bucket's owner owns bob's object too.
	if out := alice.run(t, "s3", "cp", "s3://"+bucket+"/bob.txt", "-"); len(out) != 100 {
		t.Errorf("alice reads bob's object once she owns everything: %d bytes", len(out))
	}
}
