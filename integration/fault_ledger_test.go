package integration

import (
	"fmt"
	"sync"
)

// The fault suite's ledger: what each key may hold after the writes made
// to it, acknowledged or not.

// objState is one possible state of a key: absent, or content with its
// SHA-256, size and block rows.
type objState struct {
	absent bool
	sha    string
	size   int64
	blocks int64
}

func (s objState) String() string {
	if s.absent {
		return "absent"
	}
	return fmt.Sprintf("%d bytes sha256 %.12s", s.size, s.sha)
}

// ledger holds, per key, the states it may be in: one after an
// acknowledged write, more after writes that failed (the write may or may
// not have happened, but never partly).
type ledger struct {
	mu   sync.Mutex
	keys map[string][]objState
}

func (l *ledger) set(key string, s objState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.keys[key] = []objState{s}
}

func (l *ledger) maybe(key string, s objState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cur, ok := l.keys[key]
	if !ok {
		cur = []objState{{absent: true}}
	}
	l.keys[key] = append(cur, s)
}

func (l *ledger) get(key string) []objState {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c, ok := l.keys[key]; ok {
		return append([]objState(nil), c...)
	}
	return []objState{{absent: true}}
}

// definite is the one state of an acknowledged key, ok false otherwise.
func (l *ledger) definite(key string) (objState, bool) {
	c := l.get(key)
	return c[0], len(c) == 1
}

// match is the candidate s is, or false.
func match(cands []objState, s objState) (objState, bool) {
	for _, c := range cands {
		if c.absent == s.absent && (c.absent || c.sha == s.sha && c.size == s.size) {
			return c, true
		}
	}
	return objState{}, false
}
