package memstore

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/amphora-s3/amphora/store"
)

// version is one stored version of a key. Neither it nor data ever
// changes after PutObject publishes it; an Object's Ref points at it, so
// a reader keeps the exact bytes it asked for across overwrites and
// deletes (the garbage collector frees them when the last Ref goes).
type version struct {
	obj  store.Object // obj.Ref is this version
	data []byte
	// parts holds a completed multipart upload's bytes: the parts' own
	// buffers, in order, never copied (data is then nil).
	parts []partData
}

// partData is one part of a multipart object and where it starts.
type partData struct {
	off      int64
	data     []byte
	checksum string // the part's own checksum (a COMPOSITE object's)
}

// object returns a copy of v's Object the caller may modify freely.
func (v *version) object() store.Object {
	o := v.obj
	o.Meta.User = cloneUser(o.Meta.User)
	o.Tags = slices.Clone(o.Tags)
	return o
}

// cloneUser copies user metadata so the store and its callers never share
// a map. Empty maps become nil: a store backed by Cassandra cannot tell
// them apart either.
func cloneUser(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(m)
}

// maxPrealloc caps the buffer reserved from a declared size, so a client
// declaring a huge body it never sends cannot exhaust memory up front.
const maxPrealloc = 64 << 20

// PutObject reads exactly in.Size bytes, checks them and only then makes
// them the current version of in.Key. Until that last step nothing is
// shared, so every failure leaves the previous version as it was.
func (s *Store) PutObject(ctx context.Context, in store.PutInput) (store.Object, error) {
	fail := func(err error) (store.Object, error) {
		return store.Object{}, fmt.Errorf("put %s/%s: %w", in.Bucket, in.Key, err)
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	if in.Size < 0 && in.Size != store.UnknownSize {
		return fail(fmt.Errorf("negative size %d", in.Size))
	}
	// Fail fast on a missing bucket, before reading a possibly large body.
	s.mu.RLock()
	_, err := s.bucketLocked(in.Bucket)
	s.mu.RUnlock()
	if err != nil {
		return store.Object{}, err
	}

	data, digest, cs, err := readBody(ctx, in.Body, in.Size, in.ContentMD5, in.Verify)
	if err != nil {
		return fail(err)
	}
	sse, err := store.NewSSERecord(in.SSE)
	if err != nil {
		return fail(err)
	}
	digest = store.ETagDigest(sse, digest)

	v := &version{data: data}
	v.obj = store.Object{
		Bucket:       in.Bucket,
		Key:          in.Key,
		Size:         int64(len(data)),
		ETag:         hex.EncodeToString(digest),
		LastModified: now(),
		Owner:        in.Owner,
		Meta:         in.Meta,
		Checksum:     cs,
		ACL:          in.ACL,
		Tags:         in.Tags.Sorted(),
		Lock:         in.Lock,
		SSE:          sse,
		Ref:          v,
	}
	v.obj.Meta.User = cloneUser(in.Meta.User)

	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucketLocked(in.Bucket) // it may have gone while we read
	if err != nil {
		return store.Object{}, err
	}
	if err := b.checkCondition(in.Key, in.IfNoneMatch, in.IfMatch); err != nil {
		return fail(err)
	}
	if err := b.commit(in.Key, v); err != nil {
		return fail(err)
	}
	return v.object(), nil
}

// checkCondition decides a conditional write of key against its current
// version; b's store lock must be held until the commit.
func (b *bucket) checkCondition(key string, ifNoneMatch, ifMatch string) error {
	cur := b.current(key)
	etag := ""
	if cur != nil {
		etag = cur.obj.ETag
	}
	return store.CheckWrite(ifNoneMatch, ifMatch, cur != nil, etag)
}

// readBody reads exactly size bytes of body and checks them against
// contentMD5 (when set) and verify (when set), whose checksum it returns.
func readBody(ctx context.Context, body io.Reader, size int64, contentMD5 []byte, verify func() (store.Checksum, error)) ([]byte, []byte, store.Checksum, error) {
	var buf bytes.Buffer
	buf.Grow(int(min(max(size, 0), maxPrealloc)))
	sum := md5.New()
	if body == nil {
		body = bytes.NewReader(nil)
	}
	unknown := size == store.UnknownSize
	if unknown {
		size = store.MaxObjectSize + 1
	}
	n, err := io.CopyN(io.MultiWriter(&buf, sum), ctxReader{ctx, body}, size)
	switch {
	case unknown && n == size:
		return nil, nil, store.Checksum{}, fmt.Errorf("body over %d bytes: %w", int64(store.MaxObjectSize), store.ErrEntityTooLarge)
	case unknown && errors.Is(err, io.EOF):
		// The body's end is its size.
	case err == nil:
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		// io.ErrUnexpectedEOF is how net/http reports a client that hung
		// up before Content-Length bytes: the body ended early too.
		return nil, nil, store.Checksum{}, fmt.Errorf("body ended after %d of %d bytes: %w", n, size, store.ErrIncompleteBody)
	default:
		return nil, nil, store.Checksum{}, fmt.Errorf("read body: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, store.Checksum{}, err
	}
	digest := sum.Sum(nil)
	if contentMD5 != nil && !bytes.Equal(contentMD5, digest) {
		return nil, nil, store.Checksum{}, store.ErrBadDigest
	}
	var cs store.Checksum
	if verify != nil {
		if cs, err = verify(); err != nil {
			return nil, nil, store.Checksum{}, fmt.Errorf("verify: %w", err)
		}
	}
	return buf.Bytes(), digest, cs, nil
}

// newVersionID returns 16 random bytes in hex.
func newVersionID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("version id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// HeadObject returns the current version of key.
func (s *Store) HeadObject(ctx context.Context, bucket, key string) (store.Object, error) {
	if err := ctx.Err(); err != nil {
		return store.Object{}, fmt.Errorf("head %s/%s: %w", bucket, key, err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bucketLocked(bucket)
	if err != nil {
		return store.Object{}, err
	}
	vs := b.objects[key]
	if len(vs) == 0 {
		return store.Object{}, fmt.Errorf("head %s/%s: %w", bucket, key, store.ErrNoSuchKey)
	}
	if vs[0].obj.DeleteMarker {
		return store.Object{}, &store.DeleteMarkerError{Bucket: bucket, Key: key, VersionID: vs[0].obj.VersionID}
	}
	return vs[0].object(), nil
}

// ReadObject streams bytes [off, off+n) of the version obj describes,
// clamped to its end; n < 0 reads to the end. An offset outside
// [0, Size] is an error: the frontend answers InvalidRange before asking.
func (s *Store) ReadObject(ctx context.Context, obj store.Object, off, n int64) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read %s/%s: %w", obj.Bucket, obj.Key, err)
	}
	v, ok := obj.Ref.(*version)
	if !ok || v == nil {
		return nil, fmt.Errorf("read %s/%s: object ref %T is not from a memstore", obj.Bucket, obj.Key, obj.Ref)
	}
	if err := store.CheckSSE(v.obj.SSE, obj.SSEKey); err != nil {
		return nil, fmt.Errorf("read %s/%s: %w", obj.Bucket, obj.Key, err)
	}
	size := v.obj.Size
	if off < 0 || off > size {
		return nil, fmt.Errorf("read %s/%s: offset %d outside object of %d bytes", obj.Bucket, obj.Key, off, size)
	}
	end := size
	if n >= 0 && n < size-off {
		end = off + n
	}
	if v.parts == nil {
		return io.NopCloser(ctxReader{ctx, bytes.NewReader(v.data[off:end])}), nil
	}
	var rs []io.Reader
	for _, p := range v.parts {
		lo, hi := max(off, p.off), min(end, p.off+int64(len(p.data)))
		if lo < hi {
			rs = append(rs, bytes.NewReader(p.data[lo-p.off:hi-p.off]))
		}
	}
	return io.NopCloser(ctxReader{ctx, io.MultiReader(rs...)}), nil
}

// DeleteObject deletes key as the bucket's versioning state says: it
// removes the key, or commits a delete marker.
func (s *Store) DeleteObject(ctx context.Context, bucket, key string) (store.DeleteResult, error) {
	if err := ctx.Err(); err != nil {
		return store.DeleteResult{}, fmt.Errorf("delete %s/%s: %w", bucket, key, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucketLocked(bucket)
	if err != nil {
		return store.DeleteResult{}, err
	}
	if !b.info.Versioned() {
		b.drop(key)
		return store.DeleteResult{}, nil
	}
	m := &version{}
	m.obj = store.Object{Bucket: bucket, Key: key, DeleteMarker: true, LastModified: now(), Ref: m}
	if err := b.commit(key, m); err != nil {
		return store.DeleteResult{}, fmt.Errorf("delete %s/%s: %w", bucket, key, err)
	}
	return store.DeleteResult{VersionID: m.obj.VersionID, DeleteMarker: true}, nil
}

// ctxReader stops a stream once its context is done, as a store's
// network reads and writes would.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// PutObjectACL sets the ACL of the version obj names, if it is still
// the current version.
func (s *Store) PutObjectACL(ctx context.Context, obj store.Object, acl store.ACL) error {
	return s.setCurrent(ctx, obj, "ACL", func(o *store.Object) { o.ACL = acl })
}

// PutObjectTags sets the tags of the version obj names, if it is still
// the current version.
func (s *Store) PutObjectTags(ctx context.Context, obj store.Object, tags store.Tags) error {
	return s.setCurrent(ctx, obj, "tags", func(o *store.Object) { o.Tags = tags.Sorted() })
}

// PutObjectRetention sets the retention of the version obj names, if
// the retention in force allows the change.
func (s *Store) PutObjectRetention(ctx context.Context, obj store.Object, r store.Retention, bypassGovernance bool) error {
	return s.setVersion(ctx, obj, "retention", func(o *store.Object) error {
		if err := store.CheckRetentionChange(o.Lock.Retention, r, now(), bypassGovernance); err != nil {
			return err
		}
		o.Lock.Retention = r
		return nil
	})
}

// PutObjectLegalHold sets the legal hold of the version obj names.
func (s *Store) PutObjectLegalHold(ctx context.Context, obj store.Object, on bool) error {
	return s.setCurrent(ctx, obj, "legal hold", func(o *store.Object) { o.Lock.LegalHold, o.Lock.LegalHoldSet = on, true })
}

// setCurrent applies set to the version obj names, if its key still
// has it. Readers holding the version see the change: a Cassandra
// store's readers would too, once they read again.
func (s *Store) setCurrent(ctx context.Context, obj store.Object, what string, set func(*store.Object)) error {
	return s.setVersion(ctx, obj, what, func(o *store.Object) error { set(o); return nil })
}

// setVersion is setCurrent with a set that may refuse the change.
func (s *Store) setVersion(ctx context.Context, obj store.Object, what string, set func(*store.Object) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("set %s of %s/%s: %w", what, obj.Bucket, obj.Key, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucketLocked(obj.Bucket)
	if err != nil {
		return err
	}
	for _, v := range b.objects[obj.Key] {
		if v == obj.Ref && !v.obj.DeleteMarker {
			if err := set(&v.obj); err != nil {
				return fmt.Errorf("set %s of %s/%s version %s: %w", what, obj.Bucket, obj.Key, obj.VersionID, err)
			}
			return nil
		}
	}
	return fmt.Errorf("set %s of %s/%s version %s: %w", what, obj.Bucket, obj.Key, obj.VersionID, store.ErrNoSuchKey)
}
