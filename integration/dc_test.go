package integration

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/amphora-s3/amphora/internal/testcassandra"
)

// TestTwoDatacenters (docs/reliability.md, "Two datacenters"; issue 16
// part 4): two datacenters of two nodes each (`make test-dc` starts them
// on 127.0.0.51-54 with scripts/cassandra.sh dc-start and sets
// AMPHORA_DC_RING to their four hosts, dc1's two first), a keyspace with
// NetworkTopologyStrategy {dc1: 2, dc2: 2}, and a frontend per
// datacenter with LOCAL_QUORUM and local_datacenter set:
//
//   - an object written through one datacenter's frontend reads back, byte
//     for byte, through the other's once replicated;
//   - both frontends claiming one bucket name at once (for two tenants):
//     exactly one wins, and both then agree on the owner;
//   - dc2 cut off (its nodes SIGSTOPped): dc1's frontend keeps serving its
//     data (GET, PUT, LIST), and a bucket claim there fails cleanly (503
//     SlowDown) instead of splitting; after dc2 is back, no frontend sees a
//     bucket the claim did not report.
func TestTwoDatacenters(t *testing.T) {
	hosts := dcRing(t)
	bin := amphoraBinary(t)
	ks := testcassandra.Keyspace(t, hosts)
	dc1, dc2 := startDCFrontend(t, bin, hosts[:2], ks, "dc1"), startDCFrontend(t, bin, hosts[2:], ks, "dc2")
	c1, c2 := dc1.minioClient(t, tenantA, minioOpts{}), dc2.minioClient(t, tenantB, minioOpts{})
	c2a := dc2.minioClient(t, tenantA, minioOpts{})
	ctx := testContext(t, 15*time.Minute)

	t.Run("Replication", func(t *testing.T) {
		if err := c1.MakeBucket(ctx, "dc-data", minio.MakeBucketOptions{}); err != nil {
			t.Fatalf("MakeBucket through dc1: %v", err)
		}
		for i, size := range []int64{3 << 10, 5<<20 + 17} { // inline and multi-block
			key := fmt.Sprintf("from-dc1/%d", i)
			if _, err := c1.PutObject(ctx, "dc-data", key, payload(uint64(900+i), size), size, minio.PutObjectOptions{}); err != nil {
				t.Fatalf("PUT %s through dc1: %v", key, err)
			}
			took := awaitObject(t, ctx, c2a, "dc-data", key, uint64(900+i), size, time.Minute)
			t.Logf("%s (%d bytes) written in dc1, read in dc2 after %s", key, size, took.Round(time.Millisecond))
		}
		// And back: written in dc2, read in dc1.
		const key = "from-dc2"
		if _, err := c2a.PutObject(ctx, "dc-data", key, payload(950, 700<<10), 700<<10, minio.PutObjectOptions{}); err != nil {
			t.Fatalf("PUT %s through dc2: %v", key, err)
		}
		took := awaitObject(t, ctx, c1, "dc-data", key, 950, 700<<10, time.Minute)
		t.Logf("%s written in dc2, read in dc1 after %s", key, took.Round(time.Millisecond))
	})

	t.Run("BucketClaimRace", func(t *testing.T) {
		const rounds = 6
		for r := range rounds {
			name := fmt.Sprintf("dc-race-%d", r)
			var wg sync.WaitGroup
			var errs [2]error
			start := make(chan struct{})
			for i, c := range []*minio.Client{c1, c2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					errs[i] = c.MakeBucket(ctx, name, minio.MakeBucketOptions{})
				}()
			}
			close(start)
			wg.Wait()
			codes := [2]string{claimCode(errs[0]), claimCode(errs[1])}
			won := 0
			for _, code := range codes {
				if code == "" {
					won++
				}
			}
			t.Logf("round %d: dc1 (tenant A) %s, dc2 (tenant B) %s", r, orOK(codes[0]), orOK(codes[1]))
			if won > 1 {
				t.Fatalf("bucket %s claimed by both datacenters", name)
			}
			for i, code := range codes {
				if code != "" && code != "BucketAlreadyExists" && code != "SlowDown" {
					t.Errorf("round %d: dc%d's claim = %q, want success, BucketAlreadyExists or SlowDown", r, i+1, code)
				}
			}
			// Both datacenters agree on the owner (at LOCAL_QUORUM each,
			// once replicated): the winner's tenant lists it, the other's not.
			owner := awaitOwner(t, ctx, name, [2]*minio.Client{c1, c2}, time.Minute)
			winner := 1
			if codes[0] == "" {
				winner = 0
			}
			if won == 1 && owner != winner {
				t.Errorf("round %d: dc%d's claim succeeded, the bucket belongs to %s", r, winner+1, ownerName(owner))
			}
		}
	})

	t.Run("DatacenterCutOff", func(t *testing.T) {
		// Data dc1 holds before the cut.
		if _, err := c1.PutObject(ctx, "dc-data", "before-cut", payload(960, 2<<20), 2<<20, minio.PutObjectOptions{}); err != nil {
			t.Fatalf("PUT before the cut: %v", err)
		}
		var pids []int
		for _, n := range []int{3, 4} {
			pid := ringPid(t, n)
			if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
				t.Fatalf("SIGSTOP node %d: %v", n, err)
			}
			pids = append(pids, pid)
		}
		resume := func() {
			for _, pid := range pids {
				syscall.Kill(pid, syscall.SIGCONT)
			}
		}
		t.Cleanup(resume)
		cut := time.Now()
		t.Logf("dc2 cut off: nodes 3 and 4 (pids %v) SIGSTOPped", pids)

		// dc1 keeps serving its data.
		var served, failed int
		for i := range 12 {
			key := fmt.Sprintf("during-cut/%d", i)
			size := int64(1+i) * 300 << 10
			err := retry503(ctx, func() error {
				_, err := c1.PutObject(ctx, "dc-data", key, payload(uint64(970+i), size), size, minio.PutObjectOptions{})
				return err
			})
			if err == nil {
				err = retry503(ctx, func() error { return readEquals(ctx, c1, "dc-data", key, uint64(970+i), size) })
			}
			if err == nil {
				err = retry503(ctx, func() error { return readEquals(ctx, c1, "dc-data", "before-cut", 960, 2<<20) })
			}
			if err != nil {
				failed++
				t.Errorf("dc1 during the cut, %s: %v", key, err)
				continue
			}
			served++
		}
		n := 0
		for o := range c1.ListObjects(ctx, "dc-data", minio.ListObjectsOptions{Recursive: true}) {
			if o.Err != nil {
				t.Errorf("LIST through dc1 during the cut: %v", o.Err)
				break
			}
			n++
		}
		t.Logf("dc1 during the cut: %d of 12 PUT+GET rounds served, %d failed; LIST shows %d objects", served, failed, n)

		// A bucket claim cannot reach a quorum of all four replicas: it
		// fails cleanly instead of taking the name in dc1 alone.
		claimStart := time.Now()
		err := c1.MakeBucket(ctx, "dc-claim-cut", minio.MakeBucketOptions{})
		resp := minio.ToErrorResponse(err)
		t.Logf("MakeBucket through dc1 with dc2 cut off: %d %s %q after %s", resp.StatusCode, orOK(resp.Code), resp.Message, time.Since(claimStart).Round(time.Millisecond))
		if err == nil {
			t.Errorf("a bucket was claimed with dc2 cut off (SERIAL needs a quorum of both datacenters' replicas)")
		} else if resp.StatusCode != 503 {
			t.Errorf("MakeBucket with dc2 cut off = %d %s, want 503 SlowDown", resp.StatusCode, resp.Code)
		}
		if d := time.Since(cut); d < 15*time.Second {
			time.Sleep(15*time.Second - d) // long enough for gossip to call dc2 down
		}
		resume()
		t.Logf("dc2 back after %s", time.Since(cut).Round(100*time.Millisecond))

		// Once dc2 is back, both frontends agree on the refused claim:
		// nobody owns it, or (a timed-out Paxos round completed later) the
		// tenant that asked, seen the same from both datacenters.
		owner := awaitOwner(t, ctx, "dc-claim-cut", [2]*minio.Client{c1, c2}, 2*time.Minute)
		t.Logf("after the cut, dc-claim-cut belongs to %s in both datacenters", ownerName(owner))
		if owner == 1 {
			t.Errorf("dc-claim-cut belongs to tenant B, who never asked for it")
		}
		// And dc2 catches up with what dc1 wrote meanwhile.
		for i := range 12 {
			key := fmt.Sprintf("during-cut/%d", i)
			size := int64(1+i) * 300 << 10
			awaitObject(t, ctx, c2a, "dc-data", key, uint64(970+i), size, 3*time.Minute)
		}
		t.Logf("dc2 reads every object dc1 wrote during the cut, %s after the cut began", time.Since(cut).Round(time.Second))
	})
}

// dcRing is the four hosts of AMPHORA_DC_RING (dc1's two, then dc2's),
// skipping the test without it.
func dcRing(t *testing.T) []string {
	t.Helper()
	env := os.Getenv("AMPHORA_DC_RING")
	if env == "" {
		t.Skip("two datacenters: set AMPHORA_DC_RING to dc1's two hosts then dc2's (make test-dc)")
	}
	if testing.Short() {
		t.Skip("two datacenters: skipped with -short")
	}
	var hosts []string
	for _, h := range strings.Split(env, ",") {
		if h = strings.TrimSpace(h); h != "" {
			hosts = append(hosts, h)
		}
	}
	if len(hosts) != 4 {
		t.Fatalf("AMPHORA_DC_RING = %q: want four hosts, dc1's two first", env)
	}
	return hosts
}

// startDCFrontend runs a frontend for datacenter dc: its nodes as contact
// points, local_datacenter, LOCAL_QUORUM, LOCAL_SERIAL for everything but
// bucket claims (which a local datacenter makes SERIAL), and a keyspace
// replicated twice in each datacenter.
func startDCFrontend(t *testing.T, bin string, hosts []string, ks, dc string) *server {
	t.Helper()
	o := gcOptions()
	o.Metrics, o.Console = false, false
	o.Consistency, o.CassandraTimeout = "LOCAL_QUORUM", 5*time.Second
	dir := t.TempDir()
	addr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	conf := configTOML(addr, hosts, ks, o)
	for old, repl := range map[string]string{
		`serial_consistency = "SERIAL"`:          `serial_consistency = "LOCAL_SERIAL"` + "\nlocal_datacenter = \"" + dc + "\"",
		"class = \"SimpleStrategy\"\nfactor = 1": "class = \"NetworkTopologyStrategy\"\ndatacenters = { dc1 = 2, dc2 = 2 }",
	} {
		if !strings.Contains(conf, old) {
			t.Fatalf("configTOML no longer writes %q", old)
		}
		conf = strings.Replace(conf, old, repl, 1)
	}
	s := &server{Addr: addr, Hosts: hosts, Keyspace: ks, Options: o, bin: bin,
		Config: dir + "/amphora.toml", LogPath: dir + "/amphora.log"}
	if err := os.WriteFile(s.Config, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	// The schema first (fault_ring_test.go): creating the tables waits for
	// four nodes to agree on each, minutes on a busy machine.
	schemaApply(t, bin, conf)
	if err := s.start(); err != nil {
		t.Fatalf("frontend in %s: %v", dc, err)
	}
	s.showLogOnFailure(t)
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop frontend in %s: %v", dc, err)
		}
	})
	return s
}

// readEquals reads bucket/key and compares it with payload(seed, size).
func readEquals(ctx context.Context, c *minio.Client, bucket, key string, seed uint64, size int64) error {
	obj, err := c.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return err
	}
	defer obj.Close()
	h := sha256.New()
	n, err := io.Copy(h, obj)
	if err != nil {
		return err
	}
	want := sha256.New()
	io.Copy(want, payload(seed, size))
	if n != size || !bytes.Equal(h.Sum(nil), want.Sum(nil)) {
		return fmt.Errorf("%s: %d bytes that differ from the %d written", key, n, size)
	}
	return nil
}

// awaitObject waits until c reads bucket/key as written, and returns how long that took.
func awaitObject(t *testing.T, ctx context.Context, c *minio.Client, bucket, key string, seed uint64, size int64, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		err := readEquals(ctx, c, bucket, key, seed, size)
		if err == nil {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Errorf("%s/%s not readable as written after %s: %v", bucket, key, limit, err)
			return limit
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// awaitOwner waits until both datacenters' frontends agree on who owns
// bucket name (0 tenant A, 1 tenant B, -1 nobody), each asked as tenant
// A through dc1's client and tenant B through dc2's.
func awaitOwner(t *testing.T, ctx context.Context, name string, cs [2]*minio.Client, limit time.Duration) int {
	t.Helper()
	start := time.Now()
	for {
		var seen [2]int
		ok := true
		for i, c := range cs {
			// Each client is its tenant's: BucketExists is true for the
			// owner, AccessDenied (an error) for the other tenant, false for nobody.
			exists, err := c.BucketExists(ctx, name)
			switch code := minio.ToErrorResponse(err).Code; {
			case err == nil && exists:
				seen[i] = i
			case err == nil:
				seen[i] = -1
			case code == "AccessDenied" || minio.ToErrorResponse(err).StatusCode == 403:
				seen[i] = 1 - i
			default:
				ok = false
			}
		}
		if ok && seen[0] == seen[1] {
			return seen[0]
		}
		if time.Since(start) > limit {
			t.Errorf("bucket %s: dc1 says %s, dc2 says %s after %s", name, ownerName(seen[0]), ownerName(seen[1]), limit)
			return seen[0]
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// retry503 runs op until it succeeds or fails with other than a 5xx, up to 5 times.
func retry503(ctx context.Context, op func() error) error {
	var err error
	for i := range 5 {
		if err = op(); err == nil || minio.ToErrorResponse(err).StatusCode/100 == 4 {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(200<<i) * time.Millisecond):
		}
	}
	return err
}

func claimCode(err error) string {
	if err == nil {
		return ""
	}
	if code := minio.ToErrorResponse(err).Code; code != "" {
		return code
	}
	return err.Error()
}

func orOK(code string) string {
	if code == "" {
		return "OK"
	}
	return code
}

func ownerName(o int) string {
	switch o {
	case 0:
		return "tenant A"
	case 1:
		return "tenant B"
	}
	return "nobody"
}
