package frontend

import (
	"net/http"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/store"
	"github.com/amphora-s3/amphora/store/memstore"
)

// TestPostAccessTable decides browser uploads as TestAccessTable decides
// PUTs: the principal is the form's signer (anonymous without signature
// fields), the action s3:PutObject on the key the form names, and the one
// authorization step decides it under each bucket setting. A policy may
// tell keys apart (a Deny on secret/*), and s3:authType is POST.
func TestPostAccessTable(t *testing.T) {
	accts := memstore.NewAccounts()
	accts.AddAccount(store.Account{ID: "tenant-alice", DisplayName: "Alice"})
	accts.AddKey(store.AccessKey{ID: "AKSCOPED", Secret: "scoped-secret-0123456789", Account: "tenant-alice",
		Buckets: map[string]store.Permission{"shared": store.PermRead}})
	accts.AddKey(store.AccessKey{ID: "AKWRITER", Secret: "writer-secret-0123456789", Account: "tenant-alice",
		Buckets: map[string]store.Permission{"shared": store.PermReadWrite}})
	e := newEnv(t, func(o *Options) { o.Accounts = accts })

	type principal struct{ key, secret string }
	principals := []struct {
		name string
		p    principal
	}{
		{"owner", principal{aliceKey, aliceSecret}},
		{"bob", principal{bobKey, bobSecret}},
		{"scoped", principal{"AKSCOPED", "scoped-secret-0123456789"}},
		{"writer", principal{"AKWRITER", "writer-secret-0123456789"}},
		{"anonymous", principal{}},
	}
	post := func(p principal, key string) int {
		f := testForm{fields: []formField{{"key", key}}, filename: "f", file: []byte("posted")}
		if p.key != "" {
			f.fields = fields(f.fields, v4Fields(p.key, p.secret, time.Now(), `{"bucket": "shared"}`, keyAny))
		}
		resp, _ := e.post(t, "shared", f)
		return resp.StatusCode
	}
	as := func(method, path, body string, hdr map[string]string) int {
		var b []byte
		if body != "" {
			b = []byte(body)
		}
		resp, _ := e.signed(t, method, path, b, hdr)
		return resp.StatusCode
	}
	const (
		ok = http.StatusNoContent
		no = http.StatusForbidden
	)
	type step struct{ method, path, body string }
	acl := step{http.MethodPut, "/shared?acl", ""} // with the setting's headers
	settings := []struct {
		name  string
		steps []step
		hdr   map[string]string
	}{
		{"private", []step{acl}, map[string]string{"X-Amz-Acl": "private"}},
		{"public-read", []step{acl}, map[string]string{"X-Amz-Acl": "public-read"}},
		{"public-read-write", []step{acl}, map[string]string{"X-Amz-Acl": "public-read-write"}},
		{"bob WRITE", []step{acl}, map[string]string{"X-Amz-Grant-Write": `id="tenant-bob"`, "X-Amz-Grant-Full-Control": `id="tenant-alice"`}},
		{"policy: bob may PutObject, by POST only", []step{{http.MethodPut, "/shared?policy", `{"Statement":[
			{"Effect":"Allow","Principal":{"AWS":"tenant-bob"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::shared/*",
			 "Condition":{"StringEquals":{"s3:authType":"POST"}}}]}`}}, nil},
		{"policy: anyone may POST but under secret/", []step{{http.MethodPut, "/shared?policy", `{"Statement":[
			{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::shared/*"},
			{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::shared/secret/*"}]}`}}, nil},
		{"public access block", []step{acl, {http.MethodPut, "/shared?publicAccessBlock",
			`<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls>` +
				`<BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>`}},
			map[string]string{"X-Amz-Acl": "public-read-write"}},
	}
	// want[setting][principal] = {POST "new", POST "secret/x"}.
	want := map[string]map[string][2]int{
		"private":           {"owner": {ok, ok}, "bob": {no, no}, "scoped": {no, no}, "writer": {ok, ok}, "anonymous": {no, no}},
		"public-read":       {"owner": {ok, ok}, "bob": {no, no}, "scoped": {no, no}, "writer": {ok, ok}, "anonymous": {no, no}},
		"public-read-write": {"owner": {ok, ok}, "bob": {ok, ok}, "scoped": {no, no}, "writer": {ok, ok}, "anonymous": {ok, ok}},
		"bob WRITE":         {"owner": {ok, ok}, "bob": {ok, ok}, "scoped": {no, no}, "writer": {ok, ok}, "anonymous": {no, no}},
		"policy: bob may PutObject, by POST only":   {"owner": {ok, ok}, "bob": {ok, ok}, "scoped": {no, no}, "writer": {ok, ok}, "anonymous": {no, no}},
		"policy: anyone may POST but under secret/": {"owner": {ok, no}, "bob": {ok, no}, "scoped": {no, no}, "writer": {ok, no}, "anonymous": {ok, no}},
		"public access block":                       {"owner": {ok, ok}, "bob": {no, no}, "scoped": {no, no}, "writer": {ok, ok}, "anonymous": {no, no}},
	}
	cells := 0
	for _, st := range settings {
		if s := as(http.MethodPut, "/shared", "", nil); s != http.StatusOK && s != http.StatusConflict {
			t.Fatalf("create: %d", s)
		}
		for _, path := range []string{"/shared?publicAccessBlock", "/shared?policy"} {
			if s := as(http.MethodDelete, path, "", nil); s != http.StatusNoContent {
				t.Fatalf("reset %s: %d", path, s)
			}
		}
		if s := as(http.MethodPut, "/shared?acl", "", map[string]string{"X-Amz-Acl": "private"}); s != http.StatusOK {
			t.Fatalf("reset acl: %d", s)
		}
		for _, sp := range st.steps {
			hdr := st.hdr
			if sp.path != "/shared?acl" {
				hdr = nil
			}
			if s := as(sp.method, sp.path, sp.body, hdr); s != http.StatusOK && s != http.StatusNoContent {
				t.Fatalf("%s: %s %s: %d", st.name, sp.method, sp.path, s)
			}
		}
		for _, pr := range principals {
			for i, key := range []string{"new", "secret/x"} {
				got := post(pr.p, key)
				if w := want[st.name][pr.name][i]; got != w {
					t.Errorf("%s / %s / POST %s: %d, want %d", st.name, pr.name, key, got, w)
				}
				cells++
			}
		}
	}
	t.Logf("%d cells", cells)

	// s3:authType is POST for a form only: the same policy leaves bob's
	// PUT out.
	as(http.MethodPut, "/shared?policy", settings[4].steps[0].body, nil)
	req := signV2(e.request(t, http.MethodPut, "/shared/put", nil), bobKey, bobSecret)
	if resp, body := e.do(t, req); resp.StatusCode != http.StatusForbidden {
		t.Errorf("bob's PUT under a POST-only policy: %d %s", resp.StatusCode, body)
	}
	if s := post(principal{bobKey, bobSecret}, "by-post"); s != ok {
		t.Errorf("bob's POST under a POST-only policy: %d", s)
	}
}
