package integration

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// jpegHeader makes picture.jpg look like a JPEG to extension guessing and
// to libmagic alike, so s3cmd sends Content-Type image/jpeg either way.
var jpegHeader = []byte{0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00}

// resolves reports whether name resolves on this machine.
func resolves(name string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupHost(ctx, name)
	return err == nil && len(addrs) > 0
}

// writeFile writes size payload bytes for seed (after prefix) to path.
func writeFile(t *testing.T, path string, prefix []byte, seed uint64, size int64) digests {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(prefix); err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, payload(seed, size-int64(len(prefix)))); err != nil {
		t.Fatal(err)
	}
	return fileDigest(t, path)
}

func fileDigest(t *testing.T, path string) digests {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return digestOf(t, f)
}

// The seed's quick start, command for command, path style.
func TestS3cmdQuickStart(t *testing.T) {
	s := shared(t)
	quickStart(t, newS3cmd(t, s, tenantA, false), "my-new-bucket")
}

// The seed's own .s3cfg shape: host_bucket = %(bucket)s.<domain>.
func TestS3cmdQuickStartVirtualHost(t *testing.T) {
	s := shared(t)
	if !resolves("my-new-bucket.localhost") {
		t.Log("*.localhost does not resolve on this machine: s3cmd sends its virtual-host requests through proxy_host = the server")
	}
	quickStart(t, newS3cmd(t, s, tenantA, true), "my-new-bucket-vhost")
}

func quickStart(t *testing.T, c *s3cmd, bucket string) {
	const size = 300 << 10
	want := writeFile(t, c.path("picture.jpg"), jpegHeader, 1, size)
	uri := "s3://" + bucket

	out := c.run(t, "mb", uri)
	if !strings.Contains(out, "Bucket '"+uri+"/' created") {
		t.Errorf("mb output: %q", out)
	}
	if !hasURI(parseLs(t, c.run(t, "ls")), uri) {
		t.Fatalf("s3cmd ls does not list %s", uri)
	}

	c.run(t, "put", "picture.jpg", uri+"/picture.jpg")
	es := parseLs(t, c.run(t, "ls", uri))
	if len(es) != 1 || es[0].URI != uri+"/picture.jpg" || es[0].Size != size || es[0].Dir {
		t.Fatalf("s3cmd ls %s = %+v, want only %s/picture.jpg of %d bytes", uri, es, uri, size)
	}
	es = parseLs(t, c.run(t, "ls", "--list-md5", uri))
	if len(es) != 1 || es[0].MD5 != want.MD5 {
		t.Fatalf("s3cmd ls --list-md5 = %+v, want md5 %s", es, want.MD5)
	}

	c.run(t, "get", uri+"/picture.jpg", "picture_download.jpg")
	if got := fileDigest(t, c.path("picture_download.jpg")); got != want {
		t.Fatalf("picture_download.jpg = %+v, want %+v", got, want)
	}

	out, err := c.try("info", uri+"/picture.jpg")
	switch {
	case err != nil && strings.Contains(out, "NotImplemented"):
		t.Logf("s3cmd info: the server does not implement a sub-resource s3cmd asks for:\n%s", out)
	case err != nil:
		t.Errorf("s3cmd info: %v\n%s", err, out)
	default:
		for _, line := range []string{
			fmt.Sprintf("File size: %d", size), "MIME type: image/jpeg", "MD5 sum:   " + want.MD5,
		} {
			if !strings.Contains(out, line) {
				t.Errorf("s3cmd info output lacks %q:\n%s", line, out)
			}
		}
	}

	c.run(t, "del", uri+"/picture.jpg")
	if es := parseLs(t, c.run(t, "ls", uri)); len(es) != 0 {
		t.Fatalf("after del, s3cmd ls %s = %+v", uri, es)
	}
	c.run(t, "rb", uri)
	if hasURI(parseLs(t, c.run(t, "ls")), uri) {
		t.Fatalf("after rb, s3cmd ls still lists %s", uri)
	}
}

func hasURI(es []lsEntry, uri string) bool {
	for _, e := range es {
		if e.URI == uri {
			return true
		}
	}
	return false
}

// s3cmd ls s3://bucket/exact-key lists by prefix and must find the key itself.
func TestS3cmdLsExactKey(t *testing.T) {
	s := shared(t)
	c := newS3cmd(t, s, tenantA, false)
	uri := "s3://s3cmd-exact-key"
	c.run(t, "mb", uri)
	writeFile(t, c.path("f"), nil, 2, 1234)
	for _, k := range []string{"exact-key", "exact-key-2", "exact-key/child", "exact"} {
		c.run(t, "put", "f", uri+"/"+k)
	}
	es := parseLs(t, c.run(t, "ls", uri+"/exact-key"))
	want := []lsEntry{
		{Dir: true, URI: uri + "/exact-key/"},
		{Size: 1234, URI: uri + "/exact-key"},
		{Size: 1234, URI: uri + "/exact-key-2"},
	}
	if fmt.Sprint(es) != fmt.Sprint(want) {
		t.Fatalf("s3cmd ls %s/exact-key =\n%+v\nwant\n%+v", uri, es, want)
	}
	es = parseLs(t, c.run(t, "ls", uri+"/exact-key-2"))
	if len(es) != 1 || es[0].URI != uri+"/exact-key-2" {
		t.Fatalf("s3cmd ls %s/exact-key-2 = %+v", uri, es)
	}
	c.run(t, "del", "--recursive", "--force", uri)
	c.run(t, "rb", uri)
}

// A file of many blocks through s3cmd's single PUT (below its 15 MiB
// multipart threshold, multipart disabled anyway).
func TestS3cmdMultiBlockFile(t *testing.T) {
	s := shared(t)
	c := newS3cmd(t, s, tenantA, false)
	uri := "s3://s3cmd-multi-block"
	const size = 3<<20 + 12345
	c.run(t, "mb", uri)
	want := writeFile(t, c.path("big.bin"), nil, 3, size)
	c.run(t, "put", "--disable-multipart", "big.bin", uri+"/dir/big.bin")
	es := parseLs(t, c.run(t, "ls", "--list-md5", uri+"/dir/"))
	if len(es) != 1 || es[0].Size != size || es[0].MD5 != want.MD5 {
		t.Fatalf("s3cmd ls = %+v, want one object of %d bytes, md5 %s", es, size, want.MD5)
	}
	c.run(t, "get", uri+"/dir/big.bin", "big.out")
	if got := fileDigest(t, c.path("big.out")); got != want {
		t.Fatalf("downloaded %+v, want %+v", got, want)
	}
	c.run(t, "del", uri+"/dir/big.bin")
	c.run(t, "rb", uri)
}
