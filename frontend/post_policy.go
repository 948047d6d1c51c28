package frontend

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The POST policy of a browser upload form: a base64 JSON document
//
//	{"expiration": "2030-01-01T00:00:00.000Z",
//	 "conditions": [{"bucket": "b"}, ["starts-with", "$key", "user/"],
//	                ["eq", "$acl", "private"], ["content-length-range", 1, 1048576]]}
//
// whose conditions every form field must meet, and which must name every
// field the form sends but the signature fields, file, policy and
// x-ignore-* ones. Field names are compared without case, values with.
// The messages are S3's (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
// for the language; S3's answers as recorded by clients for the rest).

var (
	errInvalidPolicyDocument = &Error{"InvalidPolicyDocument", http.StatusBadRequest, "The content of the form does not meet the conditions specified in the policy document.", nil, ""}
	errPolicyExpired         = errAccessDenied.withMessage("Invalid according to Policy: Policy expired.")
)

// postCondition is one condition of a policy.
type postCondition struct {
	op string // "eq", "starts-with" or "content-length-range"
	// field is the lower-case field an eq or starts-with names, without
	// its "$"; "" when the condition does not start with "$" (it then
	// holds for no form).
	field string
	value string
	// min and max bound the file's size (content-length-range); ok is
	// false when a bound is a string that is not a number (the
	// condition then fails, as in S3).
	min, max int64
	ok       bool
	// text is the condition as S3 quotes it when it fails:
	// ["eq", "$key", "x"].
	text string
}

// postPolicy is a parsed POST policy.
type postPolicy struct {
	expiration time.Time
	conditions []postCondition
}

// invalidPolicy is the 400 for a policy S3 cannot read.
func invalidPolicy(reason string) error {
	return errInvalidPolicyDocument.withMessage("Invalid Policy: " + reason)
}

// parsePostPolicy decodes and parses the policy field (base64 JSON).
// Errors: 400 InvalidPolicyDocument naming the fault.
func parsePostPolicy(b64 string) (*postPolicy, error) {
	// Some encoders break base64 into lines (Ruby's encode64).
	b64 = strings.NewReplacer("\r", "", "\n", "").Replace(b64)
	doc, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, invalidPolicy("invalid Base64 encoding.")
	}
	if !utf8.Valid(doc) {
		return nil, invalidPolicy("Invalid JSON.")
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var top map[string]any
	if err := dec.Decode(&top); err != nil || top == nil {
		return nil, invalidPolicy("Invalid JSON.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalidPolicy("Invalid JSON.")
	}
	var unexpected []string
	for k := range top {
		if k != "expiration" && k != "conditions" {
			unexpected = append(unexpected, strings.ToLower(k))
		}
	}
	if len(unexpected) > 0 {
		slices.Sort(unexpected)
		return nil, invalidPolicy(fmt.Sprintf("Unexpected: '%s'", unexpected[0]))
	}
	exp, ok := top["expiration"]
	if !ok {
		return nil, invalidPolicy("Policy missing expiration.")
	}
	p := &postPolicy{}
	if p.expiration, err = parseExpiration(exp); err != nil {
		return nil, err
	}
	conds, ok := top["conditions"]
	if !ok {
		return nil, invalidPolicy("Policy missing conditions.")
	}
	list, ok := conds.([]any)
	if !ok {
		return nil, invalidPolicy("Invalid 'conditions' value: must be a List.")
	}
	for _, c := range list {
		pc, err := parseCondition(c)
		if err != nil {
			return nil, err
		}
		p.conditions = append(p.conditions, pc)
	}
	return p, nil
}

// parseExpiration reads an ISO 8601 UTC time with or without fractional
// seconds ("2030-01-01T12:00:00.000Z"); offsets and other forms are
// refused, as S3 refuses them.
func parseExpiration(v any) (time.Time, error) {
	s, ok := v.(string)
	if ok {
		if t, err := time.Parse("2006-01-02T15:04:05.999999999Z", s); err == nil {
			return t, nil
		}
	} else {
		b, _ := json.Marshal(v)
		s = string(b)
	}
	return time.Time{}, invalidPolicy(fmt.Sprintf("Invalid 'expiration' value: '%s'", s))
}

// parseCondition reads one element of conditions: {"field": "value"} or
// [op, ...].
func parseCondition(c any) (postCondition, error) {
	switch c := c.(type) {
	case map[string]any:
		if len(c) != 1 {
			return postCondition{}, invalidPolicy("Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.")
		}
		for k, v := range c {
			switch v := v.(type) {
			case nil:
				return postCondition{}, invalidPolicy("Invalid JSON.")
			case string:
				return newFieldCondition("eq", "$"+k, v), nil
			}
		}
		return postCondition{}, invalidPolicy("Invalid Simple-Condition: value must be a string.")
	case []any:
		if len(c) == 0 {
			return postCondition{}, invalidPolicy("Invalid Condition: missing operation identifier.")
		}
		op, ok := c[0].(string)
		if !ok {
			return postCondition{}, invalidPolicy("Invalid Condition: missing operation identifier.")
		}
		switch lop := strings.ToLower(op); lop {
		case "eq", "starts-with":
			if len(c) != 3 {
				return postCondition{}, invalidPolicy(fmt.Sprintf("Invalid %s: wrong number of arguments.", op))
			}
			name, ok1 := c[1].(string)
			value, ok2 := c[2].(string)
			if !ok1 || !ok2 {
				return postCondition{}, invalidPolicy("Invalid JSON.")
			}
			pc := newFieldCondition(lop, name, value)
			pc.text = quoteCondition(op, name, value)
			return pc, nil
		case "content-length-range":
			if len(c) != 3 {
				return postCondition{}, invalidPolicy(fmt.Sprintf("Invalid %s: wrong number of arguments.", op))
			}
			return parseLengthRange(op, c[1], c[2])
		default:
			return postCondition{}, invalidPolicy(fmt.Sprintf("Invalid Condition: unknown operation '%s'.", op))
		}
	}
	return postCondition{}, invalidPolicy("Invalid condition test: must be a List or Object.")
}

// newFieldCondition is an eq or starts-with condition on name ("$field").
func newFieldCondition(op, name, value string) postCondition {
	pc := postCondition{op: op, value: value, text: quoteCondition(op, name, value)}
	if f, ok := strings.CutPrefix(name, "$"); ok {
		pc.field = strings.ToLower(f)
	}
	return pc
}

// parseLengthRange reads content-length-range's bounds: integers, or
// strings (checked when the form is: a string that is not a number fails
// the condition, as in S3). Fractions and other types are not JSON S3
// takes.
func parseLengthRange(op string, lo, hi any) (postCondition, error) {
	pc := postCondition{op: "content-length-range", ok: true}
	var texts [2]string
	for i, v := range []any{lo, hi} {
		var n int64
		switch v := v.(type) {
		case json.Number:
			s := v.String()
			if strings.ContainsAny(s, ".eE") {
				return pc, invalidPolicy("Invalid JSON.")
			}
			var err error
			if n, err = strconv.ParseInt(s, 10, 64); err != nil || n < 0 {
				return pc, invalidPolicy(fmt.Sprintf("Invalid %s: the bounds must be integers from 0 to %d.", op, int64(maxPutSize)))
			}
			texts[i] = s
		case string:
			texts[i] = jsonString(v)
			var err error
			if n, err = strconv.ParseInt(strings.TrimSpace(v), 10, 64); err != nil || n < 0 {
				pc.ok = false
			}
		default:
			return pc, invalidPolicy("Invalid JSON.")
		}
		if i == 0 {
			pc.min = n
		} else {
			pc.max = n
		}
	}
	pc.text = "[" + jsonString(op) + ", " + texts[0] + ", " + texts[1] + "]"
	return pc, nil
}

// quoteCondition renders [op, name, value] as S3 quotes it in errors.
func quoteCondition(op, name, value string) string {
	return "[" + jsonString(op) + ", " + jsonString(name) + ", " + jsonString(value) + "]"
}

// jsonString is s as a JSON string, without HTML escaping.
func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// conditionFailed is the 403 for a condition the form does not meet.
func conditionFailed(c postCondition) error {
	return errAccessDenied.withMessage("Invalid according to Policy: Policy Condition failed: " + c.text)
}

// postFieldExempt reports whether a form field needs no condition: the
// signature fields, file, policy and x-ignore-* ones.
func postFieldExempt(name string) bool {
	switch name {
	case "awsaccesskeyid", "signature", "x-amz-signature", "file", "policy":
		return true
	}
	return strings.HasPrefix(name, "x-ignore-")
}

// checkFields checks the form's fields against p at now: the expiration,
// then every eq and starts-with condition in order (a field the form does
// not send meets none), then that every field the form sends is named by
// one (fields holds lower-case names; sent gives each as the form sent it,
// names their order). content-length-range is checked once the file's
// size is known (checkLength). Errors: 403 AccessDenied naming what failed.
func (p *postPolicy) checkFields(fields map[string]string, names []string, sent map[string]string, now time.Time) error {
	if now.After(p.expiration) {
		return errPolicyExpired
	}
	covered := map[string]bool{}
	for _, c := range p.conditions {
		if c.op == "content-length-range" {
			continue
		}
		covered[c.field] = true
		v, present := fields[c.field]
		if c.field == "" || !present || !c.holds(v) {
			return conditionFailed(c)
		}
	}
	for _, name := range names {
		if !covered[name] && !postFieldExempt(name) {
			return errAccessDenied.withMessage("Invalid according to Policy: Extra input fields: " + sent[name])
		}
	}
	return nil
}

// holds reports whether v meets an eq or starts-with condition. A
// Content-Type starts-with is checked on each value of a comma-separated
// list, as S3 does.
func (c postCondition) holds(v string) bool {
	if c.op == "eq" {
		return v == c.value
	}
	if c.field != "content-type" {
		return strings.HasPrefix(v, c.value)
	}
	for t := range strings.SplitSeq(v, ",") {
		if !strings.HasPrefix(strings.TrimSpace(t), c.value) {
			return false
		}
	}
	return true
}

// maxLength is the largest file every content-length-range allows
// (limit when none is smaller), or the 403 of a range whose bounds are
// not numbers: a file of unknown size is held to it as it streams.
func (p *postPolicy) maxLength(limit int64) (int64, error) {
	for _, c := range p.conditions {
		if c.op != "content-length-range" {
			continue
		}
		if !c.ok {
			return 0, conditionFailed(c)
		}
		limit = min(limit, c.max)
	}
	return limit, nil
}

// checkLength checks a file of size bytes against every
// content-length-range: 400 EntityTooSmall / EntityTooLarge, or 403 for a
// range whose bounds are not numbers.
func (p *postPolicy) checkLength(size int64) error {
	for _, c := range p.conditions {
		if c.op != "content-length-range" {
			continue
		}
		switch {
		case !c.ok:
			return conditionFailed(c)
		case size < c.min:
			return errEntityTooSmall.withMessage("Your proposed upload is smaller than the minimum allowed size").with(
				field{"ProposedSize", strconv.FormatInt(size, 10)}, field{"MinSizeAllowed", strconv.FormatInt(c.min, 10)})
		case size > c.max:
			return errEntityTooLarge.withMessage("Your proposed upload exceeds the maximum allowed size").with(
				field{"ProposedSize", strconv.FormatInt(size, 10)}, field{"MaxSizeAllowed", strconv.FormatInt(c.max, 10)})
		}
	}
	return nil
}
