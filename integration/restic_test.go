package integration

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const resticBin = "/usr/bin/restic"

// restic against a versioned bucket: init, two backups, forget --prune
// (which deletes packs: delete markers here), check --read-data, and a
// restore that matches the second backup byte for byte; the bucket keeps
// every version restic deleted, as backup users want of versioning.
func TestResticVersioned(t *testing.T) {
	s := shared(t)
	needClient(t, "restic ("+resticBin+", Debian restic)", executable(resticBin))
	aws := newAWSCLI(t, s, tenantA, awsOpts{})
	const bucket = "restic-versioned"
	aws.run(t, "s3", "mb", "s3://"+bucket)
	aws.run(t, "s3api", "put-bucket-versioning", "--bucket", bucket, "--versioning-configuration", "Status=Enabled")

	dir := t.TempDir()
	env := clientEnv(dir,
		"RESTIC_REPOSITORY=s3:"+s.URL()+"/"+bucket,
		"RESTIC_PASSWORD=amphora-restic-test",
		"AWS_ACCESS_KEY_ID="+tenantA.AccessKey,
		"AWS_SECRET_ACCESS_KEY="+tenantA.SecretKey,
		"AWS_DEFAULT_REGION="+region,
		"RESTIC_CACHE_DIR="+filepath.Join(dir, "cache"),
	)
	restic := func(args ...string) string {
		t.Helper()
		out, errOut, err := runClient(dir, env, 5*time.Minute, resticBin, args...)
		if err != nil {
			t.Fatalf("restic %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
		}
		t.Logf("restic %s:\n%s", strings.Join(args, " "), lastLines(out, 4))
		return out
	}
	src := filepath.Join(dir, "data")
	if err := os.MkdirAll(filepath.Join(src, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(src, "big.bin"), nil, 71, 6<<20)
	writeFile(t, filepath.Join(src, "sub", "small.txt"), nil, 72, 3000)
	restic("init")
	restic("backup", src)
	writeFile(t, filepath.Join(src, "big.bin"), nil, 73, 5<<20) // changed
	writeFile(t, filepath.Join(src, "sub", "new.txt"), nil, 74, 100)
	restic("backup", src)
	restic("forget", "--keep-last", "1", "--prune")
	restic("check", "--read-data")
	target := filepath.Join(dir, "restore")
	restic("restore", "latest", "--target", target)
	for _, name := range []string{"big.bin", filepath.Join("sub", "small.txt"), filepath.Join("sub", "new.txt")} {
		want, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(target, src, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("restored %s differs (%v)", name, err)
		}
	}
	var lv struct {
		Versions      []struct{ Key string }
		DeleteMarkers []struct{ Key string }
	}
	aws.json(t, &lv, "s3api", "list-object-versions", "--bucket", bucket)
	t.Logf("after forget --prune: %d versions, %d delete markers", len(lv.Versions), len(lv.DeleteMarkers))
	if len(lv.DeleteMarkers) == 0 {
		t.Errorf("prune deleted nothing? no delete markers in the versioned bucket")
	}
}

// rclone --s3-versions lists the versions that are not current beside the
// current objects.
func TestRcloneVersions(t *testing.T) {
	s := shared(t)
	r := newRclone(t, s, tenantA)
	aws := newAWSCLI(t, s, tenantA, awsOpts{})
	const bucket = "rclone-versions"
	aws.run(t, "s3", "mb", "s3://"+bucket)
	aws.run(t, "s3api", "put-bucket-versioning", "--bucket", bucket, "--versioning-configuration", "Status=Enabled")
	f := aws.path("f.txt")
	for i := range 3 {
		writeFile(t, f, nil, uint64(80+i), int64(1000+i))
		aws.run(t, "s3api", "put-object", "--bucket", bucket, "--key", "f.txt", "--body", f)
	}
	if cur := lines(r.run(t, "lsf", "amph:"+bucket)); len(cur) != 1 {
		t.Errorf("rclone lsf: %v", cur)
	}
	all := lines(r.run(t, "lsf", "--s3-versions", "amph:"+bucket))
	if len(all) != 3 {
		t.Errorf("rclone lsf --s3-versions: %v, want the current object and two versions", all)
	}
}

func lastLines(s string, n int) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, "\n")
}
