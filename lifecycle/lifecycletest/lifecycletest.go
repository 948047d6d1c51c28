// Package lifecycletest is the lifecycle worker's suite, run on every
// store (memstore in package lifecycle, Cassandra in package cassandra).
// Time is simulated: a lifecycle day lasts an hour and the worker's clock
// runs hours ahead, so nothing waits.
package lifecycletest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/lifecycle"
	"github.com/amphora-s3/amphora/store"
)

const day = time.Hour

var clock = lifecycle.Clock{Day: day}

type suite struct {
	newStore func(t *testing.T) store.Store
	seq      atomic.Int64
	run      string
}

// Run runs the suite on stores newStore makes.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	s := &suite{newStore: newStore, run: fmt.Sprintf("%x", time.Now().UnixNano()&0xffffff)}
	t.Run("ExpireByDaysAndPrefix", s.testExpireByDays)
	t.Run("ExpireByDateTagAndSize", s.testExpireByDateTagSize)
	t.Run("Versioned", s.testVersioned)
	t.Run("ExpiredDeleteMarker", s.testExpiredMarker)
	t.Run("AbortUploads", s.testAbortUploads)
	t.Run("LockedVersionsSurvive", s.testLocked)
	t.Run("ResumesMidBucket", s.testResume)
	t.Run("OneWorkerPerBucket", s.testOneWorker)
}

func (s *suite) bucket(t *testing.T, st store.Store, rules ...lifecycle.Rule) string {
	t.Helper()
	name := fmt.Sprintf("lc-%s-%d", s.run, s.seq.Add(1))
	if err := st.CreateBucket(t.Context(), store.Bucket{Name: name, Owner: "owner"}); err != nil {
		t.Fatal(err)
	}
	setRules(t, st, name, rules...)
	return name
}

func setRules(t *testing.T, st store.Store, bucket string, rules ...lifecycle.Rule) {
	t.Helper()
	cfg := lifecycle.Config{Rules: rules}
	if err := st.SetBucketSetting(t.Context(), bucket, store.SettingLifecycle, cfg.Encode()); err != nil {
		t.Fatal(err)
	}
}

func set(t *testing.T, st store.Store, bucket, setting, value string) {
	t.Helper()
	if err := st.SetBucketSetting(t.Context(), bucket, setting, value); err != nil {
		t.Fatal(err)
	}
}

func put(t *testing.T, st store.Store, bucket, key string, size int, tags store.Tags, lock store.Lock) store.Object {
	t.Helper()
	data := bytes.Repeat([]byte{'x'}, size)
	obj, err := st.PutObject(t.Context(), store.PutInput{Bucket: bucket, Key: key, Owner: "owner", Size: int64(size),
		Body: bytes.NewReader(data), Tags: tags, Lock: lock})
	if err != nil {
		t.Fatal(err)
	}
	return obj
}

// worker is a worker whose clock is hours ahead.
func worker(st store.Store, holder string, ahead time.Duration) *lifecycle.Worker {
	return &lifecycle.Worker{Store: st, Clock: clock, Holder: holder, Log: zerolog.Nop(),
		Now: func() time.Time { return time.Now().Add(ahead) }, LeaseTTL: 5 * time.Second}
}

// pass works one bucket once.
func pass(t *testing.T, w *lifecycle.Worker, bucket string) lifecycle.Stats {
	t.Helper()
	b, err := w.Store.GetBucket(t.Context(), bucket)
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := lifecycle.Of(b)
	if err != nil {
		t.Fatal(err)
	}
	var st lifecycle.Stats
	if err := w.Bucket(t.Context(), b, c, &st); err != nil {
		t.Fatalf("lifecycle pass: %v", err)
	}
	return st
}

// keys lists the bucket's current keys.
func keys(t *testing.T, st store.Store, bucket string) []string {
	t.Helper()
	res, err := st.ListObjects(t.Context(), store.ListInput{Bucket: bucket, MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range res.Objects {
		out = append(out, o.Key)
	}
	return out
}

// versions lists key's versions as ids, markers flagged, newest first.
func versions(t *testing.T, st store.Store, bucket, key string) []string {
	t.Helper()
	res, err := st.ListVersions(t.Context(), store.ListVersionsInput{Bucket: bucket, Prefix: key, MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, v := range res.Versions {
		if v.Key != key {
			continue
		}
		id := v.VersionID
		if v.DeleteMarker {
			id = "marker"
		}
		out = append(out, id)
	}
	return out
}

func wantKeys(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: keys %v, want %v", what, got, want)
	}
}

func (s *suite) testExpireByDays(t *testing.T) {
	st := s.newStore(t)
	b := s.bucket(t, st, lifecycle.Rule{ID: "logs", Enabled: true, Filter: lifecycle.Filter{Prefix: "logs/"},
		Expiration: &lifecycle.Expiration{Days: 2}},
		lifecycle.Rule{ID: "off", Enabled: false, Expiration: &lifecycle.Expiration{Days: 1}})
	for _, k := range []string{"keep/c", "logs/a", "logs/b"} {
		put(t, st, b, k, 10, nil, store.Lock{})
	}
	if got := pass(t, worker(st, "w", 1*day), b); got.Expired != 0 {
		t.Errorf("a day in: %+v", got)
	}
	wantKeys(t, "a day in", keys(t, st, b), "keep/c", "logs/a", "logs/b")
	got := pass(t, worker(st, "w", 3*day), b)
	if got.Expired != 2 || got.Keys != 3 {
		t.Errorf("three days in: %+v", got)
	}
	wantKeys(t, "three days in", keys(t, st, b), "keep/c")
}

func (s *suite) testExpireByDateTagSize(t *testing.T) {
	st := s.newStore(t)
	date := time.Now().Add(2 * day).Truncate(day)
	b := s.bucket(t, st,
		lifecycle.Rule{ID: "date", Enabled: true, Filter: lifecycle.Filter{Prefix: "d/"}, Expiration: &lifecycle.Expiration{Date: date}},
		lifecycle.Rule{ID: "tag", Enabled: true, Filter: lifecycle.Filter{Tags: store.Tags{{Key: "tmp", Value: "yes"}}},
			Expiration: &lifecycle.Expiration{Days: 1}},
		lifecycle.Rule{ID: "big", Enabled: true, Filter: lifecycle.Filter{Prefix: "s/", SizeGreaterThan: 100},
			Expiration: &lifecycle.Expiration{Days: 1}})
	put(t, st, b, "d/x", 1, nil, store.Lock{})
	put(t, st, b, "t/tagged", 1, store.Tags{{Key: "tmp", Value: "yes"}, {Key: "other", Value: "1"}}, store.Lock{})
	put(t, st, b, "t/other-value", 1, store.Tags{{Key: "tmp", Value: "no"}}, store.Lock{})
	put(t, st, b, "s/big", 200, nil, store.Lock{})
	put(t, st, b, "s/small", 50, nil, store.Lock{})
	pass(t, worker(st, "w", day/2), b)
	wantKeys(t, "half a day in", keys(t, st, b), "d/x", "s/big", "s/small", "t/other-value", "t/tagged")
	// The date lies between one and two days ahead; the other rules
	// expire their objects within two days.
	pass(t, worker(st, "w", 2*day+day/2), b)
	wantKeys(t, "after two days and a half", keys(t, st, b), "s/small", "t/other-value")
}

func (s *suite) testVersioned(t *testing.T) {
	st := s.newStore(t)
	b := s.bucket(t, st, lifecycle.Rule{ID: "v", Enabled: true,
		Expiration:           &lifecycle.Expiration{Days: 1},
		NoncurrentExpiration: &lifecycle.NoncurrentExpiration{Days: 1, NewerVersions: 1}})
	set(t, st, b, store.SettingVersioning, store.VersioningEnabled)
	v1 := put(t, st, b, "k", 10, nil, store.Lock{})
	v2 := put(t, st, b, "k", 10, nil, store.Lock{})
	v3 := put(t, st, b, "k", 10, nil, store.Lock{})
	got := pass(t, worker(st, "w", 3*day), b)
	if got.Expired != 1 || got.Removed != 1 {
		t.Errorf("pass: %+v, want 1 expired and 1 removed", got)
	}
	// The current version got a delete marker (nothing destroyed); v1, the
	// second newest noncurrent, went; v2 is kept by NewerVersions 1.
	if vs := versions(t, st, b, "k"); !slices.Equal(vs, []string{"marker", v3.VersionID, v2.VersionID}) {
		t.Errorf("versions %v, want a marker, v3, v2 (v1 %s gone)", vs, v1.VersionID)
	}
	wantKeys(t, "after expiration", keys(t, st, b))
}

func (s *suite) testExpiredMarker(t *testing.T) {
	st := s.newStore(t)
	b := s.bucket(t, st, lifecycle.Rule{ID: "m", Enabled: true, Expiration: &lifecycle.Expiration{ExpiredObjectDeleteMarker: true}})
	set(t, st, b, store.SettingVersioning, store.VersioningEnabled)
	ctx := t.Context()
	gone := put(t, st, b, "alone", 10, nil, store.Lock{})
	if _, err := st.DeleteObject(ctx, b, "alone"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DeleteVersion(ctx, b, "alone", gone.VersionID, false); err != nil {
		t.Fatal(err)
	}
	put(t, st, b, "kept", 10, nil, store.Lock{})
	if _, err := st.DeleteObject(ctx, b, "kept"); err != nil { // a marker over a version: not expired
		t.Fatal(err)
	}
	got := pass(t, worker(st, "w", day), b)
	if got.Removed != 1 {
		t.Errorf("pass: %+v", got)
	}
	if vs := versions(t, st, b, "alone"); len(vs) != 0 {
		t.Errorf("expired marker left: %v", vs)
	}
	if vs := versions(t, st, b, "kept"); len(vs) != 2 || vs[0] != "marker" {
		t.Errorf("a marker with a version behind it: %v", vs)
	}
}

func (s *suite) testAbortUploads(t *testing.T) {
	st := s.newStore(t)
	b := s.bucket(t, st, lifecycle.Rule{ID: "mpu", Enabled: true, Filter: lifecycle.Filter{Prefix: "tmp/"}, AbortIncompleteDays: 2})
	ctx := t.Context()
	for _, k := range []string{"tmp/a", "keep/b"} {
		if _, err := st.CreateMultipartUpload(ctx, store.CreateUploadInput{Bucket: b, Key: k, Owner: "owner"}); err != nil {
			t.Fatal(err)
		}
	}
	uploads := func() []string {
		res, err := st.ListMultipartUploads(ctx, store.ListUploadsInput{Bucket: b, MaxUploads: 100})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, u := range res.Uploads {
			out = append(out, u.Key)
		}
		return out
	}
	pass(t, worker(st, "w", day), b)
	if got := uploads(); len(got) != 2 {
		t.Errorf("a day in: uploads %v", got)
	}
	got := pass(t, worker(st, "w", 3*day), b)
	if got.Aborted != 1 || !slices.Equal(uploads(), []string{"keep/b"}) {
		t.Errorf("three days in: %+v, uploads %v", got, uploads())
	}
}

func (s *suite) testLocked(t *testing.T) {
	st := s.newStore(t)
	b := s.bucket(t, st, lifecycle.Rule{ID: "all", Enabled: true,
		NoncurrentExpiration: &lifecycle.NoncurrentExpiration{Days: 1}})
	set(t, st, b, store.SettingVersioning, store.VersioningEnabled)
	set(t, st, b, store.SettingObjectLock, store.ObjectLockConfig{Enabled: true}.Encode())
	hour := time.Now().Add(time.Hour)
	compliance := put(t, st, b, "k", 10, nil, store.Lock{Retention: store.Retention{Mode: store.LockCompliance, Until: hour}})
	held := put(t, st, b, "k", 10, nil, store.Lock{LegalHold: true})
	free := put(t, st, b, "k", 10, nil, store.Lock{})
	put(t, st, b, "k", 10, nil, store.Lock{})
	got := pass(t, worker(st, "w", 3*day), b)
	if got.Locked != 2 || got.Removed != 1 {
		t.Errorf("pass: %+v, want 2 locked and 1 removed", got)
	}
	vs := versions(t, st, b, "k")
	if !slices.Contains(vs, compliance.VersionID) || !slices.Contains(vs, held.VersionID) || slices.Contains(vs, free.VersionID) {
		t.Errorf("versions %v: want the locked ones kept and %s gone", vs, free.VersionID)
	}
}

func (s *suite) testResume(t *testing.T) {
	st := s.newStore(t)
	b := s.bucket(t, st, lifecycle.Rule{ID: "all", Enabled: true, Expiration: &lifecycle.Expiration{Days: 1}})
	const n = 12
	for i := range n {
		put(t, st, b, fmt.Sprintf("k%02d", i), 1, nil, store.Lock{})
	}
	w := worker(st, "first", 3*day)
	w.PageSize = 2
	seen := 0
	w.Interrupt = func() bool { seen++; return seen == 7 } // dies after its 7th key
	first := pass(t, w, b)
	if first.Keys != 7 || first.Expired != 7 {
		t.Fatalf("interrupted pass: %+v", first)
	}
	pos, err := st.LeasePosition(t.Context(), lifecycle.LeaseName(b))
	if err != nil || pos == "" {
		t.Fatalf("no position saved: %q, %v", pos, err)
	}
	second := worker(st, "second", 3*day)
	second.PageSize = 2
	got := pass(t, second, b)
	if got.Keys >= n || got.Keys < n-7 {
		t.Errorf("resumed pass looked at %d keys, want %d..%d (it resumes after %q)", got.Keys, n-7, n-1, pos)
	}
	wantKeys(t, "after both passes", keys(t, st, b))
	if pos, _ := st.LeasePosition(t.Context(), lifecycle.LeaseName(b)); pos != "" {
		t.Errorf("position after a full pass: %q", pos)
	}
}

func (s *suite) testOneWorker(t *testing.T) {
	st := s.newStore(t)
	b := s.bucket(t, st, lifecycle.Rule{ID: "all", Enabled: true, Expiration: &lifecycle.Expiration{Days: 1}})
	const n = 20
	for i := range n {
		put(t, st, b, fmt.Sprintf("k%02d", i), 1, nil, store.Lock{})
	}
	var (
		wg    sync.WaitGroup
		stats [2]lifecycle.Stats
	)
	bk, err := st.GetBucket(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	c, _, _ := lifecycle.Of(bk)
	for i := range stats {
		w := worker(st, fmt.Sprintf("frontend-%d", i), 3*day)
		w.Rate = 100 // 20 keys take 0.2 s: the two passes overlap
		wg.Go(func() {
			if err := w.Bucket(t.Context(), bk, c, &stats[i]); err != nil {
				t.Errorf("worker %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	worked := stats[0].Buckets + stats[1].Buckets
	if worked != 1 || stats[0].Expired+stats[1].Expired != n {
		t.Errorf("two frontends on one bucket: %+v and %+v; want one to work it and one to find it busy", stats[0], stats[1])
	}
	wantKeys(t, "after the passes", keys(t, st, b))
}
