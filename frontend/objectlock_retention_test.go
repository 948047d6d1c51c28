package frontend

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/checksum"
)

// Object lock tests, continued: retention and legal holds, the bucket's
// default retention, and who may change them.

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
	etag := e.lockedPart(t, "dflt", "mp", id, 1, []byte("part one"))
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
	etag = e.lockedPart(t, "dflt", "mp-own", id, 1, []byte("part one"))
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
