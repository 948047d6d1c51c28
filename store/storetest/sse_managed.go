package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"testing"

	"github.com/amphora-s3/amphora/store"
)

// managedKey is a data key with its managed record, as a frontend's key
// ring makes them (the wrapped bytes here are random: the store never
// opens them).
func managedKey(t *testing.T, mode string) *store.SSE {
	t.Helper()
	k := sseKey(t)
	w := make([]byte, 60)
	rand.Read(w)
	k.Managed = store.ManagedSSE{Mode: mode, KeyID: "k1", Wrapped: w}.Record()
	return k
}

// testSSEManaged: objects stored with a data key of a managed record
// (SSE-S3, SSE-KMS) keep that record, read back with it across blocks
// and parts, refuse a customer key and a missing one; an SSE-S3 ETag is
// the MD5 of the plain bytes, an SSE-KMS one is not; an UploadPart
// without a key gets the upload's data key through PartInput.Managed.
func (s *suite) testSSEManaged(t *testing.T) {
	st, b := s.setup(t, "ssem")
	ctx := t.Context()
	bs := s.bs
	for _, mode := range []string{store.SSEModeS3, store.SSEModeKMS} {
		key := managedKey(t, mode)
		for i, size := range []int{0, 1, bs, 3*bs + 5} {
			name := fmt.Sprintf("%s/%d", mode, size)
			data := payload(size, uint64(200+i))
			obj, err := st.PutObject(ctx, store.PutInput{Bucket: b, Key: name, Owner: "writer", Size: int64(size),
				ContentMD5: md5raw(data), Body: bytes.NewReader(data), SSE: key})
			if err != nil {
				t.Fatalf("PutObject(%q): %v", name, err)
			}
			if obj.SSE != key.Managed || (obj.ETag == md5hex(data)) != (mode == store.SSEModeS3) {
				t.Errorf("PutObject(%q) = etag %q (md5 %s), sse %q", name, obj.ETag, md5hex(data), obj.SSE)
			}
			h := head(t, st, b, name)
			checkBytes(t, name, read(t, st, withKey(h, key), 0, -1), data)
			if size > bs {
				checkBytes(t, name+" range", read(t, st, withKey(h, key), int64(bs-1), int64(bs+2)), data[bs-1:2*bs+1])
			}
			_, err = st.ReadObject(ctx, h, 0, -1)
			wantErr(t, name+" read without a key", err, store.ErrSSEKeyRequired)
			_, err = st.ReadObject(ctx, withKey(h, sseKey(t)), 0, -1)
			wantErr(t, name+" read with a customer key", err, store.ErrSSENotEncrypted)
		}

		// Multipart: parts without a key get the upload's data key.
		u, err := st.CreateMultipartUpload(ctx, store.CreateUploadInput{Bucket: b, Key: mode + "/mpu", Owner: "writer", SSE: key})
		if err != nil || u.SSE != key.Managed {
			t.Fatalf("CreateMultipartUpload: %+v, %v", u, err)
		}
		resolved := 0
		resolve := func(_ context.Context, record string) (*store.SSE, error) {
			resolved++
			if record != key.Managed {
				return nil, errors.New("asked for another record")
			}
			return key, nil
		}
		p1, p2 := payload(store.MinPartSize+3, 20), payload(bs+5, 21)
		var parts []store.CompletedPart
		for n, d := range [][]byte{p1, p2} {
			p, err := st.UploadPart(ctx, store.PartInput{Bucket: b, Key: mode + "/mpu", UploadID: u.UploadID, PartNumber: n + 1,
				Size: int64(len(d)), Body: bytes.NewReader(d), Managed: resolve})
			if err != nil {
				t.Fatalf("UploadPart %d: %v", n+1, err)
			}
			if (p.ETag == md5hex(d)) != (mode == store.SSEModeS3) {
				t.Errorf("part %d etag %s, md5 %s", n+1, p.ETag, md5hex(d))
			}
			parts = append(parts, store.CompletedPart{PartNumber: n + 1, ETag: p.ETag})
		}
		if resolved != 2 {
			t.Errorf("PartInput.Managed called %d times, want 2", resolved)
		}
		_, err = st.UploadPart(ctx, store.PartInput{Bucket: b, Key: mode + "/mpu", UploadID: u.UploadID, PartNumber: 3,
			Size: 1, Body: bytes.NewReader([]byte("x")), SSE: sseKey(t)})
		wantErr(t, "UploadPart with a customer key", err, store.ErrSSENotEncrypted)
		obj, err := st.CompleteMultipartUpload(ctx, store.CompleteInput{Bucket: b, Key: mode + "/mpu", UploadID: u.UploadID, Parts: parts})
		if err != nil {
			t.Fatal(err)
		}
		if obj.SSE != key.Managed {
			t.Errorf("completed upload's record %q", obj.SSE)
		}
		checkBytes(t, mode+" multipart", read(t, st, withKey(head(t, st, b, mode+"/mpu"), key), 0, -1), append(bytes.Clone(p1), p2...))
	}
}
