package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/keyring"
)

// TestKeygen: amphora keygen prints a [[key]] entry that a key file
// loads as is; a bad id is refused.
func TestKeygen(t *testing.T) {
	var out bytes.Buffer
	if err := keygen([]string{"-id", "2026-12"}, &out); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "keys.toml")
	if err := os.WriteFile(path, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	ring, _, err := keyring.LoadFile(path)
	if err != nil || ring.Default() != "2026-12" {
		t.Fatalf("keygen's output as a key file: %v\n%s", err, out.String())
	}
	if err := keygen([]string{"-id", "a:b"}, &out); err == nil {
		t.Error("keygen accepted the id a:b")
	}
	if err := keygen(nil, &out); err == nil {
		t.Error("keygen without -id")
	}
}

// TestEncryptionConfig: a key file that does not load is a config
// problem naming encryption.key_file; loading logs the ids and check
// values, never the secrets.
func TestEncryptionConfig(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("[[key]]\nid = \"k\"\nsecret = \"c2hvcnQ=\"\n"), 0o600)
	p := EncryptionConfig{KeyFile: bad}.validate()
	if len(p) != 1 || !strings.HasPrefix(p[0], "encryption.key_file: ") {
		t.Fatalf("problems %q", p)
	}
	if p := (EncryptionConfig{}).validate(); p != nil {
		t.Fatalf("no key file: %q", p)
	}
	secret, _ := keyring.NewSecret()
	good := filepath.Join(dir, "good.toml")
	os.WriteFile(good, []byte("[[key]]\nid = \"k\"\nsecret = \""+secret+"\"\n"), 0o644)
	var logs bytes.Buffer
	ring, err := loadKeyRing(EncryptionConfig{KeyFile: good}, zerolog.New(&logs))
	if err != nil || ring == nil || !ring.Has("k") {
		t.Fatalf("load: %v", err)
	}
	if !strings.Contains(logs.String(), "k (check ") || !strings.Contains(logs.String(), "anyone may read") || strings.Contains(logs.String(), secret) {
		t.Errorf("log: %s", logs.String())
	}
	if ring, err := loadKeyRing(EncryptionConfig{}, zerolog.Nop()); ring != nil || err != nil {
		t.Errorf("no key file: %v %v", ring, err)
	}
}
