package cassandra

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/pacing"
	"github.com/amphora-s3/amphora/store"
)

// stallingBody delivers data up to stallAt bytes, then waits on its
// "client" (marked on the pacing Client, as the frontend marks a blocked
// connection read) until it is released or cut off; both end the body
// with an error, as a deadline ends a real one.
type stallingBody struct {
	data    []byte
	stallAt int
	client  *pacing.Client
	release chan struct{}
	stalled chan struct{} // closed once the body waits
	once    sync.Once
	off     int

	releaseOnce sync.Once
}

var errClientTimeout = errors.New("client timed out")

// newStallingBody returns a body that stalls after stallAt bytes; the
// test's end releases it if the test did not (a failed test leaves no
// upload waiting forever).
func newStallingBody(t *testing.T, data []byte, stallAt int) *stallingBody {
	b := &stallingBody{data: data, stallAt: stallAt, client: pacing.NewClient(),
		release: make(chan struct{}), stalled: make(chan struct{})}
	t.Cleanup(b.Release)
	return b
}

// Release ends the stall; it may be called more than once.
func (b *stallingBody) Release() {
	b.releaseOnce.Do(func() { close(b.release) })
}

// waitStalled waits until the body's upload waits on its client. An
// upload that ends first (errs) or never gets there fails the test instead
// of hanging it: a write timeout on a loaded machine must not stall the
// whole package until go test's deadline.
func (b *stallingBody) waitStalled(t *testing.T, errs <-chan error) {
	t.Helper()
	select {
	case <-b.stalled:
	case err := <-errs:
		t.Fatalf("an upload ended before its client stalled: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("an upload did not reach its client's stall within 30s")
	}
}

func (b *stallingBody) Read(p []byte) (int, error) {
	if b.off < b.stallAt {
		n := copy(p, b.data[b.off:b.stallAt])
		b.off += n
		return n, nil
	}
	cut := make(chan struct{})
	if err := b.client.Begin(pacing.Receiving, func() error { return nil }, func() { close(cut) }); err != nil {
		return 0, err
	}
	defer b.client.End()
	b.once.Do(func() { close(b.stalled) })
	select {
	case <-b.release:
	case <-cut:
	}
	return 0, errClientTimeout
}

func (b *stallingBody) ctx() context.Context {
	return pacing.NewContext(context.Background(), b.client)
}

// receive is the next value of c, failing the test after 30s.
func receive[T any](t *testing.T, c <-chan T) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(30 * time.Second):
		t.Fatal("nothing received within 30s")
		panic("unreachable")
	}
}

// countAllBlocks is the number of block rows in the store's keyspace.
func countAllBlocks(t *testing.T, s *Store) int {
	t.Helper()
	iter := s.sess.Query(`SELECT inode, idx FROM blocks`).PageSize(64).Iter()
	n := 0
	for sc := iter.Scanner(); sc.Next(); {
		n++
	}
	if err := iter.Close(); err != nil {
		t.Fatalf("count blocks: %v", err)
	}
	return n
}

// Uploads whose clients stop sending hold no Cassandra slot: with more of
// them than MaxBlocksInFlight, an ordinary PUT and GET still complete at
// once. When the stalled bodies fail, nothing of theirs stays visible and
// their written blocks are reclaimed.
func TestStalledUploadsHoldNoSlot(t *testing.T) {
	s := newStore(t, func(c *Config) { c.BlocksInFlight = 2; c.MaxBlocksInFlight = 2; c.MaxBlockBuffers = 64 })
	mustCreateBucket(t, s, "b")
	data := randomBytes(t, 3*testBlockSize)

	const stalled = 8 // four times the slots
	bodies := make([]*stallingBody, stalled)
	errs := make(chan error, stalled)
	for i := range bodies {
		bodies[i] = newStallingBody(t, data, 3*testBlockSize/2) // one block and a half
		go func() {
			_, err := s.PutObject(bodies[i].ctx(), store.PutInput{Bucket: "b", Key: key(i), Size: int64(len(data)), Body: bodies[i]})
			errs <- err
		}()
	}
	for _, b := range bodies {
		b.waitStalled(t, errs)
	}
	// Their first blocks' writes may still be in flight; once those are
	// answered, no slot stays held.
	deadline := time.Now().Add(10 * time.Second)
	for len(s.slots) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d slots held by uploads waiting on their clients", len(s.slots))
		}
		time.Sleep(10 * time.Millisecond)
	}

	done := make(chan struct{})
	go func() {
		defer close(done)
		obj := mustPut(t, s, "b", "ordinary", data)
		if got := mustRead(t, s, obj, 0, -1); !bytes.Equal(got, data) {
			t.Error("ordinary object read back wrong")
		}
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("an ordinary PUT and GET waited behind stalled uploads")
	}

	for _, b := range bodies {
		b.Release()
	}
	for range bodies {
		if err := receive(t, errs); !errors.Is(err, errClientTimeout) {
			t.Errorf("stalled upload ended with %v, want the body's error", err)
		}
	}
	for i := range bodies {
		if _, err := s.HeadObject(context.Background(), "b", key(i)); !errors.Is(err, store.ErrNoSuchKey) {
			t.Errorf("stalled upload %d visible: %v", i, err)
		}
	}
	// Only the ordinary object's blocks stay (failed uploads are
	// reclaimed in the background, at once).
	want := blocksOf(len(data))
	deadline = time.Now().Add(20 * time.Second)
	for n := countAllBlocks(t, s); n != want; n = countAllBlocks(t, s) {
		if time.Now().After(deadline) {
			t.Fatalf("%d block rows, want %d: stalled uploads' blocks not reclaimed", n, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if st := s.BufferStats(); st.Used != 0 {
		t.Errorf("%d block buffers still held", st.Used)
	}
}

// When stalled uploads hold every block buffer, a request whose client
// keeps up cuts off the one stalled the longest and proceeds; the cut-off
// upload fails and stores nothing.
func TestStalledUploadCutOffForOthers(t *testing.T) {
	s := newStore(t, func(c *Config) {
		c.BlocksInFlight = 2
		c.MaxBlocksInFlight = 2
		c.MaxBlockBuffers = 3
		c.ClientStallCutoff = 100 * time.Millisecond
	})
	mustCreateBucket(t, s, "b")
	data := randomBytes(t, 2*testBlockSize)

	bodies := make([]*stallingBody, 3) // each holds one buffer while it waits
	errs := make([]chan error, len(bodies))
	for i := range bodies {
		bodies[i] = newStallingBody(t, data, testBlockSize+1)
		errs[i] = make(chan error, 1)
		go func() {
			_, err := s.PutObject(bodies[i].ctx(), store.PutInput{Bucket: "b", Key: key(i), Size: int64(len(data)), Body: bodies[i]})
			errs[i] <- err
		}()
		bodies[i].waitStalled(t, errs[i])
		time.Sleep(20 * time.Millisecond) // a distinct age each
	}
	time.Sleep(150 * time.Millisecond) // all past the cutoff
	if st := s.BufferStats(); st.Used != 3 {
		t.Fatalf("%d buffers held, want 3 (one per stalled upload)", st.Used)
	}

	start := time.Now()
	ctx := pacing.NewContext(context.Background(), pacing.NewClient())
	obj, err := s.PutObject(ctx, store.PutInput{Bucket: "b", Key: "ordinary", Size: int64(len(data)), Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatalf("ordinary PUT: %v", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("ordinary PUT took %s", took)
	}
	if got := mustRead(t, s, obj, 0, -1); !bytes.Equal(got, data) {
		t.Error("ordinary object read back wrong")
	}
	select {
	case err := <-errs[0]:
		if !errors.Is(err, errClientTimeout) {
			t.Errorf("oldest stalled upload ended with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the oldest stalled upload was not cut off")
	}
	if !bodies[0].client.WasCut() {
		t.Error("the oldest stalled upload failed without being cut off")
	}
	if st := s.BufferStats(); st.Cuts < 1 {
		t.Errorf("stats %+v: no cut counted", st)
	}
	for _, b := range bodies[1:] {
		b.Release()
	}
	for i := range bodies {
		if i > 0 {
			receive(t, errs[i])
		}
		if _, err := s.HeadObject(context.Background(), "b", key(i)); !errors.Is(err, store.ErrNoSuchKey) {
			t.Errorf("stalled upload %d visible: %v", i, err)
		}
	}
}

// slowWriter takes one block's bytes at a time, pausing after each write.
type slowWriter struct {
	pause time.Duration
	n     int
	check func()
}

func (w *slowWriter) Write(p []byte) (int, error) {
	w.check()
	time.Sleep(w.pause)
	w.n += len(p)
	return len(p), nil
}

// While buffers are scarce, a reader whose client is slow holds
// scarceReadWindow buffers at most; one whose client keeps up gets the
// whole BlocksInFlight of read-ahead. With buffers to spare, a reader
// starts with the whole window.
func TestReadAheadFollowsTheClient(t *testing.T) {
	s := newStore(t, func(c *Config) { c.BlocksInFlight = 4; c.MaxBlocksInFlight = 4; c.MaxBlockBuffers = 12 })
	mustCreateBucket(t, s, "b")
	data := randomBytes(t, 8*testBlockSize)
	obj := mustPut(t, s, "b", "k", data)

	rc, err := s.ReadObject(context.Background(), obj, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	if br := rc.(*blockReader); br.window != 4 {
		t.Errorf("read-ahead window %d with buffers to spare, want 4", br.window)
	}
	rc.Close()

	// Others hold half the budget: buffers are scarce.
	var held []*blockBuf
	for range 6 {
		b, err := s.buffers.get(context.Background(), testBlockSize)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, b)
	}
	defer func() {
		for _, b := range held {
			s.buffers.put(b)
		}
	}()
	rc, err = s.ReadObject(context.Background(), obj, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	most := 0
	w := &slowWriter{pause: 100 * time.Millisecond, check: func() { most = max(most, s.BufferStats().Used-len(held)) }}
	if _, err := io.Copy(w, rc); err != nil || w.n != len(data) {
		t.Fatalf("slow read: %d bytes, %v", w.n, err)
	}
	rc.Close()
	if most > scarceReadWindow {
		t.Errorf("a slow client's reader held %d buffers, want at most %d", most, scarceReadWindow)
	}

	rc, err = s.ReadObject(context.Background(), obj, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if _, err := io.Copy(&got, rc); err != nil || !bytes.Equal(got.Bytes(), data) {
		t.Fatalf("fast read: %v", err)
	}
	if br := rc.(*blockReader); br.window != 4 {
		t.Errorf("read-ahead window %d after a fast read of 8 blocks, want 4", br.window)
	}
	rc.Close()
	if st := s.BufferStats(); st.Used != len(held) {
		t.Errorf("%d buffers held after the readers closed, want the %d held by the test", st.Used, len(held))
	}
}
