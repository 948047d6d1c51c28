package cassandra

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/store"
)

var testMasterKey = bytes.Repeat([]byte{7}, 32)

func TestAccountsAndKeys(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, func(c *Config) { c.MasterKey = testMasterKey; c.KeyCacheTTL = -1 })

	a, err := s.CreateAccount(ctx, store.Account{DisplayName: "Alice", Email: "Alice@Example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.ID) != 64 || a.Email != "alice@example.com" {
		t.Errorf("account %+v: want a 64-hex id and the e-mail in lower case", a)
	}
	if _, err := s.CreateAccount(ctx, store.Account{DisplayName: "Other", Email: "alice@example.com"}); !errors.Is(err, store.ErrAccountExists) {
		t.Errorf("second account with the same e-mail: %v, want ErrAccountExists", err)
	}
	if _, err := s.CreateAccount(ctx, store.Account{ID: a.ID, DisplayName: "Again"}); !errors.Is(err, store.ErrAccountExists) {
		t.Errorf("second account with the same id: %v, want ErrAccountExists", err)
	}
	if got, err := s.AccountByEmail(ctx, "ALICE@example.com"); err != nil || got.ID != a.ID {
		t.Errorf("by e-mail: %+v, %v", got, err)
	}
	if err := s.EnsureAccount(ctx, store.Account{ID: "tenant-a", DisplayName: "Tenant A"}); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureAccount(ctx, store.Account{ID: "tenant-a", DisplayName: "Renamed"}); err != nil {
		t.Errorf("EnsureAccount of an existing id: %v", err)
	}
	if accts, err := s.ListAccounts(ctx); err != nil || len(accts) != 2 {
		t.Errorf("ListAccounts: %+v, %v", accts, err)
	}

	k, err := s.CreateKey(ctx, store.AccessKey{Account: a.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(k.ID) != 20 || len(k.Secret) != 40 {
		t.Errorf("key %q / secret of %d characters", k.ID, len(k.Secret))
	}
	got, err := s.AccessKey(ctx, k.ID)
	if err != nil || got.Secret != k.Secret || got.Account != a.ID || got.Disabled || got.Scoped() {
		t.Fatalf("AccessKey: %+v, %v", got, err)
	}
	// Sealed at rest: the row does not hold the secret.
	var raw []byte
	var sealed bool
	if err := s.sess.Query(`SELECT secret, sealed FROM access_keys WHERE id = ?`, k.ID).Scan(&raw, &sealed); err != nil {
		t.Fatal(err)
	}
	if !sealed || bytes.Contains(raw, []byte(k.Secret)) {
		t.Errorf("secret stored in the clear (sealed %v)", sealed)
	}
	if _, err := s.CreateKey(ctx, store.AccessKey{Account: "nobody"}); !errors.Is(err, store.ErrNoSuchAccount) {
		t.Errorf("key for a missing account: %v", err)
	}

	if err := s.SetKeyScope(ctx, k.ID, map[string]store.Permission{"photos": store.PermRead}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetKeyDisabled(ctx, k.ID, true); err != nil {
		t.Fatal(err)
	}
	got, _ = s.AccessKey(ctx, k.ID)
	if !got.Disabled || got.ScopeString() != "photos:read" {
		t.Errorf("after disable and scope: %+v", got)
	}
	if keys, err := s.ListKeys(ctx, a.ID); err != nil || len(keys) != 1 || keys[0].Secret != "" {
		t.Errorf("ListKeys: %+v, %v (secrets must not be listed)", keys, err)
	}

	if err := s.DeleteAccount(ctx, a.ID); !errors.Is(err, store.ErrAccountInUse) {
		t.Errorf("delete an account with a key: %v", err)
	}
	if err := s.DeleteKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AccessKey(ctx, k.ID); !errors.Is(err, store.ErrNoSuchAccessKey) {
		t.Errorf("deleted key: %v", err)
	}
	if err := s.CreateBucket(ctx, store.Bucket{Name: "owned-by-alice", Owner: a.ID}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAccount(ctx, a.ID); !errors.Is(err, store.ErrAccountInUse) {
		t.Errorf("delete an account with a bucket: %v", err)
	}
	if err := s.DeleteBucket(ctx, "owned-by-alice"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAccount(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AccountByEmail(ctx, "alice@example.com"); !errors.Is(err, store.ErrNoSuchAccount) {
		t.Errorf("e-mail of a deleted account: %v", err)
	}
	if _, err := s.CreateAccount(ctx, store.Account{DisplayName: "New Alice", Email: "alice@example.com"}); err != nil {
		t.Errorf("the e-mail is free again: %v", err)
	}
}

// A secret sealed under one master key cannot be read without it, or
// with another; without a master key secrets are stored as they are.
func TestSealedSecretsNeedTheMasterKey(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	cfg.MasterKey, cfg.KeyCacheTTL = testMasterKey, -1
	s := openStore(t, cfg, true)
	if _, err := s.CreateAccount(ctx, store.Account{ID: "acct"}); err != nil {
		t.Fatal(err)
	}
	k, err := s.CreateKey(ctx, store.AccessKey{Account: "acct"})
	if err != nil {
		t.Fatal(err)
	}
	for _, mk := range [][]byte{nil, bytes.Repeat([]byte{8}, 32)} {
		cfg.MasterKey = mk
		other := openStore(t, cfg, false)
		if _, err := other.AccessKey(ctx, k.ID); err == nil {
			t.Errorf("read a sealed secret with master key %x", mk)
		}
	}
	cfg.MasterKey = nil
	plain := openStore(t, cfg, false)
	k2, err := plain.CreateKey(ctx, store.AccessKey{Account: "acct"})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.AccessKey(ctx, k2.ID); err != nil || got.Secret != k2.Secret {
		t.Errorf("a secret stored without a master key, read with one: %+v, %v", got, err)
	}
}

// A key disabled through one Store stops working on another within
// KeyCacheTTL.
func TestKeyRevocationWithinCacheTTL(t *testing.T) {
	ctx := context.Background()
	const ttl = 500 * time.Millisecond
	cfg := testConfig(t)
	cfg.KeyCacheTTL = ttl
	a := openStore(t, cfg, true)
	b := openStore(t, cfg, false)
	if _, err := a.CreateAccount(ctx, store.Account{ID: "acct"}); err != nil {
		t.Fatal(err)
	}
	k, err := a.CreateKey(ctx, store.AccessKey{Account: "acct"})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b.AccessKey(ctx, k.ID); err != nil || got.Disabled {
		t.Fatalf("before: %+v, %v", got, err)
	}
	if err := a.SetKeyDisabled(ctx, k.ID, true); err != nil {
		t.Fatal(err)
	}
	disabledAt := time.Now()
	for {
		got, err := b.AccessKey(ctx, k.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Disabled {
			break
		}
		if time.Since(disabledAt) > ttl+time.Second {
			t.Fatalf("the other store still sees the key enabled %s after it was disabled (cache TTL %s)", time.Since(disabledAt), ttl)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
