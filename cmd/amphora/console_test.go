package main

import (
	"strings"
	"testing"
	"time"
)

func TestConfigConsole(t *testing.T) {
	base := "\n[cassandra.replication]\nclass = \"SimpleStrategy\"\nfactor = 1\n" +
		"[[credentials]]\naccess_key = \"AK\"\nsecret_key = \"0123456789abcdef\"\ntenant = \"t\"\n"
	cfg, err := loadConfig(writeConfig(t, base))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Console.Listen != "" || cfg.Console.SessionTTL.Duration != 12*time.Hour {
		t.Errorf("console defaults: %+v, want off and a 12h session", cfg.Console)
	}
	cfg, err = loadConfig(writeConfig(t, "[console]\nlisten = \"127.0.0.1:9001\"\nsession_ttl = \"1h\"\npublic_url = \"https://console.example.org\"\n"+base))
	if err != nil || cfg.Console.Listen != "127.0.0.1:9001" || cfg.Console.SessionTTL.Duration != time.Hour || cfg.Console.PublicURL != "https://console.example.org" {
		t.Fatalf("console section: %+v, %v", cfg.Console, err)
	}
	for _, c := range []struct{ body, want string }{
		{"[console]\nlisten = \"9001\"\n", `console.listen "9001" is not host:port`},
		{"[console]\nlisten = \"127.0.0.1:8080\"\n", "is also server.listen"},
		{"[metrics]\nlisten = \"127.0.0.1:9100\"\n[console]\nlisten = \"127.0.0.1:9100\"\n", "is also metrics.listen"},
		{"[console]\nsession_ttl = \"10s\"\n", "console.session_ttl must be between 1m and 720h"},
		{"[console]\ns3_url = \"127.0.0.1:8080\"\n", `console.s3_url "127.0.0.1:8080" must be http(s)://host[:port]`},
		{"[console]\npublic_url = \"https://x.example/console\"\n", "console.public_url"},
		{"[console]\nlisten = \"127.0.0.1:9001\"\ntls = true\n", "console.tls needs server.tls_cert and server.tls_key"},
		{"[console]\npath = \"/console\"\n", `unknown key "console.path"`},
	} {
		if _, err := loadConfig(writeConfig(t, c.body+base)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want an error mentioning %q", c.body, err, c.want)
		}
	}
}

// The console's links point at console.s3_url, else at the S3 listener;
// a listener on every address means the host the browser used.
func TestConsoleS3URL(t *testing.T) {
	for _, c := range []struct {
		console ConsoleConfig
		server  ServerConfig
		want    string
	}{
		{ConsoleConfig{}, ServerConfig{Listen: "127.0.0.1:8080"}, "http://127.0.0.1:8080"},
		{ConsoleConfig{}, ServerConfig{Listen: "0.0.0.0:8080"}, "http://:8080"},
		{ConsoleConfig{}, ServerConfig{Listen: ":8080"}, "http://:8080"},
		{ConsoleConfig{}, ServerConfig{Listen: "[::]:8080"}, "http://:8080"},
		{ConsoleConfig{}, ServerConfig{Listen: "[::1]:8080"}, "http://[::1]:8080"},
		{ConsoleConfig{}, ServerConfig{TLSListen: "10.0.0.5:8443"}, "https://10.0.0.5:8443"},
		{ConsoleConfig{S3URL: "https://s3.example.org"}, ServerConfig{Listen: "127.0.0.1:8080"}, "https://s3.example.org"},
	} {
		if got := c.console.s3URL(c.server); got != c.want {
			t.Errorf("%+v %+v: %s, want %s", c.console, c.server, got, c.want)
		}
	}
}
