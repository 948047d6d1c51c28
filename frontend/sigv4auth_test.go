package frontend

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/checksum"
	"github.com/amphora-s3/amphora/sigv4"
)

// v4Request builds a path-style request signed with SigV4 as alice, with
// payloadHash as x-amz-content-sha256 ("" for the hex SHA-256 of body).
func (e *env) v4Request(t *testing.T, method, path string, body []byte, payloadHash string, hdr map[string]string) *http.Request {
	t.Helper()
	req := e.request(t, method, path, bytes.NewReader(body))
	if body == nil {
		req.Body = nil
		req.ContentLength = 0
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if payloadHash == "" {
		sum := sha256.Sum256(body)
		payloadHash = hex.EncodeToString(sum[:])
	}
	sigv4.SignRequest(req, aliceKey, aliceSecret, testRegion, time.Now(), payloadHash)
	return req
}

// chunkedPut builds a PUT whose body is data framed as aws-chunked in mode,
// with trailers (announced in x-amz-trailer); mangle may edit the encoded
// body before it is sent.
func (e *env) chunkedPut(t *testing.T, path string, data []byte, mode sigv4.ChunkMode, trailers http.Header, mangle func([]byte) []byte) *http.Request {
	t.Helper()
	req := e.request(t, http.MethodPut, path, nil)
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(data)))
	for name := range trailers {
		req.Header.Add("X-Amz-Trailer", strings.ToLower(name))
	}
	seed := sigv4.SignRequest(req, aliceKey, aliceSecret, testRegion, time.Now(), mode.String())
	var buf bytes.Buffer
	if err := sigv4.EncodeChunked(&buf, data, 1000, mode, seed, trailers); err != nil {
		t.Fatal(err)
	}
	body := buf.Bytes()
	if mangle != nil {
		body = mangle(body)
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	return req
}

// get reads key back as alice (SigV2) and returns status and body.
func (e *env) get(t *testing.T, bucket, key string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	return e.signed(t, http.MethodGet, objectPath(bucket, key), nil, hdr)
}

func crc32Trailer(data []byte) http.Header {
	return http.Header{"X-Amz-Checksum-Crc32": {checksum.Encode(checksum.CRC32.Sum(data))}}
}

func TestSigV4Header(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	data := []byte("signed with version four")

	resp, body := e.do(t, e.v4Request(t, http.MethodPut, "/bucket/a%20b+c", data, "", map[string]string{"Content-Type": "text/plain", "X-Amz-Meta-Color": "blue"}))
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.do(t, e.v4Request(t, http.MethodGet, "/bucket/a%20b+c", nil, "", nil))
	wantStatus(t, resp, body, http.StatusOK)
	if !bytes.Equal(body, data) || resp.Header.Get("Content-Type") != "text/plain" || resp.Header.Get("X-Amz-Meta-Color") != "blue" {
		t.Fatalf("GET = %q %v", body, resp.Header)
	}
	// The same keys sign V2 too.
	resp, body = e.get(t, "bucket", "a b+c", nil)
	wantStatus(t, resp, body, http.StatusOK)

	t.Run("unsigned payload", func(t *testing.T) {
		resp, body := e.do(t, e.v4Request(t, http.MethodPut, "/bucket/u", data, sigv4.UnsignedPayload, nil))
		wantStatus(t, resp, body, http.StatusOK)
	})
	t.Run("wrong secret is 403, never anonymous", func(t *testing.T) {
		req := e.request(t, http.MethodGet, "/bucket/a%20b+c", nil)
		sigv4.SignRequest(req, aliceKey, "not-alice-secret", testRegion, time.Now(), "")
		resp, body := e.do(t, req)
		doc := wantError(t, resp, body, http.StatusForbidden, "SignatureDoesNotMatch")
		if !strings.HasPrefix(doc.StringToSign, "AWS4-HMAC-SHA256\n") || doc.AWSAccessKeyId != aliceKey {
			t.Errorf("error doc = %+v", doc)
		}
		var extra struct{ CanonicalRequest string }
		if err := xml.Unmarshal(body, &extra); err != nil || !strings.HasPrefix(extra.CanonicalRequest, "GET\n/bucket/a%20b%2Bc\n") {
			t.Errorf("no canonical request in %s", body)
		}
	})
	t.Run("tampered header", func(t *testing.T) {
		req := e.v4Request(t, http.MethodGet, "/bucket/a%20b+c", nil, "", map[string]string{"Range": "bytes=0-1"})
		req.Header.Set("X-Amz-Date", time.Now().Add(time.Second).UTC().Format(sigv4.AmzDateFormat))
		resp, body := e.do(t, req)
		wantError(t, resp, body, http.StatusForbidden, "SignatureDoesNotMatch")
	})
	t.Run("unknown key", func(t *testing.T) {
		req := e.request(t, http.MethodGet, "/", nil)
		sigv4.SignRequest(req, "AKIANOBODY", "x", testRegion, time.Now(), "")
		resp, body := e.do(t, req)
		wantError(t, resp, body, http.StatusForbidden, "InvalidAccessKeyId")
	})
	t.Run("wrong region", func(t *testing.T) {
		req := e.request(t, http.MethodGet, "/", nil)
		sigv4.SignRequest(req, aliceKey, aliceSecret, "eu-west-3", time.Now(), "")
		resp, body := e.do(t, req)
		doc := wantError(t, resp, body, http.StatusBadRequest, "AuthorizationHeaderMalformed")
		if !strings.Contains(doc.Message, "'eu-west-3' is wrong; expecting 'us-east-1'") || !strings.Contains(string(body), "<Region>us-east-1</Region>") {
			t.Errorf("message %q body %s", doc.Message, body)
		}
	})
	t.Run("skewed", func(t *testing.T) {
		req := e.request(t, http.MethodGet, "/", nil)
		sigv4.SignRequest(req, aliceKey, aliceSecret, testRegion, time.Now().Add(-20*time.Minute), "")
		resp, body := e.do(t, req)
		wantError(t, resp, body, http.StatusForbidden, "RequestTimeTooSkewed")
	})
	t.Run("missing content sha256", func(t *testing.T) {
		req := e.v4Request(t, http.MethodGet, "/", nil, "", nil)
		req.Header.Del("X-Amz-Content-Sha256")
		resp, body := e.do(t, req)
		wantError(t, resp, body, http.StatusBadRequest, "InvalidRequest")
	})
	t.Run("malformed header", func(t *testing.T) {
		req := e.request(t, http.MethodGet, "/", nil)
		req.Header.Set("X-Amz-Date", time.Now().UTC().Format(sigv4.AmzDateFormat))
		req.Header.Set("X-Amz-Content-Sha256", sigv4.EmptySHA256)
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+aliceKey+"/20250101/us-east-1/s3/aws4_request, Signature=00")
		resp, body := e.do(t, req)
		wantError(t, resp, body, http.StatusBadRequest, "AuthorizationHeaderMalformed")
	})
}

func TestSigV4Presigned(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	e.mustPut(t, "bucket", "dir/a b+c.txt", []byte("presigned body"))
	path := objectPath("bucket", "dir/a b+c.txt")

	presign := func(method, path string, at time.Time, expires time.Duration) *http.Request {
		req := e.request(t, method, path, nil)
		sigv4.Presign(req, aliceKey, aliceSecret, testRegion, at, expires)
		return req
	}
	// A plain http.Get of the URL.
	resp, err := e.client().Get(presign(http.MethodGet, path, time.Now(), time.Hour).URL.String())
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(got) != "presigned body" {
		t.Fatalf("presigned GET: %d %q", resp.StatusCode, got)
	}
	// A presigned PUT with a plain body.
	put := presign(http.MethodPut, "/bucket/uploaded", time.Now(), time.Hour)
	put.Body = io.NopCloser(strings.NewReader("via presigned put"))
	put.ContentLength = int64(len("via presigned put"))
	resp2, body := e.do(t, put)
	wantStatus(t, resp2, body, http.StatusOK)
	if resp, body := e.get(t, "bucket", "uploaded", nil); resp.StatusCode != 200 || string(body) != "via presigned put" {
		t.Fatalf("read back %d %q", resp.StatusCode, body)
	}

	for _, c := range []struct {
		name   string
		req    *http.Request
		status int
		code   string
	}{
		{"expired", presign(http.MethodGet, path, time.Now().Add(-2*time.Hour), time.Hour), http.StatusForbidden, "AccessDenied"},
		{"not yet valid", presign(http.MethodGet, path, time.Now().Add(time.Hour), time.Hour), http.StatusForbidden, "AccessDenied"},
		{"expires too long", presign(http.MethodGet, path, time.Now(), 604801*time.Second), http.StatusBadRequest, "AuthorizationQueryParametersError"},
		{"other key", func() *http.Request {
			r := presign(http.MethodGet, path, time.Now(), time.Hour)
			r.URL.Path = "/bucket/other"
			r.URL.RawPath = ""
			return r
		}(), http.StatusForbidden, "SignatureDoesNotMatch"},
		{"other method", func() *http.Request {
			r := presign(http.MethodGet, path, time.Now(), time.Hour)
			r.Method = http.MethodDelete
			return r
		}(), http.StatusForbidden, "SignatureDoesNotMatch"},
		{"missing parameter", e.request(t, http.MethodGet, path+"?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=x&X-Amz-Signature=00", nil), http.StatusBadRequest, "AuthorizationQueryParametersError"},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := e.do(t, c.req)
			wantError(t, resp, body, c.status, c.code)
		})
	}
	// Nothing of the refused requests was deleted.
	if resp, body := e.get(t, "bucket", "dir/a b+c.txt", nil); resp.StatusCode != 200 || string(body) != "presigned body" {
		t.Fatalf("object changed: %d %q", resp.StatusCode, body)
	}
}

// TestPayloadForms sends each x-amz-content-sha256 form, right and wrong:
// a wrong one gets the AWS error and leaves the previous object intact.
func TestPayloadForms(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	old := []byte("the previous version")
	data := bytes.Repeat([]byte("0123456789abcdef"), 400) // 6400 bytes: 7 chunks of 1000

	flipLastData := func(b []byte) []byte { // a data byte of the last full chunk
		i := bytes.LastIndex(b, []byte("\r\n0"))
		c := append([]byte(nil), b...)
		c[i-1] ^= 1
		return c
	}
	flipSig := func(b []byte) []byte { // the first chunk's signature
		i := bytes.Index(b, []byte("chunk-signature=")) + len("chunk-signature=")
		c := append([]byte(nil), b...)
		c[i] = 'a' // another lower-case hex digit: still well formed, now wrong
		if b[i] == 'a' {
			c[i] = 'b'
		}
		return c
	}
	truncate := func(b []byte) []byte { return b[:len(b)/2] }
	badTrailer := func(b []byte) []byte {
		return bytes.Replace(b, []byte("x-amz-checksum-crc32:"), []byte("x-amz-checksum-crc32:AAAA"), 1)
	}
	wrongCRC := http.Header{"X-Amz-Checksum-Crc32": {checksum.Encode(checksum.CRC32.Sum([]byte("other")))}}

	cases := []struct {
		name   string
		req    func(key string) *http.Request
		status int
		code   string
		crc32  bool // the stored object has a CRC32
	}{
		{"hex sha256", func(k string) *http.Request { return e.v4Request(t, http.MethodPut, "/bucket/"+k, data, "", nil) }, 200, "", false},
		{"hex sha256 mismatch", func(k string) *http.Request {
			return e.v4Request(t, http.MethodPut, "/bucket/"+k, data, strings.Repeat("ab", 32), nil)
		}, 400, "XAmzContentSHA256Mismatch", false},
		{"signed chunks", func(k string) *http.Request {
			return e.chunkedPut(t, "/bucket/"+k, data, sigv4.Signed, nil, nil)
		}, 200, "", false},
		{"signed chunks, data changed", func(k string) *http.Request {
			return e.chunkedPut(t, "/bucket/"+k, data, sigv4.Signed, nil, flipLastData)
		}, 403, "SignatureDoesNotMatch", false},
		{"signed chunks, signature changed", func(k string) *http.Request {
			return e.chunkedPut(t, "/bucket/"+k, data, sigv4.Signed, nil, flipSig)
		}, 403, "SignatureDoesNotMatch", false},
		{"signed chunks, truncated", func(k string) *http.Request {
			return e.chunkedPut(t, "/bucket/"+k, data, sigv4.Signed, nil, truncate)
		}, 400, "IncompleteBody", false},
		{"signed chunks with trailer", func(k string) *http.Request {
			return e.chunkedPut(t, "/bucket/"+k, data, sigv4.SignedTrailer, crc32Trailer(data), nil)
		}, 200, "", true},
		{"signed trailer, wrong checksum", func(k string) *http.Request {
			return e.chunkedPut(t, "/bucket/"+k, data, sigv4.SignedTrailer, wrongCRC, nil)
		}, 400, "BadDigest", false},
		{"signed trailer, trailer changed after signing", func(k string) *http.Request {
			return e.chunkedPut(t, "/bucket/"+k, data, sigv4.SignedTrailer, crc32Trailer(data), badTrailer)
		}, 403, "SignatureDoesNotMatch", false},
		{"unsigned chunks with trailer", func(k string) *http.Request {
			return e.chunkedPut(t, "/bucket/"+k, data, sigv4.UnsignedTrailer, crc32Trailer(data), nil)
		}, 200, "", true},
		{"unsigned trailer, wrong checksum", func(k string) *http.Request {
			return e.chunkedPut(t, "/bucket/"+k, data, sigv4.UnsignedTrailer, wrongCRC, nil)
		}, 400, "BadDigest", false},
		{"unsigned trailer, truncated", func(k string) *http.Request {
			return e.chunkedPut(t, "/bucket/"+k, data, sigv4.UnsignedTrailer, crc32Trailer(data), truncate)
		}, 400, "IncompleteBody", false},
		{"unsigned trailer, malformed trailer", func(k string) *http.Request {
			return e.chunkedPut(t, "/bucket/"+k, data, sigv4.UnsignedTrailer, crc32Trailer(data), badTrailer)
		}, 400, "InvalidRequest", false},
		{"trailer not announced", func(k string) *http.Request {
			r := e.chunkedPut(t, "/bucket/"+k, data, sigv4.UnsignedTrailer, crc32Trailer(data), nil)
			r.Header.Del("X-Amz-Trailer")
			sigv4.SignRequest(r, aliceKey, aliceSecret, testRegion, time.Now(), sigv4.StreamingUnsignedPayloadTrailer)
			return r
		}, 400, "MalformedTrailerError", false},
		{"no decoded length", func(k string) *http.Request {
			r := e.chunkedPut(t, "/bucket/"+k, data, sigv4.UnsignedTrailer, crc32Trailer(data), nil)
			r.Header.Del("X-Amz-Decoded-Content-Length")
			sigv4.SignRequest(r, aliceKey, aliceSecret, testRegion, time.Now(), sigv4.StreamingUnsignedPayloadTrailer)
			return r
		}, 411, "MissingContentLength", false},
		{"checksum header", func(k string) *http.Request {
			return e.v4Request(t, http.MethodPut, "/bucket/"+k, data, sigv4.UnsignedPayload,
				map[string]string{"X-Amz-Checksum-Crc32": checksum.Encode(checksum.CRC32.Sum(data))})
		}, 200, "", true},
		{"checksum header mismatch", func(k string) *http.Request {
			return e.v4Request(t, http.MethodPut, "/bucket/"+k, data, sigv4.UnsignedPayload,
				map[string]string{"X-Amz-Checksum-Crc32": checksum.Encode(checksum.CRC32.Sum([]byte("x")))})
		}, 400, "BadDigest", false},
		{"two checksum headers", func(k string) *http.Request {
			return e.v4Request(t, http.MethodPut, "/bucket/"+k, data, sigv4.UnsignedPayload,
				map[string]string{"X-Amz-Checksum-Crc32": checksum.Encode(checksum.CRC32.Sum(data)),
					"X-Amz-Checksum-Sha256": checksum.Encode(checksum.SHA256.Sum(data))})
		}, 400, "InvalidRequest", false},
		{"malformed checksum header", func(k string) *http.Request {
			return e.v4Request(t, http.MethodPut, "/bucket/"+k, data, sigv4.UnsignedPayload,
				map[string]string{"X-Amz-Checksum-Crc32": "not base64!"})
		}, 400, "InvalidRequest", false},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			key := fmt.Sprintf("k%d", i)
			e.mustPut(t, "bucket", key, old)
			resp, body := e.do(t, c.req(key))
			want := old
			if c.code == "" {
				wantStatus(t, resp, body, c.status)
				want = data
			} else {
				wantError(t, resp, body, c.status, c.code)
			}
			resp, got := e.get(t, "bucket", key, map[string]string{"X-Amz-Checksum-Mode": "ENABLED"})
			if resp.StatusCode != 200 || !bytes.Equal(got, want) {
				t.Fatalf("after the request the object is %d %.40q, want %.40q", resp.StatusCode, got, want)
			}
			if ce := resp.Header.Get("Content-Encoding"); ce != "" {
				t.Errorf("Content-Encoding stored: %q", ce)
			}
			crc := resp.Header.Get("X-Amz-Checksum-Crc32")
			if c.crc32 && crc != checksum.Encode(checksum.CRC32.Sum(data)) {
				t.Errorf("x-amz-checksum-crc32 = %q", crc)
			}
			if !c.crc32 && crc != "" {
				t.Errorf("unexpected x-amz-checksum-crc32 %q", crc)
			}
		})
	}
}

// TestChecksumAlgorithms stores each algorithm by header and by trailer and
// gets it back only when the client asks (x-amz-checksum-mode: ENABLED).
func TestChecksumAlgorithms(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	data := []byte("checksummed bytes")
	for _, a := range checksum.All() {
		t.Run(string(a), func(t *testing.T) {
			want := checksum.Encode(a.Sum(data))
			req := e.chunkedPut(t, "/bucket/"+string(a), data, sigv4.UnsignedTrailer, http.Header{http.CanonicalHeaderKey(a.Header()): {want}}, nil)
			resp, body := e.do(t, req)
			wantStatus(t, resp, body, http.StatusOK)
			if got := resp.Header.Get(a.Header()); got != want {
				t.Errorf("PUT response %s = %q, want %q", a.Header(), got, want)
			}
			resp, _ = e.get(t, "bucket", string(a), nil)
			if got := resp.Header.Get(a.Header()); got != "" {
				t.Errorf("checksum sent without checksum mode: %q", got)
			}
			req = e.v4Request(t, http.MethodHead, "/bucket/"+string(a), nil, "", map[string]string{"X-Amz-Checksum-Mode": "ENABLED"})
			resp, _ = e.do(t, req)
			if got := resp.Header.Get(a.Header()); got != want || resp.Header.Get("X-Amz-Checksum-Type") != "FULL_OBJECT" {
				t.Errorf("HEAD %s = %q type %q, want %q", a.Header(), got, resp.Header.Get("X-Amz-Checksum-Type"), want)
			}
			// Algorithm named without a value: the server computes it.
			req = e.v4Request(t, http.MethodPut, "/bucket/computed-"+string(a), data, "", map[string]string{"X-Amz-Sdk-Checksum-Algorithm": string(a)})
			resp, body = e.do(t, req)
			wantStatus(t, resp, body, http.StatusOK)
			if got := resp.Header.Get(a.Header()); got != want {
				t.Errorf("computed %s = %q, want %q", a.Header(), got, want)
			}
		})
	}
}
