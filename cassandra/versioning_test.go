package cassandra

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"sync"
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

	if _, err := s.DeleteVersion(ctx, "vgc", "k", v1.VersionID, false); err != nil {
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

// TestVersionedConcurrency: writers, a deleter (markers, and versions by
// id) and readers work on one key of a versioned bucket at once for a
// bounded time. Afterwards every acknowledged version not deleted is
// listed and reads back byte for byte, nothing deleted is listed, a
// reader never saw bytes that no PUT wrote, and after the sweeper's grace
// every kept version still has all its blocks while every deleted one
// has none.
func TestVersionedConcurrency(t *testing.T) {
	t.Parallel()
	s := newStore(t, func(c *Config) { c.GCGrace = 2 * time.Second })
	ctx := context.Background()
	mustCreateBucket(t, s, "vcc")
	if err := s.SetBucketSetting(ctx, "vcc", store.SettingVersioning, store.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	type written struct {
		obj  store.Object
		data []byte
	}
	var (
		mu      sync.Mutex
		acked   = map[string]written{} // by version id
		deleted = map[string]bool{}
		sums    = map[string]bool{} // md5 of every body sent
	)
	deadline := time.Now().Add(4 * time.Second)
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline) && i < 40; i++ {
				size := []int{10, testBlockSize + 7, 2*testBlockSize + 1}[(w+i)%3]
				data := randomBytes(t, size)
				sum := md5.Sum(data)
				mu.Lock()
				sums[hex.EncodeToString(sum[:])] = true
				mu.Unlock()
				obj, err := s.PutObject(ctx, store.PutInput{Bucket: "vcc", Key: "k", Owner: "alice", Size: int64(size), Body: bytes.NewReader(data)})
				if err != nil {
					t.Errorf("PUT: %v", err)
					return
				}
				mu.Lock()
				acked[obj.VersionID] = written{obj, data}
				mu.Unlock()
			}
		}()
	}
	wg.Add(1)
	go func() { // deleter: markers, and some acknowledged versions by id
		defer wg.Done()
		for i := 0; time.Now().Before(deadline); i++ {
			if i%2 == 0 {
				if _, err := s.DeleteObject(ctx, "vcc", "k"); err != nil {
					t.Errorf("DeleteObject: %v", err)
					return
				}
			} else {
				mu.Lock()
				var victim string
				for id := range acked {
					if !deleted[id] {
						victim = id
						break
					}
				}
				if victim != "" {
					deleted[victim] = true
				}
				mu.Unlock()
				if victim != "" {
					if _, err := s.DeleteVersion(ctx, "vcc", "k", victim, false); err != nil {
						t.Errorf("DeleteVersion: %v", err)
						return
					}
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	for range 2 {
		wg.Add(1)
		go func() { // readers: whatever is current reads whole
			defer wg.Done()
			for time.Now().Before(deadline) {
				obj, err := s.HeadObject(ctx, "vcc", "k")
				if errors.Is(err, store.ErrNoSuchKey) {
					continue
				}
				if err != nil {
					t.Errorf("HEAD: %v", err)
					return
				}
				rc, err := s.ReadObject(ctx, obj, 0, -1)
				if err != nil {
					t.Errorf("GET %s: %v", obj.VersionID, err)
					return
				}
				got, err := io.ReadAll(rc)
				rc.Close()
				sum := md5.Sum(got)
				mu.Lock()
				ok := sums[hex.EncodeToString(sum[:])]
				mu.Unlock()
				if err != nil || !ok || int64(len(got)) != obj.Size {
					t.Errorf("GET %s: %d bytes no PUT wrote (%v)", obj.VersionID, len(got), err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	check := func(when string) {
		t.Helper()
		res, err := s.ListVersions(ctx, store.ListVersionsInput{Bucket: "vcc", MaxKeys: 1000})
		if err != nil {
			t.Fatal(err)
		}
		listed := map[string]bool{}
		for _, v := range res.Versions {
			if !v.DeleteMarker {
				listed[v.VersionID] = true
			}
		}
		for id, w := range acked {
			if deleted[id] {
				if listed[id] {
					t.Errorf("%s: deleted version %s is listed", when, id)
				}
				continue
			}
			if !listed[id] {
				t.Errorf("%s: acknowledged version %s is not listed", when, id)
				continue
			}
			h, err := s.HeadVersion(ctx, "vcc", "k", id)
			if err != nil {
				t.Errorf("%s: HeadVersion %s: %v", when, id, err)
				continue
			}
			if got := mustRead(t, s, h, 0, -1); !bytes.Equal(got, w.data) {
				t.Errorf("%s: version %s reads back different bytes", when, id)
			}
		}
		if len(listed) != len(acked)-len(deleted) {
			t.Errorf("%s: %d versions listed, %d acknowledged and not deleted", when, len(listed), len(acked)-len(deleted))
		}
	}
	check("right after")
	sweepAfterGrace(t, s)
	sweepAfterGrace(t, s)
	check("after the sweeper")
	for id, w := range acked {
		n := blocksOf(len(w.data))
		if w.data != nil && len(w.data) <= s.cfg.InlineSize {
			continue // inline: no blocks
		}
		got := countBlocks(t, s, inodeOf(t, w.obj), n)
		switch {
		case deleted[id] && got != 0:
			t.Errorf("deleted version %s: %d blocks left after the grace", id, got)
		case !deleted[id] && got != n:
			t.Errorf("kept version %s: %d of %d blocks", id, got, n)
		}
	}
	t.Logf("%d versions acknowledged, %d deleted by id", len(acked), len(deleted))
}
