package frontend

import (
	"encoding/xml"
	"net/http"
	"strings"
	"testing"

	"github.com/amphora-s3/amphora/store"
	"github.com/amphora-s3/amphora/store/memstore"
)

func (e *env) bucketACL(t *testing.T, bucket string) accessControlPolicy {
	t.Helper()
	resp, body := e.signed(t, http.MethodGet, "/"+bucket+"?acl", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	var doc accessControlPolicy
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("GET ?acl: %v\n%s", err, body)
	}
	return doc
}

// grantsOf renders a document's grants as "who:PERM" strings.
func grantsOf(doc accessControlPolicy) []string {
	var out []string
	for _, g := range doc.Grants {
		who := g.Grantee.ID
		if g.Grantee.URI != "" {
			who = g.Grantee.URI[strings.LastIndex(g.Grantee.URI, "/")+1:]
		}
		out = append(out, who+":"+g.Permission)
	}
	return out
}

func TestBucketACL(t *testing.T) {
	accts := memstore.NewAccounts()
	accts.AddAccount(store.Account{ID: "bob-id", DisplayName: "Bob", Email: "bob@example.com"})
	e := newEnv(t, func(o *Options) { o.Accounts = accts })
	e.mustCreate(t, "bucket")
	if got := grantsOf(e.bucketACL(t, "bucket")); strings.Join(got, " ") != "tenant-alice:FULL_CONTROL" {
		t.Errorf("a new bucket's ACL: %v", got)
	}

	put := func(hdr map[string]string, body string) (*http.Response, []byte) {
		var b []byte
		if body != "" {
			b = []byte(body)
		}
		return e.signed(t, http.MethodPut, "/bucket?acl", b, hdr)
	}
	resp, body := put(map[string]string{"X-Amz-Acl": "public-read"}, "")
	wantStatus(t, resp, body, http.StatusOK)
	if got := strings.Join(grantsOf(e.bucketACL(t, "bucket")), " "); got != "tenant-alice:FULL_CONTROL AllUsers:READ" {
		t.Errorf("after public-read: %s", got)
	}
	resp, body = put(map[string]string{"X-Amz-Grant-Read": `emailAddress="bob@example.com", uri="http://acs.amazonaws.com/groups/global/AuthenticatedUsers"`,
		"X-Amz-Grant-Full-Control": `id="tenant-alice"`}, "")
	wantStatus(t, resp, body, http.StatusOK)
	doc := e.bucketACL(t, "bucket")
	if got := strings.Join(grantsOf(doc), " "); got != "bob-id:READ AuthenticatedUsers:READ tenant-alice:FULL_CONTROL" {
		t.Errorf("after header grants: %s", got)
	}
	if doc.Grants[0].Grantee.DisplayName != "Bob" || doc.Owner.ID != "tenant-alice" || doc.Owner.DisplayName != "Alice" {
		t.Errorf("display names: %+v", doc)
	}
	xmlDoc := `<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>tenant-alice</ID></Owner><AccessControlList>
<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>tenant-alice</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant>
<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="AmazonCustomerByEmail"><EmailAddress>BOB@example.com</EmailAddress></Grantee><Permission>WRITE</Permission></Grant>
</AccessControlList></AccessControlPolicy>`
	resp, body = put(nil, xmlDoc)
	wantStatus(t, resp, body, http.StatusOK)
	if got := strings.Join(grantsOf(e.bucketACL(t, "bucket")), " "); got != "tenant-alice:FULL_CONTROL bob-id:WRITE" {
		t.Errorf("after an AccessControlPolicy: %s", got)
	}

	for _, tc := range []struct {
		hdr    map[string]string
		body   string
		status int
		code   string
	}{
		{nil, "", 400, "MissingSecurityHeader"},
		{map[string]string{"X-Amz-Acl": "public-read"}, xmlDoc, 400, "UnexpectedContent"},
		{map[string]string{"X-Amz-Acl": "public-read", "X-Amz-Grant-Read": `id="bob-id"`}, "", 400, "InvalidRequest"},
		{map[string]string{"X-Amz-Acl": "bucket-owner-read"}, "", 400, "InvalidArgument"},
		{map[string]string{"X-Amz-Acl": "world-writable"}, "", 400, "InvalidArgument"},
		{map[string]string{"X-Amz-Grant-Read": `emailAddress="nobody@example.com"`}, "", 400, "UnresolvableGrantByEmailAddress"},
		{map[string]string{"X-Amz-Grant-Read": `id="no-such-account"`}, "", 400, "InvalidArgument"},
		{map[string]string{"X-Amz-Grant-Read": `uri="http://example.com/group"`}, "", 400, "InvalidArgument"},
		{map[string]string{"X-Amz-Grant-Read": `colour="blue"`}, "", 400, "InvalidArgument"},
		{nil, "<AccessControlPolicy><broken", 400, "MalformedACLError"},
		{nil, "<SomethingElse/>", 400, "MalformedACLError"},
		{nil, strings.Replace(xmlDoc, "WRITE", "SUPERPOWERS", 1), 400, "MalformedACLError"},
		{nil, strings.Replace(xmlDoc, "<Owner><ID>tenant-alice</ID>", "<Owner><ID>bob-id</ID>", 1), 403, "AccessDenied"},
	} {
		resp, body := put(tc.hdr, tc.body)
		wantError(t, resp, body, tc.status, tc.code)
	}
	if got := strings.Join(grantsOf(e.bucketACL(t, "bucket")), " "); got != "tenant-alice:FULL_CONTROL bob-id:WRITE" {
		t.Errorf("a refused PUT ?acl changed the ACL: %s", got)
	}

	// CreateBucket takes a canned ACL or grants too.
	resp, body = e.signed(t, http.MethodPut, "/born-public", nil, map[string]string{"X-Amz-Acl": "public-read-write"})
	wantStatus(t, resp, body, http.StatusOK)
	if got := strings.Join(grantsOf(e.bucketACL(t, "born-public")), " "); got != "tenant-alice:FULL_CONTROL AllUsers:READ AllUsers:WRITE" {
		t.Errorf("created public-read-write: %s", got)
	}
}

func TestOwnershipControls(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	get := func() (*http.Response, []byte) {
		return e.signed(t, http.MethodGet, "/bucket?ownershipControls", nil, nil)
	}
	resp, body := get()
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(string(body), "<ObjectOwnership>ObjectWriter</ObjectOwnership>") {
		t.Errorf("a new bucket's ownership controls: %s", body)
	}
	enforce := `<OwnershipControls xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule></OwnershipControls>`
	resp, body = e.signed(t, http.MethodPut, "/bucket?acl", nil, map[string]string{"X-Amz-Acl": "public-read"})
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodPut, "/bucket?ownershipControls", []byte(enforce), nil)
	wantError(t, resp, body, 400, "InvalidBucketAclWithObjectOwnership")
	resp, body = e.signed(t, http.MethodPut, "/bucket?acl", nil, map[string]string{"X-Amz-Acl": "private"})
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodPut, "/bucket?ownershipControls", []byte(enforce), nil)
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodPut, "/bucket?acl", nil, map[string]string{"X-Amz-Acl": "public-read"})
	wantError(t, resp, body, 400, "AccessControlListNotSupported")
	resp, body = e.signed(t, http.MethodPut, "/bucket?acl", nil, map[string]string{"X-Amz-Acl": "private"})
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodPut, "/bucket?ownershipControls", []byte(`<OwnershipControls><Rule><ObjectOwnership>Anarchy</ObjectOwnership></Rule></OwnershipControls>`), nil)
	wantError(t, resp, body, 400, "MalformedXML")
	resp, body = e.signed(t, http.MethodDelete, "/bucket?ownershipControls", nil, nil)
	wantStatus(t, resp, body, http.StatusNoContent)
	resp, body = get()
	wantError(t, resp, body, 404, "OwnershipControlsNotFoundError")

	resp, body = e.signed(t, http.MethodPut, "/enforced", nil, map[string]string{"X-Amz-Object-Ownership": "BucketOwnerEnforced", "X-Amz-Acl": "public-read"})
	wantError(t, resp, body, 400, "InvalidBucketAclWithObjectOwnership")
	resp, body = e.signed(t, http.MethodPut, "/enforced", nil, map[string]string{"X-Amz-Object-Ownership": "Whatever"})
	wantError(t, resp, body, 400, "InvalidArgument")
	resp, body = e.signed(t, http.MethodPut, "/enforced", nil, map[string]string{"X-Amz-Object-Ownership": "BucketOwnerEnforced"})
	wantStatus(t, resp, body, http.StatusOK)
}
