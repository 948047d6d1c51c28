package cassandra

import (
	"context"
	"errors"
	"fmt"
	"testing"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// TestWhileUnavailable: ApplySchema's writes wait out Unavailable (a ring
// just started, its nodes not yet seeing each other alive) and give up at
// once on any other error or a cancelled context.
func TestWhileUnavailable(t *testing.T) {
	unavailable := fmt.Errorf("record migration: %w", &gocql.RequestErrUnavailable{})
	calls := 0
	err := whileUnavailable(context.Background(), func() error {
		calls++
		if calls < 3 {
			return unavailable
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("after %d calls: %v, want success on the third", calls, err)
	}

	other := errors.New("syntax error")
	calls = 0
	if err := whileUnavailable(context.Background(), func() error { calls++; return other }); !errors.Is(err, other) || calls != 1 {
		t.Fatalf("another error: %v after %d calls, want it at once", err, calls)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls = 0
	if err := whileUnavailable(ctx, func() error { calls++; return unavailable }); err == nil || calls != 1 {
		t.Fatalf("cancelled: %v after %d calls, want the error after one", err, calls)
	}
}
