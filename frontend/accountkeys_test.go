package frontend

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/amphora-s3/amphora/store"
	"github.com/amphora-s3/amphora/store/memstore"
)

// Keys from the account store work like the config file's; a key
// restricted to buckets may do there what its permission says and
// nothing anywhere else; a disabled key is unknown; a lookup that fails is
// a server error, never an anonymous or unknown key.
func TestAccountStoreKeys(t *testing.T) {
	accts := memstore.NewAccounts()
	e := newEnv(t, func(o *Options) { o.Accounts = accts })
	accts.AddAccount(store.Account{ID: "tenant-alice", DisplayName: "Alice"})
	accts.AddAccount(store.Account{ID: "carol-id", DisplayName: "Carol"})
	keys := map[string]store.AccessKey{
		"full":     {ID: "AKFULL", Secret: "full-secret-0123456789", Account: "tenant-alice"},
		"read":     {ID: "AKREAD", Secret: "read-secret-0123456789", Account: "tenant-alice", Buckets: map[string]store.Permission{"photos": store.PermRead}},
		"write":    {ID: "AKWRITE", Secret: "write-secret-0123456789", Account: "tenant-alice", Buckets: map[string]store.Permission{"photos": store.PermWrite}},
		"rw":       {ID: "AKRW", Secret: "rw-secret-0123456789", Account: "tenant-alice", Buckets: map[string]store.Permission{"photos": store.PermReadWrite}},
		"disabled": {ID: "AKOFF", Secret: "off-secret-0123456789", Account: "tenant-alice", Disabled: true},
		"carol":    {ID: "AKCAROL", Secret: "carol-secret-0123456789", Account: "carol-id"},
	}
	for _, k := range keys {
		accts.AddKey(k)
	}
	e.mustCreate(t, "photos")
	e.mustCreate(t, "private")
	e.mustPut(t, "photos", "a.jpg", []byte("jpeg"))
	e.mustPut(t, "private", "b.txt", []byte("text"))

	as := func(t *testing.T, who, method, path string, body []byte) (*http.Response, []byte) {
		t.Helper()
		k := keys[who]
		var req *http.Request
		if body != nil {
			req = e.request(t, method, path, strings.NewReader(string(body)))
		} else {
			req = e.request(t, method, path, nil)
		}
		return e.do(t, signV2(req, k.ID, k.Secret))
	}
	ok, denied := http.StatusOK, http.StatusForbidden
	for _, tc := range []struct {
		who, method, path string
		body              []byte
		want              int
	}{
		{"full", http.MethodGet, "/photos/a.jpg", nil, ok},
		{"full", http.MethodGet, "/private/b.txt", nil, ok},
		{"full", http.MethodPut, "/photos/full.txt", []byte("x"), ok},
		{"read", http.MethodGet, "/photos/a.jpg", nil, ok},
		{"read", http.MethodGet, "/photos", nil, ok},
		{"read", http.MethodHead, "/photos", nil, ok},
		{"read", http.MethodPut, "/photos/r.txt", []byte("x"), denied},
		{"read", http.MethodDelete, "/photos/a.jpg", nil, denied},
		{"read", http.MethodGet, "/private/b.txt", nil, denied},
		{"read", http.MethodGet, "/nonexistent/b.txt", nil, denied}, // learns nothing of other buckets
		{"read", http.MethodPut, "/new-bucket-by-read", nil, denied},
		{"write", http.MethodPut, "/photos/w.txt", []byte("x"), ok},
		{"write", http.MethodGet, "/photos/a.jpg", nil, denied},
		{"write", http.MethodPut, "/private/w.txt", []byte("x"), denied},
		{"rw", http.MethodPut, "/photos/rw.txt", []byte("x"), ok},
		{"rw", http.MethodGet, "/photos/rw.txt", nil, ok},
		{"rw", http.MethodDelete, "/photos", nil, denied}, // bucket administration is for unrestricted keys
		{"carol", http.MethodGet, "/photos/a.jpg", nil, denied},
		{"carol", http.MethodPut, "/carols-bucket", nil, ok},
	} {
		resp, body := as(t, tc.who, tc.method, tc.path, tc.body)
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s %s: %d, want %d (%s)", tc.who, tc.method, tc.path, resp.StatusCode, tc.want, body)
		}
	}

	// ListBuckets with a restricted key lists its buckets only.
	_, body := as(t, "read", http.MethodGet, "/", nil)
	if !strings.Contains(string(body), "<Name>photos</Name>") || strings.Contains(string(body), "private") {
		t.Errorf("restricted key's ListBuckets: %s", body)
	}
	if !strings.Contains(string(body), "<DisplayName>Alice</DisplayName>") {
		t.Errorf("owner display name from the account store missing: %s", body)
	}
	_, body = as(t, "carol", http.MethodGet, "/", nil)
	if !strings.Contains(string(body), "<DisplayName>Carol</DisplayName>") || !strings.Contains(string(body), "carols-bucket") {
		t.Errorf("carol's ListBuckets: %s", body)
	}

	resp, body := as(t, "disabled", http.MethodGet, "/photos/a.jpg", nil)
	wantError(t, resp, body, http.StatusForbidden, "InvalidAccessKeyId")

	accts.Fail = errors.New("cassandra down")
	resp, body = as(t, "full", http.MethodGet, "/photos/a.jpg", nil)
	wantError(t, resp, body, http.StatusInternalServerError, "InternalError")
	// The config file's keys do not depend on the account store.
	resp, body = e.signed(t, http.MethodGet, "/photos/a.jpg", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
}
