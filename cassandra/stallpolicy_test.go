package cassandra

import (
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// fixedPolicy offers its hosts in order, as the token-aware policy
// offers a statement's replicas.
type fixedPolicy struct {
	gocql.HostSelectionPolicy
	hosts []*gocql.HostInfo
}

type plainHost struct{ h *gocql.HostInfo }

func (p plainHost) Info() *gocql.HostInfo { return p.h }
func (p plainHost) Mark(error)            {}

func (p *fixedPolicy) Pick(gocql.ExecutableStatement) gocql.NextHost {
	i := 0
	return func() gocql.SelectedHost {
		if i == len(p.hosts) {
			return nil
		}
		i++
		return plainHost{p.hosts[i-1]}
	}
}

func order(p gocql.HostSelectionPolicy) []string {
	var got []string
	next := p.Pick(nil)
	for h := next(); h != nil; h = next() {
		got = append(got, h.Info().ConnectAddress().String())
	}
	return got
}

func TestStallAwareTriesSilentHostsLast(t *testing.T) {
	var hosts []*gocql.HostInfo
	for i := 1; i <= 3; i++ {
		h, err := gocql.NewHostInfoFromAddrPort(net.ParseIP(fmt.Sprintf("127.0.0.%d", i)), 9042)
		if err != nil {
			t.Fatal(err)
		}
		hosts = append(hosts, h)
	}
	now := time.Unix(1000, 0)
	p := newStallAware(&fixedPolicy{hosts: hosts}, 6*time.Second)
	p.now = func() time.Time { return now }
	want := func(exp string) {
		t.Helper()
		if got := fmt.Sprint(order(p)); got != exp {
			t.Fatalf("order = %s, want %s", got, exp)
		}
	}
	want("[127.0.0.1 127.0.0.2 127.0.0.3]")

	// Answers, even errors, leave the order alone.
	for _, err := range []error{nil, &gocql.RequestErrWriteTimeout{}, &gocql.RequestErrUnavailable{}, gocql.ErrNotFound} {
		p.Pick(nil)().Mark(err)
	}
	want("[127.0.0.1 127.0.0.2 127.0.0.3]")

	// No answer within the timeout: host 1 goes last for the hold.
	p.Pick(nil)().Mark(gocql.ErrTimeoutNoResponse)
	want("[127.0.0.2 127.0.0.3 127.0.0.1]")
	// A connection closed under an attempt: host 2 too.
	next := p.Pick(nil)
	next().Mark(fmt.Errorf("write: %w", gocql.ErrConnectionClosed))
	want("[127.0.0.3 127.0.0.1 127.0.0.2]")

	now = now.Add(6 * time.Second)
	want("[127.0.0.1 127.0.0.2 127.0.0.3]")

	// A read that timed out on the socket counts as no answer.
	p.Pick(nil)().Mark(&net.OpError{Op: "read", Err: timeoutErr{}})
	want("[127.0.0.2 127.0.0.3 127.0.0.1]")
	if unanswered(errors.New("gocql: other")) {
		t.Error("a plain error taken as no answer")
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }
