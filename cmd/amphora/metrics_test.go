package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

func TestConfigMetrics(t *testing.T) {
	base := "\n[cassandra.replication]\nclass = \"SimpleStrategy\"\nfactor = 1\n" +
		"[[credentials]]\naccess_key = \"AK\"\nsecret_key = \"0123456789abcdef\"\ntenant = \"t\"\n"
	cfg, err := loadConfig(writeConfig(t, base))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Metrics.Listen != "" {
		t.Errorf("metrics on by default: %q", cfg.Metrics.Listen)
	}
	cfg, err = loadConfig(writeConfig(t, "[metrics]\nlisten = \"127.0.0.1:9100\"\n"+base))
	if err != nil || cfg.Metrics.Listen != "127.0.0.1:9100" {
		t.Fatalf("metrics.listen: %q, %v", cfg.Metrics.Listen, err)
	}
	for _, c := range []struct{ body, want string }{
		{"[metrics]\nlisten = \"9100\"\n", `metrics.listen "9100" is not host:port`},
		{"[metrics]\nlisten = \"127.0.0.1:8080\"\n", "is also server.listen"},
		{"[server]\ndebug_listen = \"127.0.0.1:6060\"\n[metrics]\nlisten = \"127.0.0.1:6060\"\n", "is also server.debug_listen"},
		{"[metrics]\nlisten = \"127.0.0.1:9100\"\npath = \"/m\"\n", `unknown key "metrics.path"`},
	} {
		if _, err := loadConfig(writeConfig(t, c.body+base)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want an error mentioning %q", c.body, err, c.want)
		}
	}
}

// The monitoring listener answers as soon as serve starts: live, not
// ready until S3 is served, and not ready again once shutdown begins.
func TestMonitoringLifecycle(t *testing.T) {
	if m, err := startMonitoring("", zerolog.Nop()); m != nil || err != nil {
		t.Fatalf("metrics off: %v, %v", m, err)
	}
	m, err := startMonitoring("127.0.0.1:0", zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer m.close()
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get("http://" + m.addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/health/live"); code != 200 {
		t.Errorf("live: %d", code)
	}
	if code, body := get("/health/ready"); code != 503 || !strings.Contains(body, "starting") {
		t.Errorf("ready before serving: %d %q", code, body)
	}
	if code, body := get("/metrics"); code != 200 || !strings.Contains(body, "amphora_build_info") || !strings.Contains(body, "go_goroutines") {
		t.Errorf("metrics: %d\n%.300s", code, body)
	}
	m.stop()
	if err := m.ready(context.Background()); !errors.Is(err, errStopping) {
		t.Errorf("ready after stop: %v", err)
	}
	if _, err := startMonitoring(m.addr, zerolog.Nop()); err == nil || !strings.Contains(err.Error(), "metrics listen") {
		t.Errorf("a second listener on %s: %v", m.addr, err)
	}
}
