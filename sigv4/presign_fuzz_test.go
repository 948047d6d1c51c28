package sigv4

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzVerifyPresigned covers the pre-signed form as FuzzVerify covers the
// header form: any request Presign has signed is accepted until it
// expires and refused after, and a signature changed in one character is
// refused, with a documented error.
func FuzzVerifyPresigned(f *testing.F) {
	for _, s := range []struct {
		method, target, hname, hvalue string
		ttl                           int64
	}{
		{"GET", "/test.txt", "", "", 86400},
		{"PUT", "/b/a%20b+c?uploadId=x%2By&partNumber=1", "X-Amz-Meta-A", " x \t y ", 60},
		{"GET", "/b/k?response-content-type=text%2Fplain&list-type=2&prefix=a%2Fb", "Content-Type", "a/b", 1},
		{"DELETE", "/b/%E2%82%AC/%2F/..//k", "X-Amz-Content-Sha256", EmptySHA256, 600},
		{"GET", "/b/k?%&&==&a=%", "", "", 3600},
		{"GET", "/b/k", "", "", -60},
		{"GET", "*", "X-AMZ-\u00e9", "\u00ff\x00", 10},
	} {
		f.Add(s.method, s.target, s.hname, s.hvalue, s.ttl)
	}
	f.Fuzz(func(t *testing.T, method, target, hname, hvalue string, ttl int64) {
		r := fuzzRequest(method, target)
		if r.URL == nil || hasQueryAuth(parseRawQuery(r.URL.RawQuery)) {
			return
		}
		if hname != "" {
			if !headerName(hname) {
				return // net/http never hands such a header over
			}
			r.Header[hname] = append(r.Header[hname], hvalue)
		}
		if shas := r.Header.Values("X-Amz-Content-Sha256"); len(shas) > 0 && !validPayloadHash(shas[0]) {
			return // Verify rightly refuses a present but invalid (or empty) payload hash
		}
		ttl %= 7 * 24 * 3600
		signedAt, expires := now, time.Duration(ttl)*time.Second
		if ttl < 0 { // signed long enough ago to have expired
			signedAt, expires = now.Add(-2*time.Duration(-ttl)*time.Second), time.Duration(-ttl)*time.Second
		}
		if expires < time.Second {
			expires = time.Second
		}
		p := Presign(r, exampleAccessKey, exampleSecret, "us-east-1", signedAt, expires)
		res, err := Verify(r, opts())
		switch {
		case ttl < 0 && !errors.Is(err, ErrExpired):
			t.Fatalf("expired pre-signed URL: %v", err)
		case ttl >= 0 && err != nil:
			t.Fatalf("own pre-signed URL refused: %v\n%q", err, res.CanonicalRequest)
		case err == nil && (!res.Presigned || res.AccessKey != exampleAccessKey):
			t.Fatalf("result %+v", res)
		}
		if ttl < 0 {
			return
		}
		flip := "0"
		if p.Signature[0] == '0' {
			flip = "1"
		}
		r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "X-Amz-Signature="+p.Signature, "X-Amz-Signature="+flip+p.Signature[1:], 1)
		if _, err := Verify(r, opts()); err == nil || sentinelOf(err) == nil {
			t.Fatalf("tampered pre-signed URL: %v", err)
		}
	})
}

// headerName reports whether s is an HTTP field name (RFC 9110 token).
func headerName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}
