package cassandra

import (
	"errors"
	"net"
	"sync"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// A node that stops answering without closing its connections (a long
// GC pause, SIGSTOP, a stalled network path) stays "up" for the driver:
// nothing tells it otherwise until its heartbeats have failed for about
// half a minute. Until then the token-aware policy keeps offering it as
// a coordinator, one time in three with RF 3, and every statement sent
// to it waits the whole query timeout before an idempotent one is
// retried elsewhere (a non-idempotent one fails). A request runs several
// statements, so it waited for the whole pause (docs/reliability.md).
//
// stallAware wraps the session's policy: a host that let an attempt go
// unanswered (the driver's own timeout, or its connection closed or
// timed out under the attempt) is offered after every other host for
// stallHold, so that statements go to the live replicas at once; a
// consistency level the live replicas can meet then succeeds. When the
// hold ends the host is offered again, and held again if it is still
// silent. Only which coordinator is tried first changes: no statement is
// sent more often than before.

// stallHold is how long a silent host is tried last: about the length of
// a stop-the-world pause worth avoiding, short enough that a node back
// from one gets its share of the load soon.
func stallHold(timeout time.Duration) time.Duration {
	return max(2*timeout, 5*time.Second)
}

type stallAware struct {
	gocql.HostSelectionPolicy
	hold time.Duration
	now  func() time.Time

	mu     sync.Mutex
	silent map[string]time.Time // host id -> tried last until
}

func newStallAware(p gocql.HostSelectionPolicy, hold time.Duration) *stallAware {
	return &stallAware{HostSelectionPolicy: p, hold: hold, now: time.Now, silent: map[string]time.Time{}}
}

// AddHosts and Ready pass the driver's optional policy interfaces on to
// the wrapped policy (the token-aware one implements both). Its schema
// refresh hook is unexported: wrapped, it learns of keyspaces through
// KeyspaceChanged and AddHost instead, as the driver falls back to.
func (p *stallAware) AddHosts(hosts []*gocql.HostInfo) {
	if b, ok := p.HostSelectionPolicy.(interface{ AddHosts([]*gocql.HostInfo) }); ok {
		b.AddHosts(hosts)
		return
	}
	for _, h := range hosts {
		p.HostSelectionPolicy.AddHost(h)
	}
}

func (p *stallAware) Ready() bool {
	if r, ok := p.HostSelectionPolicy.(gocql.ReadyPolicy); ok {
		return r.Ready()
	}
	return true
}

// Pick offers the wrapped policy's hosts in its order, those held as
// silent after all the others.
func (p *stallAware) Pick(q gocql.ExecutableStatement) gocql.NextHost {
	next := p.HostSelectionPolicy.Pick(q)
	var held []gocql.SelectedHost
	drained := false
	return func() gocql.SelectedHost {
		for !drained {
			h := next()
			if h == nil {
				drained = true
				break
			}
			if p.isSilent(h.Info()) {
				held = append(held, h)
				continue
			}
			return &markedHost{SelectedHost: h, p: p}
		}
		if len(held) == 0 {
			return nil
		}
		h := held[0]
		held = held[1:]
		return &markedHost{SelectedHost: h, p: p}
	}
}

func (p *stallAware) isSilent(h *gocql.HostInfo) bool {
	if h == nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	until, ok := p.silent[hostKey(h)]
	if ok && !p.now().Before(until) {
		delete(p.silent, hostKey(h))
		return false
	}
	return ok
}

// markSilent holds h as silent for p.hold from now.
func (p *stallAware) markSilent(h *gocql.HostInfo) {
	if h == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.silent[hostKey(h)] = p.now().Add(p.hold)
}

func hostKey(h *gocql.HostInfo) string {
	if id := h.HostID(); id != "" {
		return id
	}
	return h.ConnectAddressAndPort()
}

// markedHost sees the outcome of each attempt on its host. The driver
// reports a cancelled or expired context as no error, so only an
// unanswered attempt is taken as news; a hold ends with time.
type markedHost struct {
	gocql.SelectedHost
	p *stallAware
}

func (h *markedHost) Mark(err error) {
	if unanswered(err) {
		h.p.markSilent(h.Info())
	}
	h.SelectedHost.Mark(err)
}

// unanswered is whether err says the host gave no answer in time, as
// opposed to an answer that is an error (a coordinator's own timeout or
// unavailable answer is an answer: that host is alive).
func unanswered(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, gocql.ErrTimeoutNoResponse) || errors.Is(err, gocql.ErrConnectionClosed) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
