package sigv2

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Re-implementations of real clients' V2 signing, written from their source,
// so that the verifier is checked against what the clients put on the wire
// and not against its own StringToSign. Each builds the raw request text and
// parses it like the server does.

// clientKeys are object keys that clients escape differently.
var clientKeys = []string{
	"plain.txt",
	"my key.txt",
	"a+b=c&d",
	"100%.txt",
	"%41%2F already-escaped",
	"résumé/ünïcødé ✓.txt",
	"日本語/ファイル",
	"dir//sub///x",
	"/leading-slash",
	"trailing-slash/",
	"tilde~star*quote'(paren)!",
	"semi;colon:at@dollar$comma,",
	"q?mark#hash",
}

// pyQuote is Python 3's urllib.parse.quote(s.encode("utf-8"), safe=safe):
// ASCII letters, digits, "_.-~" and the safe characters are kept, every other
// byte becomes %XX with upper-case hex. s3cmd's s3_quote (S3/BaseUtils.py) is
// pyQuote(s, "~/") for paths (quote_backslashes=False) and pyQuote(s, "~")
// for parameter values; botocore's percent_encode and its path quoting use
// safe "/~" the same way.
func pyQuote(s, safe string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) || strings.IndexByte(safe, c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// s3cmdParams is format_param_str of s3cmd 2.x S3/Crypto.py: sorted names,
// "name" alone for a None or empty value, else "name=" + s3_quote(value)
// (only '~' safe); limited restricts the names (SUBRESOURCES_TO_INCLUDE of
// sign_request_v2) when not nil.
func s3cmdParams(params map[string]string, limited []string) string {
	names := make([]string, 0, len(params))
	for k := range params {
		if limited == nil || contains(limited, k) {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		b.WriteByte('&')
		if v := params[k]; v == "" {
			b.WriteString(pyQuote(k, "~"))
		} else {
			b.WriteString(k + "=" + pyQuote(v, "~"))
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return "?" + b.String()[1:]
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// clientReq is one request a client makes.
type clientReq struct {
	method  string
	bucket  string
	key     string
	params  map[string]string // "" means a value-less parameter (s3cmd's None)
	headers map[string]string // lower-case names
	vhost   bool
}

func (c clientReq) host() string {
	if c.vhost {
		return c.bucket + ".s3.example.test"
	}
	return "s3.example.test"
}

// rawRequest renders the request line and headers.
func rawRequest(method, target, host string, headers map[string]string, auth string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\nHost: %s\n", method, target, host)
	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(&b, "%s: %s\n", k, headers[k])
	}
	if auth != "" {
		fmt.Fprintf(&b, "Authorization: %s\n", auth)
	}
	return b.String()
}

// s3cmd2 signs like s3cmd 2.x (s3tools/s3cmd master: S3/S3.py
// S3Request.update_timestamp, sign, get_triplet and S3.format_uri;
// S3/Crypto.py sign_request_v2): x-amz-date instead of Date, the path
// s3_quote'd with '/' safe in both the signature and the request line, the
// sub-resources of SUBRESOURCES_TO_INCLUDE with s3_quote'd values.
func s3cmd2(t *testing.T, c clientReq, at time.Time) (*http.Request, string) {
	subresources := []string{"acl", "lifecycle", "location", "logging", "notification", "partNumber",
		"policy", "requestPayment", "tagging", "torrent", "uploadId", "uploads", "versionId",
		"versioning", "versions", "website", "delete", "cors", "restore"}
	hdr := map[string]string{}
	for k, v := range c.headers {
		hdr[k] = v
	}
	delete(hdr, "date")
	hdr["x-amz-date"] = at.UTC().Format("Mon, 02 Jan 2006 15:04:05 +0000")
	uri := "/" + c.key
	sts := c.method + "\n" + hdr["content-md5"] + "\n" + hdr["content-type"] + "\n" + hdr["date"] + "\n"
	names := make([]string, 0, len(hdr))
	for k := range hdr {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if strings.HasPrefix(k, "x-amz-") {
			sts += k + ":" + hdr[k] + "\n"
		}
	}
	sts += pyQuote("/"+c.bucket+uri, "~/") + s3cmdParams(c.params, subresources)
	target := pyQuote(uri, "~/") + s3cmdParams(c.params, nil)
	if !c.vhost {
		target = "/" + pyQuote(c.bucket, "~/") + target
	}
	auth := "AWS " + exampleAccessKey + ":" + Sign(exampleSecret, sts)
	r := readRequest(t, rawRequest(c.method, target, c.host(), hdr, auth))
	return r, resourceOf(r, vhostBucket(c))
}

func vhostBucket(c clientReq) string {
	if c.vhost {
		return c.bucket
	}
	return ""
}

// s3cmd1Encode is S3.urlencode_string of s3cmd 1.5/1.6 (S3/S3.py): only
// space, '"', '#', '%', '&', '+', '<', '>', '?', '`' and bytes from '{' up
// are escaped; '!', '^', '\', '[' ... go out literally. The result is both
// sent and signed.
func s3cmd1Encode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '"' || c == '#' || c == '%' || c == '&' || c == '+' || c == '<' ||
			c == '>' || c == '?' || c == '`' || c >= 123 {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// s3cmd1 signs like s3cmd 1.6 path-style: resource uri "/" +
// urlencode_string(key) plus any "extra" sub-resource, signed as
// "/bucket" + uri and sent as the same.
func s3cmd1(t *testing.T, c clientReq, extra string, at time.Time) (*http.Request, string) {
	amzDate := at.UTC().Format("Mon, 02 Jan 2006 15:04:05 +0000")
	uri := "/" + s3cmd1Encode(c.key) + extra
	sts := c.method + "\n\n\n\nx-amz-date:" + amzDate + "\n/" + c.bucket + uri
	auth := "AWS " + exampleAccessKey + ":" + Sign(exampleSecret, sts)
	r := readRequest(t, rawRequest(c.method, "/"+c.bucket+uri, c.host(), map[string]string{"x-amz-date": amzDate}, auth))
	return r, resourceOf(r, "")
}

// minioReserved and minioEncodePath are s3utils.EncodePath of minio-go
// v7.4.1 (pkg/s3utils/utils.go): unreserved characters and '/' kept, every
// other rune's UTF-8 bytes %XX upper-case.
var minioReserved = regexp.MustCompile("^[a-zA-Z0-9-_.~/]+$")

func minioEncodePath(p string) string {
	if minioReserved.MatchString(p) {
		return p
	}
	var b strings.Builder
	for _, r := range p {
		if r < utf8.RuneSelf && (isUnreserved(byte(r)) || r == '/') {
			b.WriteRune(r)
			continue
		}
		buf := make([]byte, utf8.RuneLen(r))
		utf8.EncodeRune(buf, r)
		for _, c := range buf {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// minioQueryEncode is s3utils.QueryEncode: sorted names, always "name=".
func minioQueryEncode(v url.Values) string {
	names := make([]string, 0, len(v))
	for k := range v {
		names = append(names, k)
	}
	sort.Strings(names)
	var parts []string
	for _, k := range names {
		for _, val := range v[k] {
			enc := func(s string) string { return strings.ReplaceAll(minioEncodePath(s), "/", "%2F") }
			parts = append(parts, enc(k)+"="+enc(val))
		}
	}
	return strings.Join(parts, "&")
}

// minioGo signs like minio-go v7.4.1 with credentials.SignatureV2
// (pkg/signer/request-signature-v2.go SignV2; the URL as api.go's
// makeTargetURL builds it): Date in http.TimeFormat, x-amz headers lower-cased
// and joined with ',', the path EncodePath'd, sub-resources of resourceList
// with their first decoded value.
func minioGo(t *testing.T, c clientReq, at time.Time) (*http.Request, string) {
	list := []string{"acl", "cors", "delete", "encryption", "legal-hold", "lifecycle", "location",
		"logging", "notification", "partNumber", "policy", "replication", "requestPayment",
		"response-cache-control", "response-content-disposition", "response-content-encoding",
		"response-content-language", "response-content-type", "response-expires", "retention",
		"select", "select-type", "tagging", "torrent", "uploadId", "uploads", "versionId",
		"versioning", "versions", "website"}
	target := "/" + minioEncodePath(c.key)
	if !c.vhost {
		target = "/" + c.bucket + target
	}
	q := url.Values{}
	for k, v := range c.params {
		q.Set(k, v)
	}
	if len(q) > 0 {
		target += "?" + minioQueryEncode(q)
	}
	u, err := url.Parse("http://" + c.host() + target)
	if err != nil {
		t.Fatal(err)
	}
	hdr := map[string]string{"date": at.UTC().Format(http.TimeFormat)}
	for k, v := range c.headers {
		hdr[k] = v
	}
	sts := c.method + "\n" + hdr["content-md5"] + "\n" + hdr["content-type"] + "\n" + hdr["date"] + "\n"
	var amz []string
	for k := range hdr {
		if strings.HasPrefix(k, "x-amz") {
			amz = append(amz, k)
		}
	}
	sort.Strings(amz)
	for _, k := range amz {
		sts += k + ":" + hdr[k] + "\n"
	}
	path := u.Path
	if c.vhost {
		path = "/" + c.bucket + path
	}
	sts += minioEncodePath(path)
	vals, _ := url.ParseQuery(u.RawQuery)
	n := 0
	for _, name := range list {
		if vv, ok := vals[name]; ok && len(vv) > 0 {
			sep := "&"
			if n == 0 {
				sep = "?"
			}
			n++
			sts += sep + name
			if vv[0] != "" {
				sts += "=" + vv[0]
			}
		}
	}
	auth := "AWS " + exampleAccessKey + ":" + Sign(exampleSecret, sts)
	// Go's transport writes u.RequestURI() on the request line.
	r := readRequest(t, rawRequest(c.method, u.RequestURI(), c.host(), hdr, auth))
	return r, resourceOf(r, vhostBucket(c))
}

// botocore signs like botocore's HmacV1Auth (botocore/auth.py, boto3 with
// signature_version "s3"): Date from formatdate(usegmt=True), the path
// quoted with safe "/~", the raw query split on '&' and '=', values
// unquoted, "name=" kept.
func botocore(t *testing.T, c clientReq, rawQuery string, at time.Time) (*http.Request, string) {
	qsa := []string{"accelerate", "acl", "cors", "defaultObjectAcl", "location", "logging",
		"partNumber", "policy", "requestPayment", "torrent", "versioning", "versionId", "versions",
		"website", "uploads", "uploadId", "response-content-type", "response-content-language",
		"response-expires", "response-cache-control", "response-content-disposition",
		"response-content-encoding", "delete", "lifecycle", "tagging", "restore", "storageClass",
		"notification", "replication", "requestPayment", "analytics", "metrics", "inventory",
		"select", "select-type", "object-lock"}
	hdr := map[string]string{"date": at.UTC().Format(http.TimeFormat)}
	for k, v := range c.headers {
		hdr[k] = v
	}
	sts := c.method + "\n" + hdr["content-md5"] + "\n" + hdr["content-type"] + "\n" + hdr["date"] + "\n"
	var amz []string
	for k := range hdr {
		if strings.HasPrefix(k, "x-amz-") {
			amz = append(amz, k)
		}
	}
	sort.Strings(amz)
	for _, k := range amz {
		sts += k + ":" + strings.TrimSpace(hdr[k]) + "\n"
	}
	path := "/" + pyQuote(c.key, "/~")
	sts += "/" + c.bucket + path // auth_path always has the bucket
	if !c.vhost {
		path = "/" + c.bucket + path
	}
	if rawQuery != "" {
		type kv struct{ k, v string }
		var list []kv
		for _, a := range strings.Split(rawQuery, "&") {
			k, v, eq := strings.Cut(a, "=")
			if !contains(qsa, k) {
				continue
			}
			if eq {
				v, _ = url.PathUnescape(v)
				v = "=" + v
			}
			list = append(list, kv{k, v})
		}
		sort.SliceStable(list, func(i, j int) bool { return list[i].k < list[j].k })
		for i, e := range list {
			sep := "&"
			if i == 0 {
				sep = "?"
			}
			sts += sep + e.k + e.v
		}
		path += "?" + rawQuery
	}
	auth := "AWS " + exampleAccessKey + ":" + Sign(exampleSecret, sts)
	r := readRequest(t, rawRequest(c.method, path, c.host(), hdr, auth))
	return r, resourceOf(r, vhostBucket(c))
}

func TestClientsKeys(t *testing.T) {
	at := now.Add(-time.Minute)
	for _, key := range clientKeys {
		for _, vhost := range []bool{false, true} {
			c := clientReq{method: "PUT", bucket: "bkt", key: key, vhost: vhost, headers: map[string]string{
				"content-type":           "application/octet-stream",
				"x-amz-meta-s3cmd-attrs": "atime:1700000000/ctime:1700000000/gid:0/md5:d41d8cd98f00b204e9800998ecf8427e/mode:33188/uid:0/uname:root",
			}}
			for name, build := range map[string]func() (*http.Request, string){
				"s3cmd2":   func() (*http.Request, string) { return s3cmd2(t, c, at) },
				"minio-go": func() (*http.Request, string) { return minioGo(t, c, at) },
				"botocore": func() (*http.Request, string) { return botocore(t, c, "", at) },
			} {
				r, rp := build()
				if res, err := Verify(r, rp, secrets, now); err != nil {
					t.Errorf("%s vhost=%v key %q: %v\nrequest-uri %q resource %q\ncomputed %q",
						name, vhost, key, err, r.RequestURI, rp, res.StringToSign)
				}
			}
		}
	}
}

func TestS3cmd1RawPath(t *testing.T) {
	at := now.Add(-time.Minute)
	for _, key := range []string{"caret^back\\slash[brackets]", "excl!star*'()", "my key+~.txt", "ünï"} {
		r, rp := s3cmd1(t, clientReq{method: "GET", bucket: "bkt", key: key}, "?acl", at)
		if res, err := Verify(r, rp, secrets, now); err != nil {
			t.Errorf("key %q: %v\nrequest-uri %q resource %q computed %q", key, err, r.RequestURI, rp, res.StringToSign)
		}
	}
}

// Sub-resource forms that differ between clients.
func TestClientsSubresources(t *testing.T) {
	at := now.Add(-time.Minute)
	check := func(name string) func(*http.Request, string) {
		return func(r *http.Request, rp string) {
			t.Helper()
			if res, err := Verify(r, rp, secrets, now); err != nil {
				t.Errorf("%s: %v\nrequest-uri %q computed %q", name, err, r.RequestURI, res.StringToSign)
			}
		}
	}
	// s3cmd signs uploadId and partNumber s3_quote'd: an upload id with
	// '/', '+' and '=' is signed escaped, unlike the AWS form.
	part := clientReq{method: "PUT", bucket: "bkt", key: "big file.bin",
		params: map[string]string{"uploadId": "a/b+c=", "partNumber": "7"}}
	check("s3cmd part upload")(s3cmd2(t, part, at))
	check("minio-go part upload")(minioGo(t, part, at))
	for _, p := range []map[string]string{{"uploads": ""}, {"acl": ""}, {"tagging": ""}, {"delete": ""},
		{"versionId": "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo"},
		{"legal-hold": "", "versionId": "v1"}, {"restore": ""}} {
		c := clientReq{method: "GET", bucket: "bkt", key: "k", params: p}
		check(fmt.Sprintf("s3cmd %v", p))(s3cmd2(t, c, at))
		check(fmt.Sprintf("minio-go %v", p))(minioGo(t, c, at))
	}
	// minio-go leaves object-lock out of its resourceList.
	lock := clientReq{method: "PUT", bucket: "bkt", params: map[string]string{"object-lock": ""}}
	check("minio-go object-lock")(minioGo(t, lock, at))
	// botocore keeps "name=" for an empty value and signs storageClass.
	c := clientReq{method: "GET", bucket: "bkt", key: "k"}
	check("botocore versionId=")(botocore(t, c, "versionId=", at))
	check("botocore storageClass")(botocore(t, c, "storageClass=COLD&acl", at))
	check("botocore response override")(botocore(t, c,
		"response-content-disposition=attachment%3B%20filename%3D%22r%C3%A9sum%C3%A9%2Bcv.pdf%22&versionId=7", at))
}

// s3cmd signurl (S3/Crypto.py sign_url_base_v2): the object s3_quote'd in
// both the text and the URL, response-content-disposition and -type signed
// raw and sent s3_quote'd, the signature s3_quote'd with only '~' safe.
func TestS3cmdSignURL(t *testing.T) {
	expiry := now.Add(time.Hour).Unix()
	for _, key := range clientKeys {
		object := pyQuote(key, "~/")
		disp := `attachment; filename="x y.txt"`
		signtext := fmt.Sprintf("GET\n\n\n%d\n/bkt/%s?response-content-disposition=%s", expiry, object, disp)
		sig := pyQuote(Sign(exampleSecret, signtext), "~")
		target := fmt.Sprintf("/%s?AWSAccessKeyId=%s&Expires=%d&Signature=%s&response-content-disposition=%s",
			object, exampleAccessKey, expiry, sig, pyQuote(disp, "~"))
		r := readRequest(t, rawRequest("GET", target, "bkt.s3.example.test", nil, ""))
		rp := resourceOf(r, "bkt")
		if res, err := Verify(r, rp, secrets, now); err != nil {
			t.Errorf("key %q: %v\ncomputed %q", key, err, res.StringToSign)
		}
	}
}

// A proxy or HTTP library may re-escape the path between the client and us;
// the AWS-style re-encoding of the decoded path still matches what s3cmd
// and minio-go signed.
func TestReencodedPath(t *testing.T) {
	date := now.Format(http.TimeFormat)
	for _, tc := range []struct{ signed, sent string }{
		{"/bkt/a%2Bb%2C%3B%3D%40%21%2A", "/bkt/a+b,;=@!*"},           // needless escapes removed
		{"/bkt/r%C3%A9sum%C3%A9%20cv", "/bkt/r%c3%a9sum%c3%a9%20cv"}, // lower-case hex
		{"/bkt/tilde~x", "/bkt/tilde%7Ex"},                           // '~' escaped (Python 2 quote)
	} {
		sts := "GET\n\n\n" + date + "\n" + tc.signed
		raw := rawRequest("GET", tc.sent, "s3.example.test", map[string]string{"date": date},
			"AWS "+exampleAccessKey+":"+Sign(exampleSecret, sts))
		r := readRequest(t, raw)
		if res, err := Verify(r, resourceOf(r, ""), secrets, now); err != nil {
			t.Errorf("signed %q sent %q: %v (computed %q)", tc.signed, tc.sent, err, res.StringToSign)
		}
	}
	// The decoded path is never a candidate: "/bkt/a b" would also be the
	// decoded form of key "a%20b" sent as "/bkt/a%2520b".
	sts := "GET\n\n\n" + date + "\n/bkt/a b"
	r := readRequest(t, rawRequest("GET", "/bkt/a%20b", "s3.example.test", map[string]string{"date": date},
		"AWS "+exampleAccessKey+":"+Sign(exampleSecret, sts)))
	if _, err := Verify(r, resourceOf(r, ""), secrets, now); !errors.Is(err, ErrSignatureDoesNotMatch) {
		t.Errorf("decoded path signature: %v, want ErrSignatureDoesNotMatch", err)
	}
}
