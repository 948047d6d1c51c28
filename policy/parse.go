package policy

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"slices"
	"strings"
)

// MaxSize is the largest policy document S3 takes (20 KB).
const MaxSize = 20 * 1024

// Parse reads a bucket policy for bucket and checks it as PutBucketPolicy
// does. Errors are *Error, naming the first bad element.
func Parse(doc []byte, bucket string) (*Policy, error) {
	if len(doc) > MaxSize {
		return nil, malformed("Policies must be no more than %d bytes", MaxSize)
	}
	var raw map[string]json.RawMessage
	if err := strictUnmarshal(doc, &raw); err != nil || raw == nil {
		return nil, malformed("This policy contains invalid Json")
	}
	p := &Policy{}
	for _, name := range sortedKeys(raw) {
		v := raw[name]
		switch name {
		case "Version":
			if json.Unmarshal(v, &p.Version) != nil {
				return nil, malformed("Invalid Version")
			}
		case "Id":
			if json.Unmarshal(v, &p.ID) != nil {
				return nil, malformed("Invalid Id")
			}
		case "Statement":
		default:
			return nil, malformed("Unknown field %s", name)
		}
	}
	switch p.Version {
	case "2012-10-17", "2008-10-17":
	case "":
		// S3 takes a policy without a Version (the 2008 grammar).
		p.Version = "2008-10-17"
	default:
		return nil, malformed("The policy must contain a valid version string")
	}
	stmts, ok := raw["Statement"]
	if !ok {
		return nil, malformed("Missing required field Statement")
	}
	var list []json.RawMessage
	if bytes.HasPrefix(bytes.TrimSpace(stmts), []byte("[")) {
		if json.Unmarshal(stmts, &list) != nil {
			return nil, malformed("Invalid Statement")
		}
	} else {
		list = []json.RawMessage{stmts}
	}
	if len(list) == 0 {
		return nil, malformed("Could not parse the policy: Statement is empty!")
	}
	sids := map[string]bool{}
	for _, s := range list {
		st, err := parseStatement(s, bucket)
		if err != nil {
			return nil, err
		}
		if st.Sid != "" {
			if sids[st.Sid] {
				return nil, malformed("Statement IDs (SID) in a single policy must be unique")
			}
			sids[st.Sid] = true
		}
		p.Statements = append(p.Statements, st)
	}
	return p, nil
}

// strictUnmarshal decodes one JSON value and refuses trailing data.
func strictUnmarshal(doc []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	if err := dec.Decode(v); err != nil {
		return err
	}
	// Anything after the value but white space is refused, whether it
	// parses as JSON or not (a stray "}" or "]" included).
	var extra json.RawMessage
	if err := dec.Decode(&extra); err != io.EOF {
		return malformed("trailing data")
	}
	return nil
}

func parseStatement(doc json.RawMessage, bucket string) (Statement, error) {
	var raw map[string]json.RawMessage
	if json.Unmarshal(doc, &raw) != nil || raw == nil {
		return Statement{}, malformed("Invalid Statement")
	}
	var st Statement
	for _, name := range sortedKeys(raw) {
		v := raw[name]
		var err error
		switch name {
		case "Sid":
			if json.Unmarshal(v, &st.Sid) != nil {
				return st, malformed("Invalid Sid")
			}
		case "Effect":
			var e string
			if json.Unmarshal(v, &e) != nil || e != string(Allow) && e != string(Deny) {
				return st, malformed("Invalid effect: %s", strings.Trim(string(v), `"`))
			}
			st.Effect = Effect(e)
		case "Principal":
			st.Principal, err = parsePrincipals(v)
		case "NotPrincipal":
			st.NotPrincipal, err = parsePrincipals(v)
		case "Action":
			st.Action, err = parseActions(v)
		case "NotAction":
			st.NotAction, err = parseActions(v)
		case "Resource":
			st.Resource, err = parseResources(v, bucket)
		case "NotResource":
			st.NotResource, err = parseResources(v, bucket)
		case "Condition":
			st.Conditions, err = parseConditions(v)
		default:
			return st, malformed("Unknown field %s", name)
		}
		if err != nil {
			return st, err
		}
	}
	switch {
	case st.Effect == "":
		return st, malformed("Missing required field Effect")
	case st.Principal == nil && st.NotPrincipal == nil:
		return st, malformed("Missing required field Principal")
	case st.Principal != nil && st.NotPrincipal != nil:
		return st, malformed("Statement may not have both Principal and NotPrincipal")
	case st.Action == nil && st.NotAction == nil:
		return st, malformed("Missing required field Action")
	case st.Action != nil && st.NotAction != nil:
		return st, malformed("Statement may not have both Action and NotAction")
	case st.Resource == nil && st.NotResource == nil:
		return st, malformed("Missing required field Resource")
	case st.Resource != nil && st.NotResource != nil:
		return st, malformed("Statement may not have both Resource and NotResource")
	case st.NotPrincipal != nil && st.Effect == Allow:
		// AWS refuses NotPrincipal with Allow in resource policies.
		return st, malformed("NotPrincipal is only supported with Effect Deny")
	}
	if st.Action != nil && st.Resource != nil && !actionsFitResources(st.Action, st.Resource) {
		return st, malformed("Action does not apply to any resource(s) in statement")
	}
	return st, nil
}

// stringOrList reads a JSON string or array of strings.
func stringOrList(v json.RawMessage) ([]string, bool) {
	var one string
	if json.Unmarshal(v, &one) == nil {
		return []string{one}, true
	}
	var many []string
	if json.Unmarshal(v, &many) != nil || len(many) == 0 {
		return nil, false
	}
	return many, true
}

// parsePrincipals reads "*" or {"AWS": ..., "CanonicalUser": ...}. An
// account is named by its canonical id, by "arn:aws:iam::<id>:root", or
// by "*" for everyone.
func parsePrincipals(v json.RawMessage) (*Principals, error) {
	var star string
	if json.Unmarshal(v, &star) == nil {
		if star != "*" {
			return nil, malformed("Invalid principal in policy")
		}
		return &Principals{Everyone: true}, nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(v, &m) != nil || len(m) == 0 {
		return nil, malformed("Invalid principal in policy")
	}
	p := &Principals{}
	for _, kind := range sortedKeys(m) {
		ids := m[kind]
		if kind != "AWS" && kind != "CanonicalUser" {
			return nil, malformed("Invalid principal in policy: unsupported principal type %s", kind)
		}
		list, ok := stringOrList(ids)
		if !ok {
			return nil, malformed("Invalid principal in policy")
		}
		for _, id := range list {
			switch {
			case id == "*" && kind == "AWS":
				p.Everyone = true
			case strings.HasPrefix(id, "arn:aws:iam::") && kind == "AWS":
				acct, ok := strings.CutSuffix(strings.TrimPrefix(id, "arn:aws:iam::"), ":root")
				if !ok || !validAccountID(acct) {
					return nil, malformed("Invalid principal in policy: %s", id)
				}
				p.Accounts = append(p.Accounts, acct)
			case validAccountID(id):
				p.Accounts = append(p.Accounts, id)
			default:
				return nil, malformed("Invalid principal in policy: %s", id)
			}
		}
	}
	return p, nil
}

// validAccountID accepts the ids Amphora's accounts have: canonical ids
// and the tenant names of the config file (letters, digits, - _ . @).
func validAccountID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_.@", c)) {
			return false
		}
	}
	return true
}

func parseActions(v json.RawMessage) ([]string, error) {
	list, ok := stringOrList(v)
	if !ok {
		return nil, malformed("Policy has invalid action")
	}
	out := make([]string, 0, len(list))
	for _, a := range list {
		la := strings.ToLower(a)
		if !validAction(la) {
			return nil, malformed("Policy has invalid action: %s", a)
		}
		out = append(out, la)
	}
	return out, nil
}

// parseResources reads resource ARNs; each must name bucket or objects in
// it (S3 refuses a policy about another bucket).
func parseResources(v json.RawMessage, bucket string) ([]string, error) {
	list, ok := stringOrList(v)
	if !ok {
		return nil, malformed("Policy has invalid resource")
	}
	for _, r := range list {
		if r == "*" {
			continue
		}
		rest, ok := strings.CutPrefix(r, "arn:aws:s3:::")
		if !ok || rest == "" {
			return nil, malformed("Policy has invalid resource: %s", r)
		}
		b, _, _ := strings.Cut(rest, "/")
		if !wildcardMatch(b, bucket) {
			return nil, malformed("Policy has invalid resource: %s", r)
		}
	}
	return list, nil
}

// sortedKeys are m's keys in order, so that a document with several
// faults is always refused for the same one.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
