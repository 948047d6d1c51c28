package integration

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestLifecycleWorkerBinary: `amphora serve` runs the lifecycle worker.
// With a lifecycle day of one second, a rule put with the aws CLI expires
// the objects under its prefix within seconds, keeps the others, adds a
// delete marker in a versioned bucket rather than destroying anything,
// and `amphora lifecycle run` makes a pass on demand.
func TestLifecycleWorkerBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	o := defaultOptions()
	o.LifecycleDay, o.LifecycleInterval = time.Second, time.Second
	s := newServer(t, o)
	aws := newAWSCLI(t, s, tenantA, awsOpts{})
	const rules = `{"Rules":[{"ID":"tmp","Status":"Enabled","Filter":{"Prefix":"tmp/"},"Expiration":{"Days":1}}]}`
	src := aws.path("f")
	if err := os.WriteFile(src, []byte("lifecycle"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"lc-plain", "lc-versioned"} {
		aws.run(t, "s3api", "create-bucket", "--bucket", b)
		if b == "lc-versioned" {
			aws.run(t, "s3api", "put-bucket-versioning", "--bucket", b, "--versioning-configuration", "Status=Enabled")
		}
		aws.run(t, "s3api", "put-bucket-lifecycle-configuration", "--bucket", b, "--lifecycle-configuration", rules)
		for _, k := range []string{"tmp/a", "tmp/b", "keep/c"} {
			aws.run(t, "s3api", "put-object", "--bucket", b, "--key", k, "--body", src)
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for _, b := range []string{"lc-plain", "lc-versioned"} {
		for {
			keys := aws.lsRecursive(t, b)
			if len(keys) == 1 {
				if _, ok := keys["keep/c"]; !ok {
					t.Fatalf("%s: the worker expired the wrong objects: %v", b, keys)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: objects never expired: %v\n%s", b, keys, s.logProblems())
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	// In the versioned bucket the expired objects are behind delete
	// markers: their versions are all still there.
	var vs struct {
		Versions      []struct{ Key string }
		DeleteMarkers []struct{ Key string }
	}
	aws.json(t, &vs, "s3api", "list-object-versions", "--bucket", "lc-versioned")
	if len(vs.Versions) != 3 || len(vs.DeleteMarkers) != 2 {
		t.Errorf("versioned bucket after expiration: %d versions, %d markers; want 3 and 2", len(vs.Versions), len(vs.DeleteMarkers))
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, s.bin, "lifecycle", "run", "-config", s.Config).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "lifecycle pass:") {
		t.Fatalf("amphora lifecycle run: %v\n%s", err, out)
	}
}
