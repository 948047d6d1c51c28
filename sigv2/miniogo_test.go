package sigv2

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7/pkg/s3utils"
	"github.com/minio/minio-go/v7/pkg/signer"
)

// minioTarget builds the URL the way minio-go's makeTargetURL does: the
// object EncodePath'd, the query QueryEncode'd, path-style or virtual-hosted.
func minioTarget(t *testing.T, bucket, key string, q url.Values, vhost bool) *url.URL {
	host, path := "s3.example.test", "/"+bucket+"/"+s3utils.EncodePath(key)
	if vhost {
		host, path = bucket+".s3.example.test", "/"+s3utils.EncodePath(key)
	}
	raw := "http://" + host + path
	if len(q) > 0 {
		raw += "?" + s3utils.QueryEncode(q)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// onTheWire turns a client request into the request the server parses, with
// the request line Go's transport writes (URL.RequestURI()).
func onTheWire(t *testing.T, req *http.Request) *http.Request {
	t.Helper()
	var b strings.Builder
	b.WriteString(req.Method + " " + req.URL.RequestURI() + " HTTP/1.1\nHost: " + req.URL.Host + "\n")
	names := make([]string, 0, len(req.Header))
	for k := range req.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range req.Header[k] {
			b.WriteString(k + ": " + v + "\n")
		}
	}
	return readRequest(t, b.String())
}

// TestRealMinioGo signs with minio-go's own V2 signer (the code that
// credentials.SignatureV2 selects), not with a re-implementation.
func TestRealMinioGo(t *testing.T) {
	serverNow := time.Now()
	queries := []url.Values{
		nil,
		{"acl": {""}},
		{"uploadId": {"a/b+c="}, "partNumber": {"3"}},
		{"versionId": {"v 1+2"}, "tagging": {""}},
		{"prefix": {"p/q r"}, "delimiter": {"/"}, "uploads": {""}},
		{"object-lock": {""}},
	}
	for _, key := range clientKeys {
		for _, vhost := range []bool{false, true} {
			for _, q := range queries {
				u := minioTarget(t, "bkt", key, q, vhost)
				req, err := http.NewRequest(http.MethodPut, u.String(), nil)
				if err != nil {
					t.Fatal(err)
				}
				req.URL = u
				req.Header.Set("Content-Type", "text/plain")
				req.Header.Set("X-Amz-Meta-Note", "hello, world")
				signed := signer.SignV2(*req, exampleAccessKey, exampleSecret, vhost)
				r := onTheWire(t, signed)
				rp := resourceOf(r, map[bool]string{true: "bkt"}[vhost])
				if res, err := Verify(r, rp, secrets, serverNow); err != nil {
					t.Errorf("SignV2 key %q vhost=%v query %v: %v\nrequest-uri %q computed %q",
						key, vhost, q, err, r.RequestURI, res.StringToSign)
				}
			}
		}
	}
}

func TestRealMinioGoPresigned(t *testing.T) {
	for _, key := range clientKeys {
		for _, vhost := range []bool{false, true} {
			q := url.Values{"response-content-disposition": {`attachment; filename="a b+c.txt"`}, "versionId": {"7"}}
			u := minioTarget(t, "bkt", key, q, vhost)
			req, err := http.NewRequest(http.MethodGet, u.String(), nil)
			if err != nil {
				t.Fatal(err)
			}
			req.URL = u
			signed := signer.PreSignV2(*req, exampleAccessKey, exampleSecret, 600, vhost)
			r := onTheWire(t, signed)
			rp := resourceOf(r, map[bool]string{true: "bkt"}[vhost])
			res, err := Verify(r, rp, secrets, time.Now())
			if err != nil || !res.Presigned {
				t.Errorf("PreSignV2 key %q vhost=%v: %v\nrequest-uri %q computed %q",
					key, vhost, err, r.RequestURI, res.StringToSign)
			}
			if _, err := Verify(r, rp, secrets, time.Now().Add(11*time.Minute)); err == nil {
				t.Errorf("PreSignV2 key %q: accepted after its 10 minutes", key)
			}
		}
	}
}
