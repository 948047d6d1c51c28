package frontend

import (
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
)

func (e *env) objectACLDoc(t *testing.T, path string) accessControlPolicy {
	t.Helper()
	resp, body := e.signed(t, http.MethodGet, path+"?acl", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	var doc accessControlPolicy
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("GET %s?acl: %v\n%s", path, err, body)
	}
	return doc
}

// asBob sends a request signed by bob.
func (e *env) asBob(t *testing.T, method, path string, body []byte, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	var req *http.Request
	if body != nil {
		req = e.request(t, method, path, strings.NewReader(string(body)))
	} else {
		req = e.request(t, method, path, nil)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return e.do(t, signV2(req, bobKey, bobSecret))
}

func TestObjectACL(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	put := func(key string, hdr map[string]string) {
		t.Helper()
		resp, body := e.signed(t, http.MethodPut, "/bucket/"+key, []byte("data of "+key), hdr)
		wantStatus(t, resp, body, http.StatusOK)
	}
	bobGets := func(key string) int {
		resp, _ := e.asBob(t, http.MethodGet, "/bucket/"+key, nil, nil)
		return resp.StatusCode
	}

	put("public", map[string]string{"X-Amz-Acl": "public-read"})
	if got := strings.Join(grantsOf(e.objectACLDoc(t, "/bucket/public")), " "); got != "tenant-alice:FULL_CONTROL AllUsers:READ" {
		t.Errorf("public-read object's ACL: %s", got)
	}
	if s := bobGets("public"); s != http.StatusOK {
		t.Errorf("bob reads a public-read object in a private bucket: %d", s)
	}
	resp, body := e.signed(t, http.MethodPut, "/bucket/public?acl", nil, map[string]string{"X-Amz-Acl": "private"})
	wantStatus(t, resp, body, http.StatusOK)
	if s := bobGets("public"); s != http.StatusForbidden {
		t.Errorf("bob reads it once private again: %d", s)
	}
	// A new version does not inherit the old one's ACL.
	put("inherit", map[string]string{"X-Amz-Acl": "public-read"})
	put("inherit", nil)
	if s := bobGets("inherit"); s != http.StatusForbidden {
		t.Errorf("a new version inherited public-read: %d", s)
	}

	put("granted", map[string]string{"X-Amz-Grant-Read": `id="tenant-bob"`, "X-Amz-Grant-Full-Control": `id="tenant-alice"`})
	if s := bobGets("granted"); s != http.StatusOK {
		t.Errorf("bob reads an object granted to him: %d", s)
	}
	resp, _ = e.asBob(t, http.MethodGet, "/bucket/granted?acl", nil, nil)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("bob reads the ACL without READ_ACP: %d", resp.StatusCode)
	}
	resp, _ = e.asBob(t, http.MethodPut, "/bucket/granted?acl", nil, map[string]string{"X-Amz-Acl": "public-read"})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("bob replaces the ACL without WRITE_ACP: %d", resp.StatusCode)
	}
	put("acp", map[string]string{"X-Amz-Grant-Write-Acp": `id="tenant-bob"`, "X-Amz-Grant-Full-Control": `id="tenant-alice"`})
	resp, body = e.asBob(t, http.MethodPut, "/bucket/acp?acl", nil, map[string]string{"X-Amz-Grant-Read": `id="tenant-bob"`, "X-Amz-Grant-Full-Control": `id="tenant-alice"`})
	wantStatus(t, resp, body, http.StatusOK)
	if s := bobGets("acp"); s != http.StatusOK {
		t.Errorf("bob reads after granting himself READ with WRITE_ACP: %d", s)
	}

	// Multipart uploads and copies take their ACL from their request.
	id := e.createUpload(t, "bucket", "mp", map[string]string{"X-Amz-Acl": "public-read"})
	etag := e.uploadPart(t, "bucket", "mp", id, 1, []byte("part"))
	resp, body = e.complete(t, "bucket", "mp", id, completeBody([]string{etag}), nil)
	wantStatus(t, resp, body, http.StatusOK)
	if s := bobGets("mp"); s != http.StatusOK {
		t.Errorf("bob reads a public-read multipart object: %d", s)
	}
	resp, body = e.signed(t, http.MethodPut, "/bucket/copy", nil, map[string]string{"X-Amz-Copy-Source": "/bucket/mp"})
	wantStatus(t, resp, body, http.StatusOK)
	if s := bobGets("copy"); s != http.StatusForbidden {
		t.Errorf("a copy took its source's ACL: %d", s)
	}

	// Objects bob writes into alice's bucket: his, unless ownership says.
	resp, body = e.signed(t, http.MethodPut, "/bucket?acl", nil, map[string]string{"X-Amz-Grant-Write": `id="tenant-bob"`, "X-Amz-Grant-Full-Control": `id="tenant-alice"`})
	wantStatus(t, resp, body, http.StatusOK)
	bobPuts := func(key string, hdr map[string]string) int {
		resp, _ := e.asBob(t, http.MethodPut, "/bucket/"+key, []byte("bob's"), hdr)
		return resp.StatusCode
	}
	aliceGets := func(key string) int {
		resp, _ := e.signed(t, http.MethodGet, "/bucket/"+key, nil, nil)
		return resp.StatusCode
	}
	bobPuts("bobs", nil)
	if s := aliceGets("bobs"); s != http.StatusForbidden {
		t.Errorf("alice reads bob's private object: %d", s)
	}
	bobPuts("bobs-shared", map[string]string{"X-Amz-Acl": "bucket-owner-full-control"})
	if s := aliceGets("bobs-shared"); s != http.StatusOK {
		t.Errorf("alice reads bob's object given bucket-owner-full-control: %d", s)
	}
	if doc := e.objectACLDoc(t, "/bucket/bobs-shared"); doc.Owner.ID != "tenant-bob" {
		t.Errorf("ObjectWriter: bob's object owner %q", doc.Owner.ID)
	}
	pref := `<OwnershipControls><Rule><ObjectOwnership>BucketOwnerPreferred</ObjectOwnership></Rule></OwnershipControls>`
	resp, body = e.signed(t, http.MethodPut, "/bucket?ownershipControls", []byte(pref), nil)
	wantStatus(t, resp, body, http.StatusOK)
	bobPuts("preferred", map[string]string{"X-Amz-Acl": "bucket-owner-full-control"})
	if doc := e.objectACLDoc(t, "/bucket/preferred"); doc.Owner.ID != "tenant-alice" {
		t.Errorf("BucketOwnerPreferred with bucket-owner-full-control: owner %q", doc.Owner.ID)
	}
	resp, body = e.signed(t, http.MethodPut, "/bucket?acl", nil, map[string]string{"X-Amz-Acl": "private"})
	wantStatus(t, resp, body, http.StatusOK)
	enforced := strings.Replace(pref, "BucketOwnerPreferred", "BucketOwnerEnforced", 1)
	resp, body = e.signed(t, http.MethodPut, "/bucket?ownershipControls", []byte(enforced), nil)
	wantStatus(t, resp, body, http.StatusOK)
	if s := aliceGets("bobs"); s != http.StatusOK {
		t.Errorf("BucketOwnerEnforced: alice reads bob's object: %d", s)
	}
	resp, body = e.signed(t, http.MethodPut, "/bucket/x", []byte("x"), map[string]string{"X-Amz-Acl": "public-read"})
	wantError(t, resp, body, http.StatusBadRequest, "AccessControlListNotSupported")
	resp, body = e.signed(t, http.MethodPut, "/bucket/x", []byte("x"), map[string]string{"X-Amz-Acl": "bucket-owner-full-control"})
	wantStatus(t, resp, body, http.StatusOK)
	if s := bobGets("public"); s != http.StatusForbidden {
		t.Errorf("BucketOwnerEnforced: ACL grants still count: %d", s)
	}
}
