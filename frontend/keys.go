package frontend

import (
	"context"
	"errors"
	"fmt"

	"github.com/amphora-s3/amphora/store"
)

// keyLookup finds the secret of the access key a request claims, for one
// request: the config file's keys first, then the account store (cached
// there for a few seconds). The signature packages ask for a secret with
// no way to report a failure, so the lookup remembers what it found and
// any error other than "no such key", for the verifier to act on.
type keyLookup struct {
	s   *server
	ctx context.Context
	key store.AccessKey // the key found
	err error           // a failure to look it up
}

func (s *server) newKeyLookup(ctx context.Context) *keyLookup {
	return &keyLookup{s: s, ctx: ctx}
}

// secret is the signature packages' secret callback. A disabled key has
// none: AWS answers an inactive key as an unknown one.
func (k *keyLookup) secret(id string) (string, bool) {
	if c, ok := k.s.creds[id]; ok {
		k.key = store.AccessKey{ID: id, Secret: c.SecretKey, Account: c.Tenant}
		return c.SecretKey, true
	}
	if k.s.accounts == nil {
		return "", false
	}
	key, err := k.s.accounts.AccessKey(k.ctx, id)
	switch {
	case errors.Is(err, store.ErrNoSuchAccessKey):
		return "", false
	case err != nil:
		k.err = err
		return "", false
	case key.Disabled:
		return "", false
	}
	k.key = key
	return key.Secret, true
}

// identity is who signed the request once its signature verified; when
// the key could not be looked up at all, that error.
func (k *keyLookup) identity(accessKey string) (identity, error) {
	if k.err != nil {
		return identity{}, fmt.Errorf("look up access key %q: %w", accessKey, k.err)
	}
	if k.key.ID != accessKey { // Verify succeeded, so the key was found a moment ago.
		return identity{}, errInvalidAccessKeyID.with(field{"AWSAccessKeyId", accessKey})
	}
	return identity{AccessKey: accessKey, Tenant: k.key.Account, Buckets: k.key.Buckets}, nil
}

// displayNameMemo memoizes an account's display name for one request.
type displayNameMemo struct{ id string }

// displayName is the name shown for an account in Owner elements: the
// config file's, else the account store's, else the id.
func (s *server) displayName(ctx context.Context, id string) string {
	if n := s.names[id]; n != "" {
		return n
	}
	if s.accounts == nil {
		return id
	}
	memo := store.MemoFrom(ctx)
	if v, ok := memo.Load(displayNameMemo{id}); ok {
		return v.(string)
	}
	name := id
	if a, err := s.accounts.Account(ctx, id); err == nil && a.DisplayName != "" {
		name = a.DisplayName
	}
	memo.Store(displayNameMemo{id}, name)
	return name
}
