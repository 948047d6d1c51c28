package cassandra

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

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
	if r.blockSize == 0 {
		return readInline(obj.Key, r, off, end)
	}
	seg, err := newSegment(obj.Key, r, off, end)
	if err != nil {
		return nil, err
	}
	return s.newBlockReader(ctx, func(context.Context) (*segment, error) {
		sg := seg
		seg = nil
		return sg, nil
	}), nil
}

// segment is the blocks of one inode a read delivers: first..last,
// dropping skip bytes of the first and keeping end bytes of the last.
type segment struct {
	ref         ref
	first, last int
	skip, end   int
}

// newSegment covers bytes [off, end) of r's blocks, 0 <= off < end <= size.
func newSegment(key string, r ref, off, end int64) (*segment, error) {
	bs := int64(r.blockSize)
	if bs <= 0 || bs > MaxBlockSize {
		return nil, fmt.Errorf("read %q: block size %d: %w", key, bs, store.ErrCorrupt)
	}
	return &segment{ref: r, first: int(off / bs), last: int((end - 1) / bs),
		skip: int(off % bs), end: int(end - (end-1)/bs*bs)}, nil
}

// newBlockReader streams the segments next returns (nil at the end),
// prefetching up to BlocksInFlight blocks ahead across segments.
func (s *Store) newBlockReader(ctx context.Context, next func(context.Context) (*segment, error)) *blockReader {
	ctx, cancel := context.WithCancel(ctx)
	br := &blockReader{
		s: s, next: next, ctx: ctx, cancel: cancel,
		queue: make(chan *fetch, s.cfg.BlocksInFlight),
		slots: make(chan struct{}, s.cfg.BlocksInFlight),
	}
	br.wg.Add(1)
	go br.prefetch()
	return br
}

// refByVersion finds the bytes of obj.VersionID when obj.Ref is not ours
// (an Object built by hand or carried through another layer).
func (s *Store) refByVersion(ctx context.Context, obj store.Object) (ref, error) {
	v, err := gocql.ParseUUID(obj.VersionID)
	if err != nil {
		return ref{}, fmt.Errorf("read %q: version %q: %w", obj.Key, obj.VersionID, store.ErrNoSuchKey)
	}
	b, err := s.bucket(ctx, obj.Bucket)
	if err != nil {
		return ref{}, err
	}
	row, err := s.versionByID(ctx, b.id, obj.Key, v)
	if err != nil {
		return ref{}, err
	}
	return row.ref(), nil
}

// fetch is one block on its way: done closes when data or err is set.
type fetch struct {
	seg  *segment
	idx  int
	buf  *[]byte
	data []byte
	err  error
	done chan struct{}
}

// blockReader delivers the blocks of its segments in order. A prefetch
// goroutine starts fetches in order, each holding one of BlocksInFlight
// slots (and a pooled buffer) until Read has consumed it.
type blockReader struct {
	s      *Store
	next   func(context.Context) (*segment, error)
	ctx    context.Context
	cancel context.CancelFunc
	queue  chan *fetch
	slots  chan struct{}
	wg     sync.WaitGroup // prefetch and fetch goroutines

	cur    *fetch
	pos    []byte
	err    error
	closed bool
}

func (br *blockReader) prefetch() {
	defer br.wg.Done()
	defer close(br.queue)
	for {
		seg, err := br.next(br.ctx)
		if err != nil {
			// Delivered in order, after every block before it.
			f := &fetch{err: err, done: make(chan struct{})}
			close(f.done)
			select {
			case br.slots <- struct{}{}:
			case <-br.ctx.Done():
				return
			}
			select {
			case br.queue <- f:
			case <-br.ctx.Done():
				<-br.slots
			}
			return
		}
		if seg == nil {
			return
		}
		for idx := seg.first; idx <= seg.last; idx++ {
			select {
			case br.slots <- struct{}{}:
			case <-br.ctx.Done():
				return
			}
			if br.s.acquireSlot(br.ctx) != nil {
				<-br.slots
				return
			}
			f := &fetch{seg: seg, idx: idx, buf: br.getBuf(seg.ref.blockSize), done: make(chan struct{})}
			br.wg.Add(1)
			go func() {
				defer br.wg.Done()
				f.data, f.err = br.s.readBlock(br.ctx, f.seg.ref, f.idx, *f.buf)
				close(f.done)
			}()
			select {
			case br.queue <- f:
			case <-br.ctx.Done():
				<-f.done
				br.release(f)
				return
			}
		}
	}
}

// getBuf returns a buffer for a block of n bytes: pooled when n fits the
// configured block size, else (written under a larger block size than
// configured now) a fresh one.
func (br *blockReader) getBuf(n int) *[]byte {
	if n <= br.s.cfg.BlockSize {
		return br.s.getBuf()
	}
	b := make([]byte, n)
	return &b
}

func (br *blockReader) release(f *fetch) {
	if f.buf != nil {
		if cap(*f.buf) == br.s.cfg.BlockSize {
			br.s.putBuf(f.buf)
		}
		f.buf = nil
		br.s.releaseSlot() // block fetches hold a process slot too
	}
	<-br.slots
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
		if br.cur != nil {
			br.release(br.cur)
			br.cur = nil
		}
		f, ok := <-br.queue
		if !ok {
			if err := br.ctx.Err(); err != nil {
				br.err = fmt.Errorf("read blocks: %w", err)
			} else {
				br.err = io.EOF
			}
			return br.err
		}
		<-f.done
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
