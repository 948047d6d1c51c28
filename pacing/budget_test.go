package pacing

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// stalled is a request whose client stopped: it holds n buffers and
// waits on its client until stop is called.
type stalled struct {
	c       *Client
	holds   []Hold
	stopped chan struct{}
}

func stall(t *testing.T, b *Budget, n int) *stalled {
	t.Helper()
	s := &stalled{c: NewClient(), stopped: make(chan struct{})}
	ctx := NewContext(context.Background(), s.c)
	for range n {
		h, err := b.Acquire(ctx)
		if err != nil {
			t.Fatalf("acquire: %v", err)
		}
		s.holds = append(s.holds, h)
	}
	if err := s.c.Begin(Receiving, func() error { return nil }, func() { close(s.stopped) }); err != nil {
		t.Fatal(err)
	}
	return s
}

// unwind is what a cut-off request does: its wait ends, it fails and
// gives its buffers back.
func (s *stalled) unwind() {
	s.c.End()
	for _, h := range s.holds {
		h.Release()
	}
}

func TestAcquireCutsOffTheLongestStalledHolder(t *testing.T) {
	b := NewBudget(3, 20*time.Millisecond, 5*time.Second)
	older := stall(t, b, 2)
	time.Sleep(5 * time.Millisecond)
	newer := stall(t, b, 1)
	time.Sleep(30 * time.Millisecond) // both eligible now

	unwound := make(chan struct{})
	go func() { <-older.stopped; older.unwind(); close(unwound) }()
	start := time.Now()
	h, err := b.Acquire(NewContext(context.Background(), NewClient()))
	if err != nil {
		t.Fatalf("acquire with a stalled holder to cut: %v", err)
	}
	defer h.Release()
	if d := time.Since(start); d > time.Second {
		t.Errorf("acquire took %s", d)
	}
	if !older.c.WasCut() || newer.c.WasCut() {
		t.Errorf("cut: older %v newer %v, want only the older", older.c.WasCut(), newer.c.WasCut())
	}
	if err := older.c.Begin(Receiving, func() error { t.Error("armed after the cut"); return nil }, func() {}); !errors.Is(err, ErrCutOff) {
		t.Errorf("Begin after the cut = %v, want ErrCutOff", err)
	}
	if err := older.c.Begin(Sending, func() error { return nil }, func() {}); err != nil {
		t.Errorf("Begin sending after a cut while receiving = %v, want nil (the error response goes out)", err)
	}
	older.c.End()
	// Acquire returns as soon as the first of the older holder's buffers
	// is back; the stats are checked once it gave back both.
	<-unwound
	if st := b.Stats(); st.Cuts != 1 || st.Used != 2 {
		t.Errorf("stats %+v, want 1 cut and 2 used", st)
	}
}

func TestAcquireSparesClientsThatKeepUp(t *testing.T) {
	b := NewBudget(2, time.Hour, 100*time.Millisecond)
	busy := stall(t, b, 1) // waiting, but not for minWait yet
	notWaiting := NewClient()
	h, err := b.Acquire(NewContext(context.Background(), notWaiting))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release()
	start := time.Now()
	_, err = b.Acquire(context.Background())
	if !errors.Is(err, ErrExhausted) {
		t.Fatalf("acquire from a full budget = %v, want ErrExhausted", err)
	}
	if d := time.Since(start); d < 100*time.Millisecond || d > 2*time.Second {
		t.Errorf("gave up after %s, want about maxWait", d)
	}
	if busy.c.WasCut() || notWaiting.WasCut() {
		t.Error("a holder was cut off before minWait, or while not waiting")
	}
	busy.unwind()
}

func TestAcquireWaitsForRelease(t *testing.T) {
	b := NewBudget(1, time.Hour, 10*time.Second)
	h, err := b.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		h2, err := b.Acquire(context.Background())
		if err == nil {
			got.Store(true)
			h2.Release()
		}
	}()
	time.Sleep(20 * time.Millisecond)
	if got.Load() {
		t.Fatal("acquired beyond the budget")
	}
	h.Release()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("release did not wake the waiter")
	}
	if !got.Load() {
		t.Error("waiter failed")
	}
}

func TestAcquireHonoursContext(t *testing.T) {
	b := NewBudget(1, time.Hour, time.Hour)
	h, _ := b.Acquire(context.Background())
	defer h.Release()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := b.Acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("acquire = %v, want the context's error", err)
	}
}

// One stalled holder of several buffers is cut once for several waiters
// when what it gives back covers them; the others are left alone.
func TestCutsNoMoreThanWaitersNeed(t *testing.T) {
	b := NewBudget(3, 10*time.Millisecond, 5*time.Second)
	big := stall(t, b, 2)
	small := stall(t, b, 1)
	time.Sleep(5 * time.Millisecond)
	// small stalled later: big is the older wait
	small.c.End()
	if err := small.c.Begin(Receiving, func() error { return nil }, func() { close(small.stopped) }); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	go func() { <-big.stopped; time.Sleep(30 * time.Millisecond); big.unwind() }()
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			h, err := b.Acquire(context.Background())
			if err == nil {
				defer h.Release()
				time.Sleep(50 * time.Millisecond)
			}
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if small.c.WasCut() {
		t.Error("the second holder was cut although the first one's two buffers covered both waiters")
	}
	small.unwind()
}

func TestClosedClientIsNeverCut(t *testing.T) {
	b := NewBudget(1, time.Millisecond, 50*time.Millisecond)
	s := stall(t, b, 1)
	s.c.Close()
	time.Sleep(5 * time.Millisecond)
	if _, err := b.Acquire(context.Background()); !errors.Is(err, ErrExhausted) {
		t.Fatalf("acquire = %v, want ErrExhausted", err)
	}
	if s.c.WasCut() {
		t.Error("a finished request was cut off")
	}
}
