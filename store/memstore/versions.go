package memstore

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/amphora-s3/amphora/store"
)

// commit makes v the newest version of key, with the version id the
// bucket's versioning state gives it, and drops the versions the one rule
// (store.GarbageVersions) says it replaced. The store lock must be held.
func (b *bucket) commit(key string, v *version) error {
	if b.info.Versioning() == store.VersioningEnabled {
		id, err := newVersionID()
		if err != nil {
			return err
		}
		v.obj.VersionID = id
	} else {
		v.obj.VersionID = store.NullVersion
	}
	vs := b.objects[key]
	if len(vs) == 0 {
		i, _ := slices.BinarySearch(b.keys, key)
		b.keys = slices.Insert(b.keys, i, key)
	}
	vs = append([]*version{v}, vs...)
	facts := make([]store.VersionFacts, len(vs))
	t := now()
	for i, x := range vs {
		facts[i] = store.VersionFacts{Null: x.obj.VersionID == store.NullVersion, Locked: x.obj.Lock.Active(t)}
	}
	for _, i := range slices.Backward(store.GarbageVersions(facts)) {
		vs = slices.Delete(vs, i, i+1)
	}
	b.objects[key] = vs
	return nil
}

// current is key's current version, nil when it has none or it is a
// delete marker.
func (b *bucket) current(key string) *version {
	vs := b.objects[key]
	if len(vs) == 0 || vs[0].obj.DeleteMarker {
		return nil
	}
	return vs[0]
}

// drop removes key and every version of it.
func (b *bucket) drop(key string) {
	if _, ok := b.objects[key]; !ok {
		return
	}
	delete(b.objects, key)
	if i, found := slices.BinarySearch(b.keys, key); found {
		b.keys = slices.Delete(b.keys, i, i+1)
	}
}

// HeadVersion returns the version of key named versionID.
func (s *Store) HeadVersion(ctx context.Context, bucket, key, versionID string) (store.Object, error) {
	if err := ctx.Err(); err != nil {
		return store.Object{}, fmt.Errorf("head %s/%s version %s: %w", bucket, key, versionID, err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bucketLocked(bucket)
	if err != nil {
		return store.Object{}, err
	}
	for _, v := range b.objects[key] {
		if v.obj.VersionID == versionID {
			return v.object(), nil
		}
	}
	return store.Object{}, fmt.Errorf("head %s/%s version %s: %w", bucket, key, versionID, store.ErrNoSuchVersion)
}

// DeleteVersion removes the version of key named versionID.
func (s *Store) DeleteVersion(ctx context.Context, bucket, key, versionID string, bypassGovernance bool) (store.DeleteResult, error) {
	if err := ctx.Err(); err != nil {
		return store.DeleteResult{}, fmt.Errorf("delete %s/%s version %s: %w", bucket, key, versionID, err)
	}
	if !validVersionID(versionID) {
		return store.DeleteResult{}, fmt.Errorf("delete %s/%s version %q: %w", bucket, key, versionID, store.ErrNoSuchVersion)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucketLocked(bucket)
	if err != nil {
		return store.DeleteResult{}, err
	}
	vs := b.objects[key]
	for i, v := range vs {
		if v.obj.VersionID != versionID {
			continue
		}
		if err := v.obj.Lock.CheckDelete(now(), bypassGovernance); err != nil {
			return store.DeleteResult{}, fmt.Errorf("delete %s/%s version %s: %w", bucket, key, versionID, err)
		}
		if len(vs) == 1 {
			b.drop(key)
		} else {
			b.objects[key] = slices.Delete(slices.Clone(vs), i, i+1)
		}
		return store.DeleteResult{VersionID: versionID, DeleteMarker: v.obj.DeleteMarker}, nil
	}
	return store.DeleteResult{VersionID: versionID}, nil
}

// validVersionID accepts the version ids this store makes.
func validVersionID(id string) bool {
	if id == store.NullVersion {
		return true
	}
	if len(id) != 32 {
		return false
	}
	return strings.Trim(id, "0123456789abcdef") == ""
}

// ListVersions lists every version with the shared store.ListVersionsPage
// under the read lock: a page is a consistent snapshot.
func (s *Store) ListVersions(ctx context.Context, in store.ListVersionsInput) (store.ListVersionsResult, error) {
	if err := ctx.Err(); err != nil {
		return store.ListVersionsResult{}, fmt.Errorf("list versions of %s: %w", in.Bucket, err)
	}
	if in.VersionIDMarker != "" && !validVersionID(in.VersionIDMarker) {
		return store.ListVersionsResult{}, fmt.Errorf("list versions of %s: marker %q: %w", in.Bucket, in.VersionIDMarker, store.ErrNoSuchVersion)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bucketLocked(in.Bucket)
	if err != nil {
		return store.ListVersionsResult{}, err
	}
	// The marker key itself is included.
	c := &versionCursor{cursor{b: b, prefix: in.Prefix,
		i: max(sort.SearchStrings(b.keys, in.Prefix), sort.SearchStrings(b.keys, in.KeyMarker))}}
	res, err := store.ListVersionsPage(ctx, c, in)
	if err != nil {
		return store.ListVersionsResult{}, fmt.Errorf("list versions of %s: %w", in.Bucket, err)
	}
	return res, nil
}

// versionCursor walks b.keys as cursor does (its SkipPrefix, Err and
// Close), yielding every version of each key, delete markers included.
type versionCursor struct{ cursor }

func (c *versionCursor) Next(ctx context.Context) (store.KeyVersions, bool) {
	if c.err != nil {
		return store.KeyVersions{}, false
	}
	if err := ctx.Err(); err != nil {
		c.err = err
		return store.KeyVersions{}, false
	}
	if c.i >= len(c.b.keys) || !strings.HasPrefix(c.b.keys[c.i], c.prefix) {
		return store.KeyVersions{}, false
	}
	key := c.b.keys[c.i]
	c.i++
	kv := store.KeyVersions{Key: key}
	for _, v := range c.b.objects[key] {
		kv.Versions = append(kv.Versions, v.object())
	}
	return kv, true
}
