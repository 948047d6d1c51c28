package cassandra

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/amphora-s3/amphora/store"
)

// ReadObject streams bytes [off, off+n) of the version obj describes,
// prefetching up to BlocksInFlight blocks ahead and verifying each block's
// checksum before its bytes are delivered.
func (s *Store) ReadObject(ctx context.Context, obj store.Object, off, n int64) (io.ReadCloser, error) {
	r, ok := obj.Ref.(ref)
	if !ok {
		var err error
		if r, err = s.refByVersion(ctx, obj); err != nil {
			return nil, err
		}
	}
	if err := store.CheckSSE(r.sse, obj.SSEKey); err != nil {
		return nil, fmt.Errorf("read %q: %w", obj.Key, err)
	}
	if off < 0 || off > r.size {
		return nil, fmt.Errorf("read %q: offset %d outside 0..%d", obj.Key, off, r.size)
	}
	end := r.size
	if n >= 0 && n < end-off {
		end = off + n
	}
	if off == end {
		return io.NopCloser(bytes.NewReader(nil)), nil
	}
	if r.parts > 0 {
		return s.readManifest(ctx, obj, r, off, end)
	}
	codec, err := readCodec(r.sse, obj.SSEKey, r.inode)
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", obj.Key, err)
	}
	if r.blockSize == 0 {
		return readInline(obj.Key, r, codec, off, end)
	}
	seg, err := newSegment(obj.Key, r, codec, off, end)
	if err != nil {
		return nil, err
	}
	return s.newBlockReader(ctx, func(context.Context) (*segment, error) {
		sg := seg
		seg = nil
		return sg, nil
	}), nil
}

// segment is the blocks of one inode (one blob) a read delivers:
// first..last, dropping skip bytes of the first and keeping end bytes of
// the last (plain bytes: codec opens each block).
type segment struct {
	ref         ref
	codec       blockCodec
	first, last int
	skip, end   int
}

// newSegment covers bytes [off, end) of r's blocks, 0 <= off < end <= size.
func newSegment(key string, r ref, codec blockCodec, off, end int64) (*segment, error) {
	bs := int64(r.blockSize)
	if bs <= 0 || bs > MaxBlockSize {
		return nil, fmt.Errorf("read %q: block size %d: %w", key, bs, store.ErrCorrupt)
	}
	return &segment{ref: r, codec: codec, first: int(off / bs), last: int((end - 1) / bs),
		skip: int(off % bs), end: int(end - (end-1)/bs*bs)}, nil
}

// newBlockReader streams the segments next returns (nil at the end),
// reading ahead across segments (see blockReader).
func (s *Store) newBlockReader(ctx context.Context, next func(context.Context) (*segment, error)) *blockReader {
	ctx, cancel := context.WithCancel(ctx)
	window := s.cfg.BlocksInFlight
	if s.buffers.scarce() {
		window = min(scarceReadWindow, window)
	}
	br := &blockReader{
		s: s, next: next, ctx: ctx, cancel: cancel,
		queue:   make(chan *fetch, s.cfg.BlocksInFlight),
		credits: make(chan struct{}, s.cfg.BlocksInFlight),
		window:  window,
	}
	for range br.window {
		br.credits <- struct{}{}
	}
	br.wg.Add(1)
	go br.prefetch()
	return br
}

// scarceReadWindow is how many blocks a reader holds (the one being
// delivered and those fetched ahead), when it starts while block buffers
// are scarce, until its client shows it takes blocks faster than
// Cassandra delivers them.
const scarceReadWindow = 2

// refByVersion finds the bytes of the version obj.VersionID names when
// obj.Ref is not ours (an Object built by hand or carried through another
// layer).
func (s *Store) refByVersion(ctx context.Context, obj store.Object) (ref, error) {
	b, err := s.bucket(ctx, obj.Bucket)
	if err != nil {
		return ref{}, err
	}
	row, err := s.findVersion(ctx, b, obj.Key, obj.VersionID)
	if errors.Is(err, store.ErrNoSuchVersion) {
		return ref{}, fmt.Errorf("read %q: version %q: %w", obj.Key, obj.VersionID, store.ErrNoSuchKey)
	}
	if err != nil {
		return ref{}, err
	}
	return row.ref(), nil
}

// fetch is one block on its way: done closes when data or err is set.
type fetch struct {
	seg  *segment
	idx  int
	buf  *blockBuf
	data []byte
	err  error
	took time.Duration // to get the block from Cassandra, slot wait included
	done chan struct{}
}

// blockReader delivers the blocks of its segments in order. A prefetch
// goroutine starts fetches in order, each holding a credit and a buffer of
// the process budget until Read (or WriteTo) has consumed its block; a
// fetch holds a Cassandra slot only while its SELECT runs.
//
// The reader reads BlocksInFlight blocks ahead. One that starts while
// block buffers are scarce (half the budget taken: slow clients may be
// holding them) starts with scarceReadWindow credits instead, and opens
// the whole window only once its consumer shows it is faster than
// Cassandra: it comes back for a block sooner than the last block took to
// fetch, or has to wait for one. So under pressure a client that reads
// slowly holds scarceReadWindow buffers at most, and with buffers to spare
// a GET reads ahead from its first block (a 4-block GET fetches all four
// at once).
type blockReader struct {
	s       *Store
	next    func(context.Context) (*segment, error)
	ctx     context.Context
	cancel  context.CancelFunc
	queue   chan *fetch
	credits chan struct{}
	window  int            // credits issued; consumer side only
	wg      sync.WaitGroup // prefetch and fetch goroutines

	cur         *fetch
	pos         []byte
	deliveredAt time.Time // when the consumer got its last block
	err         error
	closed      bool
}

func (br *blockReader) prefetch() {
	defer br.wg.Done()
	defer close(br.queue)
	// send queues f in order; false when the reader is closing.
	send := func(f *fetch) bool {
		select {
		case br.queue <- f:
			return true
		case <-br.ctx.Done():
			return false
		}
	}
	for {
		seg, err := br.next(br.ctx)
		if err == nil && seg == nil {
			return
		}
		for idx := 0; err == nil && idx <= seg.last-seg.first; idx++ {
			select {
			case <-br.credits:
			case <-br.ctx.Done():
				return
			}
			f := &fetch{seg: seg, idx: seg.first + idx, done: make(chan struct{})}
			if f.buf, err = br.s.buffers.get(br.ctx, seg.ref.blockSize); err != nil {
				br.credits <- struct{}{} // the error fetch below takes it
				break
			}
			br.wg.Add(1)
			go func() {
				defer br.wg.Done()
				defer close(f.done)
				start := time.Now()
				// A cached block takes no Cassandra slot.
				if data, ok := br.s.cachedBlock(f.seg.ref, f.seg.codec, f.idx, f.buf.b); ok {
					f.data, f.took = data, time.Since(start)
					return
				}
				if f.err = br.s.acquireSlot(br.ctx); f.err != nil {
					return
				}
				f.data, f.err = br.s.readStoredBlock(br.ctx, f.seg.ref, f.seg.codec, f.idx, f.buf.b)
				br.s.releaseSlot()
				f.took = time.Since(start)
			}()
			if !send(f) {
				<-f.done
				br.release(f)
				return
			}
		}
		if err != nil {
			// Delivered in order, after every block before it.
			select {
			case <-br.credits:
			case <-br.ctx.Done():
				return
			}
			f := &fetch{err: err, done: make(chan struct{})}
			close(f.done)
			if !send(f) {
				br.credits <- struct{}{}
			}
			return
		}
	}
}

// release gives back f's buffer and credit.
func (br *blockReader) release(f *fetch) {
	if f.buf != nil {
		br.s.buffers.put(f.buf)
		f.buf = nil
	}
	br.credits <- struct{}{}
}

func (br *blockReader) Read(p []byte) (int, error) {
	if err := br.fill(); err != nil {
		return 0, err
	}
	n := copy(p, br.pos)
	br.pos = br.pos[n:]
	return n, nil
}

// WriteTo hands each block's bytes to w straight from the block buffer,
// saving io.Copy's copy through a buffer of its own.
func (br *blockReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		if err := br.fill(); err == io.EOF {
			return total, nil
		} else if err != nil {
			return total, err
		}
		n, err := w.Write(br.pos)
		total += int64(n)
		br.pos = br.pos[n:]
		if err != nil {
			return total, err
		}
	}
}

// fill makes br.pos hold unread bytes, releasing the block it used up and
// waiting for the next; io.EOF after the last block.
func (br *blockReader) fill() error {
	if br.err != nil {
		return br.err
	}
	for len(br.pos) == 0 {
		prev := br.cur
		if br.cur != nil {
			br.release(br.cur)
			br.cur = nil
		}
		f, ok := br.take(prev)
		if !ok {
			if err := br.ctx.Err(); err != nil {
				br.err = fmt.Errorf("read blocks: %w", err)
			} else {
				br.err = io.EOF
			}
			return br.err
		}
		br.cur = f
		if f.err != nil {
			br.err = f.err
			return br.err
		}
		data := f.data
		if f.idx == f.seg.last {
			data = data[:f.seg.end]
		}
		if f.idx == f.seg.first {
			data = data[f.seg.skip:]
		}
		br.pos = data
	}
	return nil
}

// take returns the next fetch once it is done; false after the last.
// prev is the block the consumer just finished (nil before the first).
func (br *blockReader) take(prev *fetch) (*fetch, bool) {
	fast := prev != nil && time.Since(br.deliveredAt) < prev.took
	var (
		f  *fetch
		ok bool
	)
	select {
	case f, ok = <-br.queue:
	default:
		fast = fast || prev != nil
		f, ok = <-br.queue
	}
	if ok {
		select {
		case <-f.done:
		default:
			fast = fast || prev != nil
			<-f.done
		}
	}
	if fast {
		br.widen()
	}
	br.deliveredAt = time.Now()
	return f, ok
}

// widen opens the whole read-ahead window.
func (br *blockReader) widen() {
	for br.window < cap(br.credits) {
		br.window++
		br.credits <- struct{}{}
	}
}

// Close stops prefetching and waits for fetches in flight, so no goroutine
// or buffer outlives the reader.
func (br *blockReader) Close() error {
	if br.closed {
		return nil
	}
	br.closed = true
	br.cancel()
	if br.cur != nil {
		br.release(br.cur)
		br.cur = nil
	}
	for f := range br.queue {
		<-f.done
		br.release(f)
	}
	br.wg.Wait()
	if br.err == nil || br.err == io.EOF {
		br.err = errReaderClosed
	}
	return nil
}

var errReaderClosed = fmt.Errorf("read object: reader closed")
