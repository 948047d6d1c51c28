package policy

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzSeeds are policies from the tests, valid and not.
var fuzzSeeds = []string{
	stmt(`{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:GetObjectVersion"],"Resource":["arn:aws:s3:::amzn-s3-demo-bucket/*"]}`),
	stmt(`{"Sid":"RestrictToTLSRequestsOnly","Action":"s3:*","Effect":"Deny","Resource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}},"Principal":"*"}`),
	stmt(`{"Sid":"IPAllow","Effect":"Allow","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"],"Condition":{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:DB8:1234:5678::/64"]},"NotIpAddress":{"aws:SourceIp":["192.0.2.188/32","2001:DB8:1234:5678:ABCD::/80"]}}}`),
	stmt(`{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:root"]},"NotAction":"s3:Get*","NotResource":"arn:aws:s3:::amzn-s3-demo-bucket/public/*"}`),
	stmt(`{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::amzn-s3-demo-bucket","Condition":{"NumericLessThanEquals":{"s3:max-keys":"10"},"StringLike":{"s3:prefix":["","home/","home/David/*"]}}}`),
	stmt(`{"Effect":"Allow","Principal":{"CanonicalUser":"79a59df9"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*","Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control"},"Null":{"s3:x-amz-server-side-encryption":"true"}}}`),
	stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-04-01T00:00:00Z"},"DateLessThanIfExists":{"aws:EpochTime":4102444800}}}`),
	stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*","Condition":{"ForAllValues:StringLike":{"aws:TagKeys":["project","cost-*"]},"ForAnyValue:StringNotEqualsIgnoreCase":{"aws:UserAgent":["a","b"]}}}`),
	`{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-*"}}`,
	// Refused ones.
	``,
	`null`,
	`[]`,
	stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}`) + `}`,
	`{"Version":"2012-10-17","Statement":[]}`,
	`{"Version":"2012-10-18","Statement":[{}]}`,
	stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObjekt","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}`),
	stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket"}`),
	stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"}`),
	stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*","Condition":{"NumericEquals":{"s3:max-keys":"NaN"}}}`),
	stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*","Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.300/24"}}}`),
	stmt(`{"Sid":"A","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}`, `{"Sid":"A","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"*"}`),
}

// fuzzRequests are what a parsed policy is evaluated on.
var fuzzRequests = []Request{
	req("", "s3:GetObject", objARN),
	req("111122223333", "s3:ListBucket", bucketARN, "s3:prefix", "home/", "s3:max-keys", "10", "s3:delimiter", "/"),
	req("111122223333", "s3:PutObject", bucketARN+"/é/*?", "s3:x-amz-acl", "private", "aws:SourceIp", "2001:db8::1",
		"aws:SecureTransport", "true", "aws:CurrentTime", "2024-01-01T00:00:00Z", "aws:EpochTime", "1704067200",
		"aws:TagKeys", "a", "aws:TagKeys", "b", "aws:UserAgent", "x", "aws:Referer", "y"),
	req("79a59df9", "s3:DeleteObject", bucketARN+"/x", "aws:SourceIp", "not an ip", "s3:max-keys", "NaN", "aws:CurrentTime", "soon"),
}

// FuzzParse: Parse never panics, refuses only with a *Error, decides the
// same way twice, and a policy it takes evaluates without panicking.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		p, err := Parse(doc, bucket)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Reason == "" {
				t.Fatalf("error %T %v is not a *Error with a Reason", err, err)
			}
			if p != nil {
				t.Fatalf("a policy and an error: %+v", p)
			}
		} else if p == nil {
			t.Fatal("no policy and no error")
		}
		if _, err2 := Parse(doc, bucket); (err == nil) != (err2 == nil) {
			t.Fatalf("Parse decides differently twice: %v, then %v", err, err2)
		}
		if p == nil {
			return
		}
		for _, st := range p.Statements {
			if st.Effect != Allow && st.Effect != Deny {
				t.Fatalf("statement with effect %q", st.Effect)
			}
		}
		for _, r := range fuzzRequests {
			if d := p.Evaluate(r); d != NotApplicable && d != Allowed && d != Denied {
				t.Fatalf("Evaluate = %d", d)
			}
		}
		_ = p.Public()
	})
}

// wildcardRegexp is the reference for wildcardMatch: * is .*, ? is one
// character, everything else literal, the whole string matched.
func wildcardRegexp(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}

// FuzzWildcard compares wildcardMatch with a regular expression (on
// valid UTF-8; on anything it must not panic).
func FuzzWildcard(f *testing.F) {
	for _, tc := range [][2]string{
		{"*", ""}, {"a*b", "a*xb"}, {"*a", "*ba"}, {"?", "é"}, {"??", "é"}, {"a?c", "a/c"},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b/*x"}, {"home/*/public/*", "home/a/b/public/c"},
		{"log-????.txt", "log-2é24.txt"}, {"*?*?*", "日本"}, {"\\*.+", "\\x.+"}, {"a*", "\xff"},
	} {
		f.Add(tc[0], tc[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if len(pattern) > 64 || len(s) > 256 {
			return
		}
		got := wildcardMatch(pattern, s)
		if !utf8.ValidString(pattern) || !utf8.ValidString(s) {
			return
		}
		if want := wildcardRegexp(pattern).MatchString(s); got != want {
			t.Fatalf("wildcardMatch(%q, %q) = %v, the regexp says %v", pattern, s, got, want)
		}
	})
}
