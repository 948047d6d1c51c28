package sigv2

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"sort"
	"strings"
)

// Sign returns base64(HMAC-SHA1(secret, stringToSign)), the V2 signature as it
// appears in the Authorization header (and, URL-encoded, in a pre-signed URL).
func Sign(secret, stringToSign string) string {
	return base64.StdEncoding.EncodeToString(mac(secret, stringToSign))
}

// mac is the raw HMAC-SHA1 that Sign encodes; Verify compares these bytes.
func mac(secret, stringToSign string) []byte {
	h := hmac.New(sha1.New, []byte(secret))
	h.Write([]byte(stringToSign))
	return h.Sum(nil)
}

// StringToSign builds the V2 string to sign for r the way AWS documents it
// (the primary form Verify tries, and the one an S3 SignatureDoesNotMatch
// error reports). resourcePath is the escaped path part of the
// CanonicalizedResource (see Verify); the sub-resources come from r's query.
// A non-empty presignExpires selects the pre-signed form: the Date line is
// that Expires value and x-amz-* query parameters count as amz headers
// (botocore moves signed headers such as x-amz-security-token into the query).
func StringToSign(r *http.Request, resourcePath string, presignExpires string) string {
	f := collect(r, presignExpires != "")
	f.dateLine = presignExpires
	return f.build(resourcePath, styleAWS, dateAWS)
}

// fields are the parts of a request that every string to sign is built from.
type fields struct {
	method     string
	contentMD5 string
	contentTyp string
	date       string // Date header
	amzDate    string // x-amz-date header, trimmed
	hasAmzDate bool
	dateLine   string // pre-signed: the Expires value
	presigned  bool
	amz        []string // canonical "name:value" lines, sorted by name
	params     []qparam
}

// collect reads the signed parts of r once.
func collect(r *http.Request, presigned bool) *fields {
	f := &fields{method: r.Method, presigned: presigned}
	if r.URL != nil {
		f.params = parseQuery(r.URL.RawQuery)
	}
	h := r.Header
	f.contentMD5 = h.Get("Content-Md5")
	f.contentTyp = h.Get("Content-Type")
	f.date = h.Get("Date")
	if presigned {
		// botocore's HmacV1QueryAuth moves a signed Content-Type or
		// Content-MD5 into the query when it pre-signs.
		if f.contentMD5 == "" {
			f.contentMD5, _, _ = queryValue(f.params, "content-md5")
		}
		if f.contentTyp == "" {
			f.contentTyp, _, _ = queryValue(f.params, "content-type")
		}
	}
	values := map[string][]string{}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic order for names differing only in case
	for _, k := range keys {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "x-amz-") {
			values[lk] = append(values[lk], h[k]...)
		}
	}
	if presigned {
		for _, p := range f.params {
			lk := strings.ToLower(p.name)
			if strings.HasPrefix(lk, "x-amz-") {
				values[lk] = append(values[lk], queryUnescapeLoose(p.raw))
			}
		}
	}
	if v, ok := values["x-amz-date"]; ok {
		f.hasAmzDate = true
		if len(v) > 0 {
			f.amzDate = cleanValue(v[0])
		}
	}
	names := make([]string, 0, len(values))
	for k := range values {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		vs := values[k]
		clean := make([]string, len(vs))
		for i, v := range vs {
			clean[i] = cleanValue(v)
		}
		f.amz = append(f.amz, k+":"+strings.Join(clean, ","))
	}
	return f
}

// cleanValue unfolds folded header lines into one space and trims the value,
// as CanonicalizedAmzHeaders requires.
func cleanValue(v string) string {
	if strings.ContainsAny(v, "\r\n") {
		// Go's textproto already unfolds continuation lines; this covers
		// values set by other means.
		b := make([]byte, 0, len(v))
		for i := 0; i < len(v); i++ {
			c := v[i]
			if c != '\r' && c != '\n' {
				b = append(b, c)
				continue
			}
			for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
				b = b[:len(b)-1]
			}
			for i+1 < len(v) && strings.IndexByte("\r\n \t", v[i+1]) >= 0 {
				i++
			}
			b = append(b, ' ')
		}
		v = string(b)
	}
	return strings.Trim(v, " \t")
}

// dateForm is one way of filling the Date line when x-amz-date is present.
type dateForm int

const (
	// dateAWS: empty Date line when x-amz-date is present (the documented rule).
	dateAWS dateForm = iota
	// dateHeader: the Date header even when x-amz-date is present (botocore,
	// minio's server).
	dateHeader
	// dateAmzInLine: the x-amz-date value on the Date line and not among the
	// amz headers (the AWS documentation's "Delete" example).
	dateAmzInLine
)

// dateForms returns the forms worth trying for f, the primary first.
func (f *fields) dateForms() []dateForm {
	if f.presigned || !f.hasAmzDate {
		return []dateForm{dateAWS}
	}
	forms := []dateForm{dateAWS, dateAmzInLine}
	if f.date != "" {
		forms = append(forms, dateHeader)
	}
	return forms
}

// build assembles one string to sign.
func (f *fields) build(path string, style subresourceStyle, form dateForm) string {
	var b strings.Builder
	b.WriteString(f.method)
	b.WriteByte('\n')
	b.WriteString(f.contentMD5)
	b.WriteByte('\n')
	b.WriteString(f.contentTyp)
	b.WriteByte('\n')
	switch {
	case f.presigned:
		b.WriteString(f.dateLine)
	case !f.hasAmzDate:
		b.WriteString(f.date)
	case form == dateHeader:
		b.WriteString(f.date)
	case form == dateAmzInLine:
		b.WriteString(f.amzDate)
	}
	b.WriteByte('\n')
	for _, line := range f.amz {
		if form == dateAmzInLine && strings.HasPrefix(line, "x-amz-date:") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	b.WriteString(path)
	b.WriteString(subresources(f.params, style))
	return b.String()
}
