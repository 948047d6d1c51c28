// Package memstore is an in-memory store.Store for fast frontend tests.
//
// It follows the store contract exactly, down to the error sentinels and
// the commit point of a PUT, because the same conformance suite
// (store/storetest) runs against it and the Cassandra store: a frontend
// test that passes on memstore should pass on Cassandra. It keeps every
// byte in memory and never frees an overwritten version while a caller
// still holds its Object, so readers of an old version always finish.
//
// All methods are safe for concurrent use.
package memstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/amphora-s3/amphora/store"
)

var _ store.Store = (*Store)(nil)

// Store keeps buckets and objects in maps guarded by one RWMutex. Object
// bytes are immutable once stored, so reads stream without the lock.
type Store struct {
	mu      sync.RWMutex
	buckets map[string]*bucket
	lastID  int64 // nanoseconds of the last upload id, guarded by mu
	leases  map[string]*lease
}

// bucket holds the current version of each key and the keys in byte order
// for listing.
type bucket struct {
	info    store.Bucket
	objects map[string][]*version // each key's versions, newest first (never empty)
	keys    []string              // sorted; exactly the keys of objects
	// uploads holds the multipart uploads in progress by id; completed
	// maps the id of each completed upload to the version it made, so a
	// retried completion returns it.
	uploads   map[string]*upload
	completed map[string]*version
}

// New returns an empty Store.
func New() *Store {
	return &Store{buckets: make(map[string]*bucket)}
}

// now is the store's clock: UTC at millisecond precision, what S3 clients
// (and Cassandra timestamps) can represent, so every copy of a time
// compares equal.
func now() time.Time {
	return time.Now().UTC().Truncate(time.Millisecond)
}

// CreateBucket claims b.Name for b.Owner. Created is set to now when b
// leaves it zero.
func (s *Store) CreateBucket(ctx context.Context, b store.Bucket) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("create bucket %q: %w", b.Name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if have, ok := s.buckets[b.Name]; ok {
		if have.info.Owner == b.Owner {
			return fmt.Errorf("create bucket %q: %w", b.Name, store.ErrBucketAlreadyOwnedByYou)
		}
		return fmt.Errorf("create bucket %q: %w", b.Name, store.ErrBucketAlreadyExists)
	}
	if b.Created.IsZero() {
		b.Created = now()
	}
	b.Settings = maps.Clone(b.Settings)
	s.buckets[b.Name] = &bucket{info: b, objects: make(map[string][]*version),
		uploads: make(map[string]*upload), completed: make(map[string]*version)}
	return nil
}

// GetBucket returns the bucket named name.
func (s *Store) GetBucket(ctx context.Context, name string) (store.Bucket, error) {
	if err := ctx.Err(); err != nil {
		return store.Bucket{}, fmt.Errorf("get bucket %q: %w", name, err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bucketLocked(name)
	if err != nil {
		return store.Bucket{}, err
	}
	info := b.info
	info.Settings = maps.Clone(info.Settings)
	return info, nil
}

// SetBucketSetting sets (or, with "", removes) one of a bucket's settings.
func (s *Store) SetBucketSetting(ctx context.Context, name, setting, value string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("set %s of bucket %q: %w", setting, name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucketLocked(name)
	if err != nil {
		return err
	}
	settings := maps.Clone(b.info.Settings) // GetBucket's callers hold the old map
	if settings == nil {
		settings = store.BucketSettings{}
	}
	if value == "" {
		delete(settings, setting)
	} else {
		settings[setting] = value
	}
	b.info.Settings = settings
	return nil
}

// DeleteBucket removes an empty bucket and frees its name.
func (s *Store) DeleteBucket(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete bucket %q: %w", name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucketLocked(name)
	if err != nil {
		return err
	}
	if len(b.objects) > 0 || len(b.uploads) > 0 {
		return fmt.Errorf("delete bucket %q: %w", name, store.ErrBucketNotEmpty)
	}
	delete(s.buckets, name)
	return nil
}

// ListBuckets returns owner's buckets sorted by name.
func (s *Store) ListBuckets(ctx context.Context, owner string) ([]store.Bucket, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list buckets: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []store.Bucket
	for _, b := range s.buckets {
		if b.info.Owner == owner {
			out = append(out, b.info)
		}
	}
	slices.SortFunc(out, func(a, b store.Bucket) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// bucketLocked returns the bucket named name; s.mu must be held.
func (s *Store) bucketLocked(name string) (*bucket, error) {
	b, ok := s.buckets[name]
	if !ok {
		return nil, fmt.Errorf("bucket %q: %w", name, store.ErrNoSuchBucket)
	}
	return b, nil
}
