package cassandra

import (
	"testing"

	"github.com/amphora-s3/amphora/lifecycle/lifecycletest"
	"github.com/amphora-s3/amphora/store"
)

// TestLifecycleWorker runs the lifecycle worker's suite on Cassandra:
// expiration by days, date, prefix, tag and size; noncurrent versions;
// expired delete markers; incomplete uploads; locked versions kept; a
// worker interrupted mid-bucket resumed by another; two frontends on one
// bucket, one working it.
func TestLifecycleWorker(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	lifecycletest.Run(t, func(*testing.T) store.Store { return s })
}
