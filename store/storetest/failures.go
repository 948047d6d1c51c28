package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/amphora-s3/amphora/store"
)

// errBody is what a failing request body returns mid-stream.
var errBody = errors.New("storetest: body broke")

// failingReader yields data, then fails with err instead of io.EOF.
type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// cancellingReader yields all of data but cancels the upload's context
// once at bytes have been read, as a client hanging up would.
type cancellingReader struct {
	data   []byte
	at     int
	read   int
	cancel context.CancelFunc
}

func (r *cancellingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	if r.read < r.at {
		p = p[:min(len(p), r.at-r.read)]
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	r.read += n
	if r.read >= r.at {
		r.cancel()
	}
	return n, nil
}

// failure is one way an upload can go wrong.
type failure struct {
	name string
	// start returns the upload for data, cut short or broken at cut bytes,
	// and the context to send it with.
	start func(ctx context.Context, in store.PutInput, data []byte, cut int) (context.Context, store.PutInput)
	want  error
}

var failures = []failure{
	{
		name: "bad digest",
		start: func(ctx context.Context, in store.PutInput, data []byte, _ int) (context.Context, store.PutInput) {
			in.ContentMD5 = md5raw(append(bytes.Clone(data), 0))
			return ctx, in
		},
		want: store.ErrBadDigest,
	},
	{
		name: "short body",
		start: func(ctx context.Context, in store.PutInput, data []byte, cut int) (context.Context, store.PutInput) {
			in.Body = bytes.NewReader(data[:cut])
			return ctx, in
		},
		want: store.ErrIncompleteBody,
	},
	{
		name: "body error",
		start: func(ctx context.Context, in store.PutInput, data []byte, cut int) (context.Context, store.PutInput) {
			in.Body = &failingReader{data: data[:cut], err: errBody}
			return ctx, in
		},
		want: errBody,
	},
	{
		name: "context cancelled",
		start: func(ctx context.Context, in store.PutInput, data []byte, cut int) (context.Context, store.PutInput) {
			ctx, cancel := context.WithCancel(ctx)
			in.Body = &cancellingReader{data: data, at: cut, cancel: cancel}
			return ctx, in
		},
		want: context.Canceled,
	},
}

// testFailedUploads: every failed PUT leaves the previous version exactly
// as it was, or, for a new key, leaves no trace: not in HeadObject, not
// listed, and the bucket still counts as empty.
func (s *suite) testFailedUploads(t *testing.T) {
	bs := s.bs
	shapes := []struct {
		name      string
		size, cut int // cut: where the body breaks, after more than a block when large
	}{
		{"small", 100, 50},
		{"large", 2*bs + 5, bs + 100},
	}
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			st := s.newStore(t)
			fresh := s.newBucket(t, st, "fail-new", s.owner("main"))
			prev := s.newBucket(t, st, "fail-prev", s.owner("main"))
			for i, f := range failures {
				key := fmt.Sprintf("fail/%d", i)
				old := payload(bs+7, uint64(100+i))
				before := put(t, st, prev, key, old, meta("before"))
				data := payload(sh.size, uint64(200+i))
				for _, b := range []string{fresh, prev} {
					in := store.PutInput{Bucket: b, Key: key, Owner: "writer", Size: int64(sh.size),
						Meta: meta("failed"), ContentMD5: md5raw(data), Body: bytes.NewReader(data)}
					ctx, in := f.start(t.Context(), in, data, sh.cut)
					obj, err := st.PutObject(ctx, in)
					if err == nil {
						t.Fatalf("%s into %s: PutObject succeeded: %s", f.name, b, describe(obj))
					}
					wantErr(t, f.name, err, f.want)
				}

				h := head(t, st, prev, key)
				checkObject(t, f.name+": previous version after a failed overwrite", h, before)
				checkBytes(t, f.name+": previous bytes after a failed overwrite", read(t, st, h, 0, -1), old)
				checkBytes(t, f.name+": previous bytes via the old Object", read(t, st, before, 0, -1), old)

				_, err := st.HeadObject(t.Context(), fresh, key)
				wantErr(t, f.name+": HeadObject of a key whose only upload failed", err, store.ErrNoSuchKey)
			}
			if got := listKeys(t, st, fresh, ""); len(got) != 0 {
				t.Errorf("failed uploads are listed: %q", got)
			}
			if err := st.DeleteBucket(t.Context(), fresh); err != nil {
				t.Errorf("DeleteBucket after only failed uploads: %v", err)
			}
		})
	}
}
