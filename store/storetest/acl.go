package storetest

import (
	"bytes"
	"slices"
	"testing"

	"github.com/amphora-s3/amphora/store"
)

// testObjectACL: a version keeps the ACL its PUT gave it until
// PutObjectACL changes it; a later version does not inherit it, and an
// ACL set on a version that has been replaced never comes back.
func (s *suite) testObjectACL(t *testing.T) {
	st, b := s.setup(t, "object-acl")
	ctx := t.Context()
	public := store.ACL{Owner: "writer", Grants: []store.Grant{{ID: "writer", Permission: store.PermACLFullControl}, {URI: store.GroupAllUsers, Permission: store.PermACLRead}}}
	put := func(key string, data []byte, acl store.ACL) store.Object {
		t.Helper()
		obj, err := st.PutObject(ctx, store.PutInput{Bucket: b, Key: key, Owner: "writer", Size: int64(len(data)), Body: bytes.NewReader(data), ACL: acl})
		if err != nil {
			t.Fatal(err)
		}
		return obj
	}
	aclEqual := func(a, b store.ACL) bool { return a.Owner == b.Owner && slices.Equal(a.Grants, b.Grants) }
	for _, size := range []int{10, s.bs + 5} { // inline and blocks
		o1 := put("k", payload(size, 1), public)
		if got := head(t, st, b, "k").ACL; !aclEqual(got, public) {
			t.Errorf("%d bytes: ACL given at PUT: %+v", size, got)
		}
		private := store.PrivateACL("writer")
		if err := st.PutObjectACL(ctx, o1, private); err != nil {
			t.Fatal(err)
		}
		if got := head(t, st, b, "k").ACL; !aclEqual(got, private) || got.Public() {
			t.Errorf("%d bytes: after PutObjectACL: %+v", size, got)
		}
		if err := st.PutObjectACL(ctx, o1, public); err != nil {
			t.Fatal(err)
		}
		o2 := put("k", payload(size, 2), store.ACL{})
		if got := head(t, st, b, "k").ACL; got.Public() {
			t.Errorf("%d bytes: a new version inherited the old one's ACL: %+v", size, got)
		}
		wantErr(t, "PutObjectACL on a replaced version", st.PutObjectACL(ctx, o1, public), store.ErrNoSuchKey)
		if got := head(t, st, b, "k"); got.VersionID != o2.VersionID || got.ACL.Public() {
			t.Errorf("%d bytes: the replaced version's ACL came back: %+v", size, got.ACL)
		}
		if _, err := st.DeleteObject(ctx, b, "k"); err != nil {
			t.Fatal(err)
		}
		wantErr(t, "PutObjectACL on a deleted key", st.PutObjectACL(ctx, o2, public), store.ErrNoSuchKey)
		if _, err := st.HeadObject(ctx, b, "k"); err == nil {
			t.Errorf("%d bytes: the key is back after a PutObjectACL on it once deleted", size)
		}
	}

	u, err := st.CreateMultipartUpload(ctx, store.CreateUploadInput{Bucket: b, Key: "mp", Owner: "writer", ACL: public})
	if err != nil {
		t.Fatal(err)
	}
	p := uploadPart(t, st, u, 1, []byte("part"))
	if _, err := st.CompleteMultipartUpload(ctx, store.CompleteInput{Bucket: b, Key: "mp", UploadID: u.UploadID, Parts: completed(p)}); err != nil {
		t.Fatal(err)
	}
	if got := head(t, st, b, "mp").ACL; !aclEqual(got, public) {
		t.Errorf("completed upload's ACL: %+v", got)
	}
}
