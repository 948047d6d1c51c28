package storetest

import (
	"testing"
	"time"
)

// testLeases: one holder at a time; the holder renews; another takes the
// lease once it expires or is released; the position survives holders
// and is saved only by the one holding the lease.
func (s *suite) testLeases(t *testing.T) {
	st := s.newStore(t)
	ctx := t.Context()
	name := "storetest/" + s.bucketName("lease")
	take := func(holder string, ttl time.Duration, want bool) {
		t.Helper()
		ok, err := st.AcquireLease(ctx, name, holder, ttl)
		if err != nil || ok != want {
			t.Fatalf("AcquireLease(%s) = %t, %v; want %t", holder, ok, err, want)
		}
	}
	save := func(holder, pos string, want bool) {
		t.Helper()
		ok, err := st.SaveLeasePosition(ctx, name, holder, pos)
		if err != nil || ok != want {
			t.Fatalf("SaveLeasePosition(%s, %q) = %t, %v; want %t", holder, pos, ok, err, want)
		}
	}
	position := func(want string) {
		t.Helper()
		if got, err := st.LeasePosition(ctx, name); err != nil || got != want {
			t.Fatalf("LeasePosition = %q, %v; want %q", got, err, want)
		}
	}
	position("")
	take("a", 2*time.Second, true)
	take("b", 2*time.Second, false)
	take("a", 2*time.Second, true) // renewed
	save("a", "key-1", true)
	save("b", "key-2", false)
	position("key-1")
	if err := st.ReleaseLease(ctx, name, "b"); err != nil { // not b's: nothing happens
		t.Fatal(err)
	}
	take("b", 2*time.Second, false)
	if err := st.ReleaseLease(ctx, name, "a"); err != nil {
		t.Fatal(err)
	}
	take("b", 2*time.Second, true)
	position("key-1") // the position outlives its holder
	save("a", "key-3", false)
	save("b", "key-4", true)
	// b stops renewing: the lease expires and a takes it over.
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := st.AcquireLease(ctx, name, "a", 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("an expired lease was never taken over")
		}
		time.Sleep(200 * time.Millisecond)
	}
	position("key-4")
	save("b", "key-5", false)
}
