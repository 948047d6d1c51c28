package cassandra

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/store"
)

// TestVersionedGC: in a versioned bucket the sweeper keeps every version's
// blocks, whatever is current; deleting one version by id reclaims exactly
// its blocks, after the grace period (a reader holding it finishes); a
// Suspended write reclaims the null version it replaces and nothing else.
func TestVersionedGC(t *testing.T) {
	t.Parallel()
	s := newStore(t, func(c *Config) { c.GCGrace = 2 * time.Second })
	ctx := context.Background()
	mustCreateBucket(t, s, "vgc")
	if err := s.SetBucketSetting(ctx, "vgc", store.SettingVersioning, store.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	d1, d2 := randomBytes(t, 3*testBlockSize), randomBytes(t, 2*testBlockSize+5)
	v1 := mustPut(t, s, "vgc", "k", d1)
	v2 := mustPut(t, s, "vgc", "k", d2)
	if _, err := s.DeleteObject(ctx, "vgc", "k"); err != nil {
		t.Fatal(err)
	}
	sweepAfterGrace(t, s)
	if n1, n2 := countBlocks(t, s, inodeOf(t, v1), 3), countBlocks(t, s, inodeOf(t, v2), 3); n1 != 3 || n2 != 3 {
		t.Fatalf("versions behind a delete marker lost blocks: %d of 3, %d of 3", n1, n2)
	}

	if _, err := s.DeleteVersion(ctx, "vgc", "k", v1.VersionID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, s, v1, 0, -1); !bytes.Equal(got, d1) {
		t.Fatal("a deleted version is unreadable to its reader within the grace period")
	}
	sweepAfterGrace(t, s)
	if n := countBlocks(t, s, inodeOf(t, v1), 3); n != 0 {
		t.Errorf("deleted version: %d blocks remain after the grace period", n)
	}
	if n := countBlocks(t, s, inodeOf(t, v2), 3); n != 3 {
		t.Errorf("the version left: %d of 3 blocks", n)
	}

	if err := s.SetBucketSetting(ctx, "vgc", store.SettingVersioning, store.VersioningSuspended); err != nil {
		t.Fatal(err)
	}
	n1 := mustPut(t, s, "vgc", "k", randomBytes(t, testBlockSize+1))
	d3 := randomBytes(t, testBlockSize+2)
	n2 := mustPut(t, s, "vgc", "k", d3)
	sweepAfterGrace(t, s)
	if n := countBlocks(t, s, inodeOf(t, n1), 2); n != 0 {
		t.Errorf("replaced null version: %d blocks remain", n)
	}
	if n := countBlocks(t, s, inodeOf(t, n2), 2); n != 2 {
		t.Errorf("current null version: %d of 2 blocks", n)
	}
	if n := countBlocks(t, s, inodeOf(t, v2), 3); n != 3 {
		t.Errorf("a Suspended write took a version: %d of 3 blocks left", n)
	}
	cur, err := s.HeadObject(ctx, "vgc", "k")
	if err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, s, cur, 0, -1); !bytes.Equal(got, d3) {
		t.Error("current version damaged")
	}
	res, err := s.ListVersions(ctx, store.ListVersionsInput{Bucket: "vgc", MaxKeys: 100})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range res.Versions {
		ids = append(ids, v.VersionID)
	}
	if len(ids) != 3 || ids[0] != store.NullVersion || ids[2] != v2.VersionID {
		t.Errorf("versions after the sweeps: %v (want null, the marker, %s)", ids, v2.VersionID)
	}
}
