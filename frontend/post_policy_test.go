package frontend

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"testing"
	"time"
)

// TestPostPolicyConditions satisfies and violates every kind of
// condition once.
func TestPostPolicyConditions(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "forms")
	e.mustCreate(t, "other")
	type fieldsT = []formField
	cases := []struct {
		name   string
		bucket string
		conds  []string
		fields fieldsT
		after  fieldsT
		file   string
		status int
		code   string
		msg    string // the error message, when it matters
	}{
		{name: "exact", conds: []string{`{"key": "a.txt"}`}, status: 204},
		{name: "exact violated", conds: []string{`{"key": "b.txt"}`}, status: 403, code: "AccessDenied",
			msg: `Invalid according to Policy: Policy Condition failed: ["eq", "$key", "b.txt"]`},
		{name: "eq", conds: []string{keyAny, `["eq", "$x-amz-meta-a", "1"]`}, fields: fieldsT{{"x-amz-meta-a", "1"}}, status: 204},
		{name: "eq violated", conds: []string{keyAny, `["eq", "$x-amz-meta-a", "1"]`}, fields: fieldsT{{"x-amz-meta-a", "2"}}, status: 403,
			msg: `Invalid according to Policy: Policy Condition failed: ["eq", "$x-amz-meta-a", "1"]`},
		{name: "eq on a missing field", conds: []string{keyAny, `["eq", "$x-amz-meta-a", ""]`}, status: 403},
		{name: "starts-with", conds: []string{`["starts-with", "$key", "a."]`}, status: 204},
		{name: "starts-with violated", conds: []string{`["starts-with", "$key", "b"]`}, status: 403,
			msg: `Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "b"]`},
		{name: "starts-with empty prefix", conds: []string{keyAny, `["starts-with", "$x-amz-meta-n", ""]`}, fields: fieldsT{{"x-amz-meta-n", "anything"}}, status: 204},
		{name: "starts-with a missing field", conds: []string{keyAny, `["starts-with", "$x-amz-meta-n", ""]`}, status: 403},
		{name: "Content-Type list", conds: []string{keyAny, `["starts-with", "$Content-Type", "image/"]`}, fields: fieldsT{{"Content-Type", "image/png,image/gif"}}, status: 204},
		{name: "Content-Type list violated", conds: []string{keyAny, `["starts-with", "$Content-Type", "image/"]`}, fields: fieldsT{{"Content-Type", "image/png,text/plain"}}, status: 403},
		{name: "case-insensitive names", conds: []string{`["StArTs-WiTh", "$KeY", "a"]`, `{"CoNtEnT-TyPe": "text/plain"}`}, fields: fieldsT{{"CONTENT-type", "text/plain"}}, status: 204},
		{name: "values are case-sensitive", conds: []string{keyAny, `{"content-type": "Text/Plain"}`}, fields: fieldsT{{"Content-Type", "text/plain"}}, status: 403},
		{name: "no $", conds: []string{`["eq", "key", "a.txt"]`}, status: 403},
		{name: "bucket", conds: []string{keyAny, `{"bucket": "forms"}`}, status: 204},
		{name: "bucket violated", bucket: "other", conds: []string{keyAny, `{"bucket": "forms"}`}, status: 403,
			msg: `Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "forms"]`},
		{name: "length in range", conds: []string{keyAny, `["content-length-range", 3, 3]`}, status: 204},
		{name: "length as strings", conds: []string{keyAny, `["content-length-range", "1", "10"]`}, status: 204},
		{name: "too small", conds: []string{keyAny, `["content-length-range", 4, 10]`}, status: 400, code: "EntityTooSmall"},
		{name: "too large", conds: []string{keyAny, `["content-length-range", 0, 2]`}, status: 400, code: "EntityTooLarge"},
		{name: "range not numbers", conds: []string{keyAny, `["content-length-range", "test", "10"]`}, status: 403,
			msg: `Invalid according to Policy: Policy Condition failed: ["content-length-range", "test", "10"]`},
		{name: "extra field", conds: []string{keyAny}, fields: fieldsT{{"X-Amz-Meta-Extra", "1"}}, status: 403,
			msg: "Invalid according to Policy: Extra input fields: X-Amz-Meta-Extra"},
		{name: "x-ignore- needs no condition", conds: []string{keyAny}, fields: fieldsT{{"x-ignore-me", "1"}}, status: 204},
		{name: "fields after the file are ignored", conds: []string{keyAny}, after: fieldsT{{"submit", "Upload"}}, status: 204},
		{name: "success_action_status needs a condition", conds: []string{keyAny}, fields: fieldsT{{"success_action_status", "201"}}, status: 403},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bucket := c.bucket
			if bucket == "" {
				bucket = "forms"
			}
			f := testForm{
				fields:   fields(fieldsT{{"key", "a.txt"}}, c.fields, v4Fields(aliceKey, aliceSecret, time.Now(), c.conds...)),
				filename: "a.txt", file: []byte("abc"), after: c.after,
			}
			resp, body := e.post(t, bucket, f)
			if c.status < 300 {
				wantStatus(t, resp, body, c.status)
				return
			}
			code := c.code
			if code == "" {
				code = "AccessDenied"
			}
			doc := wantError(t, resp, body, c.status, code)
			if c.msg != "" && doc.Message != c.msg {
				t.Errorf("message %q, want %q", doc.Message, c.msg)
			}
		})
	}

	// The sizes S3 gives with EntityTooSmall / EntityTooLarge.
	resp, body := e.post(t, "forms", testForm{fields: fields([]formField{{"key", "k"}},
		v4Fields(aliceKey, aliceSecret, time.Now(), keyAny, `["content-length-range", 5, 10]`)), filename: "k", file: []byte("123456789012")})
	wantError(t, resp, body, 400, "EntityTooLarge")
	if !contains(string(body), "<ProposedSize>12</ProposedSize>") || !contains(string(body), "<MaxSizeAllowed>10</MaxSizeAllowed>") {
		t.Errorf("EntityTooLarge body: %s", body)
	}

	// A file streamed (longer than postFilePrefix, size unknown until its
	// end): over the range it is refused as it streams, under the range
	// once it has ended; nothing is stored either way.
	big := bytes.Repeat([]byte{'b'}, postFilePrefix+100)
	for _, c := range []struct {
		rng, code string
	}{
		{`["content-length-range", 0, 65600]`, "EntityTooLarge"},
		{`["content-length-range", 70000, 80000]`, "EntityTooSmall"},
		{`["content-length-range", 65000, 70000]`, ""},
	} {
		resp, body := e.post(t, "forms", testForm{fields: fields([]formField{{"key", "streamed"}},
			v4Fields(aliceKey, aliceSecret, time.Now(), keyAny, c.rng)), filename: "k", file: big, after: []formField{{"submit", "go"}}})
		if c.code == "" {
			wantStatus(t, resp, body, http.StatusNoContent)
			continue
		}
		wantError(t, resp, body, 400, c.code)
		if r, b := e.signed(t, http.MethodHead, "/forms/streamed", nil, nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("%s: a refused streamed file was stored: %d %s", c.rng, r.StatusCode, b)
		}
	}

	// An expired policy.
	exp := v2Fields(aliceKey, aliceSecret, policyJSON(time.Now().Add(-time.Minute), keyAny))
	resp, body = e.post(t, "forms", testForm{fields: fields([]formField{{"key", "k"}}, exp), filename: "k", file: []byte("x")})
	if doc := wantError(t, resp, body, 403, "AccessDenied"); doc.Message != "Invalid according to Policy: Policy expired." {
		t.Errorf("expired: %q", doc.Message)
	}
	// Nothing was stored by any refused form.
	resp, body = e.signed(t, http.MethodGet, "/other", nil, nil)
	if contains(string(body), "<Key>") {
		t.Errorf("a refused form stored something: %s", body)
	}
}

// TestParsePostPolicy refuses every malformed policy with S3's message.
func TestParsePostPolicy(t *testing.T) {
	const exp = `"expiration": "2030-01-01T00:00:00Z"`
	for _, c := range []struct{ doc, msg string }{
		{`{` + exp + `, "conditions": [{"key": "k"}, ["eq", "$acl", "private"], ["starts-with", "$key", ""], ["content-length-range", 0, 10]]}`, ""},
		{`{"expiration": "2030-01-01T00:00:00.000Z", "conditions": []}`, ""},
		{`not json`, "Invalid Policy: Invalid JSON."},
		{`{` + exp + `, "conditions": []} trailing`, "Invalid Policy: Invalid JSON."},
		{`[]`, "Invalid Policy: Invalid JSON."},
		{`{"conditions": []}`, "Invalid Policy: Policy missing expiration."},
		{`{` + exp + `}`, "Invalid Policy: Policy missing conditions."},
		{`{"EXPIRATION": "2030-01-01T00:00:00Z", "conditions": []}`, "Invalid Policy: Unexpected: 'expiration'"},
		{`{"expiration": "2030-01-01 00:00:00+00:00", "conditions": []}`, "Invalid Policy: Invalid 'expiration' value: '2030-01-01 00:00:00+00:00'"},
		{`{"expiration": "2030-01-01T00:00:00+02:00", "conditions": []}`, "Invalid Policy: Invalid 'expiration' value: '2030-01-01T00:00:00+02:00'"},
		{`{"expiration": 5, "conditions": []}`, "Invalid Policy: Invalid 'expiration' value: '5'"},
		{`{` + exp + `, "conditions": {}}`, "Invalid Policy: Invalid 'conditions' value: must be a List."},
		{`{` + exp + `, "conditions": [{}]}`, "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified."},
		{`{` + exp + `, "conditions": [{"a": "1", "b": "2"}]}`, "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified."},
		{`{` + exp + `, "conditions": [{"Content-Length": 6199034}]}`, "Invalid Policy: Invalid Simple-Condition: value must be a string."},
		{`{` + exp + `, "conditions": [{"success_action_redirect": null}]}`, "Invalid Policy: Invalid JSON."},
		{`{` + exp + `, "conditions": [[]]}`, "Invalid Policy: Invalid Condition: missing operation identifier."},
		{`{` + exp + `, "conditions": [["matches", "$key", "x"]]}`, "Invalid Policy: Invalid Condition: unknown operation 'matches'."},
		{`{` + exp + `, "conditions": [["eq", "$key"]]}`, "Invalid Policy: Invalid eq: wrong number of arguments."},
		{`{` + exp + `, "conditions": [["starts-with", "$key", 5]]}`, "Invalid Policy: Invalid JSON."},
		{`{` + exp + `, "conditions": [["content-length-range", 0]]}`, "Invalid Policy: Invalid content-length-range: wrong number of arguments."},
		{`{` + exp + `, "conditions": [["content-length-range", 0, 512.0]]}`, "Invalid Policy: Invalid JSON."},
		{`{` + exp + `, "conditions": [["content-length-range", -1, 0]]}`, "Invalid Policy: Invalid content-length-range: the bounds must be integers from 0 to 5368709120."},
		{`{` + exp + `, "conditions": ["key"]}`, "Invalid Policy: Invalid condition test: must be a List or Object."},
	} {
		_, err := parsePostPolicy(base64.StdEncoding.EncodeToString([]byte(c.doc)))
		switch {
		case c.msg == "" && err != nil:
			t.Errorf("%s: %v", c.doc, err)
		case c.msg == "":
		case err == nil:
			t.Errorf("%s: taken, want %q", c.doc, c.msg)
		default:
			e := s3Error(err)
			if e.Code != "InvalidPolicyDocument" || e.Status != 400 || e.Message != c.msg {
				t.Errorf("%s: %d %s %q, want %q", c.doc, e.Status, e.Code, e.Message, c.msg)
			}
		}
	}
	if _, err := parsePostPolicy("not base64!"); err == nil || s3Error(err).Message != "Invalid Policy: invalid Base64 encoding." {
		t.Errorf("bad base64: %v", err)
	}
}
