package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// awsTimeout bounds one aws CLI run.
const awsTimeout = 3 * time.Minute

// awsCLI runs the Debian AWS CLI (v2, botocore signing SigV4) with config
// and credentials files of its own.
type awsCLI struct {
	dir      string // working directory and HOME
	endpoint string
	env      []string
}

// awsOpts configures an awsCLI.
type awsOpts struct {
	VirtualHost bool   // addressing_style = virtual, endpoint http://localhost:PORT
	Endpoint    string // overrides the server's plain URL (https)
	CABundle    string // AWS_CA_BUNDLE
	Sequential  bool   // max_concurrent_requests = 1: one connection, files in name order
}

// newAWSCLI points the aws CLI at s as tn. Uploads stay single PUTs: the
// multipart threshold is raised above every file the tests upload. With
// VirtualHost, when *.localhost does not resolve here, the CLI is told to
// use the server itself as its HTTP proxy (HTTP_PROXY): botocore then sends
// the same virtual-host requests (absolute URIs, Host bucket.localhost:PORT)
// to the server without DNS, as the s3cmd virtual-host tests do.
func newAWSCLI(t *testing.T, s *server, tn tenant, o awsOpts) *awsCLI {
	t.Helper()
	needClient(t, "the AWS CLI ("+awsBin+", Debian awscli)", executable(awsBin))
	dir := t.TempDir()
	style, endpoint := "path", s.URL()
	var extra []string
	if o.VirtualHost {
		style, endpoint = "virtual", "http://localhost:"+s.port()
		if !resolves("awscli-vhost.localhost") {
			proxy := "http://" + s.Addr
			extra = append(extra, "HTTP_PROXY="+proxy, "http_proxy="+proxy, "NO_PROXY=", "no_proxy=")
		}
	}
	if o.Endpoint != "" {
		endpoint = o.Endpoint
	}
	if o.CABundle != "" {
		extra = append(extra, "AWS_CA_BUNDLE="+o.CABundle)
	}
	concurrency := 10 // the CLI's default
	if o.Sequential {
		concurrency = 1
	}
	cfg := fmt.Sprintf(`[default]
region = %s
output = json
max_attempts = 1
retry_mode = standard
s3 =
  addressing_style = %s
  multipart_threshold = 64MB
  multipart_chunksize = 64MB
  max_concurrent_requests = %d
`, region, style, concurrency)
	creds := fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n", tn.AccessKey, tn.SecretKey)
	cfgPath, credPath := filepath.Join(dir, ".aws-config"), filepath.Join(dir, ".aws-credentials")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(credPath, []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	env := clientEnv(dir, append([]string{
		"AWS_CONFIG_FILE=" + cfgPath, "AWS_SHARED_CREDENTIALS_FILE=" + credPath,
		"AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true",
	}, extra...)...)
	return &awsCLI{dir: dir, endpoint: endpoint, env: env}
}

// try runs aws --endpoint-url ENDPOINT args... and returns stdout and stderr.
func (c *awsCLI) try(args ...string) (string, string, error) {
	return runClient(c.dir, c.env, awsTimeout, awsBin, append([]string{"--endpoint-url", c.endpoint, "--no-cli-pager"}, args...)...)
}

// run is try that fails the test on a non-zero exit.
func (c *awsCLI) run(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := c.try(args...)
	if err != nil {
		t.Fatalf("aws %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// json runs an s3api command and decodes its JSON output into v.
func (c *awsCLI) json(t *testing.T, v any, args ...string) {
	t.Helper()
	out := c.run(t, args...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("aws %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func (c *awsCLI) path(name string) string { return filepath.Join(c.dir, name) }

// awsHead is what the tests read of `aws s3api head-object`.
type awsHead struct {
	ContentLength  int64
	ContentType    string
	ETag           string
	Metadata       map[string]string
	ChecksumCRC32  string
	ChecksumCRC32C string
	ChecksumSHA1   string
	ChecksumSHA256 string
}

func (c *awsCLI) head(t *testing.T, bucket, key string, extra ...string) awsHead {
	t.Helper()
	var h awsHead
	c.json(t, &h, append([]string{"s3api", "head-object", "--bucket", bucket, "--key", key}, extra...)...)
	return h
}

// awsLsRE is one object line of `aws s3 ls --recursive`.
var awsLsRE = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+(\d+) (.+)$`)

// lsRecursive parses `aws s3 ls --recursive s3://bucket/` into key -> size.
func (c *awsCLI) lsRecursive(t *testing.T, bucket string) map[string]int64 {
	t.Helper()
	out := c.run(t, "s3", "ls", "--recursive", "s3://"+bucket+"/")
	got := map[string]int64{}
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		m := awsLsRE.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("unexpected aws s3 ls line %q in:\n%s", line, out)
		}
		n, _ := strconv.ParseInt(m[1], 10, 64)
		got[m[2]] = n
	}
	return got
}

// bucketNames is `aws s3api list-buckets`' names.
func (c *awsCLI) bucketNames(t *testing.T) []string {
	t.Helper()
	var lb struct{ Buckets []struct{ Name string } }
	c.json(t, &lb, "s3api", "list-buckets")
	var names []string
	for _, b := range lb.Buckets {
		names = append(names, b.Name)
	}
	return names
}

func TestAWSCLIPathStyle(t *testing.T) {
	s := shared(t)
	awsScenario(t, newAWSCLI(t, s, tenantA, awsOpts{}), "awscli-path", false)
}

func TestAWSCLIVirtualHost(t *testing.T) {
	s := shared(t)
	if !resolves("awscli-vhost.localhost") {
		t.Log("*.localhost does not resolve on this machine: the aws CLI sends its virtual-host requests through HTTP_PROXY = the server")
	}
	awsScenario(t, newAWSCLI(t, s, tenantA, awsOpts{VirtualHost: true}), "awscli-vhost", false)
}

// awsScenario is the client round trip with the aws CLI: mb, cp up and
// down (a small file and 20 MiB) with content type and user metadata,
// s3api put-object and head-object, ls, sync of a tree up and back down,
// rm, rb. With checksums, uploads also name an additional checksum
// (--checksum-algorithm), which over https travels as an aws-chunked
// trailer, and head-object --checksum-mode ENABLED must return it.
func awsScenario(t *testing.T, c *awsCLI, bucket string, checksums bool) {
	uri := "s3://" + bucket
	const small, big = 3000, 20 << 20
	wantSmall := writeFile(t, c.path("small.txt"), nil, 900, small)
	wantBig := writeFile(t, c.path("big.bin"), nil, 901, big)

	if out := c.run(t, "s3", "mb", uri); !strings.Contains(out, "make_bucket: "+bucket) {
		t.Errorf("aws s3 mb output: %q", out)
	}
	if names := c.bucketNames(t); !slices.Contains(names, bucket) {
		t.Fatalf("list-buckets = %v, lacks %s", names, bucket)
	}

	c.run(t, "s3", "cp", "small.txt", uri+"/small.txt", "--content-type", "text/x-amphora", "--metadata", "color=blue")
	c.run(t, "s3", "cp", "big.bin", uri+"/dir/big.bin", "--content-type", "application/x-big", "--metadata", "Owner-Name=alice")
	var put struct{ ETag string }
	c.json(t, &put, "s3api", "put-object", "--bucket", bucket, "--key", "api/put.txt", "--body", "small.txt",
		"--content-type", "text/plain; charset=utf-8", "--metadata", "color=green,shape=round")
	if put.ETag != `"`+wantSmall.MD5+`"` {
		t.Errorf("put-object ETag %s, want %q", put.ETag, wantSmall.MD5)
	}

	for _, h := range []struct {
		key  string
		size int64
		md5  string
		typ  string
		meta map[string]string
	}{
		{"small.txt", small, wantSmall.MD5, "text/x-amphora", map[string]string{"color": "blue"}},
		{"dir/big.bin", big, wantBig.MD5, "application/x-big", map[string]string{"owner-name": "alice"}},
		{"api/put.txt", small, wantSmall.MD5, "text/plain; charset=utf-8", map[string]string{"color": "green", "shape": "round"}},
	} {
		got := c.head(t, bucket, h.key)
		if got.ContentLength != h.size || got.ETag != `"`+h.md5+`"` || got.ContentType != h.typ || fmt.Sprint(got.Metadata) != fmt.Sprint(h.meta) {
			t.Errorf("head-object %s = %+v, want size %d, ETag %q, type %q, metadata %v", h.key, got, h.size, h.md5, h.typ, h.meta)
		}
	}

	if got, want := c.lsRecursive(t, bucket), map[string]int64{"small.txt": small, "dir/big.bin": big, "api/put.txt": small}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("aws s3 ls --recursive = %v, want %v", got, want)
	}
	if out := c.run(t, "s3", "ls", uri+"/"); !strings.Contains(out, "PRE dir/") || !strings.Contains(out, " small.txt") {
		t.Errorf("aws s3 ls %s/ (delimited):\n%s", uri, out)
	}
	var l2 struct {
		KeyCount int
		Contents []struct {
			Key  string
			Size int64
		}
	}
	// --no-paginate: the CLI's merged pages drop KeyCount.
	c.json(t, &l2, "s3api", "list-objects-v2", "--no-paginate", "--bucket", bucket, "--prefix", "dir/")
	if l2.KeyCount != 1 || len(l2.Contents) != 1 || l2.Contents[0].Key != "dir/big.bin" || l2.Contents[0].Size != big {
		t.Errorf("list-objects-v2 --prefix dir/ = %+v", l2)
	}

	c.run(t, "s3", "cp", uri+"/small.txt", "small.down")
	c.run(t, "s3", "cp", uri+"/dir/big.bin", "big.down")
	if got := fileDigest(t, c.path("small.down")); got != wantSmall {
		t.Errorf("downloaded small.txt = %+v, want %+v", got, wantSmall)
	}
	if got := fileDigest(t, c.path("big.down")); got != wantBig {
		t.Errorf("downloaded dir/big.bin = %+v, want %+v", got, wantBig)
	}
	var got struct {
		ContentType string
		Metadata    map[string]string
	}
	c.json(t, &got, "s3api", "get-object", "--bucket", bucket, "--key", "api/put.txt", "put.down")
	if got.ContentType != "text/plain; charset=utf-8" || got.Metadata["shape"] != "round" || fileDigest(t, c.path("put.down")) != wantSmall {
		t.Errorf("get-object api/put.txt = %+v", got)
	}

	if checksums {
		awsChecksums(t, c, bucket)
	}

	// sync of a tree with nested prefixes, a second sync with nothing to
	// do, and back down.
	files := map[string]int64{"a.txt": 1000, "sub/b.bin": 600 << 10, "sub/deeper/c d.txt": 1, "sub/deeper/e+f.txt": 77, "empty": 0}
	want := map[string]digests{}
	seed := uint64(910)
	for name, size := range files {
		seed++
		p := c.path(filepath.Join("tree", name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		want[name] = writeFile(t, p, nil, seed, size)
	}
	out := c.run(t, "s3", "sync", "tree", uri+"/tree")
	if n := strings.Count(out, "upload: "); n != len(files) {
		t.Errorf("first sync uploaded %d files, want %d:\n%s", n, len(files), out)
	}
	if out := c.run(t, "s3", "sync", "tree", uri+"/tree"); strings.Contains(out, "upload: ") {
		t.Errorf("second sync uploaded again:\n%s", out)
	}
	c.run(t, "s3", "sync", uri+"/tree", "down")
	for name, d := range want {
		if got := fileDigest(t, c.path(filepath.Join("down", name))); got != d {
			t.Errorf("synced down %s = %+v, want %+v", name, got, d)
		}
	}

	c.run(t, "s3", "rm", uri+"/small.txt")
	if _, errOut, err := c.try("s3api", "head-object", "--bucket", bucket, "--key", "small.txt"); err == nil || !strings.Contains(errOut, "404") {
		t.Errorf("head-object after rm: %v\n%s", err, errOut)
	}
	c.run(t, "s3", "rm", "--recursive", uri+"/")
	if got := c.lsRecursive(t, bucket); len(got) != 0 {
		t.Errorf("after rm --recursive: %v", got)
	}
	c.run(t, "s3", "rb", uri)
	if names := c.bucketNames(t); slices.Contains(names, bucket) {
		t.Errorf("after rb, list-buckets still has %s", bucket)
	}
}

// awsChecksums uploads with additional checksums and reads them back.
func awsChecksums(t *testing.T, c *awsCLI, bucket string) {
	data := payloadBytes(t, 950, 5<<20+17)
	if err := os.WriteFile(c.path("sum.bin"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, algo := range []string{"CRC32", "CRC32C", "SHA1", "SHA256"} {
		key := "sums/" + algo
		var put map[string]any
		c.json(t, &put, "s3api", "put-object", "--bucket", bucket, "--key", key, "--body", "sum.bin",
			"--checksum-algorithm", algo, "--content-type", "application/x-sum", "--metadata", "algo="+algo)
		want := checksumOf(t, algo, data)
		if put["Checksum"+algo] != want {
			t.Errorf("put-object --checksum-algorithm %s: response %v, want Checksum%s %s", algo, put, algo, want)
		}
		h := c.head(t, bucket, key, "--checksum-mode", "ENABLED")
		got := map[string]string{"CRC32": h.ChecksumCRC32, "CRC32C": h.ChecksumCRC32C, "SHA1": h.ChecksumSHA1, "SHA256": h.ChecksumSHA256}[algo]
		if got != want || h.ContentType != "application/x-sum" || h.Metadata["algo"] != algo || h.ContentLength != int64(len(data)) {
			t.Errorf("head-object --checksum-mode ENABLED %s = %+v, want Checksum%s %s", key, h, algo, want)
		}
		var g map[string]any
		c.json(t, &g, "s3api", "get-object", "--bucket", bucket, "--key", key, "--checksum-mode", "ENABLED", "sum.down")
		if g["Checksum"+algo] != want {
			t.Errorf("get-object --checksum-mode ENABLED %s: response %v, want Checksum%s %s", key, g, algo, want)
		}
		if got, want := fileDigest(t, c.path("sum.down")), digestOfBytes(data); got != want {
			t.Errorf("get-object %s = %+v, want %+v", key, got, want)
		}
		c.run(t, "s3api", "delete-object", "--bucket", bucket, "--key", key)
	}
}

// An empty file, then a non-empty one, uploaded by one aws s3 cp
// --recursive over one keep-alive connection. botocore sends every upload
// with Expect: 100-continue; when a server answers the empty PUT with its
// final status and no 100 Continue (as RFC 9110 allows for a request
// without body), botocore 1.29 keeps that status line in the connection
// and misreads the next response on it, then waits for its body until the
// read timeout. AWS S3 sends 100 Continue for every such PUT, so the CLI
// works against it; this checks Amphora does too.
func TestAWSCLIEmptyFileThenAnother(t *testing.T) {
	s := shared(t)
	c := newAWSCLI(t, s, tenantA, awsOpts{Sequential: true})
	const bucket = "awscli-empty-then-another"
	uri := "s3://" + bucket
	if err := os.MkdirAll(c.path("dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, c.path("dir/a-empty"), nil, 1, 0)
	want := writeFile(t, c.path("dir/b.txt"), nil, 2, 1000)
	c.run(t, "s3", "mb", uri)
	t.Cleanup(func() {
		c.try("s3", "rm", "--recursive", uri+"/")
		c.try("s3", "rb", uri)
	})
	c.run(t, "--cli-read-timeout", "15", "s3", "cp", "--recursive", "dir", uri+"/dir")
	if got, w := c.lsRecursive(t, bucket), map[string]int64{"dir/a-empty": 0, "dir/b.txt": want.Size}; fmt.Sprint(got) != fmt.Sprint(w) {
		t.Errorf("aws s3 ls --recursive = %v, want %v", got, w)
	}
}
