package integration

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/amphora-s3/amphora/checksum"
	"github.com/amphora-s3/amphora/sigv4"
)

// v4Put builds a PUT of data signed with SigV4 in one of the payload
// forms: a hex SHA-256 (mode 0, hash ""), UNSIGNED-PAYLOAD, or aws-chunked
// (mode != 0) with trailers. mangle edits the encoded body after signing.
func (s *server) v4Put(t *testing.T, tn tenant, path string, data []byte, mode sigv4.ChunkMode, payloadHash string,
	hdr map[string]string, trailers http.Header, mangle func([]byte) []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, s.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	body := data
	if mode != 0 {
		req.Header.Set("Content-Encoding", "aws-chunked")
		req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(data)))
		for name := range trailers {
			req.Header.Add("X-Amz-Trailer", name)
		}
		seed := sigv4.SignRequest(req, tn.AccessKey, tn.SecretKey, region, time.Now(), mode.String())
		var buf bytes.Buffer
		if err := sigv4.EncodeChunked(&buf, data, 64<<10, mode, seed, trailers); err != nil {
			t.Fatal(err)
		}
		body = buf.Bytes()
	} else {
		if payloadHash == "" {
			payloadHash = fmt.Sprintf("%x", sha256.Sum256(data))
		}
		sigv4.SignRequest(req, tn.AccessKey, tn.SecretKey, region, time.Now(), payloadHash)
	}
	if mangle != nil {
		body = mangle(append([]byte(nil), body...))
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	return req
}

// TestRawPayloadForms sends every SigV4 payload form to the real binary on
// Cassandra, right and wrong: each wrong one gets the AWS error and the
// key keeps its previous bytes; right ones store the bytes and the
// additional checksum, which comes back with x-amz-checksum-mode.
func TestRawPayloadForms(t *testing.T) {
	s := shared(t)
	ctx := testContext(t, 3*time.Minute)
	c := s.minioClient(t, tenantA, minioOpts{})
	const bucket = "raw-payload-forms"
	makeBucket(t, c, bucket)
	old := payloadBytes(t, 70, 1000)
	data := payloadBytes(t, 71, 300<<10) // several 64 KiB chunks and several blocks
	crc := checksum.Encode(checksum.CRC32C.Sum(data))
	good := http.Header{"x-amz-checksum-crc32c": {crc}}
	badSum := checksum.Encode(checksum.CRC32C.Sum(old))
	bad := http.Header{"x-amz-checksum-crc32c": {badSum}}
	flipData := func(b []byte) []byte { b[len(b)/2] ^= 1; return b }
	truncate := func(b []byte) []byte { return b[:len(b)-len(b)/3] }
	flipTrailer := func(b []byte) []byte {
		i := bytes.Index(b, []byte("x-amz-checksum-crc32c:")) + len("x-amz-checksum-crc32c:")
		b[i] ^= 1
		return b
	}
	cases := []struct {
		name         string
		req          func(path string) *http.Request
		status       int
		code         string
		wantChecksum bool
	}{
		{"hex sha256", func(p string) *http.Request { return s.v4Put(t, tenantA, p, data, 0, "", nil, nil, nil) }, 200, "", false},
		{"hex sha256 mismatch", func(p string) *http.Request {
			return s.v4Put(t, tenantA, p, data, 0, fmt.Sprintf("%x", sha256.Sum256(old)), nil, nil, nil)
		}, 400, "XAmzContentSHA256Mismatch", false},
		{"unsigned payload with checksum header", func(p string) *http.Request {
			return s.v4Put(t, tenantA, p, data, 0, sigv4.UnsignedPayload, map[string]string{"x-amz-checksum-crc32c": crc}, nil, nil)
		}, 200, "", true},
		{"checksum header mismatch", func(p string) *http.Request {
			return s.v4Put(t, tenantA, p, data, 0, sigv4.UnsignedPayload, map[string]string{"x-amz-checksum-crc32c": badSum}, nil, nil)
		}, 400, "BadDigest", false},
		{"signed chunks", func(p string) *http.Request { return s.v4Put(t, tenantA, p, data, sigv4.Signed, "", nil, nil, nil) }, 200, "", false},
		{"signed chunks, wrong chunk signature", func(p string) *http.Request {
			return s.v4Put(t, tenantA, p, data, sigv4.Signed, "", nil, nil, flipData)
		}, 403, "SignatureDoesNotMatch", false},
		{"signed chunks, truncated", func(p string) *http.Request {
			return s.v4Put(t, tenantA, p, data, sigv4.Signed, "", nil, nil, truncate)
		}, 400, "IncompleteBody", false},
		{"signed trailer", func(p string) *http.Request {
			return s.v4Put(t, tenantA, p, data, sigv4.SignedTrailer, "", nil, good, nil)
		}, 200, "", true},
		{"signed trailer, wrong checksum", func(p string) *http.Request {
			return s.v4Put(t, tenantA, p, data, sigv4.SignedTrailer, "", nil, bad, nil)
		}, 400, "BadDigest", false},
		{"signed trailer, trailer altered", func(p string) *http.Request {
			return s.v4Put(t, tenantA, p, data, sigv4.SignedTrailer, "", nil, good, flipTrailer)
		}, 403, "SignatureDoesNotMatch", false},
		{"unsigned trailer", func(p string) *http.Request {
			return s.v4Put(t, tenantA, p, data, sigv4.UnsignedTrailer, "", nil, good, nil)
		}, 200, "", true},
		{"unsigned trailer, wrong checksum", func(p string) *http.Request {
			return s.v4Put(t, tenantA, p, data, sigv4.UnsignedTrailer, "", nil, bad, nil)
		}, 400, "BadDigest", false},
		{"unsigned trailer, truncated", func(p string) *http.Request {
			return s.v4Put(t, tenantA, p, data, sigv4.UnsignedTrailer, "", nil, good, truncate)
		}, 400, "IncompleteBody", false},
		{"unsigned trailer, data altered", func(p string) *http.Request {
			return s.v4Put(t, tenantA, p, data, sigv4.UnsignedTrailer, "", nil, good, flipData)
		}, 400, "BadDigest", false},
		{"wrong secret", func(p string) *http.Request {
			return s.v4Put(t, tenant{AccessKey: tenantA.AccessKey, SecretKey: "wrong-secret"}, p, data, sigv4.Signed, "", nil, nil, nil)
		}, 403, "SignatureDoesNotMatch", false},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key := fmt.Sprintf("k%02d", i)
			if _, err := c.PutObject(ctx, bucket, key, bytes.NewReader(old), int64(len(old)), minio.PutObjectOptions{DisableMultipart: true}); err != nil {
				t.Fatal(err)
			}
			r := s.do(t, tc.req("/"+bucket+"/"+key))
			want := old
			if tc.code == "" {
				if r.Status != tc.status {
					t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
				}
				want = data
			} else if r.Status != tc.status || r.Code() != tc.code {
				t.Fatalf("got %d %q, want %d %s: %s", r.Status, r.Code(), tc.status, tc.code, r.Body)
			}
			got, err := getBytes(ctx, c, bucket, key, minio.GetObjectOptions{})
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("key now holds %d bytes (%v), want %d", len(got), err, len(want))
			}
			// The stored checksum, through HEAD with checksum mode (V4).
			head, _ := http.NewRequest(http.MethodHead, s.URL()+"/"+bucket+"/"+key, nil)
			head.Header.Set("x-amz-checksum-mode", "ENABLED")
			sigv4.SignRequest(head, tenantA.AccessKey, tenantA.SecretKey, region, time.Now(), "")
			hr := s.do(t, head)
			if gotSum := hr.Header.Get("x-amz-checksum-crc32c"); tc.wantChecksum != (gotSum == crc) || (!tc.wantChecksum && gotSum != "") {
				t.Errorf("HEAD x-amz-checksum-crc32c = %q (want stored: %v)", gotSum, tc.wantChecksum)
			}
		})
	}
}

// TestRawPresignedV4 checks pre-signed V4 URLs on the real binary: valid
// GET and PUT with plain HTTP, and expired, not-yet-valid, tampered and
// over-long ones refused with nothing changed.
func TestRawPresignedV4(t *testing.T) {
	s := shared(t)
	ctx := testContext(t, time.Minute)
	c := s.minioClient(t, tenantA, minioOpts{})
	const bucket = "raw-presigned-v4"
	makeBucket(t, c, bucket)
	orig := []byte("presigned v4 original")
	if _, err := c.PutObject(ctx, bucket, "dir/a b+c", bytes.NewReader(orig), int64(len(orig)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	presign := func(method, path string, at time.Time, exp time.Duration, body []byte) *http.Request {
		req, _ := http.NewRequest(method, s.URL()+path, nil)
		sigv4.Presign(req, tenantA.AccessKey, tenantA.SecretKey, region, at, exp)
		if body != nil {
			req.Body = io.NopCloser(bytes.NewReader(body))
			req.ContentLength = int64(len(body))
		}
		return req
	}
	path := "/" + bucket + "/dir/a%20b%2Bc"
	if r := s.do(t, presign(http.MethodGet, path, time.Now(), time.Hour, nil)); r.Status != 200 || !bytes.Equal(r.Body, orig) {
		t.Fatalf("presigned GET: %d %q", r.Status, r.Body)
	}
	for _, tc := range []struct {
		name   string
		req    *http.Request
		status int
		code   string
	}{
		{"expired PUT", presign(http.MethodPut, path, time.Now().Add(-2*time.Hour), time.Hour, []byte("x")), 403, "AccessDenied"},
		{"expired GET", presign(http.MethodGet, path, time.Now().Add(-time.Minute), 30*time.Second, nil), 403, "AccessDenied"},
		{"not yet valid", presign(http.MethodPut, path, time.Now().Add(time.Hour), time.Hour, []byte("x")), 403, "AccessDenied"},
		{"expires over 7 days", presign(http.MethodPut, path, time.Now(), 604801*time.Second, []byte("x")), 400, "AuthorizationQueryParametersError"},
		{"signed for DELETE, sent as PUT", func() *http.Request {
			r := presign(http.MethodDelete, path, time.Now(), time.Hour, []byte("x"))
			r.Method = http.MethodPut
			return r
		}(), 403, "SignatureDoesNotMatch"},
	} {
		r := s.do(t, tc.req)
		if r.Status != tc.status || r.Code() != tc.code {
			t.Errorf("%s: %d %q, want %d %s", tc.name, r.Status, r.Code(), tc.status, tc.code)
		}
	}
	if got, err := getBytes(ctx, c, bucket, "dir/a b+c", minio.GetObjectOptions{}); err != nil || !bytes.Equal(got, orig) {
		t.Fatalf("object changed by refused requests: %q %v", got, err)
	}
	// A valid presigned PUT replaces it.
	if r := s.do(t, presign(http.MethodPut, path, time.Now(), time.Hour, []byte("replaced"))); r.Status != 200 {
		t.Fatalf("presigned PUT: %d %s", r.Status, r.Body)
	}
	if got, _ := getBytes(ctx, c, bucket, "dir/a b+c", minio.GetObjectOptions{}); string(got) != "replaced" {
		t.Fatalf("after presigned PUT: %q", got)
	}
}
