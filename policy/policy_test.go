package policy

import (
	"strings"
	"testing"
)

// The bucket every test policy is about, as in the AWS documentation's
// examples.
const bucket = "amzn-s3-demo-bucket"

const (
	bucketARN = "arn:aws:s3:::" + bucket
	objARN    = bucketARN + "/photos/cat.jpg"
)

// stmt wraps statements (JSON objects, comma-separated) in a 2012-10-17
// policy document.
func stmt(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

// req builds a request; kv are condition key, value pairs (a key given
// twice has two values).
func req(principal, action, resource string, kv ...string) Request {
	r := Request{Principal: principal, Action: action, Resource: resource}
	if len(kv) > 0 {
		r.Context = map[string][]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			k := strings.ToLower(kv[i])
			r.Context[k] = append(r.Context[k], kv[i+1])
		}
	}
	return r
}

func mustParse(t *testing.T, doc string) *Policy {
	t.Helper()
	p, err := Parse([]byte(doc), bucket)
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, doc)
	}
	return p
}

type evalCase struct {
	req  Request
	want Decision
}

// TestEvaluate runs requests against policies built from the AWS
// documentation's bucket policy examples.
func TestEvaluate(t *testing.T) {
	const (
		acct  = "111122223333"
		other = "444455556666"
		get   = "s3:GetObject"
		put   = "s3:PutObject"
		list  = "s3:ListBucket"
	)
	tests := []struct {
		name  string
		doc   string
		cases []evalCase
	}{
		{
			// "Granting read-only permission to a public anonymous user".
			name: "public read",
			doc: stmt(`{"Sid":"PublicRead","Effect":"Allow","Principal":"*",
				"Action":["s3:GetObject","s3:GetObjectVersion"],"Resource":["arn:aws:s3:::amzn-s3-demo-bucket/*"]}`),
			cases: []evalCase{
				{req("", get, objARN), Allowed},
				{req(acct, get, objARN), Allowed},
				{req("", "s3:GetObjectVersion", objARN), Allowed},
				{req("", put, objARN), NotApplicable},
				{req("", list, bucketARN), NotApplicable},
				// Actions are case-insensitive.
				{req("", "S3:GETOBJECT", objARN), Allowed},
				// Resources are not.
				{req("", get, "arn:aws:s3:::AMZN-S3-DEMO-BUCKET/photos/cat.jpg"), NotApplicable},
				// "bucket/*" covers every key, slashes and odd characters included.
				{req("", get, bucketARN+"/a/b/c/d"), Allowed},
				{req("", get, bucketARN+"/"), Allowed},
				{req("", get, bucketARN+"/*star"), Allowed},
				{req("", get, bucketARN+"/a*b?c"), Allowed},
				{req("", get, bucketARN+"/ünïcødé/日本"), Allowed},
			},
		},
		{
			name: "default is NotApplicable",
			doc:  stmt(`{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/public/*"}`),
			cases: []evalCase{
				{req(acct, get, bucketARN+"/public/x"), Allowed},
				{req(acct, get, bucketARN+"/private/x"), NotApplicable},
				{req(other, get, bucketARN+"/public/x"), NotApplicable},
				{req("", get, bucketARN+"/public/x"), NotApplicable},
				{req(acct, "s3:DeleteObject", bucketARN+"/public/x"), NotApplicable},
			},
		},
		{
			name: "deny wins over allow",
			doc: stmt(
				`{"Sid":"AllowAll","Effect":"Allow","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"]}`,
				`{"Sid":"DenySecret","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/secret/*"}`,
				`{"Sid":"AllowSecretToAcct","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/secret/*"}`),
			cases: []evalCase{
				{req(acct, get, bucketARN+"/secret/plans"), Denied},
				{req("", get, bucketARN+"/secret/plans"), Denied},
				{req(acct, get, bucketARN+"/open/plans"), Allowed},
				{req(acct, put, bucketARN+"/secret/plans"), Allowed},
				{req(acct, list, bucketARN), Allowed},
			},
		},
		{
			name: "deny listed first still wins",
			doc: stmt(
				`{"Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}`,
				`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}`),
			cases: []evalCase{
				{req(acct, "s3:DeleteObject", objARN), Denied},
				{req(acct, get, objARN), Allowed},
			},
		},
		{
			name: `Principal {"AWS":"*"}`,
			doc:  stmt(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}`),
			cases: []evalCase{
				{req("", get, objARN), Allowed},
				{req(acct, get, objARN), Allowed},
			},
		},
		{
			name: `Principal {"AWS":[ids]} and root ARN`,
			doc: stmt(`{"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::444455556666:root"]},
				"Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}`),
			cases: []evalCase{
				{req(acct, get, objARN), Allowed},
				{req(other, put, objARN), Allowed},
				{req("777788889999", get, objARN), NotApplicable},
				{req("", get, objARN), NotApplicable},
				// Account ids are compared exactly.
				{req("11112222333", get, objARN), NotApplicable},
			},
		},
		{
			name: "Principal CanonicalUser",
			doc: stmt(`{"Effect":"Allow","Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},
				"Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}`),
			cases: []evalCase{
				{req("79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be", get, objARN), Allowed},
				{req(acct, get, objARN), NotApplicable},
				{req("", get, objARN), NotApplicable},
			},
		},
		{
			// NotPrincipal with Deny: everyone but the account named.
			name: "NotPrincipal with Deny",
			doc: stmt(`{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:root"]},
				"Action":"s3:*","Resource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"]}`),
			cases: []evalCase{
				{req(acct, get, objARN), NotApplicable},
				{req(acct, list, bucketARN), NotApplicable},
				{req(other, get, objARN), Denied},
				{req("", get, objARN), Denied},
			},
		},
		{
			name: "action wildcards",
			doc: stmt(`{"Effect":"Allow","Principal":"*","Action":["s3:Get*","s3:List?ucket"],
				"Resource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"]}`),
			cases: []evalCase{
				{req("", get, objARN), Allowed},
				{req("", "s3:GetObjectAcl", objARN), Allowed},
				{req("", "s3:getbucketlocation", bucketARN), Allowed},
				{req("", list, bucketARN), Allowed},
				{req("", "s3:ListBucketVersions", bucketARN), NotApplicable},
				{req("", put, objARN), NotApplicable},
			},
		},
		{
			name: `Action "*"`,
			doc:  stmt(`{"Effect":"Deny","Principal":"*","Action":"*","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}`),
			cases: []evalCase{
				{req(acct, "s3:DeleteObjectVersion", objARN), Denied},
				{req(acct, list, bucketARN), NotApplicable},
			},
		},
		{
			name: "NotAction",
			doc: stmt(`{"Effect":"Allow","Principal":"*","NotAction":["s3:Delete*","s3:PutObjectAcl"],
				"Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}`),
			cases: []evalCase{
				{req("", get, objARN), Allowed},
				{req("", put, objARN), Allowed},
				{req("", "s3:DeleteObject", objARN), NotApplicable},
				{req("", "s3:deleteobjectversion", objARN), NotApplicable},
				{req("", "s3:PutObjectACL", objARN), NotApplicable},
			},
		},
		{
			name: "resource wildcards",
			doc: stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject",
				"Resource":["arn:aws:s3:::amzn-s3-demo-bucket/home/*/public/*","arn:aws:s3:::amzn-s3-demo-bucket/log-????.txt"]}`),
			cases: []evalCase{
				{req("", get, bucketARN+"/home/alice/public/x"), Allowed},
				{req("", get, bucketARN+"/home/alice/deep/public/x"), Allowed},
				{req("", get, bucketARN+"/home/alice/private/x"), NotApplicable},
				{req("", get, bucketARN+"/log-2024.txt"), Allowed},
				{req("", get, bucketARN+"/log-24.txt"), NotApplicable},
				{req("", get, bucketARN+"/log-20245.txt"), NotApplicable},
				// ? is one character, not one byte.
				{req("", get, bucketARN+"/log-2é24.txt"), Allowed},
			},
		},
		{
			name: "bucket name wildcard in Resource",
			doc:  stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::amzn-s3-demo-*"}`),
			cases: []evalCase{
				{req("", list, bucketARN), Allowed},
				{req("", get, objARN), Allowed},
			},
		},
		{
			name: "NotResource",
			doc: stmt(`{"Effect":"Deny","Principal":"*","Action":"s3:GetObject",
				"NotResource":["arn:aws:s3:::amzn-s3-demo-bucket/public/*"]}`),
			cases: []evalCase{
				{req(acct, get, bucketARN+"/public/x"), NotApplicable},
				{req(acct, get, bucketARN+"/private/x"), Denied},
			},
		},
		{
			// "Managing access based on specific IP addresses", with IPv6.
			name: "IpAddress and NotIpAddress",
			doc: stmt(`{"Sid":"IPAllow","Effect":"Allow","Principal":"*","Action":"s3:*",
				"Resource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"],
				"Condition":{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:DB8:1234:5678::/64"]},
				"NotIpAddress":{"aws:SourceIp":["192.0.2.188/32","2001:DB8:1234:5678:ABCD::/80"]}}}`),
			cases: []evalCase{
				{req("", get, objARN, "aws:SourceIp", "192.0.2.1"), Allowed},
				{req("", get, objARN, "aws:SourceIp", "192.0.2.188"), NotApplicable},
				{req("", get, objARN, "aws:SourceIp", "192.0.3.1"), NotApplicable},
				{req("", get, objARN, "aws:SourceIp", "2001:db8:1234:5678::1"), Allowed},
				{req("", get, objARN, "aws:SourceIp", "2001:db8:1234:5678:abcd::1"), NotApplicable},
				{req("", get, objARN, "aws:SourceIp", "2001:db8:1234:5679::1"), NotApplicable},
				// An IPv4-mapped IPv6 address is its IPv4 address.
				{req("", get, objARN, "aws:SourceIp", "::ffff:192.0.2.7"), Allowed},
				{req("", get, objARN, "aws:SourceIp", "not an address"), NotApplicable},
				// No source address: IpAddress is false.
				{req("", get, objARN), NotApplicable},
			},
		},
		{
			name: "IpAddress single address",
			doc: stmt(`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*",
				"Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.9"}}}`),
			cases: []evalCase{
				{req(acct, get, objARN, "aws:SourceIp", "203.0.113.9"), Denied},
				{req(acct, get, objARN, "aws:SourceIp", "203.0.113.10"), NotApplicable},
			},
		},
		{
			// The classic "deny if not TLS" policy.
			name: "Bool aws:SecureTransport",
			doc: stmt(`{"Sid":"RestrictToTLSRequestsOnly","Action":"s3:*","Effect":"Deny",
				"Resource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"],
				"Condition":{"Bool":{"aws:SecureTransport":"false"}},"Principal":"*"}`),
			cases: []evalCase{
				{req(acct, get, objARN, "aws:SecureTransport", "false"), Denied},
				{req(acct, list, bucketARN, "aws:SecureTransport", "false"), Denied},
				{req(acct, get, objARN, "aws:SecureTransport", "true"), NotApplicable},
				// Bool compares case-insensitively.
				{req(acct, get, objARN, "aws:SecureTransport", "False"), Denied},
				// The key absent: a non-negated operator is false.
				{req(acct, get, objARN), NotApplicable},
			},
		},
		{
			name: "Bool with a JSON boolean",
			doc: stmt(`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*",
				"Condition":{"Bool":{"aws:SecureTransport":false}}}`),
			cases: []evalCase{
				{req(acct, get, objARN, "aws:SecureTransport", "false"), Denied},
				{req(acct, get, objARN, "aws:SecureTransport", "true"), NotApplicable},
			},
		},
		{
			// "Restricting access to a specific folder" (s3:prefix).
			name: "StringLike s3:prefix",
			doc: stmt(`{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::amzn-s3-demo-bucket",
				"Condition":{"StringLike":{"s3:prefix":["","home/","home/David/*"]}}}`),
			cases: []evalCase{
				{req(acct, list, bucketARN, "s3:prefix", ""), Allowed},
				{req(acct, list, bucketARN, "s3:prefix", "home/"), Allowed},
				{req(acct, list, bucketARN, "s3:prefix", "home/David/photos/"), Allowed},
				{req(acct, list, bucketARN, "s3:prefix", "home/Daniel/"), NotApplicable},
				{req(acct, list, bucketARN, "s3:prefix", "home/david/"), NotApplicable},
				{req(acct, list, bucketARN), NotApplicable},
			},
		},
		{
			// "Grant cross-account permissions to upload objects while
			// ensuring the bucket owner has full control".
			name: "StringEquals s3:x-amz-acl",
			doc: stmt(`{"Sid":"AllowPutWithFullControl","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},
				"Action":"s3:PutObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*",
				"Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control"}}}`),
			cases: []evalCase{
				{req(acct, put, objARN, "s3:x-amz-acl", "bucket-owner-full-control"), Allowed},
				{req(acct, put, objARN, "s3:x-amz-acl", "public-read"), NotApplicable},
				{req(acct, put, objARN, "s3:x-amz-acl", "Bucket-Owner-Full-Control"), NotApplicable},
				{req(acct, put, objARN), NotApplicable},
			},
		},
		{
			// The same requirement as a Deny: a negated operator with
			// the key absent is true, so a PUT without x-amz-acl is denied.
			name: "StringNotEquals s3:x-amz-acl deny",
			doc: stmt(`{"Sid":"RequireFullControl","Effect":"Deny","Principal":"*",
				"Action":"s3:PutObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*",
				"Condition":{"StringNotEquals":{"s3:x-amz-acl":"bucket-owner-full-control"}}}`),
			cases: []evalCase{
				{req(acct, put, objARN, "s3:x-amz-acl", "bucket-owner-full-control"), NotApplicable},
				{req(acct, put, objARN, "s3:x-amz-acl", "private"), Denied},
				{req(acct, put, objARN), Denied},
			},
		},
		{
			// Negated operators with several values: none of them (NOR).
			name: "negated operator, several values",
			doc: stmt(`{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*",
				"Condition":{"StringNotEquals":{"s3:x-amz-acl":["private","bucket-owner-full-control"]}}}`),
			cases: []evalCase{
				{req(acct, put, objARN, "s3:x-amz-acl", "private"), NotApplicable},
				{req(acct, put, objARN, "s3:x-amz-acl", "bucket-owner-full-control"), NotApplicable},
				{req(acct, put, objARN, "s3:x-amz-acl", "public-read"), Denied},
				{req(acct, put, objARN), Denied},
			},
		},
		{
			name: "StringNotLike, several values",
			doc: stmt(`{"Effect":"Deny","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::amzn-s3-demo-bucket",
				"Condition":{"StringNotLike":{"s3:prefix":["public/*","shared/*"]}}}`),
			cases: []evalCase{
				{req(acct, list, bucketARN, "s3:prefix", "public/a"), NotApplicable},
				{req(acct, list, bucketARN, "s3:prefix", "shared/"), NotApplicable},
				{req(acct, list, bucketARN, "s3:prefix", "private/"), Denied},
				{req(acct, list, bucketARN), Denied},
			},
		},
		{
			name: "StringEqualsIgnoreCase and StringNotEqualsIgnoreCase",
			doc: stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*",
				"Condition":{"StringEqualsIgnoreCase":{"aws:UserAgent":"MyApp/1.0"},"StringNotEqualsIgnoreCase":{"aws:Referer":"http://EVIL.example/"}}}`),
			cases: []evalCase{
				{req("", get, objARN, "aws:UserAgent", "myapp/1.0"), Allowed},
				{req("", get, objARN, "aws:UserAgent", "myapp/1.0", "aws:Referer", "http://evil.example/"), NotApplicable},
				{req("", get, objARN, "aws:UserAgent", "myapp/1.0", "aws:Referer", "http://good.example/"), Allowed},
				{req("", get, objARN, "aws:UserAgent", "curl/8"), NotApplicable},
			},
		},
		{
			// "Restricting access to a specific HTTP referer".
			name: "StringLike aws:Referer",
			doc: stmt(`{"Sid":"Allow get requests originating from www.example.com and example.com.","Effect":"Allow","Principal":"*",
				"Action":["s3:GetObject","s3:GetObjectVersion"],"Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*",
				"Condition":{"StringLike":{"aws:Referer":["http://www.example.com/*","http://example.com/*"]}}}`),
			cases: []evalCase{
				{req("", get, objARN, "aws:Referer", "http://www.example.com/page.html"), Allowed},
				{req("", get, objARN, "aws:Referer", "http://example.com/"), Allowed},
				{req("", get, objARN, "aws:Referer", "http://example.org/"), NotApplicable},
				{req("", get, objARN), NotApplicable},
			},
		},
		{
			// "Limiting the maximum number of keys".
			name: "NumericLessThanEquals s3:max-keys",
			doc: stmt(`{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::amzn-s3-demo-bucket",
				"Condition":{"NumericLessThanEquals":{"s3:max-keys":"10"}}}`),
			cases: []evalCase{
				{req(acct, list, bucketARN, "s3:max-keys", "10"), Allowed},
				{req(acct, list, bucketARN, "s3:max-keys", "3"), Allowed},
				{req(acct, list, bucketARN, "s3:max-keys", "11"), NotApplicable},
				{req(acct, list, bucketARN, "s3:max-keys", "1000"), NotApplicable},
				{req(acct, list, bucketARN, "s3:max-keys", "ten"), NotApplicable},
				// Not numbers: no comparison holds (NaN compares equal to
				// nothing, not to everything).
				{req(acct, list, bucketARN, "s3:max-keys", "NaN"), NotApplicable},
				{req(acct, list, bucketARN, "s3:max-keys", "-Inf"), NotApplicable},
				{req(acct, list, bucketARN, "s3:max-keys", "0x1p2"), NotApplicable},
				{req(acct, list, bucketARN), NotApplicable},
			},
		},
		{
			name: "numeric operators",
			doc: stmt(
				`{"Sid":"gt","Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::amzn-s3-demo-bucket","Condition":{"NumericGreaterThan":{"s3:max-keys":100},"NumericLessThan":{"s3:max-keys":200}}}`,
				`{"Sid":"ne","Effect":"Deny","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::amzn-s3-demo-bucket","Condition":{"NumericNotEquals":{"s3:max-keys":["150","160","1000"]}}}`),
			cases: []evalCase{
				{req(acct, list, bucketARN, "s3:max-keys", "150"), Allowed},
				{req(acct, list, bucketARN, "s3:max-keys", "160.0"), Allowed},
				{req(acct, list, bucketARN, "s3:max-keys", "155"), Denied},
				{req(acct, list, bucketARN, "s3:max-keys", "1000"), NotApplicable},
				{req(acct, list, bucketARN), Denied},
			},
		},
		{
			name: "NumericEquals, GreaterThanEquals",
			doc: stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::amzn-s3-demo-bucket",
				"Condition":{"NumericEquals":{"s3:max-keys":["5","7"]},"NumericGreaterThanEquals":{"s3:max-keys":"6"}}}`),
			cases: []evalCase{
				{req(acct, list, bucketARN, "s3:max-keys", "5"), NotApplicable},
				{req(acct, list, bucketARN, "s3:max-keys", "7"), Allowed},
				{req(acct, list, bucketARN, "s3:max-keys", "6"), NotApplicable},
			},
		},
		{
			// "Allows access based on date and time".
			name: "DateGreaterThan and DateLessThan aws:CurrentTime",
			doc: stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*",
				"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-04-01T00:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2020-06-30T23:59:59Z"}}}`),
			cases: []evalCase{
				{req("", get, objARN, "aws:CurrentTime", "2020-05-15T12:00:00Z"), Allowed},
				{req("", get, objARN, "aws:CurrentTime", "2020-04-01T00:00:01Z"), Allowed},
				{req("", get, objARN, "aws:CurrentTime", "2020-04-01T00:00:00Z"), NotApplicable},
				{req("", get, objARN, "aws:CurrentTime", "2020-03-31T23:00:00-02:00"), Allowed},
				{req("", get, objARN, "aws:CurrentTime", "2020-07-01T00:00:00Z"), NotApplicable},
				{req("", get, objARN, "aws:CurrentTime", "2019-12-31T23:59:59.999Z"), NotApplicable},
				{req("", get, objARN), NotApplicable},
			},
		},
		{
			name: "Date operators with epoch time and far dates",
			doc: stmt(
				`{"Sid":"until","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*","Condition":{"DateLessThan":{"aws:CurrentTime":"9999-12-31T23:59:59Z"}}}`,
				`{"Sid":"after","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*","Condition":{"DateGreaterThanEquals":{"aws:EpochTime":"4102444800"}}}`),
			cases: []evalCase{
				{req("", get, objARN, "aws:CurrentTime", "2024-01-01T00:00:00Z"), Allowed},
				{req("", get, objARN, "aws:CurrentTime", "2300-01-01T00:00:00Z"), Allowed},
				{req("", get, objARN, "aws:EpochTime", "1700000000"), NotApplicable},
				{req("", get, objARN, "aws:EpochTime", "4102444800"), Denied},
				{req("", get, objARN, "aws:CurrentTime", "2024-01-01T00:00:00Z", "aws:EpochTime", "4102444801"), Denied},
			},
		},
		{
			name: "DateEquals, DateNotEquals",
			doc: stmt(`{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*",
				"Condition":{"DateNotEquals":{"aws:CurrentTime":["2024-02-29T00:00:00Z","2024-03-01T00:00:00Z"]}}}`),
			cases: []evalCase{
				{req("", get, objARN, "aws:CurrentTime", "2024-02-29T00:00:00Z"), NotApplicable},
				{req("", get, objARN, "aws:CurrentTime", "2024-02-29T01:00:00+01:00"), NotApplicable},
				{req("", get, objARN, "aws:CurrentTime", "2024-03-02T00:00:00Z"), Denied},
				{req("", get, objARN), Denied},
			},
		},
		{
			// ...IfExists: true when the key is absent, the operator
			// otherwise.
			name: "IfExists",
			doc: stmt(
				`{"Sid":"a","Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::amzn-s3-demo-bucket","Condition":{"NumericLessThanEqualsIfExists":{"s3:max-keys":"10"}}}`,
				`{"Sid":"d","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*","Condition":{"StringNotLikeIfExists":{"aws:Referer":"http://www.example.com/*"}}}`,
				`{"Sid":"i","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*","Condition":{"IpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}}}`),
			cases: []evalCase{
				{req(acct, list, bucketARN), Allowed},
				{req(acct, list, bucketARN, "s3:max-keys", "5"), Allowed},
				{req(acct, list, bucketARN, "s3:max-keys", "50"), NotApplicable},
				// StringNotLikeIfExists without the key is true: denied.
				{req(acct, get, objARN), Denied},
				{req(acct, get, objARN, "aws:Referer", "http://www.example.com/x"), NotApplicable},
				{req(acct, get, objARN, "aws:Referer", "http://other.example/x"), Denied},
				{req(acct, put, objARN), Denied},
				{req(acct, put, objARN, "aws:SourceIp", "10.1.2.3"), Denied},
				{req(acct, put, objARN, "aws:SourceIp", "192.0.2.1"), NotApplicable},
			},
		},
		{
			// "Require server-side encryption": Null true = the key absent.
			name: "Null",
			doc: stmt(
				`{"Sid":"DenyUnencrypted","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*","Condition":{"Null":{"s3:x-amz-server-side-encryption":"true"}}}`,
				`{"Sid":"AllowWithAcl","Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*","Condition":{"Null":{"s3:x-amz-acl":false}}}`),
			cases: []evalCase{
				{req(acct, put, objARN), Denied},
				{req(acct, put, objARN, "s3:x-amz-acl", "private"), Denied},
				{req(acct, put, objARN, "s3:x-amz-server-side-encryption", "AES256"), NotApplicable},
				{req(acct, put, objARN, "s3:x-amz-server-side-encryption", "AES256", "s3:x-amz-acl", "private"), Allowed},
			},
		},
		{
			name: "ForAnyValue and ForAllValues",
			doc: stmt(
				`{"Sid":"any","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":["project","team"]}}}`,
				`{"Sid":"all","Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*","Condition":{"ForAllValues:StringLike":{"aws:TagKeys":["project","cost-*"]}}}`),
			cases: []evalCase{
				{req("", get, objARN, "aws:TagKeys", "owner", "aws:TagKeys", "team"), Allowed},
				{req("", get, objARN, "aws:TagKeys", "owner", "aws:TagKeys", "env"), NotApplicable},
				// ForAnyValue with the key absent is false.
				{req("", get, objARN), NotApplicable},
				{req("", put, objARN, "aws:TagKeys", "project", "aws:TagKeys", "cost-center"), Allowed},
				{req("", put, objARN, "aws:TagKeys", "project", "aws:TagKeys", "owner"), NotApplicable},
				// ForAllValues with the key absent is true.
				{req("", put, objARN), Allowed},
			},
		},
		{
			name: "ForAnyValue with a negated operator",
			doc: stmt(`{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*",
				"Condition":{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["project","team"]}}}`),
			cases: []evalCase{
				{req("", put, objARN, "aws:TagKeys", "project", "aws:TagKeys", "team"), NotApplicable},
				{req("", put, objARN, "aws:TagKeys", "project", "aws:TagKeys", "other"), Denied},
				{req("", put, objARN), NotApplicable},
			},
		},
		{
			// Keys and operators ANDed, values ORed.
			name: "conditions AND across keys and operators, OR across values",
			doc: stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::amzn-s3-demo-bucket",
				"Condition":{"StringEquals":{"s3:prefix":["projects/","docs/"],"s3:delimiter":"/"},
				"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.0.2.0/24"]},"Bool":{"aws:SecureTransport":"true"}}}`),
			cases: []evalCase{
				{req("", list, bucketARN, "s3:prefix", "projects/", "s3:delimiter", "/", "aws:SourceIp", "10.9.9.9", "aws:SecureTransport", "true"), Allowed},
				{req("", list, bucketARN, "s3:prefix", "docs/", "s3:delimiter", "/", "aws:SourceIp", "192.0.2.9", "aws:SecureTransport", "true"), Allowed},
				{req("", list, bucketARN, "s3:prefix", "other/", "s3:delimiter", "/", "aws:SourceIp", "10.9.9.9", "aws:SecureTransport", "true"), NotApplicable},
				{req("", list, bucketARN, "s3:prefix", "docs/", "aws:SourceIp", "10.9.9.9", "aws:SecureTransport", "true"), NotApplicable},
				{req("", list, bucketARN, "s3:prefix", "docs/", "s3:delimiter", "/", "aws:SourceIp", "172.16.0.1", "aws:SecureTransport", "true"), NotApplicable},
				{req("", list, bucketARN, "s3:prefix", "docs/", "s3:delimiter", "/", "aws:SourceIp", "10.9.9.9", "aws:SecureTransport", "false"), NotApplicable},
			},
		},
		{
			name: "condition key names are case-insensitive",
			doc: stmt(`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*",
				"Condition":{"bool":{"AWS:SECURETRANSPORT":"false"}}}`),
			cases: []evalCase{
				{req(acct, get, objARN, "aws:securetransport", "false"), Denied},
			},
		},
		{
			name: "ArnLike",
			doc: stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*",
				"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:logs:*:111122223333:*"}}}`),
			cases: []evalCase{
				{req("", put, objARN, "aws:SourceArn", "arn:aws:logs:us-east-1:111122223333:log-group:x"), Allowed},
				{req("", put, objARN, "aws:SourceArn", "arn:aws:logs:us-east-1:444455556666:log-group:x"), NotApplicable},
			},
		},
		{
			name: "single statement object, no Version",
			doc:  `{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}}`,
			cases: []evalCase{
				{req("", get, objARN), Allowed},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mustParse(t, tc.doc)
			for _, c := range tc.cases {
				if got := p.Evaluate(c.req); got != c.want {
					t.Errorf("Evaluate(%s %s by %q, context %v) = %v, want %v", c.req.Action, c.req.Resource, c.req.Principal, c.req.Context, got, c.want)
				}
			}
		})
	}
}

func TestEvaluateNil(t *testing.T) {
	var p *Policy
	if got := p.Evaluate(req("", "s3:GetObject", objARN)); got != NotApplicable {
		t.Errorf("nil policy: %v", got)
	}
	if p.Public() {
		t.Error("nil policy is public")
	}
}

func TestDecisionString(t *testing.T) {
	for d, want := range map[Decision]string{NotApplicable: "NotApplicable", Allowed: "Allowed", Denied: "Denied"} {
		if got := d.String(); got != want {
			t.Errorf("%d.String() = %q", d, got)
		}
	}
}
