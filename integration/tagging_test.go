package integration

import (
	"strings"
	"testing"
)

// Tags and object attributes with the aws cli on Cassandra:
// put-object --tagging, get/put/delete-object-tagging, a copy that keeps
// or replaces the tags, head-object's tag count, bucket tagging, and
// get-object-attributes.
func TestTaggingAWSCLI(t *testing.T) {
	s := shared(t)
	c := newAWSCLI(t, s, tenantA, awsOpts{})
	const bucket = "tagging-awscli"
	c.run(t, "s3", "mb", "s3://"+bucket)
	t.Cleanup(func() { c.try("s3", "rb", "--force", "s3://"+bucket) })
	local := c.path("f.bin")
	writeFile(t, local, nil, 3, 2<<20) // blocks, not inline
	c.run(t, "s3api", "put-object", "--bucket", bucket, "--key", "f.bin", "--body", local, "--tagging", "project=amphora&stage=ci")

	type tagSet struct{ TagSet []struct{ Key, Value string } }
	tagsOf := func(key string) string {
		t.Helper()
		var ts tagSet
		c.json(t, &ts, "s3api", "get-object-tagging", "--bucket", bucket, "--key", key)
		var parts []string
		for _, tg := range ts.TagSet {
			parts = append(parts, tg.Key+"="+tg.Value)
		}
		return strings.Join(parts, ",")
	}
	if got := tagsOf("f.bin"); got != "project=amphora,stage=ci" {
		t.Errorf("tags from put-object --tagging: %q", got)
	}
	var head struct{ TagCount int }
	c.json(t, &head, "s3api", "get-object", "--bucket", bucket, "--key", "f.bin", c.path("out"))
	if head.TagCount != 2 {
		t.Errorf("get-object TagCount = %d", head.TagCount)
	}
	c.run(t, "s3api", "put-object-tagging", "--bucket", bucket, "--key", "f.bin", "--tagging", `TagSet=[{Key=owner,Value=alice}]`)
	if got := tagsOf("f.bin"); got != "owner=alice" {
		t.Errorf("tags after put-object-tagging: %q", got)
	}
	c.run(t, "s3api", "copy-object", "--bucket", bucket, "--key", "kept", "--copy-source", bucket+"/f.bin")
	c.run(t, "s3api", "copy-object", "--bucket", bucket, "--key", "replaced", "--copy-source", bucket+"/f.bin",
		"--tagging-directive", "REPLACE", "--tagging", "fresh=yes")
	if got := tagsOf("kept") + " " + tagsOf("replaced"); got != "owner=alice fresh=yes" {
		t.Errorf("copies' tags: %q", got)
	}
	c.run(t, "s3api", "delete-object-tagging", "--bucket", bucket, "--key", "f.bin")
	if got := tagsOf("f.bin"); got != "" {
		t.Errorf("tags after delete-object-tagging: %q", got)
	}
	if _, errOut, err := c.try("s3api", "put-object-tagging", "--bucket", bucket, "--key", "f.bin", "--tagging",
		`TagSet=[{Key=a,Value=1},{Key=a,Value=2}]`); err == nil || !strings.Contains(errOut, "InvalidTag") {
		t.Errorf("duplicate tag keys: %v %s", err, errOut)
	}

	c.run(t, "s3api", "put-bucket-tagging", "--bucket", bucket, "--tagging", `TagSet=[{Key=team,Value=storage}]`)
	var bt tagSet
	c.json(t, &bt, "s3api", "get-bucket-tagging", "--bucket", bucket)
	if len(bt.TagSet) != 1 || bt.TagSet[0].Key != "team" {
		t.Errorf("get-bucket-tagging: %+v", bt)
	}
	c.run(t, "s3api", "delete-bucket-tagging", "--bucket", bucket)
	if _, errOut, err := c.try("s3api", "get-bucket-tagging", "--bucket", bucket); err == nil || !strings.Contains(errOut, "NoSuchTagSet") {
		t.Errorf("get-bucket-tagging after delete: %v %s", err, errOut)
	}

	var attrs struct {
		ETag         string
		ObjectSize   int64
		StorageClass string
	}
	c.json(t, &attrs, "s3api", "get-object-attributes", "--bucket", bucket, "--key", "f.bin", "--object-attributes", "ETag", "ObjectSize", "StorageClass")
	if attrs.ObjectSize != 2<<20 || attrs.StorageClass != "STANDARD" || len(attrs.ETag) != 32 {
		t.Errorf("get-object-attributes: %+v", attrs)
	}
}
