package cassandra

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/store"
)

// hangUpBody is a client that sends one block, then hangs up the way
// net/http reports it: the request's context is cancelled by the failed
// connection read, and only then does the body return io.ErrUnexpectedEOF.
type hangUpBody struct {
	first  []byte
	cancel context.CancelFunc
}

func (b *hangUpBody) Read(p []byte) (int, error) {
	if len(b.first) > 0 {
		n := copy(p, b.first)
		b.first = b.first[n:]
		return n, nil
	}
	b.cancel()
	time.Sleep(50 * time.Millisecond) // let an in-flight block write see the cancellation first
	return 0, io.ErrUnexpectedEOF
}

// A client hanging up mid-body is reported as an incomplete body, not as
// the cancelled context that follows from it.
func TestHangUpIsIncompleteBody(t *testing.T) {
	s := newStore(t)
	mustCreateBucket(t, s, "hangup")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	body := &hangUpBody{first: randomBytes(t, testBlockSize), cancel: cancel}
	_, err := s.PutObject(ctx, store.PutInput{Bucket: "hangup", Key: "k", Owner: "o", Size: 4 * testBlockSize, Body: body})
	if !errors.Is(err, store.ErrIncompleteBody) {
		t.Fatalf("PutObject = %v, want ErrIncompleteBody", err)
	}
	if _, err := s.HeadObject(context.Background(), "hangup", "k"); !errors.Is(err, store.ErrNoSuchKey) {
		t.Fatalf("HeadObject after the hang-up = %v, want ErrNoSuchKey", err)
	}
}
