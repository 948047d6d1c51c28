package frontend

import (
	"bytes"
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
	etag := e.uploadPart(t, "locked", "mp", id, 1, []byte("the only part"))
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

// TestObjectRetention: Put/GetObjectRetention and Put/GetObjectLegalHold.
func TestObjectRetention(t *testing.T) {
	e := newEnv(t)
	e.mustCreateLocked(t, "locked")
	base := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
	at := func(d time.Duration) string { return base.Add(d).Format(isoMillis) }
	bypass := map[string]string{"X-Amz-Bypass-Governance-Retention": "true"}

	comp := e.putLocked(t, "locked", "comp", "c", map[string]string{"X-Amz-Object-Lock-Mode": "COMPLIANCE", "X-Amz-Object-Lock-Retain-Until-Date": at(0)})
	gov := e.putLocked(t, "locked", "gov", "g", map[string]string{"X-Amz-Object-Lock-Mode": "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date": at(0)})
	for _, c := range []struct {
		name     string
		key      string
		doc      []byte
		hdr      map[string]string
		status   int
		code     string
		mode     string // the retention then in force ("" for none)
		untilOff time.Duration
	}{
		{"COMPLIANCE extended", "comp", retentionXML("COMPLIANCE", at(time.Hour)), nil, http.StatusOK, "", "COMPLIANCE", time.Hour},
		{"COMPLIANCE same date", "comp", retentionXML("COMPLIANCE", at(time.Hour)), nil, http.StatusOK, "", "COMPLIANCE", time.Hour},
		{"COMPLIANCE shortened", "comp", retentionXML("COMPLIANCE", at(30*time.Minute)), nil, http.StatusForbidden, "AccessDenied", "COMPLIANCE", time.Hour},
		{"COMPLIANCE shortened with bypass", "comp", retentionXML("COMPLIANCE", at(30*time.Minute)), bypass, http.StatusForbidden, "AccessDenied", "COMPLIANCE", time.Hour},
		{"COMPLIANCE removed", "comp", retentionXML("", ""), nil, http.StatusForbidden, "AccessDenied", "COMPLIANCE", time.Hour},
		{"COMPLIANCE removed with bypass", "comp", retentionXML("", ""), bypass, http.StatusForbidden, "AccessDenied", "COMPLIANCE", time.Hour},
		{"COMPLIANCE to GOVERNANCE", "comp", retentionXML("GOVERNANCE", at(2*time.Hour)), nil, http.StatusForbidden, "AccessDenied", "COMPLIANCE", time.Hour},
		{"COMPLIANCE to GOVERNANCE with bypass", "comp", retentionXML("GOVERNANCE", at(2*time.Hour)), bypass, http.StatusForbidden, "AccessDenied", "COMPLIANCE", time.Hour},
		{"GOVERNANCE extended", "gov", retentionXML("GOVERNANCE", at(time.Hour)), nil, http.StatusOK, "", "GOVERNANCE", time.Hour},
		{"GOVERNANCE shortened", "gov", retentionXML("GOVERNANCE", at(30*time.Minute)), nil, http.StatusForbidden, "AccessDenied", "GOVERNANCE", time.Hour},
		{"GOVERNANCE removed", "gov", retentionXML("", ""), nil, http.StatusForbidden, "AccessDenied", "GOVERNANCE", time.Hour},
		{"GOVERNANCE shortened with bypass", "gov", retentionXML("GOVERNANCE", at(30*time.Minute)), bypass, http.StatusOK, "", "GOVERNANCE", 30 * time.Minute},
		{"date in the past", "gov", retentionXML("GOVERNANCE", until(-time.Minute)), bypass, http.StatusBadRequest, "InvalidArgument", "GOVERNANCE", 30 * time.Minute},
		{"bad date", "gov", retentionXML("GOVERNANCE", "soon"), bypass, http.StatusBadRequest, "InvalidArgument", "GOVERNANCE", 30 * time.Minute},
		{"bad mode", "gov", retentionXML("FOREVER", at(2*time.Hour)), bypass, http.StatusBadRequest, "MalformedXML", "GOVERNANCE", 30 * time.Minute},
		{"lowercase mode", "gov", retentionXML("governance", at(2*time.Hour)), bypass, http.StatusBadRequest, "MalformedXML", "GOVERNANCE", 30 * time.Minute},
		{"mode without date", "gov", retentionXML("GOVERNANCE", ""), bypass, http.StatusBadRequest, "MalformedXML", "GOVERNANCE", 30 * time.Minute},
		{"date without mode", "gov", retentionXML("", at(time.Hour)), bypass, http.StatusBadRequest, "MalformedXML", "GOVERNANCE", 30 * time.Minute},
		{"empty body", "gov", nil, bypass, http.StatusBadRequest, "MalformedXML", "GOVERNANCE", 30 * time.Minute},
		{"not XML", "gov", []byte("GOVERNANCE please"), bypass, http.StatusBadRequest, "MalformedXML", "GOVERNANCE", 30 * time.Minute},
		{"wrong root", "gov", legalHoldXML("ON"), bypass, http.StatusBadRequest, "MalformedXML", "GOVERNANCE", 30 * time.Minute},
		{"wrong namespace", "gov", []byte(`<Retention xmlns="urn:x"><Mode>GOVERNANCE</Mode><RetainUntilDate>` + at(time.Hour) + `</RetainUntilDate></Retention>`),
			bypass, http.StatusBadRequest, "MalformedXML", "GOVERNANCE", 30 * time.Minute},
		{"wrong Content-MD5", "gov", retentionXML("GOVERNANCE", at(2*time.Hour)), map[string]string{"Content-MD5": md5Of([]byte("x"))}, http.StatusBadRequest, "BadDigest", "GOVERNANCE", 30 * time.Minute},
		{"bad bypass header", "gov", retentionXML("", ""), map[string]string{"X-Amz-Bypass-Governance-Retention": "sure"}, http.StatusBadRequest, "InvalidArgument", "GOVERNANCE", 30 * time.Minute},
		{"GOVERNANCE removed with bypass", "gov", retentionXML("", ""), bypass, http.StatusOK, "", "", 0},
		{"retention set again", "gov", retentionXML("GOVERNANCE", at(0)), nil, http.StatusOK, "", "GOVERNANCE", 0},
	} {
		if c.key == "" {
			c.key = "gov"
		}
		resp, body := e.signed(t, http.MethodPut, "/locked/"+c.key+"?retention", c.doc, c.hdr)
		if resp.StatusCode != c.status {
			t.Errorf("%s: PutObjectRetention %d, want %d %s (%s)", c.name, resp.StatusCode, c.status, c.code, body)
		} else if c.code != "" {
			wantError(t, resp, body, c.status, c.code)
		} else if want := map[string]string{"comp": comp, "gov": gov}[c.key]; resp.Header.Get("X-Amz-Version-Id") != want {
			t.Errorf("%s: PutObjectRetention x-amz-version-id %q, want %q", c.name, resp.Header.Get("X-Amz-Version-Id"), want)
		}
		mode, got, code := e.retentionOf(t, "/locked/"+c.key)
		switch {
		case c.mode == "" && code != "NoSuchObjectLockConfiguration":
			t.Errorf("%s: then GetObjectRetention %s %v %s, want none", c.name, mode, got, code)
		case c.mode != "" && (mode != c.mode || !got.Equal(base.Add(c.untilOff))):
			t.Errorf("%s: then GetObjectRetention %s %v %s, want %s %v", c.name, mode, got, code, c.mode, base.Add(c.untilOff))
		}
	}

	// GOVERNANCE turned COMPLIANCE with bypass; then it holds.
	resp, body := e.signed(t, http.MethodPut, "/locked/gov?retention", retentionXML("COMPLIANCE", at(0)), bypass)
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodDelete, "/locked/gov?versionId="+gov, nil, bypass)
	wantError(t, resp, body, http.StatusForbidden, "AccessDenied")

	// By version id: the current version has no retention, an older one
	// has.
	newer := e.putLocked(t, "locked", "comp", "newer", nil)
	if _, _, code := e.retentionOf(t, "/locked/comp"); code != "NoSuchObjectLockConfiguration" {
		t.Errorf("GetObjectRetention of a version without one: %q", code)
	}
	resp, body = e.signed(t, http.MethodGet, "/locked/comp?retention&versionId="+comp, nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if resp.Header.Get("X-Amz-Version-Id") != comp {
		t.Errorf("GetObjectRetention by version id: x-amz-version-id %q", resp.Header.Get("X-Amz-Version-Id"))
	}
	resp, body = e.signed(t, http.MethodPut, "/locked/comp?retention&versionId="+newer, retentionXML("GOVERNANCE", at(0)), nil)
	wantStatus(t, resp, body, http.StatusOK)
	if resp.Header.Get("X-Amz-Version-Id") != newer {
		t.Errorf("PutObjectRetention by version id: x-amz-version-id %q", resp.Header.Get("X-Amz-Version-Id"))
	}
	if mode, got, _ := e.retentionOf(t, "/locked/comp?versionId="+newer); mode != "GOVERNANCE" || !got.Equal(base) {
		t.Errorf("retention set by version id: %s %v", mode, got)
	}
	if mode, got, _ := e.retentionOf(t, "/locked/comp?versionId="+comp); mode != "COMPLIANCE" || !got.Equal(base.Add(time.Hour)) {
		t.Errorf("the older version's retention after setting the newer one's: %s %v", mode, got)
	}
	resp, body = e.signed(t, http.MethodGet, "/locked/comp?retention&versionId=nosuchversion", nil, nil)
	if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusNotFound {
		t.Errorf("GetObjectRetention of an unknown version: %d %s", resp.StatusCode, body)
	}
	resp, body = e.signed(t, http.MethodGet, "/locked/missing?retention", nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "NoSuchKey")
	resp, body = e.signed(t, http.MethodPut, "/locked/missing?legal-hold", legalHoldXML("ON"), nil)
	wantError(t, resp, body, http.StatusNotFound, "NoSuchKey")

	// Legal hold. Of a version never held, S3 answers 404
	// NoSuchObjectLockConfiguration.
	resp, body = e.signed(t, http.MethodGet, "/locked/comp?legal-hold", nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "NoSuchObjectLockConfiguration")
	for _, c := range []struct {
		name   string
		path   string
		doc    []byte
		status int
		code   string
		hold   string // then, of the current version
	}{
		{"ON", "/locked/comp?legal-hold", legalHoldXML("ON"), http.StatusOK, "", "ON"},
		{"ON again", "/locked/comp?legal-hold", legalHoldXML("ON"), http.StatusOK, "", "ON"},
		{"lowercase", "/locked/comp?legal-hold", legalHoldXML("off"), http.StatusBadRequest, "MalformedXML", "ON"},
		{"bad status", "/locked/comp?legal-hold", legalHoldXML("MAYBE"), http.StatusBadRequest, "MalformedXML", "ON"},
		{"no status", "/locked/comp?legal-hold", []byte(`<LegalHold></LegalHold>`), http.StatusBadRequest, "MalformedXML", "ON"},
		{"empty body", "/locked/comp?legal-hold", nil, http.StatusBadRequest, "MalformedXML", "ON"},
		{"wrong root", "/locked/comp?legal-hold", retentionXML("GOVERNANCE", at(0)), http.StatusBadRequest, "MalformedXML", "ON"},
		{"wrong namespace", "/locked/comp?legal-hold", []byte(`<LegalHold xmlns="urn:x"><Status>OFF</Status></LegalHold>`), http.StatusBadRequest, "MalformedXML", "ON"},
		{"not XML", "/locked/comp?legal-hold", []byte("OFF"), http.StatusBadRequest, "MalformedXML", "ON"},
		{"wrong Content-MD5", "/locked/comp?legal-hold", legalHoldXML("OFF"), http.StatusBadRequest, "BadDigest", "ON"},
		{"no namespace", "/locked/comp?legal-hold", []byte(`<LegalHold><Status>OFF</Status></LegalHold>`), http.StatusOK, "", "OFF"},
		{"ON by the older version's id", "/locked/comp?legal-hold&versionId=" + comp, legalHoldXML("ON"), http.StatusOK, "", "OFF"},
		{"OFF", "/locked/comp?legal-hold", legalHoldXML("OFF"), http.StatusOK, "", "OFF"},
	} {
		var hdr map[string]string
		if c.code == "BadDigest" {
			hdr = map[string]string{"Content-MD5": md5Of([]byte("x"))}
		}
		resp, body := e.signed(t, http.MethodPut, c.path, c.doc, hdr)
		if c.code != "" {
			wantError(t, resp, body, c.status, c.code)
		} else {
			wantStatus(t, resp, body, c.status)
		}
		if hold := e.legalHoldOf(t, "/locked/comp"); hold != c.hold {
			t.Errorf("%s: then GetObjectLegalHold = %s, want %s", c.name, hold, c.hold)
		}
	}
	resp, body = e.signed(t, http.MethodGet, "/locked/comp?legal-hold&versionId="+comp, nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if !contains(string(body), "<Status>ON</Status>") || resp.Header.Get("X-Amz-Version-Id") != comp {
		t.Errorf("GetObjectLegalHold of the older version: %s %v", body, resp.Header)
	}
	resp, body = e.signed(t, http.MethodHead, "/locked/comp?versionId="+comp, nil, nil)
	if resp.Header.Get("X-Amz-Object-Lock-Legal-Hold") != "ON" {
		t.Errorf("HEAD of a version held: %v", resp.Header)
	}

	// A bucket without object lock: 400 InvalidRequest.
	e.mustCreate(t, "plain")
	e.mustPut(t, "plain", "k", []byte("k"))
	for _, c := range []struct {
		method, path string
		doc          []byte
	}{
		{http.MethodGet, "/plain/k?retention", nil},
		{http.MethodPut, "/plain/k?retention", retentionXML("GOVERNANCE", at(0))},
		{http.MethodGet, "/plain/k?legal-hold", nil},
		{http.MethodPut, "/plain/k?legal-hold", legalHoldXML("ON")},
	} {
		resp, body := e.signed(t, c.method, c.path, c.doc, nil)
		wantError(t, resp, body, http.StatusBadRequest, "InvalidRequest")
	}
}

// TestObjectLockDefaultRetention: a bucket's default retention reaches
// the versions written without lock headers: PUT, multipart, copy.
func TestObjectLockDefaultRetention(t *testing.T) {
	e := newEnv(t)
	e.mustCreateLocked(t, "dflt")
	resp, body := e.signed(t, http.MethodPut, "/dflt?object-lock", lockConfigXML(defaultRule("GOVERNANCE", "<Days>1</Days>")), nil)
	wantStatus(t, resp, body, http.StatusOK)
	day := 24 * time.Hour

	headLock := func(path string) (mode string, until time.Time, hold string) {
		t.Helper()
		resp, body := e.signed(t, http.MethodHead, path, nil, nil)
		wantStatus(t, resp, body, http.StatusOK)
		mode = resp.Header.Get("X-Amz-Object-Lock-Mode")
		if d := resp.Header.Get("X-Amz-Object-Lock-Retain-Until-Date"); d != "" {
			var err error
			if until, err = time.Parse(time.RFC3339Nano, d); err != nil {
				t.Errorf("HEAD %s: retain-until-date %q: %v", path, d, err)
			}
		}
		return mode, until, resp.Header.Get("X-Amz-Object-Lock-Legal-Hold")
	}

	// A plain PUT gets the default; without a checksum it is refused.
	resp, body = e.signed(t, http.MethodPut, "/dflt/plain", []byte("no sum"), nil)
	wantError(t, resp, body, http.StatusBadRequest, "InvalidRequest")
	v := e.putLocked(t, "dflt", "plain", "with sum", nil)
	if mode, u, hold := headLock("/dflt/plain"); mode != "GOVERNANCE" || !near(u, time.Now().Add(day)) || hold != "" {
		t.Errorf("PUT under a default of 1 day GOVERNANCE: %s %v %q", mode, u, hold)
	}
	resp, body = e.signed(t, http.MethodDelete, "/dflt/plain?versionId="+v, nil, nil)
	wantError(t, resp, body, http.StatusForbidden, "AccessDenied")
	// A CRC32 will do as well as Content-MD5.
	data := []byte("with a crc")
	resp, body = e.signed(t, http.MethodPut, "/dflt/crc", data, map[string]string{"X-Amz-Checksum-Crc32": checksum.Encode(checksum.CRC32.Sum(data))})
	wantStatus(t, resp, body, http.StatusOK)
	if mode, _, _ := headLock("/dflt/crc"); mode != "GOVERNANCE" {
		t.Errorf("PUT with a CRC32 under a default: mode %q", mode)
	}
	// Headers win over the default; a legal hold alone keeps it.
	later := time.Now().Add(3 * time.Hour).UTC().Truncate(time.Millisecond)
	e.putLocked(t, "dflt", "own", "own", map[string]string{"X-Amz-Object-Lock-Mode": "COMPLIANCE", "X-Amz-Object-Lock-Retain-Until-Date": later.Format(isoMillis)})
	if mode, u, _ := headLock("/dflt/own"); mode != "COMPLIANCE" || !u.Equal(later) {
		t.Errorf("PUT with its own retention under a default: %s %v", mode, u)
	}
	e.putLocked(t, "dflt", "hold", "hold", map[string]string{"X-Amz-Object-Lock-Legal-Hold": "ON"})
	if mode, u, hold := headLock("/dflt/hold"); mode != "GOVERNANCE" || !near(u, time.Now().Add(day)) || hold != "ON" {
		t.Errorf("PUT with a legal hold under a default: %s %v %q", mode, u, hold)
	}

	// Multipart: the default applies at completion.
	id := e.createUpload(t, "dflt", "mp", nil)
	etag := e.uploadPart(t, "dflt", "mp", id, 1, []byte("part one"))
	resp, body = e.signed(t, http.MethodPost, "/dflt/mp?uploadId="+id, completeBody([]string{etag}), nil)
	wantStatus(t, resp, body, http.StatusOK)
	mpV := resp.Header.Get("X-Amz-Version-Id")
	if mode, u, _ := headLock("/dflt/mp"); mode != "GOVERNANCE" || !near(u, time.Now().Add(day)) {
		t.Errorf("multipart object under a default: %s %v", mode, u)
	}
	resp, body = e.signed(t, http.MethodDelete, "/dflt/mp?versionId="+mpV, nil, nil)
	wantError(t, resp, body, http.StatusForbidden, "AccessDenied")
	// One that named its own retention keeps it.
	id = e.createUpload(t, "dflt", "mp-own", map[string]string{"X-Amz-Object-Lock-Mode": "COMPLIANCE", "X-Amz-Object-Lock-Retain-Until-Date": later.Format(isoMillis)})
	etag = e.uploadPart(t, "dflt", "mp-own", id, 1, []byte("part one"))
	resp, body = e.signed(t, http.MethodPost, "/dflt/mp-own?uploadId="+id, completeBody([]string{etag}), nil)
	wantStatus(t, resp, body, http.StatusOK)
	if mode, u, _ := headLock("/dflt/mp-own"); mode != "COMPLIANCE" || !u.Equal(later) {
		t.Errorf("multipart object with its own retention under a default: %s %v", mode, u)
	}

	// Copy: the copy's lock is the destination's default (or the
	// request's headers), never the source's.
	e.mustCreateLocked(t, "src")
	srcUntil := time.Now().Add(5 * time.Hour).UTC().Truncate(time.Millisecond)
	e.putLocked(t, "src", "s", "source bytes", map[string]string{"X-Amz-Object-Lock-Mode": "COMPLIANCE",
		"X-Amz-Object-Lock-Retain-Until-Date": srcUntil.Format(isoMillis), "X-Amz-Object-Lock-Legal-Hold": "ON"})
	resp, body = e.copyTo(t, "dflt", "copy", "/src/s", nil)
	wantStatus(t, resp, body, http.StatusOK)
	if mode, u, hold := headLock("/dflt/copy"); mode != "GOVERNANCE" || !near(u, time.Now().Add(day)) || hold != "" {
		t.Errorf("copy of a locked object into a bucket with a default: %s %v %q", mode, u, hold)
	}
	resp, body = e.copyTo(t, "dflt", "copy-own", "/src/s", map[string]string{"X-Amz-Object-Lock-Mode": "COMPLIANCE",
		"X-Amz-Object-Lock-Retain-Until-Date": later.Format(isoMillis)})
	wantStatus(t, resp, body, http.StatusOK)
	if mode, u, hold := headLock("/dflt/copy-own"); mode != "COMPLIANCE" || !u.Equal(later) || hold != "" {
		t.Errorf("copy with its own retention: %s %v %q", mode, u, hold)
	}
	e.mustCreate(t, "plain")
	resp, body = e.copyTo(t, "plain", "copy", "/src/s", nil)
	wantStatus(t, resp, body, http.StatusOK)
	if mode, _, hold := headLock("/plain/copy"); mode != "" || hold != "" {
		t.Errorf("copy of a locked object into a bucket without lock: %q %q", mode, hold)
	}
	resp, body = e.copyTo(t, "plain", "copy2", "/src/s", map[string]string{"X-Amz-Object-Lock-Legal-Hold": "ON"})
	wantError(t, resp, body, http.StatusBadRequest, "InvalidRequest")
	resp, body = e.copyTo(t, "src", "self", "/src/s", nil)
	wantStatus(t, resp, body, http.StatusOK)
	if mode, _, hold := headLock("/src/self"); mode != "" || hold != "" {
		t.Errorf("copy within a bucket without a default: %q %q", mode, hold)
	}

	// A retention read back and written again, unchanged, is no
	// shortening (the date GET shows is the date kept).
	e.mustCreateLocked(t, "comp")
	resp, body = e.signed(t, http.MethodPut, "/comp?object-lock", lockConfigXML(defaultRule("COMPLIANCE", "<Days>1</Days>")), nil)
	wantStatus(t, resp, body, http.StatusOK)
	e.putLocked(t, "comp", "k", "k", nil)
	resp, body = e.signed(t, http.MethodGet, "/comp/k?retention", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	var ret retentionOut
	decodeDoc(t, body, &ret)
	resp, body = e.signed(t, http.MethodPut, "/comp/k?retention", retentionXML(ret.Mode, ret.RetainUntilDate), nil)
	wantStatus(t, resp, body, http.StatusOK)

	// The default changes; versions already written keep theirs.
	resp, body = e.signed(t, http.MethodPut, "/dflt?object-lock", lockConfigXML(defaultRule("COMPLIANCE", "<Years>1</Years>")), nil)
	wantStatus(t, resp, body, http.StatusOK)
	if mode, _, _ := headLock("/dflt/plain"); mode != "GOVERNANCE" {
		t.Errorf("an older version after the default changed: %s", mode)
	}
	e.putLocked(t, "dflt", "yearly", "y", nil)
	if mode, u, _ := headLock("/dflt/yearly"); mode != "COMPLIANCE" || !near(u, time.Now().AddDate(1, 0, 0)) {
		t.Errorf("PUT under a default of 1 year COMPLIANCE: %s %v", mode, u)
	}
	// No default any more: a PUT without a checksum is fine again.
	resp, body = e.signed(t, http.MethodPut, "/dflt?object-lock", lockConfigXML(""), nil)
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodPut, "/dflt/free", []byte("free"), nil)
	wantStatus(t, resp, body, http.StatusOK)
	if mode, _, _ := headLock("/dflt/free"); mode != "" {
		t.Errorf("PUT once the default is removed: mode %q", mode)
	}
}

// TestObjectLockAccess: who may read and change a version's lock, and
// bypass GOVERNANCE. Each case runs in a fresh world: alice's lock bucket
// "shared" holds "gov" (GOVERNANCE), "comp" (COMPLIANCE), "held" (legal
// hold) and "free" (no lock), under the case's bucket policy.
func TestObjectLockAccess(t *testing.T) {
	pol := func(actions ...string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"tenant-bob"},"Action":["` +
			strings.Join(actions, `","`) + `"],"Resource":"arn:aws:s3:::shared/*"}]}`
	}
	denyOwner := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:BypassGovernanceRetention","Resource":"arn:aws:s3:::shared/*"}]}`
	later := until(time.Hour)
	bypass := map[string]string{"X-Amz-Bypass-Governance-Retention": "true"}
	const (
		alice = "alice"
		bob   = "bob"
	)
	type request struct {
		method, path string // {gov} {comp} {held} {free}: the version ids
		body         []byte
		hdr          map[string]string
	}
	type check struct {
		name   string
		policy string
		who    string
		req    request
		status int
		// lockHeaders: whether a 200 GET shows the lock headers
		// (checked on "gov" and "held" GETs only).
		lockHeaders bool
	}
	getGov := request{http.MethodGet, "/shared/gov", nil, nil}
	getHeld := request{http.MethodGet, "/shared/held", nil, nil}
	delGov := request{http.MethodDelete, "/shared/gov?versionId={gov}", nil, nil}
	delGovBypass := request{http.MethodDelete, "/shared/gov?versionId={gov}", nil, bypass}
	delCompBypass := request{http.MethodDelete, "/shared/comp?versionId={comp}", nil, bypass}
	delFreeBypass := request{http.MethodDelete, "/shared/free?versionId={free}", nil, bypass}
	shorten := request{http.MethodPut, "/shared/gov?retention", retentionXML("GOVERNANCE", until(10*time.Minute)), bypass}
	extend := request{http.MethodPut, "/shared/gov?retention", retentionXML("GOVERNANCE", until(2*time.Hour)), nil}
	getRet := request{http.MethodGet, "/shared/gov?retention", nil, nil}
	getHold := request{http.MethodGet, "/shared/held?legal-hold", nil, nil}
	putHold := request{http.MethodPut, "/shared/held?legal-hold", legalHoldXML("OFF"), nil}
	const (
		ok   = http.StatusOK
		no   = http.StatusForbidden
		gone = http.StatusNoContent
	)
	checks := []check{
		// The owner.
		{"owner GET", "", alice, getGov, ok, true},
		{"owner GET held", "", alice, getHeld, ok, true},
		{"owner deletes GOVERNANCE", "", alice, delGov, no, false},
		{"owner bypasses GOVERNANCE", "", alice, delGovBypass, gone, false},
		{"owner's other key bypasses GOVERNANCE", "", "alice2", delGovBypass, gone, false},
		{"owner bypasses COMPLIANCE", "", alice, delCompBypass, no, false},
		{"owner shortens GOVERNANCE with bypass", "", alice, shorten, ok, false},
		{"owner denied bypass by policy", denyOwner, alice, delGovBypass, no, false},
		{"owner denied bypass shortens", denyOwner, alice, shorten, no, false},
		{"owner denied bypass extends", denyOwner, alice, extend, ok, false},
		// Another account, no policy.
		{"bob GET", "", bob, getGov, no, false},
		{"bob GetObjectRetention", "", bob, getRet, no, false},
		{"bob PutObjectRetention", "", bob, extend, no, false},
		{"bob GetObjectLegalHold", "", bob, getHold, no, false},
		{"bob PutObjectLegalHold", "", bob, putHold, no, false},
		{"bob bypasses", "", bob, delGovBypass, no, false},
		// Bob may read the objects, not their lock.
		{"bob reader GET", pol("s3:GetObject"), bob, getGov, ok, false},
		{"bob reader GET held", pol("s3:GetObject"), bob, getHeld, ok, false},
		{"bob reader GetObjectRetention", pol("s3:GetObject"), bob, getRet, no, false},
		{"bob reader GetObjectLegalHold", pol("s3:GetObject"), bob, getHold, no, false},
		// Bob may read the objects and their retention, not the hold.
		{"bob retention reader GET", pol("s3:GetObject", "s3:GetObjectRetention"), bob, getGov, ok, true},
		{"bob retention reader GET held", pol("s3:GetObject", "s3:GetObjectRetention"), bob, getHeld, ok, false},
		{"bob retention reader GetObjectRetention", pol("s3:GetObject", "s3:GetObjectRetention"), bob, getRet, ok, false},
		{"bob retention reader PutObjectRetention", pol("s3:GetObject", "s3:GetObjectRetention"), bob, extend, no, false},
		{"bob hold reader GET held", pol("s3:GetObject", "s3:GetObjectLegalHold"), bob, getHeld, ok, true},
		{"bob hold reader GetObjectLegalHold", pol("s3:GetObjectLegalHold"), bob, getHold, ok, false},
		{"bob hold writer PutObjectLegalHold", pol("s3:PutObjectLegalHold"), bob, putHold, ok, false},
		{"bob retention writer PutObjectRetention", pol("s3:PutObjectRetention"), bob, extend, ok, false},
		{"bob retention writer shortens with bypass", pol("s3:PutObjectRetention"), bob, shorten, no, false},
		{"bob retention bypasser shortens", pol("s3:PutObjectRetention", "s3:BypassGovernanceRetention"), bob, shorten, ok, false},
		// Bob may delete versions, not bypass.
		{"bob deleter deletes GOVERNANCE", pol("s3:DeleteObject", "s3:DeleteObjectVersion"), bob, delGov, no, false},
		{"bob deleter bypasses", pol("s3:DeleteObject", "s3:DeleteObjectVersion"), bob, delGovBypass, no, false},
		// Bob may bypass but not delete versions.
		{"bob bypasser without DeleteObjectVersion", pol("s3:DeleteObject", "s3:BypassGovernanceRetention"), bob, delGovBypass, no, false},
		// Bob may both.
		{"bob deleter and bypasser", pol("s3:DeleteObjectVersion", "s3:BypassGovernanceRetention"), bob, delGovBypass, gone, false},
		{"bob deleter and bypasser without the header", pol("s3:DeleteObjectVersion", "s3:BypassGovernanceRetention"), bob, delGov, no, false},
		{"bob deleter and bypasser on COMPLIANCE", pol("s3:DeleteObjectVersion", "s3:BypassGovernanceRetention"), bob, delCompBypass, no, false},
		{"bob deleter and bypasser on a free version", pol("s3:DeleteObjectVersion", "s3:BypassGovernanceRetention"), bob, delFreeBypass, gone, false},
		{"bob deleter on a free version without the header", pol("s3:DeleteObjectVersion"), bob,
			request{http.MethodDelete, "/shared/free?versionId={free}", nil, nil}, gone, false},
		// The header without the permission: no bypass, and no error
		// where no lock stands in the way.
		{"bob deleter with the header on a free version", pol("s3:DeleteObjectVersion"), bob, delFreeBypass, gone, false},
		{"bob retention writer extends with the header", pol("s3:PutObjectRetention"), bob,
			request{http.MethodPut, "/shared/gov?retention", retentionXML("GOVERNANCE", until(2*time.Hour)), bypass}, ok, false},
		{"owner denied bypass deletes a free version with the header", denyOwner, alice, delFreeBypass, gone, false},
	}
	for _, c := range checks {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			e := newEnv(t)
			e.mustCreateLocked(t, "shared")
			ids := map[string]string{
				"{gov}":  e.putLocked(t, "shared", "gov", "gov", map[string]string{"X-Amz-Object-Lock-Mode": "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date": later}),
				"{comp}": e.putLocked(t, "shared", "comp", "comp", map[string]string{"X-Amz-Object-Lock-Mode": "COMPLIANCE", "X-Amz-Object-Lock-Retain-Until-Date": later}),
				"{held}": e.putLocked(t, "shared", "held", "held", map[string]string{"X-Amz-Object-Lock-Legal-Hold": "ON"}),
				"{free}": e.putLocked(t, "shared", "free", "free", nil),
			}
			if c.policy != "" {
				resp, body := e.signed(t, http.MethodPut, "/shared?policy", []byte(c.policy), nil)
				wantStatus(t, resp, body, http.StatusNoContent)
			}
			path := c.req.path
			for k, v := range ids {
				path = strings.ReplaceAll(path, k, v)
			}
			req := e.request(t, c.req.method, path, nil)
			if c.req.body != nil {
				req = e.request(t, c.req.method, path, bytes.NewReader(c.req.body))
			}
			for k, v := range c.req.hdr {
				req.Header.Set(k, v)
			}
			keys := map[string][2]string{alice: {aliceKey, aliceSecret}, "alice2": {alice2Key, alice2Secret}, bob: {bobKey, bobSecret}}
			k := keys[c.who]
			resp, body := e.do(t, signV2(req, k[0], k[1]))
			if resp.StatusCode != c.status {
				t.Fatalf("%s %s as %s: %d, want %d (%s)", c.req.method, path, c.who, resp.StatusCode, c.status, body)
			}
			if c.status == no {
				wantError(t, resp, body, no, "AccessDenied")
			}
			if c.req.method == http.MethodGet && c.status == ok && !strings.Contains(path, "?") {
				shown := resp.Header.Get("X-Amz-Object-Lock-Mode") != "" || resp.Header.Get("X-Amz-Object-Lock-Retain-Until-Date") != "" ||
					resp.Header.Get("X-Amz-Object-Lock-Legal-Hold") != ""
				if shown != c.lockHeaders {
					t.Errorf("lock headers shown: %v, want %v (%v)", shown, c.lockHeaders, resp.Header)
				}
			}
			// What was refused did not happen.
			if c.status == no && c.req.method == http.MethodDelete {
				key := strings.TrimPrefix(strings.SplitN(path, "?", 2)[0], "/shared/")
				resp, body := e.signed(t, http.MethodGet, "/shared/"+key+"?versionId="+ids["{"+key+"}"], nil, nil)
				wantStatus(t, resp, body, http.StatusOK)
			}
		})
	}

	// DeleteObjects by bob, who may delete versions but not bypass, with
	// the header: the free versions go, the GOVERNANCE one stays.
	e := newEnv(t)
	e.mustCreateLocked(t, "shared")
	gov := e.putLocked(t, "shared", "gov", "gov", map[string]string{"X-Amz-Object-Lock-Mode": "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date": later})
	free := e.putLocked(t, "shared", "free", "free", nil)
	e.putLocked(t, "shared", "current", "current", nil)
	resp, body := e.signed(t, http.MethodPut, "/shared?policy", []byte(pol("s3:DeleteObject", "s3:DeleteObjectVersion")), nil)
	wantStatus(t, resp, body, http.StatusNoContent)
	del := []byte(`<Delete><Object><Key>gov</Key><VersionId>` + gov + `</VersionId></Object>` +
		`<Object><Key>free</Key><VersionId>` + free + `</VersionId></Object><Object><Key>current</Key></Object></Delete>`)
	hdr := md5Header(del)
	hdr["X-Amz-Bypass-Governance-Retention"] = "true"
	resp, body = e.asBob(t, http.MethodPost, "/shared?delete", del, hdr)
	wantStatus(t, resp, body, http.StatusOK)
	var res deleteDoc
	decodeDoc(t, body, &res)
	if len(res.Error) != 1 || res.Error[0].Key != "gov" || res.Error[0].Code != "AccessDenied" || len(res.Deleted) != 2 {
		t.Errorf("DeleteObjects by bob with the bypass header, without the permission: %s", body)
	}
	resp, body = e.signed(t, http.MethodGet, "/shared/gov?versionId="+gov, nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
}
