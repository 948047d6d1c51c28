package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// env is what the parts of a run share: the amphora binary and server,
// the raw gocql session and the client.
type env struct {
	dir     string // temporary directory: binary, configs, logs
	bin     string
	ak, sk  string
	srv     *server
	s3      *s3client
	raw     *rawStore
	cassVer string
	setting map[string]string // from system_views.settings
	// reused is true when -keep-keyspace found an existing keyspace.
	reused bool
}

// benchTenant owns every bucket the bench creates.
const benchTenant = "bench"

// server is one `amphora serve` subprocess.
type server struct {
	addr  string
	debug string // pprof listener (-profile), "" when off
	log   string
	cmd   *exec.Cmd
	done  chan struct{}
}

func setup(ctx context.Context, o options) (*env, error) {
	dir, err := os.MkdirTemp("", "amphora-bench-")
	if err != nil {
		return nil, err
	}
	e := &env{dir: dir, bin: o.bin, ak: "AKAMPHORABENCH000001", sk: randomHex(20)}
	ok := false
	defer func() {
		if !ok {
			e.teardown(o)
		}
	}()
	if e.bin == "" {
		e.bin = filepath.Join(dir, "amphora")
		logf("building amphora into %s", e.bin)
		cmd := exec.CommandContext(ctx, "go", "build", "-o", e.bin, "github.com/amphora-s3/amphora/cmd/amphora")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("go build amphora: %w", err)
		}
	}
	if e.cassVer, e.setting, e.reused, err = cassandraInfo(o); err != nil {
		return nil, err
	}
	if e.reused && !o.keepKeyspace {
		return nil, fmt.Errorf("keyspace %s exists: pass -keep-keyspace to reuse it, or another -keyspace", o.keyspace)
	}
	cfg := filepath.Join(dir, "schema.toml")
	if err := os.WriteFile(cfg, []byte(e.configTOML(o, "127.0.0.1:1", "")), 0o600); err != nil {
		return nil, err
	}
	logf("amphora schema apply (keyspace %s)", o.keyspace)
	sctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	out, err := exec.CommandContext(sctx, e.bin, "schema", "apply", "-config", cfg).CombinedOutput()
	cancel()
	if err != nil {
		return nil, fmt.Errorf("amphora schema apply: %v\n%s", err, out)
	}
	if e.raw, err = openRaw(o); err != nil {
		return nil, err
	}
	if o.blocksCompaction != "" {
		// A compaction variant of the blocks table (scripts/bench-settings.sh):
		// the raw ceiling and Amphora both write into this table.
		logf("blocks table: compaction = %s", o.blocksCompaction)
		stmt := fmt.Sprintf("ALTER TABLE %s.blocks WITH compaction = %s", o.keyspace, o.blocksCompaction)
		if err := e.raw.sess.Query(stmt).WithContext(ctx).Exec(); err != nil {
			return nil, fmt.Errorf("blocks compaction %s: %w", o.blocksCompaction, err)
		}
	}
	if e.srv, err = e.startServer(ctx, o, "main"); err != nil {
		return nil, err
	}
	e.s3 = newS3Client("http://"+e.srv.addr, e.ak, e.sk)
	ok = true
	return e, nil
}

// teardown stops the server, then drops the keyspace (or, with
// -keep-keyspace, truncates the blocks table: the kept listing dataset
// has only empty objects, so nothing it needs has blocks).
func (e *env) teardown(o options) error {
	var errs []error
	if e.srv != nil {
		errs = append(errs, e.srv.stop())
	}
	if e.raw != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		if o.keepKeyspace {
			logf("keeping keyspace %s (truncating its blocks)", o.keyspace)
			errs = append(errs, e.raw.sess.Query(`TRUNCATE blocks`).WithContext(ctx).Exec())
		} else {
			logf("dropping keyspace %s", o.keyspace)
			errs = append(errs, e.raw.sess.Query(`DROP KEYSPACE IF EXISTS `+o.keyspace).WithContext(ctx).Exec())
		}
		cancel()
		e.raw.sess.Close()
	}
	if os.Getenv("BENCH_KEEP_TMP") == "" {
		os.RemoveAll(e.dir)
	} else {
		logf("temporary files kept in %s", e.dir)
	}
	return errors.Join(errs...)
}

// configTOML is the server's configuration: benchmark knobs from the flags,
// everything else as in production defaults except a SimpleStrategy
// keyspace of -rf replicas (1: a single node).
func (e *env) configTOML(o options, listen, debug string) string {
	return e.configTOMLWith(o, listen, debug, "")
}

// configTOMLWith is configTOML with more lines for [cassandra] (cass):
// block_read_one and block_cache_mb come from o unless cass sets them.
func (e *env) configTOMLWith(o options, listen, debug, cass string) string {
	if !strings.Contains(cass, "block_read_one") {
		cass += fmt.Sprintf("block_read_one = %t\n", o.blockReadOne)
	}
	if !strings.Contains(cass, "block_cache_mb") {
		cass += fmt.Sprintf("block_cache_mb = %d\n", o.blockCacheMB)
	}
	hosts := make([]string, len(o.hosts))
	for i, h := range o.hosts {
		hosts[i] = fmt.Sprintf("%q", h)
	}
	storage := ""
	if o.listScale > 0 {
		storage = listScaleStorage(o)
	}
	return fmt.Sprintf(`# Written by amphora-bench.
[server]
listen = %q
debug_listen = %q
region = "us-east-1"
shutdown_timeout = "10s"
allow_sse_c_over_http = true

[log]
level = %q
format = "json"

[cassandra]
hosts = [%s]
keyspace = %q
consistency = %q
serial_consistency = %q
connect_timeout = "10s"
timeout = %q
connections = %d
protocol_version = %d
apply_schema = false
%s
[cassandra.replication]
class = "SimpleStrategy"
factor = %d

[storage]
%sblock_size = "%d"
blocks_in_flight = %d
max_blocks_in_flight = %d
inline_size = "%d"
gc_grace = "15m"
sweeper = %t

[[credentials]]
access_key = %q
secret_key = %q
tenant = %q
display_name = "amphora-bench"
`, listen, debug, o.logLevel, strings.Join(hosts, ", "), o.keyspace, o.consistency, o.serial,
		o.timeout.String(), o.conns, o.proto, cass, o.rf, storage, o.blockSize, o.blocksInFlight, o.maxInFlight, o.inlineSize, o.sweeper, e.ak, e.sk, benchTenant)
}

// startServer runs `amphora serve` on a free port and waits until it listens.
func (e *env) startServer(ctx context.Context, o options, name string) (*server, error) {
	return e.startServerWith(ctx, o, name, "")
}

// startServerWith is startServer with extra TOML appended to the config.
func (e *env) startServerWith(ctx context.Context, o options, name, extra string) (*server, error) {
	return e.startServerCass(ctx, o, name, "", extra)
}

// startServerCass is startServerWith with more [cassandra] lines (cass).
func (e *env) startServerCass(ctx context.Context, o options, name, cass, extra string) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	debug := ""
	if o.profileDir != "" {
		if debug, err = freeAddr(); err != nil {
			return nil, err
		}
	}
	cfg := filepath.Join(e.dir, name+".toml")
	if err := os.WriteFile(cfg, []byte(e.configTOMLWith(o, addr, debug, cass)+extra), 0o600); err != nil {
		return nil, err
	}
	s := &server{addr: addr, debug: debug, log: filepath.Join(e.dir, name+".log"), done: make(chan struct{})}
	lf, err := os.Create(s.log)
	if err != nil {
		return nil, err
	}
	defer lf.Close() // the child keeps its own descriptor
	s.cmd = exec.Command(e.bin, "serve", "-config", cfg)
	s.cmd.Stdout, s.cmd.Stderr = lf, lf
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		select {
		case <-s.done:
			return nil, fmt.Errorf("amphora serve exited during startup: %v\n%s", s.cmd.ProcessState, tailFile(s.log, 20))
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return s, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.stop()
	return nil, fmt.Errorf("amphora serve did not listen on %s in time\n%s", addr, tailFile(s.log, 20))
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// stop sends SIGTERM, then SIGKILL after 20 s.
func (s *server) stop() error {
	select {
	case <-s.done:
		return nil
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
		return fmt.Errorf("amphora serve (pid %d) ignored SIGTERM", s.pid())
	}
	if b, err := os.ReadFile(s.log); err == nil {
		for _, m := range []string{"panic:", "fatal error:"} {
			if i := strings.Index(string(b), m); i >= 0 {
				return fmt.Errorf("amphora serve log has %q:\n%s", m, b[i:min(len(b), i+2000)])
			}
		}
	}
	return nil
}

// cassandraInfo reads the release version and the settings that shape a
// benchmark, and whether the keyspace already exists.
func cassandraInfo(o options) (ver string, settings map[string]string, exists bool, err error) {
	c := gocql.NewCluster(o.hosts...)
	c.Consistency = gocql.One
	c.Timeout = 10 * time.Second
	sess, err := c.CreateSession()
	if err != nil {
		return "", nil, false, fmt.Errorf("connect to cassandra %v: %w", o.hosts, err)
	}
	defer sess.Close()
	if err := sess.Query(`SELECT release_version FROM system.local`).Scan(&ver); err != nil {
		return "", nil, false, fmt.Errorf("cassandra version: %w", err)
	}
	settings = map[string]string{}
	for _, name := range benchSettings {
		var v string
		if err := sess.Query(`SELECT value FROM system_views.settings WHERE name = ?`, name).Scan(&v); err == nil {
			settings[name] = v
		}
	}
	var ks string
	err = sess.Query(`SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?`, o.keyspace).Scan(&ks)
	switch {
	case err == nil:
		exists = true
	case !errors.Is(err, gocql.ErrNotFound):
		return "", nil, false, err
	}
	return ver, settings, exists, nil
}

// benchSettings are recorded in the report: scripts/cassandra.sh with
// CASSANDRA_BENCH=1 raises the first two.
var benchSettings = []string{
	"native_transport_max_request_data_in_flight",
	"native_transport_max_request_data_in_flight_per_ip",
	"native_transport_max_threads",
	"concurrent_writes",
	"concurrent_reads",
	"commitlog_sync",
	"commitlog_sync_period",
	"memtable_heap_space",
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// tailFile returns the last n lines of path.
func tailFile(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
