package integration

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/internal/testcassandra"
)

// The shared server serves every test that neither counts blocks nor
// crashes the server; TestMain stops it and drops its keyspace.
var (
	sharedOnce sync.Once
	sharedSrv  *server
	sharedDir  string
	sharedErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedSrv != nil {
		if err := sharedSrv.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "integration: shared server: %v\n", err)
			code = 1
		}
		dropKeyspace(sharedSrv.Hosts, sharedSrv.Keyspace)
	}
	if sharedDir != "" {
		os.RemoveAll(sharedDir)
	}
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// shared returns the server most tests use. Tests give their buckets
// names of their own.
func shared(t *testing.T) *server {
	t.Helper()
	hosts := testcassandra.Hosts(t)
	bin := amphoraBinary(t)
	sharedOnce.Do(func() {
		sharedDir, sharedErr = os.MkdirTemp("", "amphora-e2e-shared-")
		if sharedErr != nil {
			return
		}
		sharedSrv, sharedErr = startServer(bin, hosts, newKeyspaceName(), defaultOptions(), sharedDir)
	})
	if sharedErr != nil {
		t.Fatalf("shared server: %v", sharedErr)
	}
	sharedSrv.showLogOnFailure(t)
	return sharedSrv
}

// newServer starts a server of the test's own on a fresh keyspace; it is
// stopped (and the keyspace dropped) when the test ends.
func newServer(t *testing.T, o serverOptions) *server {
	t.Helper()
	hosts := testcassandra.Hosts(t)
	bin := amphoraBinary(t)
	ks := testcassandra.Keyspace(t, hosts) // dropped after the server stops
	dir := t.TempDir()
	s, err := startServer(bin, hosts, ks, o, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop server: %v", err)
		}
		if t.Failed() {
			t.Logf("server log (%s), last lines:\n%s", s.LogPath, s.tail(0, 80))
		}
	})
	return s
}

// newKeyspaceName mirrors testcassandra.Keyspace's names for the shared
// keyspace, whose life is the test binary's rather than one test's.
func newKeyspaceName() string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return "amphora_t_" + hex.EncodeToString(b)
}

func dropKeyspace(hosts []string, ks string) {
	if os.Getenv("AMPHORA_KEEP_KEYSPACE") != "" {
		fmt.Fprintf(os.Stderr, "integration: keeping keyspace %s\n", ks)
		return
	}
	c := gocql.NewCluster(hosts...)
	c.Timeout = 30 * time.Second
	c.ConnectTimeout = 10 * time.Second
	s, err := c.CreateSession()
	if err != nil {
		fmt.Fprintf(os.Stderr, "integration: drop keyspace %s: %v\n", ks, err)
		return
	}
	defer s.Close()
	if err := s.Query("DROP KEYSPACE IF EXISTS " + ks).Exec(); err != nil {
		fmt.Fprintf(os.Stderr, "integration: drop keyspace %s: %v\n", ks, err)
	}
}
