package cassandra

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/store"
)

func TestPutReadHeadDelete(t *testing.T) {
	start := time.Now()
	s := newStore(t)
	t.Logf("schema+open took %s", time.Since(start))
	ctx := context.Background()
	mustCreateBucket(t, s, "b1")
	data := randomBytes(t, 3*testBlockSize+123)
	obj := mustPut(t, s, "b1", "dir/a", data)
	head, err := s.HeadObject(ctx, "b1", "dir/a")
	if err != nil {
		t.Fatal(err)
	}
	if head.ETag != obj.ETag || head.Size != int64(len(data)) || vid(head) != vid(obj) {
		t.Fatalf("head %+v, put %+v", head, obj)
	}
	if got := mustRead(t, s, head, 0, -1); !bytes.Equal(got, data) {
		t.Fatal("full read differs")
	}
	for _, r := range [][2]int64{{0, 1}, {testBlockSize - 1, 2}, {testBlockSize, testBlockSize}, {5, 3 * testBlockSize}, {int64(len(data)) - 1, 10}, {int64(len(data)), 5}} {
		want := data[r[0]:min(int64(len(data)), r[0]+r[1])]
		if got := mustRead(t, s, head, r[0], r[1]); !bytes.Equal(got, want) {
			t.Errorf("range %v: got %d bytes, want %d", r, len(got), len(want))
		}
	}
	res, err := s.ListObjects(ctx, store.ListInput{Bucket: "b1", MaxKeys: 10})
	if err != nil || len(res.Objects) != 1 || res.Objects[0].Key != "dir/a" {
		t.Fatalf("list = %+v, %v", res, err)
	}
	if _, err := s.DeleteObject(ctx, "b1", "dir/a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.HeadObject(ctx, "b1", "dir/a"); !errors.Is(err, store.ErrNoSuchKey) {
		t.Fatalf("head after delete: %v", err)
	}
	if err := s.DeleteBucket(ctx, "b1"); err != nil {
		t.Fatal(err)
	}
}
