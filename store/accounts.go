package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Account owns buckets and objects. Its ID is its canonical user id: what
// Owner elements, ACL grants and bucket policies name.
type Account struct {
	ID          string
	DisplayName string
	Email       string // "" for none; unique among accounts
	// Admin accounts may manage accounts and keys.
	Admin   bool
	Created time.Time
}

// Permission is what an access key restricted to a bucket may do in it.
type Permission string

const (
	PermRead      Permission = "read"      // list the bucket, read its objects and their ACLs
	PermWrite     Permission = "write"     // write and delete its objects
	PermReadWrite Permission = "readwrite" // both
)

// Allows reports whether p includes q.
func (p Permission) Allows(q Permission) bool {
	return p == q || p == PermReadWrite
}

// ParsePermission reads "read", "write" or "readwrite" ("rw" too).
func ParsePermission(s string) (Permission, error) {
	switch strings.ToLower(s) {
	case "read", "r":
		return PermRead, nil
	case "write", "w":
		return PermWrite, nil
	case "readwrite", "rw", "read+write":
		return PermReadWrite, nil
	}
	return "", fmt.Errorf("permission %q: want read, write or readwrite", s)
}

// AccessKey is an account's key pair.
type AccessKey struct {
	ID      string // the access key id clients send
	Secret  string // in the clear; a store seals it at rest when it can
	Account string // the account's ID
	// Disabled keys authenticate nothing.
	Disabled bool
	Created  time.Time
	// Buckets, when not empty, restricts the key to these buckets, each
	// with what it may do there (Exoscale's "IAM keys limited to a single
	// bucket"); such a key can create no bucket.
	Buckets map[string]Permission
}

// Scoped reports whether k is restricted to some buckets.
func (k AccessKey) Scoped() bool { return len(k.Buckets) > 0 }

// ScopeString renders k's bucket restriction as "b1:read,b2:readwrite"
// (sorted), "" when there is none.
func (k AccessKey) ScopeString() string {
	names := make([]string, 0, len(k.Buckets))
	for b := range k.Buckets {
		names = append(names, b)
	}
	sort.Strings(names)
	for i, b := range names {
		names[i] = b + ":" + string(k.Buckets[b])
	}
	return strings.Join(names, ",")
}

// Accounts looks up accounts and keys. A store may cache what it returns
// for a short, documented time: a key disabled or deleted elsewhere stops
// working within it.
type Accounts interface {
	// AccessKey returns the key with this id. Errors: ErrNoSuchAccessKey.
	AccessKey(ctx context.Context, id string) (AccessKey, error)
	// Account returns the account with this id. Errors: ErrNoSuchAccount.
	Account(ctx context.Context, id string) (Account, error)
	// AccountByEmail returns the account with this e-mail address.
	// Errors: ErrNoSuchAccount.
	AccountByEmail(ctx context.Context, email string) (Account, error)
}

var (
	ErrNoSuchAccount   = errors.New("no such account")
	ErrNoSuchAccessKey = errors.New("no such access key")
	// ErrAccountExists: an account with this id or e-mail exists.
	ErrAccountExists = errors.New("account exists")
	// ErrAccountInUse: the account still owns buckets or keys.
	ErrAccountInUse = errors.New("account still owns buckets or keys")
)
