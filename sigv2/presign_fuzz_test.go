package sigv2

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzVerifyPresigned covers the pre-signed form as FuzzVerify covers the
// header form: any request pre-signed as the AWS documentation says
// (AWSAccessKeyId, Expires, Signature over the string to sign with Expires
// for the date) is accepted until it expires and refused after, and a
// signature changed in one character is refused, with a documented error.
func FuzzVerifyPresigned(f *testing.F) {
	for _, s := range []struct {
		method, target, hname, hvalue string
		ttl                           int64
	}{
		{"GET", "/johnsmith/photos/puppy.jpg", "", "", 3600},
		{"GET", "/b/k?acl&versionId=1", "X-Amz-Meta-A", " x  y ", 60},
		{"PUT", "/b/a%20b?uploadId=x%2By&partNumber=1", "Content-Md5", "zz", 1},
		{"GET", "/b/k?response-content-type=text%2Fplain&response-content-disposition=a%3Bb", "", "", 86400},
		{"DELETE", "/b/%E2%82%AC/%2F/..//k", "Content-Type", "a/b", 10},
		{"GET", "/b/k", "", "", -1},
		{"GET", "/b/k?&&=&acl=&%", "X-AMZ-META-\u00e9", "\u00ff", 5},
	} {
		f.Add(s.method, s.target, s.hname, s.hvalue, s.ttl)
	}
	f.Fuzz(func(t *testing.T, method, target, hname, hvalue string, ttl int64) {
		r := fuzzRequest(method, target)
		if r.URL == nil || hasQueryAuth(parseQuery(r.URL.RawQuery)) || strings.ContainsAny(method, " \t\r\n") {
			return
		}
		if hname != "" {
			r.Header[hname] = append(r.Header[hname], hvalue)
		}
		ttl %= 7 * 24 * 3600
		expires := strconv.FormatInt(now.Add(time.Duration(ttl)*time.Second).Unix(), 10)
		resource := r.URL.EscapedPath()
		sig := Sign(exampleSecret, StringToSign(r, resource, expires))
		q := r.URL.RawQuery
		if q != "" {
			q += "&"
		}
		q += "AWSAccessKeyId=" + exampleAccessKey + "&Expires=" + expires + "&Signature=" + url.QueryEscape(sig)
		r.URL.RawQuery = q
		if !IsV2(r) {
			return // V4 query parameters in the target as well
		}
		res, err := Verify(r, resource, secrets, now)
		switch {
		case ttl < 0 && !errors.Is(err, ErrExpired):
			t.Fatalf("expired pre-signed URL: %v", err)
		case ttl >= 0 && err != nil:
			t.Fatalf("own pre-signed URL refused: %v (string %q)", err, res.StringToSign)
		case err == nil && (!res.Presigned || res.AccessKey != exampleAccessKey):
			t.Fatalf("result %+v", res)
		}
		if ttl < 0 {
			return
		}
		bad := []byte(sig)
		bad[0] ^= 1
		r.URL.RawQuery = strings.Replace(q, "Signature="+url.QueryEscape(sig), "Signature="+url.QueryEscape(string(bad)), 1)
		if _, err := Verify(r, resource, secrets, now); err == nil || !isSentinel(err) {
			t.Fatalf("tampered pre-signed URL: %v", err)
		}
	})
}
