package cassandra

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/store"
)

// TestLockedVersionsSurviveGC: no background pass reclaims a locked
// version. A locked null version that a Suspended write would replace,
// and locked versions behind a delete marker, keep their rows and every
// block through sweeps past the grace period; a version whose retention
// has been removed (GOVERNANCE, with bypass) and is then deleted by id is
// reclaimed as any other.
func TestLockedVersionsSurviveGC(t *testing.T) {
	t.Parallel()
	s := newStore(t, func(c *Config) { c.GCGrace = 2 * time.Second })
	ctx := context.Background()
	mustCreateBucket(t, s, "lgc")
	setVersioning := func(state string) {
		t.Helper()
		if err := s.SetBucketSetting(ctx, "lgc", store.SettingVersioning, state); err != nil {
			t.Fatal(err)
		}
	}
	hour := time.Now().Add(time.Hour)
	putLocked := func(key string, data []byte, l store.Lock) store.Object {
		t.Helper()
		obj, err := s.PutObject(ctx, store.PutInput{Bucket: "lgc", Key: key, Owner: "o", Size: int64(len(data)),
			Body: bytes.NewReader(data), Lock: l})
		if err != nil {
			t.Fatal(err)
		}
		return obj
	}
	compliance := store.Lock{Retention: store.Retention{Mode: store.LockCompliance, Until: hour}}
	governance := store.Lock{Retention: store.Retention{Mode: store.LockGovernance, Until: hour}}

	// A locked null version, then a Suspended write of the same key.
	setVersioning(store.VersioningSuspended)
	dNull := randomBytes(t, 2*testBlockSize+3)
	lockedNull := putLocked("null", dNull, compliance)
	replacement := mustPut(t, s, "lgc", "null", randomBytes(t, testBlockSize+1))

	// Locked versions behind a delete marker.
	setVersioning(store.VersioningEnabled)
	dHeld := randomBytes(t, 3*testBlockSize)
	held := putLocked("held", dHeld, store.Lock{LegalHold: true})
	dGov := randomBytes(t, 2*testBlockSize)
	gov := putLocked("gov", dGov, governance)
	for _, key := range []string{"held", "gov"} {
		if _, err := s.DeleteObject(ctx, "lgc", key); err != nil {
			t.Fatal(err)
		}
	}

	sweepAfterGrace(t, s)
	sweepAfterGrace(t, s)
	for _, tc := range []struct {
		obj    store.Object
		blocks int
		data   []byte
	}{{lockedNull, 3, dNull}, {held, 3, dHeld}, {gov, 2, dGov}} {
		if n := countBlocks(t, s, inodeOf(t, tc.obj), tc.blocks); n != tc.blocks {
			t.Errorf("%s: locked version kept %d of %d blocks", tc.obj.Key, n, tc.blocks)
		}
		if got := mustRead(t, s, tc.obj, 0, -1); !bytes.Equal(got, tc.data) {
			t.Errorf("%s: locked version damaged", tc.obj.Key)
		}
	}
	res, err := s.ListVersions(ctx, store.ListVersionsInput{Bucket: "lgc", Prefix: "null", MaxKeys: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Versions) != 2 || res.Versions[1].Lock.IsZero() {
		t.Fatalf("null versions after sweeps: %+v", res.Versions)
	}
	if n := countBlocks(t, s, inodeOf(t, replacement), 2); n != 2 {
		t.Errorf("current null version: %d of 2 blocks", n)
	}

	// Deleting by id refuses, until the GOVERNANCE retention is removed.
	if _, err := s.DeleteVersion(ctx, "lgc", "gov", gov.VersionID, false); !errors.Is(err, store.ErrObjectLocked) {
		t.Fatalf("delete a GOVERNANCE version: %v", err)
	}
	g, err := s.HeadVersion(ctx, "lgc", "gov", gov.VersionID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutObjectRetention(ctx, g, store.Retention{}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteVersion(ctx, "lgc", "gov", gov.VersionID, false); err != nil {
		t.Fatal(err)
	}
	sweepAfterGrace(t, s)
	if n := countBlocks(t, s, inodeOf(t, gov), 2); n != 0 {
		t.Errorf("deleted version: %d blocks remain after the grace period", n)
	}
	if n := countBlocks(t, s, inodeOf(t, held), 3); n != 3 {
		t.Errorf("version on legal hold: %d of 3 blocks after another sweep", n)
	}
}
