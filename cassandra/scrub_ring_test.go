package cassandra

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/internal/testcassandra"
)

// ringHosts are the hosts of the three-node test ring AMPHORA_RING names
// (`make test-ring` starts one with CASSANDRA_TEST_RING=1 and sets it,
// with AMPHORA_RING_HOME, the ring's CASSANDRA_HOME_DIR: node N of the
// list has its pid in AMPHORA_RING_HOME/nodeN/cassandra.pid).
// blockread_ring_test.go uses these helpers too.
func ringHosts(t *testing.T) []string {
	t.Helper()
	env := os.Getenv("AMPHORA_RING")
	if env == "" {
		t.Skip("ring test: set AMPHORA_RING to a three-node ring's hosts (make test-ring)")
	}
	var hosts []string
	for _, h := range strings.Split(env, ",") {
		if h = strings.TrimSpace(h); h != "" {
			hosts = append(hosts, h)
		}
	}
	if len(hosts) != 3 {
		t.Fatalf("AMPHORA_RING = %q: want three hosts", env)
	}
	return hosts
}

// ringPid is the pid of node n (1-based) of the ring.
func ringPid(t *testing.T, n int) int {
	t.Helper()
	home := os.Getenv("AMPHORA_RING_HOME")
	if home == "" {
		home = os.Getenv("CASSANDRA_HOME_DIR")
	}
	if home == "" {
		t.Fatal("AMPHORA_RING_HOME (or CASSANDRA_HOME_DIR): the ring's directory (its nodes' pid files) is needed to pause nodes")
	}
	b, err := os.ReadFile(filepath.Join(home, fmt.Sprintf("node%d", n), "cassandra.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// hostNamed is the driver's host at address addr ("127.0.0.32:9042").
func hostNamed(t *testing.T, sess *gocql.Session, addr string) *gocql.HostInfo {
	t.Helper()
	ip, _, _ := strings.Cut(addr, ":")
	for _, h := range sess.GetHosts() {
		if h.ConnectAddress().String() == ip {
			return h
		}
	}
	t.Fatalf("no host %s among %v", addr, sess.GetHosts())
	return nil
}

// onOneReplica runs write through node victim (0-based index of hosts)
// at consistency ONE while the two other nodes are paused (SIGSTOP) and
// victim holds them down (waitDown), so only victim gets it: hinted
// handoff is off on the test ring.
func onOneReplica(t *testing.T, s *Store, hosts []string, victim int, write func(q func(string, ...any) *gocql.Query) error) {
	t.Helper()
	h := hostNamed(t, s.sess, hosts[victim])
	var paused []int
	resume := func() {
		for _, pid := range paused {
			if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
				t.Errorf("SIGCONT %d: %v", pid, err)
			}
		}
		paused = nil
	}
	defer resume()
	for n := range 3 {
		if n == victim {
			continue
		}
		pid := ringPid(t, n+1)
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			t.Fatalf("SIGSTOP node %d (pid %d): %v", n+1, pid, err)
		}
		paused = append(paused, pid)
	}
	waitDown(t, s, h)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := write(func(stmt string, args ...any) *gocql.Query {
		return s.sess.Query(stmt, args...).WithContext(ctx).SetHostID(h.HostID()).Consistency(gocql.One)
	})
	if err != nil {
		t.Fatalf("write on %s alone: %v", hosts[victim], err)
	}
	time.Sleep(3 * time.Second) // a mutation sent anyway expires (and is dropped on arrival, mostly)
	resume()
	waitRingUp(t, s)
}

// waitDown waits until node h has marked both other nodes down (a read
// at ALL through it fails as unavailable with one replica alive): a
// coordinator sends no mutation to a replica it holds down, whereas one
// sent to a paused node may still be applied when it resumes (its clock
// for expiring messages was paused too).
func waitDown(t *testing.T, s *Store, h *gocql.HostInfo) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		var n int
		err := s.sess.Query(`SELECT count(*) FROM gc_state WHERE name = 'ring-check'`).WithContext(ctx).
			SetHostID(h.HostID()).Consistency(gocql.All).Scan(&n)
		cancel()
		var un *gocql.RequestErrUnavailable
		if errors.As(err, &un) && un.Alive == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never held the paused nodes down: %v", h.ConnectAddress(), err)
		}
		time.Sleep(time.Second)
	}
}

// waitRingUp waits until a read at ALL succeeds (every node answers).
func waitRingUp(t *testing.T, s *Store) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		var n int
		err := s.sess.Query(`SELECT count(*) FROM gc_state WHERE name = 'ring-check'`).Consistency(gocql.All).Scan(&n)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("ring not back after a pause: %v", err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// blockDamage is damage done to one block on one replica alone: what
// to write (or delete) and how to tell, from the copy it reads on a
// replica, that the replica holds what it should.
type blockDamage struct {
	inode  gocql.UUID
	idx    int
	orig   []byte // the block's bytes, and its CRC
	crc    int32
	damage func(q func(string, ...any) *gocql.Query) error
	placed func(addr string, c blockCopy) bool
}

// injectOnOne does every damage on node victim alone (onOneReplica, one
// pause), checks on every replica that it landed where meant and, should
// it have spread anyway, writes the originals back to every replica and
// tries again, up to three times.
func injectOnOne(t *testing.T, s *Store, hosts []string, victim int, damages []blockDamage) {
	t.Helper()
	for try := 1; ; try++ {
		onOneReplica(t, s, hosts, victim, func(q func(string, ...any) *gocql.Query) error {
			for _, d := range damages {
				if err := d.damage(q); err != nil {
					return err
				}
			}
			return nil
		})
		ok := true
		for _, d := range damages {
			for addr, c := range replicaCopies(t, s, d.inode, d.idx) {
				if !d.placed(addr, c) {
					ok = false
					t.Logf("try %d: block %d of %s on %s: missing %v, check %v: not as meant (damage on %s only)",
						try, d.idx, d.inode, addr, c.missing, verifyCopy(c, len(d.orig)), hosts[victim])
				}
			}
		}
		if ok {
			return
		}
		if try == 3 {
			t.Fatalf("could not damage the blocks on %s alone", hosts[victim])
		}
		for _, d := range damages {
			if err := s.sess.Query(`INSERT INTO blocks (inode, idx, data, crc) VALUES (?, ?, ?, ?)`, d.inode, d.idx, d.orig, d.crc).
				Consistency(gocql.All).Exec(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// replicaCopies reads block idx of inode from every replica, through a
// session of its own opened once all three are up (a session that saw
// nodes paused may hold them down for a while).
func replicaCopies(t *testing.T, s *Store, inode gocql.UUID, idx int) map[string]blockCopy {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		rr, err := s.openReplicaReader()
		if err != nil {
			t.Fatal(err)
		}
		hosts := rr.replicas(inode, idx)
		if len(hosts) == 3 {
			out := map[string]blockCopy{}
			for _, h := range hosts {
				c := rr.read(context.Background(), s, h, inode, idx, nil)
				if c.readErr != nil {
					rr.close()
					t.Fatalf("read block %d of %s on %s: %v", idx, inode, c.host, c.readErr)
				}
				c.data = bytes.Clone(c.data)
				out[c.host] = c
			}
			rr.close()
			return out
		}
		rr.close()
		if time.Now().After(deadline) {
			t.Fatalf("block %d of %s: %d replicas up, want 3", idx, inode, len(hosts))
		}
		time.Sleep(time.Second)
	}
}

// TestScrubRing: on a three-node ring (RF 3), one replica's copy of a
// block is overwritten with bad bytes, another object's block is deleted
// from that replica, and a third object's block is bad on every replica. Scrub
// heals the first two (every replica holds the original bytes again, read
// from each) and reports the third damaged beyond repair, by name.
func TestScrubRing(t *testing.T) {
	hosts := ringHosts(t)
	start := time.Now()
	cfg := Config{
		Hosts:             hosts,
		Keyspace:          testcassandra.Keyspace(t, hosts), // not testConfig: it would look for a single node
		Replication:       Replication{Class: "SimpleStrategy", Factor: 3},
		Consistency:       "QUORUM",
		SerialConsistency: "SERIAL",
		BlockSize:         testBlockSize,
		BlocksInFlight:    4,
		GCGrace:           time.Minute,
		Timeout:           30 * time.Second,
		ConnectTimeout:    30 * time.Second,
	}
	s := openStore(t, cfg, true)
	ctx := context.Background()
	mustCreateBucket(t, s, "ring")
	size := 3 * testBlockSize
	data := map[string][]byte{}
	inodes := map[string]gocql.UUID{}
	for _, k := range []string{"healthy", "one-bad", "one-missing", "all-bad"} {
		data[k] = randomBytes(t, size)
		inodes[k] = inodeOf(t, mustPut(t, s, "ring", k, data[k]))
	}
	// No speculative read: a replica asked at ONE answers with its own
	// copy even when it is slow (the test machine is shared).
	if err := s.sess.Query(`ALTER TABLE blocks WITH speculative_retry = 'NONE'`).Exec(); err != nil {
		t.Fatal(err)
	}
	waitRingUp(t, s)
	rr, err := s.openReplicaReader()
	if err != nil {
		t.Fatal(err)
	}
	if rr.expected != 3 {
		t.Fatalf("expected replicas %d, want 3", rr.expected)
	}
	rr.close()

	setup := time.Since(start)
	bad := randomBytes(t, testBlockSize)
	ip := func(i int) string { h, _, _ := strings.Cut(hosts[i], ":"); return h }
	// Node 2 alone gets bad bytes (with the old CRC: bit rot) for block 1
	// of one-bad and loses block 2 of one-missing (one pause of the other
	// two nodes does both).
	oldCRC := storedCRC(t, s, inodes["one-bad"], 1)
	injectOnOne(t, s, hosts, 1, []blockDamage{{
		inode: inodes["one-bad"], idx: 1, orig: data["one-bad"][testBlockSize : 2*testBlockSize], crc: oldCRC,
		damage: func(q func(string, ...any) *gocql.Query) error {
			return q(`INSERT INTO blocks (inode, idx, data, crc) VALUES (?, ?, ?, ?)`, inodes["one-bad"], 1, bad, oldCRC).Exec()
		},
		placed: func(addr string, c blockCopy) bool { return bytes.Equal(c.data, bad) == (addr == ip(1)) },
	}, {
		inode: inodes["one-missing"], idx: 2, orig: data["one-missing"][2*testBlockSize:], crc: storedCRC(t, s, inodes["one-missing"], 2),
		damage: func(q func(string, ...any) *gocql.Query) error {
			return q(`DELETE FROM blocks WHERE inode = ? AND idx = ?`, inodes["one-missing"], 2).Exec()
		},
		placed: func(addr string, c blockCopy) bool { return c.missing == (addr == ip(1)) },
	}})
	// Every replica: block 0 of all-bad.
	allCRC := storedCRC(t, s, inodes["all-bad"], 0)
	if err := s.sess.Query(`INSERT INTO blocks (inode, idx, data, crc) VALUES (?, ?, ?, ?)`,
		inodes["all-bad"], 0, bad, allCRC).Consistency(gocql.All).Exec(); err != nil {
		t.Fatal(err)
	}
	t.Logf("damage in place after %v (setup %v)", time.Since(start), setup)

	scrubStart := time.Now()
	st, reps := scrubReports(t, s, ScrubOptions{Bucket: "ring"})
	t.Logf("scrub: %+v", st)
	for k, r := range reps {
		t.Logf("%s: %s replicas %d blocks %v %v", k, r.Result, r.Replicas, r.Blocks, r.Problems)
	}
	want := map[string]ScrubResult{"healthy": ScrubHealthy, "one-bad": ScrubHealed, "one-missing": ScrubHealed, "all-bad": ScrubDamaged}
	for k, w := range want {
		if r := reps[k]; r.Result != w || r.Key != k || r.Replicas != 3 {
			t.Errorf("%s: %q %s on %d replicas, want %s on 3", k, r.Key, r.Result, r.Replicas, w)
		}
	}
	if st.Blocks[ScrubHealed] != 2 || st.Blocks[ScrubDamaged] != 1 {
		t.Errorf("blocks %v, want 2 healed, 1 damaged", st.Blocks)
	}

	// Healed: every replica holds the original bytes, read from each.
	for _, c := range []struct {
		key string
		idx int
	}{{"one-bad", 1}, {"one-missing", 2}} {
		orig := data[c.key][c.idx*testBlockSize : (c.idx+1)*testBlockSize]
		for addr, cp := range replicaCopies(t, s, inodes[c.key], c.idx) {
			if cp.missing || !bytes.Equal(cp.data, orig) || verifyCopy(cp, testBlockSize) != nil {
				t.Errorf("%s block %d on %s after scrub: missing %v, original bytes %v", c.key, c.idx, addr, cp.missing, bytes.Equal(cp.data, orig))
			}
		}
		obj, err := s.HeadObject(ctx, "ring", c.key)
		if err != nil {
			t.Fatal(err)
		}
		if got := mustRead(t, s, obj, 0, -1); !bytes.Equal(got, data[c.key]) {
			t.Errorf("%s reads back other bytes after scrub", c.key)
		}
	}
	// A second pass finds them healthy; all-bad is still damaged.
	_, reps = scrubReports(t, s, ScrubOptions{Bucket: "ring"})
	for k, w := range map[string]ScrubResult{"one-bad": ScrubHealthy, "one-missing": ScrubHealthy, "all-bad": ScrubDamaged} {
		if r := reps[k]; r.Result != w {
			t.Errorf("second pass: %s %s %v, want %s", k, r.Result, r.Problems, w)
		}
	}
	t.Logf("scrub and checks took %v; the whole test %v", time.Since(scrubStart), time.Since(start))
}
