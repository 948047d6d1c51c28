package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigCassandraTLS(t *testing.T) {
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, []byte("-----BEGIN CERTIFICATE-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := "[cassandra.replication]\nclass = \"SimpleStrategy\"\nfactor = 1\n"

	cfg, err := loadConfig(writeConfig(t, base+"[cassandra.tls]\nenabled = true\nca_file = \""+ca+"\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Cassandra.TLS.VerifyHost {
		t.Error("verify_host must default to true")
	}
	sc := storeConfig(cfg)
	if !sc.TLS.Enabled || sc.TLS.CAFile != ca || sc.TLS.SkipHostVerification {
		t.Errorf("store TLS = %+v", sc.TLS)
	}

	_, err = loadConfig(writeConfig(t, base+`[cassandra.tls]
enabled = true
ca_file = "`+filepath.Join(dir, "missing.pem")+`"
cert_file = "`+ca+`"
key_file = "`+dir+`"
server_name = "db.example"
verify_host = false
`))
	for _, want := range []string{
		"cassandra.tls.ca_file: stat", "missing.pem: no such file",
		"cassandra.tls.key_file", "is a directory",
		"cassandra.tls.server_name is set but cassandra.tls.verify_host is false",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	_, err = loadConfig(writeConfig(t, base+"[cassandra.tls]\nenabled = true\ncert_file = \""+ca+"\"\n"))
	if err == nil || !strings.Contains(err.Error(), "cassandra.tls.cert_file and cassandra.tls.key_file go together") {
		t.Errorf("cert without key: %v", err)
	}
	_, err = loadConfig(writeConfig(t, base+"[cassandra.tls]\nca_file = \""+ca+"\"\n"))
	if err == nil || !strings.Contains(err.Error(), "cassandra.tls.ca_file is set but cassandra.tls.enabled is false") {
		t.Errorf("files with TLS off: %v", err)
	}
}

func TestConfigCassandraPassword(t *testing.T) {
	base := "[cassandra.replication]\nclass = \"SimpleStrategy\"\nfactor = 1\n"
	login := func(lines string) string {
		return "[cassandra]\nusername = \"amphora\"\n" + lines + base
	}
	t.Setenv(cassandraPasswordEnv, "")

	cfg, err := loadConfig(writeConfig(t, login("password = \"from-file\"\n")))
	if err != nil {
		t.Fatal(err)
	}
	if got := storeConfig(cfg).Password; got != "from-file" {
		t.Errorf("password = %q, want the file's", got)
	}

	t.Setenv(cassandraPasswordEnv, "from-default-env")
	if cfg, err = loadConfig(writeConfig(t, login("password = \"from-file\"\n"))); err != nil {
		t.Fatal(err)
	}
	if got := storeConfig(cfg).Password; got != "from-default-env" {
		t.Errorf("password = %q, want %s's", got, cassandraPasswordEnv)
	}
	if cfg, err = loadConfig(writeConfig(t, login(""))); err != nil {
		t.Fatalf("password only in %s: %v", cassandraPasswordEnv, err)
	}

	t.Setenv("MY_CASSANDRA_PW", "from-named-env")
	if cfg, err = loadConfig(writeConfig(t, login("password_env = \"MY_CASSANDRA_PW\"\n"))); err != nil {
		t.Fatal(err)
	}
	if got := storeConfig(cfg).Password; got != "from-named-env" {
		t.Errorf("password = %q, want MY_CASSANDRA_PW's", got)
	}

	// A default password in the environment is no login by itself.
	if cfg, err = loadConfig(writeConfig(t, base)); err != nil {
		t.Fatal(err)
	}
	if sc := storeConfig(cfg); sc.Username != "" || sc.Password != "" {
		t.Errorf("login without username: %q / %q", sc.Username, sc.Password)
	}

	t.Setenv(cassandraPasswordEnv, "")
	for body, want := range map[string]string{
		login("password_env = \"UNSET_CASSANDRA_PW_VAR\"\n"):            "cassandra.password_env names UNSET_CASSANDRA_PW_VAR, which is unset or empty",
		login("password = \"x\"\npassword_env = \"MY_CASSANDRA_PW\"\n"): "cassandra.password and cassandra.password_env are both set",
		login(""): "cassandra.username needs a password",
		"[cassandra]\npassword = \"secret-value\"\n" + base: "cassandra.username is empty",
	} {
		_, err := loadConfig(writeConfig(t, body))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", body, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "secret-value") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}
