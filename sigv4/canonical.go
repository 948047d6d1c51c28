package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Algorithm is the only signing algorithm this package implements.
const Algorithm = "AWS4-HMAC-SHA256"

// Terminator ends every credential scope.
const Terminator = "aws4_request"

// AmzDateFormat is the layout of X-Amz-Date (ISO 8601 basic, UTC).
const AmzDateFormat = "20060102T150405Z"

// scopeDateFormat is the layout of the date in the credential scope.
const scopeDateFormat = "20060102"

// EmptySHA256 is the hex SHA-256 of the empty string, the x-amz-content-sha256
// of a request without a body.
const EmptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// awsEncode percent-encodes s as AWS's UriEncode does: A-Za-z0-9 and -._~ are
// kept, '/' too when keepSlash is set, every other byte becomes %XX with
// upper-case hex digits (so UTF-8 is encoded byte by byte).
func awsEncode(s string, keepSlash bool) string {
	const hexdig = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !keep(s[i], keepSlash) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if keep(c, keepSlash) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexdig[c>>4], hexdig[c&15])
	}
	return string(b)
}

func keep(c byte, keepSlash bool) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~' || keepSlash && c == '/'
}

// canonicalURI returns the CanonicalURI of an S3 request: the decoded path
// (r.URL.Path, which is what r.URL.EscapedPath() decodes to whatever escaping
// the client chose) encoded once with awsEncode, '/' kept. S3 neither
// normalizes the path (no "." or ".." removal, "//" kept) nor double-encodes
// it. An empty path is "/".
func canonicalURI(u *url.URL) string {
	if u == nil {
		return "/"
	}
	p := u.Path
	if p == "" {
		if u.Opaque != "" {
			return "/"
		}
		p = "/"
	}
	return awsEncode(p, true)
}

// queryParam is one name=value pair of a raw query, in canonical (encoded) form.
type queryParam struct{ name, value string }

// percentDecode decodes %XX escapes and leaves '+' alone (S3 clients send a
// space as %20 and a plus as %2B). A malformed escape is kept literally, so
// the '%' is then encoded as %25.
func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	if d, err := url.PathUnescape(s); err == nil {
		return d
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && ishex(s[i+1]) && ishex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// rawParam is one parameter of a raw query, decoded.
type rawParam struct{ name, value string }

// parseRawQuery splits a raw query into decoded parameters, in order. Empty
// segments ("a=1&&b=2") are skipped; a name without '=' has an empty value.
func parseRawQuery(raw string) []rawParam {
	var out []rawParam
	for raw != "" {
		var seg string
		seg, raw, _ = strings.Cut(raw, "&")
		if seg == "" {
			continue
		}
		name, value, _ := strings.Cut(seg, "=")
		out = append(out, rawParam{percentDecode(name), percentDecode(value)})
	}
	return out
}

// canonicalQuery returns the CanonicalQueryString: every parameter (but
// X-Amz-Signature when presigned), name and value decoded then encoded with
// awsEncode, sorted by encoded name then encoded value, "name=" for an empty
// value, joined with '&'.
func canonicalQuery(params []rawParam, presigned bool) string {
	qs := make([]queryParam, 0, len(params))
	for _, p := range params {
		if presigned && p.name == "X-Amz-Signature" {
			continue
		}
		qs = append(qs, queryParam{awsEncode(p.name, false), awsEncode(p.value, false)})
	}
	sort.Slice(qs, func(i, j int) bool {
		if qs[i].name != qs[j].name {
			return qs[i].name < qs[j].name
		}
		return qs[i].value < qs[j].value
	})
	var b strings.Builder
	for i, q := range qs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(q.name)
		b.WriteByte('=')
		b.WriteString(q.value)
	}
	return b.String()
}

// headerValues returns every value of the header name (lower case) in r,
// whatever the case of the key in r.Header, and the values Go keeps outside
// r.Header: host (from host, or r.Host, or r.URL.Host), Transfer-Encoding
// (r.TransferEncoding) and, on a client-side request, Content-Length
// (r.ContentLength).
func headerValues(r *http.Request, name, host string) []string {
	switch name {
	case "host":
		if host == "" {
			host = r.Host
		}
		if host == "" && r.URL != nil {
			host = r.URL.Host
		}
		return []string{host}
	}
	var vals []string
	if v, ok := r.Header[http.CanonicalHeaderKey(name)]; ok {
		vals = append(vals, v...)
	}
	for k, v := range r.Header {
		if k != http.CanonicalHeaderKey(name) && strings.EqualFold(k, name) {
			vals = append(vals, v...)
		}
	}
	if len(vals) == 0 {
		switch name {
		case "transfer-encoding":
			vals = r.TransferEncoding
		case "content-length":
			if r.ContentLength > 0 {
				vals = []string{strconv.FormatInt(r.ContentLength, 10)}
			}
		}
	}
	return vals
}

// trimAll trims a header value and collapses each inner run of spaces and
// tabs to one space (AWS "Trimall", as botocore and minio-go implement it).
func trimAll(v string) string {
	if !strings.ContainsAny(v, "\t") && !strings.Contains(v, "  ") &&
		strings.TrimSpace(v) == v {
		return v
	}
	return strings.Join(strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '\t' }), " ")
}

// canonicalHeaders returns the CanonicalHeaders block, "name:value\n" per
// signed header in the given order, each value being all values of the header
// trimmed and joined with ','.
func canonicalHeaders(r *http.Request, signed []string, host string) string {
	var b strings.Builder
	for _, name := range signed {
		b.WriteString(name)
		b.WriteByte(':')
		for i, v := range headerValues(r, name, host) {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(trimAll(v))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// canonicalRequest returns the canonical request of r:
//
//	Method \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n HashedPayload
func canonicalRequest(r *http.Request, signed []string, host, payloadHash string, presigned bool) string {
	var rawQuery string
	if r.URL != nil {
		rawQuery = r.URL.RawQuery
	}
	return r.Method + "\n" +
		canonicalURI(r.URL) + "\n" +
		canonicalQuery(parseRawQuery(rawQuery), presigned) + "\n" +
		canonicalHeaders(r, signed, host) + "\n" +
		strings.Join(signed, ";") + "\n" +
		payloadHash
}

// stringToSign returns "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" +
// hex(sha256(canonical request)).
func stringToSign(amzDate, scope, canonical string) string {
	return Algorithm + "\n" + amzDate + "\n" + scope + "\n" + hexSHA256([]byte(canonical))
}

func hexSHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// signHex returns the hex HMAC-SHA256 of s with the signing key.
func signHex(key []byte, s string) string {
	return hex.EncodeToString(hmacSHA256(key, s))
}

// Scope returns the credential scope "yyyymmdd/region/service/aws4_request".
func Scope(date, region, service string) string {
	return date + "/" + region + "/" + service + "/" + Terminator
}

// keyCache remembers derived signing keys: a client signs every request of a
// day with the same key, and deriving it costs four HMACs.
var keyCache = struct {
	sync.Mutex
	m map[string][]byte
}{m: map[string][]byte{}}

// keyCacheMax bounds keyCache; it is emptied when full.
const keyCacheMax = 1024

// SigningKey derives the V4 signing key:
// HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request"),
// date being yyyymmdd. Keys are cached; the result must not be modified.
func SigningKey(secret, date, region, service string) []byte {
	ck := date + "\x00" + region + "\x00" + service + "\x00" + secret
	keyCache.Lock()
	k, ok := keyCache.m[ck]
	keyCache.Unlock()
	if ok {
		return k
	}
	k = hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	k = hmacSHA256(k, Terminator)
	keyCache.Lock()
	if len(keyCache.m) >= keyCacheMax {
		clear(keyCache.m)
	}
	keyCache.m[ck] = k
	keyCache.Unlock()
	return k
}
