package cassandra

import (
	"sync"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/store"
	"github.com/amphora-s3/amphora/store/storetest"
)

// TestConformance runs the store conformance suite against a real node.
// The suite makes names unique per run, so all subtests share one store
// (and keyspace); a small block size puts boundaries within cheap reach.
func TestConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Cassandra; skipped with -short")
	}
	var (
		once sync.Once
		s    *Store
	)
	storetest.Run(t, func(st *testing.T) store.Store {
		once.Do(func() {
			s = newStore(t, func(c *Config) { c.GCGrace = time.Minute })
		})
		return s
	}, storetest.Options{BlockSize: testBlockSize})
}
