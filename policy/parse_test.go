package policy

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Parsing policy documents: what S3 accepts and what it refuses.

// TestParseAccepts checks documents S3 takes and what Parse makes of them.
func TestParseAccepts(t *testing.T) {
	p := mustParse(t, `{
  "Version": "2012-10-17",
  "Id": "S3PolicyId1",
  "Statement": [
    {
      "Sid": "IPAllow",
      "Effect": "Allow",
      "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "444455556666"], "CanonicalUser": "abc123"},
      "Action": ["s3:GetObject", "S3:ListBucket"],
      "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket", "arn:aws:s3:::amzn-s3-demo-bucket/*"],
      "Condition": {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}, "ForAnyValue:StringLikeIfExists": {"s3:prefix": ["a*", "b"]}}
    },
    {"Sid": "D", "Effect": "Deny", "NotPrincipal": {"AWS": "111122223333"}, "NotAction": "s3:GetObject", "NotResource": "arn:aws:s3:::amzn-s3-demo-bucket/public/*"}
  ]
}`)
	if p.Version != "2012-10-17" || p.ID != "S3PolicyId1" || len(p.Statements) != 2 {
		t.Fatalf("policy: %+v", p)
	}
	s := p.Statements[0]
	if s.Sid != "IPAllow" || s.Effect != Allow || s.Principal == nil || s.Principal.Everyone || s.NotPrincipal != nil {
		t.Errorf("statement 0: %+v", s)
	}
	accts := strings.Join(s.Principal.Accounts, ",")
	for _, a := range []string{"111122223333", "444455556666", "abc123"} {
		if !strings.Contains(accts, a) {
			t.Errorf("accounts %q lack %s", accts, a)
		}
	}
	if strings.Join(s.Action, ",") != "s3:getobject,s3:listbucket" {
		t.Errorf("actions: %q", s.Action)
	}
	if len(s.Resource) != 2 || len(s.Conditions) != 2 {
		t.Errorf("resources %q conditions %+v", s.Resource, s.Conditions)
	}
	for _, c := range s.Conditions {
		switch c.Key {
		case "aws:sourceip":
			if c.Operator != "IpAddress" || strings.Join(c.Values, ",") != "192.0.2.0/24" {
				t.Errorf("condition %+v", c)
			}
		case "s3:prefix":
			if c.Operator != "ForAnyValue:StringLikeIfExists" || !c.ifExists || c.set != "foranyvalue" {
				t.Errorf("condition %+v", c)
			}
		default:
			t.Errorf("condition key %q", c.Key)
		}
	}
	d := p.Statements[1]
	if d.Effect != Deny || d.NotPrincipal == nil || d.NotAction == nil || d.NotResource == nil || d.Principal != nil || d.Action != nil || d.Resource != nil {
		t.Errorf("statement 1: %+v", d)
	}

	for name, doc := range map[string]string{
		"2008 version":              `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}]}`,
		"resource *":                stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}`),
		"action *":                  stmt(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:s3:::amzn-s3-demo-bucket"}`),
		"wildcard action on bucket": stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:Get*","Resource":"arn:aws:s3:::amzn-s3-demo-bucket"}`),
		"mixed kinds":               stmt(`{"Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:ListBucket"],"Resource":"arn:aws:s3:::amzn-s3-demo-bucket"}`),
		"bucket wildcard":           stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucke?/*"}`),
		"empty sids":                stmt(`{"Sid":"","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}`, `{"Sid":"","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}`),
		"numeric values":            stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::amzn-s3-demo-bucket","Condition":{"NumericLessThan":{"s3:max-keys":[10, 2.5e1, "-3"]}}}`),
		"date only":                 stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*","Condition":{"DateLessThan":{"aws:CurrentTime":"2030-01-01"}}}`),
		"empty condition":           stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*","Condition":{}}`),
		"exactly 20 KB":             padTo(MaxSize),
		"surrounding spaces":        "\n\t " + stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}`) + " \n",
	} {
		if _, err := Parse([]byte(doc), bucket); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// padTo is a valid policy of exactly n bytes (its Sid padded).
func padTo(n int) string {
	doc := stmt(`{"Sid":"%s","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}`)
	return fmt.Sprintf(doc, strings.Repeat("x", n-len(doc)+2))
}

// TestParseRefuses checks that Parse refuses what S3 refuses, with a
// *Error naming the problem.
func TestParseRefuses(t *testing.T) {
	good := `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}`
	with := func(field, value string) string { // good with one field set or (value "") removed
		var parts []string
		for _, f := range []string{"Effect", "Principal", "Action", "Resource"} {
			v := map[string]string{"Effect": `"Allow"`, "Principal": `"*"`, "Action": `"s3:GetObject"`, "Resource": `"arn:aws:s3:::amzn-s3-demo-bucket/*"`}[f]
			if f == field {
				if value == "" {
					continue
				}
				v = value
			}
			parts = append(parts, fmt.Sprintf("%q:%s", f, v))
		}
		if field != "" && !strings.Contains("Effect Principal Action Resource", field) {
			parts = append(parts, fmt.Sprintf("%q:%s", field, value))
		}
		return stmt("{" + strings.Join(parts, ",") + "}")
	}
	cond := func(c string) string {
		return stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*","Condition":` + c + `}`)
	}
	tests := []struct {
		name, doc, reason string
	}{
		{"empty", ``, "invalid Json"},
		{"not JSON", `Version: 2012-10-17`, "invalid Json"},
		{"truncated", stmt(good)[:40], "invalid Json"},
		{"array", `[` + stmt(good) + `]`, "invalid Json"},
		{"null", `null`, "invalid Json"},
		{"string", `"policy"`, "invalid Json"},
		{"trailing object", stmt(good) + stmt(good), "invalid Json"},
		{"trailing brace", stmt(good) + `}`, "invalid Json"},
		{"trailing bracket", stmt(good) + `]`, "invalid Json"},
		{"trailing garbage", stmt(good) + ` x`, "invalid Json"},
		{"unknown top-level field", `{"Version":"2012-10-17","Statement":[` + good + `],"Extra":1}`, "Unknown field Extra"},
		{"lowercase field", `{"version":"2012-10-17","Statement":[` + good + `]}`, "Unknown field version"},
		{"bad Version", `{"Version":"2012-10-18","Statement":[` + good + `]}`, "valid version"},
		{"Version number", `{"Version":2012,"Statement":[` + good + `]}`, "Invalid Version"},
		{"no Statement", `{"Version":"2012-10-17"}`, "Missing required field Statement"},
		{"empty Statement", `{"Version":"2012-10-17","Statement":[]}`, "Statement is empty"},
		{"Statement string", `{"Version":"2012-10-17","Statement":"x"}`, "Invalid Statement"},
		{"Statement null", `{"Version":"2012-10-17","Statement":null}`, "Invalid Statement"},
		{"missing Effect", with("Effect", ""), "Missing required field Effect"},
		{"bad Effect", with("Effect", `"Permit"`), "Invalid effect"},
		{"lowercase Effect", with("Effect", `"allow"`), "Invalid effect"},
		{"missing Principal", with("Principal", ""), "Missing required field Principal"},
		{"bad Principal string", with("Principal", `"everyone"`), "Invalid principal"},
		{"empty Principal", with("Principal", `{}`), "Invalid principal"},
		{"Service principal", with("Principal", `{"Service":"logging.s3.amazonaws.com"}`), "Invalid principal"},
		{"bad account id", with("Principal", `{"AWS":"not an id!"}`), "Invalid principal"},
		{"bad root arn", with("Principal", `{"AWS":"arn:aws:iam::111122223333:user/bob"}`), "Invalid principal"},
		{"empty account list", with("Principal", `{"AWS":[]}`), "Invalid principal"},
		{"CanonicalUser *", with("Principal", `{"CanonicalUser":"*"}`), "Invalid principal"},
		{"Principal and NotPrincipal", with("NotPrincipal", `{"AWS":"111122223333"}`), "both Principal and NotPrincipal"},
		{"NotPrincipal with Allow", stmt(`{"Effect":"Allow","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}`), "NotPrincipal"},
		{"missing Action", with("Action", ""), "Missing required field Action"},
		{"invalid action", with("Action", `"s3:GetObjekt"`), "invalid action: s3:GetObjekt"},
		{"other service", with("Action", `"iam:PassRole"`), "invalid action"},
		{"empty action list", with("Action", `[]`), "invalid action"},
		{"action number", with("Action", `7`), "invalid action"},
		{"s3: alone", with("Action", `"s3:"`), "invalid action"},
		{"Action and NotAction", with("NotAction", `"s3:PutObject"`), "both Action and NotAction"},
		{"missing Resource", with("Resource", ""), "Missing required field Resource"},
		{"other bucket", with("Resource", `"arn:aws:s3:::other-bucket/*"`), "invalid resource"},
		{"one of several in another bucket", with("Resource", `["arn:aws:s3:::amzn-s3-demo-bucket/*","arn:aws:s3:::other-bucket/*"]`), "invalid resource"},
		{"not an s3 arn", with("Resource", `"arn:aws:iam::111122223333:root"`), "invalid resource"},
		{"empty arn", with("Resource", `"arn:aws:s3:::"`), "invalid resource"},
		{"Resource and NotResource", with("NotResource", `"arn:aws:s3:::amzn-s3-demo-bucket/x"`), "both Resource and NotResource"},
		{"object action on bucket", with("Resource", `"arn:aws:s3:::amzn-s3-demo-bucket"`), "Action does not apply to any resource(s) in statement"},
		{"bucket action on objects", stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}`), "Action does not apply to any resource(s) in statement"},
		{"unknown statement field", with("Conditions", `{}`), "Unknown field Conditions"},
		{"statement not an object", `{"Version":"2012-10-17","Statement":["x"]}`, "Invalid Statement"},
		{"duplicate Sid", stmt(`{"Sid":"A",`+good[1:], `{"Sid":"A",`+good[1:]), "unique"},
		{"too large", padTo(MaxSize + 1), "no more than"},
		{"unknown operator", cond(`{"StringEqualz":{"s3:prefix":"a"}}`), "Invalid Condition type"},
		{"unknown set qualifier", cond(`{"ForSomeValues:StringEquals":{"s3:prefix":"a"}}`), "Invalid Condition type"},
		{"NullIfExists", cond(`{"NullIfExists":{"s3:prefix":"true"}}`), "Invalid Condition type"},
		{"condition not an object", cond(`"x"`), "Invalid Condition"},
		{"operator without keys", cond(`{"StringEquals":{}}`), "names no key"},
		{"bad condition key", cond(`{"StringEquals":{"prefix":"a"}}`), "invalid condition key"},
		{"empty value list", cond(`{"StringEquals":{"s3:prefix":[]}}`), "Invalid Condition value"},
		{"object value", cond(`{"StringEquals":{"s3:prefix":{"a":1}}}`), "Invalid Condition value"},
		{"null value", cond(`{"StringEquals":{"s3:prefix":null}}`), "Invalid Condition value"},
		{"bad IP", cond(`{"IpAddress":{"aws:SourceIp":"192.0.2.300/24"}}`), "Invalid Condition value"},
		{"bad CIDR length", cond(`{"IpAddress":{"aws:SourceIp":"192.0.2.0/33"}}`), "Invalid Condition value"},
		{"bad IPv6", cond(`{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::g/64"]}}`), "Invalid Condition value"},
		{"bad date", cond(`{"DateGreaterThan":{"aws:CurrentTime":"yesterday"}}`), "Invalid Condition value"},
		{"bad date month", cond(`{"DateLessThan":{"aws:CurrentTime":"2020-13-01T00:00:00Z"}}`), "Invalid Condition value"},
		{"bad number", cond(`{"NumericLessThanEquals":{"s3:max-keys":"ten"}}`), "Invalid Condition value"},
		{"NaN", cond(`{"NumericEquals":{"s3:max-keys":"NaN"}}`), "Invalid Condition value"},
		{"Inf", cond(`{"NumericLessThan":{"s3:max-keys":"Inf"}}`), "Invalid Condition value"},
		{"hex number", cond(`{"NumericLessThan":{"s3:max-keys":"0x10"}}`), "Invalid Condition value"},
		{"hex float", cond(`{"NumericLessThan":{"s3:max-keys":"0x1p4"}}`), "Invalid Condition value"},
		{"out of range", cond(`{"NumericLessThan":{"s3:max-keys":"1e999"}}`), "Invalid Condition value"},
		{"bad bool", cond(`{"Bool":{"aws:SecureTransport":"yes"}}`), "Invalid Condition value"},
		{"bad Null", cond(`{"Null":{"s3:prefix":"maybe"}}`), "Invalid Condition value"},
		{"bad ARN", cond(`{"ArnLike":{"aws:SourceArn":"logs"}}`), "Invalid Condition value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse([]byte(tc.doc), bucket)
			if err == nil {
				t.Fatalf("Parse took it: %+v\n%s", p, tc.doc)
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *Error", err, err)
			}
			if p != nil {
				t.Errorf("a policy with the error: %+v", p)
			}
			if !strings.Contains(pe.Reason, tc.reason) {
				t.Errorf("Reason %q, want it to contain %q", pe.Reason, tc.reason)
			}
			if !strings.HasPrefix(err.Error(), "malformed policy: ") {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

func TestPublic(t *testing.T) {
	objStmt := func(effect, principal, cond string) string {
		s := `{"Effect":"` + effect + `","Principal":` + principal + `,"Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"`
		if cond != "" {
			s += `,"Condition":` + cond
		}
		return s + "}"
	}
	tests := []struct {
		name   string
		doc    string
		public bool
	}{
		{"Principal * allow", stmt(objStmt("Allow", `"*"`, "")), true},
		{`{"AWS":"*"} allow`, stmt(objStmt("Allow", `{"AWS":"*"}`, "")), true},
		{`"*" among accounts`, stmt(objStmt("Allow", `{"AWS":["111122223333","*"]}`, "")), true},
		{"named account", stmt(objStmt("Allow", `{"AWS":"111122223333"}`, "")), false},
		{"root arn", stmt(objStmt("Allow", `{"AWS":"arn:aws:iam::111122223333:root"}`, "")), false},
		{"canonical user", stmt(objStmt("Allow", `{"CanonicalUser":"abc"}`, "")), false},
		{"deny *", stmt(objStmt("Deny", `"*"`, "")), false},
		{"NotPrincipal deny", stmt(`{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}`), false},
		{"fixed CIDR", stmt(objStmt("Allow", `"*"`, `{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`)), false},
		{"fixed IPv6 CIDR", stmt(objStmt("Allow", `"*"`, `{"IpAddress":{"aws:SourceIp":["2001:db8::/32","192.0.2.0/24"]}}`)), false},
		{"single address", stmt(objStmt("Allow", `"*"`, `{"IpAddress":{"aws:SourceIp":"192.0.2.1"}}`)), false},
		{"0.0.0.0/0", stmt(objStmt("Allow", `"*"`, `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`)), true},
		{"::/0", stmt(objStmt("Allow", `"*"`, `{"IpAddress":{"aws:SourceIp":"::/0"}}`)), true},
		{"/0 among CIDRs", stmt(objStmt("Allow", `"*"`, `{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","0.0.0.0/0"]}}`)), true},
		{"NotIpAddress", stmt(objStmt("Allow", `"*"`, `{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`)), true},
		{"IpAddressIfExists", stmt(objStmt("Allow", `"*"`, `{"IpAddressIfExists":{"aws:SourceIp":"192.0.2.0/24"}}`)), true},
		{"fixed SourceVpce", stmt(objStmt("Allow", `"*"`, `{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}`)), false},
		{"wildcard SourceVpce", stmt(objStmt("Allow", `"*"`, `{"StringLike":{"aws:SourceVpce":"vpce-*"}}`)), true},
		{"fixed SourceAccount", stmt(objStmt("Allow", `"*"`, `{"StringEquals":{"aws:SourceAccount":"111122223333"}}`)), false},
		{"unrelated condition", stmt(objStmt("Allow", `"*"`, `{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control"}}`)), true},
		{"SecureTransport only", stmt(objStmt("Allow", `"*"`, `{"Bool":{"aws:SecureTransport":"true"}}`)), true},
		{"one public statement of two", stmt(objStmt("Allow", `{"AWS":"111122223333"}`, ""), `{"Sid":"p","Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::amzn-s3-demo-bucket"}`), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := mustParse(t, tc.doc).Public(); got != tc.public {
				t.Errorf("Public() = %v, want %v", got, tc.public)
			}
		})
	}
}

func TestWildcardMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"", "a", false},
		{"*", "", true},
		{"*", "anything/at/all", true},
		{"?", "", false},
		{"?", "a", true},
		{"?", "é", true},
		{"?", "日", true},
		{"??", "é", false},
		{"a?c", "a/c", true},
		{"a*", "a", true},
		{"a*b", "ab", true},
		{"a*b", "axxxb", true},
		{"a*b", "axxxbc", false},
		{"a*b*c", "abbbcbc", true},
		{"*.txt", "a.txt.gz", false},
		{"**", "x", true},
		{"*?", "", false},
		{"*?", "é", true},
		// A star in the subject is an ordinary character.
		{"*", "*", true},
		{"*a", "*ba", true},
		{"a*b", "a*xb", true},
		{"b/*", "b/*x", true},
		{"?", "*", true},
		{"\\*", "\\x", true},
		{"abc", "ABC", false},
	}
	for _, tc := range tests {
		if got := wildcardMatch(tc.pattern, tc.s); got != tc.want {
			t.Errorf("wildcardMatch(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}
