package store

import (
	"context"
	"time"
)

// Leases coordinate the background workers of the frontends that share a
// store (the sweeper, the lifecycle worker): one lease type. A lease is
// named, held by one holder at a time until it expires unless renewed,
// and keeps a position its holder saves as it goes, so that whoever holds
// it next resumes there instead of starting over.
type Leases interface {
	// AcquireLease takes lease name for holder for ttl, or renews it
	// when holder already has it; false when another holder has it.
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)

	// ReleaseLease gives up lease name if holder has it (its position
	// stays).
	ReleaseLease(ctx context.Context, name, holder string) error

	// LeasePosition is the position last saved with lease name, "" for
	// none.
	LeasePosition(ctx context.Context, name string) (string, error)

	// SaveLeasePosition saves pos with lease name if holder still has
	// the lease; false when it has lost it (nothing is saved then).
	SaveLeasePosition(ctx context.Context, name, holder, pos string) (bool, error)
}
