// Package pacing keeps slow HTTP clients from holding what other requests
// need.
//
// A request's Client records when the request is blocked on its HTTP
// client (a body byte that has not arrived, response bytes the client is
// not taking) and how to end that wait early. A Budget counts the block
// buffers of the whole process; when every buffer is taken, the holder
// that has been waiting on its client the longest (at least MinWait) is
// cut off, so requests whose clients keep up never queue behind stalled
// ones and memory stays within the budget however many clients stall.
//
// The frontend creates one Client per request and marks its waits; the
// store takes buffers from its Budget with the request's context. Neither
// side knows the other: the Client travels in the context.
package pacing

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// ErrCutOff is returned by Client.Begin once a Budget has cut the client
// off to free its buffers for other requests.
var ErrCutOff = errors.New("cut off: waited on its client while other requests needed its buffers")

// Direction is what a wait on the client is for.
type Direction uint8

const (
	Receiving Direction = 1 << iota // request bytes the client has not sent
	Sending                         // response bytes the client has not taken
)

// Client is one request's HTTP client as a Budget sees it. The zero value
// is not usable; create one with NewClient. Begin and End are called by
// the one goroutine that does the request's client I/O at a time.
type Client struct {
	since atomic.Int64 // unix nanoseconds when the current wait began; 0 when not waiting

	mu      sync.Mutex
	waiting Direction // of the current wait; 0 when none
	cut     Direction // directions cut off
	stop    func()    // ends the current wait early; set by Begin
	closed  bool
}

// NewClient returns a Client for one request.
func NewClient() *Client { return &Client{} }

// Begin marks the start of a wait on the client in direction d. arm runs
// first, under the Client's lock (it sets the connection's deadline);
// stop is how a Budget ends this wait early (it moves the deadline to the
// past) and runs under the same lock, so a deadline armed after a cut
// cannot undo it. Once a direction was cut off, Begin returns ErrCutOff
// for it without calling arm; the other direction stays usable (a
// request cut off while receiving still sends its error response).
func (c *Client) Begin(d Direction, arm func() error, stop func()) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cut&d != 0 {
		return ErrCutOff
	}
	if err := arm(); err != nil {
		return err
	}
	c.waiting, c.stop = d, stop
	c.since.Store(time.Now().UnixNano())
	return nil
}

// End marks the end of the wait Begin started.
func (c *Client) End() {
	c.since.Store(0)
	c.mu.Lock()
	c.waiting, c.stop = 0, nil
	c.mu.Unlock()
}

// WasCut reports whether a Budget cut the client off.
func (c *Client) WasCut() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cut != 0
}

// Close marks the request finished: the Client is never cut off after
// that (its connection may already serve another request).
func (c *Client) Close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
}

// waitedSince returns when the current wait began, zero when none.
func (c *Client) waitedSince() time.Time {
	n := c.since.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// cutOff ends the client's current wait and makes every later Begin fail.
// It reports false when the client was not waiting any more (or its
// request had ended), in which case nothing changed.
func (c *Client) cutOff() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cut != 0 || c.closed || c.waiting == 0 {
		return false
	}
	c.cut = c.waiting
	c.stop()
	return true
}

type ctxKey struct{}

// NewContext returns ctx carrying c.
func NewContext(ctx context.Context, c *Client) context.Context {
	return context.WithValue(ctx, ctxKey{}, c)
}

// FromContext returns the Client ctx carries, nil when none (background
// work, tests): buffers taken for it are counted but never cut off.
func FromContext(ctx context.Context) *Client {
	c, _ := ctx.Value(ctxKey{}).(*Client)
	return c
}
