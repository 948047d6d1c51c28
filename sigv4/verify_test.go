package sigv4

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// now is the server time of these tests.
var now = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

func opts() Options { return exampleOptions(now) }

// signedRequest returns a server-side request signed at t with SignRequest.
func signedRequest(t time.Time, method, target string, hdr map[string]string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	SignRequest(r, exampleAccessKey, exampleSecret, "us-east-1", t, "")
	return r
}

// setAuth replaces one component of the Authorization header.
func setAuth(r *http.Request, old, new string) {
	r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), old, new, 1))
}

func TestIsV4(t *testing.T) {
	for _, tc := range []struct {
		auth, target string
		want         bool
	}{
		{"AWS4-HMAC-SHA256 Credential=a", "/b/k", true},
		{"AWS4-ECDSA-P256-SHA256 Credential=a", "/b/k", true},
		{"AWS4-", "/b/k", true},
		{"AWS AKID:sig", "/b/k", false},
		{"", "/b/k", false},
		{"Bearer x", "/b/k", false},
		{"", "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256", true},
		{"", "/b/k?X-Amz-Credential=x", true},
		{"", "/b/k?X-Amz-Signature=x", true},
		{"", "/b/k?X-Amz-Date=x&X-Amz-Expires=1", false},
		{"", "/b/k?AWSAccessKeyId=a&Signature=s&Expires=1", false},
		{"", "/b/k?x-amz-signature=x", false},
	} {
		r := httptest.NewRequest("GET", tc.target, nil)
		if tc.auth != "" {
			r.Header.Set("Authorization", tc.auth)
		}
		if got := IsV4(r); got != tc.want {
			t.Errorf("IsV4(%q, %q) = %v", tc.auth, tc.target, got)
		}
	}
}

func TestVerifyHeaderErrors(t *testing.T) {
	good := func() *http.Request {
		return signedRequest(now, "PUT", "/b/k?acl", map[string]string{"X-Amz-Meta-A": "1", "Content-Type": "text/plain"})
	}
	if res, err := Verify(good(), opts()); err != nil {
		t.Fatalf("good request: %v\n%s", err, res.CanonicalRequest)
	}
	for _, tc := range []struct {
		name   string
		mutate func(r *http.Request)
		want   error
	}{
		{"no auth", func(r *http.Request) { r.Header.Del("Authorization") }, ErrNoAuth},
		{"sigv4a", func(r *http.Request) { setAuth(r, "AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256") }, ErrUnsupportedAlgorithm},
		{"algorithm only", func(r *http.Request) { r.Header.Set("Authorization", "AWS4-HMAC-SHA256") }, ErrMalformedHeader},
		{"no signature", func(r *http.Request) { setAuth(r, ", Signature=", ", X=") }, ErrMalformedHeader},
		{"empty signature", func(r *http.Request) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:strings.Index(a, "Signature=")+10])
		}, ErrMalformedHeader},
		{"no credential", func(r *http.Request) { setAuth(r, "Credential=", "Credentials=") }, ErrMalformedHeader},
		{"repeated component", func(r *http.Request) {
			r.Header.Set("Authorization", r.Header.Get("Authorization")+", SignedHeaders=host")
		}, ErrMalformedHeader},
		{"short credential", func(r *http.Request) { setAuth(r, "/us-east-1/s3/aws4_request", "/us-east-1/s3") }, ErrMalformedHeader},
		{"no access key", func(r *http.Request) { setAuth(r, exampleAccessKey+"/", "/") }, ErrMalformedHeader},
		{"bad scope date", func(r *http.Request) { setAuth(r, "/20260314/", "/2026031x/") }, ErrMalformedHeader},
		{"other scope date", func(r *http.Request) { setAuth(r, "/20260314/", "/20260313/") }, ErrMalformedHeader},
		{"wrong region", func(r *http.Request) { setAuth(r, "/us-east-1/", "/eu-west-1/") }, ErrMalformedHeader},
		{"wrong service", func(r *http.Request) { setAuth(r, "/s3/", "/s4/") }, ErrMalformedHeader},
		{"wrong terminator", func(r *http.Request) { setAuth(r, "aws4_request", "aws5_request") }, ErrMalformedHeader},
		{"host not signed", func(r *http.Request) { setAuth(r, "host;", "") }, ErrMalformedHeader},
		{"signed headers unsorted", func(r *http.Request) { setAuth(r, "content-type;host", "host;content-type") }, ErrMalformedHeader},
		{"signed headers upper case", func(r *http.Request) { setAuth(r, "content-type;host", "Content-Type;host") }, ErrMalformedHeader},
		{"signed header empty", func(r *http.Request) { setAuth(r, "content-type;host", "content-type;;host") }, ErrMalformedHeader},
		{"no content sha256", func(r *http.Request) { r.Header.Del("X-Amz-Content-Sha256") }, ErrMissingContentSHA256},
		{"bad content sha256", func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", "abc") }, ErrInvalidPayloadHash},
		{"sigv4a streaming", func(r *http.Request) {
			r.Header.Set("X-Amz-Content-Sha256", "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD")
		}, ErrInvalidPayloadHash},
		{"bad x-amz-date", func(r *http.Request) { r.Header.Set("X-Amz-Date", "Sat, 14 Mar 2026 12:00:00 GMT") }, ErrMissingDate},
		{"no date", func(r *http.Request) { r.Header.Del("X-Amz-Date") }, ErrMissingDate},
		{"garbage Date only", func(r *http.Request) { r.Header.Del("X-Amz-Date"); r.Header.Set("Date", "yesterday") }, ErrMissingDate},
		{"unknown key", func(r *http.Request) { setAuth(r, exampleAccessKey, "AKIDUNKNOWN") }, ErrInvalidAccessKeyID},
		{"bad signature", func(r *http.Request) { setAuth(r, "Signature=", "Signature=0") }, ErrSignatureDoesNotMatch},
		{"upper-case signature", func(r *http.Request) {
			a := r.Header.Get("Authorization")
			i := strings.Index(a, "Signature=") + 10
			r.Header.Set("Authorization", a[:i]+strings.ToUpper(a[i:]))
		}, ErrSignatureDoesNotMatch},
		{"unsigned x-amz header", func(r *http.Request) { r.Header.Set("X-Amz-Acl", "public-read") }, ErrHeadersNotSigned},
		{"signed header changed", func(r *http.Request) { r.Header.Set("X-Amz-Meta-A", "2") }, ErrSignatureDoesNotMatch},
		{"signed header removed", func(r *http.Request) { r.Header.Del("Content-Type") }, ErrSignatureDoesNotMatch},
		{"query changed", func(r *http.Request) { r.URL.RawQuery = "acl&x" }, ErrSignatureDoesNotMatch},
		{"both mechanisms", func(r *http.Request) { r.URL.RawQuery += "&X-Amz-Signature=x" }, ErrMultipleAuth},
	} {
		r := good()
		tc.mutate(r)
		_, err := Verify(r, opts())
		wantErr(t, tc.name, err, tc.want)
	}
}

// TestResultOnError: Verify reports what it parsed before failing.
func TestResultOnError(t *testing.T) {
	r := signedRequest(now, "GET", "/b/k", nil)
	setAuth(r, "/us-east-1/", "/eu-west-1/")
	res, err := Verify(r, opts())
	if !errors.Is(err, ErrMalformedHeader) || !strings.Contains(err.Error(), "the region 'eu-west-1' is wrong; expecting 'us-east-1'") {
		t.Errorf("wrong region: %v", err)
	}
	if res.AccessKey != exampleAccessKey || res.Region != "eu-west-1" || res.Signature == "" {
		t.Errorf("wrong region: Result %+v", res)
	}

	r = signedRequest(now, "GET", "/b/k", nil)
	setAuth(r, "Signature=", "Signature=0")
	res, err = Verify(r, opts())
	if err != ErrSignatureDoesNotMatch || res.StringToSign == "" || res.CanonicalRequest == "" ||
		!strings.HasPrefix(res.Signature, "0") || res.SigningKey != nil {
		t.Errorf("bad signature: %v, Result %+v", err, res)
	}

	r = signedRequest(now.Add(-time.Hour), "GET", "/b/k", nil)
	res, err = Verify(r, opts())
	if !errors.Is(err, ErrRequestTimeTooSkewed) || res.AmzDate != "20260314T110000Z" || !res.Date.Equal(now.Add(-time.Hour)) {
		t.Errorf("skewed: %v, Result %+v", err, res)
	}
}

func TestSkew(t *testing.T) {
	for _, tc := range []struct {
		offset time.Duration
		want   error
	}{
		{0, nil},
		{15 * time.Minute, nil},
		{-15 * time.Minute, nil},
		{15*time.Minute + time.Second, ErrRequestTimeTooSkewed},
		{-15*time.Minute - time.Second, ErrRequestTimeTooSkewed},
		{-24 * time.Hour, ErrRequestTimeTooSkewed},
	} {
		_, err := Verify(signedRequest(now.Add(tc.offset), "GET", "/b/k", nil), opts())
		wantErr(t, tc.offset.String(), err, tc.want)
	}
}

// TestDateHeaderFallback: without x-amz-date, the Date header is the
// request time and its ISO 8601 form is in the string to sign.
func TestDateHeaderFallback(t *testing.T) {
	r := httptest.NewRequest("GET", "/b/k", nil)
	r.Header.Set("Date", now.Format(http.TimeFormat))
	r.Header.Set("X-Amz-Content-Sha256", EmptySHA256)
	signed := []string{"date", "host", "x-amz-content-sha256"}
	creq := canonicalRequest(r, signed, "", EmptySHA256, false)
	scope := Scope("20260314", "us-east-1", "s3")
	sig := signHex(SigningKey(exampleSecret, "20260314", "us-east-1", "s3"), stringToSign("20260314T120000Z", scope, creq))
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+exampleAccessKey+"/"+scope+", SignedHeaders=date;host;x-amz-content-sha256, Signature="+sig)
	if res, err := Verify(r, opts()); err != nil || res.AmzDate != "20260314T120000Z" {
		t.Fatalf("Date only: %v %+v", err, res)
	}
	r.Header.Set("Date", now.Add(-time.Hour).Format(http.TimeFormat))
	if _, err := Verify(r, opts()); !errors.Is(err, ErrRequestTimeTooSkewed) {
		t.Fatalf("stale Date: %v", err)
	}
}

// TestHostOption: Options.Host replaces r.Host in the canonical request.
func TestHostOption(t *testing.T) {
	r := httptest.NewRequest("GET", "http://public.example.com/b/k", nil)
	SignRequest(r, exampleAccessKey, exampleSecret, "us-east-1", now, "")
	r.Host = "10.0.0.1:9000" // what a rewriting proxy forwards
	if _, err := Verify(r, opts()); err != ErrSignatureDoesNotMatch {
		t.Errorf("rewritten host: %v", err)
	}
	o := opts()
	o.Host = "public.example.com"
	if _, err := Verify(r, o); err != nil {
		t.Errorf("Options.Host: %v", err)
	}
}

func TestVerifyPresigned(t *testing.T) {
	presigned := func(t0 time.Time, expires time.Duration, target string) *http.Request {
		c := httptest.NewRequest("GET", "http://examplebucket.s3.amazonaws.com"+target, nil)
		Presign(c, exampleAccessKey, exampleSecret, "us-east-1", t0, expires)
		return readRequest(t, "GET "+c.URL.RequestURI()+" HTTP/1.1\nHost: examplebucket.s3.amazonaws.com", "")
	}
	for _, tc := range []struct {
		name   string
		r      *http.Request
		mutate func(q string) string
		want   error
	}{
		{"good", presigned(now, time.Hour, "/b/k"), nil, nil},
		{"good, other params", presigned(now, time.Hour, "/b/a%20b+c?response-content-type=text%2Fplain&versionId=1"), nil, nil},
		{"one week", presigned(now, 7*24*time.Hour, "/b/k"), nil, nil},
		{"just before expiry", presigned(now.Add(-time.Hour), time.Hour, "/b/k"), nil, nil},
		{"expired", presigned(now.Add(-time.Hour-time.Second), time.Hour, "/b/k"), nil, ErrExpired},
		{"zero expiry", presigned(now.Add(-time.Second), 0, "/b/k"), nil, ErrExpired},
		{"future within skew", presigned(now.Add(15*time.Minute), time.Minute, "/b/k"), nil, nil},
		{"future", presigned(now.Add(16*time.Minute), time.Hour, "/b/k"), nil, ErrNotYetValid},
		{"over a week", presigned(now, time.Hour, "/b/k"), func(q string) string { return strings.Replace(q, "X-Amz-Expires=3600", "X-Amz-Expires=604801", 1) }, ErrMalformedQuery},
		{"negative", presigned(now, time.Hour, "/b/k"), func(q string) string { return strings.Replace(q, "X-Amz-Expires=3600", "X-Amz-Expires=-1", 1) }, ErrMalformedQuery},
		{"huge", presigned(now, time.Hour, "/b/k"), func(q string) string {
			return strings.Replace(q, "X-Amz-Expires=3600", "X-Amz-Expires=99999999999999999999", 1)
		}, ErrMalformedQuery},
		{"not a number", presigned(now, time.Hour, "/b/k"), func(q string) string { return strings.Replace(q, "X-Amz-Expires=3600", "X-Amz-Expires=1h", 1) }, ErrMalformedQuery},
		{"no expires", presigned(now, time.Hour, "/b/k"), func(q string) string { return strings.Replace(q, "X-Amz-Expires=3600", "", 1) }, ErrMalformedQuery},
		{"no date", presigned(now, time.Hour, "/b/k"), func(q string) string { return strings.Replace(q, "X-Amz-Date=", "X-Amz-Datum=", 1) }, ErrMalformedQuery},
		{"bad date", presigned(now, time.Hour, "/b/k"), func(q string) string { return strings.Replace(q, "X-Amz-Date=2026", "X-Amz-Date=x026", 1) }, ErrMalformedQuery},
		{"no signed headers", presigned(now, time.Hour, "/b/k"), func(q string) string { return strings.Replace(q, "X-Amz-SignedHeaders=host", "", 1) }, ErrMalformedQuery},
		{"host not signed", presigned(now, time.Hour, "/b/k"), func(q string) string {
			return strings.Replace(q, "X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=x-amz-date", 1)
		}, ErrMalformedQuery},
		{"wrong region", presigned(now, time.Hour, "/b/k"), func(q string) string { return strings.Replace(q, "us-east-1", "eu-west-1", 1) }, ErrMalformedQuery},
		{"bad algorithm", presigned(now, time.Hour, "/b/k"), func(q string) string { return strings.Replace(q, "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512", 1) }, ErrUnsupportedAlgorithm},
		{"repeated param", presigned(now, time.Hour, "/b/k"), func(q string) string { return q + "&X-Amz-Expires=1" }, ErrMalformedQuery},
		{"extra param", presigned(now, time.Hour, "/b/k"), func(q string) string { return q + "&acl" }, ErrSignatureDoesNotMatch},
		{"bad signature", presigned(now, time.Hour, "/b/k"), func(q string) string { return strings.Replace(q, "X-Amz-Signature=", "X-Amz-Signature=0", 1) }, ErrSignatureDoesNotMatch},
		{"unknown key", presigned(now, time.Hour, "/b/k"), func(q string) string { return strings.Replace(q, exampleAccessKey, "AKIDUNKNOWN", 1) }, ErrInvalidAccessKeyID},
	} {
		if tc.mutate != nil {
			tc.r.URL.RawQuery = tc.mutate(tc.r.URL.RawQuery)
		}
		res, err := Verify(tc.r, opts())
		wantErr(t, tc.name, err, tc.want)
		if !res.Presigned {
			t.Errorf("%s: Result.Presigned not set", tc.name)
		}
	}

	// Headers: an unsigned x-amz-* header is refused, a signed one must match,
	// x-amz-content-sha256 replaces UNSIGNED-PAYLOAD.
	r := presigned(now, time.Hour, "/b/k")
	r.Header.Set("X-Amz-Acl", "public-read")
	_, err := Verify(r, opts())
	wantErr(t, "unsigned header", err, ErrHeadersNotSigned)

	r = presigned(now, time.Hour, "/b/k")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 x")
	_, err = Verify(r, opts())
	wantErr(t, "with Authorization", err, ErrMultipleAuth)

	c := httptest.NewRequest("PUT", "http://h/b/k", nil)
	c.Header.Set("X-Amz-Content-Sha256", EmptySHA256)
	c.Header.Set("X-Amz-Meta-A", "b")
	p := Presign(c, exampleAccessKey, exampleSecret, "us-east-1", now, time.Hour)
	if strings.Join(p.SignedHeaders, ";") != "host;x-amz-content-sha256;x-amz-meta-a" {
		t.Errorf("presign signed headers %v", p.SignedHeaders)
	}
	res, err := Verify(c, opts())
	if err != nil || res.PayloadHash != EmptySHA256 {
		t.Errorf("presigned with content sha256: %v %q", err, res.PayloadHash)
	}
	c.Header.Set("X-Amz-Meta-A", "c")
	_, err = Verify(c, opts())
	wantErr(t, "presigned, signed header changed", err, ErrSignatureDoesNotMatch)
}

// TestGoMovedHeaders: on the server, Go moves Host and Transfer-Encoding out
// of r.Header and keeps Content-Length; all three can be signed.
func TestGoMovedHeaders(t *testing.T) {
	r := readRequest(t, "PUT /b/k HTTP/1.1\nHost: h.example:9000\nTransfer-Encoding: chunked\nX-Amz-Date: 20260314T120000Z", "0\r\n\r\n")
	if _, ok := r.Header["Transfer-Encoding"]; ok {
		t.Log("Go kept Transfer-Encoding in r.Header")
	}
	got := canonicalHeaders(r, []string{"host", "transfer-encoding", "x-amz-date"}, "")
	if want := "host:h.example:9000\ntransfer-encoding:chunked\nx-amz-date:20260314T120000Z\n"; got != want {
		t.Errorf("canonical headers %q, want %q", got, want)
	}
	r = readRequest(t, "PUT /b/k HTTP/1.1\nHost: h\nContent-Length: 3", "abc")
	if got := canonicalHeaders(r, []string{"content-length", "host"}, "proxy.example"); got != "content-length:3\nhost:proxy.example\n" {
		t.Errorf("canonical headers %q", got)
	}
}
