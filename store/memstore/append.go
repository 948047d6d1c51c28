package memstore

import (
	"context"
	"crypto/md5"
	"fmt"

	"github.com/amphora-s3/amphora/store"
)

// AppendObject appends in.Body to the appendable object in.Key at
// in.Position (store.Appends). The new version shares the previous one's
// buffers (as a multipart object shares its parts') and adds one: nothing
// is copied, and readers of the previous version keep it whole.
func (s *Store) AppendObject(ctx context.Context, in store.AppendInput) (store.Object, error) {
	fail := func(err error) (store.Object, error) {
		return store.Object{}, fmt.Errorf("append %s/%s: %w", in.Bucket, in.Key, err)
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	if in.Size < 0 {
		return fail(fmt.Errorf("append of unknown or negative size %d", in.Size))
	}
	// Decide what can be decided before reading the body.
	s.mu.RLock()
	b, err := s.bucketLocked(in.Bucket)
	if err == nil {
		_, err = checkAppend(b, in)
	}
	s.mu.RUnlock()
	if err != nil {
		return store.Object{}, err
	}
	data, digest, _, err := readBody(ctx, in.Body, in.Size, in.ContentMD5, in.Verify)
	if err != nil {
		return fail(err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	b, err = s.bucketLocked(in.Bucket) // it may have gone while we read
	if err != nil {
		return store.Object{}, err
	}
	cur, err := checkAppend(b, in) // decided again: another append may have won
	if err != nil {
		return store.Object{}, err
	}
	v := &version{}
	var prev []byte
	appends := 0
	if cur == nil {
		v.obj = store.Object{Bucket: in.Bucket, Key: in.Key, Owner: in.Owner, Meta: in.Meta,
			ACL: in.ACL, Tags: in.Tags.Sorted(), Appendable: true}
		v.obj.Meta.User = cloneUser(in.Meta.User)
	} else {
		v.obj = cur.object()
		// Appending may write into cur.parts' spare capacity: cur only
		// ever reads its own length, and only the current version (under
		// the lock, at its length) is ever appended to, once.
		v.parts = cur.parts
		if prev, appends, err = store.ParseAppendETag(cur.obj.ETag); err != nil {
			return fail(err)
		}
	}
	if appends+1 > store.MaxAppends {
		return fail(fmt.Errorf("%d appends: %w", store.MaxAppends, store.ErrEntityTooLarge))
	}
	if digest == nil {
		sum := md5.Sum(data)
		digest = sum[:]
	}
	v.parts = append(v.parts, partData{off: in.Position, data: data})
	v.obj.Size = in.Position + int64(len(data))
	v.obj.ETag = store.AppendETag(store.AppendDigest(prev, digest), appends+1)
	v.obj.LastModified = now()
	v.obj.Checksum = store.Checksum{}
	v.obj.Ref = v
	if err := b.commit(in.Key, v); err != nil {
		return fail(err)
	}
	return v.object(), nil
}

// checkAppend decides in against b's current version of in.Key, which it
// returns (nil: the key does not exist). The store lock must be held.
func checkAppend(b *bucket, in store.AppendInput) (*version, error) {
	if b.info.Versioned() {
		return nil, fmt.Errorf("append %s/%s: %w", in.Bucket, in.Key, store.ErrAppendNotSupported)
	}
	cur := b.current(in.Key)
	var length int64
	if cur != nil {
		if !cur.obj.Appendable {
			return nil, fmt.Errorf("append %s/%s: %w", in.Bucket, in.Key, store.ErrObjectNotAppendable)
		}
		length = cur.obj.Size
	}
	if in.Position != length {
		return nil, &store.PositionError{Key: in.Key, Length: length}
	}
	if length+in.Size > store.MaxObjectSize {
		return nil, fmt.Errorf("append %s/%s: %d bytes in all: %w", in.Bucket, in.Key, length+in.Size, store.ErrEntityTooLarge)
	}
	return cur, nil
}
