package console

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Failed sign-ins are throttled per client address and per access key,
// so that nobody can guess secrets through the console faster than a
// few an hour: each has a budget of signInBurst failures that refills by
// one every signInRefill; a sign-in from an address or for a key whose
// budget is spent is answered 429 with Retry-After, without checking the
// secret. Successful sign-ins cost nothing. The budgets live in each
// frontend's memory (several frontends each give their own).
const (
	signInBurst    = 10
	signInRefill   = 30 * time.Second
	maxThrottleLen = 10000 // tracked addresses and keys, beyond which full budgets are dropped
)

type signInThrottle struct {
	mu      sync.Mutex
	now     func() time.Time
	budgets map[string]*failBudget
	pruned  time.Time // last drop of full budgets (at most one a second)
}

type failBudget struct {
	left float64 // failures left
	at   time.Time
}

func newSignInThrottle(now func() time.Time) *signInThrottle {
	return &signInThrottle{now: now, budgets: map[string]*failBudget{}}
}

// refill brings b up to date and reports whether it is full.
func (b *failBudget) refill(now time.Time) bool {
	b.left = min(signInBurst, b.left+float64(now.Sub(b.at))/float64(signInRefill))
	b.at = now
	return b.left >= signInBurst
}

// wait is how long a sign-in for names must wait (0: it may go ahead).
func (t *signInThrottle) wait(names ...string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var longest time.Duration
	for _, n := range names {
		b, ok := t.budgets[n]
		if !ok {
			continue
		}
		b.refill(now)
		if b.left < 1 {
			longest = max(longest, time.Duration((1-b.left)*float64(signInRefill)))
		}
	}
	return longest
}

// fail spends one failure of each of names' budgets.
func (t *signInThrottle) fail(names ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.budgets) >= maxThrottleLen && now.Sub(t.pruned) >= time.Second {
		t.pruned = now
		for n, b := range t.budgets {
			if b.refill(now) {
				delete(t.budgets, n)
			}
		}
	}
	for _, n := range names {
		b, ok := t.budgets[n]
		if !ok {
			if len(t.budgets) >= maxThrottleLen {
				continue // a flood of new names: the ones tracked stay throttled
			}
			b = &failBudget{left: signInBurst, at: now}
			t.budgets[n] = b
		}
		b.refill(now)
		b.left = max(b.left-1, 0)
	}
}

// throttleNames are the budgets a sign-in draws on: its client's address
// (without the port) and the access key it names.
func throttleNames(r *http.Request, accessKey string) []string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return []string{"addr " + host, "key " + accessKey}
}

// refuseThrottled answers a sign-in that must wait.
func refuseThrottled(w http.ResponseWriter, d time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(d/time.Second)+1))
	writeError(w, http.StatusTooManyRequests, "too many failed sign-ins: try again later")
}
