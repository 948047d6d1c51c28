package store

import (
	"context"
	"sync"
)

// Memo is a per-request cache that a store may use to read the same
// metadata (a bucket's row, say) once per request rather than once per
// call: the frontend checks a bucket's owner and then calls the store on
// it, and DeleteObjects calls the store once per key. The frontend attaches
// a Memo to every request's context with WithMemo; a store called without
// one reads every time. A Memo lives as long as its request, so it never
// serves stale data across requests.
type Memo struct {
	mu sync.Mutex
	m  map[any]any
}

type memoKey struct{}

// WithMemo returns a context carrying a new, empty Memo.
func WithMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoKey{}, &Memo{})
}

// MemoFrom returns ctx's Memo, or nil when it has none.
func MemoFrom(ctx context.Context) *Memo {
	m, _ := ctx.Value(memoKey{}).(*Memo)
	return m
}

// Load returns the value stored under k. A nil Memo holds nothing.
func (m *Memo) Load(k any) (any, bool) {
	if m == nil {
		return nil, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.m[k]
	return v, ok
}

// Store records v under k; a nil Memo ignores it. Keys should be of a
// type private to the caller, so stores never collide.
func (m *Memo) Store(k, v any) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = make(map[any]any)
	}
	m.m[k] = v
}

// Forget drops k, for a store that changes what it memoized.
func (m *Memo) Forget(k any) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, k)
}
