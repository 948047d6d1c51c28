package integration

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The ~/.s3cfg that `make run` prints works pasted as is: the lines from
// [default] to the blank line, byte for byte, drive s3cmd through the
// quick start, with no warning about the file.
func TestMakeRunS3cfg(t *testing.T) {
	s := shared(t)
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(root, "scripts", "run-local.sh"))
	cmd.Env = append(os.Environ(), "BANNER_ONLY=1", "LISTEN="+s.Addr, "METRICS_LISTEN="+s.MetricsAddr, "CONSOLE_LISTEN="+s.ConsoleAddr,
		"AMPHORA_ACCESS_KEY="+tenantA.AccessKey, "AMPHORA_SECRET_KEY="+tenantA.SecretKey)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("run-local.sh banner: %v\n%s", err, out)
	}
	banner := string(out)
	start := strings.Index(banner, "\n[default]\n")
	if start < 0 {
		t.Fatalf("no [default] line in the banner:\n%s", banner)
	}
	cfg, _, ok := strings.Cut(banner[start+1:], "\n\n")
	if !ok {
		t.Fatalf("the .s3cfg block does not end with a blank line:\n%s", banner)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, ".s3cfg")
	if err := os.WriteFile(path, []byte(cfg+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := &s3cmd{cfg: path, dir: dir}
	const bucket = "make-run-s3cfg"
	for _, args := range [][]string{{"mb", "s3://" + bucket}, {"ls"}} {
		if out := c.run(t, args...); strings.Contains(out, "WARNING") {
			t.Errorf("s3cmd %v warns about the printed config:\n%s", args, out)
		}
	}
	local := filepath.Join(dir, "picture.jpg")
	if err := os.WriteFile(local, payloadBytes(t, 7, 3000), 0o600); err != nil {
		t.Fatal(err)
	}
	c.run(t, "put", local, "s3://"+bucket+"/picture.jpg")
	c.run(t, "get", "s3://"+bucket+"/picture.jpg", filepath.Join(dir, "back.jpg"))
	c.run(t, "del", "s3://"+bucket+"/picture.jpg")
	c.run(t, "rb", "s3://"+bucket)

	// The metrics, health and console URLs it prints answer as printed.
	for _, label := range []string{"metrics: ", "health: ", "web console: "} {
		i := strings.Index(banner, label)
		if i < 0 {
			t.Errorf("the banner has no %q:\n%s", label, banner)
			continue
		}
		url := strings.Fields(banner[i+len(label):])[0]
		code, body, err := httpGet(url)
		if err != nil || code != 200 {
			t.Errorf("GET %s (from the banner): %d %v", url, code, err)
		}
		if label == "metrics: " && !strings.Contains(body, `amphora_s3_requests_total{code="200",op="PutObject"}`) {
			t.Errorf("%s does not count the s3cmd put", url)
		}
		if label == "web console: " && !strings.Contains(body, "Amphora console") {
			t.Errorf("%s is not the console's page", url)
		}
	}
}
