package integration

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// The HTTPS listener (tls_listen with a self-signed certificate, beside
// the plain listener) driven by the aws CLI (AWS_CA_BUNDLE), aws-sdk-go-v2
// (RootCAs), boto3 (verify=) and minio-go. Over https these clients send
// their additional checksums as aws-chunked trailers with
// STREAMING-UNSIGNED-PAYLOAD-TRAILER, which plain HTTP never exercises.
func TestTLS(t *testing.T) {
	s, cert := newTLSServer(t, defaultOptions())

	t.Run("awscli", func(t *testing.T) {
		c := newAWSCLI(t, s, tenantA, awsOpts{Endpoint: s.TLSURL(), CABundle: cert.CertFile})
		awsScenario(t, c, "awscli-tls", true)

		// Without the CA bundle the CLI must refuse the certificate.
		untrusting := newAWSCLI(t, s, tenantA, awsOpts{Endpoint: s.TLSURL()})
		if out, errOut, err := untrusting.try("s3", "ls"); err == nil || !strings.Contains(errOut, "SSL") {
			t.Errorf("aws s3 ls over https without the CA bundle: %v\n%s%s", err, out, errOut)
		}
	})

	t.Run("sdkv2", func(t *testing.T) {
		sdkScenario(t, s.sdkClient(t, tenantA, sdkOpts{Endpoint: s.TLSURL(), RootCAs: cert.Pool}), "sdkv2-tls", cert.Pool)
	})

	t.Run("boto3", func(t *testing.T) {
		runBoto3(t, s, tenantA, "boto3-tls", boto3Opts{Endpoint: s.TLSURL(), CABundle: cert.CertFile, Checksums: []string{"CRC32", "CRC32C", "SHA1", "SHA256"}})
	})

	// minio-go over https signs UNSIGNED-PAYLOAD, and with trailing headers
	// sends STREAMING-UNSIGNED-PAYLOAD-TRAILER (a full-object CRC32C by
	// default); what it wrote is read back over the plain listener.
	t.Run("minio", func(t *testing.T) {
		ctx := testContext(t, 2*time.Minute)
		c, err := minio.New(s.Options.TLSListen, &minio.Options{
			Creds:           credentials.NewStaticV4(tenantA.AccessKey, tenantA.SecretKey, ""),
			Secure:          true,
			Transport:       &http.Transport{TLSClientConfig: &tls.Config{RootCAs: cert.Pool}},
			Region:          region,
			BucketLookup:    minio.BucketLookupPath,
			TrailingHeaders: true,
			MaxRetries:      1,
		})
		if err != nil {
			t.Fatal(err)
		}
		plain := s.minioClient(t, tenantA, minioOpts{V4: true})
		const bucket = "minio-tls"
		makeBucket(t, c, bucket)
		data := payloadBytes(t, 1400, 20<<20)
		for _, ck := range []minio.ChecksumType{0, minio.ChecksumSHA256, minio.ChecksumCRC64NVME} {
			key := "obj-" + ck.String()
			if _, err := c.PutObject(ctx, bucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{
				DisableMultipart: true, Checksum: ck, ContentType: "application/x-tls", UserMetadata: map[string]string{"color": "blue"},
			}); err != nil {
				t.Errorf("PutObject over https (checksum %s): %v", ck, err)
				continue
			}
			st, err := plain.StatObject(ctx, bucket, key, minio.StatObjectOptions{Checksum: true})
			if err != nil || st.ContentType != "application/x-tls" || st.UserMetadata["Color"] != "blue" || st.Size != int64(len(data)) {
				t.Errorf("StatObject over http: %+v, %v", st, err)
			}
			if ck.IsSet() {
				want := checksumOf(t, ck.String(), data)
				if got := map[minio.ChecksumType]string{minio.ChecksumSHA256: st.ChecksumSHA256, minio.ChecksumCRC64NVME: st.ChecksumCRC64NVME}[ck]; got != want {
					t.Errorf("stored %s = %q, want %s", ck, got, want)
				}
			} else if want := checksumOf(t, "CRC32C", data); st.ChecksumCRC32C != want {
				t.Errorf("stored default CRC32C = %q, want %s", st.ChecksumCRC32C, want)
			}
			if got, err := getBytes(ctx, plain, bucket, key, minio.GetObjectOptions{}); err != nil || !bytes.Equal(got, data) {
				t.Errorf("GetObject over http: %d bytes, %v", len(got), err)
			}
		}
	})
}

// forwardingProxy is a reverse proxy in front of backend that rewrites
// Host to the backend's address and passes the client's Host on as
// X-Forwarded-Host (and X-Forwarded-For, -Proto).
func forwardingProxy(t *testing.T, backend *server) *httptest.Server {
	t.Helper()
	target, err := url.Parse(backend.URL())
	if err != nil {
		t.Fatal(err)
	}
	p := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		r.SetXForwarded()
	}})
	t.Cleanup(p.Close)
	return p
}

// Behind a proxy that rewrites Host, requests and presigned URLs signed
// for the proxy's host verify only when the server trusts X-Forwarded-Host.
func TestTrustForwardedHost(t *testing.T) {
	trusting := newServer(t, serverOptions{
		BlockSize: 256 << 10, GCGrace: 10 * time.Second, Sweeper: true, SweepInterval: time.Second, TrustForwardedHost: true,
	})
	untrusting := shared(t)
	ctx := testContext(t, 2*time.Minute)
	const bucket, key = "forwarded-host", "dir/obj.bin"
	data := payloadBytes(t, 1500, 300<<10)

	// The same object on both servers, written directly.
	for _, s := range []*server{trusting, untrusting} {
		c := s.sdkClient(t, tenantA, sdkOpts{})
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
			t.Fatalf("CreateBucket at %s: %s", s.Addr, sdkErr(err))
		}
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data)}); err != nil {
			t.Fatalf("PutObject at %s: %s", s.Addr, sdkErr(err))
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			for _, k := range []string{key, "via-proxy"} {
				c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(k)})
			}
			if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil {
				t.Errorf("cleanup: DeleteBucket at %s: %s", s.Addr, sdkErr(err))
			}
		})
	}

	for _, tc := range []struct {
		name  string
		s     *server
		works bool
	}{{"trust_forwarded_host", trusting, true}, {"untrusting", untrusting, false}} {
		t.Run(tc.name, func(t *testing.T) {
			proxy := forwardingProxy(t, tc.s)
			// Header-signed requests through the proxy.
			c := tc.s.sdkClient(t, tenantA, sdkOpts{Endpoint: proxy.URL})
			g, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
			if err == nil {
				got, rerr := io.ReadAll(g.Body)
				g.Body.Close()
				if !tc.works || rerr != nil || !bytes.Equal(got, data) {
					t.Errorf("GetObject through the proxy: %d bytes, %v (want it to work: %t)", len(got), rerr, tc.works)
				}
			} else if tc.works || !strings.Contains(sdkErr(err), "403 SignatureDoesNotMatch") {
				t.Errorf("GetObject through the proxy: %s (want it to work: %t)", sdkErr(err), tc.works)
			}
			_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("via-proxy"), Body: bytes.NewReader(data[:1000])})
			if tc.works != (err == nil) {
				t.Errorf("PutObject through the proxy: %v (want it to work: %t)", sdkErr(err), tc.works)
			}

			// A presigned URL for the proxy's host, fetched through the proxy.
			pg, err := s3.NewPresignClient(c).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(pg.URL, proxy.URL+"/") {
				t.Fatalf("presigned URL %s is not for the proxy %s", pg.URL, proxy.URL)
			}
			r := plainDo(t, http.DefaultClient, pg.Method, pg.URL, pg.SignedHeader, nil)
			if tc.works && (r.Status != 200 || !bytes.Equal(r.Body, data)) {
				t.Errorf("presigned GET through the proxy: %d, %d bytes\n%.300s", r.Status, len(r.Body), r.Body)
			}
			if !tc.works && (r.Status != 403 || r.Code() != "SignatureDoesNotMatch") {
				t.Errorf("presigned GET through the proxy to a server without trust_forwarded_host: %d %q, want 403 SignatureDoesNotMatch\n%.300s", r.Status, r.Code(), r.Body)
			}
		})
	}

	// Without a proxy, a client that names another host in
	// X-Forwarded-Host is believed by the trusting server only: a request
	// signed for the server's own address then fails there.
	c := &http.Client{Timeout: time.Minute}
	pg, err := s3.NewPresignClient(trusting.sdkClient(t, tenantA, sdkOpts{})).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	if r := plainDo(t, c, pg.Method, pg.URL, http.Header{"X-Forwarded-Host": {"elsewhere.example:1"}}, nil); r.Status != 403 {
		t.Errorf("presigned GET for the server's address with X-Forwarded-Host elsewhere: %d, want 403", r.Status)
	}
	if r := plainDo(t, c, pg.Method, pg.URL, nil, nil); r.Status != 200 || !bytes.Equal(r.Body, data) {
		t.Errorf("presigned GET direct to the trusting server: %d\n%.300s", r.Status, r.Body)
	}
}
