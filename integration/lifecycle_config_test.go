package integration

import (
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Lifecycle configurations with real clients on Cassandra: s3cmd's
// expire, getlifecycle, setlifecycle (the legacy form) and dellifecycle,
// and the aws cli's put/get/delete-bucket-lifecycle(-configuration), with
// the x-amz-expiration header head-object shows. Expiring objects is the
// worker's (its own tests).

// TestLifecycleConfigS3cmd: s3cmd expire sets and deletes an expiration
// rule, s3cmd info shows it, getlifecycle reads it, and a configuration
// in the legacy form comes back in that form.
func TestLifecycleConfigS3cmd(t *testing.T) {
	s := shared(t)
	c := newS3cmd(t, s, tenantA, false)
	const bucket = "lifecycle-s3cmd"
	c.run(t, "mb", "s3://"+bucket)
	t.Cleanup(func() { c.try("rb", "--recursive", "--force", "s3://"+bucket) })
	if out := c.run(t, "info", "s3://"+bucket); !strings.Contains(out, "Expiration Rule: none") {
		t.Errorf("s3cmd info without lifecycle:\n%s", out)
	}
	if out, err := c.try("getlifecycle", "s3://"+bucket); err == nil || !strings.Contains(out, "NoSuchLifecycleConfiguration") {
		t.Errorf("s3cmd getlifecycle without one: %v\n%s", err, out)
	}

	if out := c.run(t, "expire", "s3://"+bucket, "--expiry-days=3"); !strings.Contains(out, "expiration configuration is set") {
		t.Errorf("s3cmd expire --expiry-days:\n%s", out)
	}
	if out := c.run(t, "info", "s3://"+bucket); !strings.Contains(out, "Expiration Rule: all objects in this bucket will expire in '3' day(s) after creation") {
		t.Errorf("s3cmd info after expire --expiry-days:\n%s", out)
	}
	out := c.run(t, "getlifecycle", "s3://"+bucket)
	if !strings.Contains(out, "<Days>3</Days>") || !regexp.MustCompile(`<ID>[A-Za-z0-9+/=]{48}</ID>`).MatchString(out) {
		t.Errorf("s3cmd getlifecycle (a generated ID):\n%s", out)
	}

	if out := c.run(t, "expire", "s3://"+bucket, "--expiry-date=2030-01-01T00:00:00.000Z", "--expiry-prefix=logs/"); !strings.Contains(out, "expiration configuration is set") {
		t.Errorf("s3cmd expire --expiry-date:\n%s", out)
	}
	if out := c.run(t, "info", "s3://"+bucket); !strings.Contains(out, "Expiration Rule: objects with key prefix 'logs/' will expire in '2030-01-01T00:00:00.000Z'") {
		t.Errorf("s3cmd info after expire --expiry-date:\n%s", out)
	}
	// A date that is not a midnight is S3's InvalidArgument.
	if out, err := c.try("expire", "s3://"+bucket, "--expiry-date=2030-01-01T12:00:00Z"); err == nil || !strings.Contains(out, "InvalidArgument") {
		t.Errorf("s3cmd expire at noon: %v\n%s", err, out)
	}

	// The legacy form: each rule's prefix directly in it.
	legacy := c.path("legacy.xml")
	if err := os.WriteFile(legacy, []byte(`<?xml version="1.0" encoding="UTF-8"?>
<LifecycleConfiguration>
  <Rule>
    <ID>tmp files</ID>
    <Prefix>tmp/</Prefix>
    <Status>Enabled</Status>
    <Expiration><Days>1</Days></Expiration>
  </Rule>
  <Rule>
    <ID>old versions</ID>
    <Prefix>docs/</Prefix>
    <Status>Disabled</Status>
    <NoncurrentVersionExpiration><NoncurrentDays>30</NoncurrentDays></NoncurrentVersionExpiration>
  </Rule>
</LifecycleConfiguration>
`), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := c.run(t, "setlifecycle", legacy, "s3://"+bucket); !strings.Contains(out, "Lifecycle Policy updated") {
		t.Errorf("s3cmd setlifecycle:\n%s", out)
	}
	out = regexp.MustCompile(`>\s+<`).ReplaceAllString(c.run(t, "getlifecycle", "s3://"+bucket), "><") // s3cmd indents it
	if !strings.Contains(out, "<Rule><ID>tmp files</ID><Prefix>tmp/</Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>") ||
		!strings.Contains(out, "<Rule><ID>old versions</ID><Prefix>docs/</Prefix><Status>Disabled</Status>") || strings.Contains(out, "<Filter>") {
		t.Errorf("s3cmd getlifecycle of the legacy form:\n%s", out)
	}
	bad := c.path("bad.xml")
	if err := os.WriteFile(bad, []byte(`<LifecycleConfiguration><Rule><ID>t</ID><Prefix>a/</Prefix><Status>Enabled</Status>`+
		`<Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition></Rule></LifecycleConfiguration>`), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := c.try("setlifecycle", bad, "s3://"+bucket); err == nil || !strings.Contains(out, "InvalidRequest") {
		t.Errorf("s3cmd setlifecycle with a transition: %v\n%s", err, out)
	}

	if out := c.run(t, "dellifecycle", "s3://"+bucket); !strings.Contains(out, "Lifecycle Policy deleted") {
		t.Errorf("s3cmd dellifecycle:\n%s", out)
	}
	if out := c.run(t, "info", "s3://"+bucket); !strings.Contains(out, "Expiration Rule: none") {
		t.Errorf("s3cmd info after dellifecycle:\n%s", out)
	}
	// expire without days or date deletes the configuration too.
	c.run(t, "expire", "s3://"+bucket, "--expiry-days=9")
	if out := c.run(t, "expire", "s3://"+bucket); !strings.Contains(out, "expiration configuration is deleted") {
		t.Errorf("s3cmd expire (delete):\n%s", out)
	}
	if out, err := c.try("getlifecycle", "s3://"+bucket); err == nil || !strings.Contains(out, "NoSuchLifecycleConfiguration") {
		t.Errorf("s3cmd getlifecycle after expire (delete): %v\n%s", err, out)
	}
}

// TestLifecycleConfigAWSCLI: the aws cli puts, reads and deletes a
// configuration of every kind of rule, head-object shows the expiration
// of an object a rule expires, and refusals carry S3's codes.
func TestLifecycleConfigAWSCLI(t *testing.T) {
	s := shared(t)
	c := newAWSCLI(t, s, tenantA, awsOpts{})
	const bucket = "lifecycle-awscli"
	c.run(t, "s3", "mb", "s3://"+bucket)
	t.Cleanup(func() { c.try("s3", "rb", "--force", "s3://"+bucket) })
	if _, errOut, err := c.try("s3api", "get-bucket-lifecycle-configuration", "--bucket", bucket); err == nil ||
		!strings.Contains(errOut, "NoSuchLifecycleConfiguration") {
		t.Errorf("get-bucket-lifecycle-configuration without one: %v %s", err, errOut)
	}
	cfg := c.path("lifecycle.json")
	if err := os.WriteFile(cfg, []byte(`{"Rules": [
  {"ID": "tmp", "Filter": {"Prefix": "tmp/"}, "Status": "Enabled", "Expiration": {"Days": 3},
   "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2}},
  {"ID": "archive", "Filter": {"And": {"Prefix": "archive/", "Tags": [{"Key": "keep", "Value": "no"}], "ObjectSizeGreaterThan": 1024}},
   "Status": "Enabled", "Expiration": {"Date": "2031-06-01T00:00:00Z"}},
  {"ID": "versions", "Filter": {}, "Status": "Disabled",
   "NoncurrentVersionExpiration": {"NoncurrentDays": 30, "NewerNoncurrentVersions": 3}},
  {"ID": "markers", "Filter": {"Prefix": ""}, "Status": "Enabled", "Expiration": {"ExpiredObjectDeleteMarker": true}}
]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	c.run(t, "s3api", "put-bucket-lifecycle-configuration", "--bucket", bucket, "--lifecycle-configuration", "file://"+cfg)
	var got struct {
		Rules []struct {
			ID     string
			Status string
			Filter struct {
				Prefix *string
				And    *struct {
					Prefix                string
					Tags                  []struct{ Key, Value string }
					ObjectSizeGreaterThan int64
				}
			}
			Expiration *struct {
				Days                      int
				Date                      string
				ExpiredObjectDeleteMarker bool
			}
			NoncurrentVersionExpiration    *struct{ NoncurrentDays, NewerNoncurrentVersions int }
			AbortIncompleteMultipartUpload *struct{ DaysAfterInitiation int }
		}
	}
	c.json(t, &got, "s3api", "get-bucket-lifecycle-configuration", "--bucket", bucket)
	if len(got.Rules) != 4 {
		t.Fatalf("get-bucket-lifecycle-configuration: %+v", got)
	}
	r := got.Rules
	if r[0].ID != "tmp" || r[0].Filter.Prefix == nil || *r[0].Filter.Prefix != "tmp/" || r[0].Expiration == nil || r[0].Expiration.Days != 3 ||
		r[0].AbortIncompleteMultipartUpload == nil || r[0].AbortIncompleteMultipartUpload.DaysAfterInitiation != 2 {
		t.Errorf("rule tmp: %+v", r[0])
	}
	if a := r[1].Filter.And; r[1].ID != "archive" || a == nil || a.Prefix != "archive/" || len(a.Tags) != 1 || a.Tags[0].Key != "keep" ||
		a.ObjectSizeGreaterThan != 1024 || r[1].Expiration == nil || !strings.HasPrefix(r[1].Expiration.Date, "2031-06-01T00:00:00") {
		t.Errorf("rule archive: %+v", r[1])
	}
	if n := r[2].NoncurrentVersionExpiration; r[2].Status != "Disabled" || n == nil || n.NoncurrentDays != 30 || n.NewerNoncurrentVersions != 3 {
		t.Errorf("rule versions: %+v", r[2])
	}
	if r[3].Expiration == nil || !r[3].Expiration.ExpiredObjectDeleteMarker {
		t.Errorf("rule markers: %+v", r[3])
	}

	// The x-amz-expiration header, as head-object's Expiration.
	local := c.path("f")
	if err := os.WriteFile(local, []byte("expires"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.run(t, "s3api", "put-object", "--bucket", bucket, "--key", "tmp/f", "--body", local)
	var head struct {
		Expiration   string
		LastModified string
	}
	c.json(t, &head, "s3api", "head-object", "--bucket", bucket, "--key", "tmp/f")
	m := regexp.MustCompile(`^expiry-date="([^"]+)", rule-id="tmp"$`).FindStringSubmatch(head.Expiration)
	if m == nil {
		t.Fatalf("head-object Expiration %q", head.Expiration)
	}
	at, err := http.ParseTime(m[1])
	if err != nil || at.UTC().Hour() != 0 || at.Before(time.Now().Add(72*time.Hour-time.Minute)) || at.After(time.Now().Add(96*time.Hour)) {
		t.Errorf("expiry-date %q: %v", m[1], err)
	}
	c.run(t, "s3api", "put-object", "--bucket", bucket, "--key", "other/f", "--body", local)
	head.Expiration = ""
	c.json(t, &head, "s3api", "head-object", "--bucket", bucket, "--key", "other/f")
	if head.Expiration != "" {
		t.Errorf("head-object of an object no rule expires: Expiration %q", head.Expiration)
	}

	for _, tc := range []struct{ name, doc, code string }{
		{"days zero", `{"Rules": [{"ID": "z", "Filter": {}, "Status": "Enabled", "Expiration": {"Days": 0}}]}`, "InvalidArgument"},
		{"duplicate IDs", `{"Rules": [{"ID": "d", "Filter": {"Prefix": "a"}, "Status": "Enabled", "Expiration": {"Days": 1}},
			{"ID": "d", "Filter": {"Prefix": "b"}, "Status": "Enabled", "Expiration": {"Days": 1}}]}`, "InvalidArgument"},
		{"transition", `{"Rules": [{"ID": "t", "Filter": {}, "Status": "Enabled", "Transitions": [{"Days": 30, "StorageClass": "GLACIER"}]}]}`, "InvalidRequest"},
		{"marker with a tag", `{"Rules": [{"ID": "m", "Filter": {"Tag": {"Key": "k", "Value": "v"}}, "Status": "Enabled",
			"Expiration": {"ExpiredObjectDeleteMarker": true}}]}`, "InvalidRequest"},
	} {
		if _, errOut, err := c.try("s3api", "put-bucket-lifecycle-configuration", "--bucket", bucket, "--lifecycle-configuration", tc.doc); err == nil ||
			!strings.Contains(errOut, tc.code) {
			t.Errorf("%s: %v %s", tc.name, err, errOut)
		}
	}
	c.json(t, &got, "s3api", "get-bucket-lifecycle-configuration", "--bucket", bucket)
	if len(got.Rules) != 4 {
		t.Errorf("after refused puts: %+v", got)
	}

	c.run(t, "s3api", "delete-bucket-lifecycle", "--bucket", bucket)
	if _, errOut, err := c.try("s3api", "get-bucket-lifecycle-configuration", "--bucket", bucket); err == nil ||
		!strings.Contains(errOut, "NoSuchLifecycleConfiguration") {
		t.Errorf("get-bucket-lifecycle-configuration after delete-bucket-lifecycle: %v %s", err, errOut)
	}
	head.Expiration = ""
	c.json(t, &head, "s3api", "head-object", "--bucket", bucket, "--key", "tmp/f")
	if head.Expiration != "" {
		t.Errorf("head-object after delete-bucket-lifecycle: Expiration %q", head.Expiration)
	}
}
