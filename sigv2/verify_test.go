package sigv2

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// now is the server time of these tests.
var now = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

// headerRequest builds a server-side request signed with the AWS form of
// StringToSign, path-style.
func headerRequest(t *testing.T, method, target string, hdr map[string]string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	signHeader(r, StringToSign(r, r.URL.EscapedPath(), ""))
	return r
}

func verify(r *http.Request) (Result, error) {
	return Verify(r, r.URL.EscapedPath(), secrets, now)
}

func TestSkew(t *testing.T) {
	for _, tc := range []struct {
		offset time.Duration
		want   error
	}{
		{0, nil},
		{14 * time.Minute, nil},
		{-14 * time.Minute, nil},
		{15 * time.Minute, nil},
		{16 * time.Minute, ErrRequestTimeTooSkewed},
		{-16 * time.Minute, ErrRequestTimeTooSkewed},
		{-24 * time.Hour, ErrRequestTimeTooSkewed},
	} {
		for _, hdr := range []string{"Date", "X-Amz-Date"} {
			date := now.Add(tc.offset)
			r := headerRequest(t, "GET", "/b/k", map[string]string{hdr: date.Format(http.TimeFormat)})
			res, err := verify(r)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Errorf("%s %v: err = %v, want %v", hdr, tc.offset, err, tc.want)
			}
			if !res.Date.Equal(date.Truncate(time.Second)) {
				t.Errorf("%s %v: Result.Date = %v", hdr, tc.offset, res.Date)
			}
		}
	}
}

func TestDateFormats(t *testing.T) {
	for _, d := range []string{
		now.Format(time.RFC1123),  // GMT, boto/botocore
		now.Format(time.RFC1123Z), // +0000, the AWS examples and s3cmd
		now.Format("Mon, 02 Jan 2006 15:04:05 -0000"),
		"Sat, 14 Mar 2026 12:00:00 +0100", // 11:00 UTC: the zone counts
		now.Format(time.RFC850),
		now.Format(time.ANSIC),
		now.Format("20060102T150405Z"),
	} {
		want := error(nil)
		if strings.HasSuffix(d, "+0100") {
			want = ErrRequestTimeTooSkewed // 11:00 UTC is an hour before now
		}
		r := headerRequest(t, "GET", "/b/k", map[string]string{"Date": d})
		if _, err := verify(r); !errors.Is(err, want) || (want == nil && err != nil) {
			t.Errorf("Date %q: %v, want %v", d, err, want)
		}
	}
}

func TestAmzDateOverridesDate(t *testing.T) {
	amz := now.Format(http.TimeFormat)
	stale := now.Add(-2 * time.Hour).Format(http.TimeFormat)
	r := headerRequest(t, "PUT", "/b/k", map[string]string{"Date": stale, "X-Amz-Date": amz, "Content-Type": "text/plain"})
	want := "PUT\n\ntext/plain\n\nx-amz-date:" + amz + "\n/b/k"
	if got := StringToSign(r, "/b/k", ""); got != want {
		t.Fatalf("StringToSign = %q, want %q", got, want)
	}
	if _, err := verify(r); err != nil {
		t.Fatalf("stale Date, current x-amz-date: %v", err)
	}

	// The skew check reads x-amz-date, not Date.
	r = headerRequest(t, "PUT", "/b/k", map[string]string{"Date": amz, "X-Amz-Date": stale})
	if _, err := verify(r); !errors.Is(err, ErrRequestTimeTooSkewed) {
		t.Fatalf("current Date, stale x-amz-date: %v, want ErrRequestTimeTooSkewed", err)
	}

	// botocore (HmacV1Auth.canonical_standard_headers) and minio's server
	// keep the Date header on the Date line even with x-amz-date.
	r = httptest.NewRequest("GET", "/b/k", nil)
	r.Header.Set("Date", amz)
	r.Header.Set("X-Amz-Date", amz)
	signHeader(r, "GET\n\n\n"+amz+"\nx-amz-date:"+amz+"\n/b/k")
	if _, err := verify(r); err != nil {
		t.Fatalf("botocore form: %v", err)
	}
	// ...but a Date line nobody produces is refused.
	signHeader(r, "GET\n\n\n"+stale+"\nx-amz-date:"+amz+"\n/b/k")
	if _, err := verify(r); !errors.Is(err, ErrSignatureDoesNotMatch) {
		t.Fatalf("unsigned date form: %v", err)
	}
}

func TestMissingDate(t *testing.T) {
	for name, hdr := range map[string]map[string]string{
		"none":              {},
		"garbage":           {"Date": "Bad Date"},
		"before epoch":      {"Date": "Tue, 07 Jul 1950 21:53:04 GMT"},
		"empty x-amz-date":  {"X-Amz-Date": " ", "Date": now.Format(http.TimeFormat)},
		"garbage amz":       {"X-Amz-Date": "yesterday", "Date": now.Format(http.TimeFormat)},
		"numeric timestamp": {"Date": "1773489600"},
	} {
		r := headerRequest(t, "GET", "/b/k", hdr)
		if _, err := verify(r); !errors.Is(err, ErrMissingDate) {
			t.Errorf("%s: %v, want ErrMissingDate", name, err)
		}
	}
	r := headerRequest(t, "GET", "/b/k", map[string]string{"Date": "Tue, 07 Jul 9999 21:53:04 GMT"})
	if _, err := verify(r); !errors.Is(err, ErrRequestTimeTooSkewed) {
		t.Errorf("year 9999: %v, want ErrRequestTimeTooSkewed", err)
	}
}

func TestWrongSecretAndUnknownKey(t *testing.T) {
	r := httptest.NewRequest("GET", "/b/k?acl", nil)
	r.Header.Set("Date", now.Format(http.TimeFormat))
	sts := StringToSign(r, "/b/k", "")
	r.Header.Set("Authorization", "AWS "+exampleAccessKey+":"+Sign("not-the-secret", sts))
	res, err := verify(r)
	if !errors.Is(err, ErrSignatureDoesNotMatch) {
		t.Fatalf("wrong secret: %v", err)
	}
	if res.StringToSign != sts || res.AccessKey != exampleAccessKey || res.Signature != Sign("not-the-secret", sts) {
		t.Fatalf("Result = %+v", res)
	}
	if strings.Contains(err.Error(), exampleSecret) || strings.Contains(res.StringToSign, exampleSecret) {
		t.Fatal("secret leaked")
	}

	r.Header.Set("Authorization", "AWS AKIDUNKNOWN:"+Sign(exampleSecret, sts))
	res, err = verify(r)
	if !errors.Is(err, ErrInvalidAccessKeyID) || res.AccessKey != "AKIDUNKNOWN" {
		t.Fatalf("unknown key: %v, %+v", err, res)
	}
}

func TestTampering(t *testing.T) {
	base := func() *http.Request {
		return headerRequest(t, "PUT", "/b/k?versionId=1", map[string]string{
			"Date": now.Format(http.TimeFormat), "Content-Type": "text/plain",
			"Content-Md5": "1B2M2Y8AsgTpgAmY7PhCfg==", "X-Amz-Meta-A": "1",
		})
	}
	if _, err := verify(base()); err != nil {
		t.Fatalf("untouched: %v", err)
	}
	for name, change := range map[string]func(r *http.Request){
		"method":         func(r *http.Request) { r.Method = "DELETE" },
		"content-type":   func(r *http.Request) { r.Header.Set("Content-Type", "text/html") },
		"content-md5":    func(r *http.Request) { r.Header.Del("Content-Md5") },
		"meta value":     func(r *http.Request) { r.Header.Set("X-Amz-Meta-A", "2") },
		"meta added":     func(r *http.Request) { r.Header.Set("X-Amz-Acl", "public-read") },
		"sub-resource":   func(r *http.Request) { r.URL.RawQuery = "versionId=2" },
		"acl added":      func(r *http.Request) { r.URL.RawQuery += "&acl" },
		"date":           func(r *http.Request) { r.Header.Set("Date", now.Add(time.Second).Format(http.TimeFormat)) },
		"signature byte": func(r *http.Request) { r.Header.Set("Authorization", r.Header.Get("Authorization")[:30]+"A=") },
		"not base64":     func(r *http.Request) { r.Header.Set("Authorization", "AWS "+exampleAccessKey+":!!!") },
	} {
		r := base()
		change(r)
		if _, err := Verify(r, "/b/k", secrets, now); !errors.Is(err, ErrSignatureDoesNotMatch) {
			t.Errorf("%s: %v, want ErrSignatureDoesNotMatch", name, err)
		}
	}
	// Another key must not verify, even through the re-encoded path forms:
	// "/b/a%2520b" is key "a%20b", not "a b".
	r := headerRequest(t, "GET", "/b/a%20b", map[string]string{"Date": now.Format(http.TimeFormat)})
	forged := httptest.NewRequest("GET", "/b/a%2520b", nil)
	forged.Header = r.Header.Clone()
	if _, err := verify(forged); !errors.Is(err, ErrSignatureDoesNotMatch) {
		t.Fatalf("other key: %v", err)
	}
}

func TestMalformedHeader(t *testing.T) {
	for _, h := range []string{
		"AWS", "AWS HAHAHA", "AWS :sig", "AWS ak:", "AWS  ak:sig", "AWS ak :sig",
		"AWS ak:sig:more", "AWS ak\tx:sig",
	} {
		r := httptest.NewRequest("GET", "/b/k", nil)
		r.Header.Set("Date", now.Format(http.TimeFormat))
		r.Header.Set("Authorization", h)
		if !IsV2(r) {
			t.Errorf("IsV2(%q) = false", h)
		}
		res, err := verify(r)
		if !errors.Is(err, ErrMalformed) || res.Presigned {
			t.Errorf("%q: %v %+v, want ErrMalformed (header)", h, err, res)
		}
	}
	for _, h := range []string{"", "AWS4-HMAC-SHA256 Credential=x", "AWSX ak:sig", "Bearer x"} {
		r := httptest.NewRequest("GET", "/b/k", nil)
		if h != "" {
			r.Header.Set("Authorization", h)
		}
		if IsV2(r) {
			t.Errorf("IsV2(%q) = true", h)
		}
		if _, err := verify(r); !errors.Is(err, ErrNoAuth) {
			t.Errorf("%q: %v, want ErrNoAuth", h, err)
		}
	}
}

func TestBothMechanisms(t *testing.T) {
	r := httptest.NewRequest("GET", "/b/k?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1&Signature=x", nil)
	r.Header.Set("Authorization", "AWS AKIAIOSFODNN7EXAMPLE:x")
	res, err := verify(r)
	if !errors.Is(err, ErrMalformed) || res.Presigned {
		t.Fatalf("%v %+v, want ErrMalformed, not pre-signed", err, res)
	}
}

func TestSubresources(t *testing.T) {
	date := now.Format(http.TimeFormat)
	for _, tc := range []struct{ query, want string }{
		{"", "/b/k"},
		{"acl", "/b/k?acl"},
		{"acl=", "/b/k?acl"},
		{"versionId=3&acl", "/b/k?acl&versionId=3"},
		{"uploadId=abc&partNumber=2", "/b/k?partNumber=2&uploadId=abc"},
		{"uploads&prefix=p&max-keys=5&delimiter=%2F", "/b/k?uploads"},
		{"tagging&versionId=a%2Bb%20c", "/b/k?tagging&versionId=a+b c"},
		{"delete", "/b/k?delete"},
		{"legal-hold&versionId=v", "/b/k?legal-hold&versionId=v"},
		{"object-lock", "/b/k?object-lock"},
		{"select&select-type=2", "/b/k?select&select-type=2"},
		{"foo=bar&x-id=GetObject", "/b/k"},
		{
			"response-content-type=text%2Fplain&response-content-disposition=attachment%3B%20filename%3D%22a%20b.txt%22&response-cache-control=no-cache&response-expires=Thu%2C%2001%20Dec%201994&response-content-language=de&response-content-encoding=gzip",
			"/b/k?response-cache-control=no-cache&response-content-disposition=attachment; filename=\"a b.txt\"&response-content-encoding=gzip&response-content-language=de&response-content-type=text/plain&response-expires=Thu, 01 Dec 1994",
		},
	} {
		r := httptest.NewRequest("GET", "/b/k?"+tc.query, nil)
		r.Header.Set("Date", date)
		want := "GET\n\n\n" + date + "\n" + tc.want
		if got := StringToSign(r, "/b/k", ""); got != want {
			t.Errorf("?%s: StringToSign = %q, want %q", tc.query, got, want)
		}
		signHeader(r, want)
		if _, err := verify(r); err != nil {
			t.Errorf("?%s: %v", tc.query, err)
		}
	}
}

func TestPresigned(t *testing.T) {
	exp := now.Add(time.Hour).Unix()
	sign := func(extra string) string {
		return Sign(exampleSecret, "GET\n\n\n"+itoa(exp)+"\n/b/my%20key"+extra)
	}
	for !strings.Contains(sign(""), "+") {
		exp++ // pick an Expires whose signature has a '+' for the raw-plus case
	}
	sig := sign("")
	url := "/b/my%20key?AWSAccessKeyId=" + exampleAccessKey + "&Expires=" + itoa(exp) + "&Signature="
	enc := strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(sig)

	for name, target := range map[string]string{
		"encoded":       url + enc,
		"raw plus":      url + strings.ReplaceAll(enc, "%2B", "+"), // '+' left unencoded by a careless client
		"param order":   "/b/my%20key?Signature=" + enc + "&Expires=" + itoa(exp) + "&AWSAccessKeyId=" + exampleAccessKey,
		"other params":  url + enc + "&x-id=GetObject",
		"absolute form": "http://host.example" + url + enc,
	} {
		r := httptest.NewRequest("GET", target, nil)
		res, err := verify(r)
		if err != nil || !res.Presigned || res.Expires.Unix() != exp {
			t.Errorf("%s: %v %+v", name, err, res)
		}
	}

	// Adding a response override after signing must not verify: that would
	// let the holder of a GET URL turn the object into text/html.
	r := httptest.NewRequest("GET", url+enc+"&response-content-type=text%2Fhtml", nil)
	if _, err := verify(r); !errors.Is(err, ErrSignatureDoesNotMatch) {
		t.Fatalf("added response-content-type: %v", err)
	}
	// ...while a signed one does.
	sig2 := strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(sign("?response-content-type=text/html"))
	r = httptest.NewRequest("GET", url+sig2+"&response-content-type=text%2Fhtml", nil)
	if _, err := verify(r); err != nil {
		t.Fatalf("signed response-content-type: %v", err)
	}

	r = httptest.NewRequest("GET", url+enc, nil)
	if _, err := Verify(r, "/b/my%20key", secrets, time.Unix(exp+1, 0)); !errors.Is(err, ErrExpired) {
		t.Fatalf("expired: %v", err)
	}
	if _, err := Verify(r, "/b/other", secrets, now); !errors.Is(err, ErrSignatureDoesNotMatch) {
		t.Fatalf("other resource: %v", err)
	}
	// A Date header far off does not matter to a pre-signed URL.
	r.Header.Set("Date", "Tue, 07 Jul 2010 21:53:04 GMT")
	if _, err := verify(r); err != nil {
		t.Fatalf("pre-signed with old Date header: %v", err)
	}

	bad := httptest.NewRequest("GET", "/b/my%20key?AWSAccessKeyId=AKIDUNKNOWN&Expires="+itoa(exp)+"&Signature="+enc, nil)
	if res, err := verify(bad); !errors.Is(err, ErrInvalidAccessKeyID) || res.AccessKey != "AKIDUNKNOWN" {
		t.Fatalf("unknown key: %v %+v", err, res)
	}
}

func TestPresignedMalformed(t *testing.T) {
	for _, q := range []string{
		"Signature=abc",
		"AWSAccessKeyId=" + exampleAccessKey,
		"AWSAccessKeyId=" + exampleAccessKey + "&Signature=abc",
		"AWSAccessKeyId=" + exampleAccessKey + "&Expires=1999999999",
		"Signature=abc&Expires=1999999999",
		"AWSAccessKeyId=&Signature=abc&Expires=1999999999",
		"AWSAccessKeyId=" + exampleAccessKey + "&Signature=abc&Expires=soon",
		"AWSAccessKeyId=" + exampleAccessKey + "&Signature=abc&Expires=1.5",
		"AWSAccessKeyId=" + exampleAccessKey + "&Signature=%zz&Expires=1999999999",
	} {
		r := httptest.NewRequest("GET", "/b/k?"+q, nil)
		if !IsV2(r) {
			t.Errorf("IsV2(?%s) = false", q)
		}
		res, err := verify(r)
		if !errors.Is(err, ErrMalformed) || !res.Presigned {
			t.Errorf("?%s: %v %+v, want ErrMalformed (pre-signed)", q, err, res)
		}
	}
	// Expires alone or V4's X-Amz-Signature is not V2 query authentication.
	for _, q := range []string{"Expires=5", "X-Amz-Signature=abc&X-Amz-Credential=x"} {
		r := httptest.NewRequest("GET", "/b/k?"+q, nil)
		if IsV2(r) {
			t.Errorf("IsV2(?%s) = true", q)
		}
	}
}

// botocore's HmacV1QueryAuth signs x-amz-* headers (x-amz-security-token)
// and Content-Type, then moves them into the query.
func TestPresignedBotocoreQueryHeaders(t *testing.T) {
	exp := itoa(now.Add(time.Hour).Unix())
	sts := "PUT\n\ntext/plain\n" + exp + "\nx-amz-security-token:tok/en+1\n/b/k"
	sig := strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(Sign(exampleSecret, sts))
	r := httptest.NewRequest("PUT", "/b/k?AWSAccessKeyId="+exampleAccessKey+"&Signature="+sig+
		"&Expires="+exp+"&content-type=text%2Fplain&x-amz-security-token=tok%2Fen%2B1", nil)
	res, err := verify(r)
	if err != nil {
		t.Fatalf("%v (computed %q)", err, res.StringToSign)
	}
	if res.StringToSign != sts {
		t.Fatalf("StringToSign = %q, want %q", res.StringToSign, sts)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestVerifyPolicy(t *testing.T) {
	policy := "eyJleHBpcmF0aW9uIjoiMjAyNi0wMS0wMVQwMDowMDowMFoiLCJjb25kaXRpb25zIjpbXX0="
	sig := Sign(exampleSecret, policy)
	if err := VerifyPolicy(policy, sig, exampleSecret); err != nil {
		t.Fatalf("valid policy signature: %v", err)
	}
	for name, tc := range map[string][3]string{
		"other secret": {policy, sig, "x"},
		"other policy": {policy + "Cg==", sig, exampleSecret},
		"not base64":   {policy, "!!", exampleSecret},
		"empty":        {policy, "", exampleSecret},
	} {
		if err := VerifyPolicy(tc[0], tc[1], tc[2]); !errors.Is(err, ErrSignatureDoesNotMatch) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Header values set by other means than Go's parser (which already trims and
// unfolds) are still trimmed and unfolded.
func TestAmzHeaderCanonicalization(t *testing.T) {
	r := httptest.NewRequest("PUT", "/b/k", nil)
	r.Header.Set("Date", now.Format(http.TimeFormat))
	r.Header["X-Amz-Meta-Folded"] = []string{" first \r\n\t  second line  "}
	r.Header["X-Amz-Meta-Multi"] = []string{" a ", "b\t"}
	r.Header["x-amz-meta-multi"] = []string{"c"} // a non-canonical key joins the canonical one
	r.Header["X-Amz-Meta-Empty"] = []string{""}
	r.Header["X-Amzfoo"] = []string{"not an amz header"}
	want := "PUT\n\n\n" + now.Format(http.TimeFormat) + "\n" +
		"x-amz-meta-empty:\nx-amz-meta-folded:first second line\nx-amz-meta-multi:a,b,c\n/b/k"
	if got := StringToSign(r, "/b/k", ""); got != want {
		t.Fatalf("StringToSign = %q, want %q", got, want)
	}
}
