package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/store"
)

// sameLock compares locks by instant, not by time.Time representation.
func sameLock(a, b store.Lock) bool {
	return a.LegalHold == b.LegalHold && a.Retention.Mode == b.Retention.Mode && a.Retention.Until.Equal(b.Retention.Until)
}

// testObjectLock: a version keeps the retention and legal hold its write
// gave it until they are changed; DeleteVersion refuses a version under a
// running retention or a legal hold (GOVERNANCE gives way to bypass only),
// a DELETE without a version id still adds a delete marker, a COMPLIANCE
// retention can only be extended, a GOVERNANCE one shortened with bypass,
// a retention that has run out protects nothing, a multipart upload takes
// its lock (and the bucket's default retention at completion), and a
// locked null version is never garbage, even when a newer null version
// is written.
func (s *suite) testObjectLock(t *testing.T) {
	st, b := s.setup(t, "object-lock")
	ctx := t.Context()
	setVersioning(t, st, b, store.VersioningEnabled)
	now := time.Now().UTC().Truncate(time.Millisecond)
	hour, later := now.Add(time.Hour), now.Add(2*time.Hour)
	putLock := func(key string, data []byte, l store.Lock) store.Object {
		t.Helper()
		obj, err := st.PutObject(ctx, store.PutInput{Bucket: b, Key: key, Owner: "writer", Size: int64(len(data)),
			ContentMD5: md5raw(data), Body: bytes.NewReader(data), Lock: l})
		if err != nil {
			t.Fatalf("PutObject(%q) with lock: %v", key, err)
		}
		return obj
	}
	version := func(key, id string) store.Object {
		t.Helper()
		obj, err := st.HeadVersion(ctx, b, key, id)
		if err != nil {
			t.Fatalf("HeadVersion(%q, %s): %v", key, id, err)
		}
		return obj
	}
	for n, size := range []int{10, s.bs + 5} { // inline and blocks
		key := func(k string) string { return fmt.Sprintf("%s%d", k, n) }
		compliance := store.Lock{Retention: store.Retention{Mode: store.LockCompliance, Until: hour}}
		governance := store.Lock{Retention: store.Retention{Mode: store.LockGovernance, Until: hour}}
		hold := store.Lock{LegalHold: true}
		expired := store.Lock{Retention: store.Retention{Mode: store.LockCompliance, Until: now.Add(-time.Minute)}}
		data := payload(size, uint64(n))
		c := putLock(key("c"), data, compliance)
		g := putLock(key("g"), data, governance)
		h := putLock(key("h"), data, hold)
		e := putLock(key("e"), data, expired)
		for _, tc := range []struct {
			obj  store.Object
			want store.Lock
		}{{c, compliance}, {g, governance}, {h, hold}, {e, expired}} {
			if got := version(tc.obj.Key, tc.obj.VersionID).Lock; !sameLock(got, tc.want) {
				t.Errorf("%s: lock %+v, want %+v", tc.obj.Key, got, tc.want)
			}
			if got := head(t, st, b, tc.obj.Key).Lock; !sameLock(got, tc.want) {
				t.Errorf("%s: HeadObject lock %+v, want %+v", tc.obj.Key, got, tc.want)
			}
		}

		// A version never held says so (GetObjectLegalHold answers 404).
		if got := version(c.Key, c.VersionID).Lock; got.HadLegalHold() {
			t.Errorf("a version never held: %+v", got)
		}
		if got := version(h.Key, h.VersionID).Lock; !got.HadLegalHold() {
			t.Errorf("a version held by its write: %+v", got)
		}

		// Deleting by id: refused while locked, bypass or not (but for
		// GOVERNANCE).
		_, err := st.DeleteVersion(ctx, b, c.Key, c.VersionID, true)
		wantErr(t, "delete a COMPLIANCE version with bypass", err, store.ErrObjectLocked)
		_, err = st.DeleteVersion(ctx, b, g.Key, g.VersionID, false)
		wantErr(t, "delete a GOVERNANCE version without bypass", err, store.ErrObjectLocked)
		_, err = st.DeleteVersion(ctx, b, h.Key, h.VersionID, true)
		wantErr(t, "delete a version on legal hold with bypass", err, store.ErrObjectLocked)
		if _, err := st.DeleteVersion(ctx, b, e.Key, e.VersionID, false); err != nil {
			t.Errorf("delete a version whose retention ran out: %v", err)
		}
		// A delete marker hides a locked version but keeps it.
		if res, err := st.DeleteObject(ctx, b, c.Key); err != nil || !res.DeleteMarker {
			t.Fatalf("DeleteObject over a locked version: %+v, %v", res, err)
		}
		checkBytes(t, "locked version behind a marker", read(t, st, version(c.Key, c.VersionID), 0, -1), data)

		// Retention changes.
		shorter := store.Retention{Mode: store.LockCompliance, Until: now.Add(30 * time.Minute)}
		wantErr(t, "shorten COMPLIANCE", st.PutObjectRetention(ctx, c, shorter, true), store.ErrObjectLocked)
		wantErr(t, "remove COMPLIANCE", st.PutObjectRetention(ctx, c, store.Retention{}, true), store.ErrObjectLocked)
		wantErr(t, "COMPLIANCE to GOVERNANCE", st.PutObjectRetention(ctx, c,
			store.Retention{Mode: store.LockGovernance, Until: later}, true), store.ErrObjectLocked)
		extended := store.Retention{Mode: store.LockCompliance, Until: later}
		if err := st.PutObjectRetention(ctx, c, extended, false); err != nil {
			t.Errorf("extend COMPLIANCE: %v", err)
		}
		// Legal hold and retention are independent of each other.
		if err := st.PutObjectLegalHold(ctx, c, true); err != nil {
			t.Fatal(err)
		}
		if got := version(c.Key, c.VersionID).Lock; !sameLock(got, store.Lock{Retention: extended, LegalHold: true}) {
			t.Errorf("after extension and hold: %+v", got)
		}
		wantErr(t, "shorten GOVERNANCE without bypass", st.PutObjectRetention(ctx, g,
			store.Retention{Mode: store.LockGovernance, Until: now.Add(time.Minute)}, false), store.ErrObjectLocked)
		if err := st.PutObjectRetention(ctx, g, store.Retention{}, true); err != nil {
			t.Errorf("remove GOVERNANCE with bypass: %v", err)
		}
		if got := version(g.Key, g.VersionID).Lock; !got.IsZero() {
			t.Errorf("GOVERNANCE removed: lock %+v", got)
		}
		if _, err := st.DeleteVersion(ctx, b, g.Key, g.VersionID, false); err != nil {
			t.Errorf("delete once GOVERNANCE is removed: %v", err)
		}
		// One held, then released, has a legal hold OFF (and set).
		if err := st.PutObjectLegalHold(ctx, h, false); err != nil {
			t.Fatal(err)
		}
		if got := version(h.Key, h.VersionID).Lock; got.LegalHold || !got.LegalHoldSet {
			t.Errorf("legal hold released: %+v", got)
		}
		if _, err := st.DeleteVersion(ctx, b, h.Key, h.VersionID, false); err != nil {
			t.Errorf("delete once the legal hold is off: %v", err)
		}
		for _, gone := range []store.Object{g, h, e} {
			_, err := st.HeadVersion(ctx, b, gone.Key, gone.VersionID)
			wantErr(t, "deleted version "+gone.Key, err, store.ErrNoSuchVersion)
		}
		_, err = st.DeleteVersion(ctx, b, c.Key, c.VersionID, true)
		wantErr(t, "delete a COMPLIANCE version on hold, extended", err, store.ErrObjectLocked)
	}

	// Multipart: the upload's lock, and the bucket's default retention at
	// completion when the upload named none.
	def := store.Retention{Mode: store.LockGovernance, Until: later}
	for _, tc := range []struct {
		name string
		lock store.Lock
		want store.Lock
	}{
		{"hold only", store.Lock{LegalHold: true}, store.Lock{Retention: def, LegalHold: true}},
		{"own retention", store.Lock{Retention: store.Retention{Mode: store.LockCompliance, Until: hour}},
			store.Lock{Retention: store.Retention{Mode: store.LockCompliance, Until: hour}}},
	} {
		u, err := st.CreateMultipartUpload(ctx, store.CreateUploadInput{Bucket: b, Key: "mpu", Owner: "writer", Lock: tc.lock})
		if err != nil {
			t.Fatal(err)
		}
		// PartInput.CheckUpload sees the upload's lock, and its error
		// refuses the part before anything is stored.
		var seen store.Lock
		refused := errors.New("refused by the check")
		data := payload(100, 9)
		_, err = st.UploadPart(ctx, store.PartInput{Bucket: b, Key: "mpu", UploadID: u.UploadID, PartNumber: 2,
			Size: int64(len(data)), Body: bytes.NewReader(data),
			CheckUpload: func(up store.Upload) error { seen = up.Lock; return refused }})
		wantErr(t, "UploadPart refused by CheckUpload", err, refused)
		if !sameLock(seen, tc.lock) {
			t.Errorf("multipart, %s: CheckUpload saw lock %+v, want %+v", tc.name, seen, tc.lock)
		}
		parts, err := st.ListParts(ctx, store.ListPartsInput{Bucket: b, Key: "mpu", UploadID: u.UploadID})
		if err != nil || len(parts.Parts) != 0 {
			t.Errorf("multipart, %s: parts after a refused one: %+v, %v", tc.name, parts.Parts, err)
		}
		p := uploadPart(t, st, u, 1, data)
		obj, err := st.CompleteMultipartUpload(ctx, store.CompleteInput{Bucket: b, Key: "mpu", UploadID: u.UploadID,
			Parts: completed(p), DefaultRetention: def})
		if err != nil {
			t.Fatal(err)
		}
		if got := version("mpu", obj.VersionID).Lock; !sameLock(got, tc.want) {
			t.Errorf("multipart, %s: lock %+v, want %+v", tc.name, got, tc.want)
		}
	}

	// A locked null version is never garbage: a newer null version (the
	// bucket Suspended) does not replace it.
	setVersioning(t, st, b, store.VersioningSuspended)
	old := payload(s.bs+5, 77)
	lock := store.Lock{Retention: store.Retention{Mode: store.LockCompliance, Until: hour}}
	putLock("null", old, lock)
	put(t, st, b, "null", payload(20, 78), store.Meta{})
	vs := versionsOf(t, st, b, "null")
	if len(vs) != 2 {
		t.Fatalf("locked null version replaced: versions %v", ids(vs))
	}
	if !sameLock(vs[1].Lock, lock) {
		t.Errorf("the older null version listed: lock %+v", vs[1].Lock)
	}
	checkBytes(t, "locked null version", read(t, st, vs[1], 0, -1), old)
}
