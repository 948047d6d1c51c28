package frontend

import (
	"encoding/xml"
	"net/http"
	"testing"
)

// FuzzPutBucketPolicy sends PUT /bucket?policy with the fuzzed document:
// never a panic nor a 5xx; a refusal is 400 MalformedPolicy (403 for a
// public policy under BlockPublicPolicy is not set up here); a policy
// taken reads back byte for byte and decides a few requests.
func FuzzPutBucketPolicy(f *testing.F) {
	for _, s := range []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*"}]}`,
		`{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"tenant-alice"},"Action":"s3:*","Resource":["arn:aws:s3:::bucket","arn:aws:s3:::bucket/*"]}}`,
		`{"Statement":[{"Effect":"Deny","Principal":"*","NotAction":"s3:Get*","NotResource":"arn:aws:s3:::bucket/pub/*","Condition":{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","::1"]},"BoolIfExists":{"aws:SecureTransport":false}}}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":{"CanonicalUser":"bob-id"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::bucket","Condition":{"StringLike":{"s3:prefix":["home/*",""]},"NumericLessThanEquals":{"s3:max-keys":10}}}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"},"ForAnyValue:StringEquals":{"aws:UserAgent":["a","b"]},"Null":{"aws:Referer":"true"}}}]}`,
		`{"Statement":[`, `[]`, `{}`, `null`, `{"Statement":[]}`, `{"Version":"2012-10-17","Statement":[{}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		h := aclFuzzServer(t)
		rec := serveSigned(h, http.MethodPut, "/bucket?policy", body)
		switch {
		case rec.Code == http.StatusNoContent:
		case rec.Code == http.StatusBadRequest:
			var doc errorDoc
			if err := xml.Unmarshal(rec.Body.Bytes(), &doc); err != nil || doc.Code != "MalformedPolicy" {
				t.Fatalf("400 without MalformedPolicy (%v) for %q:\n%s", err, body, rec.Body)
			}
			return
		default:
			t.Fatalf("status %d for %q:\n%s", rec.Code, body, rec.Body)
		}
		got := serveSigned(h, http.MethodGet, "/bucket?policy", nil)
		if got.Code != http.StatusOK {
			t.Fatalf("GET ?policy after a PUT taken: %d %s", got.Code, got.Body)
		}
		for _, r := range []struct{ method, path string }{
			{http.MethodGet, "/bucket?prefix=home/&max-keys=5"},
			{http.MethodPut, "/bucket/k"},
			{http.MethodGet, "/bucket/k"},
			{http.MethodGet, "/bucket?policyStatus"},
		} {
			if rec := serveSigned(h, r.method, r.path, nil); rec.Code >= 500 {
				t.Fatalf("%s %s under policy %q: %d %s", r.method, r.path, body, rec.Code, rec.Body)
			}
		}
	})
}
