package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestListingBinary: `amphora listing` shows a bucket's listing ranges
// (text and -json, counted), and `amphora serve` runs the listing worker
// (its passes are counted in amphora_listing_passes_total).
func TestListingBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	s := newServer(t, defaultOptions())
	aws := newAWSCLI(t, s, tenantA, awsOpts{})
	src := aws.path("f")
	if err := os.WriteFile(src, []byte("listed"), 0o600); err != nil {
		t.Fatal(err)
	}
	aws.run(t, "s3api", "create-bucket", "--bucket", "listed")
	for _, k := range []string{"a", "b/c", "d"} {
		aws.run(t, "s3api", "put-object", "--bucket", "listed", "--key", k, "--body", src)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, s.bin, "listing", "-config", s.Config, "-bucket", "listed", "-count", "-json").Output()
	if err != nil {
		t.Fatalf("amphora listing -json: %v\n%s", err, out)
	}
	var got struct {
		Bucket string
		Ranges []struct {
			Start string
			Part  int
			Rows  int64
		}
	}
	if err := json.Unmarshal(out, &got); err != nil || got.Bucket != "listed" || len(got.Ranges) != 1 || got.Ranges[0].Rows != 3 {
		t.Fatalf("amphora listing -json: %v\n%s", err, out)
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, s.bin, "listing", "-config", s.Config, "-bucket", "listed", "-count")
	cmd.Stderr = &stderr
	out, err = cmd.Output()
	if err != nil || !strings.Contains(string(out), "listed: 1 ranges") || !strings.Contains(string(out), ", 3 rows") {
		t.Fatalf("amphora listing: %v\n%s%s", err, out, stderr.String())
	}
	if out, err := exec.CommandContext(ctx, s.bin, "listing", "-config", s.Config, "-bucket", "missing").CombinedOutput(); err == nil {
		t.Fatalf("amphora listing of a missing bucket succeeded:\n%s", out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for scrape(t, s)["amphora_listing_passes_total{}"] < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("no listing pass counted after 30s\n%s", s.logProblems())
		}
		time.Sleep(300 * time.Millisecond)
	}
}
