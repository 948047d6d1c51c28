package integration

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// TestScrubBinary: `amphora serve` with [scrub] enabled scrubs in the
// background and counts a rotten block in amphora_scrub_objects_total;
// `amphora scrub` reports the object by name (text and -json) and exits 1
// while it is damaged beyond repair (one node: no other copy to heal
// from).
func TestScrubBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	o := defaultOptions()
	o.ScrubInterval = time.Second
	s := newServer(t, o)
	aws := newAWSCLI(t, s, tenantA, awsOpts{})
	src := aws.path("f")
	data := bytes.Repeat([]byte("scrub me "), 70000) // 630 kB: three 256 KiB blocks
	if err := os.WriteFile(src, data, 0o600); err != nil {
		t.Fatal(err)
	}
	aws.run(t, "s3api", "create-bucket", "--bucket", "scrubbed")
	for _, k := range []string{"good", "dir/rot"} {
		aws.run(t, "s3api", "put-object", "--bucket", "scrubbed", "--key", k, "--body", src)
	}
	waitScrub := func(result string, want float64) {
		t.Helper()
		name := `amphora_scrub_objects_total{result="` + result + `"}`
		deadline := time.Now().Add(60 * time.Second)
		for {
			if got := scrape(t, s)[name]; got >= want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s never reached %v\n%s", name, want, s.logProblems())
			}
			time.Sleep(300 * time.Millisecond)
		}
	}
	waitScrub("healthy", 2)

	sess := cqlSession(t, s)
	var bucketID, inode gocql.UUID
	if err := sess.Query(`SELECT id FROM buckets WHERE name = ?`, "scrubbed").Scan(&bucketID); err != nil {
		t.Fatal(err)
	}
	if err := sess.Query(`SELECT inode FROM versions WHERE bucket_id = ? AND key = ? LIMIT 1`, bucketID, []byte("dir/rot")).Scan(&inode); err != nil {
		t.Fatal(err)
	}
	// Bit rot: other bytes under the block's CRC.
	if err := sess.Query(`UPDATE blocks SET data = ? WHERE inode = ? AND idx = 1`, bytes.Repeat([]byte{0xee}, 256<<10), inode).Exec(); err != nil {
		t.Fatal(err)
	}
	waitScrub("damaged", 1)

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.bin, "scrub", "-config", s.Config, "-bucket", "scrubbed", "-json")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(stderr.String(), "1 objects damaged beyond repair") {
		t.Fatalf("amphora scrub -json: %v (want exit 1)\n%s%s", err, out, stderr.String())
	}
	results := map[string]string{}
	var totals struct {
		Totals struct {
			Objects map[string]int `json:"objects"`
		} `json:"totals"`
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var rep struct {
			Bucket, Key, Result string
			Problems            []string
		}
		if err := json.Unmarshal(sc.Bytes(), &rep); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if rep.Key != "" {
			results[rep.Bucket+"/"+rep.Key] = rep.Result
			continue
		}
		if err := json.Unmarshal(sc.Bytes(), &totals); err != nil {
			t.Fatal(err)
		}
	}
	if results["scrubbed/good"] != "healthy" || results["scrubbed/dir/rot"] != "damaged" || totals.Totals.Objects["damaged"] != 1 {
		t.Fatalf("amphora scrub -json: %v, totals %+v\n%s", results, totals, out)
	}
	text, err := exec.CommandContext(ctx, s.bin, "scrub", "-config", s.Config, "-rate", "50").CombinedOutput()
	if err == nil || !strings.Contains(string(text), "damaged\tscrubbed/dir/rot") || strings.Contains(string(text), "scrubbed/good") ||
		!strings.Contains(string(text), "objects 1 healthy, 1 damaged") {
		t.Fatalf("amphora scrub: %v\n%s", err, text)
	}
}
