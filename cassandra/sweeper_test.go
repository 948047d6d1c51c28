package cassandra

import (
	"context"
	"sync"
	"testing"
	"time"
)

// Two frontends run the background sweeper: one holds the lease, and
// replaced blocks are reclaimed without anyone calling Sweep.
func TestRunSweeper(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.SweepInterval = 200 * time.Millisecond
	a := openStore(t, cfg, true)
	b := openStore(t, cfg, false)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, s := range []*Store{a, b} {
		wg.Go(func() { s.RunSweeper(ctx) })
	}
	defer func() { cancel(); wg.Wait() }()

	mustCreateBucket(t, a, "bg")
	old := mustPut(t, a, "bg", "k", randomBytes(t, 2*testBlockSize))
	cur := mustPut(t, b, "bg", "k", randomBytes(t, testBlockSize))
	deadline := time.Now().Add(10 * time.Second)
	for countBlocks(t, a, inodeOf(t, old), 2) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("background sweepers did not reclaim the replaced version")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := countBlocks(t, a, inodeOf(t, cur), 1); n != 1 {
		t.Errorf("current version lost its block")
	}
	var holder string
	if err := a.sess.Query(`SELECT holder FROM gc_state WHERE name = 'lease'`).Scan(&holder); err != nil {
		t.Fatal(err)
	}
	if holder != a.holder && holder != b.holder {
		t.Errorf("lease held by %q, neither frontend", holder)
	}
	// The holder keeps it: a second attempt by the other fails.
	other := a
	if holder == a.holder {
		other = b
	}
	if ok, err := other.lease(context.Background()); err != nil || ok {
		t.Errorf("second frontend took a held lease: %v, %v", ok, err)
	}
}
