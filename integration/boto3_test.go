package integration

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// boto3Result is what testdata/boto3_scenario.py prints.
type boto3Result struct {
	Error    string
	Step     string
	Response json.RawMessage

	Boto3, Botocore string
	Buckets         []string
	PutETag         string `json:"put_etag"`
	Head            map[string]boto3Head
	List            []struct {
		Key  string
		Size int64
		ETag string
	}
	ListDelimited struct{ Keys, Prefixes []string } `json:"list_delimited"`
	Get           map[string]struct {
		SHA256      string
		Size        int64
		ContentType string
		Metadata    map[string]string
	}
	GetRange struct {
		Size         int64
		ContentRange string
	} `json:"get_range"`
	PresignedGet struct {
		URL    string
		Status int
		SHA256 string
		Size   int64
		Body   string
	} `json:"presigned_get"`
	PresignedPut struct {
		URL            string
		Status         int
		Body           string
		ReadbackSHA256 string `json:"readback_sha256"`
	} `json:"presigned_put"`
	Checksums map[string]struct {
		Put, Head, Get, SHA256 string
	}
	Deleted      []string
	DeleteErrors []json.RawMessage `json:"delete_errors"`
	AfterDelete  *int              `json:"after_delete"`
	BucketsAfter []string          `json:"buckets_after"`
}

type boto3Head struct {
	ContentLength int64
	ContentType   string
	ETag          string
	Metadata      map[string]string
	Checksums     map[string]string
}

// boto3Opts are the scenario's inputs besides the server.
type boto3Opts struct {
	Endpoint  string // the server's plain URL when empty
	CABundle  string
	Checksums []string // ChecksumAlgorithm values for put_object
}

// runBoto3 runs testdata/boto3_scenario.py with Debian's python3 and boto3
// against s as tn, and checks what it printed.
func runBoto3(t *testing.T, s *server, tn tenant, bucket string, o boto3Opts) boto3Result {
	t.Helper()
	hasBoto3 := executable(python3Bin) && exec.Command(python3Bin, "-c", "import boto3").Run() == nil
	needClient(t, "boto3 ("+python3Bin+" with Debian python3-boto3)", hasBoto3)
	script, err := filepath.Abs(filepath.Join("testdata", "boto3_scenario.py"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const small, big = 4000, 20 << 20
	wantSmall := writeFile(t, filepath.Join(dir, "small.txt"), nil, 1100, small)
	wantBig := writeFile(t, filepath.Join(dir, "big.bin"), nil, 1101, big)
	endpoint := o.Endpoint
	if endpoint == "" {
		endpoint = s.URL()
	}
	if o.Checksums == nil {
		o.Checksums = []string{}
	}
	var ca any
	if o.CABundle != "" {
		ca = o.CABundle
	}
	in, _ := json.Marshal(map[string]any{
		"endpoint": endpoint, "access_key": tn.AccessKey, "secret_key": tn.SecretKey, "region": region,
		"bucket": bucket, "small": filepath.Join(dir, "small.txt"), "big": filepath.Join(dir, "big.bin"),
		"workdir": dir, "ca_bundle": ca, "checksums": o.Checksums,
	})
	stdout, stderr, err := runClient(dir, clientEnv(dir), 5*time.Minute, python3Bin, script, string(in))
	var r boto3Result
	if jerr := json.Unmarshal([]byte(stdout), &r); jerr != nil {
		t.Fatalf("boto3 scenario: %v (output not JSON: %v)\nstdout:\n%s\nstderr:\n%s", err, jerr, stdout, stderr)
	}
	if err != nil || r.Error != "" {
		t.Fatalf("boto3 scenario failed at %s: %v: %s\nresponse: %s\nstdout:\n%s\nstderr:\n%s", r.Step, err, r.Error, r.Response, stdout, stderr)
	}
	t.Logf("boto3 %s, botocore %s", r.Boto3, r.Botocore)

	q := func(s string) string { return `"` + s + `"` }
	if !slices.Contains(r.Buckets, bucket) {
		t.Errorf("list_buckets after create_bucket = %v", r.Buckets)
	}
	if r.PutETag != q(wantSmall.MD5) {
		t.Errorf("put_object ETag %s, want %s", r.PutETag, q(wantSmall.MD5))
	}
	for key, w := range map[string]boto3Head{
		"small.txt":   {small, "text/x-boto3", q(wantSmall.MD5), map[string]string{"color": "blue"}, nil},
		"dir/big.bin": {big, "application/x-big", q(wantBig.MD5), map[string]string{"owner-name": "alice"}, nil},
	} {
		h := r.Head[key]
		if h.ContentLength != w.ContentLength || h.ContentType != w.ContentType || h.ETag != w.ETag || fmt.Sprint(h.Metadata) != fmt.Sprint(w.Metadata) {
			t.Errorf("head_object %s = %+v, want %+v", key, h, w)
		}
	}
	if got := fmt.Sprint(r.List); got != fmt.Sprint([]struct {
		Key  string
		Size int64
		ETag string
	}{{"dir/big.bin", big, q(wantBig.MD5)}, {"small.txt", small, q(wantSmall.MD5)}}) {
		t.Errorf("list_objects_v2 = %s", got)
	}
	if fmt.Sprint(r.ListDelimited.Keys) != "[small.txt]" || fmt.Sprint(r.ListDelimited.Prefixes) != "[dir/]" {
		t.Errorf("list_objects_v2 Delimiter=/ = %+v", r.ListDelimited)
	}
	if g := r.Get["small.txt"]; g.SHA256 != wantSmall.SHA256 || g.ContentType != "text/x-boto3" || g.Metadata["color"] != "blue" {
		t.Errorf("get_object small.txt = %+v, want sha256 %s", g, wantSmall.SHA256)
	}
	if g := r.Get["dir/big.bin"]; g.SHA256 != wantBig.SHA256 || g.Size != big {
		t.Errorf("get_object dir/big.bin = %+v, want sha256 %s", g, wantBig.SHA256)
	}
	if r.GetRange.Size != 1000 || r.GetRange.ContentRange != fmt.Sprintf("bytes 1000-1999/%d", big) {
		t.Errorf("get_object Range = %+v", r.GetRange)
	}
	if got := fileDigest(t, filepath.Join(dir, "big.down")); got != wantBig {
		t.Errorf("download_file = %+v, want %+v", got, wantBig)
	}
	if p := r.PresignedGet; p.Status != 200 || p.SHA256 != wantBig.SHA256 {
		t.Errorf("presigned GET (urllib) %s: %d, %d bytes\n%s", p.URL, p.Status, p.Size, p.Body)
	}
	if p := r.PresignedPut; p.Status != 200 || p.ReadbackSHA256 != wantSmall.SHA256 {
		t.Errorf("presigned PUT (urllib) %s: %d, read back sha256 %q\n%s", p.URL, p.Status, p.ReadbackSHA256, p.Body)
	}
	data := payloadBytes(t, 1100, small)
	for _, algo := range o.Checksums {
		c, want := r.Checksums[algo], checksumOf(t, algo, data)
		if c.Put != want || c.Head != want || c.Get != want || c.SHA256 != wantSmall.SHA256 {
			t.Errorf("put_object ChecksumAlgorithm=%s: put/head/get returned %q/%q/%q, want %s (body sha256 %s)", algo, c.Put, c.Head, c.Get, want, c.SHA256)
		}
	}
	if len(r.DeleteErrors) != 0 || r.AfterDelete == nil || *r.AfterDelete != 0 {
		t.Errorf("delete_objects: deleted %v, errors %s, %v keys left", r.Deleted, r.DeleteErrors, r.AfterDelete)
	}
	if slices.Contains(r.BucketsAfter, bucket) {
		t.Errorf("list_buckets after delete_bucket = %v", r.BucketsAfter)
	}
	return r
}

func TestBoto3(t *testing.T) {
	s := shared(t)
	// Over plain HTTP botocore sends additional checksums as headers
	// beside a signed payload hash (trailers only over https: tls_test.go).
	runBoto3(t, s, tenantA, "boto3-e2e", boto3Opts{Checksums: []string{"CRC32", "CRC32C", "SHA1", "SHA256"}})
}
