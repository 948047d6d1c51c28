package policy

import "testing"

// BenchmarkEvaluate measures deciding one request against a policy of
// the size users write (four statements, conditions on the source
// address and TLS): the cost the authorization step adds to a request on
// a bucket that has a policy (docs/access-control.md).
func BenchmarkEvaluate(b *testing.B) {
	p, err := Parse([]byte(`{"Version":"2012-10-17","Statement":[
		{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"},
		{"Sid":"Drafts","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/drafts/*"},
		{"Sid":"Office","Effect":"Allow","Principal":{"AWS":["acct-1","arn:aws:iam::acct-2:root"]},"Action":["s3:PutObject","s3:DeleteObject","s3:List*"],
		 "Resource":["arn:aws:s3:::site","arn:aws:s3:::site/*"],"Condition":{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:db8::/32"]}}},
		{"Sid":"TLS","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::site","arn:aws:s3:::site/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`), "site")
	if err != nil {
		b.Fatal(err)
	}
	req := Request{Principal: "acct-2", Action: "s3:PutObject", Resource: "arn:aws:s3:::site/img/logo.png",
		Context: map[string][]string{"aws:sourceip": {"192.0.2.7"}, "aws:securetransport": {"true"}}}
	b.ReportAllocs()
	for b.Loop() {
		if p.Evaluate(req) != Allowed {
			b.Fatal("not allowed")
		}
	}
}
