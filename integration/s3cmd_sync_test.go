package integration

import (
	"bytes"
	"net/http"
	"os"
	"strings"
	"testing"
)

// s3cmd sync up, a second sync that finds nothing to do (it compares
// sizes and MD5s from the listing), sync down; and a URL signed by s3cmd
// (signurl), fetched with plain net/http.
func TestS3cmdSyncAndSignurl(t *testing.T) {
	s := shared(t)
	c := newS3cmd(t, s, tenantA, false)
	uri := "s3://s3cmd-sync"
	c.run(t, "mb", uri)
	files := map[string]int64{"tree/a.txt": 1000, "tree/sub/b.bin": 600 << 10, "tree/sub/deeper/c d.txt": 1, "tree/empty": 0}
	want := map[string]digests{}
	if err := os.MkdirAll(c.path("tree/sub/deeper"), 0o755); err != nil {
		t.Fatal(err)
	}
	seed := uint64(800)
	for name, size := range files {
		seed++
		want[name] = writeFile(t, c.path(name), nil, seed, size)
	}

	out := c.run(t, "sync", "tree/", uri+"/tree/")
	if n := strings.Count(out, "upload: "); n != len(files) {
		t.Errorf("first sync uploaded %d files, want %d:\n%s", n, len(files), out)
	}
	if out := c.run(t, "sync", "tree/", uri+"/tree/"); strings.Contains(out, "upload: ") {
		t.Errorf("second sync uploaded again:\n%s", out)
	}
	c.run(t, "sync", uri+"/tree/", "down/")
	for name, d := range want {
		local := "down/" + strings.TrimPrefix(name, "tree/")
		if got := fileDigest(t, c.path(local)); got != d {
			t.Errorf("synced down %s = %+v, want %+v", local, got, d)
		}
	}

	signed := strings.TrimSpace(c.run(t, "signurl", uri+"/tree/sub/b.bin", "+600"))
	if !strings.HasPrefix(signed, s.URL()+"/") {
		t.Fatalf("s3cmd signurl printed %q", signed)
	}
	req, err := http.NewRequest(http.MethodGet, signed, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := s.do(t, req)
	if r.Status != 200 || digestOfBytes(r.Body) != want["tree/sub/b.bin"] {
		t.Errorf("GET of s3cmd's signed URL: %d, %d bytes\n%.300s", r.Status, len(r.Body), r.Body)
	}

	c.run(t, "del", "--recursive", "--force", uri)
	c.run(t, "rb", uri)
}

func digestOfBytes(b []byte) digests {
	d, _ := hashAll(bytes.NewReader(b))
	return d
}
