package frontend

import (
	"net/http"
	"strings"
	"testing"

	"github.com/amphora-s3/amphora/store"
	"github.com/amphora-s3/amphora/store/memstore"
)

// TestAccessTable decides every action of the route table that bucket
// ACLs touch for each principal under each bucket ACL, and checks the
// expected outcome written in the table: the owner may do everything; an
// other account needs the grant (READ lists, WRITE writes and deletes
// objects, READ_ACP / WRITE_ACP read / replace the ACL) and never deletes
// the bucket nor reads objects it does not own; a key restricted to the
// bucket for reading never writes, whatever the ACL; an anonymous request
// gets in by AllUsers grants only.
func TestAccessTable(t *testing.T) {
	accts := memstore.NewAccounts()
	accts.AddAccount(store.Account{ID: "tenant-alice", DisplayName: "Alice"})
	accts.AddKey(store.AccessKey{ID: "AKSCOPED", Secret: "scoped-secret-0123456789", Account: "tenant-alice",
		Buckets: map[string]store.Permission{"shared": store.PermRead}})
	e := newEnv(t, func(o *Options) { o.Accounts = accts })

	type principal struct{ key, secret string }
	owner := principal{aliceKey, aliceSecret}
	bob := principal{bobKey, bobSecret}
	scoped := principal{"AKSCOPED", "scoped-secret-0123456789"}
	anonymous := principal{}
	principals := map[string]principal{"owner": owner, "bob": bob, "scoped": scoped, "anonymous": anonymous}

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
	}
	const (
		ok   = http.StatusOK
		no   = http.StatusForbidden
		gone = http.StatusNotFound
		del  = http.StatusNoContent
		full = http.StatusConflict // DeleteBucket allowed, refused: not empty
	)
	settings := []struct {
		name  string
		grant map[string]string // headers of the PUT ?acl that sets it
	}{
		{"private", map[string]string{"X-Amz-Acl": "private"}},
		{"public-read", map[string]string{"X-Amz-Acl": "public-read"}},
		{"authenticated-read", map[string]string{"X-Amz-Acl": "authenticated-read"}},
		{"public-read-write", map[string]string{"X-Amz-Acl": "public-read-write"}},
		{"bob WRITE", map[string]string{"X-Amz-Grant-Write": `id="tenant-bob"`, "X-Amz-Grant-Full-Control": `id="tenant-alice"`}},
		{"bob READ_ACP WRITE_ACP", map[string]string{"X-Amz-Grant-Read-Acp": `id="tenant-bob"`, "X-Amz-Grant-Write-Acp": `id="tenant-bob"`, "X-Amz-Grant-Full-Control": `id="tenant-alice"`}},
	}
	// want[setting][principal] lists the outcome of each action, in order.
	want := map[string]map[string][]int{
		"private": {
			"anonymous": {no, no, no, no, no, no, no, no, no},
			"owner":     {ok, ok, ok, ok, ok, ok, gone, del, full},
			"bob":       {no, no, no, no, no, no, no, no, no},
			"scoped":    {ok, ok, ok, no, no, ok, gone, no, no},
		},
		"public-read": {
			"anonymous": {ok, ok, no, no, no, no, gone, no, no},
			"owner":     {ok, ok, ok, ok, ok, ok, gone, del, full},
			"bob":       {ok, ok, no, no, no, no, gone, no, no},
			"scoped":    {ok, ok, ok, no, no, ok, gone, no, no},
		},
		"authenticated-read": {
			"anonymous": {no, no, no, no, no, no, no, no, no},
			"owner":     {ok, ok, ok, ok, ok, ok, gone, del, full},
			"bob":       {ok, ok, no, no, no, no, gone, no, no},
			"scoped":    {ok, ok, ok, no, no, ok, gone, no, no},
		},
		"public-read-write": {
			"anonymous": {ok, ok, no, no, ok, no, gone, del, no},
			"owner":     {ok, ok, ok, ok, ok, ok, gone, del, full},
			"bob":       {ok, ok, no, no, ok, no, gone, del, no},
			"scoped":    {ok, ok, ok, no, no, ok, gone, no, no},
		},
		"bob WRITE": {
			"anonymous": {no, no, no, no, no, no, no, no, no},
			"owner":     {ok, ok, ok, ok, ok, ok, gone, del, full},
			"bob":       {no, no, no, no, ok, no, no, del, no},
			"scoped":    {ok, ok, ok, no, no, ok, gone, no, no},
		},
		"bob READ_ACP WRITE_ACP": {
			"anonymous": {no, no, no, no, no, no, no, no, no},
			"owner":     {ok, ok, ok, ok, ok, ok, gone, del, full},
			"bob":       {no, no, ok, ok, no, no, no, no, no},
			"scoped":    {ok, ok, ok, no, no, ok, gone, no, no},
		},
	}
	cells := 0
	for _, st := range settings {
		for _, who := range []string{"owner", "bob", "scoped", "anonymous"} {
			for i, a := range actions {
				// Reset: the bucket exists with alice's object and the setting.
				if s := as(owner, http.MethodPut, "/shared", "", nil); s != ok && s != http.StatusConflict {
					t.Fatalf("reset: create bucket: %d", s)
				}
				if s := as(owner, http.MethodPut, "/shared/a", "alice", nil); s != ok {
					t.Fatalf("reset: put a: %d", s)
				}
				if s := as(owner, http.MethodPut, "/shared?acl", "", st.grant); s != ok {
					t.Fatalf("reset: set %s: %d", st.name, s)
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
