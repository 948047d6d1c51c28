package store

import (
	"encoding/json"
	"fmt"
	"slices"
)

// ACLPermission is what an ACL grant gives (S3's names).
type ACLPermission string

const (
	PermACLRead        ACLPermission = "READ"
	PermACLWrite       ACLPermission = "WRITE"
	PermACLReadACP     ACLPermission = "READ_ACP"
	PermACLWriteACP    ACLPermission = "WRITE_ACP"
	PermACLFullControl ACLPermission = "FULL_CONTROL"
)

// ValidACLPermission reports whether p is one of S3's five permissions.
func ValidACLPermission(p ACLPermission) bool {
	return slices.Contains([]ACLPermission{PermACLRead, PermACLWrite, PermACLReadACP, PermACLWriteACP, PermACLFullControl}, p)
}

// The groups an ACL may grant to.
const (
	GroupAllUsers           = "http://acs.amazonaws.com/groups/global/AllUsers"
	GroupAuthenticatedUsers = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
	GroupLogDelivery        = "http://acs.amazonaws.com/groups/s3/LogDelivery"
)

// Grant gives Permission to one account (ID, a canonical user id; a grant
// made by e-mail address is stored as the account it named) or to a group
// (URI).
type Grant struct {
	ID         string        `json:"id,omitempty"`
	URI        string        `json:"uri,omitempty"`
	Permission ACLPermission `json:"perm"`
}

// ACL is an access control list: an owner and at most MaxGrants grants.
// The zero ACL is "private": the owner, FULL_CONTROL, nothing else.
type ACL struct {
	Owner  string  `json:"owner,omitempty"`
	Grants []Grant `json:"grants,omitempty"`
}

// MaxGrants is S3's limit on grants per ACL.
const MaxGrants = 100

// PrivateACL is owner's private ACL: FULL_CONTROL to the owner only.
func PrivateACL(owner string) ACL {
	return ACL{Owner: owner, Grants: []Grant{{ID: owner, Permission: PermACLFullControl}}}
}

// CannedACL expands a canned ACL for an object or bucket owned by owner,
// in a bucket owned by bucketOwner. objectOnly canned ACLs
// (bucket-owner-read, bucket-owner-full-control) are refused for buckets
// (forBucket), log-delivery-write for objects.
func CannedACL(name, owner, bucketOwner string, forBucket bool) (ACL, error) {
	a := PrivateACL(owner)
	add := func(g Grant) { a.Grants = append(a.Grants, g) }
	switch name {
	case "private":
	case "public-read":
		add(Grant{URI: GroupAllUsers, Permission: PermACLRead})
	case "public-read-write":
		add(Grant{URI: GroupAllUsers, Permission: PermACLRead})
		add(Grant{URI: GroupAllUsers, Permission: PermACLWrite})
	case "authenticated-read":
		add(Grant{URI: GroupAuthenticatedUsers, Permission: PermACLRead})
	case "bucket-owner-read", "bucket-owner-full-control":
		if forBucket {
			return ACL{}, fmt.Errorf("canned ACL %q is for objects", name)
		}
		p := PermACLRead
		if name == "bucket-owner-full-control" {
			p = PermACLFullControl
		}
		if bucketOwner != owner {
			add(Grant{ID: bucketOwner, Permission: p})
		}
	case "log-delivery-write":
		if !forBucket {
			return ACL{}, fmt.Errorf("canned ACL %q is for buckets", name)
		}
		add(Grant{URI: GroupLogDelivery, Permission: PermACLWrite})
		add(Grant{URI: GroupLogDelivery, Permission: PermACLReadACP})
	default:
		return ACL{}, fmt.Errorf("unknown canned ACL %q", name)
	}
	return a, nil
}

// OrPrivate is a, or owner's private ACL when a is the zero ACL.
func (a ACL) OrPrivate(owner string) ACL {
	if a.Owner == "" && len(a.Grants) == 0 {
		return PrivateACL(owner)
	}
	return a
}

// Allows reports whether a grants perm to principal (a canonical id, ""
// for an anonymous request): directly, through FULL_CONTROL, or through
// the AllUsers group (anyone) or the AuthenticatedUsers group (any signed
// request).
func (a ACL) Allows(principal string, perm ACLPermission) bool {
	for _, g := range a.Grants {
		if g.Permission != perm && g.Permission != PermACLFullControl {
			continue
		}
		switch {
		case g.URI == GroupAllUsers:
			return true
		case g.URI == GroupAuthenticatedUsers && principal != "":
			return true
		case g.ID != "" && g.ID == principal:
			return true
		}
	}
	return false
}

// Public reports whether a grants anything to AllUsers or
// AuthenticatedUsers (S3's definition of a public ACL).
func (a ACL) Public() bool {
	return slices.ContainsFunc(a.Grants, func(g Grant) bool {
		return g.URI == GroupAllUsers || g.URI == GroupAuthenticatedUsers
	})
}

// WithoutPublic is a without its grants to AllUsers and
// AuthenticatedUsers (what IgnorePublicAcls leaves in force).
func (a ACL) WithoutPublic() ACL {
	out := ACL{Owner: a.Owner}
	for _, g := range a.Grants {
		if g.URI != GroupAllUsers && g.URI != GroupAuthenticatedUsers {
			out.Grants = append(out.Grants, g)
		}
	}
	return out
}

// Encode renders a for storage ("" for the zero ACL).
func (a ACL) Encode() string {
	if a.Owner == "" && len(a.Grants) == 0 {
		return ""
	}
	b, _ := json.Marshal(a) // plain strings: cannot fail
	return string(b)
}

// DecodeACL reads what Encode wrote ("" is the zero ACL).
func DecodeACL(s string) (ACL, error) {
	var a ACL
	if s == "" {
		return a, nil
	}
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		return a, fmt.Errorf("stored ACL: %w", err)
	}
	return a, nil
}
