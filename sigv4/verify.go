package sigv4

import (
	"crypto/hmac"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MaxSkew is how far the date of a header-signed request may be from the
// server time (and how far in the future a pre-signed X-Amz-Date may be).
const MaxSkew = 15 * time.Minute

// MaxExpires is the largest X-Amz-Expires AWS accepts: seven days.
const MaxExpires = 604800

// Options configures Verify.
type Options struct {
	// Region is the server's region; the credential scope's region must
	// equal it.
	Region string
	// Service is the service of the credential scope; "" means "s3".
	Service string
	// Secret returns the secret key of an access key, false if unknown.
	Secret func(accessKey string) (string, bool)
	// Now is the server time.
	Now time.Time
	// Host is the value of the canonical "host" header; "" means r.Host. A
	// frontend behind a proxy that rewrites Host passes X-Forwarded-Host.
	Host string
}

// Result describes a verification. Verify fills it as far as it got, even
// when it returns an error, so the frontend can report the access key, the
// request time or the string to sign in the S3 error.
type Result struct {
	// AccessKey is the access key of the credential.
	AccessKey string
	// Region and Service are those of the credential scope.
	Region, Service string
	// Presigned is set for query-string authentication.
	Presigned bool
	// Date is the request time: X-Amz-Date (header or query), else the Date
	// header for header authentication.
	Date time.Time
	// AmzDate is the request time as it is in the string to sign
	// (yyyymmddThhmmssZ).
	AmzDate string
	// Scope is the credential scope, "yyyymmdd/region/service/aws4_request".
	Scope string
	// SignedHeaders are the signed header names, lower case, sorted.
	SignedHeaders []string
	// PayloadHash is the payload hash line of the canonical request: the
	// x-amz-content-sha256 header as sent ("" if absent), or for a
	// pre-signed URL without that header, "UNSIGNED-PAYLOAD".
	PayloadHash string
	// Signature is the (seed) signature the request presents.
	Signature string
	// SigningKey is the derived key, which the aws-chunked decoder needs.
	// It is only set once the signature has been verified.
	SigningKey []byte
	// CanonicalRequest and StringToSign are what the server computed (S3
	// returns them in SignatureDoesNotMatch errors).
	CanonicalRequest, StringToSign string
	// Expires is the end of validity of a pre-signed URL.
	Expires time.Time
}

// IsV4 reports whether r claims V4 authentication: an Authorization header
// starting with "AWS4-" (so that a malformed or unsupported one is reported
// by Verify rather than ignored), or a query with X-Amz-Algorithm,
// X-Amz-Credential or X-Amz-Signature.
func IsV4(r *http.Request) bool {
	if isV4Header(r.Header.Get("Authorization")) {
		return true
	}
	return r.URL != nil && hasQueryAuth(parseRawQuery(r.URL.RawQuery))
}

func isV4Header(h string) bool {
	return strings.HasPrefix(h, "AWS4-")
}

func hasQueryAuth(params []rawParam) bool {
	for _, p := range params {
		switch p.name {
		case "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature":
			return true
		}
	}
	return false
}

// Verify checks r's V4 signature, from the Authorization header or from a
// pre-signed query, and returns what it found.
//
// Checks run in this order: the form of the authentication
// (ErrMultipleAuth, ErrUnsupportedAlgorithm, ErrMalformedHeader,
// ErrMalformedQuery, ErrInvalidPayloadHash, ErrMissingContentSHA256), the
// date (ErrMissingDate, ErrRequestTimeTooSkewed, ErrNotYetValid,
// ErrExpired), unsigned x-amz-* headers (ErrHeadersNotSigned), the access
// key (ErrInvalidAccessKeyID), then the signature (ErrSignatureDoesNotMatch).
//
// A nil error authenticates the request line and the signed headers only:
// the caller must still check the body against Result.PayloadHash (see
// HashedBody, ParseChunkMode and NewChunkedReader). Secrets never appear in
// the Result or in errors.
func Verify(r *http.Request, o Options) (Result, error) {
	if o.Service == "" {
		o.Service = "s3"
	}
	var params []rawParam
	if r.URL != nil {
		params = parseRawQuery(r.URL.RawQuery)
	}
	hdr := r.Header.Get("Authorization")
	switch {
	case hasQueryAuth(params) && len(r.Header.Values("Authorization")) > 0:
		return Result{Presigned: true}, fmt.Errorf("only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified: %w", ErrMultipleAuth)
	case isV4Header(hdr):
		return verifyHeader(r, hdr, o)
	case hasQueryAuth(params):
		return verifyQuery(r, params, o)
	}
	return Result{}, ErrNoAuth
}

// verifyHeader verifies "Authorization: AWS4-HMAC-SHA256 Credential=...,
// SignedHeaders=..., Signature=...".
func verifyHeader(r *http.Request, hdr string, o Options) (Result, error) {
	var res Result
	alg, rest, _ := strings.Cut(hdr, " ")
	if alg != Algorithm {
		return res, fmt.Errorf("unsupported authorization type %q: %w", alg, ErrUnsupportedAlgorithm)
	}
	comps, err := authComponents(rest)
	if err != nil {
		return res, err
	}
	res.Signature = comps["Signature"]
	if err := parseCredential(&res, comps["Credential"], o, ErrMalformedHeader); err != nil {
		return res, err
	}
	if res.SignedHeaders, err = parseSignedHeaders(comps["SignedHeaders"], ErrMalformedHeader); err != nil {
		return res, err
	}

	res.PayloadHash = r.Header.Get("X-Amz-Content-Sha256")
	if len(r.Header.Values("X-Amz-Content-Sha256")) == 0 {
		return res, fmt.Errorf("missing required header for this request: x-amz-content-sha256: %w", ErrMissingContentSHA256)
	}
	if !validPayloadHash(res.PayloadHash) {
		return res, fmt.Errorf("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value, not %q: %w", res.PayloadHash, ErrInvalidPayloadHash)
	}

	// x-amz-date, else Date.
	if v := r.Header.Values("X-Amz-Date"); len(v) > 0 {
		t, err := time.Parse(AmzDateFormat, strings.TrimSpace(v[0]))
		if err != nil {
			return res, fmt.Errorf("x-amz-date %q is not in the ISO 8601 basic format yyyyMMdd'T'HHmmss'Z': %w", v[0], ErrMissingDate)
		}
		res.Date = t.UTC()
	} else if d := r.Header.Get("Date"); d != "" {
		t, err := http.ParseTime(strings.TrimSpace(d))
		if err != nil {
			return res, fmt.Errorf("unparsable Date header %q: %w", d, ErrMissingDate)
		}
		res.Date = t.UTC()
	} else {
		return res, fmt.Errorf("AWS authentication requires a valid Date or x-amz-date header: %w", ErrMissingDate)
	}
	res.AmzDate = res.Date.Format(AmzDateFormat)
	if res.AmzDate[:8] != res.Scope[:8] {
		return res, fmt.Errorf("invalid credential date %q: it is not the date of x-amz-date %s: %w", res.Scope[:8], res.AmzDate, ErrMalformedHeader)
	}

	res.CanonicalRequest = canonicalRequest(r, res.SignedHeaders, o.Host, res.PayloadHash, false)
	res.StringToSign = stringToSign(res.AmzDate, res.Scope, res.CanonicalRequest)

	if d := o.Now.Sub(res.Date); d > MaxSkew || d < -MaxSkew {
		return res, fmt.Errorf("the difference between the request time %s and the server's time %s is too large: %w",
			res.AmzDate, o.Now.UTC().Format(AmzDateFormat), ErrRequestTimeTooSkewed)
	}
	return res, finish(r, &res, o)
}

// authComponents parses "Credential=..., SignedHeaders=..., Signature=..."
// (commas with or without spaces, any order). Each of the three must be
// present exactly once; nothing else is allowed.
func authComponents(s string) (map[string]string, error) {
	comps := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		k, v, ok := strings.Cut(part, "=")
		switch {
		case !ok:
			return nil, fmt.Errorf("the authorization header is malformed; the component %q is not key=value: %w", part, ErrMalformedHeader)
		case k != "Credential" && k != "SignedHeaders" && k != "Signature":
			return nil, fmt.Errorf("the authorization header is malformed; unknown component %q: %w", k, ErrMalformedHeader)
		case comps[k] != "" || v == "":
			return nil, fmt.Errorf("the authorization header is malformed; component %q is empty or repeated: %w", k, ErrMalformedHeader)
		}
		comps[k] = v
	}
	for _, k := range []string{"Credential", "SignedHeaders", "Signature"} {
		if comps[k] == "" {
			return nil, fmt.Errorf("the authorization header is malformed; missing %s: %w", k, ErrMalformedHeader)
		}
	}
	return comps, nil
}

// parseCredential parses "AKID/yyyymmdd/region/service/aws4_request" into
// res (AccessKey, Region, Service, Scope) and checks the scope against o.
// The access key is everything before the last four fields.
func parseCredential(res *Result, cred string, o Options, sentinel error) error {
	parts := strings.Split(cred, "/")
	if len(parts) < 5 || parts[0] == "" {
		return fmt.Errorf("credential %q is not AccessKey/yyyymmdd/region/service/aws4_request: %w", cred, sentinel)
	}
	n := len(parts)
	date, region, service, term := parts[n-4], parts[n-3], parts[n-2], parts[n-1]
	res.AccessKey = strings.Join(parts[:n-4], "/")
	res.Region, res.Service = region, service
	if len(date) != 8 {
		return fmt.Errorf("credential date %q is not yyyymmdd: %w", date, sentinel)
	}
	if _, err := time.Parse(scopeDateFormat, date); err != nil {
		return fmt.Errorf("credential date %q is not yyyymmdd: %w", date, sentinel)
	}
	res.Scope = Scope(date, region, service)
	switch {
	case region != o.Region:
		return fmt.Errorf("the region '%s' is wrong; expecting '%s': %w", region, o.Region, sentinel)
	case service != o.Service:
		return fmt.Errorf("incorrect service '%s'; this endpoint belongs to '%s': %w", service, o.Service, sentinel)
	case term != Terminator:
		return fmt.Errorf("incorrect terminal '%s'; this endpoint uses '%s': %w", term, Terminator, sentinel)
	}
	return nil
}

// parseSignedHeaders parses "host;x-amz-date": lower case, strictly sorted,
// no empty names, host included.
func parseSignedHeaders(s string, sentinel error) ([]string, error) {
	names := strings.Split(s, ";")
	for i, n := range names {
		if n == "" || n != strings.ToLower(n) || strings.ContainsAny(n, " \t:") {
			return names, fmt.Errorf("signed header %q is empty, not lower case or not a header name: %w", n, sentinel)
		}
		if i > 0 && names[i-1] >= n {
			return names, fmt.Errorf("signed headers %q are not sorted or repeat %q: %w", s, n, sentinel)
		}
	}
	if !slices.Contains(names, "host") {
		return names, fmt.Errorf("the host header must be signed: %w", sentinel)
	}
	return names, nil
}

// verifyQuery verifies a pre-signed URL.
func verifyQuery(r *http.Request, params []rawParam, o Options) (Result, error) {
	res := Result{Presigned: true}
	q := map[string]string{}
	for _, p := range params {
		if strings.HasPrefix(p.name, "X-Amz-") {
			if _, dup := q[p.name]; dup {
				return res, fmt.Errorf("query parameter %s is repeated: %w", p.name, ErrMalformedQuery)
			}
			q[p.name] = p.value
		}
	}
	res.Signature = q["X-Amz-Signature"]
	if alg, ok := q["X-Amz-Algorithm"]; ok && alg != Algorithm {
		return res, fmt.Errorf("X-Amz-Algorithm only supports \"%s\": %w", Algorithm, ErrUnsupportedAlgorithm)
	}
	for _, k := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires"} {
		if q[k] == "" {
			return res, fmt.Errorf("query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters (%s is missing): %w", k, ErrMalformedQuery)
		}
	}
	if err := parseCredential(&res, q["X-Amz-Credential"], o, ErrMalformedQuery); err != nil {
		return res, fmt.Errorf("error parsing the X-Amz-Credential parameter; %w", err)
	}
	t, err := time.Parse(AmzDateFormat, q["X-Amz-Date"])
	if err != nil {
		return res, fmt.Errorf("X-Amz-Date %q must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\": %w", q["X-Amz-Date"], ErrMalformedQuery)
	}
	res.Date, res.AmzDate = t.UTC(), q["X-Amz-Date"]
	expStr := q["X-Amz-Expires"]
	exp, err := strconv.ParseInt(expStr, 10, 64)
	if err != nil && isInteger(expStr) {
		exp = MaxExpires + 1 // out of int64 range, either way
		if expStr[0] == '-' {
			exp = -1
		}
	} else if err != nil {
		return res, fmt.Errorf("X-Amz-Expires %q should be a number: %w", expStr, ErrMalformedQuery)
	}
	switch {
	case exp < 0:
		return res, fmt.Errorf("X-Amz-Expires must be non-negative: %w", ErrMalformedQuery)
	case exp > MaxExpires:
		return res, fmt.Errorf("X-Amz-Expires must be less than a week (in seconds) that is 604800: %w", ErrMalformedQuery)
	}
	res.Expires = res.Date.Add(time.Duration(exp) * time.Second)
	if res.AmzDate[:8] != res.Scope[:8] {
		return res, fmt.Errorf("invalid credential date %q: it is not the date of X-Amz-Date %s: %w", res.Scope[:8], res.AmzDate, ErrMalformedQuery)
	}
	if res.SignedHeaders, err = parseSignedHeaders(q["X-Amz-SignedHeaders"], ErrMalformedQuery); err != nil {
		return res, err
	}

	res.PayloadHash = UnsignedPayload
	if v := r.Header.Values("X-Amz-Content-Sha256"); len(v) > 0 {
		res.PayloadHash = v[0]
		if !validPayloadHash(res.PayloadHash) {
			return res, fmt.Errorf("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value, not %q: %w", res.PayloadHash, ErrInvalidPayloadHash)
		}
	}
	res.CanonicalRequest = canonicalRequest(r, res.SignedHeaders, o.Host, res.PayloadHash, true)
	res.StringToSign = stringToSign(res.AmzDate, res.Scope, res.CanonicalRequest)

	if res.Date.Sub(o.Now) > MaxSkew {
		return res, fmt.Errorf("request is not valid yet: X-Amz-Date %s is after the server time %s: %w",
			res.AmzDate, o.Now.UTC().Format(AmzDateFormat), ErrNotYetValid)
	}
	if o.Now.After(res.Expires) {
		return res, fmt.Errorf("request has expired at %s (server time %s): %w",
			res.Expires.Format(AmzDateFormat), o.Now.UTC().Format(AmzDateFormat), ErrExpired)
	}
	return res, finish(r, &res, o)
}

// finish runs the checks common to both forms once the string to sign is
// known: unsigned x-amz-* headers, the access key, the signature.
func finish(r *http.Request, res *Result, o Options) error {
	for k := range r.Header {
		lk := strings.ToLower(k)
		if !strings.HasPrefix(lk, "x-amz-") {
			continue
		}
		i := sort.SearchStrings(res.SignedHeaders, lk)
		if i == len(res.SignedHeaders) || res.SignedHeaders[i] != lk {
			return fmt.Errorf("there were headers present in the request which were not signed: %s: %w", lk, ErrHeadersNotSigned)
		}
	}
	if o.Secret == nil {
		return ErrInvalidAccessKeyID
	}
	secret, ok := o.Secret(res.AccessKey)
	if !ok {
		return fmt.Errorf("the AWS access key id %q does not exist in our records: %w", res.AccessKey, ErrInvalidAccessKeyID)
	}
	key := SigningKey(secret, res.Scope[:8], res.Region, res.Service)
	want := signHex(key, res.StringToSign)
	if !hmac.Equal([]byte(want), []byte(res.Signature)) {
		return ErrSignatureDoesNotMatch
	}
	res.SigningKey = key
	return nil
}

// isInteger reports whether s is an optionally signed run of decimal digits.
func isInteger(s string) bool {
	s = strings.TrimPrefix(s, "-")
	return s != "" && strings.Trim(s, "0123456789") == ""
}
