package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// rcloneTimeout bounds one rclone run.
const rcloneTimeout = 3 * time.Minute

// rclone runs the Debian rclone (aws-sdk-go v1 inside, SigV4) with a
// remote "amph:" configured only through environment variables.
type rclone struct {
	dir string
	env []string
}

func newRclone(t *testing.T, s *server, tn tenant) *rclone {
	t.Helper()
	needClient(t, "rclone ("+rcloneBin+", Debian rclone)", executable(rcloneBin))
	dir := t.TempDir()
	env := clientEnv(dir,
		"RCLONE_CONFIG="+filepath.Join(dir, "rclone.conf"), // absent: the remote is the environment's
		"RCLONE_CONFIG_AMPH_TYPE=s3",
		"RCLONE_CONFIG_AMPH_PROVIDER=Other",
		"RCLONE_CONFIG_AMPH_ENDPOINT="+s.URL(),
		"RCLONE_CONFIG_AMPH_REGION="+region,
		"RCLONE_CONFIG_AMPH_ACCESS_KEY_ID="+tn.AccessKey,
		"RCLONE_CONFIG_AMPH_SECRET_ACCESS_KEY="+tn.SecretKey,
		"RCLONE_CONFIG_AMPH_FORCE_PATH_STYLE=true",
		// Single PUTs only: multipart is not what these tests are about.
		"RCLONE_CONFIG_AMPH_UPLOAD_CUTOFF=64M",
	)
	return &rclone{dir: dir, env: env}
}

// try runs rclone args... with retries off, so every server error shows.
func (r *rclone) try(args ...string) (string, string, error) {
	return runClient(r.dir, r.env, rcloneTimeout, rcloneBin,
		append([]string{"--retries", "1", "--low-level-retries", "1", "--stats", "0"}, args...)...)
}

func (r *rclone) run(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := r.try(args...)
	if err != nil {
		t.Fatalf("rclone %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

func (r *rclone) path(name string) string { return filepath.Join(r.dir, name) }

// rcloneEntry is one object of `rclone lsjson -M`.
type rcloneEntry struct {
	Path     string
	Size     int64
	MimeType string
	ModTime  time.Time
	IsDir    bool
	Hashes   map[string]string
	Metadata map[string]string
}

func (r *rclone) lsjson(t *testing.T, remote string) map[string]rcloneEntry {
	t.Helper()
	out := r.run(t, "lsjson", "-R", "-M", "--hash", "--files-only", remote)
	var es []rcloneEntry
	if err := json.Unmarshal([]byte(out), &es); err != nil {
		t.Fatalf("rclone lsjson %s: %v\n%s", remote, err, out)
	}
	m := map[string]rcloneEntry{}
	for _, e := range es {
		m[e.Path] = e
	}
	return m
}

func TestRclone(t *testing.T) {
	s := shared(t)
	r := newRclone(t, s, tenantA)
	const bucket = "rclone-e2e"
	remote := "amph:" + bucket
	const small, big = 5000, 20 << 20
	wantSmall := writeFile(t, r.path("photo.jpg"), jpegHeader, 1000, small)
	wantBig := writeFile(t, r.path("big.bin"), nil, 1001, big)
	mtime := time.Date(2021, 2, 3, 4, 5, 6, 789_000_000, time.UTC)
	for _, f := range []string{"photo.jpg", "big.bin"} {
		if err := os.Chtimes(r.path(f), mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}

	r.run(t, "mkdir", remote)
	if out := r.run(t, "lsf", "amph:"); !slices.Contains(strings.Split(out, "\n"), bucket+"/") {
		t.Fatalf("rclone lsf amph: does not list %s/:\n%s", bucket, out)
	}
	r.run(t, "copyto", "-M", "--metadata-set", "color=blue", "photo.jpg", remote+"/photo.jpg")
	r.run(t, "copyto", "-M", "--metadata-set", "color=green", "big.bin", remote+"/dir/big.bin")

	ls := r.lsjson(t, remote)
	for _, w := range []struct {
		path  string
		d     digests
		typ   string
		color string
	}{
		{"photo.jpg", wantSmall, "image/jpeg", "blue"},
		{"dir/big.bin", wantBig, "application/octet-stream", "green"},
	} {
		e, ok := ls[w.path]
		if !ok {
			t.Errorf("rclone lsjson lacks %s: %+v", w.path, ls)
			continue
		}
		if e.Size != w.d.Size || e.Hashes["md5"] != w.d.MD5 || e.MimeType != w.typ || !e.ModTime.Equal(mtime) ||
			e.Metadata["color"] != w.color || e.Metadata["content-type"] != w.typ || e.Metadata["mtime"] == "" {
			t.Errorf("rclone lsjson %s = %+v\nwant size %d, md5 %s, type %s, mtime %s (X-Amz-Meta-Mtime), metadata color=%s",
				w.path, e, w.d.Size, w.d.MD5, w.typ, mtime, w.color)
		}
	}

	r.run(t, "copyto", remote+"/photo.jpg", "down/photo.jpg")
	r.run(t, "copyto", remote+"/dir/big.bin", "down/big.bin")
	for name, w := range map[string]digests{"photo.jpg": wantSmall, "big.bin": wantBig} {
		p := r.path("down/" + name)
		if got := fileDigest(t, p); got != w {
			t.Errorf("downloaded %s = %+v, want %+v", name, got, w)
		}
		if fi, err := os.Stat(p); err != nil || !fi.ModTime().Equal(mtime) {
			t.Errorf("downloaded %s: mtime %v (%v), want %s from X-Amz-Meta-Mtime", name, fi.ModTime(), err, mtime)
		}
	}

	// A tree: sync up, check (sizes and MD5s against the listing's ETags),
	// sync again with nothing to do, sync down.
	files := map[string]int64{"a.txt": 1000, "sub/b.bin": 600 << 10, "sub/deeper/c d.txt": 1, "sub/deeper/e+f.txt": 77, "empty": 0}
	want := map[string]digests{}
	seed := uint64(1010)
	for name, size := range files {
		seed++
		p := r.path(filepath.Join("tree", name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		want[name] = writeFile(t, p, nil, seed, size)
	}
	r.run(t, "sync", "tree", remote+"/tree")
	if out, errOut, err := r.try("check", "tree", remote+"/tree"); err != nil || !strings.Contains(errOut, "0 differences found") {
		t.Errorf("rclone check: %v\n%s%s", err, out, errOut)
	}
	if _, errOut, err := r.try("sync", "-v", "tree", remote+"/tree"); err != nil || strings.Contains(errOut, ": Copied") {
		t.Errorf("second rclone sync copied again (%v):\n%s", err, errOut)
	}
	r.run(t, "sync", remote+"/tree", "treedown")
	for name, d := range want {
		if got := fileDigest(t, r.path(filepath.Join("treedown", name))); got != d {
			t.Errorf("synced down %s = %+v, want %+v", name, got, d)
		}
	}
	lsf := lines(r.run(t, "lsf", "-R", "--files-only", remote))
	wantLsf := []string{"dir/big.bin", "photo.jpg", "tree/a.txt", "tree/empty", "tree/sub/b.bin", "tree/sub/deeper/c d.txt", "tree/sub/deeper/e+f.txt"}
	if !slices.Equal(lsf, wantLsf) {
		t.Errorf("rclone lsf -R = %q, want %q", lsf, wantLsf)
	}
	if out := r.run(t, "ls", remote+"/dir"); strings.TrimSpace(out) != "20971520 big.bin" {
		t.Errorf("rclone ls %s/dir = %q", remote, out)
	}

	r.run(t, "deletefile", remote+"/photo.jpg")
	r.run(t, "delete", remote+"/tree/sub")
	if lsf := lines(r.run(t, "lsf", "-R", "--files-only", remote)); !slices.Equal(lsf, []string{"dir/big.bin", "tree/a.txt", "tree/empty"}) {
		t.Errorf("after deletefile and delete: rclone lsf -R = %q", lsf)
	}
	r.run(t, "purge", remote)
	if out := r.run(t, "lsf", "amph:"); slices.Contains(strings.Split(out, "\n"), bucket+"/") {
		t.Errorf("after purge, rclone lsf amph: still lists %s/", bucket)
	}
}

// lines splits output into its non-empty lines, sorted.
func lines(out string) []string {
	var ls []string
	for _, l := range strings.Split(out, "\n") {
		if l != "" {
			ls = append(ls, l)
		}
	}
	slices.Sort(ls)
	return ls
}
