package console

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// The account pages answer an administrator's unrestricted key only:
// another account's key, or the administrator account's key restricted
// to a bucket, gets 403 for every call. An administrator lists accounts
// and keys, creates them, and disables a key, which ends its sessions
// and its sign-ins at once.
func TestAdminPages(t *testing.T) {
	w := newWorld(t)
	admin := w.browser(t)
	if s := admin.mustLogin(adminKey, adminSecret); !s.Admin {
		t.Fatalf("the admin's session: %+v", s)
	}
	for _, who := range []struct{ ak, sk string }{{bobKey, bobSecret}, {aliceKey, aliceSecret}, {scopedKey, scopedSecret}} {
		b := w.browser(t)
		if s := b.mustLogin(who.ak, who.sk); s.Admin {
			t.Errorf("%s is shown the account pages", who.ak)
		}
		for _, c := range []struct{ method, path, body string }{
			{http.MethodGet, "/api/admin/accounts", ""},
			{http.MethodPost, "/api/admin/accounts", `{"displayName":"x"}`},
			{http.MethodGet, "/api/admin/keys?account=bob-id", ""},
			{http.MethodPost, "/api/admin/keys", `{"account":"bob-id"}`},
			{http.MethodPost, "/api/admin/keys/state", `{"accessKey":"AKADMIN","disabled":true}`},
		} {
			resp, out := b.do(c.method, c.path, strings.NewReader(c.body))
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s: %s %s: %d %s, want 403", who.ak, c.method, c.path, resp.StatusCode, out)
			}
		}
	}

	resp, out := admin.do(http.MethodGet, "/api/admin/accounts", nil)
	var accounts []accountJSON
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(out), &accounts) != nil || len(accounts) != 3 {
		t.Fatalf("accounts: %d %s", resp.StatusCode, out)
	}
	resp, out = admin.do(http.MethodPost, "/api/admin/accounts", strings.NewReader(`{"displayName":"Carol","email":"carol@example.com"}`))
	var carol accountJSON
	if resp.StatusCode != http.StatusCreated || json.Unmarshal([]byte(out), &carol) != nil || carol.ID == "" {
		t.Fatalf("create account: %d %s", resp.StatusCode, out)
	}
	resp, out = admin.do(http.MethodPost, "/api/admin/keys", strings.NewReader(`{"account":"`+carol.ID+`","buckets":"photos:read, logs:rw"}`))
	var key keyJSON
	if resp.StatusCode != http.StatusCreated || json.Unmarshal([]byte(out), &key) != nil || key.SecretKey == "" ||
		key.Buckets["photos"] != "read" || key.Buckets["logs"] != "readwrite" {
		t.Fatalf("create key: %d %s", resp.StatusCode, out)
	}
	if resp, out := admin.do(http.MethodPost, "/api/admin/keys", strings.NewReader(`{"account":"nobody"}`)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("key for a missing account: %d %s", resp.StatusCode, out)
	}
	if resp, out := admin.do(http.MethodPost, "/api/admin/keys", strings.NewReader(`{"account":"bob-id","buckets":"photos:all"}`)); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad permission: %d %s", resp.StatusCode, out)
	}
	resp, out = admin.do(http.MethodGet, "/api/admin/keys?account="+carol.ID, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(out, key.AccessKey) || strings.Contains(out, key.SecretKey) {
		t.Errorf("list keys: %d %s (no secret wanted)", resp.StatusCode, out)
	}

	// The new key signs in; disabled, its session ends and it cannot sign in.
	carolB := w.browser(t)
	carolB.mustLogin(key.AccessKey, key.SecretKey)
	resp, out = admin.do(http.MethodPost, "/api/admin/keys/state", strings.NewReader(`{"accessKey":"`+key.AccessKey+`","disabled":true}`))
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("disable: %d %s", resp.StatusCode, out)
	}
	if resp, _ := carolB.do(http.MethodGet, "/api/session", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a disabled key's session: %d, want 401", resp.StatusCode)
	}
	if resp, _ := carolB.do(http.MethodGet, "/api/s3/", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a disabled key's S3 call: %d, want 401", resp.StatusCode)
	}
	if resp, _ := w.browser(t).login(key.AccessKey, key.SecretKey); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a disabled key signs in: %d", resp.StatusCode)
	}
	if resp, _ := admin.do(http.MethodPost, "/api/admin/keys/state", strings.NewReader(`{"accessKey":"AKNONE","disabled":true}`)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("disable a missing key: %d", resp.StatusCode)
	}
}
