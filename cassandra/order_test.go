package cassandra

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/store"
)

// heldReader yields data but its last byte only once release is closed.
type heldReader struct {
	data     []byte
	off      int
	held     chan struct{} // closed when all but the last byte is out
	released chan struct{}
}

func (r *heldReader) Read(p []byte) (int, error) {
	switch {
	case r.off == len(r.data):
		return 0, io.EOF
	case r.off == len(r.data)-1:
		close(r.held)
		<-r.released
		p[0] = r.data[r.off]
		r.off++
		return 1, nil
	}
	n := copy(p, r.data[r.off:len(r.data)-1])
	r.off += n
	return n, nil
}

// TestRenewedVersionKeepsBlocks: a PUT overtaken by one that started
// after it takes a new version at its commit and moves its upload intent
// with it; after the sweeper has run past the grace period its blocks are
// all there (the intent it started with was withdrawn, not swept) and, in
// a bucket never versioned, the overtaking PUT's blocks are reclaimed.
func TestRenewedVersionKeepsBlocks(t *testing.T) {
	t.Parallel()
	s := newStore(t, func(c *Config) { c.GCGrace = 2 * time.Second })
	ctx := context.Background()
	mustCreateBucket(t, s, "renew")
	dataA, dataB := randomBytes(t, 3*testBlockSize), randomBytes(t, 2*testBlockSize)
	r := &heldReader{data: dataA, held: make(chan struct{}), released: make(chan struct{})}
	type result struct {
		obj store.Object
		err error
	}
	done := make(chan result, 1)
	go func() {
		obj, err := s.PutObject(ctx, store.PutInput{Bucket: "renew", Key: "k", Owner: "o", Size: int64(len(dataA)), Body: r})
		done <- result{obj, err}
	}()
	<-r.held
	b := mustPut(t, s, "renew", "k", dataB)
	close(r.released)
	a := <-done
	if a.err != nil {
		t.Fatal(a.err)
	}
	if compareTimeUUID(a.obj.Ref.(ref).version, b.Ref.(ref).version) <= 0 {
		t.Fatal("the PUT that completed last did not take a newer version")
	}
	sweepAfterGrace(t, s)
	sweepAfterGrace(t, s)
	if n := countBlocks(t, s, inodeOf(t, a.obj), 3); n != 3 {
		t.Fatalf("renewed version: %d of 3 blocks after sweeps", n)
	}
	if n := countBlocks(t, s, inodeOf(t, b), 2); n != 0 {
		t.Errorf("replaced version: %d blocks left", n)
	}
	cur, err := s.HeadObject(ctx, "renew", "k")
	if err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, s, cur, 0, -1); !bytes.Equal(got, dataA) {
		t.Fatal("current object is not the PUT that completed last")
	}
}
