package cassandra

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/amphora-s3/amphora/pacing"
	"github.com/amphora-s3/amphora/store"
)

// Two process-wide bounds keep a frontend's memory and its load on
// Cassandra in check however many requests run, and however slowly their
// clients send or read:
//
//   - buffers: every block buffer (filling from a client, in Cassandra
//     I/O, or waiting to be sent) counts against MaxBlockBuffers. When all
//     are taken, the request that has waited on its client the longest,
//     for at least ClientStallCutoff, is cut off (package pacing): its
//     client gets RequestTimeout or a closed connection, and its buffers
//     go to requests whose clients keep up.
//   - slots: a block statement runs only while it holds one of
//     MaxBlocksInFlight slots, taken just before the statement and given
//     back as soon as Cassandra answers. A request waiting on its client
//     never holds one.
//
// A request that finds no buffer or slot within waitLimit fails with
// store.ErrSlowDown.

// blockBuf is one block buffer and its place in the budget.
type blockBuf struct {
	b    []byte
	ptr  *[]byte // pooled backing array; nil for an odd-sized one
	hold pacing.Hold
}

// blockBuffers hands out block buffers within the process budget.
type blockBuffers struct {
	size   int // the configured block size: pooled buffers have this capacity
	budget *pacing.Budget
	pool   sync.Pool // *[]byte of size
}

func newBlockBuffers(st settings) *blockBuffers {
	p := &blockBuffers{
		size:   st.BlockSize,
		budget: pacing.NewBudget(st.MaxBlockBuffers, st.ClientStallCutoff, waitLimit(st)),
	}
	p.pool.New = func() any { b := make([]byte, st.BlockSize, st.BlockSize+maxCodecOverhead); return &b }
	return p
}

// get returns a buffer of n bytes (n <= the configured block size, or a
// larger block written under an older configuration), with room for a
// codec's overhead (a sealed block) beyond them, waiting for the budget
// as described above.
func (p *blockBuffers) get(ctx context.Context, n int) (*blockBuf, error) {
	h, err := p.budget.Acquire(ctx)
	if err != nil {
		if errors.Is(err, pacing.ErrExhausted) {
			return nil, fmt.Errorf("all %d block buffers stayed taken: %w", p.budget.Stats().Size, store.ErrSlowDown)
		}
		return nil, err
	}
	if n > p.size {
		return &blockBuf{b: make([]byte, n, n+maxCodecOverhead), hold: h}, nil
	}
	ptr := p.pool.Get().(*[]byte)
	return &blockBuf{b: (*ptr)[:n], ptr: ptr, hold: h}, nil
}

// scarce reports whether half the budget or more is taken.
func (p *blockBuffers) scarce() bool {
	st := p.budget.Stats()
	return 2*st.Used >= st.Size
}

// put gives b back to the pool and the budget; b must not be used after.
func (p *blockBuffers) put(b *blockBuf) {
	if b.ptr != nil {
		p.pool.Put(b.ptr)
	}
	b.hold.Release()
}

// waitLimit is the longest a request waits for a buffer or a slot.
func waitLimit(st settings) time.Duration {
	if st.Timeout > 0 {
		return st.Timeout
	}
	return 10 * time.Second
}

// acquireSlot takes one of the process's MaxBlocksInFlight slots for one
// block statement; releaseSlot gives it back when Cassandra has answered.
func (s *Store) acquireSlot(ctx context.Context) error {
	select {
	case s.slots <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(waitLimit(s.cfg))
	defer t.Stop()
	select {
	case s.slots <- struct{}{}:
		return nil
	case <-t.C:
		return fmt.Errorf("no block slot free within %s: %w", waitLimit(s.cfg), store.ErrSlowDown)
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Store) releaseSlot() { <-s.slots }

// BufferStats reports the block buffer budget: size, buffers taken and
// how many stalled clients were cut off so far.
func (s *Store) BufferStats() pacing.Stats { return s.buffers.budget.Stats() }
