package storetest

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"testing"

	"github.com/amphora-s3/amphora/store"
)

// sseKey returns a fresh random SSE-C key.
func sseKey(t *testing.T) *store.SSE {
	t.Helper()
	k := &store.SSE{Key: make([]byte, store.SSEKeySize)}
	if _, err := rand.Read(k.Key); err != nil {
		t.Fatal(err)
	}
	return k
}

// withKey is obj as a reader holding key k presents it to ReadObject.
func withKey(obj store.Object, k *store.SSE) store.Object {
	obj.SSEKey = k
	return obj
}

// testSSE: objects stored with a customer key (SSE-C) round-trip at the
// block-size edges, ranges across blocks and parts read exactly, and
// every read path refuses a missing key (ErrSSEKeyRequired), a wrong one
// (ErrSSEKeyMismatch) and a key given for a plain object
// (ErrSSENotEncrypted). ETags never are the MD5 of the plain bytes.
func (s *suite) testSSE(t *testing.T) {
	st, b := s.setup(t, "sse")
	ctx := t.Context()
	key, other := sseKey(t), sseKey(t)
	bs := s.bs
	for i, size := range []int{0, 1, bs - 1, bs, bs + 1, 3*bs + 5} {
		name := fmt.Sprintf("sse/%d", size)
		data := payload(size, uint64(100+i))
		obj, err := st.PutObject(ctx, store.PutInput{Bucket: b, Key: name, Owner: "writer", Size: int64(size),
			ContentMD5: md5raw(data), Body: bytes.NewReader(data), SSE: key})
		if err != nil {
			t.Fatalf("PutObject(%q) with SSE-C: %v", name, err)
		}
		if obj.SSE == "" || obj.Size != int64(size) || obj.ETag == md5hex(data) || len(obj.ETag) != 32 {
			t.Errorf("PutObject(%q) with SSE-C = size %d, etag %q, sse %q", name, obj.Size, obj.ETag, obj.SSE)
		}
		h := head(t, st, b, name)
		if h.SSE != obj.SSE || h.ETag != obj.ETag {
			t.Errorf("HeadObject(%q): sse %q etag %q, PutObject gave %q %q", name, h.SSE, h.ETag, obj.SSE, obj.ETag)
		}
		if err := store.CheckSSE(h.SSE, key); err != nil {
			t.Errorf("CheckSSE(%q) with its key: %v", name, err)
		}
		checkBytes(t, name+" read with its key", read(t, st, withKey(h, key), 0, -1), data)
		checkBytes(t, name+" read via PutObject's Object", read(t, st, withKey(obj, key), 0, -1), data)
		if size > 2 {
			checkBytes(t, name+" inner range", read(t, st, withKey(h, key), 1, int64(size-2)), data[1:size-1])
		}
		_, err = st.ReadObject(ctx, h, 0, -1)
		wantErr(t, name+" read without a key", err, store.ErrSSEKeyRequired)
		_, err = st.ReadObject(ctx, withKey(h, other), 0, -1)
		wantErr(t, name+" read with another key", err, store.ErrSSEKeyMismatch)
		wantErr(t, name+" CheckSSE without a key", store.CheckSSE(h.SSE, nil), store.ErrSSEKeyRequired)
		wantErr(t, name+" CheckSSE with another key", store.CheckSSE(h.SSE, other), store.ErrSSEKeyMismatch)
	}

	// Ranges on and across block boundaries of a sealed object.
	data := payload(3*bs+5, 105) // sse/<3bs+5> above
	big := head(t, st, b, fmt.Sprintf("sse/%d", 3*bs+5))
	for _, r := range [][2]int{{0, bs}, {bs - 1, 2}, {bs, bs}, {bs + 1, 2*bs - 1}, {3*bs - 1, 6}, {3 * bs, 5}, {2*bs + 3, -1}} {
		end := len(data)
		if r[1] >= 0 {
			end = r[0] + r[1]
		}
		checkBytes(t, fmt.Sprintf("sealed range %d+%d", r[0], r[1]), read(t, st, withKey(big, key), int64(r[0]), int64(r[1])), data[r[0]:end])
	}

	// A plain object refuses a key.
	plain := put(t, st, b, "sse/plain", []byte("plain bytes"), store.Meta{})
	_, err := st.ReadObject(ctx, withKey(plain, key), 0, -1)
	wantErr(t, "plain object read with a key", err, store.ErrSSENotEncrypted)
	checkBytes(t, "plain object read without a key", read(t, st, plain, 0, -1), []byte("plain bytes"))

	// Overwriting a sealed object with a plain one and back.
	put(t, st, b, "sse/1", []byte("now plain"), store.Meta{})
	checkBytes(t, "overwritten sealed object", read(t, st, head(t, st, b, "sse/1"), 0, -1), []byte("now plain"))

	// Multipart: the key on every part, each part its own blob.
	u, err := st.CreateMultipartUpload(ctx, store.CreateUploadInput{Bucket: b, Key: "sse/mpu", Owner: "writer", SSE: key})
	if err != nil {
		t.Fatalf("CreateMultipartUpload with SSE-C: %v", err)
	}
	if u.SSE == "" {
		t.Errorf("CreateMultipartUpload with SSE-C: no SSE record in %+v", u)
	}
	p1 := payload(store.MinPartSize+3, 8)
	p2 := payload(bs+5, 9)
	part := func(n int, d []byte, k *store.SSE) (store.Part, error) {
		return st.UploadPart(ctx, store.PartInput{Bucket: b, Key: u.Key, UploadID: u.UploadID, PartNumber: n,
			Size: int64(len(d)), ContentMD5: md5raw(d), Body: bytes.NewReader(d), SSE: k})
	}
	_, err = part(1, p1, nil)
	wantErr(t, "UploadPart without the upload's key", err, store.ErrSSEKeyRequired)
	_, err = part(1, p1, other)
	wantErr(t, "UploadPart with another key", err, store.ErrSSEKeyMismatch)
	a, err := part(1, p1, key)
	if err != nil {
		t.Fatalf("UploadPart 1 with SSE-C: %v", err)
	}
	c, err := part(2, p2, key)
	if err != nil {
		t.Fatalf("UploadPart 2 with SSE-C: %v", err)
	}
	if a.ETag == md5hex(p1) || c.ETag == md5hex(p2) {
		t.Errorf("SSE-C part ETags are the MD5s of the plain parts")
	}
	obj, err := st.CompleteMultipartUpload(ctx, store.CompleteInput{Bucket: b, Key: u.Key, UploadID: u.UploadID, Parts: completed(a, c)})
	if err != nil {
		t.Fatalf("CompleteMultipartUpload with SSE-C: %v", err)
	}
	if obj.SSE != u.SSE || obj.Parts != 2 {
		t.Errorf("completed SSE-C upload: sse %q (upload %q), parts %d", obj.SSE, u.SSE, obj.Parts)
	}
	whole := append(append([]byte(nil), p1...), p2...)
	h := head(t, st, b, u.Key)
	checkBytes(t, "SSE-C multipart object", read(t, st, withKey(h, key), 0, -1), whole)
	cut := int64(len(p1))
	checkBytes(t, "SSE-C multipart range across the parts", read(t, st, withKey(h, key), cut-3, int64(bs)+6), whole[cut-3:cut+int64(bs)+3])
	_, err = st.ReadObject(ctx, h, cut, 1)
	wantErr(t, "SSE-C multipart read without a key", err, store.ErrSSEKeyRequired)
	_, err = st.ReadObject(ctx, withKey(h, other), 0, -1)
	wantErr(t, "SSE-C multipart read with another key", err, store.ErrSSEKeyMismatch)

	// A plain upload refuses a key on its parts.
	pu := createUpload(t, st, b, "sse/plain-mpu", store.Meta{}, "")
	_, err = st.UploadPart(ctx, store.PartInput{Bucket: b, Key: pu.Key, UploadID: pu.UploadID, PartNumber: 1,
		Size: 1, Body: bytes.NewReader([]byte("x")), SSE: key})
	wantErr(t, "UploadPart with a key to a plain upload", err, store.ErrSSENotEncrypted)
}
