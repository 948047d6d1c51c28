package integration

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// CORS on Cassandra, enforced by a real browser: pages served from other
// origins (serveSite) fetch from the real binary in headless Chromium,
// which sends the preflights itself and hands a page only what the
// answers allow.

// corsPage is a blank page; the tests drive it with evalJS.
var corsPage = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html")
	io.WriteString(w, `<!doctype html><title>cors</title>`)
})

// fetchResult is what the page's script reports of one fetch.
type fetchResult struct {
	Status  int
	Body    string
	ETag    string // null when the browser hides the header: ""
	Color   string // x-amz-meta-color
	ReqID   string // x-amz-request-id, never exposed here
	Refused string // the rejection's message when fetch itself failed
}

// noStore keeps the browser's HTTP cache out of a fetch: every answer
// the page sees comes from the server.
const noStore = `{cache: "no-store"}`

// fetchJS is a script that fetches url with init (a JS object literal)
// and reports a fetchResult.
func fetchJS(url, init string) string {
	return fmt.Sprintf(`(async () => {
  try {
    const r = await fetch(%q, %s);
    return {status: r.status, body: await r.text(), etag: r.headers.get("ETag") || "",
            color: r.headers.get("x-amz-meta-color") || "", reqID: r.headers.get("x-amz-request-id") || "", refused: ""};
  } catch (e) {
    return {status: 0, body: "", etag: "", color: "", reqID: "", refused: String(e)};
  }
})()`, url, init)
}

// TestCORSBrowser: with a rule for one site's origin, a page from that
// site reads an object through a pre-signed URL (and the headers the
// rule exposes, no others), reads a public object by its virtual-host
// URL, reads a 404's error document, and uploads with PUT to a
// pre-signed URL after the browser's preflight; a page from an origin no
// rule names gets nothing: every fetch rejects, and its PUT never
// reaches the object.
func TestCORSBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts chromium")
	}
	s := shared(t)
	ctx := testContext(t, 5*time.Minute)
	c := s.sdkClient(t, tenantA, sdkOpts{})
	const bucket = "cors-browser"
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket: %s", sdkErr(err))
	}
	t.Cleanup(func() { emptyAndDelete(t, c, bucket) })
	put := func(key, body string, acl types.ObjectCannedACL) {
		t.Helper()
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
			Body: strings.NewReader(body), Metadata: map[string]string{"color": "blue"}, ACL: acl}); err != nil {
			t.Fatalf("PutObject %s: %s", key, sdkErr(err))
		}
	}
	put("hello.txt", "hello from amphora", "")
	put("public.txt", "public bytes", types.ObjectCannedACLPublicRead)

	allowed := serveSite(t, corsPage)
	refused := serveSite(t, corsPage)
	if _, err := c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: aws.String(bucket), CORSConfiguration: &types.CORSConfiguration{
		CORSRules: []types.CORSRule{{
			ID:             aws.String("site"),
			AllowedOrigins: []string{allowed},
			AllowedMethods: []string{"GET", "PUT", "HEAD"},
			AllowedHeaders: []string{"*"},
			ExposeHeaders:  []string{"ETag", "x-amz-meta-color"},
			MaxAgeSeconds:  aws.Int32(600),
		}},
	}}); err != nil {
		t.Fatalf("PutBucketCors: %s", sdkErr(err))
	}
	got, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String(bucket)})
	if err != nil || len(got.CORSRules) != 1 || got.CORSRules[0].AllowedOrigins[0] != allowed || aws.ToInt32(got.CORSRules[0].MaxAgeSeconds) != 600 {
		t.Fatalf("GetBucketCors: %+v %v", got, err)
	}

	pc := s3.NewPresignClient(c, s3.WithPresignExpires(10*time.Minute))
	pg, err := pc.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("hello.txt")})
	if err != nil {
		t.Fatal(err)
	}
	missing, err := pc.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("missing.txt")})
	if err != nil {
		t.Fatal(err)
	}
	pp, err := pc.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("upload.txt")})
	if err != nil {
		t.Fatal(err)
	}
	// The PUT sends the headers the URL was signed with (none but Host
	// with today's SDK) and a Content-Type that is not CORS-safelisted,
	// so the browser must ask in its preflight.
	putHeaders := map[string]string{"Content-Type": "application/x-from-browser"}
	for k, vs := range pp.SignedHeader {
		if !strings.EqualFold(k, "host") {
			putHeaders[k] = strings.Join(vs, ",")
		}
	}
	hj, _ := json.Marshal(putHeaders)
	putInit := `{cache: "no-store", method: "PUT", body: "uploaded by a page", headers: ` + string(hj) + `}`
	vhostURL := "http://" + bucket + ".localhost:" + s.port() + "/public.txt"

	b := newBrowser(t)
	navigate(t, b, allowed+"/")
	r := evalJS[fetchResult](t, b, fetchJS(pg.URL, noStore))
	if r.Refused != "" || r.Status != 200 || r.Body != "hello from amphora" {
		t.Fatalf("allowed origin, pre-signed GET: %+v", r)
	}
	if r.ETag == "" || r.Color != "blue" || r.ReqID != "" {
		t.Errorf("allowed origin, exposed headers: ETag %q, x-amz-meta-color %q (exposed); x-amz-request-id %q (not exposed)", r.ETag, r.Color, r.ReqID)
	}
	r = evalJS[fetchResult](t, b, fetchJS(vhostURL, noStore))
	if r.Refused != "" || r.Status != 200 || r.Body != "public bytes" {
		t.Errorf("allowed origin, anonymous GET by virtual host %s: %+v", vhostURL, r)
	}
	r = evalJS[fetchResult](t, b, fetchJS(missing.URL, noStore))
	if r.Refused != "" || r.Status != 404 || !strings.Contains(r.Body, "<Code>NoSuchKey</Code>") {
		t.Errorf("allowed origin, GET of a missing key: the page reads the 404: %+v", r)
	}
	r = evalJS[fetchResult](t, b, fetchJS(pp.URL, putInit))
	if r.Refused != "" || r.Status != 200 || r.ETag == "" {
		t.Fatalf("allowed origin, pre-signed PUT: %+v", r)
	}
	o, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("upload.txt")})
	if err != nil {
		t.Fatalf("GetObject of the page's upload: %s", sdkErr(err))
	}
	data, _ := io.ReadAll(o.Body)
	o.Body.Close()
	if string(data) != "uploaded by a page" || aws.ToString(o.ContentType) != "application/x-from-browser" {
		t.Errorf("the page's upload read back: %q, %q", data, aws.ToString(o.ContentType))
	}

	// Another origin: the browser refuses the answers, and the PUT's
	// preflight is refused so the PUT itself is never sent.
	navigate(t, b, refused+"/")
	for _, tc := range []struct{ name, url, init string }{
		{"pre-signed GET", pg.URL, noStore},
		{"public GET by virtual host", vhostURL, noStore},
		{"pre-signed PUT", pp.URL, `{cache: "no-store", method: "PUT", body: "overwritten", headers: ` + string(hj) + `}`},
	} {
		r := evalJS[fetchResult](t, b, fetchJS(tc.url, tc.init))
		if r.Refused == "" || r.Status != 0 {
			t.Errorf("refused origin, %s: the fetch did not reject: %+v", tc.name, r)
		}
	}
	o, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("upload.txt")})
	if err != nil {
		t.Fatalf("GetObject: %s", sdkErr(err))
	}
	data, _ = io.ReadAll(o.Body)
	o.Body.Close()
	if string(data) != "uploaded by a page" {
		t.Errorf("a refused origin's PUT reached the object: %q", data)
	}

	// Without a configuration the allowed site is refused too.
	if _, err := c.DeleteBucketCors(ctx, &s3.DeleteBucketCorsInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("DeleteBucketCors: %s", sdkErr(err))
	}
	navigate(t, b, allowed+"/")
	r = evalJS[fetchResult](t, b, fetchJS(pg.URL, noStore))
	if r.Refused == "" {
		t.Errorf("after DeleteBucketCors, the allowed site still reads: %+v", r)
	}
}

// emptyAndDelete removes every object of bucket, then bucket.
func emptyAndDelete(t *testing.T, c *s3.Client, bucket string) {
	ctx := testContext(t, time.Minute)
	l, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		return
	}
	for _, o := range l.Contents {
		c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: o.Key})
	}
	c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)})
}

// TestCORSPreflightRaw checks the preflight and actual answers on the
// wire, path style and virtual-host style, unsigned as a browser sends
// them.
func TestCORSPreflightRaw(t *testing.T) {
	s := shared(t)
	c := newS3cmd(t, s, tenantA, false)
	const bucket = "cors-raw"
	c.run(t, "mb", "s3://"+bucket)
	t.Cleanup(func() { c.try("rb", "--recursive", "--force", "s3://"+bucket) })
	cors := c.path("cors.xml")
	if err := os.WriteFile(cors, []byte(`<CORSConfiguration><CORSRule><AllowedOrigin>https://*.example.org</AllowedOrigin>`+
		`<AllowedMethod>GET</AllowedMethod><AllowedHeader>x-amz-*</AllowedHeader></CORSRule></CORSConfiguration>`), 0o600); err != nil {
		t.Fatal(err)
	}
	c.run(t, "setcors", cors, "s3://"+bucket)
	hc := &http.Client{Timeout: time.Minute}
	do := func(method, host, path string, hdr map[string]string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(method, s.URL()+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if host != "" {
			req.Host = host
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	pre := map[string]string{"Origin": "https://www.example.org", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "X-Amz-Date"}
	for _, tc := range []struct{ name, host, path string }{
		{"path style", "", "/" + bucket + "/some/key"},
		{"virtual host", bucket + ".localhost:" + s.port(), "/some/key"},
	} {
		resp := do(http.MethodOptions, tc.host, tc.path, pre)
		if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "https://www.example.org" ||
			resp.Header.Get("Access-Control-Allow-Headers") != "x-amz-date" || resp.Header.Get("Access-Control-Allow-Credentials") != "true" {
			t.Errorf("%s: preflight %d %v", tc.name, resp.StatusCode, resp.Header)
		}
		resp = do(http.MethodOptions, tc.host, tc.path, map[string]string{"Origin": "https://www.example.com", "Access-Control-Request-Method": "GET"})
		if resp.StatusCode != 403 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s: preflight from another origin: %d %v", tc.name, resp.StatusCode, resp.Header)
		}
		// The actual (anonymous, so refused) GET still carries the headers.
		resp = do(http.MethodGet, tc.host, tc.path, map[string]string{"Origin": "https://www.example.org"})
		if resp.StatusCode != 403 || resp.Header.Get("Access-Control-Allow-Origin") != "https://www.example.org" ||
			resp.Header.Get("Vary") == "" {
			t.Errorf("%s: anonymous GET: %d %v", tc.name, resp.StatusCode, resp.Header)
		}
	}
	if resp := do(http.MethodOptions, "", "/"+bucket+"/k", nil); resp.StatusCode != 400 {
		t.Errorf("preflight without Origin: %d", resp.StatusCode)
	}
	if resp := do(http.MethodOptions, "", "/cors-raw-missing/k", map[string]string{"Origin": "https://www.example.org"}); resp.StatusCode != 403 {
		t.Errorf("preflight on a missing bucket: %d", resp.StatusCode)
	}
}

// TestCORSS3cmd: s3cmd setcors, info and delcors work unchanged.
func TestCORSS3cmd(t *testing.T) {
	s := shared(t)
	c := newS3cmd(t, s, tenantA, false)
	const bucket = "cors-s3cmd"
	c.run(t, "mb", "s3://"+bucket)
	t.Cleanup(func() { c.try("rb", "--recursive", "--force", "s3://"+bucket) })
	if out := c.run(t, "info", "s3://"+bucket); !strings.Contains(out, "CORS:      none") {
		t.Errorf("s3cmd info without CORS:\n%s", out)
	}
	cors := c.path("cors.xml")
	if err := os.WriteFile(cors, []byte(`<CORSConfiguration>
  <CORSRule>
    <ID>web</ID>
    <AllowedOrigin>https://www.example.org</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>
`), 0o600); err != nil {
		t.Fatal(err)
	}
	c.run(t, "setcors", cors, "s3://"+bucket)
	out := c.run(t, "info", "s3://"+bucket)
	if !strings.Contains(out, "<AllowedOrigin>https://www.example.org</AllowedOrigin>") || !strings.Contains(out, "<MaxAgeSeconds>3000</MaxAgeSeconds>") {
		t.Errorf("s3cmd info with CORS:\n%s", out)
	}
	bad := c.path("bad.xml")
	if err := os.WriteFile(bad, []byte(`<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>`), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := c.try("setcors", bad, "s3://"+bucket); err == nil || !strings.Contains(out, "InvalidRequest") {
		t.Errorf("s3cmd setcors with PATCH: %v\n%s", err, out)
	}
	if out := c.run(t, "delcors", "s3://"+bucket); !strings.Contains(out, "CORS deleted") {
		t.Errorf("s3cmd delcors:\n%s", out)
	}
	if out := c.run(t, "info", "s3://"+bucket); !strings.Contains(out, "CORS:      none") {
		t.Errorf("s3cmd info after delcors:\n%s", out)
	}
}

// TestCORSAWSCLI: aws s3api put-bucket-cors, get-bucket-cors and
// delete-bucket-cors work unchanged.
func TestCORSAWSCLI(t *testing.T) {
	s := shared(t)
	c := newAWSCLI(t, s, tenantA, awsOpts{})
	const bucket = "cors-awscli"
	c.run(t, "s3", "mb", "s3://"+bucket)
	t.Cleanup(func() { c.try("s3", "rb", "--force", "s3://"+bucket) })
	if _, errOut, err := c.try("s3api", "get-bucket-cors", "--bucket", bucket); err == nil || !strings.Contains(errOut, "NoSuchCORSConfiguration") {
		t.Errorf("get-bucket-cors without one: %v %s", err, errOut)
	}
	cfg := c.path("cors.json")
	if err := os.WriteFile(cfg, []byte(`{"CORSRules": [
  {"ID": "app", "AllowedOrigins": ["https://app.example.org", "http://*.dev.example.org"], "AllowedMethods": ["GET", "PUT", "POST"],
   "AllowedHeaders": ["Content-Type", "x-amz-*"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 120},
  {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}
]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	c.run(t, "s3api", "put-bucket-cors", "--bucket", bucket, "--cors-configuration", "file://"+cfg)
	var got struct {
		CORSRules []struct {
			ID                                                            string
			AllowedOrigins, AllowedMethods, AllowedHeaders, ExposeHeaders []string
			MaxAgeSeconds                                                 int
		}
	}
	c.json(t, &got, "s3api", "get-bucket-cors", "--bucket", bucket)
	if len(got.CORSRules) != 2 || got.CORSRules[0].ID != "app" || len(got.CORSRules[0].AllowedOrigins) != 2 ||
		strings.Join(got.CORSRules[0].AllowedMethods, ",") != "GET,PUT,POST" || got.CORSRules[0].MaxAgeSeconds != 120 ||
		strings.Join(got.CORSRules[1].AllowedOrigins, ",") != "*" {
		t.Errorf("get-bucket-cors: %+v", got)
	}
	if _, errOut, err := c.try("s3api", "put-bucket-cors", "--bucket", bucket, "--cors-configuration",
		`{"CORSRules": [{"AllowedOrigins": ["*a*b"], "AllowedMethods": ["GET"]}]}`); err == nil ||
		!strings.Contains(errOut, "InvalidRequest") || !strings.Contains(errOut, "can not have more than one wildcard") {
		t.Errorf("put-bucket-cors with two wildcards: %v %s", err, errOut)
	}
	c.run(t, "s3api", "delete-bucket-cors", "--bucket", bucket)
	if _, errOut, err := c.try("s3api", "get-bucket-cors", "--bucket", bucket); err == nil || !strings.Contains(errOut, "NoSuchCORSConfiguration") {
		t.Errorf("get-bucket-cors after delete-bucket-cors: %v %s", err, errOut)
	}
}
