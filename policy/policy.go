// Package policy reads S3 bucket policies (the IAM policy grammar) and
// decides requests with them.
//
// Parse checks a document the way S3 does on PutBucketPolicy: JSON, the
// Version, every statement's Effect, Principal or NotPrincipal, Action or
// NotAction, Resource or NotResource (in the policy's own bucket) and
// Condition operators, refusing the first bad element with an *Error that
// names it. Evaluate then answers, for one request, whether some statement
// denies it, allows it, or none applies; the caller combines that with
// ownership and ACLs (deny wins over everything). Public reports whether
// the policy grants anything to everyone, as S3's Block Public Access
// understands it.
//
// Everything is built on the standard library: condition operators need
// wildcards, net/netip prefixes, numbers and RFC 3339 dates, nothing more.
// Policy variables (${aws:username}) are not expanded; they match
// literally.
package policy

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Policy is a parsed bucket policy.
type Policy struct {
	Version    string
	ID         string
	Statements []Statement
}

// Effect is a statement's effect.
type Effect string

const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Statement is one statement of a policy.
type Statement struct {
	Sid    string
	Effect Effect
	// Exactly one of Principal and NotPrincipal is set.
	Principal, NotPrincipal *Principals
	// Exactly one of Action and NotAction is set (lowercased patterns).
	Action, NotAction []string
	// Exactly one of Resource and NotResource is set (ARN patterns).
	Resource, NotResource []string
	Conditions            []Condition
}

// Principals are the principals a statement names: everyone, or
// accounts by canonical id.
type Principals struct {
	Everyone bool
	Accounts []string
}

// matches reports whether p names principal (an account's canonical id;
// "" for an anonymous request).
func (p *Principals) matches(principal string) bool {
	if p.Everyone {
		return true
	}
	if principal == "" {
		return false
	}
	for _, a := range p.Accounts {
		if a == principal {
			return true
		}
	}
	return false
}

// Decision is what a policy says of a request.
type Decision int

const (
	// NotApplicable: no statement applies; ownership and ACLs decide.
	NotApplicable Decision = iota
	// Allowed: an Allow statement applies and no Deny does.
	Allowed
	// Denied: a Deny statement applies; nothing else counts.
	Denied
)

func (d Decision) String() string {
	return [...]string{"NotApplicable", "Allowed", "Denied"}[d]
}

// Request is what a policy decides on.
type Request struct {
	// Principal is the requester's account id, "" for anonymous.
	Principal string
	// Action is the S3 action, e.g. "s3:GetObject".
	Action string
	// Resource is "arn:aws:s3:::bucket" or "arn:aws:s3:::bucket/key".
	Resource string
	// Context holds the condition keys the request carries, their names
	// lowercased ("aws:sourceip", "s3:prefix"); a key absent from it is
	// absent from the request.
	Context map[string][]string
}

// Evaluate decides req: Denied when a Deny statement applies, else
// Allowed when an Allow statement applies, else NotApplicable.
func (p *Policy) Evaluate(req Request) Decision {
	if p == nil {
		return NotApplicable
	}
	d := NotApplicable
	for i := range p.Statements {
		st := &p.Statements[i]
		if !st.applies(req) {
			continue
		}
		if st.Effect == Deny {
			return Denied
		}
		d = Allowed
	}
	return d
}

// applies reports whether st's principal, action, resource and
// conditions all match req.
func (st *Statement) applies(req Request) bool {
	if st.Principal != nil && !st.Principal.matches(req.Principal) ||
		st.NotPrincipal != nil && st.NotPrincipal.matches(req.Principal) {
		return false
	}
	action := strings.ToLower(req.Action)
	if st.Action != nil && !anyMatch(st.Action, action) ||
		st.NotAction != nil && anyMatch(st.NotAction, action) {
		return false
	}
	if st.Resource != nil && !anyMatch(st.Resource, req.Resource) ||
		st.NotResource != nil && anyMatch(st.NotResource, req.Resource) {
		return false
	}
	for _, c := range st.Conditions {
		if !c.holds(req.Context) {
			return false
		}
	}
	return true
}

func anyMatch(patterns []string, s string) bool {
	for _, p := range patterns {
		if wildcardMatch(p, s) {
			return true
		}
	}
	return false
}

// wildcardMatch matches s against pattern, where * matches any run of
// characters (slashes included) and ? any one character (one UTF-8
// encoded rune, not one byte). A * or ? in s is an ordinary character.
func wildcardMatch(pattern, s string) bool {
	// Iterative matching with backtracking to the last star: O(len(s) x
	// len(pattern)) at worst, never exponential. The pattern's * and ?
	// are tested before a literal comparison, so that a star in s is
	// not taken for the pattern's star; the star and ? advance by whole
	// runes, so ? never lands inside a multi-byte character.
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		if p < len(pattern) {
			switch pattern[p] {
			case '*':
				star, mark = p, i
				p++
				continue
			case '?':
				_, n := utf8.DecodeRuneInString(s[i:])
				p++
				i += n
				continue
			case s[i]:
				p++
				i++
				continue
			}
		}
		if star < 0 {
			return false
		}
		// Let the last star take one more character and retry.
		_, n := utf8.DecodeRuneInString(s[mark:])
		mark += n
		p, i = star+1, mark
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// Error is a refused policy document; Reason is the message S3 gives with
// MalformedPolicy.
type Error struct{ Reason string }

func (e *Error) Error() string { return "malformed policy: " + e.Reason }

func malformed(format string, args ...any) *Error {
	return &Error{fmt.Sprintf(format, args...)}
}
