package memstore

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"sync"

	"github.com/amphora-s3/amphora/store"
)

var _ store.Accounts = (*Accounts)(nil)

// Accounts is an in-memory store.Accounts for frontend tests, filled with
// AddAccount and AddKey.
type Accounts struct {
	mu       sync.Mutex
	accounts map[string]store.Account
	keys     map[string]store.AccessKey
	// Fail, when set, is returned by every lookup (a store that is down).
	Fail error
}

// NewAccounts returns an empty account store.
func NewAccounts() *Accounts {
	return &Accounts{accounts: map[string]store.Account{}, keys: map[string]store.AccessKey{}}
}

// AddAccount adds or replaces a.
func (s *Accounts) AddAccount(a store.Account) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a.Email = strings.ToLower(a.Email)
	s.accounts[a.ID] = a
}

// AddKey adds or replaces k (its Buckets map is copied).
func (s *Accounts) AddKey(k store.AccessKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k.Buckets = maps.Clone(k.Buckets)
	s.keys[k.ID] = k
}

func (s *Accounts) AccessKey(_ context.Context, id string) (store.AccessKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Fail != nil {
		return store.AccessKey{}, s.Fail
	}
	k, ok := s.keys[id]
	if !ok {
		return k, fmt.Errorf("access key %q: %w", id, store.ErrNoSuchAccessKey)
	}
	k.Buckets = maps.Clone(k.Buckets)
	return k, nil
}

func (s *Accounts) Account(_ context.Context, id string) (store.Account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Fail != nil {
		return store.Account{}, s.Fail
	}
	a, ok := s.accounts[id]
	if !ok {
		return a, fmt.Errorf("account %q: %w", id, store.ErrNoSuchAccount)
	}
	return a, nil
}

func (s *Accounts) AccountByEmail(_ context.Context, email string) (store.Account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Fail != nil {
		return store.Account{}, s.Fail
	}
	for _, a := range s.accounts {
		if a.Email != "" && a.Email == strings.ToLower(email) {
			return a, nil
		}
	}
	return store.Account{}, fmt.Errorf("account with e-mail %q: %w", email, store.ErrNoSuchAccount)
}
