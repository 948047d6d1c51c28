package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// The amphora binary is built once per test binary into binDir, which
// TestMain removes at the end.
var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

// amphoraBinary returns the path of a freshly built amphora binary, built
// with the race detector when this test binary has it (set
// AMPHORA_E2E_RACE=0 to build it without).
func amphoraBinary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() { binPath, buildErr = buildAmphora() })
	if buildErr != nil {
		tb.Fatalf("build amphora: %v", buildErr)
	}
	return binPath
}

func buildAmphora() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	binDir, err = os.MkdirTemp("", "amphora-e2e-bin-")
	if err != nil {
		return "", err
	}
	out := filepath.Join(binDir, "amphora")
	args := []string{"build", "-o", out}
	if raceEnabled && os.Getenv("AMPHORA_E2E_RACE") != "0" {
		args = append(args, "-race")
	}
	args = append(args, "./cmd/amphora")
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	start := time.Now()
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go %v: %w\n%s", args, err, b)
	}
	fmt.Fprintf(os.Stderr, "integration: built %s in %s (%v)\n", out, time.Since(start).Round(time.Millisecond), args)
	return out, nil
}

// moduleRoot is the directory holding go.mod above the test's directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for range 64 {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "", fmt.Errorf("go.mod not found above the test's directory")
}
