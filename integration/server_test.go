package integration

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// startTimeout bounds a server start, schema creation included.
	startTimeout = 120 * time.Second
	// termTimeout is how long a SIGTERM may take before SIGKILL.
	termTimeout = 15 * time.Second
)

// server is one `amphora serve` subprocess on 127.0.0.1 and its files.
type server struct {
	Addr string // 127.0.0.1:port, the same across restarts
	// MetricsAddr is the monitoring listener's (metrics, health checks),
	// "" when Options.Metrics is off.
	MetricsAddr string
	// ConsoleAddr is the web console's listener, "" when
	// Options.Console is off.
	ConsoleAddr string
	Hosts       []string
	Keyspace    string
	Options     serverOptions
	Config      string // path of the TOML file
	LogPath     string // stdout and stderr of every run, appended

	bin string
	mu  sync.Mutex
	run *process // nil when stopped
}

// process is one run of the binary.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // cmd.Wait's result, valid after done
}

// startServer writes the config into dir and starts the server.
func startServer(bin string, hosts []string, keyspace string, o serverOptions, dir string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	// The monitoring listener gets an address of its own, not one that
	// came with options copied from another server.
	withMetrics := o
	for o.Metrics && (withMetrics.MetricsListen == "" || withMetrics.MetricsListen == addr) {
		if withMetrics.MetricsListen, err = freeAddr(); err != nil {
			return nil, err
		}
	}
	for o.Console && (withMetrics.ConsoleListen == "" || withMetrics.ConsoleListen == addr || withMetrics.ConsoleListen == withMetrics.MetricsListen) {
		if withMetrics.ConsoleListen, err = freeAddr(); err != nil {
			return nil, err
		}
	}
	s := &server{
		Addr: addr, MetricsAddr: withMetrics.MetricsListen, ConsoleAddr: withMetrics.ConsoleListen, Hosts: hosts, Keyspace: keyspace, Options: o, bin: bin,
		Config: filepath.Join(dir, "amphora.toml"), LogPath: filepath.Join(dir, "amphora.log"),
	}
	if err := os.WriteFile(s.Config, []byte(configTOML(addr, hosts, keyspace, withMetrics)), 0o600); err != nil {
		return nil, err
	}
	return s, s.start()
}

// freeAddr picks a free port on 127.0.0.1.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// start runs the binary and waits until its port accepts connections.
func (s *server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.run != nil {
		return errors.New("server already running")
	}
	logf, err := os.OpenFile(s.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close() // the child holds its own descriptor
	fmt.Fprintf(logf, "=== integration: amphora serve -config %s at %s\n", s.Config, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(s.bin, "serve", "-config", s.Config)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = serverProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start amphora: %w", err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	s.run = p
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			s.run = nil
			return fmt.Errorf("amphora exited during startup (%v); log tail:\n%s", p.err, s.tail(0, 40))
		default:
		}
		c, err := net.DialTimeout("tcp", s.Addr, 250*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.stopLocked(syscall.SIGKILL)
	return fmt.Errorf("amphora did not listen on %s within %s; log tail:\n%s", s.Addr, startTimeout, s.tail(0, 40))
}

// Stop ends the server with SIGTERM (SIGKILL after termTimeout) and
// reports an unclean exit or a data race or panic in its log.
func (s *server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.run == nil {
		return nil
	}
	err := s.stopLocked(syscall.SIGTERM)
	if bad := s.logProblems(); bad != "" {
		return errors.Join(err, errors.New(bad))
	}
	return err
}

// Kill ends the server with SIGKILL, as a crash would.
func (s *server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked(syscall.SIGKILL)
}

// Restart starts the server again on the same address and keyspace.
func (s *server) Restart() error { return s.start() }

// Pid is the running server's process id, 0 when stopped.
func (s *server) Pid() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.run == nil {
		return 0
	}
	return s.run.cmd.Process.Pid
}

func (s *server) stopLocked(sig syscall.Signal) error {
	p := s.run
	if p == nil {
		return nil
	}
	s.run = nil
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(termTimeout):
		_ = p.cmd.Process.Kill()
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			return fmt.Errorf("amphora pid %d did not exit after SIGKILL", p.cmd.Process.Pid)
		}
		return fmt.Errorf("amphora pid %d ignored SIGTERM for %s and was killed", p.cmd.Process.Pid, termTimeout)
	}
	if sig == syscall.SIGTERM && p.err != nil {
		return fmt.Errorf("amphora exited uncleanly after SIGTERM: %v", p.err)
	}
	return nil
}

// logProblems names data races and panics the server logged.
func (s *server) logProblems() string {
	b, err := os.ReadFile(s.LogPath)
	if err != nil {
		return ""
	}
	var out []string
	for _, marker := range []string{"WARNING: DATA RACE", "panic:", "fatal error:"} {
		if i := bytes.Index(b, []byte(marker)); i >= 0 {
			end := min(len(b), i+4000)
			out = append(out, fmt.Sprintf("server log has %q:\n%s", marker, b[i:end]))
		}
	}
	return strings.Join(out, "\n")
}

// logSize is the current length of the log, to show only what one test caused.
func (s *server) logSize() int64 {
	fi, err := os.Stat(s.LogPath)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// tail returns at most n lines of the log written after offset.
func (s *server) tail(offset int64, n int) string {
	f, err := os.Open(s.LogPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return err.Error()
	}
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

// showLogOnFailure prints what the server logged during t when t fails.
func (s *server) showLogOnFailure(t testing.TB) {
	off := s.logSize()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log (%s) during this test, last lines:\n%s", s.LogPath, s.tail(off, 60))
		}
	})
}

// GC runs `amphora gc -config` once against the server's keyspace and
// returns what it printed on stdout (its summary).
func (s *server) GC(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, s.bin, "gc", "-config", s.Config)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("amphora gc: %v\n%s%s", err, stdout.Bytes(), stderr.Bytes())
	}
	if bad := stderr.String(); strings.Contains(bad, "DATA RACE") || strings.Contains(bad, "panic:") {
		t.Errorf("amphora gc:\n%s", bad)
	}
	return strings.TrimSpace(stdout.String())
}

// URL is the server's base URL.
func (s *server) URL() string { return "http://" + s.Addr }
