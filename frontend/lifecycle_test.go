package frontend

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/store"
	"github.com/amphora-s3/amphora/store/memstore"
)

// lifecycleXML wraps rules in a LifecycleConfiguration in S3's namespace.
func lifecycleXML(rules ...string) []byte {
	return []byte(`<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` + strings.Join(rules, "") + `</LifecycleConfiguration>`)
}

// lifecycleDoc is what the tests read of GetBucketLifecycleConfiguration.
type lifecycleDoc struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ LifecycleConfiguration"`
	Rules   []struct {
		ID     string
		Prefix *string
		Filter *struct {
			Prefix *string
			And    *struct {
				Prefix string
				Tag    []struct{ Key, Value string }
			}
		}
		Status     string
		Expiration *struct {
			Days int
			Date string
		}
		NoncurrentVersionExpiration *struct{ NoncurrentDays, NewerNoncurrentVersions int }
	} `xml:"Rule"`
}

func lifecycleMD5(b []byte) string {
	sum := md5.Sum(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

func TestBucketLifecycle(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "logs")
	resp, body := e.signed(t, http.MethodGet, "/logs?lifecycle", nil, nil)
	doc := wantError(t, resp, body, http.StatusNotFound, "NoSuchLifecycleConfiguration")
	if doc.Message != "The lifecycle configuration does not exist" || doc.BucketName != "logs" {
		t.Errorf("NoSuchLifecycleConfiguration: %+v", doc)
	}

	cfg := lifecycleXML(
		`<Rule><ID>tmp</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule>`,
		`<Rule><Filter><And><Prefix>a/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter><Status>Disabled</Status>`+
			`<NoncurrentVersionExpiration><NoncurrentDays>5</NoncurrentDays><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>`,
	)
	resp, body = e.signed(t, http.MethodPut, "/logs?lifecycle", cfg, map[string]string{"Content-MD5": lifecycleMD5(cfg)})
	wantStatus(t, resp, body, http.StatusOK)
	if len(body) != 0 {
		t.Errorf("PutBucketLifecycleConfiguration body: %q", body)
	}
	resp, body = e.signed(t, http.MethodGet, "/logs?lifecycle", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if ct := resp.Header.Get("Content-Type"); ct != "application/xml" {
		t.Errorf("Content-Type %q", ct)
	}
	var got lifecycleDoc
	if err := xml.Unmarshal(body, &got); err != nil {
		t.Fatalf("GetBucketLifecycleConfiguration: %v\n%s", err, body)
	}
	if len(got.Rules) != 2 {
		t.Fatalf("rules: %s", body)
	}
	r0, r1 := got.Rules[0], got.Rules[1]
	if r0.ID != "tmp" || r0.Prefix != nil || r0.Filter == nil || r0.Filter.Prefix == nil || *r0.Filter.Prefix != "tmp/" ||
		r0.Status != "Enabled" || r0.Expiration == nil || r0.Expiration.Days != 3 {
		t.Errorf("rule 0: %s", body)
	}
	if len(r1.ID) != 48 || r1.Status != "Disabled" || r1.Filter == nil || r1.Filter.And == nil || r1.Filter.And.Prefix != "a/" ||
		len(r1.Filter.And.Tag) != 1 || r1.Filter.And.Tag[0].Key != "k" || r1.NoncurrentVersionExpiration == nil ||
		r1.NoncurrentVersionExpiration.NoncurrentDays != 5 || r1.NoncurrentVersionExpiration.NewerNoncurrentVersions != 2 {
		t.Errorf("rule 1 (a generated ID): %s", body)
	}

	// The legacy form (s3cmd's) is answered in that form.
	legacy := []byte(`<LifecycleConfiguration><Rule><ID>old</ID><Prefix>old/</Prefix><Status>Enabled</Status>` +
		`<Expiration><Date>2030-01-01T00:00:00.000Z</Date></Expiration></Rule></LifecycleConfiguration>`)
	resp, body = e.signed(t, http.MethodPut, "/logs?lifecycle", legacy, nil)
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodGet, "/logs?lifecycle", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if !bytes.Contains(body, []byte(`<Rule><ID>old</ID><Prefix>old/</Prefix><Status>Enabled</Status><Expiration><Date>2030-01-01T00:00:00.000Z</Date></Expiration></Rule>`)) ||
		bytes.Contains(body, []byte("Filter")) {
		t.Errorf("legacy form: %s", body)
	}

	// Refused documents change nothing.
	for _, tc := range []struct {
		name   string
		body   []byte
		hdr    map[string]string
		status int
		code   string
		msg    string
	}{
		{"bad Content-MD5", cfg, map[string]string{"Content-MD5": lifecycleMD5([]byte("other"))}, http.StatusBadRequest, "BadDigest", ""},
		{"malformed Content-MD5", cfg, map[string]string{"Content-MD5": "nope"}, http.StatusBadRequest, "InvalidDigest", ""},
		{"no document", nil, nil, http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema"},
		{"not XML", []byte("<Lifecycle"), nil, http.StatusBadRequest, "MalformedXML", ""},
		{"too big", bytes.Repeat([]byte(" "), maxLifecycleBody+1), nil, http.StatusBadRequest, "MaxMessageLengthExceeded", ""},
		{"days zero", lifecycleXML(`<Rule><ID>z</ID><Filter/><Status>Enabled</Status><Expiration><Days>0</Days></Expiration></Rule>`), nil,
			http.StatusBadRequest, "InvalidArgument", "'Days' for Expiration action must be a positive integer"},
		{"no action", lifecycleXML(`<Rule><ID>z</ID><Filter/><Status>Enabled</Status></Rule>`), nil,
			http.StatusBadRequest, "InvalidRequest", "At least one action needs to be specified in a rule"},
		{"transition", lifecycleXML(`<Rule><ID>z</ID><Filter/><Status>Enabled</Status><Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition></Rule>`), nil,
			http.StatusBadRequest, "InvalidRequest", ""},
	} {
		resp, body := e.signed(t, http.MethodPut, "/logs?lifecycle", tc.body, tc.hdr)
		doc := wantError(t, resp, body, tc.status, tc.code)
		if tc.msg != "" && doc.Message != tc.msg {
			t.Errorf("%s: message %q", tc.name, doc.Message)
		}
		if tc.name == "transition" && !strings.Contains(doc.Message, "one storage class") {
			t.Errorf("transition: message %q", doc.Message)
		}
	}
	resp, body = e.signed(t, http.MethodGet, "/logs?lifecycle", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if !bytes.Contains(body, []byte("<ID>old</ID>")) {
		t.Errorf("after refused PUTs: %s", body)
	}

	for range 2 { // deleting none is 204 too
		resp, body = e.signed(t, http.MethodDelete, "/logs?lifecycle", nil, nil)
		wantStatus(t, resp, body, http.StatusNoContent)
	}
	resp, body = e.signed(t, http.MethodGet, "/logs?lifecycle", nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "NoSuchLifecycleConfiguration")

	resp, body = e.signed(t, http.MethodGet, "/missing?lifecycle", nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "NoSuchBucket")
}

var expirationRE = regexp.MustCompile(`^expiry-date="([^"]+)", rule-id="([^"]*)"$`)

// expiration reads x-amz-expiration: the date and the rule; ok is false
// without one.
func expiration(t *testing.T, h http.Header) (at time.Time, rule string, ok bool) {
	t.Helper()
	v := h.Get("X-Amz-Expiration")
	if v == "" {
		return time.Time{}, "", false
	}
	m := expirationRE.FindStringSubmatch(v)
	if m == nil {
		t.Fatalf("x-amz-expiration %q", v)
	}
	at, err := http.ParseTime(m[1])
	if err != nil || m[1] != at.UTC().Format(http.TimeFormat) {
		t.Fatalf("x-amz-expiration date %q is not an RFC 1123 date: %v", m[1], err)
	}
	return at, m[2], true
}

// TestLifecycleExpirationHeader: PUT, GET and HEAD of an object a rule
// expires say when and by which rule, the earliest rule winning; others
// say nothing.
func TestLifecycleExpirationHeader(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bkt")
	resp, body := e.signed(t, http.MethodPut, "/bkt/tmp/x", []byte("x"), nil)
	wantStatus(t, resp, body, http.StatusOK)
	if _, _, ok := expiration(t, resp.Header); ok {
		t.Error("x-amz-expiration without a configuration")
	}
	resp, body = e.signed(t, http.MethodPut, "/bkt?lifecycle", lifecycleXML(
		`<Rule><ID>tmp-3-days</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule>`,
		`<Rule><ID>tmp-fast</ID><Filter><Prefix>tmp/fast/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`,
		`<Rule><ID>off</ID><Filter><Prefix>off/</Prefix></Filter><Status>Disabled</Status><Expiration><Days>1</Days></Expiration></Rule>`,
		`<Rule><ID>dated</ID><Filter><Prefix>dated/</Prefix></Filter><Status>Enabled</Status><Expiration><Date>2040-03-01T00:00:00Z</Date></Expiration></Rule>`,
		`<Rule><ID>tagged</ID><Filter><Tag><Key>ttl</Key><Value>short</Value></Tag></Filter><Status>Enabled</Status><Expiration><Days>2</Days></Expiration></Rule>`,
		`<Rule><ID>old versions</ID><Filter><Prefix>nc/</Prefix></Filter><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration></Rule>`,
	), nil)
	wantStatus(t, resp, body, http.StatusOK)

	// in is the midnight UTC at least days after the object's
	// Last-Modified, as S3 rounds.
	in := func(h http.Header, days int) time.Time {
		lm, err := http.ParseTime(h.Get("Last-Modified"))
		if err != nil {
			t.Fatalf("Last-Modified %q", h.Get("Last-Modified"))
		}
		end := lm.Add(time.Duration(days) * 24 * time.Hour)
		r := end.Truncate(24 * time.Hour)
		if r.Before(end) {
			r = r.Add(24 * time.Hour)
		}
		return r
	}
	for _, tc := range []struct {
		key  string
		hdr  map[string]string
		rule string
		days int
		date time.Time
	}{
		{key: "tmp/a", rule: "tmp-3-days", days: 3},
		{key: "tmp/fast/a", rule: "tmp-fast", days: 1}, // the earliest of two
		{key: "dated/a", rule: "dated", date: time.Date(2040, 3, 1, 0, 0, 0, 0, time.UTC)},
		{key: "t", hdr: map[string]string{"X-Amz-Tagging": "ttl=short&x=y"}, rule: "tagged", days: 2},
		{key: "tmp/tagged", hdr: map[string]string{"X-Amz-Tagging": "ttl=short"}, rule: "tagged", days: 2},
		{key: "off/a"},
		{key: "nc/a"},
		{key: "t2", hdr: map[string]string{"X-Amz-Tagging": "ttl=long"}},
		{key: "other"},
	} {
		put, body := e.signed(t, http.MethodPut, objectPath("bkt", tc.key), []byte("data"), tc.hdr)
		wantStatus(t, put, body, http.StatusOK)
		get, body := e.signed(t, http.MethodGet, objectPath("bkt", tc.key), nil, nil)
		wantStatus(t, get, body, http.StatusOK)
		head, body := e.signed(t, http.MethodHead, objectPath("bkt", tc.key), nil, nil)
		wantStatus(t, head, body, http.StatusOK)
		for _, step := range []struct {
			name string
			h    http.Header
		}{{"PUT", put.Header}, {"GET", get.Header}, {"HEAD", head.Header}} {
			at, rule, ok := expiration(t, step.h)
			if tc.rule == "" {
				if ok {
					t.Errorf("%s %s: x-amz-expiration %q", step.name, tc.key, step.h.Get("X-Amz-Expiration"))
				}
				continue
			}
			want := tc.date
			if tc.days > 0 {
				want = in(get.Header, tc.days)
			}
			if !ok || rule != tc.rule || !at.Equal(want) {
				t.Errorf("%s %s: x-amz-expiration %q, want %s by %q", step.name, tc.key, step.h.Get("X-Amz-Expiration"), want, tc.rule)
			}
		}
	}
	// CopyObject and CompleteMultipartUpload answer the header of the
	// object they made; a copy no rule selects gets none.
	for _, tc := range []struct{ key, rule string }{{"tmp/copied", "tmp-3-days"}, {"tmp/fast/copied", "tmp-fast"}, {"copied", ""}} {
		cp, body := e.signed(t, http.MethodPut, objectPath("bkt", tc.key), nil, map[string]string{"X-Amz-Copy-Source": "/bkt/tmp/a"})
		wantStatus(t, cp, body, http.StatusOK)
		_, rule, ok := expiration(t, cp.Header)
		if ok != (tc.rule != "") || rule != tc.rule {
			t.Errorf("CopyObject to %s: x-amz-expiration %q, want rule %q", tc.key, cp.Header.Get("X-Amz-Expiration"), tc.rule)
		}
	}
	id := e.createUpload(t, "bkt", "tmp/fast/mp", nil)
	etag := e.uploadPart(t, "bkt", "tmp/fast/mp", id, 1, []byte("part"))
	done, body := e.complete(t, "bkt", "tmp/fast/mp", id, completeBody([]string{etag}, 1), nil)
	wantStatus(t, done, body, http.StatusOK)
	if at, rule, ok := expiration(t, done.Header); !ok || rule != "tmp-fast" || at.Before(time.Now()) {
		t.Errorf("CompleteMultipartUpload: x-amz-expiration %q, want rule tmp-fast", done.Header.Get("X-Amz-Expiration"))
	}

	// A version addressed by id gets none (only the current version's
	// expiry is known without reading the key's versions).
	get, body := e.signed(t, http.MethodGet, "/bkt/tmp/a?versionId=null", nil, nil)
	wantStatus(t, get, body, http.StatusOK)
	if _, _, ok := expiration(t, get.Header); ok {
		t.Errorf("GET by version id: x-amz-expiration %q", get.Header.Get("X-Amz-Expiration"))
	}
}

// TestLifecycleDayOption: the header follows the server's lifecycle day,
// which tests shorten.
func TestLifecycleDayOption(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.LifecycleDay = time.Second })
	e.mustCreate(t, "bkt")
	resp, body := e.signed(t, http.MethodPut, "/bkt?lifecycle", lifecycleXML(
		`<Rule><ID>fast</ID><Filter/><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule>`), nil)
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodPut, "/bkt/k", []byte("v"), nil)
	wantStatus(t, resp, body, http.StatusOK)
	at, rule, ok := expiration(t, resp.Header)
	now := time.Now()
	if !ok || rule != "fast" || at.Before(now.Add(time.Second)) || at.After(now.Add(5*time.Second)) {
		t.Errorf("x-amz-expiration %q with 1s days at %s", resp.Header.Get("X-Amz-Expiration"), now)
	}
	if _, err := New(Options{Store: memstore.New(), Credentials: testCreds, Region: testRegion, LifecycleDay: -time.Second}); err == nil {
		t.Error("a negative lifecycle day: no error")
	}
}

// TestLifecycleAccess decides who may read and change a bucket's
// lifecycle configuration: its owner, and whom a policy allows
// (s3:GetLifecycleConfiguration; s3:PutLifecycleConfiguration for PUT and
// DELETE, as in S3); no ACL grant gives it, a scoped key never has it,
// and an explicit Deny binds the owner too.
func TestLifecycleAccess(t *testing.T) {
	accts := memstore.NewAccounts()
	accts.AddAccount(store.Account{ID: "tenant-alice", DisplayName: "Alice"})
	accts.AddKey(store.AccessKey{ID: "AKSCOPED", Secret: "scoped-secret-0123456789", Account: "tenant-alice",
		Buckets: map[string]store.Permission{"shared": store.PermReadWrite}})
	e := newEnv(t, func(o *Options) { o.Accounts = accts })

	type principal struct{ key, secret string }
	principals := map[string]principal{
		"owner": {aliceKey, aliceSecret}, "bob": {bobKey, bobSecret},
		"scoped": {"AKSCOPED", "scoped-secret-0123456789"}, "anonymous": {},
	}
	as := func(p principal, method, path string, body []byte, hdr map[string]string) int {
		req := e.request(t, method, path, bytes.NewReader(body))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		if p.key != "" {
			req = signV2(req, p.key, p.secret)
		}
		resp, _ := e.do(t, req)
		return resp.StatusCode
	}
	owner := principals["owner"]
	cfg := lifecycleXML(`<Rule><ID>r</ID><Filter/><Status>Enabled</Status><Expiration><Days>9</Days></Expiration></Rule>`)
	actions := []struct {
		name string
		run  func(p principal) int
	}{
		{"GetBucketLifecycleConfiguration", func(p principal) int { return as(p, http.MethodGet, "/shared?lifecycle", nil, nil) }},
		{"PutBucketLifecycleConfiguration", func(p principal) int { return as(p, http.MethodPut, "/shared?lifecycle", cfg, nil) }},
		{"DeleteBucketLifecycle", func(p principal) int { return as(p, http.MethodDelete, "/shared?lifecycle", nil, nil) }},
	}
	type step struct {
		method, path, body string
		hdr                map[string]string
	}
	policy := func(doc string) step { return step{http.MethodPut, "/shared?policy", doc, nil} }
	settings := []struct {
		name  string
		steps []step
	}{
		{"private", nil},
		{"bob FULL_CONTROL, public-read-write", []step{{http.MethodPut, "/shared?acl", "", map[string]string{
			"X-Amz-Grant-Full-Control": `id="tenant-bob", id="tenant-alice"`, "X-Amz-Grant-Read": `uri="http://acs.amazonaws.com/groups/global/AllUsers"`,
			"X-Amz-Grant-Write": `uri="http://acs.amazonaws.com/groups/global/AllUsers"`}}}},
		{"policy allows bob", []step{policy(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"tenant-bob"},
			"Action":["s3:GetLifecycleConfiguration","s3:PutLifecycleConfiguration"],"Resource":"arn:aws:s3:::shared"}]}`)}},
		{"policy allows anyone to read", []step{policy(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",
			"Action":"s3:GetLifecycleConfiguration","Resource":"arn:aws:s3:::shared"}]}`)}},
		{"policy denies changes", []step{policy(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*",
			"Action":"s3:PutLifecycleConfiguration","Resource":"arn:aws:s3:::shared"}]}`)}},
	}
	const (
		ok  = http.StatusOK
		del = http.StatusNoContent
		no  = http.StatusForbidden
	)
	nobody := []int{no, no, no}
	want := map[string]map[string][]int{
		"private":                             {"owner": {ok, ok, del}, "bob": nobody, "scoped": nobody, "anonymous": nobody},
		"bob FULL_CONTROL, public-read-write": {"owner": {ok, ok, del}, "bob": nobody, "scoped": nobody, "anonymous": nobody},
		"policy allows bob":                   {"owner": {ok, ok, del}, "bob": {ok, ok, del}, "scoped": nobody, "anonymous": nobody},
		"policy allows anyone to read":        {"owner": {ok, ok, del}, "bob": {ok, no, no}, "scoped": nobody, "anonymous": {ok, no, no}},
		"policy denies changes":               {"owner": {ok, no, no}, "bob": nobody, "scoped": nobody, "anonymous": nobody},
	}
	cells := 0
	for _, st := range settings {
		for _, who := range []string{"owner", "bob", "scoped", "anonymous"} {
			for i, a := range actions {
				// Reset: the bucket with a configuration and the setting.
				if s := as(owner, http.MethodPut, "/shared", nil, nil); s != ok && s != http.StatusConflict {
					t.Fatalf("reset: create bucket: %d", s)
				}
				if s := as(owner, http.MethodDelete, "/shared?policy", nil, nil); s != del {
					t.Fatalf("reset: delete policy: %d", s)
				}
				if s := as(owner, http.MethodPut, "/shared?acl", nil, map[string]string{"X-Amz-Acl": "private"}); s != ok {
					t.Fatalf("reset: acl: %d", s)
				}
				if s := as(owner, http.MethodPut, "/shared?lifecycle", cfg, nil); s != ok {
					t.Fatalf("reset: lifecycle: %d", s)
				}
				for _, sp := range st.steps {
					if s := as(owner, sp.method, sp.path, []byte(sp.body), sp.hdr); s != ok && s != del {
						t.Fatalf("reset: %s: %s %s: %d", st.name, sp.method, sp.path, s)
					}
				}
				if got, w := a.run(principals[who]), want[st.name][who][i]; got != w {
					t.Errorf("%s / %s / %s: %d, want %d", st.name, who, a.name, got, w)
				}
				cells++
			}
		}
	}
	t.Logf("%d cells", cells)
}
