package cassandra

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/store"
)

// slowReader sleeps before each read of up to one block.
type slowReader struct {
	r     io.Reader
	pause func(i int) time.Duration
	i     int
}

func (s *slowReader) Read(p []byte) (int, error) {
	time.Sleep(s.pause(s.i))
	s.i++
	return s.r.Read(p[:min(len(p), testBlockSize)])
}

// An upload that takes several grace periods keeps moving its intent, so
// a sweeper running all the while never reclaims its blocks.
func TestSlowUploadOutlivesGrace(t *testing.T) {
	t.Parallel()
	s := newStore(t, func(c *Config) { c.GCGrace = time.Second })
	ctx := context.Background()
	mustCreateBucket(t, s, "slow")
	data := randomBytes(t, 20*testBlockSize)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			if _, err := s.Sweep(ctx); err != nil {
				t.Errorf("Sweep: %v", err)
				return
			}
		}
	})
	start := time.Now()
	obj, err := s.PutObject(ctx, store.PutInput{Bucket: "slow", Key: "k", Owner: "a", Size: int64(len(data)),
		Body: &slowReader{r: bytes.NewReader(data), pause: func(int) time.Duration { return 150 * time.Millisecond }}})
	took := time.Since(start)
	if err != nil {
		close(stop)
		wg.Wait()
		t.Fatalf("slow PutObject (%s): %v", took, err)
	}
	time.Sleep(1500 * time.Millisecond) // every intent of the upload is now due and swept
	close(stop)
	wg.Wait()
	t.Logf("upload took %s with a grace period of %s", took, s.cfg.GCGrace)
	if took < 2*s.cfg.GCGrace {
		t.Fatalf("upload too fast (%s) to test anything", took)
	}
	h, err := s.HeadObject(ctx, "slow", "k")
	if err != nil || vid(h) != vid(obj) {
		t.Fatalf("HeadObject = %+v, %v", h, err)
	}
	if got := mustRead(t, s, h, 0, -1); !bytes.Equal(got, data) {
		t.Fatal("slow upload's bytes damaged")
	}
	if q := queued(t, s, "k"); len(q) != 0 {
		t.Errorf("queue entries left: %+v", q)
	}
}

// A body that stalls for longer than the grace period fails the upload:
// by then a sweeper may have acted on its intent.
func TestStalledUploadFails(t *testing.T) {
	t.Parallel()
	s := newStore(t, func(c *Config) { c.GCGrace = time.Second })
	ctx := context.Background()
	mustCreateBucket(t, s, "slow")
	prev := mustPut(t, s, "slow", "k", []byte("previous"))
	data := randomBytes(t, 4*testBlockSize)
	_, err := s.PutObject(ctx, store.PutInput{Bucket: "slow", Key: "k", Owner: "a", Size: int64(len(data)),
		Body: &slowReader{r: bytes.NewReader(data), pause: func(i int) time.Duration {
			if i == 2 {
				return 1500 * time.Millisecond
			}
			return 0
		}}})
	if err == nil || errors.Is(err, store.ErrIncompleteBody) {
		t.Fatalf("stalled PutObject: %v, want an upload-too-slow error", err)
	}
	h, err := s.HeadObject(ctx, "slow", "k")
	if err != nil || vid(h) != vid(prev) {
		t.Fatalf("HeadObject after the stalled upload = %+v, %v; want the previous version", h, err)
	}
}
