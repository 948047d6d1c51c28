package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/amphora-s3/amphora/store"
)

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// testChecksums: the checksum Verify returns is stored and comes back
// from PutObject and HeadObject; Verify runs once every byte was read;
// a Verify error fails the put, leaving nothing visible and the previous
// version intact.
func (s *suite) testChecksums(t *testing.T) {
	st, b := s.setup(t, "checksum")
	ctx := t.Context()
	data := payload(2*s.bs+3, 40)
	want := checksumOf(t, store.ChecksumSHA256, data)
	body := &countingReader{r: bytes.NewReader(data)}
	calls := 0
	obj, err := st.PutObject(ctx, store.PutInput{Bucket: b, Key: "k", Owner: "writer", Size: int64(len(data)),
		ContentMD5: md5raw(data), Body: body, Verify: func() (store.Checksum, error) {
			calls++
			if body.n != int64(len(data)) {
				t.Errorf("Verify called after %d of %d bytes", body.n, len(data))
			}
			return want, nil
		}})
	if err != nil {
		t.Fatalf("PutObject with Verify: %v", err)
	}
	if calls != 1 || obj.Checksum != want {
		t.Errorf("PutObject: Verify called %d times, Checksum %+v, want once, %+v", calls, obj.Checksum, want)
	}
	h := head(t, st, b, "k")
	if h.Checksum != want {
		t.Errorf("HeadObject Checksum %+v, want %+v", h.Checksum, want)
	}
	checkBytes(t, "object put with Verify", read(t, st, h, 0, -1), data)

	for _, key := range []string{"k", "fresh"} {
		other := payload(s.bs+1, 41)
		_, err := st.PutObject(ctx, store.PutInput{Bucket: b, Key: key, Owner: "writer", Size: int64(len(other)),
			Body: bytes.NewReader(other), Verify: func() (store.Checksum, error) { return store.Checksum{}, errVerify }})
		wantErr(t, "PutObject whose Verify fails", err, errVerify)
	}
	checkObject(t, "previous version after a failed Verify", head(t, st, b, "k"), h)
	checkBytes(t, "previous bytes after a failed Verify", read(t, st, head(t, st, b, "k"), 0, -1), data)
	if _, err := st.HeadObject(ctx, b, "fresh"); !errors.Is(err, store.ErrNoSuchKey) {
		t.Errorf("HeadObject of a key whose only put failed Verify: %v", err)
	}
	if keys := listKeys(t, st, b, ""); len(keys) != 1 {
		t.Errorf("listing after a failed Verify: %q", keys)
	}
	// No checksum: zero.
	if o := put(t, st, b, "plain", []byte("x"), store.Meta{}); o.Checksum != (store.Checksum{}) || head(t, st, b, "plain").Checksum != (store.Checksum{}) {
		t.Errorf("object without checksum has %+v", o.Checksum)
	}
}

// testConditionalPut: If-None-Match and If-Match decide at the commit;
// a failed condition changes nothing.
func (s *suite) testConditionalPut(t *testing.T) {
	st, b := s.setup(t, "cond")
	ctx := t.Context()
	cput := func(key string, data []byte, ifNoneMatch, ifMatch string) (store.Object, error) {
		return st.PutObject(ctx, store.PutInput{Bucket: b, Key: key, Owner: "writer", Size: int64(len(data)),
			Body: bytes.NewReader(data), IfNoneMatch: ifNoneMatch, IfMatch: ifMatch})
	}
	d1 := payload(s.bs+5, 50)
	o1, err := cput("k", d1, "*", "")
	if err != nil {
		t.Fatalf("If-None-Match on a new key: %v", err)
	}
	_, err = cput("k", payload(10, 51), "*", "")
	wantErr(t, "If-None-Match: * on an existing key", err, store.ErrIfNoneMatchFailed)
	_, err = cput("k", payload(10, 51), o1.ETag, "")
	wantErr(t, "If-None-Match with the current ETag", err, store.ErrIfNoneMatchFailed)
	_, err = cput("k", payload(10, 52), "", md5hex([]byte("other")))
	wantErr(t, "If-Match with another ETag", err, store.ErrPreconditionFailed)
	_, err = cput("missing", payload(10, 53), "", o1.ETag)
	wantErr(t, "If-Match on a missing key", err, store.ErrNoSuchKey)
	_, err = cput("missing", payload(10, 53), "", "*")
	wantErr(t, "If-Match: * on a missing key", err, store.ErrNoSuchKey)
	checkObject(t, "after failed conditions", head(t, st, b, "k"), o1)
	checkBytes(t, "bytes after failed conditions", read(t, st, head(t, st, b, "k"), 0, -1), d1)
	if keys := listKeys(t, st, b, ""); len(keys) != 1 {
		t.Errorf("listing after failed conditions: %q", keys)
	}
	d2 := payload(20, 54)
	o2, err := cput("k", d2, "", o1.ETag)
	if err != nil {
		t.Fatalf("If-Match with the current ETag: %v", err)
	}
	checkObject(t, "after If-Match", head(t, st, b, "k"), o2)
	// If-None-Match with another ETag and If-Match: * are ordinary writes
	// of an existing key.
	if o2, err = cput("k", d2, md5hex([]byte("other")), "*"); err != nil {
		t.Fatalf("If-None-Match with another ETag, If-Match: *: %v", err)
	}
	if _, err = cput("other-new", d2, md5hex([]byte("other")), ""); err != nil {
		t.Fatalf("If-None-Match with an ETag on a new key: %v", err)
	}

	// Completions take conditions too; a failed one leaves the upload open.
	u := createUpload(t, st, b, "k", store.Meta{}, "")
	p := uploadPart(t, st, u, 1, []byte("part"))
	_, err = st.CompleteMultipartUpload(ctx, store.CompleteInput{Bucket: b, Key: "k", UploadID: u.UploadID, Parts: completed(p), IfNoneMatch: "*"})
	wantErr(t, "completion with If-None-Match on an existing key", err, store.ErrPreconditionFailed)
	_, err = st.CompleteMultipartUpload(ctx, store.CompleteInput{Bucket: b, Key: "k", UploadID: u.UploadID, Parts: completed(p), IfMatch: o1.ETag})
	wantErr(t, "completion with a stale If-Match", err, store.ErrPreconditionFailed)
	checkObject(t, "after failed conditional completions", head(t, st, b, "k"), o2)
	obj, err := st.CompleteMultipartUpload(ctx, store.CompleteInput{Bucket: b, Key: "k", UploadID: u.UploadID, Parts: completed(p), IfMatch: o2.ETag})
	if err != nil {
		t.Fatalf("completion with the current If-Match: %v", err)
	}
	checkObject(t, "after a conditional completion", head(t, st, b, "k"), obj)
	u = createUpload(t, st, b, "new", store.Meta{}, "")
	p = uploadPart(t, st, u, 1, []byte("part"))
	_, err = st.CompleteMultipartUpload(ctx, store.CompleteInput{Bucket: b, Key: "new", UploadID: u.UploadID, Parts: completed(p), IfMatch: o2.ETag})
	wantErr(t, "completion with If-Match on a missing key", err, store.ErrNoSuchKey)
	if _, err = st.CompleteMultipartUpload(ctx, store.CompleteInput{Bucket: b, Key: "new", UploadID: u.UploadID, Parts: completed(p), IfNoneMatch: "*"}); err != nil {
		t.Errorf("completion with If-None-Match on a new key: %v", err)
	}
}

// testConditionalRace: writers race to create one key with If-None-Match;
// exactly one wins, the others get ErrPreconditionFailed or
// ErrConditionalConflict, and the key holds the winner's bytes.
func (s *suite) testConditionalRace(t *testing.T) {
	st, b := s.setup(t, "cond-race")
	const writers = 8
	for round := range 3 {
		key := fmt.Sprintf("race/%d", round)
		var (
			wg     sync.WaitGroup
			mu     sync.Mutex
			wins   []store.Object
			datas  = make([][]byte, writers)
			start  = make(chan struct{})
			others = map[string]int{}
		)
		for w := range writers {
			datas[w] = payload(s.bs/2+w, uint64(60+round*writers+w))
			wg.Go(func() {
				<-start
				obj, err := st.PutObject(t.Context(), store.PutInput{Bucket: b, Key: key, Owner: "writer",
					Size: int64(len(datas[w])), Body: bytes.NewReader(datas[w]), IfNoneMatch: "*"})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins = append(wins, obj)
				case errors.Is(err, store.ErrPreconditionFailed):
					others["precondition"]++
				case errors.Is(err, store.ErrConditionalConflict):
					others["conflict"]++
				default:
					t.Errorf("writer %d: %v", w, err)
				}
			})
		}
		close(start)
		wg.Wait()
		if len(wins) != 1 {
			t.Fatalf("round %d: %d writers won (%v)", round, len(wins), others)
		}
		h := head(t, st, b, key)
		checkObject(t, "the winner", h, wins[0])
		got := read(t, st, h, 0, -1)
		found := false
		for _, d := range datas {
			found = found || bytes.Equal(got, d)
		}
		if !found || md5hex(got) != h.ETag {
			t.Errorf("round %d: the key holds no writer's bytes", round)
		}
	}
}
