package cassandra

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// Accounts and access keys live in four small tables (schema 0004): the
// accounts, e-mail claims, keys, and each account's keys. Every frontend
// reads them, so a key created, disabled or deleted anywhere works, or
// stops working, everywhere within KeyCacheTTL. They are configuration:
// a change (disabling a key, restricting it) updates its row in place,
// unlike the object data this package never updates.

var _ store.Accounts = (*Store)(nil)

// AccessKey returns the key with this id, its secret in the clear:
// cached for KeyCacheTTL. Errors: store.ErrNoSuchAccessKey.
func (s *Store) AccessKey(ctx context.Context, id string) (store.AccessKey, error) {
	if k, ok := s.keys.get(id); ok {
		return k, nil
	}
	k, err := s.readKey(ctx, id)
	if err != nil {
		return store.AccessKey{}, err
	}
	s.keys.put(id, k)
	return k, nil
}

func (s *Store) readKey(ctx context.Context, id string) (store.AccessKey, error) {
	k := store.AccessKey{ID: id}
	var (
		secret      []byte
		sealed, off bool
		buckets     map[string]string
	)
	err := s.query(ctx, `SELECT account, secret, sealed, disabled, created, buckets FROM access_keys WHERE id = ?`, id).
		Idempotent(true).Scan(&k.Account, &secret, &sealed, &off, &k.Created, &buckets)
	if errors.Is(err, gocql.ErrNotFound) {
		return k, fmt.Errorf("access key %q: %w", id, store.ErrNoSuchAccessKey)
	}
	if err != nil {
		return k, fmt.Errorf("read access key %q: %w", id, err)
	}
	if sealed {
		if secret, err = s.cfg.sealer.open(id, secret); err != nil {
			return k, fmt.Errorf("access key %q: %w", id, err)
		}
	}
	k.Secret, k.Disabled = string(secret), off
	for b, p := range buckets {
		if k.Buckets == nil {
			k.Buckets = make(map[string]store.Permission, len(buckets))
		}
		k.Buckets[b] = store.Permission(p)
	}
	return k, nil
}

// Account returns the account with this id. Errors: store.ErrNoSuchAccount.
func (s *Store) Account(ctx context.Context, id string) (store.Account, error) {
	a := store.Account{ID: id}
	var email *string
	err := s.query(ctx, `SELECT display_name, email, admin, created FROM accounts WHERE id = ?`, id).
		Idempotent(true).Scan(&a.DisplayName, &email, &a.Admin, &a.Created)
	if errors.Is(err, gocql.ErrNotFound) {
		return a, fmt.Errorf("account %q: %w", id, store.ErrNoSuchAccount)
	}
	if err != nil {
		return a, fmt.Errorf("read account %q: %w", id, err)
	}
	if email != nil {
		a.Email = *email
	}
	return a, nil
}

// AccountByEmail returns the account with this e-mail address (compared
// without regard to case). Errors: store.ErrNoSuchAccount.
func (s *Store) AccountByEmail(ctx context.Context, email string) (store.Account, error) {
	var id string
	err := s.query(ctx, `SELECT account FROM accounts_by_email WHERE email = ?`, strings.ToLower(email)).
		Idempotent(true).Scan(&id)
	if errors.Is(err, gocql.ErrNotFound) {
		return store.Account{}, fmt.Errorf("account with e-mail %q: %w", email, store.ErrNoSuchAccount)
	}
	if err != nil {
		return store.Account{}, fmt.Errorf("read account by e-mail: %w", err)
	}
	return s.Account(ctx, id)
}

// CreateAccount creates a, with a fresh canonical id when a.ID is empty,
// claiming its e-mail address first. Errors: store.ErrAccountExists (the
// id or the address is taken).
func (s *Store) CreateAccount(ctx context.Context, a store.Account) (store.Account, error) {
	if a.ID == "" {
		id, err := randomHex(32)
		if err != nil {
			return a, err
		}
		a.ID = id
	}
	a.Email = strings.ToLower(strings.TrimSpace(a.Email))
	a.Created = time.Now().UTC().Truncate(time.Millisecond)
	if a.Email != "" {
		if err := s.claim(ctx, `INSERT INTO accounts_by_email (email, account) VALUES (?, ?) IF NOT EXISTS`, a.Email, a.ID); err != nil {
			return a, fmt.Errorf("e-mail %q: %w", a.Email, err)
		}
	}
	err := s.claim(ctx, `INSERT INTO accounts (id, display_name, email, admin, created) VALUES (?, ?, ?, ?, ?) IF NOT EXISTS`,
		a.ID, a.DisplayName, nullable(a.Email), a.Admin, a.Created)
	if err != nil {
		if a.Email != "" { // the claim is ours: give it back
			_ = s.exec(ctx, `DELETE FROM accounts_by_email WHERE email = ?`, a.Email)
		}
		return a, fmt.Errorf("account %q: %w", a.ID, err)
	}
	return a, nil
}

// EnsureAccount creates a unless an account with its id exists: the
// accounts of the config file's keys, created at every start.
func (s *Store) EnsureAccount(ctx context.Context, a store.Account) error {
	_, err := s.CreateAccount(ctx, a)
	if errors.Is(err, store.ErrAccountExists) {
		if _, err := s.Account(ctx, a.ID); err == nil {
			return nil // the id exists; an e-mail taken by another account is not ours to fix
		}
	}
	return err
}

// claim runs an INSERT ... IF NOT EXISTS; store.ErrAccountExists when it
// did not apply.
func (s *Store) claim(ctx context.Context, stmt string, args ...any) error {
	applied, err := s.query(ctx, stmt, args...).SerialConsistency(s.cfg.serial).MapScanCAS(map[string]any{})
	if err != nil {
		return err
	}
	if !applied {
		return store.ErrAccountExists
	}
	return nil
}

// ListAccounts returns every account, by id. Accounts are few (one per
// tenant), so this scans the table.
func (s *Store) ListAccounts(ctx context.Context) ([]store.Account, error) {
	iter := s.query(ctx, `SELECT id, display_name, email, admin, created FROM accounts`).Idempotent(true).Iter()
	var (
		out   []store.Account
		a     store.Account
		email *string
	)
	for iter.Scan(&a.ID, &a.DisplayName, &email, &a.Admin, &a.Created) {
		if email != nil {
			a.Email = *email
		}
		out = append(out, a)
		a, email = store.Account{}, nil
	}
	if err := iter.Close(); err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// SetAdmin marks or unmarks an account as an administrator.
func (s *Store) SetAdmin(ctx context.Context, id string, admin bool) error {
	if _, err := s.Account(ctx, id); err != nil {
		return err
	}
	if err := s.exec(ctx, `UPDATE accounts SET admin = ? WHERE id = ?`, admin, id); err != nil {
		return fmt.Errorf("account %q: %w", id, err)
	}
	return nil
}

// DeleteAccount deletes an account that owns no bucket and no key.
// Errors: store.ErrNoSuchAccount, store.ErrAccountInUse.
func (s *Store) DeleteAccount(ctx context.Context, id string) error {
	a, err := s.Account(ctx, id)
	if err != nil {
		return err
	}
	buckets, err := s.ListBuckets(ctx, id)
	if err != nil {
		return err
	}
	keys, err := s.keyIDs(ctx, id)
	if err != nil {
		return err
	}
	if len(buckets) > 0 || len(keys) > 0 {
		return fmt.Errorf("account %q has %d bucket(s) and %d key(s): %w", id, len(buckets), len(keys), store.ErrAccountInUse)
	}
	if err := s.exec(ctx, `DELETE FROM accounts WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete account %q: %w", id, err)
	}
	if a.Email != "" {
		if err := s.exec(ctx, `DELETE FROM accounts_by_email WHERE email = ?`, a.Email); err != nil {
			return fmt.Errorf("release e-mail of account %q: %w", id, err)
		}
	}
	return nil
}

// CreateKey creates a key for k.Account, with a fresh id and secret when
// k leaves them empty, and returns it with its secret (shown once).
// Errors: store.ErrNoSuchAccount, store.ErrAccountExists (the id is
// taken).
func (s *Store) CreateKey(ctx context.Context, k store.AccessKey) (store.AccessKey, error) {
	if _, err := s.Account(ctx, k.Account); err != nil {
		return k, err
	}
	var err error
	if k.ID == "" {
		if k.ID, err = randomString("AK", keyIDChars, 18); err != nil {
			return k, err
		}
	}
	if k.Secret == "" {
		if k.Secret, err = randomString("", secretChars, 40); err != nil {
			return k, err
		}
	}
	k.Created = time.Now().UTC().Truncate(time.Millisecond)
	secret, sealed, err := s.cfg.sealer.seal(k.ID, []byte(k.Secret))
	if err != nil {
		return k, err
	}
	if err := s.exec(ctx, `INSERT INTO access_keys_by_account (account, id) VALUES (?, ?)`, k.Account, k.ID); err != nil {
		return k, fmt.Errorf("key %q: %w", k.ID, err)
	}
	err = s.claim(ctx, `INSERT INTO access_keys (id, account, secret, sealed, disabled, created, buckets) VALUES (?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS`,
		k.ID, k.Account, secret, sealed, k.Disabled, k.Created, scopeMap(k.Buckets))
	if err != nil {
		return k, fmt.Errorf("key %q: %w", k.ID, err)
	}
	return k, nil
}

// ListKeys returns an account's keys, without their secrets.
func (s *Store) ListKeys(ctx context.Context, account string) ([]store.AccessKey, error) {
	ids, err := s.keyIDs(ctx, account)
	if err != nil {
		return nil, err
	}
	var out []store.AccessKey
	for _, id := range ids {
		k, err := s.readKey(ctx, id)
		if errors.Is(err, store.ErrNoSuchAccessKey) {
			continue // deleted between the two reads
		}
		if err != nil {
			return nil, err
		}
		k.Secret = ""
		out = append(out, k)
	}
	return out, nil
}

func (s *Store) keyIDs(ctx context.Context, account string) ([]string, error) {
	iter := s.query(ctx, `SELECT id FROM access_keys_by_account WHERE account = ?`, account).Idempotent(true).Iter()
	var (
		ids []string
		id  string
	)
	for iter.Scan(&id) {
		ids = append(ids, id)
	}
	if err := iter.Close(); err != nil {
		return nil, fmt.Errorf("list keys of %q: %w", account, err)
	}
	return ids, nil
}

// SetKeyDisabled disables or enables a key. Other frontends see it within
// KeyCacheTTL. Errors: store.ErrNoSuchAccessKey.
func (s *Store) SetKeyDisabled(ctx context.Context, id string, disabled bool) error {
	if _, err := s.readKey(ctx, id); err != nil {
		return err
	}
	if err := s.exec(ctx, `UPDATE access_keys SET disabled = ? WHERE id = ?`, disabled, id); err != nil {
		return fmt.Errorf("key %q: %w", id, err)
	}
	s.keys.forget(id)
	return nil
}

// SetKeyScope restricts a key to buckets (nil: no restriction). Errors:
// store.ErrNoSuchAccessKey.
func (s *Store) SetKeyScope(ctx context.Context, id string, buckets map[string]store.Permission) error {
	if _, err := s.readKey(ctx, id); err != nil {
		return err
	}
	if err := s.exec(ctx, `UPDATE access_keys SET buckets = ? WHERE id = ?`, scopeMap(buckets), id); err != nil {
		return fmt.Errorf("key %q: %w", id, err)
	}
	s.keys.forget(id)
	return nil
}

// DeleteKey deletes a key. Errors: store.ErrNoSuchAccessKey.
func (s *Store) DeleteKey(ctx context.Context, id string) error {
	k, err := s.readKey(ctx, id)
	if err != nil {
		return err
	}
	if err := s.exec(ctx, `DELETE FROM access_keys WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete key %q: %w", id, err)
	}
	s.keys.forget(id)
	if err := s.exec(ctx, `DELETE FROM access_keys_by_account WHERE account = ? AND id = ?`, k.Account, id); err != nil {
		return fmt.Errorf("unlist key %q: %w", id, err)
	}
	return nil
}

func scopeMap(b map[string]store.Permission) map[string]string {
	if len(b) == 0 {
		return nil
	}
	m := make(map[string]string, len(b))
	for k, v := range b {
		m[k] = string(v)
	}
	return m
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

const (
	keyIDChars  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	secretChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// randomString is prefix and n characters drawn uniformly from chars.
func randomString(prefix, chars string, n int) (string, error) {
	b := []byte(prefix)
	buf := make([]byte, 1)
	for len(b) < len(prefix)+n {
		if _, err := rand.Read(buf); err != nil {
			return "", err
		}
		// Reject the top of the byte range so every character is equally likely.
		if int(buf[0]) < 256/len(chars)*len(chars) {
			b = append(b, chars[int(buf[0])%len(chars)])
		}
	}
	return string(b), nil
}

// randomHex is n random bytes in hex.
func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
