package integration

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// newS3cmdV4 is newS3cmd signing with signature V4 (signature_v2 = False)
// for region us-east-1; the rest of the .s3cfg is the same.
func newS3cmdV4(t *testing.T, s *server, tn tenant, virtualHost bool) *s3cmd {
	t.Helper()
	c := newS3cmd(t, s, tn, virtualHost)
	b, err := os.ReadFile(c.cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(string(b), "signature_v2 = True\n", "signature_v2 = False\nbucket_location = "+region+"\n", 1)
	if cfg == string(b) {
		t.Fatalf("newS3cmdV4: no signature_v2 line in\n%s", b)
	}
	if err := os.WriteFile(c.cfg, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return c
}

// The seed's quick start with s3cmd signing V4, path style.
func TestS3cmdV4QuickStart(t *testing.T) {
	s := shared(t)
	quickStart(t, newS3cmdV4(t, s, tenantA, false), "s3cmd-v4-quick")
}

// The same, virtual-host style (through proxy_host when *.localhost does not resolve).
func TestS3cmdV4QuickStartVirtualHost(t *testing.T) {
	s := shared(t)
	quickStart(t, newS3cmdV4(t, s, tenantA, true), "s3cmd-v4-quick-vhost")
}

// A 20 MiB single PUT with a content type and user metadata, signed V4
// (s3cmd signs the payload's SHA-256), ls, get, info and sync.
func TestS3cmdV4BigFileAndMetadata(t *testing.T) {
	s := shared(t)
	for _, vh := range []bool{false, true} {
		t.Run(map[bool]string{false: "path", true: "vhost"}[vh], func(t *testing.T) {
			c := newS3cmdV4(t, s, tenantA, vh)
			uri := "s3://s3cmd-v4-big-" + map[bool]string{false: "path", true: "vhost"}[vh]
			const size = 20 << 20
			want := writeFile(t, c.path("big.bin"), nil, 960, size)
			c.run(t, "mb", uri)
			c.run(t, "put", "--disable-multipart", "--mime-type=application/x-amphora-big", "--add-header=x-amz-meta-color:blue", "big.bin", uri+"/dir/big.bin")
			es := parseLs(t, c.run(t, "ls", "--list-md5", uri+"/dir/"))
			if len(es) != 1 || es[0].Size != size || es[0].MD5 != want.MD5 {
				t.Fatalf("s3cmd ls = %+v, want one object of %d bytes, md5 %s", es, size, want.MD5)
			}
			out := c.run(t, "info", uri+"/dir/big.bin")
			for _, line := range []string{fmt.Sprintf("File size: %d", size), "MIME type: application/x-amphora-big", "MD5 sum:   " + want.MD5, "x-amz-meta-color: blue"} {
				if !strings.Contains(out, line) {
					t.Errorf("s3cmd info output lacks %q:\n%s", line, out)
				}
			}
			c.run(t, "get", uri+"/dir/big.bin", "big.out")
			if got := fileDigest(t, c.path("big.out")); got != want {
				t.Fatalf("downloaded %+v, want %+v", got, want)
			}

			files := map[string]int64{"tree/a.txt": 1000, "tree/sub/b.bin": 600 << 10, "tree/sub/deeper/c d.txt": 1, "tree/empty": 0}
			wantTree := map[string]digests{}
			if err := os.MkdirAll(c.path("tree/sub/deeper"), 0o755); err != nil {
				t.Fatal(err)
			}
			seed := uint64(970)
			for name, sz := range files {
				seed++
				wantTree[name] = writeFile(t, c.path(name), nil, seed, sz)
			}
			if out := c.run(t, "sync", "tree/", uri+"/tree/"); strings.Count(out, "upload: ") != len(files) {
				t.Errorf("first sync:\n%s", out)
			}
			if out := c.run(t, "sync", "tree/", uri+"/tree/"); strings.Contains(out, "upload: ") {
				t.Errorf("second sync uploaded again:\n%s", out)
			}
			c.run(t, "sync", uri+"/tree/", "down/")
			for name, d := range wantTree {
				local := "down/" + strings.TrimPrefix(name, "tree/")
				if got := fileDigest(t, c.path(local)); got != d {
					t.Errorf("synced down %s = %+v, want %+v", local, got, d)
				}
			}

			c.run(t, "del", "--recursive", "--force", uri)
			if es := parseLs(t, c.run(t, "ls", "--recursive", uri)); len(es) != 0 {
				t.Errorf("after del --recursive: %+v", es)
			}
			c.run(t, "rb", uri)
		})
	}
}
