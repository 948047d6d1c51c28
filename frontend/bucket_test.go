package frontend

import (
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
)

func TestCreateBucket(t *testing.T) {
	e := newEnv(t)
	cfg := func(lc string) []byte {
		return []byte(`<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>` + lc + `</LocationConstraint></CreateBucketConfiguration>`)
	}
	resp, body := e.signed(t, http.MethodPut, "/plain-bucket", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if loc := resp.Header.Get("Location"); loc != "/plain-bucket" {
		t.Errorf("Location = %q", loc)
	}
	resp, body = e.signed(t, http.MethodPut, "/with-region", cfg(testRegion), nil)
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodPut, "/empty-region", cfg(""), nil)
	wantStatus(t, resp, body, http.StatusOK)

	for _, tc := range []struct {
		path   string
		body   []byte
		status int
		code   string
	}{
		{"/eu-bucket", cfg("eu-west-1"), http.StatusBadRequest, "IllegalLocationConstraintException"},
		{"/eu-bucket", cfg("EU"), http.StatusBadRequest, "IllegalLocationConstraintException"},
		{"/mars-bucket", cfg("mars"), http.StatusBadRequest, "InvalidLocationConstraint"},
		{"/bad-xml", []byte("<CreateBucketConfiguration><LocationConstraint>"), http.StatusBadRequest, "MalformedXML"},
		{"/bad-xml", []byte("<Other/>"), http.StatusBadRequest, "MalformedXML"},
		{"/big-xml", []byte("<CreateBucketConfiguration>" + strings.Repeat(" ", 70<<10) + "</CreateBucketConfiguration>"), http.StatusBadRequest, "MaxMessageLengthExceeded"},
		{"/Upper", nil, http.StatusBadRequest, "InvalidBucketName"},
		{"/ab", nil, http.StatusBadRequest, "InvalidBucketName"},
		{"/192.168.1.1", nil, http.StatusBadRequest, "InvalidBucketName"},
		{"/xn--abc", nil, http.StatusBadRequest, "InvalidBucketName"},
		{"/plain-bucket", nil, http.StatusConflict, "BucketAlreadyOwnedByYou"},
	} {
		resp, body := e.signed(t, http.MethodPut, tc.path, tc.body, nil)
		wantError(t, resp, body, tc.status, tc.code)
	}
	// Bob cannot have Alice's name.
	req := signV2(e.request(t, http.MethodPut, "/plain-bucket", nil), bobKey, bobSecret)
	resp, body = e.do(t, req)
	wantError(t, resp, body, http.StatusConflict, "BucketAlreadyExists")
	// No failed create left a bucket behind.
	resp, body = e.signed(t, http.MethodGet, "/", nil, nil)
	var res struct {
		Owner struct{ ID, DisplayName string }
		Names []string `xml:"Buckets>Bucket>Name"`
		Dates []string `xml:"Buckets>Bucket>CreationDate"`
	}
	if err := xml.Unmarshal(body, &res); err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Names, ",") != "empty-region,plain-bucket,with-region" || len(res.Dates) != 3 ||
		res.Owner.ID != "tenant-alice" || res.Owner.DisplayName != "Alice" {
		t.Errorf("ListBuckets = %+v", res)
	}
}

func TestBucketOps(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")

	resp, body := e.signed(t, http.MethodHead, "/bucket", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if got := resp.Header.Get("x-amz-bucket-region"); got != testRegion {
		t.Errorf("x-amz-bucket-region = %q", got)
	}
	resp, body = e.signed(t, http.MethodHead, "/missing", nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "")

	resp, body = e.signed(t, http.MethodGet, "/bucket?location", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if want := `<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></LocationConstraint>`; !strings.Contains(string(body), want) {
		t.Errorf("location body = %s", body)
	}

	e.mustPut(t, "bucket", "k", []byte("v"))
	resp, body = e.signed(t, http.MethodDelete, "/bucket", nil, nil)
	wantError(t, resp, body, http.StatusConflict, "BucketNotEmpty")
	resp, body = e.signed(t, http.MethodDelete, "/bucket/k", nil, nil)
	wantStatus(t, resp, body, http.StatusNoContent)
	resp, body = e.signed(t, http.MethodDelete, "/bucket", nil, nil)
	wantStatus(t, resp, body, http.StatusNoContent)
	resp, body = e.signed(t, http.MethodDelete, "/bucket", nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "NoSuchBucket")

	// Other tenants are refused.
	e.mustCreate(t, "alices")
	for _, method := range []string{http.MethodHead, http.MethodGet, http.MethodDelete} {
		resp, body := e.do(t, signV2(e.request(t, method, "/alices", nil), bobKey, bobSecret))
		wantError(t, resp, body, http.StatusForbidden, "AccessDenied")
	}
	resp, body = e.do(t, signV2(e.request(t, http.MethodGet, "/alices?location", nil), bobKey, bobSecret))
	wantError(t, resp, body, http.StatusForbidden, "AccessDenied")
}

func TestBucketLocationOtherRegion(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Region = "eu-central-1" })
	resp, body := e.signed(t, http.MethodPut, "/bucket", []byte(`<CreateBucketConfiguration><LocationConstraint>eu-central-1</LocationConstraint></CreateBucketConfiguration>`), nil)
	wantStatus(t, resp, body, http.StatusOK)
	e.mustCreate(t, "bucket2")
	for _, b := range []string{"bucket", "bucket2"} {
		resp, body = e.signed(t, http.MethodGet, "/"+b+"?location", nil, nil)
		wantStatus(t, resp, body, http.StatusOK)
		if !strings.Contains(string(body), ">eu-central-1</LocationConstraint>") {
			t.Errorf("%s location body = %s", b, body)
		}
		resp, body = e.signed(t, http.MethodHead, "/"+b, nil, nil)
		if got := resp.Header.Get("x-amz-bucket-region"); got != "eu-central-1" {
			t.Errorf("x-amz-bucket-region = %q", got)
		}
	}
	resp, body = e.signed(t, http.MethodPut, "/bucket3", []byte(`<CreateBucketConfiguration><LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>`), nil)
	wantError(t, resp, body, http.StatusBadRequest, "IllegalLocationConstraintException")
}

func TestRoutes(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	e.mustPut(t, "bucket", "key", []byte("v"))

	for _, tc := range []struct {
		method, path string
		status       int
		code         string
	}{
		{"PATCH", "/bucket/key", http.StatusMethodNotAllowed, "MethodNotAllowed"},
		{"OPTIONS", "/bucket", http.StatusBadRequest, "BadRequest"}, // a CORS preflight without Origin
		{http.MethodPost, "/bucket/key", http.StatusMethodNotAllowed, "MethodNotAllowed"},
		{http.MethodDelete, "/", http.StatusMethodNotAllowed, "MethodNotAllowed"},
		{http.MethodPut, "/bucket?acl", http.StatusBadRequest, "MissingSecurityHeader"}, // no ACL given
		{http.MethodPut, "/bucket/key?acl", http.StatusBadRequest, "MissingSecurityHeader"},
		{http.MethodPut, "/bucket?versioning", http.StatusBadRequest, "MalformedXML"}, // no document
		{http.MethodPut, "/bucket/key?versionId=x", http.StatusNotImplemented, "NotImplemented"},
		{http.MethodPost, "/bucket/key?uploads&versionId=x", http.StatusNotImplemented, "NotImplemented"},
		{http.MethodGet, "/bucket?location&versionId=x", http.StatusNotImplemented, "NotImplemented"},
		{http.MethodGet, "/bucket?cors", http.StatusNotFound, "NoSuchCORSConfiguration"},
		{http.MethodPost, "/bucket?cors", http.StatusNotImplemented, "NotImplemented"},
		{http.MethodGet, "/bucket/key?cors", http.StatusNotImplemented, "NotImplemented"},
		{http.MethodGet, "/bucket?policy", http.StatusNotFound, "NoSuchBucketPolicy"},
		{http.MethodGet, "/bucket?policyStatus", http.StatusNotFound, "NoSuchBucketPolicy"},
		{http.MethodGet, "/bucket?publicAccessBlock", http.StatusNotFound, "NoSuchPublicAccessBlockConfiguration"},
		{http.MethodPut, "/bucket?policy", http.StatusBadRequest, "MalformedPolicy"},
		{http.MethodGet, "/bucket?lifecycle", http.StatusNotFound, "NoSuchLifecycleConfiguration"},
		{http.MethodPost, "/bucket?lifecycle", http.StatusNotImplemented, "NotImplemented"},
		{http.MethodGet, "/bucket/key?lifecycle", http.StatusNotImplemented, "NotImplemented"},
		{http.MethodPut, "/bucket?lifecycle", http.StatusBadRequest, "MalformedXML"}, // no document
		// The multipart sub-resources never fall through to a plain route.
		{http.MethodPut, "/bucket/key?partNumber=1&uploadId=x", http.StatusNotFound, "NoSuchUpload"},
		{http.MethodPut, "/bucket/key?partNumber=1", http.StatusMethodNotAllowed, "MethodNotAllowed"},
		{http.MethodDelete, "/bucket/key?partNumber=1", http.StatusMethodNotAllowed, "MethodNotAllowed"},
		{http.MethodDelete, "/bucket/key?uploads", http.StatusMethodNotAllowed, "MethodNotAllowed"},
		{http.MethodGet, "/bucket/key?uploads", http.StatusMethodNotAllowed, "MethodNotAllowed"},
		{http.MethodPut, "/bucket?uploads", http.StatusMethodNotAllowed, "MethodNotAllowed"},
		{http.MethodDelete, "/bucket?uploads", http.StatusMethodNotAllowed, "MethodNotAllowed"},
		{http.MethodPost, "/bucket?uploadId=x", http.StatusMethodNotAllowed, "MethodNotAllowed"},
		{http.MethodGet, "/bucket?partNumber=1", http.StatusMethodNotAllowed, "MethodNotAllowed"},
		{http.MethodGet, "/bucket/key?partNumber=1&versionId=x", http.StatusNotFound, "NoSuchVersion"},
		{http.MethodPut, "/bucket/key?tagging", http.StatusBadRequest, "MalformedXML"}, // no document
		{http.MethodGet, "/bucket?tagging", http.StatusNotFound, "NoSuchTagSet"},
		{http.MethodGet, "/bucket/key?tagging&versionId=x", http.StatusNotFound, "NoSuchVersion"},
		{http.MethodGet, "/bucket/key?acl&versionId=x", http.StatusNotFound, "NoSuchVersion"},
		{http.MethodDelete, "/bucket/key?versionId=x", http.StatusBadRequest, "InvalidArgument"},
		{http.MethodGet, "/bucket/key?versionId=", http.StatusBadRequest, "InvalidArgument"},
		{http.MethodDelete, "/bucket/key?cors", http.StatusNotImplemented, "NotImplemented"},
		{http.MethodPut, "/bucket?cors", http.StatusBadRequest, "MalformedXML"}, // no document
		{http.MethodPost, "/bucket", http.StatusPreconditionFailed, "PreconditionFailed"},
	} {
		resp, body := e.signed(t, tc.method, tc.path, nil, nil)
		wantError(t, resp, body, tc.status, tc.code)
	}
	// None of the refused requests touched the bucket or the object.
	resp, body := e.signed(t, http.MethodGet, "/bucket/key", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if string(body) != "v" {
		t.Errorf("object = %q", body)
	}

	for _, path := range []string{"/bucket?acl", "/bucket/key?acl"} {
		resp, body := e.signed(t, http.MethodGet, path, nil, nil)
		wantStatus(t, resp, body, http.StatusOK)
		var acl struct {
			Owner  struct{ ID, DisplayName string }
			Grants []struct {
				Grantee struct {
					Type string `xml:"http://www.w3.org/2001/XMLSchema-instance type,attr"`
					ID   string
				}
				Permission string
			} `xml:"AccessControlList>Grant"`
		}
		if err := xml.Unmarshal(body, &acl); err != nil {
			t.Fatalf("%s: %v\n%s", path, err, body)
		}
		if acl.Owner.ID != "tenant-alice" || len(acl.Grants) != 1 || acl.Grants[0].Permission != "FULL_CONTROL" ||
			acl.Grants[0].Grantee.ID != "tenant-alice" || acl.Grants[0].Grantee.Type != "CanonicalUser" {
			t.Errorf("%s ACL = %+v\n%s", path, acl, body)
		}
	}
	resp, body = e.signed(t, http.MethodGet, "/bucket/nokey?acl", nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "NoSuchKey")
}
