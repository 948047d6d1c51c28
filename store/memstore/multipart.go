package memstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/amphora-s3/amphora/store"
)

// upload is a multipart upload in progress. Its parts map is guarded by
// the store's lock; a part's bytes never change once stored.
type upload struct {
	info  store.Upload
	parts map[int]*part
}

type part struct {
	info store.Part
	data []byte
}

// newUploadID returns an id that sorts in initiation order (the store's
// lock must be held): 16 hex digits of a strictly increasing nanosecond
// clock, then 16 random ones.
func (s *Store) newUploadID() (string, error) {
	ns := max(time.Now().UnixNano(), s.lastID+1)
	s.lastID = ns
	var r [8]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", fmt.Errorf("upload id: %w", err)
	}
	return fmt.Sprintf("%016x%s", ns, hex.EncodeToString(r[:])), nil
}

// CreateMultipartUpload starts an upload of in.Key.
func (s *Store) CreateMultipartUpload(ctx context.Context, in store.CreateUploadInput) (store.Upload, error) {
	if err := ctx.Err(); err != nil {
		return store.Upload{}, fmt.Errorf("create upload %s/%s: %w", in.Bucket, in.Key, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucketLocked(in.Bucket)
	if err != nil {
		return store.Upload{}, err
	}
	id, err := s.newUploadID()
	if err != nil {
		return store.Upload{}, err
	}
	sse, err := store.NewSSERecord(in.SSE)
	if err != nil {
		return store.Upload{}, err
	}
	u := &upload{info: store.Upload{
		Bucket: in.Bucket, Key: in.Key, UploadID: id, Owner: in.Owner, Initiated: now(),
		Meta: in.Meta, ChecksumAlgorithm: in.ChecksumAlgorithm, ChecksumType: in.ChecksumType, ACL: in.ACL, Tags: in.Tags.Sorted(), Lock: in.Lock,
		SSE: sse,
	}, parts: make(map[int]*part)}
	u.info.Meta.User = cloneUser(in.Meta.User)
	b.uploads[id] = u
	return u.public(), nil
}

func (u *upload) public() store.Upload {
	out := u.info
	out.Meta.User = cloneUser(out.Meta.User)
	return out
}

// uploadLocked returns the upload id of key in bucket; s.mu must be held.
func (s *Store) uploadLocked(bucket, key, id string) (*bucket, *upload, error) {
	b, err := s.bucketLocked(bucket)
	if err != nil {
		return nil, nil, err
	}
	u, ok := b.uploads[id]
	if !ok || u.info.Key != key {
		return nil, nil, fmt.Errorf("upload %q of %s/%s: %w", id, bucket, key, store.ErrNoSuchUpload)
	}
	return b, u, nil
}

// UploadPart stores part in.PartNumber, replacing any earlier one.
func (s *Store) UploadPart(ctx context.Context, in store.PartInput) (store.Part, error) {
	fail := func(err error) (store.Part, error) {
		return store.Part{}, fmt.Errorf("upload part %d of %s/%s: %w", in.PartNumber, in.Bucket, in.Key, err)
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	if in.PartNumber < 1 || in.PartNumber > store.MaxPartNumber {
		return fail(fmt.Errorf("part number %d outside 1..%d", in.PartNumber, store.MaxPartNumber))
	}
	if in.Size < 0 || in.Size > store.MaxPartSize {
		return fail(fmt.Errorf("part size %d outside 0..%d", in.Size, int64(store.MaxPartSize)))
	}
	s.mu.RLock()
	_, u0, err := s.uploadLocked(in.Bucket, in.Key, in.UploadID)
	s.mu.RUnlock()
	if err != nil {
		return store.Part{}, err
	}
	if err := in.Check(u0.info); err != nil {
		return fail(err)
	}
	if err := in.ResolveManaged(ctx, u0.info.SSE); err != nil {
		return fail(err)
	}
	if err := store.CheckSSE(u0.info.SSE, in.SSE); err != nil {
		return fail(err)
	}
	data, digest, cs, err := readBody(ctx, in.Body, in.Size, in.ContentMD5, in.Verify)
	if err != nil {
		return fail(err)
	}
	digest = store.ETagDigest(u0.info.SSE, digest)
	p := &part{data: data, info: store.Part{
		PartNumber: in.PartNumber, Size: in.Size, ETag: hex.EncodeToString(digest),
		LastModified: now(), Checksum: cs,
	}}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, u, err := s.uploadLocked(in.Bucket, in.Key, in.UploadID) // completed or aborted meanwhile?
	if err != nil {
		return store.Part{}, err
	}
	u.parts[in.PartNumber] = p
	return p.info, nil
}

// ListParts lists the upload's parts in part number order.
func (s *Store) ListParts(ctx context.Context, in store.ListPartsInput) (store.ListPartsResult, error) {
	if err := ctx.Err(); err != nil {
		return store.ListPartsResult{}, fmt.Errorf("list parts of %s/%s: %w", in.Bucket, in.Key, err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, u, err := s.uploadLocked(in.Bucket, in.Key, in.UploadID)
	if err != nil {
		return store.ListPartsResult{}, err
	}
	res := store.ListPartsResult{Upload: u.public()}
	nums := make([]int, 0, len(u.parts))
	for n := range u.parts {
		if n > in.After {
			nums = append(nums, n)
		}
	}
	slices.Sort(nums)
	for _, n := range nums {
		if len(res.Parts) == in.MaxParts {
			res.IsTruncated = true
			break
		}
		res.Parts = append(res.Parts, u.parts[n].info)
		res.NextAfter = n
	}
	return res, nil
}

// CompleteMultipartUpload makes the listed parts the key's current
// version. The object shares the parts' buffers: nothing is copied.
func (s *Store) CompleteMultipartUpload(ctx context.Context, in store.CompleteInput) (store.Object, error) {
	fail := func(err error) (store.Object, error) {
		return store.Object{}, fmt.Errorf("complete upload %q of %s/%s: %w", in.UploadID, in.Bucket, in.Key, err)
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucketLocked(in.Bucket)
	if err != nil {
		return store.Object{}, err
	}
	if v, ok := b.completed[in.UploadID]; ok && v.obj.Key == in.Key {
		return v.object(), nil // a retried completion
	}
	_, u, err := s.uploadLocked(in.Bucket, in.Key, in.UploadID)
	if err != nil {
		return store.Object{}, err
	}
	parts, err := store.ValidateParts(in.Parts, func(n int) (store.Part, bool) {
		p, ok := u.parts[n]
		if !ok {
			return store.Part{}, false
		}
		return p.info, true
	}, store.MinPartSize)
	if err != nil {
		return fail(err)
	}
	if err := b.checkCondition(in.Key, in.IfNoneMatch, in.IfMatch); err != nil {
		return fail(err)
	}
	v := &version{parts: make([]partData, len(parts))}
	var (
		size  int64
		etags = make([]string, len(parts))
		sums  = make([]store.Checksum, len(parts))
	)
	for i, p := range parts {
		v.parts[i] = partData{off: size, data: u.parts[p.PartNumber].data}
		if u.info.ChecksumType == "COMPOSITE" {
			v.parts[i].checksum = p.Checksum.Value
		}
		size += p.Size
		etags[i], sums[i] = p.ETag, p.Checksum
	}
	etag, err := store.MultipartETag(etags)
	if err != nil {
		return fail(err)
	}
	cs, err := store.ObjectChecksum(u.info.ChecksumAlgorithm, u.info.ChecksumType, sums)
	if err != nil {
		return fail(err)
	}
	v.obj = store.Object{
		Bucket: in.Bucket, Key: in.Key, Size: size, ETag: etag,
		LastModified: now(), Owner: u.info.Owner, Meta: u.info.Meta, Parts: len(parts),
		Checksum: cs, ACL: u.info.ACL, Tags: u.info.Tags, Lock: u.info.Lock, SSE: u.info.SSE, Ref: v,
	}
	if v.obj.Lock.Retention.IsZero() {
		v.obj.Lock.Retention = in.DefaultRetention
	}
	v.obj.Meta.User = cloneUser(u.info.Meta.User)
	if err := b.commit(in.Key, v); err != nil {
		return fail(err)
	}
	delete(b.uploads, in.UploadID)
	b.completed[in.UploadID] = v
	return v.object(), nil
}

// AbortMultipartUpload discards the upload and its parts.
func (s *Store) AbortMultipartUpload(ctx context.Context, bucket, key, uploadID string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("abort upload %q of %s/%s: %w", uploadID, bucket, key, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, _, err := s.uploadLocked(bucket, key, uploadID)
	if err != nil {
		return err
	}
	delete(b.uploads, uploadID)
	return nil
}

// ListMultipartUploads lists uploads in progress by key, then initiation
// (upload ids sort in initiation order), with the shared store.ListUploads.
func (s *Store) ListMultipartUploads(ctx context.Context, in store.ListUploadsInput) (store.ListUploadsResult, error) {
	if err := ctx.Err(); err != nil {
		return store.ListUploadsResult{}, fmt.Errorf("list uploads of %s: %w", in.Bucket, err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bucketLocked(in.Bucket)
	if err != nil {
		return store.ListUploadsResult{}, err
	}
	var all []store.Upload
	for _, u := range b.uploads {
		k := u.info.Key
		if !strings.HasPrefix(k, in.Prefix) {
			continue
		}
		if k < in.KeyMarker || k == in.KeyMarker && (in.UploadIDMarker == "" || u.info.UploadID <= in.UploadIDMarker) {
			continue
		}
		all = append(all, u.public())
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].Key != all[j].Key {
			return all[i].Key < all[j].Key
		}
		return all[i].UploadID < all[j].UploadID
	})
	res, err := store.ListUploads(ctx, &uploadCursor{all: all}, in)
	if err != nil {
		return store.ListUploadsResult{}, fmt.Errorf("list uploads of %s: %w", in.Bucket, err)
	}
	return res, nil
}

// uploadCursor walks a sorted slice of uploads.
type uploadCursor struct {
	all []store.Upload
	i   int
	err error
}

func (c *uploadCursor) Next(ctx context.Context) (store.Upload, bool) {
	if err := ctx.Err(); err != nil {
		c.err = err
		return store.Upload{}, false
	}
	if c.i >= len(c.all) {
		return store.Upload{}, false
	}
	c.i++
	return c.all[c.i-1], true
}

func (c *uploadCursor) SkipPrefix(_ context.Context, p string) {
	for c.i < len(c.all) && strings.HasPrefix(c.all[c.i].Key, p) {
		c.i++
	}
}

func (c *uploadCursor) Err() error { return c.err }

// ObjectPart returns where part n of obj lies in its bytes.
func (s *Store) ObjectPart(ctx context.Context, obj store.Object, n int) (off, size int64, err error) {
	if err := ctx.Err(); err != nil {
		return 0, 0, fmt.Errorf("object part %d of %s/%s: %w", n, obj.Bucket, obj.Key, err)
	}
	v, ok := obj.Ref.(*version)
	if !ok || v == nil {
		return 0, 0, fmt.Errorf("object part of %s/%s: object ref %T is not from a memstore", obj.Bucket, obj.Key, obj.Ref)
	}
	if v.parts == nil || v.obj.Appendable { // an appendable object is one part too
		if n != 1 {
			return 0, 0, fmt.Errorf("part %d of a single-part object: %w", n, store.ErrInvalidPart)
		}
		return 0, v.obj.Size, nil
	}
	if n < 1 || n > len(v.parts) {
		return 0, 0, fmt.Errorf("part %d of %d: %w", n, len(v.parts), store.ErrInvalidPart)
	}
	p := v.parts[n-1]
	return p.off, int64(len(p.data)), nil
}

// ObjectParts returns parts first..last of obj.
func (s *Store) ObjectParts(ctx context.Context, obj store.Object, first, last int) ([]store.PartInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("object parts of %s/%s: %w", obj.Bucket, obj.Key, err)
	}
	v, ok := obj.Ref.(*version)
	if !ok || v == nil {
		return nil, fmt.Errorf("object parts of %s/%s: object ref %T is not from a memstore", obj.Bucket, obj.Key, obj.Ref)
	}
	single := v.parts == nil || v.obj.Appendable // an appendable object is one part too
	n := len(v.parts)
	if single {
		n = 1
	}
	if first < 1 || last < first || last > n {
		return nil, fmt.Errorf("parts %d..%d of %d: %w", first, last, n, store.ErrInvalidPart)
	}
	if single {
		return []store.PartInfo{{Number: 1, Size: v.obj.Size}}, nil
	}
	out := make([]store.PartInfo, 0, last-first+1)
	for i := first; i <= last; i++ {
		p := v.parts[i-1]
		out = append(out, store.PartInfo{Number: i, Off: p.off, Size: int64(len(p.data)), Checksum: p.checksum})
	}
	return out, nil
}
