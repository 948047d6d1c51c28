package frontend

import (
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/store/memstore"
)

func TestBucketPolicyDocument(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "pbk")
	doc := `{"Version":"2012-10-17","Statement":[{"Sid":"read","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pbk/*"}]}`
	resp, body := e.signed(t, http.MethodPut, "/pbk?policy", []byte(doc), nil)
	wantStatus(t, resp, body, http.StatusNoContent)
	resp, body = e.signed(t, http.MethodGet, "/pbk?policy", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if string(body) != doc || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("GetBucketPolicy = %q (%s), want the document as put", body, resp.Header.Get("Content-Type"))
	}
	resp, body = e.signed(t, http.MethodGet, "/pbk?policyStatus", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	var st struct{ IsPublic bool }
	if err := xml.Unmarshal(body, &st); err != nil || !st.IsPublic {
		t.Errorf("policy status = %s (%v), want IsPublic true", body, err)
	}
	// Only the owner reads or changes the policy, whatever it allows.
	resp, body = e.asBob(t, http.MethodGet, "/pbk?policy", nil, nil)
	wantError(t, resp, body, http.StatusForbidden, "AccessDenied")
	resp, body = e.signed(t, http.MethodDelete, "/pbk?policy", nil, nil)
	wantStatus(t, resp, body, http.StatusNoContent)
	resp, body = e.signed(t, http.MethodGet, "/pbk?policy", nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "NoSuchBucketPolicy")

	for _, tc := range []struct{ doc, reason string }{
		{``, "Policies must be valid JSON"},
		{`{"Statement":[`, "invalid Json"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObjekt","Resource":"arn:aws:s3:::pbk/*"}]}`, "invalid action"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"}]}`, "invalid resource"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pbk"}]}`, "Action does not apply"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::pbk/*"}]}`, "Missing required field Principal"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pbk/*","Condition":{"IpAddres":{"aws:SourceIp":"10.0.0.0/8"}}}]}`, "Invalid Condition type"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pbk/*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.300/8"}}}]}`, "aws:SourceIp"},
		{`{"Version":"2012-10-17","Statement":[]}`, "empty"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pbk/*"}]}` + strings.Repeat(" ", 20*1024), "no more than 20 KB"},
	} {
		resp, body := e.signed(t, http.MethodPut, "/pbk?policy", []byte(tc.doc), nil)
		d := wantError(t, resp, body, http.StatusBadRequest, "MalformedPolicy")
		if !strings.Contains(d.Message, tc.reason) {
			t.Errorf("policy %.60q: message %q, want it to name %q", tc.doc, d.Message, tc.reason)
		}
	}
}

// TestBucketPolicyConditions: conditions on the source address, the
// listing's prefix, the ACL a write asks for, and TLS.
func TestBucketPolicyConditions(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "pbk")
	e.mustPut(t, "pbk", "k", []byte("v"))
	put := func(doc string) {
		t.Helper()
		resp, body := e.signed(t, http.MethodPut, "/pbk?policy", []byte(doc), nil)
		wantStatus(t, resp, body, http.StatusNoContent)
	}
	anon := func(path string) int {
		resp, _ := e.do(t, e.request(t, http.MethodGet, path, nil))
		return resp.StatusCode
	}
	// Reading from 127.0.0.0/8 only.
	put(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pbk/*","Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}}]}`)
	if s := anon("/pbk/k"); s != http.StatusOK {
		t.Errorf("anonymous GET from 127.0.0.1 under an IpAddress 127.0.0.0/8 allow: %d", s)
	}
	put(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pbk/*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]}}}]}`)
	if s := anon("/pbk/k"); s != http.StatusForbidden {
		t.Errorf("anonymous GET from 127.0.0.1 under an IpAddress 10.0.0.0/8 allow: %d", s)
	}
	// Bob may list under home/ only.
	put(`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"tenant-bob"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::pbk","Condition":{"StringLike":{"s3:prefix":"home/*"}}}]}`)
	for path, want := range map[string]int{"/pbk?prefix=home/bob/": http.StatusOK, "/pbk?prefix=etc/": http.StatusForbidden, "/pbk": http.StatusForbidden} {
		if resp, body := e.asBob(t, http.MethodGet, path, nil, nil); resp.StatusCode != want {
			t.Errorf("bob lists %s: %d, want %d (%s)", path, resp.StatusCode, want, body)
		}
	}
	// Bob may write only objects that give the owner full control.
	put(`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"tenant-bob"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::pbk/*","Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control"}}}]}`)
	if resp, body := e.asBob(t, http.MethodPut, "/pbk/bob1", []byte("x"), nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("bob writes without the ACL: %d (%s)", resp.StatusCode, body)
	}
	if resp, body := e.asBob(t, http.MethodPut, "/pbk/bob2", []byte("x"), map[string]string{"X-Amz-Acl": "bucket-owner-full-control"}); resp.StatusCode != http.StatusOK {
		t.Errorf("bob writes with bucket-owner-full-control: %d (%s)", resp.StatusCode, body)
	}
	// The owner reads what bob wrote that way.
	if resp, body := e.signed(t, http.MethodGet, "/pbk/bob2", nil, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("owner reads bob2: %d (%s)", resp.StatusCode, body)
	}
	// Deny everything not over TLS, even to the owner; the owner can
	// still remove the policy (nobody is locked out of it).
	put(`{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::pbk","arn:aws:s3:::pbk/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`)
	resp, body := e.signed(t, http.MethodGet, "/pbk/k", nil, nil)
	wantError(t, resp, body, http.StatusForbidden, "AccessDenied")
	resp, body = e.signed(t, http.MethodDelete, "/pbk?policy", nil, nil)
	wantStatus(t, resp, body, http.StatusNoContent)
}

// TestBucketPolicySecureTransport: the classic "deny unless TLS" policy
// lets requests over the TLS listener in.
func TestBucketPolicySecureTransport(t *testing.T) {
	h, err := New(Options{Store: memstore.New(), Credentials: testCreds, Region: testRegion, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(h)
	defer srv.Close()
	send := func(method, path, body string) int {
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Client().Do(signV2(req, aliceKey, aliceSecret))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := send(http.MethodPut, "/pbk", ""); s != http.StatusOK {
		t.Fatalf("create: %d", s)
	}
	if s := send(http.MethodPut, "/pbk?policy", `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::pbk","arn:aws:s3:::pbk/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`); s != http.StatusNoContent {
		t.Fatalf("put policy: %d", s)
	}
	if s := send(http.MethodPut, "/pbk/k", "v"); s != http.StatusOK {
		t.Errorf("PUT over TLS under deny-unless-TLS: %d", s)
	}
}

func TestPublicAccessBlock(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "pbk")
	e.mustPut(t, "pbk", "k", []byte("v"))
	const cfg = `<PublicAccessBlockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><BlockPublicAcls>true</BlockPublicAcls><BlockPublicPolicy>true</BlockPublicPolicy></PublicAccessBlockConfiguration>`
	resp, body := e.signed(t, http.MethodPut, "/pbk?publicAccessBlock", []byte(cfg), nil)
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodGet, "/pbk?publicAccessBlock", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	var got struct{ BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets bool }
	if err := xml.Unmarshal(body, &got); err != nil || !got.BlockPublicAcls || got.IgnorePublicAcls || !got.BlockPublicPolicy || got.RestrictPublicBuckets {
		t.Errorf("GetPublicAccessBlock = %s (%v)", body, err)
	}
	// BlockPublicAcls: no public ACL on the bucket or its objects, by
	// canned ACL or grant, on PUT ?acl, PutObject, copy and multipart.
	for _, tc := range []struct {
		method, path string
		hdr          map[string]string
	}{
		{http.MethodPut, "/pbk?acl", map[string]string{"X-Amz-Acl": "public-read"}},
		{http.MethodPut, "/pbk/k?acl", map[string]string{"X-Amz-Grant-Read": `uri="http://acs.amazonaws.com/groups/global/AllUsers"`}},
		{http.MethodPut, "/pbk/new", map[string]string{"X-Amz-Acl": "public-read"}},
		{http.MethodPut, "/pbk/copy", map[string]string{"X-Amz-Acl": "authenticated-read", "X-Amz-Copy-Source": "/pbk/k"}},
		{http.MethodPost, "/pbk/mp?uploads", map[string]string{"X-Amz-Acl": "public-read-write"}},
	} {
		resp, body := e.signed(t, tc.method, tc.path, nil, tc.hdr)
		wantError(t, resp, body, http.StatusForbidden, "AccessDenied")
	}
	// A private ACL still goes.
	resp, body = e.signed(t, http.MethodPut, "/pbk/new", []byte("x"), map[string]string{"X-Amz-Acl": "private"})
	wantStatus(t, resp, body, http.StatusOK)
	// BlockPublicPolicy: a public policy is refused, a fixed one is not.
	resp, body = e.signed(t, http.MethodPut, "/pbk?policy", []byte(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pbk/*"}]}`), nil)
	wantError(t, resp, body, http.StatusForbidden, "AccessDenied")
	resp, body = e.signed(t, http.MethodPut, "/pbk?policy", []byte(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pbk/*","Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}]}`), nil)
	wantStatus(t, resp, body, http.StatusNoContent)
	resp, body = e.signed(t, http.MethodGet, "/pbk?policyStatus", nil, nil)
	if !strings.Contains(string(body), "<IsPublic>false</IsPublic>") {
		t.Errorf("policy status of a fixed-CIDR policy: %s", body)
	}
	resp, body = e.signed(t, http.MethodDelete, "/pbk?publicAccessBlock", nil, nil)
	wantStatus(t, resp, body, http.StatusNoContent)
	resp, body = e.signed(t, http.MethodGet, "/pbk?publicAccessBlock", nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "NoSuchPublicAccessBlockConfiguration")
	resp, body = e.signed(t, http.MethodPut, "/pbk?acl", nil, map[string]string{"X-Amz-Acl": "public-read"})
	wantStatus(t, resp, body, http.StatusOK)
}

// TestPolicyDecidesEachKey: DeleteObjects and CopyObject's source are
// decided key by key under a policy that names keys.
func TestPolicyDecidesEachKey(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "pbk")
	for _, k := range []string{"keep/1", "tmp/1", "tmp/2"} {
		e.mustPut(t, "pbk", k, []byte(k))
	}
	resp, body := e.signed(t, http.MethodPut, "/pbk?policy", []byte(`{"Statement":[
		{"Effect":"Deny","Principal":"*","Action":["s3:DeleteObject","s3:GetObject"],"Resource":"arn:aws:s3:::pbk/keep/*"},
		{"Effect":"Allow","Principal":{"AWS":"tenant-bob"},"Action":"s3:DeleteObject","Resource":"arn:aws:s3:::pbk/tmp/*"}]}`), nil)
	wantStatus(t, resp, body, http.StatusNoContent)
	del := []byte(`<Delete><Object><Key>keep/1</Key></Object><Object><Key>tmp/1</Key></Object></Delete>`)
	resp, body = e.signed(t, http.MethodPost, "/pbk?delete", del, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(string(body), "<Key>keep/1</Key><Code>AccessDenied</Code>") || !strings.Contains(string(body), "<Deleted><Key>tmp/1</Key>") {
		t.Errorf("owner's DeleteObjects under a deny on keep/: %s", body)
	}
	// Bob holds no ACL grant, only the policy's allow on tmp/.
	del = []byte(`<Delete><Object><Key>keep/1</Key></Object><Object><Key>tmp/2</Key></Object></Delete>`)
	resp, body = e.asBob(t, http.MethodPost, "/pbk?delete", del, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(string(body), "<Key>keep/1</Key><Code>AccessDenied</Code>") || !strings.Contains(string(body), "<Deleted><Key>tmp/2</Key>") {
		t.Errorf("bob's DeleteObjects: %s", body)
	}
	// A denied copy source.
	e.mustCreate(t, "pdst")
	resp, body = e.signed(t, http.MethodPut, "/pdst/c", nil, map[string]string{"X-Amz-Copy-Source": "/pbk/keep/1"})
	wantError(t, resp, body, http.StatusForbidden, "AccessDenied")
}

func TestExpectedBucketOwner(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "pbk")
	e.mustPut(t, "pbk", "k", []byte("v"))
	resp, body := e.signed(t, http.MethodGet, "/pbk/k", nil, map[string]string{"X-Amz-Expected-Bucket-Owner": "tenant-alice"})
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodGet, "/pbk/k", nil, map[string]string{"X-Amz-Expected-Bucket-Owner": "tenant-bob"})
	wantError(t, resp, body, http.StatusForbidden, "AccessDenied")
	resp, body = e.signed(t, http.MethodPut, "/pbk/c", nil, map[string]string{"X-Amz-Copy-Source": "/pbk/k", "X-Amz-Source-Expected-Bucket-Owner": "tenant-bob"})
	wantError(t, resp, body, http.StatusForbidden, "AccessDenied")
}
