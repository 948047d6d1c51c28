package integration

import (
	"errors"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// The fault suite (docs/reliability.md, "Fault suite"): two frontends on a
// three-node ring (RF 3, LOCAL_QUORUM) under a mixed workload, with one
// fault per subtest. It runs only when AMPHORA_FAULT_RING names the ring's
// hosts (`make test-faults` starts one on 127.0.0.21-23 and sets it); the
// ring's nodes are restarted with scripts/cassandra.sh, which reads
// CASSANDRA_HOME_DIR, CASSANDRA_ADDR_OFFSET and CASSANDRA_HEAP from the
// environment. With AMPHORA_FAULT_SHORT=1 (`make test-faults-short`, CI)
// only the node kill runs, under a one-minute load. Client disconnects
// mid-body and slow readers are covered by slowclients_test.go and
// crash_test.go and are not repeated here.
//
// Files: fault_load_test.go (frontends, load, counters),
// fault_ledger_test.go (what each key may hold), fault_verify_test.go
// (the checks after each fault), fault_cache_test.go (the bucket cache
// across frontends), fault_ring_test.go (the ring's nodes).

const (
	faultTimeout  = 3 * time.Second // cassandra.timeout of the frontends
	faultWorkers  = 4
	faultKeys     = 12 // keys per worker
	faultAttempts = 5  // tries per request, like an SDK's retries
)

func faultRing(t *testing.T) []string {
	t.Helper()
	env := os.Getenv("AMPHORA_FAULT_RING")
	if env == "" {
		t.Skip("fault suite: set AMPHORA_FAULT_RING to a three-node ring's hosts (make test-faults)")
	}
	if testing.Short() {
		t.Skip("fault suite: skipped with -short")
	}
	var hosts []string
	for _, h := range strings.Split(env, ",") {
		if h = strings.TrimSpace(h); h != "" {
			hosts = append(hosts, h)
		}
	}
	if len(hosts) != 3 {
		t.Fatalf("AMPHORA_FAULT_RING = %q: want three hosts", env)
	}
	return hosts
}

func TestFaults(t *testing.T) {
	hosts := faultRing(t)
	// One keyspace and one pair of frontends for every fault: schema
	// changes right after a node restart can fail while the ring's schema
	// versions disagree, and each fault's check covers the earlier
	// faults' buckets again.
	load, short := 25*time.Second, os.Getenv("AMPHORA_FAULT_SHORT") == "1"
	if short {
		load = time.Minute
		t.Log("short form (AMPHORA_FAULT_SHORT=1): one node kill under a one-minute load")
	}
	suite := newFaultSuite(t, hosts, load)
	t.Run("NodeKill", func(t *testing.T) {
		suite.run(t, "node-kill", func(t *testing.T, f *faultEnv) {
			pid := ringPid(t, 2)
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				t.Fatalf("SIGKILL node 2 (pid %d): %v", pid, err)
			}
			t.Logf("node 2 (pid %d) SIGKILLed", pid)
			time.Sleep(5 * time.Second)
			ringRestart(t, 2)
			awaitSchema(t, hosts)
		})
	})
	if short {
		return
	}
	t.Run("NodePause", func(t *testing.T) {
		suite.run(t, "node-pause", func(t *testing.T, f *faultEnv) {
			pid := ringPid(t, 3)
			if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
				t.Fatalf("SIGSTOP node 3 (pid %d): %v", pid, err)
			}
			t.Cleanup(func() { syscall.Kill(pid, syscall.SIGCONT) })
			pause := 3 * faultTimeout
			t.Logf("node 3 (pid %d) SIGSTOPped for %s (query timeout %s)", pid, pause, faultTimeout)
			time.Sleep(pause)
			if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
				t.Fatalf("SIGCONT node 3: %v", err)
			}
		})
	})
	t.Run("FrontendKill", func(t *testing.T) {
		suite.run(t, "frontend-kill", func(t *testing.T, f *faultEnv) {
			s := f.fronts[0]
			ctx := testContext(t, 2*time.Minute)
			c := s.minioClient(t, tenantA, minioOpts{})
			core := minio.Core{Client: c}
			// A multipart upload with one part stored and the next in flight.
			const mpKey = "killed/multipart"
			id, err := core.NewMultipartUpload(ctx, f.bucket, mpKey, minio.PutObjectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := core.PutObjectPart(ctx, f.bucket, mpKey, id, 1, payload(7001, 5<<20), 5<<20, minio.PutObjectPartOptions{}); err != nil {
				t.Fatal(err)
			}
			pr, pw := io.Pipe()
			partDone := make(chan error, 1)
			go func() {
				_, err := core.PutObjectPart(ctx, f.bucket, mpKey, id, 2, pr, 5<<20, minio.PutObjectPartOptions{})
				partDone <- err
			}()
			go func() { io.CopyN(pw, payload(7002, 5<<20), 2<<20) }()
			// A single PUT with part of its body sent.
			const putKey = "killed/put"
			put := startRawPut(t, s, tenantA, f.bucket, putKey, 7003, 4<<20)
			put.send(t, 2<<20)
			f.led.set(putKey, objState{absent: true})
			f.led.set(mpKey, objState{absent: true})
			time.Sleep(time.Second)
			pid := s.Pid()
			s.Kill()
			t.Logf("frontend %s (pid %d) SIGKILLed mid-PUT and mid-multipart", s.Addr, pid)
			pw.CloseWithError(errors.New("frontend killed"))
			put.conn.Close()
			if err := <-partDone; err == nil {
				t.Errorf("part 2 in flight on the killed frontend succeeded")
			}
			time.Sleep(2 * time.Second)
			if err := s.Restart(); err != nil {
				t.Fatalf("restart frontend: %v", err)
			}
		})
	})
}
