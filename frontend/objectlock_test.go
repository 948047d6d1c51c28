package frontend

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/checksum"
)

// Object lock as S3 defines it: a bucket created with
// x-amz-bucket-object-lock-enabled (or given a configuration once
// versioned), default retention, the x-amz-object-lock-* headers of the
// writes, Put/GetObjectRetention, Put/GetObjectLegalHold, and the rule
// that a version under a retention or a legal hold is not deleted by
// anyone (GOVERNANCE gives way to x-amz-bypass-governance-retention with
// the s3:BypassGovernanceRetention permission).

// isoMillis is how S3 writes a retain-until date.
const isoMillis = "2006-01-02T15:04:05.000Z"

// until is a retain-until date d from now, as a client sends it.
func until(d time.Duration) string { return time.Now().Add(d).UTC().Format(isoMillis) }

func md5Of(data []byte) string {
	sum := md5.Sum(data)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// lockHeaders are the headers of a PUT asking for a retention (mode ""
// for none) and, with hold non-empty, a legal hold; the body's
// Content-MD5 comes along.
func lockHeaders(data []byte, mode, date, hold string) map[string]string {
	h := map[string]string{"Content-MD5": md5Of(data)}
	if mode != "" {
		h["X-Amz-Object-Lock-Mode"] = mode
	}
	if date != "" {
		h["X-Amz-Object-Lock-Retain-Until-Date"] = date
	}
	if hold != "" {
		h["X-Amz-Object-Lock-Legal-Hold"] = hold
	}
	return h
}

func retentionXML(mode, date string) []byte {
	s := `<Retention xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`
	if mode != "" {
		s += "<Mode>" + mode + "</Mode>"
	}
	if date != "" {
		s += "<RetainUntilDate>" + date + "</RetainUntilDate>"
	}
	return []byte(s + "</Retention>")
}

func legalHoldXML(status string) []byte {
	return []byte(`<LegalHold xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>` + status + `</Status></LegalHold>`)
}

func lockConfigXML(rule string) []byte {
	return []byte(`<ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ObjectLockEnabled>Enabled</ObjectLockEnabled>` +
		rule + `</ObjectLockConfiguration>`)
}

func defaultRule(mode, period string) string {
	return "<Rule><DefaultRetention><Mode>" + mode + "</Mode>" + period + "</DefaultRetention></Rule>"
}

const versioningOn = `<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`

type lockConfigDoc struct {
	XMLName           xml.Name
	ObjectLockEnabled string
	Rule              *struct {
		DefaultRetention struct {
			Mode        string
			Days, Years int
		}
	}
}

type retentionOut struct {
	XMLName         xml.Name
	Mode            string
	RetainUntilDate string
}

type legalHoldOut struct {
	XMLName xml.Name
	Status  string
}

// mustCreateLocked creates bucket as alice with object lock enabled.
func (e *env) mustCreateLocked(t *testing.T, bucket string) {
	t.Helper()
	resp, body := e.signed(t, http.MethodPut, "/"+bucket, nil, map[string]string{"X-Amz-Bucket-Object-Lock-Enabled": "true"})
	wantStatus(t, resp, body, http.StatusOK)
}

// putLocked stores key as alice with hdr (plus the body's Content-MD5)
// and returns the new version's id.
func (e *env) putLocked(t *testing.T, bucket, key, data string, hdr map[string]string) string {
	t.Helper()
	h := map[string]string{"Content-MD5": md5Of([]byte(data))}
	for k, v := range hdr {
		h[k] = v
	}
	resp, body := e.signed(t, http.MethodPut, objectPath(bucket, key), []byte(data), h)
	wantStatus(t, resp, body, http.StatusOK)
	v := resp.Header.Get("X-Amz-Version-Id")
	if v == "" || v == "null" {
		t.Fatalf("PUT %s/%s in a lock bucket: version id %q", bucket, key, v)
	}
	return v
}

// retentionOf is GetObjectRetention of path (which may name a version),
// as alice: the mode and the date, or the error code.
func (e *env) retentionOf(t *testing.T, path string) (mode string, until time.Time, code string) {
	t.Helper()
	resp, body := e.signed(t, http.MethodGet, path+sep(path)+"retention", nil, nil)
	if resp.StatusCode != http.StatusOK {
		var d errorDoc
		xml.Unmarshal(body, &d)
		return "", time.Time{}, d.Code
	}
	var d retentionOut
	decodeDoc(t, body, &d)
	wantRoot(t, d.XMLName, "Retention")
	u, err := time.Parse(time.RFC3339Nano, d.RetainUntilDate)
	if err != nil {
		t.Fatalf("RetainUntilDate %q: %v", d.RetainUntilDate, err)
	}
	return d.Mode, u, ""
}

// legalHoldOf is GetObjectLegalHold of path as alice.
func (e *env) legalHoldOf(t *testing.T, path string) string {
	t.Helper()
	resp, body := e.signed(t, http.MethodGet, path+sep(path)+"legal-hold", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	var d legalHoldOut
	decodeDoc(t, body, &d)
	wantRoot(t, d.XMLName, "LegalHold")
	return d.Status
}

// sep is what joins one more query parameter to path.
func sep(path string) string {
	if strings.Contains(path, "?") {
		return "&"
	}
	return "?"
}

// near reports whether got is want within a minute.
func near(got, want time.Time) bool {
	d := got.Sub(want)
	return d > -time.Minute && d < time.Minute
}

func TestObjectLockConfiguration(t *testing.T) {
	e := newEnv(t)
	e.mustCreateLocked(t, "locked")
	resp, body := e.signed(t, http.MethodGet, "/locked?versioning", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if !contains(string(body), "<Status>Enabled</Status>") {
		t.Errorf("GetBucketVersioning of a bucket created with object lock: %s", body)
	}
	resp, body = e.signed(t, http.MethodGet, "/locked?object-lock", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	var doc lockConfigDoc
	decodeDoc(t, body, &doc)
	wantRoot(t, doc.XMLName, "ObjectLockConfiguration")
	if doc.ObjectLockEnabled != "Enabled" || doc.Rule != nil {
		t.Errorf("GetObjectLockConfiguration: %s", body)
	}

	// The header's values.
	for _, c := range []struct {
		bucket, value string
		status        int
		code          string
	}{
		{"lock-yes", "yes", http.StatusBadRequest, "InvalidArgument"},
		{"lock-empty", "", http.StatusBadRequest, "InvalidArgument"},
		{"lock-upper", "TRUE", http.StatusOK, ""},
		{"lock-false", "false", http.StatusOK, ""},
	} {
		resp, body := e.signed(t, http.MethodPut, "/"+c.bucket, nil, map[string]string{"X-Amz-Bucket-Object-Lock-Enabled": c.value})
		if c.code != "" {
			wantError(t, resp, body, c.status, c.code)
			resp, body = e.signed(t, http.MethodHead, "/"+c.bucket, nil, nil)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("bucket %s created despite a bad header: %d", c.bucket, resp.StatusCode)
			}
			continue
		}
		wantStatus(t, resp, body, c.status)
	}
	resp, body = e.signed(t, http.MethodGet, "/lock-upper?object-lock", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodGet, "/lock-false?object-lock", nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "ObjectLockConfigurationNotFoundError")

	// Enabling it later: only on a versioned bucket.
	e.mustCreate(t, "later")
	resp, body = e.signed(t, http.MethodGet, "/later?object-lock", nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "ObjectLockConfigurationNotFoundError")
	resp, body = e.signed(t, http.MethodPut, "/later?object-lock", lockConfigXML(""), nil)
	wantError(t, resp, body, http.StatusConflict, "InvalidBucketState")
	resp, body = e.signed(t, http.MethodPut, "/later?versioning", []byte(versioningOn), nil)
	wantStatus(t, resp, body, http.StatusOK)
	cfg := lockConfigXML(defaultRule("GOVERNANCE", "<Days>3</Days>"))
	resp, body = e.signed(t, http.MethodPut, "/later?object-lock", cfg, md5Header(cfg))
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodGet, "/later?object-lock", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	doc = lockConfigDoc{}
	decodeDoc(t, body, &doc)
	if doc.ObjectLockEnabled != "Enabled" || doc.Rule == nil || doc.Rule.DefaultRetention.Mode != "GOVERNANCE" ||
		doc.Rule.DefaultRetention.Days != 3 || contains(string(body), "<Years>") {
		t.Errorf("GetObjectLockConfiguration with a default of 3 days: %s", body)
	}

	// Suspending versioning is refused once object lock is on.
	for _, b := range []string{"locked", "later"} {
		resp, body = e.signed(t, http.MethodPut, "/"+b+"?versioning", []byte(`<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>`), nil)
		wantError(t, resp, body, http.StatusConflict, "InvalidBucketState")
		resp, body = e.signed(t, http.MethodPut, "/"+b+"?versioning", []byte(versioningOn), nil)
		wantStatus(t, resp, body, http.StatusOK)
		resp, body = e.signed(t, http.MethodGet, "/"+b+"?versioning", nil, nil)
		if !contains(string(body), "<Status>Enabled</Status>") {
			t.Errorf("%s: versioning after a refused suspension: %s", b, body)
		}
	}

	// Configurations, good and bad.
	for _, c := range []struct {
		name   string
		doc    []byte
		status int
		code   string
		mode   string // the default retention then in force
		days   int
		years  int
	}{
		{"days", lockConfigXML(defaultRule("COMPLIANCE", "<Days>7</Days>")), http.StatusOK, "", "COMPLIANCE", 7, 0},
		{"years", lockConfigXML(defaultRule("GOVERNANCE", "<Years>2</Years>")), http.StatusOK, "", "GOVERNANCE", 0, 2},
		{"no namespace", []byte(`<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days></DefaultRetention></Rule></ObjectLockConfiguration>`),
			http.StatusOK, "", "GOVERNANCE", 1, 0},
		{"days and years", lockConfigXML(defaultRule("GOVERNANCE", "<Days>1</Days><Years>1</Years>")), http.StatusBadRequest, "MalformedXML", "GOVERNANCE", 1, 0},
		{"no period", lockConfigXML(defaultRule("GOVERNANCE", "")), http.StatusBadRequest, "MalformedXML", "GOVERNANCE", 1, 0},
		{"zero days", lockConfigXML(defaultRule("GOVERNANCE", "<Days>0</Days>")), http.StatusBadRequest, "InvalidArgument", "GOVERNANCE", 1, 0},
		{"negative days", lockConfigXML(defaultRule("GOVERNANCE", "<Days>-1</Days>")), http.StatusBadRequest, "InvalidArgument", "GOVERNANCE", 1, 0},
		{"zero years", lockConfigXML(defaultRule("COMPLIANCE", "<Years>0</Years>")), http.StatusBadRequest, "InvalidArgument", "GOVERNANCE", 1, 0},
		{"negative years", lockConfigXML(defaultRule("COMPLIANCE", "<Years>-3</Years>")), http.StatusBadRequest, "InvalidArgument", "GOVERNANCE", 1, 0},
		{"too many days", lockConfigXML(defaultRule("COMPLIANCE", "<Days>36501</Days>")), http.StatusBadRequest, "InvalidArgument", "GOVERNANCE", 1, 0},
		{"too many years", lockConfigXML(defaultRule("COMPLIANCE", "<Years>101</Years>")), http.StatusBadRequest, "InvalidArgument", "GOVERNANCE", 1, 0},
		{"days not a number", lockConfigXML(defaultRule("COMPLIANCE", "<Days>one</Days>")), http.StatusBadRequest, "MalformedXML", "GOVERNANCE", 1, 0},
		{"lowercase mode", lockConfigXML(defaultRule("governance", "<Days>1</Days>")), http.StatusBadRequest, "MalformedXML", "GOVERNANCE", 1, 0},
		{"no mode", lockConfigXML("<Rule><DefaultRetention><Days>1</Days></DefaultRetention></Rule>"), http.StatusBadRequest, "MalformedXML", "GOVERNANCE", 1, 0},
		{"empty rule", lockConfigXML("<Rule></Rule>"), http.StatusBadRequest, "MalformedXML", "GOVERNANCE", 1, 0},
		{"disabled", []byte(`<ObjectLockConfiguration><ObjectLockEnabled>Disabled</ObjectLockEnabled></ObjectLockConfiguration>`), http.StatusBadRequest, "MalformedXML", "GOVERNANCE", 1, 0},
		{"not enabled", []byte(`<ObjectLockConfiguration></ObjectLockConfiguration>`), http.StatusBadRequest, "MalformedXML", "GOVERNANCE", 1, 0},
		{"empty body", nil, http.StatusBadRequest, "MalformedXML", "GOVERNANCE", 1, 0},
		{"not XML", []byte("object lock please"), http.StatusBadRequest, "MalformedXML", "GOVERNANCE", 1, 0},
		{"wrong root", []byte(`<Retention><Mode>GOVERNANCE</Mode></Retention>`), http.StatusBadRequest, "MalformedXML", "GOVERNANCE", 1, 0},
		{"wrong namespace", []byte(`<ObjectLockConfiguration xmlns="urn:other"><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>`), http.StatusBadRequest, "MalformedXML", "GOVERNANCE", 1, 0},
		{"no rule removes the default", lockConfigXML(""), http.StatusOK, "", "", 0, 0},
	} {
		resp, body := e.signed(t, http.MethodPut, "/locked?object-lock", c.doc, nil)
		if c.code != "" {
			wantError(t, resp, body, c.status, c.code)
		} else {
			wantStatus(t, resp, body, c.status)
		}
		resp, body = e.signed(t, http.MethodGet, "/locked?object-lock", nil, nil)
		wantStatus(t, resp, body, http.StatusOK)
		var doc lockConfigDoc
		decodeDoc(t, body, &doc)
		var mode string
		var days, years int
		if doc.Rule != nil {
			mode, days, years = doc.Rule.DefaultRetention.Mode, doc.Rule.DefaultRetention.Days, doc.Rule.DefaultRetention.Years
		}
		if doc.ObjectLockEnabled != "Enabled" || mode != c.mode || days != c.days || years != c.years {
			t.Errorf("%s: then GetObjectLockConfiguration = %s, want %s %d days %d years", c.name, body, c.mode, c.days, c.years)
		}
	}
	resp, body = e.signed(t, http.MethodPut, "/locked?object-lock", lockConfigXML(""), map[string]string{"Content-MD5": md5Of([]byte("other"))})
	wantError(t, resp, body, http.StatusBadRequest, "BadDigest")

	// Another account neither reads nor sets it.
	resp, body = e.asBob(t, http.MethodGet, "/locked?object-lock", nil, nil)
	wantError(t, resp, body, http.StatusForbidden, "AccessDenied")
	resp, body = e.asBob(t, http.MethodPut, "/locked?object-lock", lockConfigXML(defaultRule("COMPLIANCE", "<Years>100</Years>")), nil)
	wantError(t, resp, body, http.StatusForbidden, "AccessDenied")
	resp, body = e.signed(t, http.MethodGet, "/nobucket?object-lock", nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "NoSuchBucket")
}

// TestObjectLockPutHeaders: the x-amz-object-lock-* headers of a PUT,
// and what HEAD and GET show of them.
func TestObjectLockPutHeaders(t *testing.T) {
	e := newEnv(t)
	e.mustCreateLocked(t, "locked")
	e.mustCreate(t, "plain")
	data := []byte("locked bytes")
	later := until(time.Hour)
	crc := checksum.Encode(checksum.CRC32.Sum(data))
	for _, c := range []struct {
		name   string
		bucket string
		hdr    map[string]string
		status int
		code   string
	}{
		{"retention with Content-MD5", "locked", lockHeaders(data, "GOVERNANCE", later, ""), http.StatusOK, ""},
		{"retention with a CRC32", "locked", map[string]string{"X-Amz-Object-Lock-Mode": "COMPLIANCE", "X-Amz-Object-Lock-Retain-Until-Date": later, "X-Amz-Checksum-Crc32": crc}, http.StatusOK, ""},
		{"retention and legal hold", "locked", lockHeaders(data, "COMPLIANCE", later, "ON"), http.StatusOK, ""},
		{"legal hold alone", "locked", lockHeaders(data, "", "", "ON"), http.StatusOK, ""},
		{"legal hold OFF without a checksum", "locked", map[string]string{"X-Amz-Object-Lock-Legal-Hold": "OFF"}, http.StatusOK, ""},
		{"date without milliseconds", "locked", lockHeaders(data, "GOVERNANCE", time.Now().Add(time.Hour).UTC().Format(time.RFC3339), ""), http.StatusOK, ""},
		{"retention without a checksum", "locked", map[string]string{"X-Amz-Object-Lock-Mode": "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date": later}, http.StatusBadRequest, "InvalidRequest"},
		{"legal hold without a checksum", "locked", map[string]string{"X-Amz-Object-Lock-Legal-Hold": "ON"}, http.StatusBadRequest, "InvalidRequest"},
		{"wrong Content-MD5", "locked", map[string]string{"X-Amz-Object-Lock-Mode": "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date": later, "Content-MD5": md5Of([]byte("other"))}, http.StatusBadRequest, "BadDigest"},
		{"mode without date", "locked", lockHeaders(data, "GOVERNANCE", "", ""), http.StatusBadRequest, "InvalidArgument"},
		{"date without mode", "locked", lockHeaders(data, "", later, ""), http.StatusBadRequest, "InvalidArgument"},
		{"date in the past", "locked", lockHeaders(data, "GOVERNANCE", until(-time.Minute), ""), http.StatusBadRequest, "InvalidArgument"},
		{"bad mode", "locked", lockHeaders(data, "FOREVER", later, ""), http.StatusBadRequest, "InvalidArgument"},
		{"lowercase mode", "locked", lockHeaders(data, "governance", later, ""), http.StatusBadRequest, "InvalidArgument"},
		{"bad date", "locked", lockHeaders(data, "GOVERNANCE", "tomorrow", ""), http.StatusBadRequest, "InvalidArgument"},
		{"HTTP date", "locked", lockHeaders(data, "GOVERNANCE", httpDateOf(time.Now().Add(time.Hour)), ""), http.StatusBadRequest, "InvalidArgument"},
		{"bad legal hold", "locked", lockHeaders(data, "", "", "on"), http.StatusBadRequest, "InvalidArgument"},
		{"retention on a bucket without lock", "plain", lockHeaders(data, "GOVERNANCE", later, ""), http.StatusBadRequest, "InvalidRequest"},
		{"legal hold on a bucket without lock", "plain", lockHeaders(data, "", "", "ON"), http.StatusBadRequest, "InvalidRequest"},
	} {
		resp, body := e.signed(t, http.MethodPut, objectPath(c.bucket, "k"), data, c.hdr)
		if c.code == "" {
			if resp.StatusCode != c.status {
				t.Errorf("%s: status %d, want %d (%s)", c.name, resp.StatusCode, c.status, body)
			}
			continue
		}
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d %s (%s)", c.name, resp.StatusCode, c.status, c.code, body)
			continue
		}
		wantError(t, resp, body, c.status, c.code)
	}
	// The refused writes left nothing behind in the bucket without lock.
	resp, body := e.signed(t, http.MethodHead, "/plain/k", nil, nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("HEAD of a refused PUT: %d %s", resp.StatusCode, body)
	}

	// What HEAD and GET show the owner.
	date := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Millisecond)
	v := e.putLocked(t, "locked", "shown", "shown", map[string]string{
		"X-Amz-Object-Lock-Mode": "COMPLIANCE", "X-Amz-Object-Lock-Retain-Until-Date": date.Format(isoMillis), "X-Amz-Object-Lock-Legal-Hold": "ON"})
	plainV := e.putLocked(t, "locked", "shown", "newer", nil)
	for _, m := range []string{http.MethodHead, http.MethodGet} {
		resp, body := e.signed(t, m, "/locked/shown?versionId="+v, nil, nil)
		wantStatus(t, resp, body, http.StatusOK)
		h := resp.Header
		if h.Get("X-Amz-Object-Lock-Mode") != "COMPLIANCE" || h.Get("X-Amz-Object-Lock-Retain-Until-Date") != date.Format(isoMillis) ||
			h.Get("X-Amz-Object-Lock-Legal-Hold") != "ON" {
			t.Errorf("%s of a locked version: lock headers %q %q %q", m, h.Get("X-Amz-Object-Lock-Mode"),
				h.Get("X-Amz-Object-Lock-Retain-Until-Date"), h.Get("X-Amz-Object-Lock-Legal-Hold"))
		}
		resp, body = e.signed(t, m, "/locked/shown", nil, nil)
		wantStatus(t, resp, body, http.StatusOK)
		if resp.Header.Get("X-Amz-Version-Id") != plainV {
			t.Errorf("%s of the current version: %v", m, resp.Header)
		}
		for _, name := range []string{"X-Amz-Object-Lock-Mode", "X-Amz-Object-Lock-Retain-Until-Date", "X-Amz-Object-Lock-Legal-Hold"} {
			if got := resp.Header.Get(name); got != "" {
				t.Errorf("%s of a version without lock: %s %q", m, name, got)
			}
		}
	}
	mode, got, code := e.retentionOf(t, "/locked/shown?versionId="+v)
	if mode != "COMPLIANCE" || !got.Equal(date) || code != "" {
		t.Errorf("GetObjectRetention of the version written with headers: %s %v %s", mode, got, code)
	}
	if hold := e.legalHoldOf(t, "/locked/shown?versionId="+v); hold != "ON" {
		t.Errorf("GetObjectLegalHold of the version written with ON: %s", hold)
	}

	// A multipart upload takes the headers at its creation (with the
	// same checks) and gives them to the object.
	resp, body = e.signed(t, http.MethodPost, "/plain/mp?uploads", nil, lockHeaders(nil, "COMPLIANCE", later, ""))
	wantError(t, resp, body, http.StatusBadRequest, "InvalidRequest")
	resp, body = e.signed(t, http.MethodPost, "/locked/mp?uploads", nil, lockHeaders(nil, "COMPLIANCE", "", ""))
	wantError(t, resp, body, http.StatusBadRequest, "InvalidArgument")
	id := e.createUpload(t, "locked", "mp", map[string]string{"X-Amz-Object-Lock-Mode": "COMPLIANCE",
		"X-Amz-Object-Lock-Retain-Until-Date": date.Format(isoMillis), "X-Amz-Object-Lock-Legal-Hold": "ON"})
	etag := e.lockedPart(t, "locked", "mp", id, 1, []byte("the only part"))
	resp, body = e.signed(t, http.MethodPost, "/locked/mp?uploadId="+id, completeBody([]string{etag}), nil)
	wantStatus(t, resp, body, http.StatusOK)
	mpV := resp.Header.Get("X-Amz-Version-Id")
	resp, body = e.signed(t, http.MethodHead, "/locked/mp", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if resp.Header.Get("X-Amz-Object-Lock-Mode") != "COMPLIANCE" || resp.Header.Get("X-Amz-Object-Lock-Retain-Until-Date") != date.Format(isoMillis) ||
		resp.Header.Get("X-Amz-Object-Lock-Legal-Hold") != "ON" {
		t.Errorf("HEAD of a multipart object created with lock headers: %v", resp.Header)
	}
	resp, body = e.signed(t, http.MethodDelete, "/locked/mp?versionId="+mpV, nil, nil)
	wantError(t, resp, body, http.StatusForbidden, "AccessDenied")
}

// TestObjectLockDelete: a version under a retention or a legal hold is
// not deleted by its owner (GOVERNANCE with the bypass header aside); a
// DELETE without a version id adds a delete marker and the version stays.
func TestObjectLockDelete(t *testing.T) {
	e := newEnv(t)
	e.mustCreateLocked(t, "locked")
	later := until(time.Hour)
	bypass := map[string]string{"X-Amz-Bypass-Governance-Retention": "true"}
	for _, c := range []struct {
		name   string
		lock   map[string]string // the version's PUT headers
		hdr    map[string]string // the DELETE's
		status int
	}{
		{"COMPLIANCE", map[string]string{"X-Amz-Object-Lock-Mode": "COMPLIANCE", "X-Amz-Object-Lock-Retain-Until-Date": later}, nil, http.StatusForbidden},
		{"COMPLIANCE with bypass", map[string]string{"X-Amz-Object-Lock-Mode": "COMPLIANCE", "X-Amz-Object-Lock-Retain-Until-Date": later}, bypass, http.StatusForbidden},
		{"GOVERNANCE", map[string]string{"X-Amz-Object-Lock-Mode": "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date": later}, nil, http.StatusForbidden},
		{"GOVERNANCE with bypass false", map[string]string{"X-Amz-Object-Lock-Mode": "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date": later},
			map[string]string{"X-Amz-Bypass-Governance-Retention": "false"}, http.StatusForbidden},
		{"GOVERNANCE with bypass", map[string]string{"X-Amz-Object-Lock-Mode": "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date": later}, bypass, http.StatusNoContent},
		{"GOVERNANCE with bypass TRUE", map[string]string{"X-Amz-Object-Lock-Mode": "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date": later},
			map[string]string{"X-Amz-Bypass-Governance-Retention": "TRUE"}, http.StatusNoContent},
		{"legal hold", map[string]string{"X-Amz-Object-Lock-Legal-Hold": "ON"}, nil, http.StatusForbidden},
		{"legal hold with bypass", map[string]string{"X-Amz-Object-Lock-Legal-Hold": "ON"}, bypass, http.StatusForbidden},
		{"GOVERNANCE and legal hold with bypass", map[string]string{"X-Amz-Object-Lock-Mode": "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date": later, "X-Amz-Object-Lock-Legal-Hold": "ON"},
			bypass, http.StatusForbidden},
		{"legal hold OFF", map[string]string{"X-Amz-Object-Lock-Legal-Hold": "OFF"}, nil, http.StatusNoContent},
		{"no lock", nil, nil, http.StatusNoContent},
		{"no lock with bypass", nil, bypass, http.StatusNoContent},
	} {
		key := strings.ReplaceAll(c.name, " ", "-")
		v := e.putLocked(t, "locked", key, "data of "+key, c.lock)
		resp, body := e.signed(t, http.MethodDelete, "/locked/"+key+"?versionId="+v, nil, c.hdr)
		if resp.StatusCode != c.status {
			t.Errorf("%s: DELETE by version id: %d, want %d (%s)", c.name, resp.StatusCode, c.status, body)
			continue
		}
		if c.status == http.StatusForbidden {
			wantError(t, resp, body, http.StatusForbidden, "AccessDenied")
		}
		resp, body = e.signed(t, http.MethodGet, "/locked/"+key+"?versionId="+v, nil, nil)
		if c.status == http.StatusForbidden {
			if resp.StatusCode != http.StatusOK || string(body) != "data of "+key {
				t.Errorf("%s: the locked version after a refused DELETE: %d %q", c.name, resp.StatusCode, body)
			}
		} else if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: GET of a deleted version: %d %s", c.name, resp.StatusCode, body)
		}
	}
	resp, body := e.signed(t, http.MethodDelete, "/locked/legal-hold?versionId=x", nil, map[string]string{"X-Amz-Bypass-Governance-Retention": "maybe"})
	wantError(t, resp, body, http.StatusBadRequest, "InvalidArgument")

	// A legal hold turned OFF, no retention: the version goes.
	v := e.putLocked(t, "locked", "held", "held", map[string]string{"X-Amz-Object-Lock-Legal-Hold": "ON"})
	resp, body = e.signed(t, http.MethodDelete, "/locked/held?versionId="+v, nil, nil)
	wantError(t, resp, body, http.StatusForbidden, "AccessDenied")
	resp, body = e.signed(t, http.MethodPut, "/locked/held?legal-hold&versionId="+v, legalHoldXML("OFF"), nil)
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodDelete, "/locked/held?versionId="+v, nil, nil)
	wantStatus(t, resp, body, http.StatusNoContent)
	if resp.Header.Get("X-Amz-Version-Id") != v {
		t.Errorf("DELETE of a version released: headers %v", resp.Header)
	}

	// A DELETE without a version id adds a delete marker; the locked
	// version stays, readable and listed.
	v = e.putLocked(t, "locked", "kept", "kept bytes", map[string]string{"X-Amz-Object-Lock-Mode": "COMPLIANCE", "X-Amz-Object-Lock-Retain-Until-Date": later})
	resp, body = e.signed(t, http.MethodDelete, "/locked/kept", nil, nil)
	wantStatus(t, resp, body, http.StatusNoContent)
	marker := resp.Header.Get("X-Amz-Version-Id")
	if resp.Header.Get("X-Amz-Delete-Marker") != "true" || marker == "" || marker == v {
		t.Errorf("DELETE without a version id of a locked key: headers %v", resp.Header)
	}
	resp, body = e.signed(t, http.MethodGet, "/locked/kept", nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "NoSuchKey")
	resp, body = e.signed(t, http.MethodGet, "/locked/kept?versionId="+v, nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if string(body) != "kept bytes" {
		t.Errorf("the locked version behind a marker: %q", body)
	}
	resp, body = e.signed(t, http.MethodGet, "/locked?versions&prefix=kept", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	var vd versionsDoc
	decodeDoc(t, body, &vd)
	if got := vd.summary(); got != "kept/D*,kept/V" {
		t.Errorf("ListObjectVersions of a locked key behind a marker: %s", got)
	}
	// The marker itself is no locked version: it goes.
	resp, body = e.signed(t, http.MethodDelete, "/locked/kept?versionId="+marker, nil, nil)
	wantStatus(t, resp, body, http.StatusNoContent)
	// Nor is the bucket deleted while it holds a locked version.
	resp, body = e.signed(t, http.MethodDelete, "/locked", nil, nil)
	wantError(t, resp, body, http.StatusConflict, "BucketNotEmpty")

	// DeleteObjects: the locked versions fail on their own, the others go.
	comp := e.putLocked(t, "locked", "m-comp", "c", map[string]string{"X-Amz-Object-Lock-Mode": "COMPLIANCE", "X-Amz-Object-Lock-Retain-Until-Date": later})
	gov := e.putLocked(t, "locked", "m-gov", "g", map[string]string{"X-Amz-Object-Lock-Mode": "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date": later})
	free := e.putLocked(t, "locked", "m-free", "f", nil)
	e.putLocked(t, "locked", "m-current", "x", map[string]string{"X-Amz-Object-Lock-Mode": "COMPLIANCE", "X-Amz-Object-Lock-Retain-Until-Date": later})
	del := []byte(`<Delete><Object><Key>m-comp</Key><VersionId>` + comp + `</VersionId></Object>` +
		`<Object><Key>m-gov</Key><VersionId>` + gov + `</VersionId></Object>` +
		`<Object><Key>m-free</Key><VersionId>` + free + `</VersionId></Object>` +
		`<Object><Key>m-current</Key></Object></Delete>`)
	resp, body = e.signed(t, http.MethodPost, "/locked?delete", del, md5Header(del))
	wantStatus(t, resp, body, http.StatusOK)
	var res deleteDoc
	decodeDoc(t, body, &res)
	var failed, deleted []string
	for _, f := range res.Error {
		failed = append(failed, f.Key+"/"+f.Code)
		if f.VersionId == "" {
			t.Errorf("DeleteObjects error without its VersionId: %+v", f)
		}
	}
	for _, d := range res.Deleted {
		deleted = append(deleted, d.Key)
	}
	if strings.Join(failed, ",") != "m-comp/AccessDenied,m-gov/AccessDenied" || strings.Join(deleted, ",") != "m-free,m-current" {
		t.Errorf("DeleteObjects with locked versions: failed %v, deleted %v\n%s", failed, deleted, body)
	}
	for key, v := range map[string]string{"m-comp": comp, "m-gov": gov} {
		resp, body = e.signed(t, http.MethodGet, "/locked/"+key+"?versionId="+v, nil, nil)
		wantStatus(t, resp, body, http.StatusOK)
	}
	// With the bypass header, the GOVERNANCE one goes, the COMPLIANCE one
	// stays.
	del = []byte(`<Delete><Object><Key>m-comp</Key><VersionId>` + comp + `</VersionId></Object>` +
		`<Object><Key>m-gov</Key><VersionId>` + gov + `</VersionId></Object></Delete>`)
	hdr := md5Header(del)
	hdr["X-Amz-Bypass-Governance-Retention"] = "true"
	resp, body = e.signed(t, http.MethodPost, "/locked?delete", del, hdr)
	wantStatus(t, resp, body, http.StatusOK)
	res = deleteDoc{}
	decodeDoc(t, body, &res)
	if len(res.Error) != 1 || res.Error[0].Key != "m-comp" || res.Error[0].Code != "AccessDenied" ||
		len(res.Deleted) != 1 || res.Deleted[0].Key != "m-gov" || res.Deleted[0].VersionId != gov {
		t.Errorf("DeleteObjects with bypass: %s", body)
	}
}
