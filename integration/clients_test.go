package integration

import (
	"context"
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/signer"
)

// transport dials the server for every host name, so virtual-host names
// such as bucket.localhost reach it without DNS.
func (s *server) transport() *http.Transport {
	d := &net.Dialer{Timeout: 10 * time.Second}
	return &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, s.Addr)
		},
		MaxIdleConnsPerHost:   8,
		ResponseHeaderTimeout: 2 * time.Minute,
		DisableCompression:    true,
	}
}

// minioOpts configures a minio-go client.
type minioOpts struct {
	VirtualHost bool   // bucket.localhost:port instead of path style
	NoRegion    bool   // leave Region unset: the client asks GetBucketLocation
	Secret      string // overrides the tenant's secret (wrong-secret tests)
	AccessKey   string // overrides the tenant's access key
	V4          bool   // sign with signature V4 (minio-go's default) instead of V2
	Trailing    bool   // V4 only: allow trailing checksums (minio.Options.TrailingHeaders)
}

// minioClient is minio-go v7 signing with signature V2 (V4 with o.V4) as
// tn, without retries, so every server error reaches the test.
func (s *server) minioClient(t testing.TB, tn tenant, o minioOpts) *minio.Client {
	t.Helper()
	ak, sk := tn.AccessKey, tn.SecretKey
	if o.AccessKey != "" {
		ak = o.AccessKey
	}
	if o.Secret != "" {
		sk = o.Secret
	}
	endpoint, lookup := s.Addr, minio.BucketLookupPath
	if o.VirtualHost {
		endpoint, lookup = "localhost:"+s.port(), minio.BucketLookupDNS
	}
	rg := region
	if o.NoRegion {
		rg = ""
	}
	creds := credentials.NewStaticV2(ak, sk, "")
	if o.V4 {
		creds = credentials.NewStaticV4(ak, sk, "")
	}
	c, err := minio.New(endpoint, &minio.Options{
		Creds:           creds,
		TrailingHeaders: o.Trailing,
		Secure:          false,
		Transport:       s.transport(),
		Region:          rg,
		BucketLookup:    lookup,
		MaxRetries:      1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (s *server) port() string {
	_, p, _ := net.SplitHostPort(s.Addr)
	return p
}

// s3ErrorBody is the XML error document S3 returns.
type s3ErrorBody struct {
	Code      string `xml:"Code"`
	Message   string `xml:"Message"`
	RequestID string `xml:"RequestId"`
}

// response is a fully read HTTP response.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Code is the S3 error code in the body, "" when there is none.
func (r response) Code() string {
	var e s3ErrorBody
	if xml.Unmarshal(r.Body, &e) != nil {
		return ""
	}
	return e.Code
}

// do sends req with a plain net/http client and reads the whole response.
func (s *server) do(t testing.TB, req *http.Request) response {
	t.Helper()
	c := &http.Client{Transport: s.transport(), Timeout: 2 * time.Minute}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// signedRequest builds a path-style request signed with signature V2 by
// minio-go's signer (not the server's). rawPath is the escaped path.
func (s *server) signedRequest(t testing.TB, tn tenant, method, rawPath string, body string, hdr map[string]string) *http.Request {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL()+rawPath, r)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return signer.SignV2(*req, tn.AccessKey, tn.SecretKey, false)
}

// wantErrorCode asserts err is an S3 error with this HTTP status and code.
func wantErrorCode(t testing.TB, what string, err error, status int, code string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: succeeded, want %d %s", what, status, code)
		return
	}
	er := minio.ToErrorResponse(err)
	if er.StatusCode != status || er.Code != code {
		t.Errorf("%s: got %d %q (%v), want %d %s", what, er.StatusCode, er.Code, err, status, code)
	}
}

// testContext is a context bounded by the test's deadline and a ceiling.
func testContext(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
