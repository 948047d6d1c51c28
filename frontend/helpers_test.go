package frontend

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"
	"github.com/minio/minio-go/v7/pkg/signer"
	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/store/memstore"
)

// The test world: one virtual-host domain and three keys of two tenants.
const (
	testDomain = "s3.test"
	testRegion = "us-east-1"

	aliceKey, aliceSecret   = "AKIAALICE", "alice-secret-0123456789"
	alice2Key, alice2Secret = "AKIAALICE2", "alice2-secret-0123456789"
	bobKey, bobSecret       = "AKIABOB", "bob-secret-0123456789"
)

var testCreds = []Credential{
	{AccessKey: aliceKey, SecretKey: aliceSecret, Tenant: "tenant-alice", DisplayName: "Alice"},
	{AccessKey: alice2Key, SecretKey: alice2Secret, Tenant: "tenant-alice", DisplayName: "Alice Two"},
	{AccessKey: bobKey, SecretKey: bobSecret, Tenant: "tenant-bob", DisplayName: "Bob"},
}

// env is one frontend over a fresh memstore behind an httptest.Server.
type env struct {
	srv  *httptest.Server
	addr string // host:port of the listener
	logs *syncBuffer
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newEnv(t *testing.T, tweak ...func(*Options)) *env {
	t.Helper()
	logs := &syncBuffer{}
	opts := Options{
		Store:              memstore.New(),
		Credentials:        testCreds,
		Region:             testRegion,
		VirtualHostDomains: []string{testDomain},
		Logger:             zerolog.New(logs),
	}
	for _, f := range tweak {
		f(&opts)
	}
	h, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{srv: srv, addr: srv.Listener.Addr().String(), logs: logs}
}

// transport dials the test server whatever host a request names, so
// "bucket.s3.test:port" reaches it.
func (e *env) transport() *http.Transport {
	var d net.Dialer
	return &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, e.addr)
		},
	}
}

// client returns a plain HTTP client that reaches the server under any
// host name and never follows redirects.
func (e *env) client() *http.Client {
	return &http.Client{
		Transport:     e.transport(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// minio returns a minio-go client signing with Signature V2, path-style
// against 127.0.0.1 or virtual-hosted-style against *.s3.test.
func (e *env) minio(t *testing.T, ak, sk string, vhost bool) *minio.Client {
	t.Helper()
	_, port, _ := net.SplitHostPort(e.addr)
	endpoint, lookup := e.addr, minio.BucketLookupPath
	if vhost {
		endpoint, lookup = testDomain+":"+port, minio.BucketLookupDNS
	}
	c, err := minio.New(endpoint, &minio.Options{
		Creds:        credentials.NewStaticV2(ak, sk, ""),
		Transport:    e.transport(),
		Region:       testRegion,
		BucketLookup: lookup,
		MaxRetries:   1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// objectPath is the escaped path of a key, encoded as S3 clients do.
func objectPath(bucket, key string) string {
	p := "/" + bucket
	if key != "" {
		p += "/" + s3utils.EncodePath(key)
	}
	return p
}

// request builds a request to the test server (path-style) for path,
// which may carry a query.
func (e *env) request(t *testing.T, method, path string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+e.addr+path, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// signV2 signs req with minio-go's independent V2 signer.
func signV2(req *http.Request, ak, sk string) *http.Request {
	return signer.SignV2(*req, ak, sk, false)
}

// presignV2 returns req presigned with minio-go's V2 signer, valid for
// expires seconds from now (negative: already expired).
func presignV2(req *http.Request, ak, sk string, expires int64) *http.Request {
	return signer.PreSignV2(*req, ak, sk, expires, false)
}

// do sends req and reads the whole body.
func (e *env) do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := e.client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// signed builds, signs as alice and sends a path-style request.
func (e *env) signed(t *testing.T, method, path string, body []byte, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req := e.request(t, method, path, rd)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return e.do(t, signV2(req, aliceKey, aliceSecret))
}

type errorDoc struct {
	Code, Message, Resource, RequestId, Key, BucketName string
	StringToSign, SignatureProvided, AWSAccessKeyId     string
	Condition                                           string
}

// wantError checks an S3 error response: status, x-amz-request-id, and
// (unless HEAD) the XML body's Code and RequestId.
func wantError(t *testing.T, resp *http.Response, body []byte, status int, code string) errorDoc {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("status = %d, want %d (body %s)", resp.StatusCode, status, body)
	}
	id := resp.Header.Get("x-amz-request-id")
	if id == "" || resp.Header.Get("x-amz-id-2") == "" {
		t.Errorf("missing x-amz-request-id / x-amz-id-2: %v", resp.Header)
	}
	var doc errorDoc
	if resp.Request != nil && resp.Request.Method == http.MethodHead {
		if len(body) != 0 {
			t.Errorf("HEAD error has a body: %q", body)
		}
		return doc
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/xml" {
		t.Errorf("Content-Type = %q, want application/xml", ct)
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("error body does not parse: %v\n%s", err, body)
	}
	if doc.Code != code {
		t.Errorf("Code = %q, want %q (message %q)", doc.Code, code, doc.Message)
	}
	if doc.RequestId != id {
		t.Errorf("RequestId = %q, header %q", doc.RequestId, id)
	}
	return doc
}

// wantStatus checks a success status and the request id header.
func wantStatus(t *testing.T, resp *http.Response, body []byte, status int) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status = %d, want %d (body %s)", resp.StatusCode, status, body)
	}
	if resp.Header.Get("x-amz-request-id") == "" {
		t.Errorf("missing x-amz-request-id")
	}
	if got := resp.Header.Get("Server"); got != "Amphora" {
		t.Errorf("Server = %q", got)
	}
}

// mustCreate creates bucket as alice.
func (e *env) mustCreate(t *testing.T, bucket string) {
	t.Helper()
	resp, body := e.signed(t, http.MethodPut, "/"+bucket, nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
}

// mustPut stores key with data as alice.
func (e *env) mustPut(t *testing.T, bucket, key string, data []byte) {
	t.Helper()
	resp, body := e.signed(t, http.MethodPut, objectPath(bucket, key), data, nil)
	wantStatus(t, resp, body, http.StatusOK)
}

// httpDateOf formats t as an HTTP date.
func httpDateOf(t time.Time) string { return t.UTC().Format(http.TimeFormat) }

func contains(s, sub string) bool { return strings.Contains(s, sub) }
