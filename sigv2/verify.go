package sigv2

import (
	"crypto/hmac"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Result describes a verification. Verify fills it as far as parsing got,
// even when it returns an error, so the frontend can put the access key, the
// string to sign or the request time into the S3 error it writes.
type Result struct {
	// AccessKey is the access key the request claims.
	AccessKey string
	// Signature is the signature the request presents (S3 echoes it as
	// SignatureProvided in SignatureDoesNotMatch errors).
	Signature string
	// StringToSign is what the server computed in the documented AWS form;
	// S3 returns it in SignatureDoesNotMatch errors to help debug clients.
	StringToSign string
	// Presigned is set for query-string authentication (a pre-signed URL).
	Presigned bool
	// Expires is the Expires time of a pre-signed URL.
	Expires time.Time
	// Date is the request time of header authentication, from x-amz-date or
	// Date (RequestTimeTooSkewed errors report it as RequestTime).
	Date time.Time
}

// IsV2 reports whether r carries V2 authentication: an Authorization header
// "AWS AKID:SIG" (any header starting with "AWS ", so that a malformed one is
// reported by Verify rather than ignored), or a query with AWSAccessKeyId or
// Signature (a pre-signed URL; Verify then requires all of AWSAccessKeyId,
// Signature and Expires). V4's "AWS4-HMAC-SHA256" header and X-Amz-Signature
// query do not match.
func IsV2(r *http.Request) bool {
	if isV2Header(r.Header.Get("Authorization")) {
		return true
	}
	return r.URL != nil && hasQueryAuth(parseQuery(r.URL.RawQuery))
}

// isV2Header reports whether an Authorization value claims the V2 scheme.
// Go trims the trailing space of "AWS ", hence the bare "AWS".
func isV2Header(h string) bool {
	return h == "AWS" || strings.HasPrefix(h, "AWS ")
}

// hasQueryAuth reports whether the query claims V2 query-string authentication.
func hasQueryAuth(params []qparam) bool {
	for _, p := range params {
		if p.name == "AWSAccessKeyId" || p.name == "Signature" {
			return true
		}
	}
	return false
}

// Verify checks r's V2 signature, from the Authorization header or from a
// pre-signed query.
//
// resourcePath is the path part of the CanonicalizedResource as the client
// saw it, still escaped: r.URL.EscapedPath() for path-style requests (e.g.
// "/bucket/my%20key"), "/" + bucket + r.URL.EscapedPath() for virtual-hosted
// ones. Verify adds the sub-resources from r.URL's query itself, and also
// tries the path forms real clients produce (see the package doc).
//
// secret returns the secret key of an access key, false if it is unknown.
// now is the server time: header authentication must be within MaxSkew of
// it, a pre-signed URL is valid until its Expires (no skew check).
//
// Checks run in the order AWS appears to use: parsing (ErrMalformed), the
// date (ErrMissingDate, ErrRequestTimeTooSkewed) or expiry (ErrExpired), the
// access key (ErrInvalidAccessKeyID), then the signature
// (ErrSignatureDoesNotMatch). Secrets never appear in the Result or errors.
func Verify(r *http.Request, resourcePath string, secret func(accessKey string) (string, bool), now time.Time) (Result, error) {
	var params []qparam
	if r.URL != nil {
		params = parseQuery(r.URL.RawQuery)
	}
	hdr := r.Header.Get("Authorization")
	headerAuth, queryAuth := isV2Header(hdr), hasQueryAuth(params)
	switch {
	case queryAuth && hdr != "":
		return Result{}, fmt.Errorf("only one auth mechanism allowed (authorization header and signature query): %w", ErrMalformed)
	case headerAuth:
		return verifyHeader(r, hdr, resourcePath, secret, now)
	case queryAuth:
		return verifyQuery(r, params, resourcePath, secret, now)
	}
	return Result{}, ErrNoAuth
}

// verifyHeader verifies "Authorization: AWS AKID:SIG".
func verifyHeader(r *http.Request, hdr, resourcePath string, secret func(string) (string, bool), now time.Time) (Result, error) {
	var res Result
	cred, _ := strings.CutPrefix(hdr, "AWS ")
	if hdr == "AWS" || strings.ContainsAny(cred, " \t") {
		return res, fmt.Errorf("authorization header needs exactly one space, as in \"AWS AccessKeyId:Signature\": %w", ErrMalformed)
	}
	ak, sig, ok := strings.Cut(cred, ":")
	res.AccessKey, res.Signature = ak, sig
	if !ok || ak == "" || sig == "" || strings.Contains(sig, ":") {
		return res, fmt.Errorf("authorization header is not \"AWS AccessKeyId:Signature\": %w", ErrMalformed)
	}

	f := collect(r, false)
	res.StringToSign = f.build(resourcePath, styleAWS, dateAWS)

	name, value := "date", f.date
	if f.hasAmzDate {
		name, value = "x-amz-date", f.amzDate
	}
	if value == "" {
		return res, fmt.Errorf("no date or x-amz-date header: %w", ErrMissingDate)
	}
	t, ok := parseDate(value)
	if !ok {
		return res, fmt.Errorf("unparsable %s header: %w", name, ErrMissingDate)
	}
	res.Date = t
	if skewed(t, now) {
		return res, fmt.Errorf("request time %s, server time %s: %w",
			t.Format(time.RFC3339), now.UTC().Format(time.RFC3339), ErrRequestTimeTooSkewed)
	}

	key, ok := secret(ak)
	if !ok {
		return res, ErrInvalidAccessKeyID
	}
	return res, match(f, pathVariants(r, resourcePath), headerStyles, sig, key)
}

// verifyQuery verifies a pre-signed URL (AWSAccessKeyId, Expires, Signature).
func verifyQuery(r *http.Request, params []qparam, resourcePath string, secret func(string) (string, bool), now time.Time) (Result, error) {
	res := Result{Presigned: true}
	ak, okA, errA := queryValue(params, "AWSAccessKeyId")
	sig, okS, errS := queryValue(params, "Signature")
	exp, okE, errE := queryValue(params, "Expires")
	// base64 never contains a space: a '+' that reached us unencoded was
	// turned into one by query decoding. The HMAC must still match exactly.
	sig = strings.ReplaceAll(sig, " ", "+")
	res.AccessKey, res.Signature = ak, sig
	if !okA || !okS || !okE || ak == "" || sig == "" || exp == "" ||
		errA != nil || errS != nil || errE != nil {
		return res, fmt.Errorf("query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters: %w", ErrMalformed)
	}
	n, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return res, fmt.Errorf("expires %q is not an integer: %w", exp, ErrMalformed)
	}
	res.Expires = time.Unix(n, 0).UTC()

	f := collect(r, true)
	f.dateLine = exp
	res.StringToSign = f.build(resourcePath, styleAWS, dateAWS)

	if now.Unix() > n {
		return res, fmt.Errorf("expired at %s: %w", res.Expires.Format(time.RFC3339), ErrExpired)
	}
	key, ok := secret(ak)
	if !ok {
		return res, ErrInvalidAccessKeyID
	}
	return res, match(f, pathVariants(r, resourcePath), presignStyles, sig, key)
}

// match reports nil when sig is the signature of one of the candidate
// strings to sign; every comparison is constant-time on the raw MAC.
func match(f *fields, paths []string, styles []subresourceStyle, sig, secret string) error {
	want, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return fmt.Errorf("signature is not base64: %w", ErrSignatureDoesNotMatch)
	}
	seen := map[string]bool{}
	for _, p := range paths {
		for _, st := range styles {
			for _, df := range f.dateForms() {
				s := f.build(p, st, df)
				if seen[s] {
					continue
				}
				seen[s] = true
				if hmac.Equal(mac(secret, s), want) {
					return nil
				}
			}
		}
	}
	return ErrSignatureDoesNotMatch
}
