package main

import (
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

func TestConfigListsEveryProblem(t *testing.T) {
	_, err := loadConfig(writeConfig(t, `
[server]
listen = "nope"
bogus = 1
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
`))
	if err == nil {
		t.Fatal("invalid config accepted")
	}
	for _, want := range []string{
		`unknown key "server.bogus"`, "server.listen", "log.level", "cassandra.keyspace",
		"cassandra.consistency", "cassandra.replication.factor", "storage.block_size",
		"storage.blocks_in_flight", "[[credentials]]",
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
