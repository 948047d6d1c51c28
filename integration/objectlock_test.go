package integration

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// awsLock is what the tests read of head-object's and get-object's lock
// fields.
type awsLock struct {
	VersionId                 string
	ObjectLockMode            string
	ObjectLockRetainUntilDate string
	ObjectLockLegalHoldStatus string
}

// until parses a date the aws CLI printed.
func (l awsLock) until(t *testing.T) time.Time {
	t.Helper()
	u, err := time.Parse(time.RFC3339Nano, l.ObjectLockRetainUntilDate)
	if err != nil {
		t.Fatalf("ObjectLockRetainUntilDate %q: %v", l.ObjectLockRetainUntilDate, err)
	}
	return u
}

// Object lock with the aws cli on Cassandra: a bucket created with
// object lock, its default retention, put-object-retention,
// put-object-legal-hold, head-object's lock fields, deletes of locked
// versions refused (GOVERNANCE giving way to
// --bypass-governance-retention), a delete marker that leaves the locked
// version listed and readable, and the default reaching multipart and
// copied objects. Retentions run a few minutes: nothing waits for them.
func TestObjectLockAWSCLI(t *testing.T) {
	s := shared(t)
	c := newAWSCLI(t, s, tenantA, awsOpts{})
	const bucket = "objectlock-awscli"
	c.run(t, "s3api", "create-bucket", "--bucket", bucket, "--object-lock-enabled-for-bucket")
	var vc struct{ Status string }
	c.json(t, &vc, "s3api", "get-bucket-versioning", "--bucket", bucket)
	if vc.Status != "Enabled" {
		t.Errorf("get-bucket-versioning of a bucket created with object lock: %+v", vc)
	}
	type lockConfig struct {
		ObjectLockConfiguration struct {
			ObjectLockEnabled string
			Rule              *struct {
				DefaultRetention struct {
					Mode        string
					Days, Years int
				}
			}
		}
	}
	var cfg lockConfig
	c.json(t, &cfg, "s3api", "get-object-lock-configuration", "--bucket", bucket)
	if cfg.ObjectLockConfiguration.ObjectLockEnabled != "Enabled" || cfg.ObjectLockConfiguration.Rule != nil {
		t.Errorf("get-object-lock-configuration of a new lock bucket: %+v", cfg)
	}
	if _, errOut, err := c.try("s3api", "put-bucket-versioning", "--bucket", bucket, "--versioning-configuration", "Status=Suspended"); err == nil || !strings.Contains(errOut, "InvalidBucketState") {
		t.Errorf("suspending versioning on a lock bucket: %v %s", err, errOut)
	}
	c.run(t, "s3api", "put-object-lock-configuration", "--bucket", bucket, "--object-lock-configuration",
		"ObjectLockEnabled=Enabled,Rule={DefaultRetention={Mode=GOVERNANCE,Days=1}}")
	cfg = lockConfig{}
	c.json(t, &cfg, "s3api", "get-object-lock-configuration", "--bucket", bucket)
	if r := cfg.ObjectLockConfiguration.Rule; r == nil || r.DefaultRetention.Mode != "GOVERNANCE" || r.DefaultRetention.Days != 1 {
		t.Errorf("get-object-lock-configuration with a default: %+v", cfg)
	}
	if _, errOut, err := c.try("s3api", "put-object-lock-configuration", "--bucket", bucket, "--object-lock-configuration",
		"ObjectLockEnabled=Enabled,Rule={DefaultRetention={Mode=GOVERNANCE,Days=1,Years=1}}"); err == nil || !strings.Contains(errOut, "MalformedXML") {
		t.Errorf("a default with Days and Years: %v %s", err, errOut)
	}

	// The default reaches a plain put-object (the CLI sends Content-MD5
	// for a lock bucket's sake; a PUT without a checksum is refused).
	small, big := c.path("small"), c.path("big")
	writeFile(t, small, nil, 51, 100) // inline
	writeFile(t, big, nil, 52, 3<<20) // blocks
	head := func(key string, extra ...string) awsLock {
		t.Helper()
		var l awsLock
		c.json(t, &l, append([]string{"s3api", "head-object", "--bucket", bucket, "--key", key}, extra...)...)
		return l
	}
	var put struct{ VersionId string }
	c.json(t, &put, "s3api", "put-object", "--bucket", bucket, "--key", "gov", "--body", big)
	gov := put.VersionId
	h := head("gov")
	if h.VersionId != gov || h.ObjectLockMode != "GOVERNANCE" || timeApart(h.until(t), time.Now().Add(24*time.Hour)) > time.Minute {
		t.Errorf("head-object of a version under the default retention: %+v", h)
	}
	r := s.do(t, s.signedRequest(t, tenantA, http.MethodPut, "/"+bucket+"/nosum", "no checksum", nil))
	if r.Status != http.StatusBadRequest || r.Code() != "InvalidRequest" {
		t.Errorf("PUT without a checksum under a default retention: %d %s", r.Status, r.Body)
	}

	// put-object-retention: GOVERNANCE turned COMPLIANCE (with bypass,
	// as S3 wants), then only extended.
	soon := time.Now().Add(5 * time.Minute).UTC().Truncate(time.Second)
	c.json(t, &put, "s3api", "put-object", "--bucket", bucket, "--key", "comp", "--body", small,
		"--object-lock-mode", "GOVERNANCE", "--object-lock-retain-until-date", soon.Add(-time.Minute).Format(time.RFC3339))
	comp := put.VersionId
	c.run(t, "s3api", "put-object-retention", "--bucket", bucket, "--key", "comp", "--bypass-governance-retention",
		"--retention", "Mode=COMPLIANCE,RetainUntilDate="+soon.Format(time.RFC3339))
	var ret struct {
		Retention struct{ Mode, RetainUntilDate string }
	}
	c.json(t, &ret, "s3api", "get-object-retention", "--bucket", bucket, "--key", "comp")
	if got, err := time.Parse(time.RFC3339Nano, ret.Retention.RetainUntilDate); err != nil || ret.Retention.Mode != "COMPLIANCE" || !got.Equal(soon) {
		t.Errorf("get-object-retention: %+v (%v)", ret, err)
	}
	// Written back as read: no shortening.
	c.run(t, "s3api", "put-object-retention", "--bucket", bucket, "--key", "comp", "--version-id", comp,
		"--retention", "Mode="+ret.Retention.Mode+",RetainUntilDate="+ret.Retention.RetainUntilDate)
	for _, args := range [][]string{
		{"--retention", "Mode=COMPLIANCE,RetainUntilDate=" + soon.Add(-time.Minute).Format(time.RFC3339)},
		{"--retention", "Mode=GOVERNANCE,RetainUntilDate=" + soon.Add(time.Minute).Format(time.RFC3339), "--bypass-governance-retention"},
	} {
		if _, errOut, err := c.try(append([]string{"s3api", "put-object-retention", "--bucket", bucket, "--key", "comp"}, args...)...); err == nil || !strings.Contains(errOut, "AccessDenied") {
			t.Errorf("put-object-retention %v on COMPLIANCE: %v %s", args, err, errOut)
		}
	}

	// Legal hold.
	c.run(t, "s3api", "put-object-legal-hold", "--bucket", bucket, "--key", "comp", "--legal-hold", "Status=ON")
	var lh struct{ LegalHold struct{ Status string } }
	c.json(t, &lh, "s3api", "get-object-legal-hold", "--bucket", bucket, "--key", "comp")
	if lh.LegalHold.Status != "ON" {
		t.Errorf("get-object-legal-hold after ON: %+v", lh)
	}
	h = head("comp", "--version-id", comp)
	if h.ObjectLockMode != "COMPLIANCE" || !h.until(t).Equal(soon) || h.ObjectLockLegalHoldStatus != "ON" {
		t.Errorf("head-object of a version under COMPLIANCE and a legal hold: %+v", h)
	}
	var got awsLock
	c.json(t, &got, "s3api", "get-object", "--bucket", bucket, "--key", "comp", c.path("out"))
	if got.ObjectLockMode != "COMPLIANCE" || got.ObjectLockLegalHoldStatus != "ON" {
		t.Errorf("get-object's lock fields: %+v", got)
	}

	// Deletes by version id.
	for _, c2 := range []struct {
		key, version string
		extra        []string
	}{
		{"comp", comp, nil},
		{"comp", comp, []string{"--bypass-governance-retention"}},
		{"gov", gov, nil},
	} {
		args := append([]string{"s3api", "delete-object", "--bucket", bucket, "--key", c2.key, "--version-id", c2.version}, c2.extra...)
		if _, errOut, err := c.try(args...); err == nil || !strings.Contains(errOut, "AccessDenied") {
			t.Errorf("delete-object of a locked version %v: %v %s", args, err, errOut)
		}
	}
	c.run(t, "s3api", "delete-object", "--bucket", bucket, "--key", "gov", "--version-id", gov, "--bypass-governance-retention")
	if _, errOut, err := c.try("s3api", "head-object", "--bucket", bucket, "--key", "gov", "--version-id", gov); err == nil {
		t.Errorf("head-object of a GOVERNANCE version deleted with bypass: %s", errOut)
	}
	var dr struct {
		Deleted []struct{ Key, VersionId string }
		Errors  []struct{ Key, VersionId, Code string }
	}
	c.json(t, &dr, "s3api", "delete-objects", "--bucket", bucket, "--delete", "Objects=[{Key=comp,VersionId="+comp+"}]")
	if len(dr.Errors) != 1 || dr.Errors[0].Code != "AccessDenied" || len(dr.Deleted) != 0 {
		t.Errorf("delete-objects of a locked version: %+v", dr)
	}

	// A delete without version id: a marker; the version stays.
	var del struct {
		DeleteMarker bool
		VersionId    string
	}
	c.json(t, &del, "s3api", "delete-object", "--bucket", bucket, "--key", "comp")
	if !del.DeleteMarker || del.VersionId == "" {
		t.Errorf("delete-object without version id of a locked key: %+v", del)
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
	c.json(t, &lv, "s3api", "list-object-versions", "--bucket", bucket, "--prefix", "comp")
	if len(lv.Versions) != 1 || lv.Versions[0].VersionId != comp || len(lv.DeleteMarkers) != 1 || !lv.DeleteMarkers[0].IsLatest {
		t.Errorf("list-object-versions of a locked key behind a marker: %+v", lv)
	}
	c.run(t, "s3api", "get-object", "--bucket", bucket, "--key", "comp", "--version-id", comp, c.path("kept"))

	// The default reaches a multipart upload at completion, and a copy
	// (whose source's lock it does not take).
	var up struct{ UploadId string }
	c.json(t, &up, "s3api", "create-multipart-upload", "--bucket", bucket, "--key", "mp")
	var part struct{ ETag string }
	c.json(t, &part, "s3api", "upload-part", "--bucket", bucket, "--key", "mp", "--upload-id", up.UploadId, "--part-number", "1", "--body", big)
	parts, _ := json.Marshal(map[string]any{"Parts": []map[string]any{{"PartNumber": 1, "ETag": part.ETag}}})
	c.run(t, "s3api", "complete-multipart-upload", "--bucket", bucket, "--key", "mp", "--upload-id", up.UploadId, "--multipart-upload", string(parts))
	if h := head("mp"); h.ObjectLockMode != "GOVERNANCE" || timeApart(h.until(t), time.Now().Add(24*time.Hour)) > time.Minute {
		t.Errorf("head-object of a multipart object under the default: %+v", h)
	}
	c.run(t, "s3api", "copy-object", "--bucket", bucket, "--key", "copy", "--copy-source", bucket+"/comp?versionId="+comp)
	if h := head("copy"); h.ObjectLockMode != "GOVERNANCE" || h.ObjectLockLegalHoldStatus == "ON" || timeApart(h.until(t), time.Now().Add(24*time.Hour)) > time.Minute {
		t.Errorf("head-object of a copy of a COMPLIANCE version on hold: %+v", h)
	}

	// Another account sees and changes nothing.
	bob := newAWSCLI(t, s, tenantB, awsOpts{})
	for _, args := range [][]string{
		{"s3api", "get-object-retention", "--bucket", bucket, "--key", "copy"},
		{"s3api", "get-object-legal-hold", "--bucket", bucket, "--key", "copy"},
		{"s3api", "put-object-legal-hold", "--bucket", bucket, "--key", "copy", "--legal-hold", "Status=ON"},
		{"s3api", "get-object-lock-configuration", "--bucket", bucket},
	} {
		if _, errOut, err := bob.try(args...); err == nil || !strings.Contains(errOut, "AccessDenied") {
			t.Errorf("%v as another account: %v %s", args, err, errOut)
		}
	}

	// The legal hold released, the COMPLIANCE retention still holds.
	c.run(t, "s3api", "put-object-legal-hold", "--bucket", bucket, "--key", "comp", "--version-id", comp, "--legal-hold", "Status=OFF")
	c.json(t, &lh, "s3api", "get-object-legal-hold", "--bucket", bucket, "--key", "comp", "--version-id", comp)
	if lh.LegalHold.Status != "OFF" {
		t.Errorf("get-object-legal-hold after OFF: %+v", lh)
	}
	if _, errOut, err := c.try("s3api", "delete-object", "--bucket", bucket, "--key", "comp", "--version-id", comp); err == nil || !strings.Contains(errOut, "AccessDenied") {
		t.Errorf("delete-object of a COMPLIANCE version once its hold is off: %v %s", err, errOut)
	}
	if _, errOut, err := c.try("s3api", "delete-bucket", "--bucket", bucket); err == nil || !strings.Contains(errOut, "BucketNotEmpty") {
		t.Errorf("delete-bucket with locked versions: %v %s", err, errOut)
	}
}

// A bucket without object lock refuses the lock calls and headers, and
// gets object lock only once versioned.
func TestObjectLockAWSCLIPlainBucket(t *testing.T) {
	s := shared(t)
	c := newAWSCLI(t, s, tenantA, awsOpts{})
	const bucket = "objectlock-awscli-plain"
	c.run(t, "s3api", "create-bucket", "--bucket", bucket)
	t.Cleanup(func() { c.try("s3", "rb", "--force", "s3://"+bucket) })
	if _, errOut, err := c.try("s3api", "get-object-lock-configuration", "--bucket", bucket); err == nil || !strings.Contains(errOut, "ObjectLockConfigurationNotFoundError") {
		t.Errorf("get-object-lock-configuration without lock: %v %s", err, errOut)
	}
	f := c.path("f")
	writeFile(t, f, nil, 53, 10)
	c.run(t, "s3api", "put-object", "--bucket", bucket, "--key", "k", "--body", f)
	later := time.Now().Add(5 * time.Minute).UTC().Format(time.RFC3339)
	for _, args := range [][]string{
		{"s3api", "put-object", "--bucket", bucket, "--key", "k2", "--body", f, "--object-lock-mode", "GOVERNANCE", "--object-lock-retain-until-date", later},
		{"s3api", "put-object-retention", "--bucket", bucket, "--key", "k", "--retention", "Mode=GOVERNANCE,RetainUntilDate=" + later},
		{"s3api", "get-object-retention", "--bucket", bucket, "--key", "k"},
		{"s3api", "put-object-legal-hold", "--bucket", bucket, "--key", "k", "--legal-hold", "Status=ON"},
	} {
		if _, errOut, err := c.try(args...); err == nil || !strings.Contains(errOut, "InvalidRequest") {
			t.Errorf("%v on a bucket without lock: %v %s", args[1], err, errOut)
		}
	}
	if _, errOut, err := c.try("s3api", "put-object-lock-configuration", "--bucket", bucket, "--object-lock-configuration", "ObjectLockEnabled=Enabled"); err == nil || !strings.Contains(errOut, "InvalidBucketState") {
		t.Errorf("put-object-lock-configuration on an unversioned bucket: %v %s", err, errOut)
	}
	c.run(t, "s3api", "put-bucket-versioning", "--bucket", bucket, "--versioning-configuration", "Status=Enabled")
	c.run(t, "s3api", "put-object-lock-configuration", "--bucket", bucket, "--object-lock-configuration", "ObjectLockEnabled=Enabled")
	// The version written before lock was on takes a GOVERNANCE
	// retention now, and gives way to bypass only.
	c.run(t, "s3api", "put-object-retention", "--bucket", bucket, "--key", "k", "--retention", "Mode=GOVERNANCE,RetainUntilDate="+later)
	var h awsLock
	c.json(t, &h, "s3api", "head-object", "--bucket", bucket, "--key", "k")
	if h.ObjectLockMode != "GOVERNANCE" {
		t.Errorf("head-object after put-object-retention: %+v", h)
	}
	if _, errOut, err := c.try("s3api", "delete-object", "--bucket", bucket, "--key", "k", "--version-id", h.VersionId); err == nil || !strings.Contains(errOut, "AccessDenied") {
		t.Errorf("delete-object of a GOVERNANCE version: %v %s", err, errOut)
	}
	c.run(t, "s3api", "delete-object", "--bucket", bucket, "--key", "k", "--version-id", h.VersionId, "--bypass-governance-retention")
}

// timeApart is the distance between two times.
func timeApart(a, b time.Time) time.Duration {
	if a.After(b) {
		return a.Sub(b)
	}
	return b.Sub(a)
}
