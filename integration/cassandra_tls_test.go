package integration

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// The Cassandra TLS test runs the real binary against a node with
// client_encryption_options (and PasswordAuthenticator) on, which
// `make test-tls` starts on an address of its own:
//
//	AMPHORA_TLS_CASSANDRA_HOSTS     host:port of the TLS node(s), comma-separated
//	AMPHORA_TLS_CASSANDRA_CA        the CA file (scripts/cassandra.sh tls-env)
//	AMPHORA_TLS_CASSANDRA_CERT/KEY  a client certificate and key (optional)
//	AMPHORA_TLS_CASSANDRA_USER      a login (optional); its password in
//	AMPHORA_TLS_CASSANDRA_PASSWORD  (handed to amphora as AMPHORA_CASSANDRA_PASSWORD)
//	AMPHORA_TLS_CASSANDRA_CLIENT_AUTH=1  the node requires client certificates
//
// Without AMPHORA_TLS_CASSANDRA_HOSTS the test is skipped.
type tlsCassandra struct {
	hosts          []string
	ca, cert, key  string
	user, password string
	clientAuth     bool
}

// tlsRefusal is a frontend that must not start, and what its error says.
type tlsRefusal struct {
	name  string
	lines []string // [cassandra.tls] after enabled = true
	login string   // [cassandra] lines
	plain bool     // no [cassandra.tls] at all
	env   map[string]string
	want  []string // every one in the last line of the output
}

func tlsCassandraEnv(t *testing.T) tlsCassandra {
	t.Helper()
	if testing.Short() {
		t.Skip("needs a TLS Cassandra node")
	}
	hosts := os.Getenv("AMPHORA_TLS_CASSANDRA_HOSTS")
	if hosts == "" {
		t.Skip("AMPHORA_TLS_CASSANDRA_HOSTS unset: `make test-tls` starts a TLS node and runs this test")
	}
	e := tlsCassandra{
		ca:         os.Getenv("AMPHORA_TLS_CASSANDRA_CA"),
		cert:       os.Getenv("AMPHORA_TLS_CASSANDRA_CERT"),
		key:        os.Getenv("AMPHORA_TLS_CASSANDRA_KEY"),
		user:       os.Getenv("AMPHORA_TLS_CASSANDRA_USER"),
		password:   os.Getenv("AMPHORA_TLS_CASSANDRA_PASSWORD"),
		clientAuth: os.Getenv("AMPHORA_TLS_CASSANDRA_CLIENT_AUTH") == "1",
	}
	for _, h := range strings.Split(hosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			e.hosts = append(e.hosts, h)
		}
	}
	if e.ca == "" {
		t.Fatal("AMPHORA_TLS_CASSANDRA_CA must name the node's CA file (scripts/cassandra.sh tls-env prints it)")
	}
	return e
}

// tlsConfigTOML is configTOML with a login and a [cassandra.tls] section;
// tlsLines replaces the section's lines after enabled = true.
func (e tlsCassandra) configTOML(addr, keyspace string, o serverOptions, login string, tlsLines ...string) string {
	cfg := configTOML(addr, e.hosts, keyspace, o)
	cfg = strings.Replace(cfg, "apply_schema = true\n", "apply_schema = true\n"+login, 1)
	var b strings.Builder
	b.WriteString(cfg)
	b.WriteString("\n[cassandra.tls]\nenabled = true\n")
	for _, l := range tlsLines {
		b.WriteString(l + "\n")
	}
	return b.String()
}

// options are the quick start's server options: on a ring (make test-tls
// starts three nodes), every object on every node (RF 3) at QUORUM.
func (e tlsCassandra) options() serverOptions {
	o := defaultOptions()
	if n := len(e.hosts); n > 1 {
		o.ReplicationFactor = min(n, 3)
		o.Consistency = "QUORUM"
	}
	return o
}

// files are the [cassandra.tls] lines of a client that has everything.
func (e tlsCassandra) files() []string {
	l := []string{fmt.Sprintf("ca_file = %q", e.ca)}
	if e.cert != "" {
		l = append(l, fmt.Sprintf("cert_file = %q", e.cert), fmt.Sprintf("key_file = %q", e.key))
	}
	return l
}

// login is the [cassandra] lines of the login; the password comes from
// AMPHORA_CASSANDRA_PASSWORD, which the test sets.
func (e tlsCassandra) login() string {
	if e.user == "" {
		return ""
	}
	return fmt.Sprintf("username = %q\n", e.user)
}

// The s3cmd quick start through a frontend whose every Cassandra
// connection is TLS (mutual when the node requires it) and logged in;
// then frontends that must refuse to start, each with a message that
// says what to fix.
func TestCassandraTLS(t *testing.T) {
	e := tlsCassandraEnv(t)
	bin := amphoraBinary(t)
	if e.user != "" {
		t.Setenv("AMPHORA_CASSANDRA_PASSWORD", e.password)
	}

	// One keyspace for the quick start and the connection variants after
	// it: creating the schema again waits for the ring's schema agreement
	// table after table (minutes on 2 cores); applying it to a keyspace
	// that has it only connects and checks.
	ks := newKeyspaceName()
	t.Cleanup(func() { e.dropKeyspace(t, ks) })
	t.Run("QuickStart", func(t *testing.T) {
		addr, err := freeAddr()
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		s := &server{Addr: addr, Hosts: e.hosts, Keyspace: ks, Options: e.options(), bin: bin,
			Config: filepath.Join(dir, "amphora.toml"), LogPath: filepath.Join(dir, "amphora.log")}
		if err := os.WriteFile(s.Config, []byte(e.configTOML(addr, ks, s.Options, e.login(), e.files()...)), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := s.start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := s.Stop(); err != nil {
				t.Errorf("stop server: %v", err)
			}
		})
		s.showLogOnFailure(t)
		quickStart(t, newS3cmd(t, s, tenantA, false), "tls-quick-start")
		if log, err := os.ReadFile(s.LogPath); err == nil && e.password != "" && strings.Contains(string(log), e.password) && e.password != e.user {
			t.Errorf("the server log holds the Cassandra password")
		}
	})

	refused := []tlsRefusal{
		{name: "NoCA", lines: without(e.files(), "ca_file"), login: e.login(),
			want: []string{"certificate signed by unknown authority", "cassandra.tls.ca_file"}},
		{name: "WrongServerName", lines: append(e.files(), `server_name = "wrong.example"`), login: e.login(),
			want: []string{"not wrong.example", "cassandra.tls.server_name"}},
		// verify_host = false skips the name, never the chain.
		{name: "NoHostCheckStillChecksCA", lines: append(without(e.files(), "ca_file"), "verify_host = false"), login: e.login(),
			want: []string{"certificate signed by unknown authority"}},
		{name: "PlainToTLSPort", login: e.login(), plain: true, want: []string{"cassandra.tls"}},
	}
	if e.clientAuth {
		refused = append(refused, tlsRefusal{name: "NoClientCertificate", lines: []string{fmt.Sprintf("ca_file = %q", e.ca)}, login: e.login(),
			want: []string{"certificate required", "cassandra.tls.cert_file"}})
	}
	if e.user != "" {
		refused = append(refused, tlsRefusal{name: "WrongPassword", lines: e.files(), login: e.login() + "password_env = \"AMPHORA_TLS_TEST_WRONG_PASSWORD\"\n",
			env:  map[string]string{"AMPHORA_TLS_TEST_WRONG_PASSWORD": "not-" + e.password},
			want: []string{"password are incorrect"}})
	}
	// Names that the node's certificate carries (localhost is a SAN of
	// the script's), or none checked: schema apply connects and succeeds.
	for _, c := range []struct {
		name  string
		lines []string
	}{
		{"ServerNameLocalhost", append(e.files(), `server_name = "localhost"`)},
		{"NoHostCheck", append(e.files(), "verify_host = false")},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "amphora.toml")
			if err := os.WriteFile(path, []byte(e.configTOML("127.0.0.1:0", ks, e.options(), e.login(), c.lines...)), 0o600); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			if out, err := exec.CommandContext(ctx, bin, "schema", "apply", "-config", path).CombinedOutput(); err != nil {
				t.Fatalf("schema apply: %v\n%s", err, tailLines(out, 20))
			}
		})
	}

	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := e.configTOML("127.0.0.1:0", newKeyspaceName(), defaultOptions(), c.login, c.lines...)
			if c.plain {
				cfg = strings.Replace(cfg, "\n[cassandra.tls]\nenabled = true\n", "\n", 1)
			}
			path := filepath.Join(dir, "amphora.toml")
			if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "serve", "-config", path)
			cmd.Env = os.Environ()
			for k, v := range c.env {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			out, err := cmd.CombinedOutput()
			if ctx.Err() != nil {
				t.Fatalf("amphora serve did not give up within 90s; output:\n%s", tailLines(out, 20))
			}
			if err == nil {
				t.Fatalf("amphora serve started; want a refusal. Output:\n%s", tailLines(out, 20))
			}
			last := lastLine(out)
			for _, w := range c.want {
				if !strings.Contains(last, w) {
					t.Errorf("the error does not say %q:\n%s", w, last)
				}
			}
			if e.password != "" && strings.Contains(string(out), e.password) && e.password != e.user {
				t.Errorf("the output holds the Cassandra password")
			}
			t.Logf("refused: %s", last)
		})
	}
}

// without drops the lines that set key.
func without(lines []string, key string) []string {
	var out []string
	for _, l := range lines {
		if !strings.HasPrefix(l, key+" ") {
			out = append(out, l)
		}
	}
	return out
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

func tailLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// dropKeyspace drops ks over a session like the server's.
func (e tlsCassandra) dropKeyspace(t *testing.T, ks string) {
	if os.Getenv("AMPHORA_KEEP_KEYSPACE") != "" {
		t.Logf("keeping keyspace %s", ks)
		return
	}
	c := gocql.NewCluster(e.hosts...)
	c.Timeout = 30 * time.Second
	c.ConnectTimeout = 10 * time.Second
	tc := &tls.Config{RootCAs: x509.NewCertPool()}
	pem, err := os.ReadFile(e.ca)
	if err != nil || !tc.RootCAs.AppendCertsFromPEM(pem) {
		t.Logf("drop keyspace %s: CA %s: %v", ks, e.ca, err)
		return
	}
	if e.cert != "" {
		cert, err := tls.LoadX509KeyPair(e.cert, e.key)
		if err != nil {
			t.Logf("drop keyspace %s: %v", ks, err)
			return
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	c.SslOpts = &gocql.SslOptions{Config: tc}
	if e.user != "" {
		c.Authenticator = gocql.PasswordAuthenticator{Username: e.user, Password: e.password}
	}
	s, err := c.CreateSession()
	if err != nil {
		t.Logf("drop keyspace %s: %v", ks, err)
		return
	}
	defer s.Close()
	if err := s.Query("DROP KEYSPACE IF EXISTS " + ks).Exec(); err != nil {
		t.Logf("drop keyspace %s: %v", ks, err)
	}
}
