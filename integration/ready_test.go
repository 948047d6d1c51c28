package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/internal/testcassandra"
)

// cqlProxy stands between a server and Cassandra: it forwards every
// connection until told to cut them (then it refuses new ones) or to
// stall them (bytes stop moving, connections stay open), until told to
// forward again.
//
// It listens on another loopback address with Cassandra's own port:
// gocql connects to a node at the address it first reached it by, but at
// the port the node advertises (system.local's native_port), so a proxy
// on another port would be bypassed.
type cqlProxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	cut     bool
	stalled chan struct{} // non-nil while stalled; closed to resume
	conns   map[net.Conn]bool
	wg      sync.WaitGroup
}

func startCQLProxy(t *testing.T, target string) *cqlProxy {
	t.Helper()
	_, port, err := net.SplitHostPort(target)
	if err != nil {
		target, port = net.JoinHostPort(target, "9042"), "9042"
	}
	var ln net.Listener
	for range 20 {
		addr := net.JoinHostPort(fmt.Sprintf("127.0.%d.%d", rand.IntN(200)+20, rand.IntN(250)+2), port)
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("cql proxy: no loopback address free with port %s: %v", port, err)
	}
	p := &cqlProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(p.close)
	return p
}

func (p *cqlProxy) Addr() string { return p.ln.Addr().String() }

func (p *cqlProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(c) {
			c.Close()
			continue
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.forward(c)
		}()
	}
}

// track records c unless connections are being cut.
func (p *cqlProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cut {
		return false
	}
	p.conns[c] = true
	return true
}

func (p *cqlProxy) untrack(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
}

func (p *cqlProxy) forward(client net.Conn) {
	defer p.untrack(client)
	defer client.Close()
	server, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		return
	}
	if !p.track(server) {
		server.Close()
		return
	}
	defer p.untrack(server)
	defer server.Close()
	done := make(chan struct{}, 2)
	go func() { p.copy(server, client); done <- struct{}{} }()
	go func() { p.copy(client, server); done <- struct{}{} }()
	<-done // either side ending ends both
}

// copy forwards from src to dst, holding each chunk while stalled.
func (p *cqlProxy) copy(dst, src net.Conn) {
	buf := make([]byte, 64<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			gate := p.stalled
			p.mu.Unlock()
			if gate != nil {
				<-gate
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Stall stops moving bytes either way, connections kept open: to the
// server, Cassandra hangs.
func (p *cqlProxy) Stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stalled == nil {
		p.stalled = make(chan struct{})
	}
}

// Cut closes every connection and refuses new ones: to the server,
// Cassandra stopped answering.
func (p *cqlProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for c := range p.conns {
		c.Close()
	}
}

// Restore forwards connections again.
func (p *cqlProxy) Restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = false
	if p.stalled != nil {
		close(p.stalled)
		p.stalled = nil
	}
}

func (p *cqlProxy) close() {
	p.ln.Close()
	p.Restore()
	p.Cut()
	p.wg.Wait()
}

// /health/ready follows Cassandra: 200 while the server reaches it, 503
// within a bounded time once it stops answering (a proxy in between cuts
// every connection, the shared node itself keeps running), and 200 again
// once it answers again; /health/live stays 200 throughout.
func TestReadinessFollowsCassandra(t *testing.T) {
	const outage = 15 * time.Second
	hosts := testcassandra.Hosts(t)
	proxy := startCQLProxy(t, hosts[0])
	s := newServerVia(t, []string{proxy.Addr()}, hosts, defaultOptions())
	ready, live := s.MetricsURL()+"/health/ready", s.MetricsURL()+"/health/live"
	waitStatus(t, ready, http.StatusOK, 30*time.Second)
	// The server works through the proxy.
	if r := s.do(t, s.signedRequest(t, tenantA, http.MethodPut, "/ready-proxy", "", nil)); r.Status != http.StatusOK {
		t.Fatalf("CreateBucket through the proxy: %d %s", r.Status, r.Body)
	}

	proxy.Cut()
	took := waitStatus(t, ready, http.StatusServiceUnavailable, 30*time.Second)
	_, body, _ := httpGet(ready)
	t.Logf("not ready %s after Cassandra stopped answering: %q", took.Round(time.Millisecond), strings.TrimSpace(body))
	if !strings.HasPrefix(body, "not ready: ") {
		t.Errorf("503 body %q", body)
	}
	if code, _, err := httpGet(live); code != http.StatusOK {
		t.Errorf("live while Cassandra is away: %d %v", code, err)
	}
	// S3 requests fail meanwhile, with a server error, not a hang.
	start := time.Now()
	r := s.do(t, s.signedRequest(t, tenantA, http.MethodPut, "/ready-proxy/k", "x", nil))
	if r.Status < 500 {
		t.Errorf("PUT while Cassandra is away: %d %s", r.Status, r.Body)
	}
	t.Logf("PUT while Cassandra is away: %d %s in %s", r.Status, r.Code(), time.Since(start).Round(time.Millisecond))
	// Long enough for the driver to give the host up (its reconnection
	// attempts are a second apart), so coming back is not just a retry.
	time.Sleep(outage)
	if code, _, _ := httpGet(ready); code != http.StatusServiceUnavailable {
		t.Errorf("ready during the outage: %d", code)
	}

	proxy.Restore()
	took = waitStatus(t, ready, http.StatusOK, 90*time.Second)
	t.Logf("ready again %s after Cassandra answered again", took.Round(time.Millisecond))
	if r := s.do(t, s.signedRequest(t, tenantA, http.MethodPut, "/ready-proxy/k", "x", nil)); r.Status != http.StatusOK {
		t.Errorf("PUT once Cassandra is back: %d %s", r.Status, r.Body)
	}

	// Cassandra hangs rather than refusing: the check times out.
	proxy.Stall()
	took = waitStatus(t, ready, http.StatusServiceUnavailable, 30*time.Second)
	_, body, _ = httpGet(ready)
	t.Logf("not ready %s after Cassandra stopped moving bytes: %q", took.Round(time.Millisecond), strings.TrimSpace(body))
	if code, _, err := httpGet(live); code != http.StatusOK {
		t.Errorf("live while Cassandra hangs: %d %v", code, err)
	}
	proxy.Restore()
	took = waitStatus(t, ready, http.StatusOK, 90*time.Second)
	t.Logf("ready again %s after Cassandra moved bytes again", took.Round(time.Millisecond))
}

// newServerVia is newServer with the server reaching Cassandra at hosts
// (a proxy) while the test's keyspace is dropped through realHosts.
func newServerVia(t *testing.T, hosts, realHosts []string, o serverOptions) *server {
	t.Helper()
	bin := amphoraBinary(t)
	ks := testcassandra.Keyspace(t, realHosts)
	s, err := startServer(bin, hosts, ks, o, t.TempDir())
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

// `amphora serve` refuses a keyspace whose schema a newer amphora
// upgraded (a migration it does not know is recorded), whether it applies
// the schema at start or not, and so does `amphora schema apply`; the S3
// port is never opened.
func TestServeRefusesNewerSchema(t *testing.T) {
	hosts := testcassandra.Hosts(t)
	bin := amphoraBinary(t)
	ks := testcassandra.Keyspace(t, hosts) // dropped when the test ends
	dir := t.TempDir()
	addr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	o := defaultOptions()
	o.MetricsListen, _ = freeAddr()
	cfg := filepath.Join(dir, "amphora.toml")
	body := configTOML(addr, hosts, ks, o)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	noApply := filepath.Join(dir, "no-apply.toml")
	if err := os.WriteFile(noApply, []byte(strings.Replace(body, "apply_schema = true", "apply_schema = false", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		var out bytes.Buffer
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		if ctx.Err() != nil {
			t.Fatalf("amphora %v still running after 2 minutes:\n%s", args, out.Bytes())
		}
		return out.String(), err
	}
	if out, err := run("schema", "apply", "-config", cfg); err != nil {
		t.Fatalf("schema apply: %v\n%s", err, out)
	}

	c := gocql.NewCluster(hosts...)
	c.Keyspace = ks
	c.Timeout, c.ConnectTimeout = 30*time.Second, 10*time.Second
	sess, err := c.CreateSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := sess.Query(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		9999, "from_a_newer_amphora", time.Now()).Exec(); err != nil {
		t.Fatal(err)
	}

	for _, args := range [][]string{
		{"serve", "-config", cfg},
		{"serve", "-config", noApply},
		{"schema", "apply", "-config", cfg},
	} {
		out, err := run(args...)
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Errorf("amphora %v: %v, want a refusal\n%s", args, err, out)
			continue
		}
		if !strings.Contains(out, "schema migration 9999") || !strings.Contains(out, "newer amphora") {
			t.Errorf("amphora %v does not say why:\n%s", args, out)
		}
		if strings.Contains(out, "amphora serving") {
			t.Errorf("amphora %v served:\n%s", args, out)
		}
	}
}
