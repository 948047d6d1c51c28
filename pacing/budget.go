package pacing

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// ErrExhausted is returned by Acquire when no buffer came free within the
// Budget's MaxWait: the process is overloaded, and the client should
// retry later (S3's 503 SlowDown).
var ErrExhausted = errors.New("every buffer stayed taken")

// Budget counts buffers across a process: at most Size are held at once.
// When Acquire finds them all taken, it cuts off the holder that has been
// waiting on its client the longest, if that wait is at least MinWait; a
// cut-off request fails (its client gets RequestTimeout or a closed
// connection) and gives its buffers back. Otherwise Acquire waits for a
// release, at most MaxWait.
type Budget struct {
	size    int
	minWait time.Duration
	maxWait time.Duration

	mu      sync.Mutex
	used    int
	waiters int // Acquire calls waiting for a buffer
	pending int // buffers held by cut-off clients, on their way back
	holders map[*Client]*holding
	freed   chan struct{} // closed (and replaced) when a buffer comes back to waiters

	cuts atomic.Int64
}

type holding struct {
	n   int
	cut bool
}

// NewBudget returns a Budget of size buffers. A holder becomes eligible
// to be cut off once it has waited minWait on its client; Acquire gives
// up after maxWait.
func NewBudget(size int, minWait, maxWait time.Duration) *Budget {
	return &Budget{
		size: max(size, 1), minWait: minWait, maxWait: maxWait,
		holders: make(map[*Client]*holding), freed: make(chan struct{}),
	}
}

// Hold is one buffer taken from a Budget; Release gives it back.
type Hold struct {
	b *Budget
	c *Client
}

// Acquire takes a buffer for the request whose Client ctx carries,
// cutting off a stalled holder when every buffer is taken (see Budget).
// Errors: ctx's error, or ErrExhausted after MaxWait.
func (b *Budget) Acquire(ctx context.Context) (Hold, error) {
	c := FromContext(ctx)
	b.mu.Lock()
	if b.used < b.size {
		return b.takeLocked(c), nil
	}
	b.waiters++
	deadline := time.Now().Add(b.maxWait)
	// Holders become eligible as their waits age: look again now and then
	// even when nothing is released.
	tick := time.NewTimer(b.recheck())
	defer tick.Stop()
	for {
		if b.pending < b.waiters {
			b.cutLocked(c)
		}
		freed := b.freed
		b.mu.Unlock()
		tick.Reset(min(b.recheck(), time.Until(deadline)))
		select {
		case <-freed:
		case <-tick.C:
		case <-ctx.Done():
			b.mu.Lock()
			b.waiters--
			b.mu.Unlock()
			return Hold{}, ctx.Err()
		}
		b.mu.Lock()
		if b.used < b.size {
			b.waiters--
			return b.takeLocked(c), nil
		}
		if !time.Now().Before(deadline) {
			b.waiters--
			b.mu.Unlock()
			return Hold{}, ErrExhausted
		}
	}
}

func (b *Budget) recheck() time.Duration { return max(b.minWait/4, 10*time.Millisecond) }

// takeLocked counts one more buffer for c and unlocks b.
func (b *Budget) takeLocked(c *Client) Hold {
	b.used++
	if c != nil {
		h := b.holders[c]
		if h == nil {
			h = &holding{}
			b.holders[c] = h
		}
		h.n++
	}
	b.mu.Unlock()
	return Hold{b: b, c: c}
}

// cutLocked cuts off the holder, other than self, that has waited on its
// client the longest, provided it has waited at least minWait.
func (b *Budget) cutLocked(self *Client) {
	var (
		victim *Client
		oldest time.Time
	)
	limit := time.Now().Add(-b.minWait)
	for c, h := range b.holders {
		if c == self || h.cut {
			continue
		}
		since := c.waitedSince()
		if since.IsZero() || since.After(limit) {
			continue
		}
		if victim == nil || since.Before(oldest) {
			victim, oldest = c, since
		}
	}
	if victim == nil || !victim.cutOff() {
		return
	}
	h := b.holders[victim]
	h.cut = true
	b.pending += h.n
	b.cuts.Add(1)
}

// Release gives the buffer back.
func (h Hold) Release() {
	b := h.b
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used--
	if hd := b.holders[h.c]; hd != nil {
		hd.n--
		if hd.cut {
			b.pending--
		}
		if hd.n == 0 {
			delete(b.holders, h.c)
		}
	}
	if b.waiters > 0 {
		close(b.freed)
		b.freed = make(chan struct{})
	}
}

// Stats is a Budget's state at one moment.
type Stats struct {
	Size, Used int
	Cuts       int64 // clients cut off since the Budget was made
}

// Stats reports how many buffers are taken and how many clients were cut off.
func (b *Budget) Stats() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return Stats{Size: b.size, Used: b.used, Cuts: b.cuts.Load()}
}
