package cassandra

import (
	"context"
	"errors"
	"net"
	"time"
)

// The driver reads a response frame's body under a deadline of the query
// timeout. When that deadline passes mid-frame (a node that pauses while
// a 1 MiB block is on the wire: a long GC, SIGSTOP, a stalled network
// path), gocql v2.1.2 neither closes the connection nor keeps the error's
// type: it hands the waiting query "unable to read frame body: read n/m
// bytes: i/o timeout" and goes on reading the rest of that body as the
// next frame's header. Every later answer on the connection is then read
// out of step ("unsupported protocol response version"), and a stray body
// could even parse as the answer to another query.
//
// guardedConn closes its connection at the first read timeout, so the
// driver's next read fails at once and it drops the connection (failing
// the queries on it, which Overloaded matches) and reconnects. A read
// timeout happens only inside a frame: between frames the driver reads
// without a deadline.

// guardedDialer dials Cassandra as the driver's default dialer does (TCP,
// connectTimeout, default keep-alives) and returns guarded connections.
func guardedDialer(connectTimeout time.Duration) *dialer {
	return &dialer{d: net.Dialer{Timeout: connectTimeout}}
}

type dialer struct{ d net.Dialer }

func (d *dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := d.d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		// Embedding the TCPConn keeps its vectored writes, which the
		// driver's write coalescing relies on.
		return &guardedTCPConn{tc}, nil
	}
	return &guardedConn{c}, nil
}

type guardedTCPConn struct{ *net.TCPConn }

func (c *guardedTCPConn) Read(p []byte) (int, error) { return guardedRead(c.TCPConn, p) }

type guardedConn struct{ net.Conn }

func (c *guardedConn) Read(p []byte) (int, error) { return guardedRead(c.Conn, p) }

// guardedRead reads from c and closes c when the read timed out.
func guardedRead(c net.Conn, p []byte) (int, error) {
	n, err := c.Read(p)
	var ne net.Error
	if err != nil && errors.As(err, &ne) && ne.Timeout() {
		_ = c.Close()
		return n, &closedOnTimeout{err}
	}
	return n, err
}

// closedOnTimeout is a read timeout after which the connection was
// closed: it is not temporary, so the driver does not retry the read.
type closedOnTimeout struct{ err error }

func (e *closedOnTimeout) Error() string   { return e.err.Error() + " (connection closed)" }
func (e *closedOnTimeout) Unwrap() error   { return e.err }
func (e *closedOnTimeout) Timeout() bool   { return true }
func (e *closedOnTimeout) Temporary() bool { return false }
