package integration

import (
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
)

// s3cmdTimeout bounds one s3cmd run.
const s3cmdTimeout = 2 * time.Minute

// s3cmd runs the real s3cmd CLI with a config file of its own.
type s3cmd struct {
	cfg string // .s3cfg path
	dir string // working directory and HOME
}

// newS3cmd writes an .s3cfg exactly like the seed quick start's, pointed at
// the server (path style). With virtualHost, host_bucket is
// %(bucket)s.localhost:PORT; when *.localhost does not resolve here, s3cmd
// is told to use the server as its HTTP proxy instead, which sends the same
// virtual-host requests (absolute URIs with Host bucket.localhost:PORT)
// without DNS.
func newS3cmd(t *testing.T, s *server, tn tenant, virtualHost bool) *s3cmd {
	t.Helper()
	if _, err := exec.LookPath("s3cmd"); err != nil {
		t.Fatalf("s3cmd not installed (scripts/test-deps.sh installs it): %v", err)
	}
	dir := t.TempDir()
	hostBase, hostBucket := s.Addr, s.Addr
	extra := ""
	if virtualHost {
		hostBase = "localhost:" + s.port()
		hostBucket = "%(bucket)s.localhost:" + s.port()
		if !resolves("my-new-bucket.localhost") {
			extra = fmt.Sprintf("proxy_host = 127.0.0.1\nproxy_port = %s\n", s.port())
		}
	}
	cfg := fmt.Sprintf(`[default]
host_base = %s
host_bucket = %s
access_key = %s
secret_key = %s
use_https = False
signature_v2 = True
%s`, hostBase, hostBucket, tn.AccessKey, tn.SecretKey, extra)
	path := filepath.Join(dir, ".s3cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return &s3cmd{cfg: path, dir: dir}
}

// try runs s3cmd -c CFG args... and returns its combined output.
func (c *s3cmd) try(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), s3cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "s3cmd", append([]string{"-c", c.cfg}, args...)...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "HOME="+c.dir, "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "PYTHONIOENCODING=utf-8")
	out, err := cmd.CombinedOutput()
	if err == nil && strings.Contains(string(out), "Retrying") {
		// s3cmd retries 5xx and resets silently; a healthy server needs none.
		err = fmt.Errorf("s3cmd had to retry")
	}
	return string(out), err
}

// run is try that fails the test with s3cmd's output on a non-zero exit.
func (c *s3cmd) run(t *testing.T, args ...string) string {
	t.Helper()
	out, err := c.try(args...)
	if err != nil {
		t.Fatalf("s3cmd %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// path is a file name inside the s3cmd working directory.
func (c *s3cmd) path(name string) string { return filepath.Join(c.dir, name) }

// lsEntry is one line of `s3cmd ls`.
type lsEntry struct {
	Dir  bool
	Size int64
	MD5  string // with --list-md5
	URI  string
}

var (
	lsObjectRE = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d\s+(\d+)\s+(?:([0-9a-f]{32}(?:-\d+)?)\s+)?(s3://.*)$`)
	lsDirRE    = regexp.MustCompile(`^\s*DIR\s+(s3://.*)$`)
	lsBucketRE = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d\s+(s3://\S+)$`)
)

// parseLs parses `s3cmd ls` output (buckets, objects or DIR lines);
// lines matching none fail the test.
func parseLs(t *testing.T, out string) []lsEntry {
	t.Helper()
	var es []lsEntry
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		if m := lsObjectRE.FindStringSubmatch(line); m != nil {
			n, _ := strconv.ParseInt(m[1], 10, 64)
			es = append(es, lsEntry{Size: n, MD5: m[2], URI: m[3]})
		} else if m := lsDirRE.FindStringSubmatch(line); m != nil {
			es = append(es, lsEntry{Dir: true, URI: m[1]})
		} else if m := lsBucketRE.FindStringSubmatch(line); m != nil {
			es = append(es, lsEntry{URI: m[1]})
		} else {
			t.Fatalf("unexpected s3cmd ls line %q in:\n%s", line, out)
		}
	}
	return es
}
