package console

import (
	"net/http"
	"testing"
	"time"
)

// TestSignInThrottle: after signInBurst failures for one key, its
// sign-ins are refused with 429 and Retry-After, the right secret
// included, until the budget refills; other keys from another address
// are unaffected, and one address guessing many keys is throttled too.
func TestSignInThrottle(t *testing.T) {
	w := newWorld(t)
	at := time.Now()
	w.now = func() time.Time { return at }
	b := w.browser(t)
	for i := range signInBurst {
		if resp, _ := b.login(bobKey, "wrong-secret"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, resp.StatusCode)
		}
	}
	resp, _ := b.login(bobKey, bobSecret)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("sign-in after %d failures: %d, Retry-After %q", signInBurst, resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// The budget refills one failure per signInRefill.
	at = at.Add(signInRefill + time.Second)
	if resp, _ := b.login(bobKey, bobSecret); resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in once the budget refilled: %d", resp.StatusCode)
	}

	// One address trying many keys spends its own budget.
	th := newSignInThrottle(func() time.Time { return time.Unix(0, 0) })
	for i := range signInBurst {
		th.fail("addr 10.0.0.1", "key K"+string(rune('a'+i)))
	}
	if th.wait("addr 10.0.0.1", "key Kz") == 0 {
		t.Error("an address that failed with many keys is not throttled")
	}
	if th.wait("addr 10.0.0.2", "key Kz") != 0 {
		t.Error("another address and key are throttled")
	}
	// The map stays bounded under a flood of names.
	for i := range 2 * maxThrottleLen {
		th.fail("addr flood", "key "+string(rune(i)))
	}
	if n := len(th.budgets); n > maxThrottleLen {
		t.Errorf("%d budgets tracked, bound %d", n, maxThrottleLen)
	}
}
