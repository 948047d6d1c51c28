package lifecycle_test

import (
	"testing"

	"github.com/amphora-s3/amphora/lifecycle/lifecycletest"
	"github.com/amphora-s3/amphora/store"
	"github.com/amphora-s3/amphora/store/memstore"
)

// TestWorker runs the worker's suite on the in-memory store (package
// cassandra runs it on Cassandra).
func TestWorker(t *testing.T) {
	lifecycletest.Run(t, func(*testing.T) store.Store { return memstore.New() })
}
