package cassandra

import (
	"context"
	"fmt"
	"strings"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// ListMultipartUploads pages through the bucket's uploads partition
// (clustered by key, then upload timeuuid: initiation order) with the
// shared store.ListUploads.
func (s *Store) ListMultipartUploads(ctx context.Context, in store.ListUploadsInput) (store.ListUploadsResult, error) {
	b, err := s.bucket(ctx, in.Bucket)
	if err != nil {
		return store.ListUploadsResult{}, err
	}
	c := &uploadCursor{s: s, b: b, prefix: in.Prefix, page: min(max(in.MaxUploads+1, 2), 1000)}
	defer c.close()
	switch {
	case in.KeyMarker == "" || in.KeyMarker < in.Prefix:
		c.start(ctx, `key >= ?`, []byte(in.Prefix))
	case in.UploadIDMarker != "":
		id, err := gocql.ParseUUID(in.UploadIDMarker)
		if err != nil {
			c.start(ctx, `key > ?`, []byte(in.KeyMarker))
		} else {
			c.start(ctx, `(key, upload_id) > (?, ?)`, []byte(in.KeyMarker), id)
		}
	default:
		c.start(ctx, `key > ?`, []byte(in.KeyMarker))
	}
	res, err := store.ListUploads(ctx, c, in)
	if err != nil {
		return store.ListUploadsResult{}, fmt.Errorf("list uploads of %q: %w", in.Bucket, err)
	}
	return res, nil
}

// uploadCursor walks the uploads rows of one bucket whose key has prefix.
type uploadCursor struct {
	s      *Store
	b      bucketInfo
	prefix string
	page   int
	iter   *gocql.Iter
	done   bool
	err    error
}

func (c *uploadCursor) start(ctx context.Context, where string, args ...any) {
	c.close()
	c.iter = c.s.query(ctx, `SELECT key, upload_id, owner, initiated FROM uploads WHERE bucket_id = ? AND `+where,
		append([]any{c.b.id}, args...)...).Idempotent(true).PageSize(c.page).Iter()
	c.done = false
}

func (c *uploadCursor) close() {
	if c.iter != nil {
		if err := c.iter.Close(); err != nil && c.err == nil {
			c.err = err
		}
		c.iter = nil
	}
}

func (c *uploadCursor) Next(ctx context.Context) (store.Upload, bool) {
	if c.done || c.err != nil || c.iter == nil {
		return store.Upload{}, false
	}
	var (
		key []byte
		id  gocql.UUID
		u   = store.Upload{Bucket: c.b.name}
	)
	if !c.iter.Scan(&key, &id, &u.Owner, &u.Initiated) {
		c.done = true
		c.close()
		return store.Upload{}, false
	}
	u.Key, u.UploadID, u.Initiated = string(key), id.String(), u.Initiated.UTC()
	if !strings.HasPrefix(u.Key, c.prefix) {
		c.done = true
		return store.Upload{}, false
	}
	return u, true
}

func (c *uploadCursor) SkipPrefix(ctx context.Context, p string) {
	end := store.PrefixEnd(p)
	if end == "" {
		c.done = true
		return
	}
	c.start(ctx, `key >= ?`, []byte(end))
}

func (c *uploadCursor) Err() error { return c.err }
