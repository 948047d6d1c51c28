package sigv2

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzVerify checks that Verify never panics on arbitrary header and query
// input, returns only its documented errors, and that signing the AWS string
// to sign of any request (with a valid date and no query authentication)
// makes Verify accept it. Without -fuzz it runs the seed corpus below.
func FuzzVerify(f *testing.F) {
	date := now.Format(http.TimeFormat)
	seeds := []struct{ method, target, auth, date, amzDate, hname, hvalue, resource string }{
		{"GET", "/photos/puppy.jpg", "AWS AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU=", "Tue, 27 Mar 2007 19:36:42 +0000", "", "", "", "/johnsmith/photos/puppy.jpg"},
		{"GET", "/b/k?acl&versionId=1", "AWS AKIAIOSFODNN7EXAMPLE:abc=", date, "", "X-Amz-Meta-A", " x \r\n y ", "/b/k"},
		{"PUT", "/b/a%20b?uploadId=x%2By&partNumber=1", "AWS ", "", date, "Content-Md5", "zz", "/b/a%20b"},
		{"GET", "/b/k?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1&Signature=a%2Bb", "", "", "", "", "", "/b/k"},
		{"GET", "/b/k?AWSAccessKeyId=&Expires=99999999999999999999&Signature=", "", "", "", "", "", "/b/k"},
		{"GET", "/b/k?Signature=%zz&Expires=-1", "AWS x:y", "", "", "", "", "/b/k"},
		{"DELETE", "/b/%ZZ?response-content-type=%", "AWS ::::", "Bad Date", "yesterday", "x-amz-date", "", "/b/%ZZ"},
		{"GET", "http://h.example/b/k?x-amz-security-token=t&AWSAccessKeyId=a", "", "", "", "x-amz-", "", "/b/k"},
		{"", "", "AWS", "", "", "", "", ""},
		{"GET", "*", "AWS a:b", date, "", "", "", "*"},
		{"GET", "/b/k?&&=&acl=&acl&==&%", "AWS\tak:sig", date, date, "X-AMZ-META-\u00e9", "\u00ff\x00", "/\xff"},
	}
	for _, s := range seeds {
		f.Add(s.method, s.target, s.auth, s.date, s.amzDate, s.hname, s.hvalue, s.resource)
	}
	f.Fuzz(func(t *testing.T, method, target, auth, date, amzDate, hname, hvalue, resource string) {
		r := fuzzRequest(method, target)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		if date != "" {
			r.Header.Set("Date", date)
		}
		if amzDate != "" {
			r.Header.Set("X-Amz-Date", amzDate)
		}
		if hname != "" {
			r.Header[hname] = append(r.Header[hname], hvalue)
		}
		isV2 := IsV2(r)
		_, err := Verify(r, resource, secrets, now)
		if err == nil && !isV2 {
			t.Fatal("verified a request IsV2 rejects")
		}
		if err != nil && !isSentinel(err) {
			t.Fatalf("undocumented error %v", err)
		}
		if r.URL != nil && hasQueryAuth(parseQuery(r.URL.RawQuery)) {
			return
		}
		// Round trip: the documented string to sign is always accepted.
		for k := range r.Header {
			if strings.EqualFold(k, "X-Amz-Date") {
				delete(r.Header, k) // also a non-canonical key set by hname
			}
		}
		r.Header.Set("Date", now.Format(http.TimeFormat))
		signHeader(r, StringToSign(r, resource, ""))
		if res, err := Verify(r, resource, secrets, now); err != nil {
			t.Fatalf("own signature refused: %v (string %q)", err, res.StringToSign)
		}
	})
}

// fuzzRequest builds a server-side request without validating the target,
// so that odd targets reach Verify (an empty target leaves URL nil).
func fuzzRequest(method, target string) *http.Request {
	r := &http.Request{Method: method, Header: http.Header{}, RequestURI: target}
	if target == "" {
		return r
	}
	if u, err := url.ParseRequestURI(target); err == nil {
		r.URL = u
	} else {
		path, query, _ := strings.Cut(target, "?")
		r.URL = &url.URL{Path: path, RawQuery: query}
	}
	return r
}

func isSentinel(err error) bool {
	for _, s := range []error{ErrNoAuth, ErrMalformed, ErrInvalidAccessKeyID, ErrSignatureDoesNotMatch,
		ErrRequestTimeTooSkewed, ErrMissingDate, ErrExpired} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}
