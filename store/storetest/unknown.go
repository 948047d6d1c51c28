package storetest

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/amphora-s3/amphora/store"
)

// testUnknownSize: a body of unknown size (a form upload's file) is read
// to its end, at every block boundary, and stored as if its size had been
// given; its digest is checked as any other's.
func (s *suite) testUnknownSize(t *testing.T) {
	st, b := s.setup(t, "unknown-size")
	ctx := t.Context()
	for _, size := range []int{0, 10, s.bs - 1, s.bs, s.bs + 1, 3*s.bs + 5} {
		key := fmt.Sprintf("k%d", size)
		data := payload(size, uint64(size))
		verified := false
		obj, err := st.PutObject(ctx, store.PutInput{Bucket: b, Key: key, Owner: "writer", Size: store.UnknownSize,
			ContentMD5: md5raw(data), Body: bytes.NewReader(data),
			Verify: func() (store.Checksum, error) { verified = true; return store.Checksum{}, nil }})
		if err != nil {
			t.Fatalf("%d bytes of unknown size: %v", size, err)
		}
		if obj.Size != int64(size) || obj.ETag != md5hex(data) || !verified {
			t.Errorf("%d bytes of unknown size: Size %d, ETag %s, verified %t", size, obj.Size, obj.ETag, verified)
		}
		h := head(t, st, b, key)
		if h.Size != int64(size) {
			t.Errorf("%d bytes of unknown size: HeadObject Size %d", size, h.Size)
		}
		checkBytes(t, key, read(t, st, h, 0, -1), data)
	}
	data := payload(s.bs+7, 9)
	_, err := st.PutObject(ctx, store.PutInput{Bucket: b, Key: "bad", Owner: "writer", Size: store.UnknownSize,
		ContentMD5: md5raw(data[1:]), Body: bytes.NewReader(data)})
	wantErr(t, "unknown size, wrong Content-MD5", err, store.ErrBadDigest)
	// A client that hangs up (net/http's io.ErrUnexpectedEOF) is never
	// taken for the body's end: nothing is stored.
	_, err = st.PutObject(ctx, store.PutInput{Bucket: b, Key: "cut", Owner: "writer", Size: store.UnknownSize,
		Body: io.MultiReader(bytes.NewReader(data), errorReader{io.ErrUnexpectedEOF})})
	wantErr(t, "unknown size, client gone", err, store.ErrIncompleteBody)
	_, err = st.HeadObject(ctx, b, "cut")
	wantErr(t, "HeadObject of a cut upload", err, store.ErrNoSuchKey)
}

type errorReader struct{ err error }

func (r errorReader) Read([]byte) (int, error) { return 0, r.err }
