package storetest

import (
	"testing"

	"github.com/amphora-s3/amphora/store"
)

// testBucketSettings: settings given at creation come back with the
// bucket; one set later leaves the others alone; "" removes one; a bucket
// deleted and re-created has none of the old one's.
func (s *suite) testBucketSettings(t *testing.T) {
	st := s.newStore(t)
	ctx := t.Context()
	name := s.bucketName("settings")
	acl := store.ACL{Owner: s.owner("main"), Grants: []store.Grant{{URI: store.GroupAllUsers, Permission: store.PermACLRead}}}
	if err := st.CreateBucket(ctx, store.Bucket{Name: name, Owner: s.owner("main"),
		Settings: store.BucketSettings{store.SettingACL: acl.Encode()}}); err != nil {
		t.Fatal(err)
	}
	b, err := st.GetBucket(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b.ACL(); err != nil || !got.Public() {
		t.Fatalf("ACL given at creation: %+v, %v", got, err)
	}
	if err := st.SetBucketSetting(ctx, name, store.SettingOwnership, "BucketOwnerEnforced"); err != nil {
		t.Fatal(err)
	}
	b, _ = st.GetBucket(ctx, name)
	if b.Settings[store.SettingOwnership] != "BucketOwnerEnforced" || b.Settings[store.SettingACL] == "" {
		t.Errorf("after setting ownership: %v", b.Settings)
	}
	if err := st.SetBucketSetting(ctx, name, store.SettingACL, ""); err != nil {
		t.Fatal(err)
	}
	b, _ = st.GetBucket(ctx, name)
	if got, _ := b.ACL(); got.Public() || !got.Allows(s.owner("main"), store.PermACLFullControl) || len(b.Settings) != 1 {
		t.Errorf("after removing the ACL: %v, ACL %+v", b.Settings, got)
	}
	wantErr(t, "setting of a missing bucket", st.SetBucketSetting(ctx, s.bucketName("nope"), store.SettingACL, "x"), store.ErrNoSuchBucket)

	if err := st.DeleteBucket(ctx, name); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateBucket(ctx, store.Bucket{Name: name, Owner: s.owner("main")}); err != nil {
		t.Fatal(err)
	}
	if b, _ := st.GetBucket(ctx, name); len(b.Settings) != 0 {
		t.Errorf("a re-created bucket has the old one's settings: %v", b.Settings)
	}
}
