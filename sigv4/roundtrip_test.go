package sigv4

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/checksum"
	"github.com/minio/minio-go/v7/pkg/s3utils"
	"github.com/minio/minio-go/v7/pkg/signer"
)

// The round trips sign on the client side, send through a real
// httptest.Server and verify in the handler, so Go's own header handling
// (Host out of r.Header, Transfer-Encoding, RawPath) is what Verify sees.

// verifyHandler is what a frontend does: Verify, then check the body per
// x-amz-content-sha256. It answers 200 with "path\nsha256(payload)", or 403
// with the error.
func verifyHandler(w http.ResponseWriter, r *http.Request) {
	o := Options{Region: "us-east-1", Secret: secrets, Now: time.Now(), Host: r.Header.Get("X-Forwarded-Host")}
	res, err := Verify(r, o)
	var body []byte
	if err == nil {
		body, err = readPayload(r, res)
	}
	if err != nil {
		http.Error(w, err.Error()+"\n"+res.CanonicalRequest, http.StatusForbidden)
		return
	}
	sum := sha256.Sum256(body)
	fmt.Fprintf(w, "%s\n%x", r.URL.Path, sum)
}

func readPayload(r *http.Request, res Result) ([]byte, error) {
	if mode, ok := ParseChunkMode(res.PayloadHash); ok {
		n, err := strconv.ParseInt(r.Header.Get("X-Amz-Decoded-Content-Length"), 10, 64)
		if err != nil {
			return nil, err
		}
		var names []string
		for _, v := range r.Header.Values("X-Amz-Trailer") {
			for _, s := range strings.Split(v, ",") {
				names = append(names, strings.ToLower(strings.TrimSpace(s)))
			}
		}
		cr := NewChunkedReader(r.Body, ChunkParams{Mode: mode, DecodedLength: n, Result: res, Trailers: names})
		body := make([]byte, n)
		if _, err := io.ReadFull(cr, body); err != nil {
			return nil, err
		}
		if err := cr.Finish(); err != nil {
			return nil, err
		}
		for _, name := range names {
			alg, ok := checksum.FromHeader(name)
			if !ok || checksum.Encode(alg.Sum(body)) != cr.Trailers().Get(name) {
				return nil, fmt.Errorf("trailer %s = %q", name, cr.Trailers().Get(name))
			}
		}
		return body, nil
	}
	if IsSHA256Hex(res.PayloadHash) {
		hb := NewHashedBody(r.Body, res.PayloadHash)
		body, err := io.ReadAll(hb)
		if err != nil {
			return nil, err
		}
		return body, hb.Check()
	}
	return io.ReadAll(r.Body)
}

// do sends req and returns the status and body of the answer.
func do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// awkwardKeys are object keys whose escaping clients disagree on.
var awkwardKeys = []string{
	"plain.txt", "a b", "a+b", "100%", "50%25", "ü/é€", "a//b", "~tilde", "x?y#z", "semi;colon=1&2",
	"(paren)!*'", "dollar$@:,", "tab\tnewline", "back\\slash^`{}|<>\"", "dir/", ".", "..", "a/./b/../c",
}

func TestRoundTripSignRequest(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(verifyHandler))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	query := "prefix=" + awsEncode("a b/+é", false) + "&delimiter=%2F&list-type=2&empty=&flag"
	for _, key := range awkwardKeys {
		for _, style := range []string{"aws", "go"} {
			path := "/bucket/" + awsEncode(key, true) // botocore, aws-sdk-go-v2, minio-go, s3cmd
			if style == "go" {
				path = (&url.URL{Path: "/bucket/" + key}).EscapedPath() // Go's minimal escaping
			}
			body := []byte("hello " + key)
			req, _ := http.NewRequest("PUT", srv.URL+path+"?"+query, bytes.NewReader(body))
			req.Header.Set("Content-Type", "text/plain")
			req.Header.Set("X-Amz-Meta-Note", "  two   spaces  ")
			SignRequest(req, exampleAccessKey, exampleSecret, "us-east-1", time.Now(), sha256Hex(body))
			status, got := do(t, req)
			if want := "/bucket/" + key + "\n" + sha256Hex(body); status != 200 || got != want {
				t.Errorf("%s key %q: %d %s", style, key, status, got)
			}
		}
	}

	// A tampered body is caught by HashedBody.
	req, _ := http.NewRequest("PUT", srv.URL+"/bucket/k", strings.NewReader("tampered"))
	SignRequest(req, exampleAccessKey, exampleSecret, "us-east-1", time.Now(), sha256Hex([]byte("original")))
	if status, got := do(t, req); status != 403 || !strings.Contains(got, "x-amz-content-sha256") {
		t.Errorf("tampered body: %d %s", status, got)
	}

	// Behind a proxy: the client signed the public host.
	req, _ = http.NewRequest("GET", srv.URL+"/bucket/k", nil)
	req.Host = "s3.public.example"
	SignRequest(req, exampleAccessKey, exampleSecret, "us-east-1", time.Now(), UnsignedPayload)
	req.Host = u.Host
	if status, _ := do(t, req); status != 403 {
		t.Errorf("rewritten host accepted: %d", status)
	}
	req.Header.Set("X-Forwarded-Host", "s3.public.example")
	if status, got := do(t, req); status != 200 {
		t.Errorf("X-Forwarded-Host: %d %s", status, got)
	}
}

func TestRoundTripPresign(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(verifyHandler))
	defer srv.Close()
	for _, key := range awkwardKeys {
		req, _ := http.NewRequest("GET", srv.URL+"/bucket/"+awsEncode(key, true)+"?response-content-disposition="+awsEncode("attachment; filename=\"a b.txt\"", false), nil)
		Presign(req, exampleAccessKey, exampleSecret, "us-east-1", time.Now(), time.Hour)
		if status, got := do(t, req); status != 200 || !strings.HasPrefix(got, "/bucket/"+key+"\n") {
			t.Errorf("key %q: %d %s", key, status, got)
		}
	}
	req, _ := http.NewRequest("GET", srv.URL+"/bucket/k", nil)
	Presign(req, exampleAccessKey, exampleSecret, "us-east-1", time.Now().Add(-2*time.Hour), time.Hour)
	if status, got := do(t, req); status != 403 || !strings.Contains(got, "expired") {
		t.Errorf("expired URL: %d %s", status, got)
	}
}

func TestRoundTripChunked(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(verifyHandler))
	defer srv.Close()
	data := payload(200000)
	for _, mode := range []ChunkMode{Signed, SignedTrailer, UnsignedTrailer} {
		for _, transferChunked := range []bool{false, true} {
			req, _ := http.NewRequest("PUT", srv.URL+"/bucket/a%20b", nil)
			req.Header.Set("Content-Encoding", "aws-chunked")
			req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(data)))
			var tr http.Header
			if mode != Signed {
				tr = http.Header{}
				tr.Set(checksum.CRC64NVME.Header(), checksum.Encode(checksum.CRC64NVME.Sum(data)))
				req.Header.Set("X-Amz-Trailer", checksum.CRC64NVME.Header())
			}
			seed := SignRequest(req, exampleAccessKey, exampleSecret, "us-east-1", time.Now(), mode.String())
			var body bytes.Buffer
			if err := EncodeChunked(&body, data, 65536, mode, seed, tr); err != nil {
				t.Fatal(err)
			}
			req.Body, req.ContentLength = io.NopCloser(&body), int64(body.Len())
			if transferChunked {
				req.ContentLength = -1 // Transfer-Encoding: chunked around aws-chunked
			}
			if status, got := do(t, req); status != 200 || got != "/bucket/a b\n"+sha256Hex(data) {
				t.Errorf("%v, transfer chunked %v: %d %s", mode, transferChunked, status, got)
			}
		}
	}
}

// shaHasher adapts crypto/sha256 to minio-go's md5simd.Hasher.
type shaHasher struct{ hash.Hash }

func (shaHasher) Close() {}

// TestRoundTripMinioGo signs with minio-go v7's signer, the way its client
// does: SignV4, PreSignV4, StreamingSignV4 (with and without a signed
// trailer) and SignV4Trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER).
func TestRoundTripMinioGo(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(verifyHandler))
	defer srv.Close()
	data := payload(150000)
	crc := checksum.Encode(checksum.CRC32C.Sum(data))
	newReq := func(method, key string, body []byte) *http.Request {
		req, _ := http.NewRequest(method, srv.URL+"/bucket/"+s3utils.EncodePath(key)+"?"+s3utils.QueryEncode(url.Values{"tagging": {""}, "x": {"a b+c"}}), bytes.NewReader(body))
		if body == nil {
			req.Body, req.ContentLength = nil, 0
		}
		return req
	}
	for _, key := range awkwardKeys {
		want := "/bucket/" + key + "\n" + sha256Hex(data)

		req := newReq("PUT", key, data)
		req.Header.Set("X-Amz-Content-Sha256", sha256Hex(data))
		req = signer.SignV4(*req, exampleAccessKey, exampleSecret, "", "us-east-1")
		if status, got := do(t, req); status != 200 || got != want {
			t.Errorf("SignV4 %q: %d %s", key, status, got)
		}

		req = newReq("GET", key, nil)
		req = signer.PreSignV4(*req, exampleAccessKey, exampleSecret, "", "us-east-1", 600)
		if status, got := do(t, req); status != 200 || got != "/bucket/"+key+"\n"+sha256Hex(nil) {
			t.Errorf("PreSignV4 %q: %d %s", key, status, got)
		}

		for _, trailer := range []bool{false, true} {
			req = newReq("PUT", key, data)
			if trailer {
				req.Trailer = http.Header{"x-amz-checksum-crc32c": {crc}}
			}
			req = signer.StreamingSignV4(req, exampleAccessKey, exampleSecret, "", "us-east-1", int64(len(data)), time.Now().UTC(), shaHasher{sha256.New()})
			if status, got := do(t, req); status != 200 || got != want {
				t.Errorf("StreamingSignV4 %q trailer %v: %d %s", key, trailer, status, got)
			}
		}

		req = newReq("PUT", key, data)
		req.Header.Set("X-Amz-Content-Sha256", StreamingUnsignedPayloadTrailer)
		req = signer.SignV4Trailer(*req, exampleAccessKey, exampleSecret, "", "us-east-1", http.Header{"x-amz-checksum-crc32c": {crc}})
		if status, got := do(t, req); status != 200 || got != want {
			t.Errorf("SignV4Trailer %q: %d %s", key, status, got)
		}
	}
}
