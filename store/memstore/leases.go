package memstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/amphora-s3/amphora/store"
)

// lease is one store.Leases lease.
type lease struct {
	holder   string
	expires  time.Time
	position string
}

// AcquireLease takes or renews lease name for holder.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("lease %s: %w", name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.lease(name)
	if l.holder != "" && l.holder != holder && now().Before(l.expires) {
		return false, nil
	}
	l.holder, l.expires = holder, now().Add(ttl)
	return true, nil
}

// ReleaseLease gives up lease name if holder has it.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l := s.lease(name); l.holder == holder {
		l.holder = ""
	}
	return nil
}

// LeasePosition is the position saved with lease name.
func (s *Store) LeasePosition(ctx context.Context, name string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("lease %s: %w", name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lease(name).position, nil
}

// SaveLeasePosition saves pos if holder still has lease name.
func (s *Store) SaveLeasePosition(ctx context.Context, name, holder, pos string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("lease %s: %w", name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.lease(name)
	if l.holder != holder || !now().Before(l.expires) {
		return false, nil
	}
	l.position = pos
	return true, nil
}

// lease returns lease name, made on first use; s.mu must be held.
func (s *Store) lease(name string) *lease {
	if s.leases == nil {
		s.leases = map[string]*lease{}
	}
	l, ok := s.leases[name]
	if !ok {
		l = &lease{}
		s.leases[name] = l
	}
	return l
}

// AllBuckets returns every bucket, sorted by name.
func (s *Store) AllBuckets(ctx context.Context) ([]store.Bucket, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list all buckets: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]store.Bucket, 0, len(s.buckets))
	for _, b := range s.buckets {
		info := b.info
		info.Settings = maps.Clone(info.Settings)
		out = append(out, info)
	}
	slices.SortFunc(out, func(a, b store.Bucket) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}
