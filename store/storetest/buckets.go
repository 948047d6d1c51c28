package storetest

import (
	"bytes"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/store"
)

// testBucketLifecycle: create, get, claim again, delete, reuse the name.
func (s *suite) testBucketLifecycle(t *testing.T) {
	st := s.newStore(t)
	ctx := t.Context()
	alice, bob := s.owner("life-alice"), s.owner("life-bob")
	name := s.bucketName("life")

	before := time.Now()
	if err := st.CreateBucket(ctx, store.Bucket{Name: name, Owner: alice, Location: "eu-west-1"}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	after := time.Now()
	b, err := st.GetBucket(ctx, name)
	if err != nil {
		t.Fatalf("GetBucket: %v", err)
	}
	if b.Name != name || b.Owner != alice || b.Location != "eu-west-1" {
		t.Errorf("GetBucket = %+v, want name %q owner %q location eu-west-1", b, name, alice)
	}
	// The store dates the bucket when the caller leaves Created zero:
	// ListBuckets must never report a zero CreationDate.
	if b.Created.Before(before.Add(-slack)) || b.Created.After(after.Add(slack)) {
		t.Errorf("Created = %v, want between %v and %v", b.Created, before, after)
	}

	wantErr(t, "CreateBucket again by the owner",
		st.CreateBucket(ctx, store.Bucket{Name: name, Owner: alice}), store.ErrBucketAlreadyOwnedByYou)
	wantErr(t, "CreateBucket by another owner",
		st.CreateBucket(ctx, store.Bucket{Name: name, Owner: bob}), store.ErrBucketAlreadyExists)
	if b2, err := st.GetBucket(ctx, name); err != nil || b2.Owner != alice || b2.Location != "eu-west-1" {
		t.Errorf("after failed claims GetBucket = %+v, %v; want owner %q unchanged", b2, err, alice)
	}

	if err := st.DeleteBucket(ctx, name); err != nil {
		t.Fatalf("DeleteBucket: %v", err)
	}
	_, err = st.GetBucket(ctx, name)
	wantErr(t, "GetBucket after delete", err, store.ErrNoSuchBucket)
	wantErr(t, "DeleteBucket twice", st.DeleteBucket(ctx, name), store.ErrNoSuchBucket)
	if got := bucketNames(t, st, alice); len(got) != 0 {
		t.Errorf("ListBuckets(alice) after delete = %q, want none", got)
	}

	// The name is free again, for anyone.
	if err := st.CreateBucket(ctx, store.Bucket{Name: name, Owner: bob}); err != nil {
		t.Fatalf("CreateBucket of a freed name: %v", err)
	}
	if b, err := st.GetBucket(ctx, name); err != nil || b.Owner != bob || b.Location != "" {
		t.Errorf("GetBucket of the reused name = %+v, %v; want owner %q, no location", b, err, bob)
	}
}

// testBucketCreateRace: two tenants race 16 CreateBucket calls on one name.
// Exactly one wins; every loser gets the error naming who owns it.
func (s *suite) testBucketCreateRace(t *testing.T) {
	st := s.newStore(t)
	ctx := t.Context()
	owners := [2]string{s.owner("race-a"), s.owner("race-b")}
	const racers = 16
	for round := range 3 {
		name := s.bucketName("race")
		errs := make([]error, racers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range racers {
			wg.Go(func() {
				<-start
				errs[i] = st.CreateBucket(ctx, store.Bucket{Name: name, Owner: owners[i%2]})
			})
		}
		close(start)
		wg.Wait()

		winner := CheckClaimRace(t, name, errs, func(i int) string { return owners[i%2] })
		w := owners[winner%2]
		if b, err := st.GetBucket(ctx, name); err != nil || b.Owner != w {
			t.Errorf("round %d: GetBucket = %+v, %v; want owner %q", round, b, err, w)
		}
		for _, o := range owners {
			if got := slices.Contains(bucketNames(t, st, o), name); got != (o == w) {
				t.Errorf("round %d: ListBuckets(%q) lists %q: %v, want %v", round, o, name, got, o == w)
			}
		}
	}
}

// testListBuckets: each owner sees exactly its buckets, sorted by name.
func (s *suite) testListBuckets(t *testing.T) {
	st := s.newStore(t)
	ctx := t.Context()
	alice, bob := s.owner("list-alice"), s.owner("list-bob")
	var aliceNames, bobNames []string
	// Created out of name order, interleaved between owners.
	for _, tag := range []string{"zulu", "alpha", "mike", "bravo"} {
		aliceNames = append(aliceNames, s.newBucket(t, st, tag, alice))
		bobNames = append(bobNames, s.newBucket(t, st, tag+"b", bob))
	}
	slices.Sort(aliceNames)
	slices.Sort(bobNames)

	check := func(owner string, want []string) {
		t.Helper()
		got, err := st.ListBuckets(ctx, owner)
		if err != nil {
			t.Fatalf("ListBuckets(%q): %v", owner, err)
		}
		var names []string
		for _, b := range got {
			names = append(names, b.Name)
			if b.Owner != owner || b.Created.IsZero() {
				t.Errorf("ListBuckets(%q) entry %+v: wrong owner or zero Created", owner, b)
			}
		}
		if !slices.Equal(names, want) {
			t.Errorf("ListBuckets(%q) = %q, want %q", owner, names, want)
		}
	}
	check(alice, aliceNames)
	check(bob, bobNames)
	check(s.owner("list-nobody"), nil)

	if err := st.DeleteBucket(ctx, aliceNames[1]); err != nil {
		t.Fatal(err)
	}
	check(alice, slices.Delete(slices.Clone(aliceNames), 1, 2))
	check(bob, bobNames)
}

// testDeleteBucketNotEmpty: a bucket holding an object cannot be deleted;
// once the object is gone it can.
func (s *suite) testDeleteBucketNotEmpty(t *testing.T) {
	st, b := s.setup(t, "notempty")
	ctx := t.Context()
	put(t, st, b, "k", []byte("x"), store.Meta{})
	wantErr(t, "DeleteBucket of a non-empty bucket", st.DeleteBucket(ctx, b), store.ErrBucketNotEmpty)
	if _, err := st.GetBucket(ctx, b); err != nil {
		t.Fatalf("bucket gone after a refused delete: %v", err)
	}
	head(t, st, b, "k")
	if _, err := st.DeleteObject(ctx, b, "k"); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteBucket(ctx, b); err != nil {
		t.Fatalf("DeleteBucket after emptying it: %v", err)
	}
}

// testMissingBucket: every call naming a bucket that does not exist (never
// created, or deleted) fails with ErrNoSuchBucket, not ErrNoSuchKey.
func (s *suite) testMissingBucket(t *testing.T) {
	st := s.newStore(t)
	ctx := t.Context()
	deleted := s.newBucket(t, st, "deleted", s.owner("main"))
	if err := st.DeleteBucket(ctx, deleted); err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{s.bucketName("never"), deleted} {
		_, err := st.GetBucket(ctx, b)
		wantErr(t, "GetBucket", err, store.ErrNoSuchBucket)
		wantErr(t, "DeleteBucket", st.DeleteBucket(ctx, b), store.ErrNoSuchBucket)
		data := []byte("0123456789")
		_, err = st.PutObject(ctx, store.PutInput{Bucket: b, Key: "k", Owner: "writer",
			Size: int64(len(data)), Body: bytes.NewReader(data)})
		wantErr(t, "PutObject", err, store.ErrNoSuchBucket)
		_, err = st.HeadObject(ctx, b, "k")
		wantErr(t, "HeadObject", err, store.ErrNoSuchBucket)
		_, err = st.DeleteObject(ctx, b, "k")
		wantErr(t, "DeleteObject", err, store.ErrNoSuchBucket)
		_, err = st.HeadVersion(ctx, b, "k", store.NullVersion)
		wantErr(t, "HeadVersion", err, store.ErrNoSuchBucket)
		_, err = st.DeleteVersion(ctx, b, "k", store.NullVersion, false)
		wantErr(t, "DeleteVersion", err, store.ErrNoSuchBucket)
		_, err = st.ListVersions(ctx, store.ListVersionsInput{Bucket: b, MaxKeys: 1000})
		wantErr(t, "ListVersions", err, store.ErrNoSuchBucket)
		_, err = st.ListObjects(ctx, store.ListInput{Bucket: b, MaxKeys: 1000})
		wantErr(t, "ListObjects", err, store.ErrNoSuchBucket)
	}
	// A failed PUT into a missing bucket must not create it.
	_, err := st.GetBucket(ctx, deleted)
	wantErr(t, "GetBucket after PutObject into it", err, store.ErrNoSuchBucket)
}

func bucketNames(t *testing.T, st store.Store, owner string) []string {
	t.Helper()
	bs, err := st.ListBuckets(t.Context(), owner)
	if err != nil {
		t.Fatalf("ListBuckets(%q): %v", owner, err)
	}
	var names []string
	for _, b := range bs {
		names = append(names, b.Name)
	}
	return names
}

// CheckClaimRace checks the outcome of racing CreateBucket calls on name:
// errs[i] is racer i's result and ownerOf(i) the tenant it claimed for.
// Exactly one racer must win; every loser must get
// ErrBucketAlreadyOwnedByYou when it shares the winner's tenant and
// ErrBucketAlreadyExists otherwise. It returns the winner's index. Stores
// with races of their own to prove (several sessions, say) call it too.
func CheckClaimRace(t testing.TB, name string, errs []error, ownerOf func(i int) string) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		if err == nil {
			if winner >= 0 {
				t.Fatalf("racers %d and %d both created %q", winner, i, name)
			}
			winner = i
		}
	}
	if winner < 0 {
		t.Fatalf("nobody created %q: %v", name, errors.Join(errs...))
	}
	for i, err := range errs {
		if i == winner {
			continue
		}
		want := store.ErrBucketAlreadyExists
		if ownerOf(i) == ownerOf(winner) {
			want = store.ErrBucketAlreadyOwnedByYou
		}
		if !errors.Is(err, want) {
			t.Errorf("racer %d for %q: error %v, want %v", i, name, err, want)
		}
	}
	return winner
}
