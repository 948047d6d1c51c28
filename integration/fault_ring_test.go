package integration

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// The fault ring's nodes: their pids (checked to be the ring's own
// processes before any signal) and restarts with scripts/cassandra.sh.

// awaitSchema waits until the ring's nodes agree on the schema again.
func awaitSchema(t *testing.T, hosts []string) {
	t.Helper()
	c := gocql.NewCluster(hosts...)
	c.Timeout = 30 * time.Second
	c.ConnectTimeout = 10 * time.Second
	c.MaxWaitSchemaAgreement = 2 * time.Minute
	sess, err := c.CreateSession()
	if err != nil {
		t.Fatalf("cql session: %v", err)
	}
	defer sess.Close()
	started := time.Now()
	if err := sess.AwaitSchemaAgreement(context.Background()); err != nil {
		t.Errorf("schema agreement after the restart: %v", err)
	}
	t.Logf("schema agreement after %s", time.Since(started).Round(100*time.Millisecond))
}

// quorumSession reads the keyspace at QUORUM, so that a node that missed
// writes or deletes while down does not skew a count.
func quorumSession(t *testing.T, hosts []string, ks string) *gocql.Session {
	t.Helper()
	c := gocql.NewCluster(hosts...)
	c.Keyspace = ks
	c.Consistency = gocql.Quorum
	c.Timeout = 30 * time.Second
	c.ConnectTimeout = 10 * time.Second
	sess, err := c.CreateSession()
	if err != nil {
		t.Fatalf("cql session on %s: %v", ks, err)
	}
	t.Cleanup(sess.Close)
	return sess
}

// ringDir is node n's folder under the ring's CASSANDRA_HOME_DIR.
func ringDir(t *testing.T, n int) string {
	home := os.Getenv("CASSANDRA_HOME_DIR")
	if home == "" {
		t.Fatal("CASSANDRA_HOME_DIR must name the fault ring's folder (make fault sets it)")
	}
	return filepath.Join(home, fmt.Sprintf("node%d", n))
}

// ringPid is node n's pid, from the pid file scripts/cassandra.sh writes.
func ringPid(t *testing.T, n int) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(ringDir(t, n), "cassandra.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		t.Fatalf("pid file of node %d: %q", n, b)
	}
	// Never signal anything but the ring's own node.
	if cmd, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err != nil || !bytes.Contains(cmd, []byte(ringDir(t, n))) {
		t.Fatalf("pid %d is not node %d of the fault ring (%v)", pid, n, err)
	}
	return pid
}

// ringRestart starts node n again with the project's script.
func ringRestart(t *testing.T, n int) {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	cmd := exec.Command("bash", filepath.Join(root, "scripts", "cassandra.sh"), "start")
	cmd.Env = append(os.Environ(), "CASSANDRA_NODES=3", "CASSANDRA_NODE="+strconv.Itoa(n))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("restart node %d: %v\n%s", n, err, out)
	}
	t.Logf("node %d restarted in %s: %s", n, time.Since(started).Round(100*time.Millisecond), bytes.TrimSpace(out))
}

// schemaTimeout is the query timeout of schemaApply: each table creation
// waits for the ring to agree on the schema.
const schemaTimeout = 30 * time.Second

var timeoutLine = regexp.MustCompile(`(?m)^timeout = ".*"$`)

// schemaApply creates the keyspace and tables that conf (a configTOML)
// names with `amphora schema apply`, at a query timeout of schemaTimeout
// and without a frontend's start limit, so that the frontends started
// afterwards find them applied.
func schemaApply(t *testing.T, bin, conf string) {
	t.Helper()
	if !timeoutLine.MatchString(conf) {
		t.Fatal("configTOML no longer writes a timeout line")
	}
	conf = timeoutLine.ReplaceAllString(conf, fmt.Sprintf("timeout = %q", schemaTimeout.String()))
	path := filepath.Join(t.TempDir(), "schema.toml")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	started := time.Now()
	if out, err := exec.CommandContext(ctx, bin, "schema", "apply", "-config", path).CombinedOutput(); err != nil {
		t.Fatalf("amphora schema apply: %v\n%s", err, out)
	}
	t.Logf("schema applied in %s", time.Since(started).Round(100*time.Millisecond))
}
