package frontend

import (
	"net/http"
	"strings"
	"testing"

	"github.com/amphora-s3/amphora/store"
	"github.com/amphora-s3/amphora/store/memstore"
)

// TestAccessTable decides the bucket and object actions for each
// principal under each bucket setting (ACLs, policies, public access
// block), and checks the expected outcome written in the table: the owner
// may do everything a policy does not deny it; an other account needs a
// grant (READ lists, WRITE writes and deletes objects, READ_ACP /
// WRITE_ACP read / replace the ACL) or a policy Allow, and never deletes
// the bucket nor reads objects it does not own; a key restricted to the
// bucket for reading never writes, whatever the setting, and one
// restricted to another bucket gets nothing; an anonymous request gets in
// by AllUsers grants and policies for "*" only; an explicit Deny wins;
// Block Public Access leaves only the owner.
func TestAccessTable(t *testing.T) {
	accts := memstore.NewAccounts()
	accts.AddAccount(store.Account{ID: "tenant-alice", DisplayName: "Alice"})
	accts.AddKey(store.AccessKey{ID: "AKSCOPED", Secret: "scoped-secret-0123456789", Account: "tenant-alice",
		Buckets: map[string]store.Permission{"shared": store.PermRead}})
	accts.AddKey(store.AccessKey{ID: "AKELSEWHERE", Secret: "elsewhere-secret-0123456789", Account: "tenant-alice",
		Buckets: map[string]store.Permission{"other": store.PermReadWrite}})
	e := newEnv(t, func(o *Options) { o.Accounts = accts })

	type principal struct{ key, secret string }
	owner := principal{aliceKey, aliceSecret}
	bob := principal{bobKey, bobSecret}
	scoped := principal{"AKSCOPED", "scoped-secret-0123456789"}
	elsewhere := principal{"AKELSEWHERE", "elsewhere-secret-0123456789"}
	anonymous := principal{}
	principals := map[string]principal{"owner": owner, "bob": bob, "scoped": scoped, "elsewhere": elsewhere, "anonymous": anonymous}

	as := func(p principal, method, path, body string, hdr map[string]string) int {
		var req *http.Request
		if body != "" {
			req = e.request(t, method, path, strings.NewReader(body))
		} else {
			req = e.request(t, method, path, nil)
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		if p.key != "" {
			req = signV2(req, p.key, p.secret)
		}
		resp, _ := e.do(t, req)
		return resp.StatusCode
	}

	// Each action, run against a freshly reset bucket "shared" that holds
	// alice's object "a" (and, when bob may write, bob's own "b").
	type action struct {
		name string
		run  func(p principal) int
	}
	actions := []action{
		{"ListObjects", func(p principal) int { return as(p, http.MethodGet, "/shared", "", nil) }},
		{"HeadBucket", func(p principal) int { return as(p, http.MethodHead, "/shared", "", nil) }},
		{"GetBucketAcl", func(p principal) int { return as(p, http.MethodGet, "/shared?acl", "", nil) }},
		{"PutBucketAcl", func(p principal) int {
			return as(p, http.MethodPut, "/shared?acl", "", map[string]string{"X-Amz-Grant-Full-Control": `id="tenant-alice"`})
		}},
		{"PutObject", func(p principal) int { return as(p, http.MethodPut, "/shared/new", "x", nil) }},
		{"GetObject alice's", func(p principal) int { return as(p, http.MethodGet, "/shared/a", "", nil) }},
		{"GetObject missing", func(p principal) int { return as(p, http.MethodGet, "/shared/missing", "", nil) }},
		{"DeleteObject", func(p principal) int { return as(p, http.MethodDelete, "/shared/a", "", nil) }},
		{"DeleteBucket", func(p principal) int { return as(p, http.MethodDelete, "/shared", "", nil) }},
		{"GetBucketPolicy", func(p principal) int { return as(p, http.MethodGet, "/shared?policy", "", nil) }},
	}
	const (
		ok   = http.StatusOK
		no   = http.StatusForbidden
		gone = http.StatusNotFound
		del  = http.StatusNoContent
		full = http.StatusConflict // DeleteBucket allowed, refused: not empty
	)
	// A setting is the requests the owner makes to set it up.
	type step struct {
		method, path, body string
		hdr                map[string]string
	}
	acl := func(hdr map[string]string) step { return step{http.MethodPut, "/shared?acl", "", hdr} }
	pol := func(doc string) step { return step{http.MethodPut, "/shared?policy", doc, nil} }
	const pab = `<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls>` +
		`<BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>`
	settings := []struct {
		name  string
		steps []step
	}{
		{"private", []step{acl(map[string]string{"X-Amz-Acl": "private"})}},
		{"public-read", []step{acl(map[string]string{"X-Amz-Acl": "public-read"})}},
		{"authenticated-read", []step{acl(map[string]string{"X-Amz-Acl": "authenticated-read"})}},
		{"public-read-write", []step{acl(map[string]string{"X-Amz-Acl": "public-read-write"})}},
		{"bob WRITE", []step{acl(map[string]string{"X-Amz-Grant-Write": `id="tenant-bob"`, "X-Amz-Grant-Full-Control": `id="tenant-alice"`})}},
		{"bob READ_ACP WRITE_ACP", []step{acl(map[string]string{"X-Amz-Grant-Read-Acp": `id="tenant-bob"`, "X-Amz-Grant-Write-Acp": `id="tenant-bob"`, "X-Amz-Grant-Full-Control": `id="tenant-alice"`})}},
		// Bob may list, write and delete; everyone may read.
		{"policy allow", []step{pol(`{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Principal":{"AWS":["tenant-bob"]},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::shared"},
			{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::tenant-bob:root"},"Action":["s3:PutObject","s3:DeleteObject"],"Resource":"arn:aws:s3:::shared/*"},
			{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/*"}]}`)}},
		// A public-read-write ACL, but nobody deletes objects (the owner
		// neither) and bob may do nothing at all.
		{"policy deny", []step{acl(map[string]string{"X-Amz-Acl": "public-read-write"}), pol(`{"Version":"2012-10-17","Statement":[
			{"Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::shared/*"},
			{"Effect":"Deny","Principal":{"AWS":"tenant-bob"},"Action":"s3:*","Resource":["arn:aws:s3:::shared","arn:aws:s3:::shared/*"]}]}`)}},
		// A public-read-write ACL and a public policy, then every block:
		// neither counts for anyone but the owner.
		{"public access block", []step{acl(map[string]string{"X-Amz-Acl": "public-read-write"}),
			pol(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::shared","arn:aws:s3:::shared/*"]}]}`),
			{http.MethodPut, "/shared?publicAccessBlock", pab, nil}}},
	}
	nobody := []int{no, no, no, no, no, no, no, no, no, no}
	// want[setting][principal] lists the outcome of each action, in order.
	// "scoped" is alice's key restricted to reading "shared", "elsewhere"
	// hers restricted to another bucket.
	want := map[string]map[string][]int{
		"private": {
			"anonymous": nobody,
			"owner":     {ok, ok, ok, ok, ok, ok, gone, del, full, gone},
			"bob":       nobody,
			"scoped":    {ok, ok, ok, no, no, ok, gone, no, no, no},
			"elsewhere": nobody,
		},
		"public-read": {
			"anonymous": {ok, ok, no, no, no, no, gone, no, no, no},
			"owner":     {ok, ok, ok, ok, ok, ok, gone, del, full, gone},
			"bob":       {ok, ok, no, no, no, no, gone, no, no, no},
			"scoped":    {ok, ok, ok, no, no, ok, gone, no, no, no},
			"elsewhere": nobody,
		},
		"authenticated-read": {
			"anonymous": nobody,
			"owner":     {ok, ok, ok, ok, ok, ok, gone, del, full, gone},
			"bob":       {ok, ok, no, no, no, no, gone, no, no, no},
			"scoped":    {ok, ok, ok, no, no, ok, gone, no, no, no},
			"elsewhere": nobody,
		},
		"public-read-write": {
			"anonymous": {ok, ok, no, no, ok, no, gone, del, no, no},
			"owner":     {ok, ok, ok, ok, ok, ok, gone, del, full, gone},
			"bob":       {ok, ok, no, no, ok, no, gone, del, no, no},
			"scoped":    {ok, ok, ok, no, no, ok, gone, no, no, no},
			"elsewhere": nobody,
		},
		"bob WRITE": {
			"anonymous": nobody,
			"owner":     {ok, ok, ok, ok, ok, ok, gone, del, full, gone},
			"bob":       {no, no, no, no, ok, no, no, del, no, no},
			"scoped":    {ok, ok, ok, no, no, ok, gone, no, no, no},
			"elsewhere": nobody,
		},
		"bob READ_ACP WRITE_ACP": {
			"anonymous": nobody,
			"owner":     {ok, ok, ok, ok, ok, ok, gone, del, full, gone},
			"bob":       {no, no, ok, ok, no, no, no, no, no, no},
			"scoped":    {ok, ok, ok, no, no, ok, gone, no, no, no},
			"elsewhere": nobody,
		},
		"policy allow": {
			"anonymous": {no, no, no, no, no, ok, no, no, no, no},
			"owner":     {ok, ok, ok, ok, ok, ok, gone, del, full, ok},
			"bob":       {ok, ok, no, no, ok, ok, gone, del, no, no},
			"scoped":    {ok, ok, ok, no, no, ok, gone, no, no, no},
			"elsewhere": nobody,
		},
		"policy deny": {
			"anonymous": {ok, ok, no, no, ok, no, gone, no, no, no},
			"owner":     {ok, ok, ok, ok, ok, ok, gone, no, full, ok},
			"bob":       nobody,
			"scoped":    {ok, ok, ok, no, no, ok, gone, no, no, no},
			"elsewhere": nobody,
		},
		"public access block": {
			"anonymous": nobody,
			"owner":     {ok, ok, ok, ok, ok, ok, gone, del, full, ok},
			"bob":       nobody,
			"scoped":    {ok, ok, ok, no, no, ok, gone, no, no, no},
			"elsewhere": nobody,
		},
	}
	cells := 0
	for _, st := range settings {
		for _, who := range []string{"owner", "bob", "scoped", "elsewhere", "anonymous"} {
			for i, a := range actions {
				// Reset: the bucket exists with alice's object and the setting.
				if s := as(owner, http.MethodPut, "/shared", "", nil); s != ok && s != http.StatusConflict {
					t.Fatalf("reset: create bucket: %d", s)
				}
				if s := as(owner, http.MethodPut, "/shared/a", "alice", nil); s != ok {
					t.Fatalf("reset: put a: %d", s)
				}
				for _, path := range []string{"/shared?publicAccessBlock", "/shared?policy"} {
					if s := as(owner, http.MethodDelete, path, "", nil); s != del {
						t.Fatalf("reset: delete %s: %d", path, s)
					}
				}
				for _, sp := range st.steps {
					if s := as(owner, sp.method, sp.path, sp.body, sp.hdr); s != ok && s != del {
						t.Fatalf("reset: set %s: %s %s: %d", st.name, sp.method, sp.path, s)
					}
				}
				got := a.run(principals[who])
				if w := want[st.name][who][i]; got != w {
					t.Errorf("%s / %s / %s: %d, want %d", st.name, who, a.name, got, w)
				}
				cells++
			}
		}
	}
	t.Logf("%d cells", cells)

	// An object bob wrote into alice's bucket is bob's: he reads it, alice
	// does not (she may delete it).
	as(owner, http.MethodDelete, "/shared?publicAccessBlock", "", nil)
	as(owner, http.MethodDelete, "/shared?policy", "", nil)
	as(owner, http.MethodPut, "/shared?acl", "", map[string]string{"X-Amz-Acl": "public-read-write"})
	if s := as(bob, http.MethodPut, "/shared/bobs", "bob's", nil); s != ok {
		t.Fatalf("bob writes: %d", s)
	}
	for _, c := range []struct {
		p    principal
		want int
	}{{bob, ok}, {owner, no}} {
		if s := as(c.p, http.MethodGet, "/shared/bobs", "", nil); s != c.want {
			t.Errorf("GET bob's object as %s: %d, want %d", c.p.key, s, c.want)
		}
	}
	if s := as(owner, http.MethodDelete, "/shared/bobs", "", nil); s != del {
		t.Errorf("the bucket owner deletes bob's object: %d", s)
	}
}
