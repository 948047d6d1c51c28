package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Condition is one key of one operator of a statement's Condition block:
// the request's values for Key must satisfy the operator against Values.
type Condition struct {
	Operator string // as written, e.g. "ForAnyValue:StringLikeIfExists"
	Key      string // lowercased
	Values   []string

	op       operator
	ifExists bool
	set      string // "", "forallvalues" or "foranyvalue"
}

// operator is a condition operator without IfExists and set qualifiers.
type operator struct {
	// match reports whether the request's value v satisfies policy value
	// pv; negated operators hold when no policy value matches.
	match   func(v, pv string) bool
	negated bool
	// check validates a policy value.
	check func(pv string) error
	null  bool // the Null operator: tests presence only
}

var operators = map[string]operator{}

func init() {
	eq := func(v, pv string) bool { return v == pv }
	fold := func(v, pv string) bool { return strings.EqualFold(v, pv) }
	like := func(v, pv string) bool { return wildcardMatch(pv, v) }
	for name, m := range map[string]func(string, string) bool{"StringEquals": eq, "StringEqualsIgnoreCase": fold, "StringLike": like} {
		operators[strings.ToLower(name)] = operator{match: m}
		not := strings.Replace(name, "String", "StringNot", 1)
		operators[strings.ToLower(not)] = operator{match: m, negated: true}
	}
	operators["arnequals"] = operator{match: like, check: checkARN}
	operators["arnlike"] = operator{match: like, check: checkARN}
	operators["arnnotequals"] = operator{match: like, negated: true, check: checkARN}
	operators["arnnotlike"] = operator{match: like, negated: true, check: checkARN}
	operators["binaryequals"] = operator{match: eq}
	operators["bool"] = operator{match: fold, check: checkBool}
	operators["ipaddress"] = operator{match: inPrefix, check: checkPrefix}
	operators["notipaddress"] = operator{match: inPrefix, negated: true, check: checkPrefix}
	operators["null"] = operator{null: true, check: checkBool}
	for suffix, cmp := range map[string]func(int) bool{
		"Equals":            func(c int) bool { return c == 0 },
		"LessThan":          func(c int) bool { return c < 0 },
		"LessThanEquals":    func(c int) bool { return c <= 0 },
		"GreaterThan":       func(c int) bool { return c > 0 },
		"GreaterThanEquals": func(c int) bool { return c >= 0 },
	} {
		operators["numeric"+strings.ToLower(suffix)] = operator{match: compareWith(parseNumber, cmp), check: checkWith(parseNumber)}
		operators["date"+strings.ToLower(suffix)] = operator{match: compareWith(parseDate, cmp), check: checkWith(parseDate)}
	}
	operators["numericnotequals"] = operator{match: compareWith(parseNumber, func(c int) bool { return c == 0 }), negated: true, check: checkWith(parseNumber)}
	operators["datenotequals"] = operator{match: compareWith(parseDate, func(c int) bool { return c == 0 }), negated: true, check: checkWith(parseDate)}
}

// parseConditions reads a statement's Condition block.
func parseConditions(v json.RawMessage) ([]Condition, error) {
	var block map[string]map[string]json.RawMessage
	if json.Unmarshal(v, &block) != nil {
		return nil, malformed("Invalid Condition block")
	}
	var out []Condition
	for _, name := range sortedKeys(block) {
		keys := block[name]
		c := Condition{Operator: name}
		base := strings.ToLower(name)
		if set, rest, ok := strings.Cut(base, ":"); ok {
			if set != "forallvalues" && set != "foranyvalue" {
				return nil, malformed("Invalid Condition type : %s", name)
			}
			c.set, base = set, rest
		}
		if b, ok := strings.CutSuffix(base, "ifexists"); ok && b != "null" {
			c.ifExists, base = true, b
		}
		op, ok := operators[base]
		if !ok {
			return nil, malformed("Invalid Condition type : %s", name)
		}
		c.op = op
		if len(keys) == 0 {
			return nil, malformed("Invalid Condition block: %s names no key", name)
		}
		for _, key := range sortedKeys(keys) {
			vals := keys[key]
			if !validConditionKey(key) {
				return nil, malformed("Policy has an invalid condition key: %s", key)
			}
			list, err := conditionValues(vals)
			if err != nil {
				return nil, malformed("Invalid Condition value for %s %s", name, key)
			}
			for _, pv := range list {
				if op.check != nil {
					if err := op.check(pv); err != nil {
						return nil, malformed("Invalid Condition value for %s %s: %v", name, key, err)
					}
				}
			}
			cc := c
			cc.Key, cc.Values = strings.ToLower(key), list
			out = append(out, cc)
		}
	}
	return out, nil
}

// validConditionKey accepts the global (aws:) and S3 (s3:) condition keys.
func validConditionKey(k string) bool {
	lk := strings.ToLower(k)
	for _, p := range []string{"aws:", "s3:"} {
		if rest, ok := strings.CutPrefix(lk, p); ok && rest != "" {
			return true
		}
	}
	return false
}

// conditionValues reads a condition value: a string, number or boolean,
// or a non-empty array of them, as strings.
func conditionValues(v json.RawMessage) ([]string, error) {
	var list []json.RawMessage
	if bytes.HasPrefix(bytes.TrimSpace(v), []byte("[")) {
		if err := json.Unmarshal(v, &list); err != nil {
			return nil, err
		}
		if len(list) == 0 {
			return nil, fmt.Errorf("empty")
		}
	} else {
		list = []json.RawMessage{v}
	}
	out := make([]string, 0, len(list))
	for _, item := range list {
		var x any
		if err := json.Unmarshal(item, &x); err != nil {
			return nil, err
		}
		switch x := x.(type) {
		case string:
			out = append(out, x)
		case bool:
			out = append(out, strconv.FormatBool(x))
		case float64:
			out = append(out, strings.TrimSpace(string(item)))
		default:
			return nil, fmt.Errorf("not a scalar")
		}
	}
	return out, nil
}

// holds evaluates c against the request's condition keys.
func (c *Condition) holds(ctx map[string][]string) bool {
	vals := ctx[c.Key]
	if c.op.null {
		absent := len(vals) == 0
		for _, pv := range c.Values {
			if strings.EqualFold(pv, "true") == absent {
				return true
			}
		}
		return false
	}
	if len(vals) == 0 {
		// IfExists holds without the key; so do the negated operators
		// and ForAllValues (every one of no values matches).
		return c.ifExists || c.set == "forallvalues" || c.set == "" && c.op.negated
	}
	if c.set == "forallvalues" {
		for _, v := range vals {
			if !c.matches(v) {
				return false
			}
		}
		return true
	}
	for _, v := range vals {
		if c.matches(v) {
			return true
		}
	}
	return false
}

// matches applies the operator to one request value: some policy value
// matches (none, for negated operators).
func (c *Condition) matches(v string) bool {
	for _, pv := range c.Values {
		if c.op.match(v, pv) {
			return !c.op.negated
		}
	}
	return c.op.negated
}

func checkBool(pv string) error {
	if !strings.EqualFold(pv, "true") && !strings.EqualFold(pv, "false") {
		return fmt.Errorf("%q is not true or false", pv)
	}
	return nil
}

func checkARN(pv string) error {
	if pv != "*" && !strings.HasPrefix(pv, "arn:") {
		return fmt.Errorf("%q is not an ARN", pv)
	}
	return nil
}

// parsePrefix reads an address or CIDR block.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func checkPrefix(pv string) error {
	_, err := parsePrefix(pv)
	return err
}

func inPrefix(v, pv string) bool {
	p, err := parsePrefix(pv)
	if err != nil {
		return false
	}
	a, err := netip.ParseAddr(v)
	return err == nil && p.Contains(a.Unmap())
}

// parseNumber reads a decimal number (an integer or a float, as IAM's
// numeric operators take): not NaN, not an infinity, not Go's hex or
// underscore forms.
func parseNumber(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsFunc(s, func(r rune) bool { return !strings.ContainsRune("0123456789+-.eE", r) }) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return f, nil
}

// parseDate reads an ISO 8601 time (with or without time of day) or
// seconds since the epoch, as IAM does.
func parseDate(s string) (float64, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			// Not t.UnixNano(): it overflows after 2262, and IAM dates
			// run to 9999.
			return float64(t.Unix()) + float64(t.Nanosecond())/1e9, nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return float64(n), nil
	}
	return 0, fmt.Errorf("%q is not a date", s)
}

func compareWith(parse func(string) (float64, error), cmp func(int) bool) func(v, pv string) bool {
	return func(v, pv string) bool {
		a, err1 := parse(v)
		b, err2 := parse(pv)
		if err1 != nil || err2 != nil {
			return false
		}
		c := 0
		if a < b {
			c = -1
		} else if a > b {
			c = 1
		}
		return cmp(c)
	}
}

func checkWith(parse func(string) (float64, error)) func(string) error {
	return func(pv string) error {
		_, err := parse(pv)
		return err
	}
}
