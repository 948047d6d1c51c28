package memstore_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/amphora-s3/amphora/store"
	"github.com/amphora-s3/amphora/store/memstore"
	"github.com/amphora-s3/amphora/store/storetest"
)

// TestConformance runs the suite every store must pass. memstore has no
// blocks; a small block size keeps the boundary sizes (and the run) small
// while covering the same cases.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) store.Store { return memstore.New() }, storetest.Options{BlockSize: 64 << 10})
}

// The tests below pin memstore choices the contract leaves open; the
// conformance suite does not require them of other stores.

func newBucket(t *testing.T) (*memstore.Store, string) {
	t.Helper()
	s := memstore.New()
	if err := s.CreateBucket(t.Context(), store.Bucket{Name: "b", Owner: "o"}); err != nil {
		t.Fatal(err)
	}
	return s, "b"
}

func TestReadObjectClampsAndRejects(t *testing.T) {
	s, b := newBucket(t)
	obj, err := s.PutObject(t.Context(), store.PutInput{Bucket: b, Key: "k", Size: 10, Body: strings.NewReader("0123456789")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		off, n int64
		want   string
	}{
		{0, 100, "0123456789"},
		{8, 5, "89"},
		{10, -1, ""},
		{10, 3, ""},
	} {
		rc, err := s.ReadObject(t.Context(), obj, tc.off, tc.n)
		if err != nil {
			t.Fatalf("ReadObject(%d, %d): %v", tc.off, tc.n, err)
		}
		got, _ := io.ReadAll(rc)
		if string(got) != tc.want {
			t.Errorf("ReadObject(%d, %d) = %q, want %q", tc.off, tc.n, got, tc.want)
		}
	}
	for _, off := range []int64{-1, 11} {
		if _, err := s.ReadObject(t.Context(), obj, off, 1); err == nil {
			t.Errorf("ReadObject at offset %d succeeded", off)
		}
	}
	if _, err := s.ReadObject(t.Context(), store.Object{Bucket: b, Key: "k", Size: 10}, 0, -1); err == nil {
		t.Error("ReadObject of an Object without a memstore Ref succeeded")
	}
}

func TestCancelledContext(t *testing.T) {
	s, b := newBucket(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.PutObject(ctx, store.PutInput{Bucket: b, Key: "k", Size: 1, Body: strings.NewReader("x")})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("PutObject: %v, want context.Canceled", err)
	}
	_, err = s.ListObjects(ctx, store.ListInput{Bucket: b, MaxKeys: 10})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("ListObjects: %v, want context.Canceled", err)
	}
	if err := s.CreateBucket(ctx, store.Bucket{Name: "c", Owner: "o"}); !errors.Is(err, context.Canceled) {
		t.Errorf("CreateBucket: %v, want context.Canceled", err)
	}
	if _, err := s.GetBucket(t.Context(), "c"); !errors.Is(err, store.ErrNoSuchBucket) {
		t.Errorf("CreateBucket with a cancelled context created the bucket: %v", err)
	}
}

// TestUnexpectedEOF: net/http reports a client that hangs up early as
// io.ErrUnexpectedEOF; that is an incomplete body, not a server fault.
func TestUnexpectedEOF(t *testing.T) {
	s, b := newBucket(t)
	body := io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(io.ErrUnexpectedEOF))
	_, err := s.PutObject(t.Context(), store.PutInput{Bucket: b, Key: "k", Size: 10, Body: body})
	if !errors.Is(err, store.ErrIncompleteBody) {
		t.Errorf("PutObject: %v, want ErrIncompleteBody", err)
	}
}

func TestCreatedKept(t *testing.T) {
	s := memstore.New()
	created := time.Date(2020, 1, 2, 3, 4, 5, 6e6, time.UTC)
	if err := s.CreateBucket(t.Context(), store.Bucket{Name: "b", Owner: "o", Created: created}); err != nil {
		t.Fatal(err)
	}
	b, err := s.GetBucket(t.Context(), "b")
	if err != nil || !b.Created.Equal(created) {
		t.Errorf("GetBucket = %+v, %v; want Created %v", b, err, created)
	}
}

func TestTimesAreMillisecondUTC(t *testing.T) {
	s, b := newBucket(t)
	obj, err := s.PutObject(t.Context(), store.PutInput{Bucket: b, Key: "k", Body: strings.NewReader("")})
	if err != nil {
		t.Fatal(err)
	}
	lm := obj.LastModified
	if lm.Location() != time.UTC || lm.Nanosecond()%int(time.Millisecond) != 0 {
		t.Errorf("LastModified %v is not UTC at millisecond precision", lm)
	}
}
