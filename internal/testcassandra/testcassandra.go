// Package testcassandra finds a real Cassandra for tests.
//
// In order: the ring named by CASSANDRA_HOSTS (comma-separated host[:port]);
// a container from testcontainers-go's Cassandra module when a Docker engine
// answers; otherwise the local node that scripts/cassandra.sh starts from
// Maven Central jars. Tests that need Cassandra never fall back to a mock:
// with -short they are skipped, otherwise they fail when none can be had.
package testcassandra

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/testcontainers/testcontainers-go"
	tccassandra "github.com/testcontainers/testcontainers-go/modules/cassandra"
)

// Image is the container image used where a Docker engine answers.
const Image = "cassandra:5.0.8"

var (
	once     sync.Once
	hosts    []string
	hostsErr error
)

// Hosts returns host:port addresses of a Cassandra ring, starting one if
// needed (once per test binary). It skips the test under -short.
func Hosts(tb testing.TB) []string {
	tb.Helper()
	if testing.Short() {
		tb.Skip("needs Cassandra; skipped with -short")
	}
	once.Do(func() { hosts, hostsErr = find() })
	if hostsErr != nil {
		tb.Fatalf("no Cassandra for this test: %v", hostsErr)
	}
	return hosts
}

func find() ([]string, error) {
	if env := os.Getenv("CASSANDRA_HOSTS"); env != "" {
		var hs []string
		for _, h := range strings.Split(env, ",") {
			if h = strings.TrimSpace(h); h != "" {
				hs = append(hs, h)
			}
		}
		return hs, nil
	}
	if h, err := fromDocker(); err == nil {
		return []string{h}, nil
	}
	return fromLocalNode()
}

func fromDocker() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p, err := testcontainers.NewDockerProvider()
	if err != nil {
		return "", err
	}
	defer p.Close()
	if err := p.Health(ctx); err != nil {
		return "", err
	}
	ctx, cancel = context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	ctr, err := tccassandra.Run(ctx, Image)
	if err != nil {
		return "", fmt.Errorf("start cassandra container: %w", err)
	}
	// The container lives as long as the test binary; testcontainers'
	// reaper removes it afterwards.
	return ctr.ConnectionHost(ctx)
}

func fromLocalNode() ([]string, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("bash", filepath.Join(root, "scripts", "cassandra.sh"), "start")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("scripts/cassandra.sh start: %w\n%s", err, out)
	}
	port := os.Getenv("CASSANDRA_PORT")
	if port == "" {
		port = "9042"
	}
	return []string{"127.0.0.1:" + port}, nil
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

// Keyspace returns a fresh keyspace name unique to this test and drops the
// keyspace when the test ends. The caller creates it (schema apply).
func Keyspace(tb testing.TB, hosts []string) string {
	tb.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	ks := "amphora_t_" + hex.EncodeToString(b)
	tb.Cleanup(func() {
		if os.Getenv("AMPHORA_KEEP_KEYSPACE") != "" {
			tb.Logf("keeping keyspace %s", ks)
			return
		}
		c := gocql.NewCluster(hosts...)
		c.Timeout = 30 * time.Second
		c.ConnectTimeout = 10 * time.Second
		s, err := c.CreateSession()
		if err != nil {
			tb.Logf("drop keyspace %s: %v", ks, err)
			return
		}
		defer s.Close()
		if err := s.Query("DROP KEYSPACE IF EXISTS " + ks).Exec(); err != nil {
			tb.Logf("drop keyspace %s: %v", ks, err)
		}
	})
	return ks
}

// SystemLog returns the system.log of the local node that
// scripts/cassandra.sh runs (node 1 under CASSANDRA_HOME_DIR), or "" when
// there is none: the tests then run against a ring of someone else's.
func SystemLog() string {
	base := os.Getenv("CASSANDRA_HOME_DIR")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		base = filepath.Join(home, ".local", "share", "amphora", "cassandra")
	}
	p := filepath.Join(base, "node1", "logs", "system.log")
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}
