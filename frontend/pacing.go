package frontend

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/amphora-s3/amphora/pacing"
)

// A request waits on its client in two places: reading the body and
// writing the response. Each direction must move at least
// minRate x timeout bytes (the quota) in every timeout of waiting: each
// successive quota of bytes has to arrive, or be taken, within timeout of
// time spent blocked on the connection. Time the request spends on
// Cassandra does not count. A body that falls behind fails with 400
// RequestTimeout (nothing is stored); a response that falls behind has
// its connection closed. With a rate of zero the rule is an idle timeout.
//
// A read returns what has arrived, so its deadline is what is left of
// the current window. A response write hands the connection one piece at
// a time: the quota, but at least 64 KiB and at most 256 KiB. Each piece
// may take the time the rule allows for that many bytes: the rest of the
// current window, plus one timeout for each further quota it reaches
// into. So a client at exactly the minimum rate is never cut, and one
// that stops reading is noticed within two timeouts at most (with the
// default rate and timeout the quota is 320 KiB). Responses move at least
// 64 KiB per timeout, however low the minimum rate. Much smaller pieces
// would cost throughput: each is a system call and a wakeup of the
// client, and 64 KiB pieces cost GETs of large objects 5-10% at
// concurrency 8 (docs/operations.md).
//
// Each wait is also marked on the request's pacing.Client, so that the
// store may cut a stalled request off early when its block buffers are
// needed (package pacing): the wait's deadline is then moved to the past.

const (
	minWritePiece = 64 << 10
	maxWritePiece = 256 << 10
)

// pacer enforces the rule for one request.
type pacer struct {
	rc      *http.ResponseController
	client  *pacing.Client
	timeout time.Duration
	piece   int // the most one response write hands the connection
	read    meter
	write   meter

	// The deadline Begin arms, and the functions it calls (made once).
	deadline            time.Time
	armRead, armWrite   func() error
	stopRead, stopWrite func()

	hasBody  bool // the request has a body to read
	bodyDone bool // the body hit EOF: net/http owns the read deadline again
	timedOut bool // a body read fell behind or was cut off
}

// meter is one direction's progress in the current window: quota bytes
// must move in every timeout of waiting.
type meter struct {
	quota  int64
	waited time.Duration
	moved  int64
}

// newPacer returns the pacer of a request, or nil when deadlines are off
// or w cannot set them (a handler driven without a connection).
func (s *server) newPacer(w http.ResponseWriter, r *http.Request, c *pacing.Client) *pacer {
	if s.clientTimeout <= 0 {
		return nil
	}
	rc := http.NewResponseController(w)
	// net/http clears the write deadline after each response; clearing it
	// here too finds out whether w can set deadlines at all.
	if err := rc.SetWriteDeadline(time.Time{}); err != nil {
		return nil
	}
	quota := max(1, int64(float64(s.clientMinRate)*s.clientTimeout.Seconds()))
	p := &pacer{
		rc: rc, client: c, timeout: s.clientTimeout,
		piece:   int(min(max(quota, minWritePiece), maxWritePiece)),
		read:    meter{quota: quota},
		write:   meter{quota: max(quota, minWritePiece)},
		hasBody: r.Body != nil && r.Body != http.NoBody,
	}
	past := time.Unix(1, 0)
	p.armRead = func() error { return p.rc.SetReadDeadline(p.deadline) }
	p.armWrite = func() error { return p.rc.SetWriteDeadline(p.deadline) }
	p.stopRead = func() { _ = p.rc.SetReadDeadline(past) }
	p.stopWrite = func() { _ = p.rc.SetWriteDeadline(past) }
	return p
}

// begin arms the deadline of a wait to move n bytes in direction m (0
// for a read, which returns whatever has come) and marks it on the
// client; it fails when the window is used up or the client was cut off.
func (p *pacer) begin(d pacing.Direction, m *meter, n int64, arm func() error, stop func()) error {
	left := p.timeout - m.waited
	if beyond := n - (m.quota - m.moved); beyond > 0 {
		left += time.Duration((beyond+m.quota-1)/m.quota) * p.timeout
	}
	if left <= 0 {
		return os.ErrDeadlineExceeded
	}
	p.deadline = time.Now().Add(left)
	return p.client.Begin(d, arm, stop)
}

// end counts what one wait moved in how long: each full quota moved
// closes a window and gives its timeout back.
func (p *pacer) end(m *meter, n int, start time.Time) {
	p.client.End()
	m.waited += time.Since(start)
	m.moved += int64(n)
	if windows := m.moved / m.quota; windows > 0 {
		m.moved -= windows * m.quota
		m.waited = max(0, m.waited-time.Duration(windows)*p.timeout)
	}
}

// finish runs when the handler returns: the client is never cut off
// after that, and what net/http still does on the connection (flushing
// the response, discarding an unread body) gets one more timeout.
func (p *pacer) finish() {
	p.client.Close()
	end := time.Now().Add(p.timeout)
	_ = p.rc.SetWriteDeadline(end)
	// A body read to EOF has net/http's background read running, which
	// must not time out; one that timed out keeps its past deadline, so
	// the connection closes instead of waiting for the rest.
	if p.hasBody && !p.bodyDone && !p.timedOut {
		_ = p.rc.SetReadDeadline(end)
	}
}

// pacedBody is the request body under the pacer's rule.
type pacedBody struct {
	io.ReadCloser
	p *pacer
}

func (b *pacedBody) Read(buf []byte) (int, error) {
	p := b.p
	if p.bodyDone {
		return b.ReadCloser.Read(buf)
	}
	if err := p.begin(pacing.Receiving, &p.read, 0, p.armRead, p.stopRead); err != nil {
		p.timedOut = true
		return 0, requestTimeout(err)
	}
	start := time.Now()
	n, err := b.ReadCloser.Read(buf)
	p.end(&p.read, n, start)
	switch {
	case err == io.EOF:
		p.bodyDone = true
	case err != nil && (errors.Is(err, os.ErrDeadlineExceeded) || p.client.WasCut()):
		p.timedOut = true
		return n, requestTimeout(err)
	}
	return n, err
}

// requestTimeout is S3's answer to a body that stopped coming in time.
func requestTimeout(cause error) error {
	return fmt.Errorf("%w (%v)", errRequestTimeout, cause)
}

// write hands b to w in pieces, each under the pacer's rule.
func (p *pacer) writeTo(w http.ResponseWriter, b []byte) (int, error) {
	total := 0
	for len(b) > 0 {
		piece := b[:min(len(b), p.piece)]
		if err := p.begin(pacing.Sending, &p.write, int64(len(piece)), p.armWrite, p.stopWrite); err != nil {
			return total, fmt.Errorf("client not reading the response: %w", err)
		}
		start := time.Now()
		n, err := w.Write(piece)
		p.end(&p.write, n, start)
		total += n
		b = b[n:]
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// flush flushes w under the pacer's rule.
func (p *pacer) flush(f http.Flusher) {
	if err := p.begin(pacing.Sending, &p.write, 0, p.armWrite, p.stopWrite); err != nil {
		return // the next write reports it
	}
	start := time.Now()
	f.Flush()
	p.end(&p.write, 0, start)
}
