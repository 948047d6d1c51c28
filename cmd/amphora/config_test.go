package main

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "amphora.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExampleConfigLoads(t *testing.T) {
	// The example must stay valid once a datacenter is named.
	b, err := os.ReadFile("../../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Replace(string(b), "# datacenter1 = 3", "datacenter1 = 3", 1)
	cfg, err := loadConfig(writeConfig(t, body))
	if err != nil {
		t.Fatalf("example config: %v", err)
	}
	if cfg.Storage.BlockSize != 1<<20 || cfg.Storage.GCGrace.Duration != 15*time.Minute {
		t.Fatalf("example values not read: %+v", cfg.Storage)
	}
	if cfg.Cassandra.Replication.Datacenters["datacenter1"] != 3 {
		t.Fatalf("datacenters not read: %+v", cfg.Cassandra.Replication)
	}
}

// TestPackagingConfigLoads: the config packaging/compose.yaml mounts is
// one amphora serve takes.
func TestPackagingConfigLoads(t *testing.T) {
	cfg, err := loadConfig("../../packaging/amphora.toml")
	if err != nil {
		t.Fatalf("packaging/amphora.toml: %v", err)
	}
	if len(cfg.Cassandra.Hosts) != 3 || cfg.Cassandra.Replication.Datacenters["dc1"] != 3 || len(cfg.Credentials) != 1 {
		t.Fatalf("packaging config not read as meant: %+v", cfg.Cassandra)
	}
}

func TestConfigListsEveryProblem(t *testing.T) {
	_, err := loadConfig(writeConfig(t, `
[server]
listen = "nope"
bogus = 1
client_timeout = "-1s"
max_header_bytes = "1KiB"
[log]
level = "loud"
[cassandra]
keyspace = "9bad"
consistency = "SOMETIMES"
[cassandra.replication]
class = "SimpleStrategy"
factor = 0
[storage]
block_size = "64MiB"
blocks_in_flight = 0
max_block_buffers = 8
`))
	if err == nil {
		t.Fatal("invalid config accepted")
	}
	for _, want := range []string{
		`unknown key "server.bogus"`, "server.listen", "log.level", "cassandra.keyspace",
		"cassandra.consistency", "cassandra.replication.factor", "storage.block_size",
		"storage.blocks_in_flight", "server.client_timeout", "server.max_header_bytes",
		"storage.max_block_buffers",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
}

func TestConfigSizesAndDurations(t *testing.T) {
	cfg, err := loadConfig(writeConfig(t, `
[storage]
block_size = "256KiB"
gc_grace = "2s"
[cassandra.replication]
class = "SimpleStrategy"
factor = 1
[[credentials]]
access_key = "AK"
secret_key = "0123456789abcdef"
tenant = "t"
`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Storage.BlockSize != 256<<10 || cfg.Storage.GCGrace.Duration != 2*time.Second {
		t.Fatalf("got %+v", cfg.Storage)
	}
	if _, err := loadConfig(writeConfig(t, "[storage]\nblock_size = \"1 parsec\"\n")); err == nil ||
		!strings.Contains(err.Error(), "invalid size") {
		t.Fatalf("bad size accepted: %v", err)
	}
	if _, err := loadConfig(writeConfig(t, "[server]\nshutdown_timeout = \"soon\"\n")); err == nil ||
		!strings.Contains(err.Error(), "invalid duration") {
		t.Fatalf("bad duration accepted: %v", err)
	}
}

func TestDuplicateAccessKeyRejected(t *testing.T) {
	_, err := loadConfig(writeConfig(t, `
[cassandra.replication]
class = "SimpleStrategy"
factor = 1
[[credentials]]
access_key = "AK"
secret_key = "0123456789abcdef"
tenant = "a"
[[credentials]]
access_key = "AK"
secret_key = "0123456789abcdef"
tenant = "b"
`))
	if err == nil || !strings.Contains(err.Error(), "appears twice") {
		t.Fatalf("duplicate key accepted: %v", err)
	}
}

func TestConfigTLS(t *testing.T) {
	creds := "\n[cassandra.replication]\nclass = \"SimpleStrategy\"\nfactor = 1\n" +
		"[[credentials]]\naccess_key = \"AK\"\nsecret_key = \"0123456789abcdef\"\ntenant = \"t\"\n"
	for _, c := range []struct {
		name, server, want string
	}{
		{"tls without cert", "tls_listen = \"127.0.0.1:8443\"", "needs server.tls_cert and server.tls_key"},
		{"cert without listener", "tls_cert = \"c.pem\"\ntls_key = \"k.pem\"", "server.tls_listen is empty"},
		{"nothing to serve", "listen = \"\"", "nothing to serve"},
		{"bad tls address", "tls_listen = \"nope\"\ntls_cert = \"c\"\ntls_key = \"k\"", "server.tls_listen \"nope\""},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := loadConfig(writeConfig(t, "[server]\n"+c.server+"\n"+creds))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, c.want)
			}
		})
	}
	cfg, err := loadConfig(writeConfig(t, "[server]\nlisten = \"\"\ntls_listen = \"127.0.0.1:8443\"\ntls_cert = \"c.pem\"\ntls_key = \"k.pem\"\ntrust_forwarded_host = true\n"+creds))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.TLSListen != "127.0.0.1:8443" || !cfg.Server.TrustForwardedHost {
		t.Fatalf("server config = %+v", cfg.Server)
	}
}

// The block buffer budget follows max_blocks_in_flight unless set, so
// raising the one alone never makes a config invalid.
func TestBlockBuffersDefault(t *testing.T) {
	base := `
[cassandra.replication]
class = "SimpleStrategy"
factor = 1
[[credentials]]
access_key = "AK"
secret_key = "0123456789abcdef"
tenant = "t"
`
	for _, tc := range []struct {
		storage string
		want    int
	}{
		{"", 128},
		{"[storage]\nmax_blocks_in_flight = 256\n", 512},
		{"[storage]\nmax_block_buffers = 200\n", 200},
	} {
		cfg, err := loadConfig(writeConfig(t, tc.storage+base))
		if err != nil {
			t.Fatalf("%q: %v", tc.storage, err)
		}
		if got := cfg.Storage.blockBuffers(); got != tc.want {
			t.Errorf("%q: %d block buffers, want %d", tc.storage, got, tc.want)
		}
	}
}

func TestMasterKey(t *testing.T) {
	base := "[cassandra.replication]\nclass = \"SimpleStrategy\"\nfactor = 1\n"
	good := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	cfg, err := loadConfig(writeConfig(t, base+"[accounts]\nmaster_key = \""+good+"\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if k, err := cfg.Accounts.masterKey(); err != nil || len(k) != 32 {
		t.Errorf("master key: %d bytes, %v", len(k), err)
	}
	if _, err := loadConfig(writeConfig(t, base+"[accounts]\nmaster_key = \"c2hvcnQ=\"\n")); err == nil || !strings.Contains(err.Error(), "32 bytes") {
		t.Errorf("a short master key: %v", err)
	}
	t.Setenv(masterKeyEnv, base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{2}, 32)))
	if k, _ := cfg.Accounts.masterKey(); k[0] != 2 {
		t.Errorf("the environment's master key does not win")
	}
}
