package sigv4

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzVerify checks that Verify never panics, returns only the documented
// errors, and accepts any request once SignRequest has signed it (with a
// valid date and no query authentication). Without -fuzz it runs the seeds.
func FuzzVerify(f *testing.F) {
	for _, s := range []struct{ method, target, auth, amzDate, sha, hname, hvalue string }{
		{"GET", "/test.txt", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41", "20130524T000000Z", EmptySHA256, "Range", "bytes=0-9"},
		{"PUT", "/b/a%20b+c?uploadId=x%2By&partNumber=1", "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=, Signature=", "", "UNSIGNED-PAYLOAD", "X-Amz-Meta-A", " x \t y "},
		{"GET", "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260314%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260314T120000Z&X-Amz-Expires=99999999999999999999&X-Amz-SignedHeaders=host&X-Amz-Signature=00", "", "", "", "", ""},
		{"GET", "/b/k?X-Amz-Signature=&X-Amz-Expires=-1&X-Amz-Credential=////", "AWS4-", "x", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "", ""},
		{"DELETE", "/b/%ZZ?%&&==&a=%", "AWS4-HMAC-SHA256 ,,,=,Credential==", "20261399T999999Z", "zz", "x-amz-date", ""},
		{"", "", "AWS4-HMAC-SHA256", "", "", "", ""},
		{"GET", "*", "AWS4-HMAC-SHA256 Credential=A/20260314/us-east-1/s3/aws4_request, SignedHeaders=host;host, Signature=x", "20260314T120000Z", EmptySHA256, "X-AMZ-\u00e9", "\u00ff\x00"},
	} {
		f.Add(s.method, s.target, s.auth, s.amzDate, s.sha, s.hname, s.hvalue)
	}
	f.Fuzz(func(t *testing.T, method, target, auth, amzDate, sha, hname, hvalue string) {
		r := fuzzRequest(method, target)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		if amzDate != "" {
			r.Header.Set("X-Amz-Date", amzDate)
		}
		if sha != "" {
			r.Header.Set("X-Amz-Content-Sha256", sha)
		}
		if hname != "" {
			r.Header[hname] = append(r.Header[hname], hvalue)
		}
		isV4 := IsV4(r)
		_, err := Verify(r, opts())
		if err == nil && !isV4 {
			t.Fatal("verified a request IsV4 rejects")
		}
		if err != nil && sentinelOf(err) == nil {
			t.Fatalf("undocumented error %v", err)
		}
		if r.URL == nil || hasQueryAuth(parseRawQuery(r.URL.RawQuery)) || !validPayloadHash(sha) {
			return
		}
		if hname != "" && !headerName(hname) {
			return // net/http never hands such a header over: nothing to round-trip
		}
		// Round trip: our own signature is always accepted.
		for k := range r.Header {
			if strings.EqualFold(k, "X-Amz-Date") || strings.EqualFold(k, "X-Amz-Content-Sha256") || strings.EqualFold(k, "Authorization") {
				delete(r.Header, k)
			}
		}
		SignRequest(r, exampleAccessKey, exampleSecret, "us-east-1", now, sha)
		if res, err := Verify(r, opts()); err != nil {
			t.Fatalf("own signature refused: %v\n%q", err, res.CanonicalRequest)
		}
	})
}

// fuzzRequest builds a server-side request without validating the target,
// so that odd targets reach Verify (an empty target leaves URL nil).
func fuzzRequest(method, target string) *http.Request {
	r := &http.Request{Method: method, Header: http.Header{}, RequestURI: target, Host: "h.example"}
	if target == "" {
		return r
	}
	if u, err := url.ParseRequestURI(target); err == nil {
		r.URL = u
	} else {
		path, query, _ := strings.Cut(target, "?")
		r.URL = &url.URL{Path: path, RawQuery: query}
	}
	return r
}

// FuzzChunkedReader checks that the decoder never panics, returns only the
// documented errors, never delivers more than DecodedLength bytes, and
// returns exactly the payload when it reports success.
func FuzzChunkedReader(f *testing.F) {
	seed := SignRequest(&http.Request{Method: "PUT", URL: &url.URL{Path: "/b/k"}, Header: http.Header{}, Host: "h"},
		exampleAccessKey, exampleSecret, "us-east-1", now, StreamingPayload)
	for _, mode := range []ChunkMode{Signed, SignedTrailer, UnsignedTrailer} {
		for _, n := range []int{0, 1, 40} {
			var b bytes.Buffer
			tr := http.Header{"X-Amz-Checksum-Crc32": {"AAAAAA=="}}
			EncodeChunked(&b, bytes.Repeat([]byte("z"), n), 16, mode, seed, tr)
			f.Add(uint8(mode), int64(n), b.Bytes())
		}
	}
	f.Add(uint8(Signed), int64(3), []byte("3;chunk-signature=\r\nabc\r\n0\r\n\r\n"))
	f.Add(uint8(UnsignedTrailer), int64(3), []byte("3\r\nabc\r\n0\r\nx-amz-checksum-crc32:x\n\r\n\r\n"))
	f.Fuzz(func(t *testing.T, mode uint8, n int64, body []byte) {
		if n > 1<<20 {
			n %= 1 << 20
		}
		p := ChunkParams{Mode: ChunkMode(mode % 4), DecodedLength: n, Result: seed, Trailers: []string{"x-amz-checksum-crc32"}}
		cr := NewChunkedReader(bytes.NewReader(body), p)
		got, err := io.ReadAll(io.LimitReader(cr, 2<<20))
		if int64(len(got)) > max(n, 0) {
			t.Fatalf("delivered %d bytes, DecodedLength %d", len(got), n)
		}
		if err != nil && sentinelOf(err) == nil {
			t.Fatalf("undocumented error %v", err)
		}
		if err == nil && (int64(len(got)) != n || cr.Finish() != nil) {
			t.Fatalf("success with %d of %d bytes (Finish %v)", len(got), n, cr.Finish())
		}
	})
}
