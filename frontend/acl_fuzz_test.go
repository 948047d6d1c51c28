package frontend

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/store"
	"github.com/amphora-s3/amphora/store/memstore"
)

// aclFuzzServer is a frontend over a fresh memstore with one bucket of
// alice's and an account store knowing bob (by id and e-mail), called
// directly (no listener) so that each fuzz input stays fast.
func aclFuzzServer(t *testing.T) http.Handler {
	t.Helper()
	accts := memstore.NewAccounts()
	accts.AddAccount(store.Account{ID: "bob-id", DisplayName: "Bob", Email: "bob@example.com"})
	h, err := New(Options{
		Store:              memstore.New(),
		Accounts:           accts,
		Credentials:        testCreds,
		Region:             testRegion,
		VirtualHostDomains: []string{testDomain},
		Logger:             zerolog.Nop(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if rec := serveSigned(h, http.MethodPut, "/bucket", nil); rec.Code != http.StatusOK {
		t.Fatalf("CreateBucket: %d %s", rec.Code, rec.Body)
	}
	return h
}

// serveSigned sends h a path-style request signed by alice.
func serveSigned(h http.Handler, method, path string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "http://127.0.0.1:9000"+path, bytes.NewReader(body))
	if body == nil {
		req = httptest.NewRequest(method, "http://127.0.0.1:9000"+path, nil)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, signV2(req, aliceKey, aliceSecret))
	return rec
}

const (
	aclXSI    = `xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"`
	aclOwner  = `<Owner><ID>tenant-alice</ID><DisplayName>Alice</DisplayName></Owner>`
	aclFullCU = `<Grant><Grantee ` + aclXSI + ` xsi:type="CanonicalUser"><ID>tenant-alice</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant>`
)

// aclDoc is an AccessControlPolicy in S3's namespace with grants.
func aclDoc(grants ...string) string {
	return `<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` + aclOwner +
		`<AccessControlList>` + strings.Join(grants, "") + `</AccessControlList></AccessControlPolicy>`
}

func aclGrant(kind, inner, perm string) string {
	return `<Grant><Grantee ` + aclXSI + ` xsi:type="` + kind + `">` + inner + `</Grantee><Permission>` + perm + `</Permission></Grant>`
}

// aclSeed is a seed document and the Code S3 answers it with ("" for
// 200 OK).
type aclSeed struct{ doc, code string }

// aclFuzzSeeds are AccessControlPolicy documents S3 takes and ones it
// refuses.
func aclFuzzSeeds() []aclSeed {
	var grants []string
	for i := 0; i < store.MaxGrants+1; i++ {
		grants = append(grants, aclFullCU)
	}
	return []aclSeed{
		{aclDoc(aclFullCU), ""},
		{aclDoc(aclFullCU, aclGrant("CanonicalUser", "<ID>bob-id</ID><DisplayName>Bob</DisplayName>", "READ")), ""},
		{aclDoc(aclFullCU, aclGrant("AmazonCustomerByEmail", "<EmailAddress>bob@example.com</EmailAddress>", "WRITE")), ""},
		{aclDoc(aclFullCU,
			aclGrant("Group", "<URI>http://acs.amazonaws.com/groups/global/AllUsers</URI>", "READ"),
			aclGrant("Group", "<URI>http://acs.amazonaws.com/groups/global/AuthenticatedUsers</URI>", "READ_ACP"),
			aclGrant("Group", "<URI>http://acs.amazonaws.com/groups/s3/LogDelivery</URI>", "WRITE")), ""},
		// Without S3's namespace, another prefix for xsi, no Owner.
		{`<AccessControlPolicy><AccessControlList><Grant><Grantee xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:type="CanonicalUser"><ID>tenant-alice</ID></Grantee><Permission>WRITE_ACP</Permission></Grant></AccessControlList></AccessControlPolicy>`, ""},
		{`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + aclDoc(), ""},
		// Character references and CDATA are XML: they are taken.
		{aclDoc(aclGrant("CanonicalUser", "<ID>tenant-&#97;lice</ID>", "FULL_&#x43;ONTROL")), ""},
		{aclDoc(aclGrant("CanonicalUser", "<ID><![CDATA[tenant-alice]]></ID>", "READ")), ""},

		{aclDoc(aclFullCU)[:60], "MalformedACLError"},
		{`<AccessControlPolicy><broken`, "MalformedACLError"},
		{`<SomethingElse/>`, "MalformedACLError"},
		{`not xml at all`, "MalformedACLError"},
		{aclDoc(aclGrant("Martian", "<ID>tenant-alice</ID>", "READ")), "MalformedACLError"},
		{aclDoc(`<Grant><Grantee><ID>tenant-alice</ID></Grantee><Permission>READ</Permission></Grant>`), "MalformedACLError"},
		{aclDoc(aclGrant("CanonicalUser", "<ID>tenant-alice</ID>", "SUPERPOWERS")), "MalformedACLError"},
		{aclDoc(aclGrant("CanonicalUser", "<ID>tenant-alice</ID>", "read")), "MalformedACLError"},
		{aclDoc(aclGrant("CanonicalUser", "<ID>no-such-account</ID>", "READ")), "InvalidArgument"},
		{aclDoc(aclGrant("CanonicalUser", "", "READ")), "InvalidArgument"},
		{aclDoc(aclGrant("CanonicalUser", "<ID>&amp;&lt;&gt;&quot;&apos;</ID>", "READ")), "InvalidArgument"},
		{aclDoc(aclGrant("AmazonCustomerByEmail", "<EmailAddress>nobody@example.com</EmailAddress>", "READ")), "UnresolvableGrantByEmailAddress"},
		{aclDoc(aclGrant("Group", "<URI>http://example.com/group</URI>", "READ")), "InvalidArgument"},
		{strings.Replace(aclDoc(aclFullCU), "<ID>tenant-alice</ID><DisplayName>", "<ID>bob-id</ID><DisplayName>", 1), "AccessDenied"},
		{aclDoc(grants...), "MalformedACLError"},
		{aclDoc(strings.Repeat(aclFullCU, 1+maxACLBody/len(aclFullCU))), "MaxMessageLengthExceeded"},
		{`<!DOCTYPE a [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>` + aclDoc(aclGrant("CanonicalUser", "<ID>&lol2;</ID>", "READ")), "MalformedACLError"},
		{"<AccessControlPolicy>\xff\xfe</AccessControlPolicy>", "MalformedACLError"},
		{"   \n\t", "MissingSecurityHeader"},
		{`<AccessControlPolicy xmlns="http://example.com/other"><AccessControlList/></AccessControlPolicy>`, "MalformedACLError"},
	}
}

// FuzzPutBucketACL sends PUT /bucket?acl with the fuzzed body: the
// frontend must never panic nor answer 5xx, and every refusal must be a
// 4xx with an S3 XML error document naming its Code.
func FuzzPutBucketACL(f *testing.F) {
	for _, s := range aclFuzzSeeds() {
		f.Add([]byte(s.doc))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		h := aclFuzzServer(t)
		rec := serveSigned(h, http.MethodPut, "/bucket?acl", body)
		checkACLResponse(t, rec, body)
		if rec.Code != http.StatusOK {
			return
		}
		// What was stored reads back as a document.
		got := serveSigned(h, http.MethodGet, "/bucket?acl", nil)
		if got.Code != http.StatusOK {
			t.Fatalf("GET ?acl after a PUT ?acl taken: %d %s\nbody %q", got.Code, got.Body, body)
		}
		var doc accessControlPolicy
		if err := xml.Unmarshal(got.Body.Bytes(), &doc); err != nil {
			t.Fatalf("GET ?acl: %v\n%s", err, got.Body)
		}
		if len(doc.Grants) > store.MaxGrants {
			t.Fatalf("%d grants stored", len(doc.Grants))
		}
	})
}

func checkACLResponse(t *testing.T, rec *httptest.ResponseRecorder, body []byte) {
	t.Helper()
	switch {
	case rec.Code == http.StatusOK:
		return
	case rec.Code >= 500:
		t.Fatalf("status %d for body %q:\n%s", rec.Code, body, rec.Body)
	case rec.Code < 400:
		t.Fatalf("status %d (neither 200 nor 4xx) for body %q:\n%s", rec.Code, body, rec.Body)
	}
	var doc errorDoc
	if err := xml.Unmarshal(rec.Body.Bytes(), &doc); err != nil || doc.Code == "" {
		t.Fatalf("status %d without an S3 error document (%v) for body %q:\n%s", rec.Code, err, body, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/xml" {
		t.Fatalf("error Content-Type %q", ct)
	}
	if rec.Header().Get("x-amz-request-id") == "" {
		t.Fatal("error without x-amz-request-id")
	}
}

// TestPutBucketACLSeeds runs the fuzz seeds with the answers they must
// get, so that the corpus keeps meaning what it says.
func TestPutBucketACLSeeds(t *testing.T) {
	h := aclFuzzServer(t)
	for i, seed := range aclFuzzSeeds() {
		rec := serveSigned(h, http.MethodPut, "/bucket?acl", []byte(seed.doc))
		checkACLResponse(t, rec, []byte(seed.doc))
		var doc errorDoc
		if rec.Code != http.StatusOK {
			_ = xml.Unmarshal(rec.Body.Bytes(), &doc)
		}
		if doc.Code != seed.code {
			t.Errorf("seed %d: %d %q, want %q (message %q)\n%.200s", i, rec.Code, doc.Code, seed.code, doc.Message, seed.doc)
		}
	}
}
