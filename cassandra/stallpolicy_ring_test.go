package cassandra

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// coordinators records which host ran each statement.
type coordinators struct {
	mu   sync.Mutex
	last string
}

func (c *coordinators) ObserveQuery(_ context.Context, q gocql.ObservedQuery) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if q.Host != nil {
		c.last = q.Host.ConnectAddress().String()
	}
}

func (c *coordinators) get() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// TestRingStallAwareKeepsTokenAwareness: wrapping the token-aware policy
// hides its unexported schema refresh hook from the driver, which then
// tells it of keyspaces through KeyspaceChanged and AddHost. On a
// three-node ring (AMPHORA_RING, or AMPHORA_FAULT_RING) and a keyspace
// with one replica, a statement must still go to the key's replica,
// whether the session was opened before the keyspace existed or after:
// the same host the bare token-aware policy picks.
func TestRingStallAwareKeepsTokenAwareness(t *testing.T) {
	env := os.Getenv("AMPHORA_RING")
	if env == "" {
		env = os.Getenv("AMPHORA_FAULT_RING")
	}
	if env == "" {
		t.Skip("ring test: set AMPHORA_RING or AMPHORA_FAULT_RING to a three-node ring's hosts")
	}
	hosts := strings.Split(env, ",")
	open := func(wrap bool) (*gocql.Session, *coordinators) {
		t.Helper()
		c := gocql.NewCluster(hosts...)
		c.Timeout, c.ConnectTimeout = 30*time.Second, 10*time.Second
		var p gocql.HostSelectionPolicy = gocql.TokenAwareHostPolicy(gocql.RoundRobinHostPolicy())
		if wrap {
			p = newStallAware(p, 5*time.Second)
		}
		c.PoolConfig.HostSelectionPolicy = p
		obs := &coordinators{}
		c.QueryObserver = obs
		s, err := c.CreateSession()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s, obs
	}
	early, earlyObs := open(true)
	b := make([]byte, 4)
	rand.Read(b)
	ks := "amphora_stall_" + hex.EncodeToString(b)
	if err := early.Query(`CREATE KEYSPACE ` + ks + ` WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`).Exec(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { early.Query(`DROP KEYSPACE IF EXISTS ` + ks).Exec() })
	if err := early.Query(`CREATE TABLE ` + ks + `.t (k int PRIMARY KEY, v int)`).Exec(); err != nil {
		t.Fatal(err)
	}
	if err := early.AwaitSchemaAgreement(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // the schema event reaches the early session
	late, lateObs := open(true)
	bare, bareObs := open(false)
	mismatch, replicas := 0, map[string]int{}
	const keys = 30
	for k := range keys {
		var got [3]string
		for i, s := range []*gocql.Session{bare, early, late} {
			if err := s.Query(`INSERT INTO `+ks+`.t (k, v) VALUES (?, ?)`, k, k).Idempotent(true).Exec(); err != nil {
				t.Fatal(err)
			}
			got[i] = []*coordinators{bareObs, earlyObs, lateObs}[i].get()
		}
		replicas[got[0]]++
		if got[1] != got[0] || got[2] != got[0] {
			mismatch++
			t.Logf("key %d: bare token-aware %s, wrapped (opened before the keyspace) %s, wrapped (after) %s", k, got[0], got[1], got[2])
		}
	}
	t.Logf("%d keys' replicas, as the bare token-aware policy picks them: %v", keys, replicas)
	if len(replicas) < 2 {
		t.Errorf("every key went to one host: the test cannot tell token-aware routing from any other")
	}
	if mismatch > 0 {
		t.Errorf("%d of %d keys coordinated elsewhere than the replica the token-aware policy picks", mismatch, keys)
	}
}
