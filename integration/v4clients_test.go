package integration

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"hash"
	"hash/crc32"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/minio/crc64nvme"
)

// The SigV4 clients are the Debian packages scripts/test-deps.sh installs,
// by absolute path: a pip or pyenv aws or python3 earlier in PATH is a
// different client.
const (
	awsBin     = "/usr/bin/aws"
	rcloneBin  = "/usr/bin/rclone"
	python3Bin = "/usr/bin/python3"
)

// needClient skips the test when a client is not installed, except in CI
// (CI=true), where a missing client is a failure.
func needClient(t *testing.T, what string, ok bool) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed (scripts/test-deps.sh installs it)", what)
	}
	t.Skipf("%s is not installed (scripts/test-deps.sh installs it)", what)
}

func executable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// clientEnv is os.Environ without the variables that would point a client
// elsewhere (profiles, keys, proxies, CA bundles, rclone remotes), plus
// HOME=home and a UTF-8 locale, then extra.
func clientEnv(home string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch uk := strings.ToUpper(k); {
		case strings.HasPrefix(uk, "AWS_"), strings.HasPrefix(uk, "RCLONE_"), strings.HasPrefix(uk, "BOTO"),
			uk == "HTTP_PROXY", uk == "HTTPS_PROXY", uk == "NO_PROXY", uk == "ALL_PROXY",
			uk == "REQUESTS_CA_BUNDLE", uk == "SSL_CERT_FILE", uk == "SSL_CERT_DIR",
			uk == "HOME", uk == "LANG", uk == "LC_ALL", uk == "PYTHONPATH", uk == "PYTHONHOME":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "HOME="+home, "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "PYTHONIOENCODING=utf-8")
	return append(env, extra...)
}

// runClient runs a client binary with env in dir, bounded by timeout, and
// returns its stdout and stderr apart.
func runClient(dir string, env []string, timeout time.Duration, bin string, args ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = env
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	return o.String(), e.String(), err
}

// testCert is a self-signed certificate for 127.0.0.1, localhost and
// *.localhost, written as PEM files.
type testCert struct {
	CertFile, KeyFile string
	Pool              *x509.CertPool
}

func newTestCert(t *testing.T, dir string) testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "amphora integration test", Organization: []string{"Amphora tests"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost", "*.localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	c := testCert{CertFile: filepath.Join(dir, "cert.pem"), KeyFile: filepath.Join(dir, "key.pem"), Pool: x509.NewCertPool()}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(c.CertFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.KeyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	c.Pool.AppendCertsFromPEM(certPEM)
	return c
}

// newTLSServer starts a server of the test's own that listens on plain
// HTTP (Addr) and on HTTPS (TLSURL) with a fresh self-signed certificate.
func newTLSServer(t *testing.T, o serverOptions) (*server, testCert) {
	t.Helper()
	cert := newTestCert(t, t.TempDir())
	addr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	o.TLSListen, o.TLSCert, o.TLSKey = addr, cert.CertFile, cert.KeyFile
	return newServer(t, o), cert
}

// TLSURL is the HTTPS listener's base URL.
func (s *server) TLSURL() string { return "https://" + s.Options.TLSListen }

// sdkOpts configures an aws-sdk-go-v2 S3 client.
type sdkOpts struct {
	Endpoint string         // base URL; the server's plain URL when empty
	RootCAs  *x509.CertPool // for an https Endpoint
	Dial     string         // dial this address whatever the host (virtual hosts, proxies)
}

// sdkClient is aws-sdk-go-v2's S3 client with the SDK's defaults (request
// checksums and response validation "when supported") except for path
// style, static credentials, the endpoint and no retries, so every server
// error reaches the test. No shared config or credentials file is read.
func (s *server) sdkClient(t testing.TB, tn tenant, o sdkOpts) *s3.Client {
	t.Helper()
	endpoint := o.Endpoint
	if endpoint == "" {
		endpoint = s.URL()
	}
	hc := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		if o.RootCAs != nil {
			tr.TLSClientConfig = &tls.Config{RootCAs: o.RootCAs}
		}
		if o.Dial != "" {
			d := &net.Dialer{Timeout: 10 * time.Second}
			tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
				return d.DialContext(ctx, network, o.Dial)
			}
		}
		tr.Proxy = nil
	})
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion(region),
		config.WithCredentialsProvider(awscreds.NewStaticCredentialsProvider(tn.AccessKey, tn.SecretKey, "")),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
		config.WithHTTPClient(hc),
		config.WithRetryMaxAttempts(1),
	)
	if err != nil {
		t.Fatal(err)
	}
	return s3.NewFromConfig(cfg, func(so *s3.Options) {
		so.BaseEndpoint = aws.String(endpoint)
		so.UsePathStyle = true
		so.DisableLogOutputChecksumValidationSkipped = true // ranged and checksum-less GETs are expected
	})
}

// checksumOf is data's S3 additional checksum for algo (CRC32, CRC32C,
// CRC64NVME, SHA1, SHA256), base64 as in x-amz-checksum-* headers.
func checksumOf(t testing.TB, algo string, data []byte) string {
	t.Helper()
	var h hash.Hash
	switch strings.ToUpper(algo) {
	case "CRC32":
		h = crc32.NewIEEE()
	case "CRC32C":
		h = crc32.New(crc32.MakeTable(crc32.Castagnoli))
	case "CRC64NVME":
		h = crc64nvme.New()
	case "SHA1":
		h = sha1.New()
	case "SHA256":
		h = sha256.New()
	default:
		t.Fatalf("checksumOf: unknown algorithm %q", algo)
	}
	h.Write(data)
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}
