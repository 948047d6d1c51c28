package cassandra

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// The block writer of the blob layer: a body streamed into the blocks
// of one inode, each sealed by the blob's codec (codec.go) and written
// with its CRC-32C. What commits the blob as a version (put.go,
// multipart_complete.go) and what reclaims it (sweep.go) sit above it.

// writeBlocks streams size bytes of body (store.UnknownSize: to its end,
// at most store.MaxObjectSize) into blocks of inode, each sealed by codec,
// and returns the MD5 of the (plain) bytes, from which the ETag is made
// (store.ETagDigest), how many block writes were started and the size. Each block
// is read from the body into a buffer of the process budget (buffers.go);
// only once it is full does it take a slot for its INSERT, so a client
// that stops sending holds its one buffer and no slot. At most
// BlocksInFlight blocks of one request are in the air at once.
func (s *Store) writeBlocks(ctx context.Context, inode gocql.UUID, codec blockCodec, body io.Reader, size int64, intent *gcEntry) (sum []byte, started int, total int64, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	h, release := s.md5.get()
	defer release()
	sealed := codec.overhead() > 0
	var (
		sem      = make(chan struct{}, s.cfg.BlocksInFlight)
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
		readErr  error // the body's own failure, if that is what stopped us
		bs       = int64(s.cfg.BlockSize)
	)
	fail := func(err error) { once.Do(func() { firstErr = err; cancel() }) }
	unknown := size == store.UnknownSize
	last := false
	for off := int64(0); !last && (unknown || off < size); off += bs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		want := bs
		if !unknown {
			want = min(bs, size-off)
		}
		buf, err := s.buffers.get(ctx, int(want))
		if err != nil {
			<-sem
			fail(err)
			break
		}
		done := func() { s.buffers.put(buf); <-sem }
		var n int
		if unknown {
			n, last, err = readBlock(body, buf.b)
			if last {
				// The body's end: this block is its last (or there is none).
				buf.b = buf.b[:n]
				if n == 0 {
					done()
					break
				}
			}
		} else {
			n, err = io.ReadFull(body, buf.b)
		}
		if err != nil {
			done()
			readErr = bodyError(err, size)
			fail(readErr)
			break
		}
		if unknown && off+int64(n) > store.MaxObjectSize {
			done()
			readErr = fmt.Errorf("body over %d bytes: %w", int64(store.MaxObjectSize), store.ErrEntityTooLarge)
			fail(readErr)
			break
		}
		total += int64(n)
		h.Write(buf.b)
		if err := s.refreshIntent(ctx, intent); err != nil {
			done()
			fail(err)
			break
		}
		if unknown && started >= intent.blocks {
			if err := s.growIntent(ctx, intent, 2*intent.blocks); err != nil {
				done()
				fail(err)
				break
			}
		}
		if err := s.acquireSlot(ctx); err != nil {
			done()
			fail(err)
			break
		}
		idx := started
		started++
		if sealed {
			buf.b = codec.seal(idx, buf.b) // in place: buffers have room for the tag
		}
		wg.Add(1)
		go func() {
			defer func() { s.releaseSlot(); done(); wg.Done() }()
			crc := crc32c(buf.b)
			err := s.exec(ctx, `INSERT INTO blocks (inode, idx, data, crc) VALUES (?, ?, ?, ?)`, inode, idx, buf.b, crc)
			if err != nil {
				fail(fmt.Errorf("write block %d: %w", idx, err))
			}
		}()
	}
	wg.Wait()
	if readErr != nil {
		// The body's failure is the cause even when a block write saw the
		// context cancelled first: net/http cancels the request's context
		// as soon as reading its connection fails (a client that hangs up).
		return nil, started, total, readErr
	}
	if firstErr != nil {
		return nil, started, total, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, started, total, fmt.Errorf("write blocks: %w", err)
	}
	return h.Sum(nil), started, total, nil
}

// readBlock fills b from a body of unknown size; end reports that the
// body ended (io.EOF) with the n bytes read. Any other error, and
// io.ErrUnexpectedEOF (a client that hung up, as net/http reports it),
// is the body's failure: never taken for its end.
func readBlock(body io.Reader, b []byte) (n int, end bool, err error) {
	for n < len(b) {
		m, err := body.Read(b[n:])
		n += m
		switch {
		case err == io.EOF:
			return n, true, nil
		case err != nil:
			return n, false, err
		}
	}
	return n, false, nil
}

// bodyError is the error of a body read that stopped short of size bytes:
// ErrIncompleteBody when the body ended (or the client hung up).
func bodyError(err error, size int64) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("body ended before %d bytes: %w", size, store.ErrIncompleteBody)
	}
	return fmt.Errorf("read body: %w", err)
}
