package storetest

import (
	"bytes"
	"slices"
	"testing"

	"github.com/amphora-s3/amphora/store"
)

// testObjectTags: a version keeps the tags its PUT (or its multipart
// upload) gave it, sorted by key, until PutObjectTags replaces them; nil
// removes them; a later version does not inherit them, and tags set on a
// version that has been replaced or deleted never come back.
func (s *suite) testObjectTags(t *testing.T) {
	st, b := s.setup(t, "object-tags")
	ctx := t.Context()
	given := store.Tags{{Key: "project", Value: "amphora"}, {Key: "env", Value: "prod & test"}, {Key: "empty", Value: ""}}
	sorted := given.Sorted()
	put := func(key string, data []byte, tags store.Tags) store.Object {
		t.Helper()
		obj, err := st.PutObject(ctx, store.PutInput{Bucket: b, Key: key, Owner: "writer", Size: int64(len(data)), Body: bytes.NewReader(data), Tags: tags})
		if err != nil {
			t.Fatal(err)
		}
		return obj
	}
	for _, size := range []int{10, s.bs + 5} { // inline and blocks
		o1 := put("k", payload(size, 1), given)
		if got := head(t, st, b, "k").Tags; !slices.Equal(got, sorted) {
			t.Errorf("%d bytes: tags given at PUT: %v, want %v", size, got, sorted)
		}
		other := store.Tags{{Key: "a", Value: "1"}}
		if err := st.PutObjectTags(ctx, o1, other); err != nil {
			t.Fatal(err)
		}
		if got := head(t, st, b, "k").Tags; !slices.Equal(got, other) {
			t.Errorf("%d bytes: after PutObjectTags: %v", size, got)
		}
		if err := st.PutObjectTags(ctx, o1, nil); err != nil {
			t.Fatal(err)
		}
		if got := head(t, st, b, "k").Tags; len(got) != 0 {
			t.Errorf("%d bytes: after removing the tags: %v", size, got)
		}
		if err := st.PutObjectTags(ctx, o1, other); err != nil {
			t.Fatal(err)
		}
		o2 := put("k", payload(size, 2), nil)
		if got := head(t, st, b, "k").Tags; len(got) != 0 {
			t.Errorf("%d bytes: a new version inherited the old one's tags: %v", size, got)
		}
		wantErr(t, "PutObjectTags on a replaced version", st.PutObjectTags(ctx, o1, other), store.ErrNoSuchKey)
		if got := head(t, st, b, "k"); got.VersionID != o2.VersionID || len(got.Tags) != 0 {
			t.Errorf("%d bytes: the replaced version's tags came back: %v", size, got.Tags)
		}
		// Tags and ACL set on one version keep each other.
		if err := st.PutObjectTags(ctx, o2, other); err != nil {
			t.Fatal(err)
		}
		if err := st.PutObjectACL(ctx, o2, store.PrivateACL("writer")); err != nil {
			t.Fatal(err)
		}
		if got := head(t, st, b, "k"); !slices.Equal(got.Tags, other) || len(got.ACL.Grants) != 1 {
			t.Errorf("%d bytes: tags and ACL set one after the other: %v %+v", size, got.Tags, got.ACL)
		}
		if _, err := st.DeleteObject(ctx, b, "k"); err != nil {
			t.Fatal(err)
		}
		wantErr(t, "PutObjectTags on a deleted key", st.PutObjectTags(ctx, o2, other), store.ErrNoSuchKey)
		if _, err := st.HeadObject(ctx, b, "k"); err == nil {
			t.Errorf("%d bytes: the key is back after a PutObjectTags on it once deleted", size)
		}
	}

	u, err := st.CreateMultipartUpload(ctx, store.CreateUploadInput{Bucket: b, Key: "mp", Owner: "writer", Tags: given})
	if err != nil {
		t.Fatal(err)
	}
	p := uploadPart(t, st, u, 1, []byte("part"))
	if _, err := st.CompleteMultipartUpload(ctx, store.CompleteInput{Bucket: b, Key: "mp", UploadID: u.UploadID, Parts: completed(p)}); err != nil {
		t.Fatal(err)
	}
	if got := head(t, st, b, "mp").Tags; !slices.Equal(got, sorted) {
		t.Errorf("completed upload's tags: %v", got)
	}
}
