package frontend

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/amphora-s3/amphora/sigv2"
	"github.com/amphora-s3/amphora/store"
)

// identity is who signed a request: the key and its account (Tenant, the
// account's canonical id), and the buckets the key is restricted to, if
// any. An anonymous request has no key and no account.
type identity struct {
	AccessKey, Tenant string
	Buckets           map[string]store.Permission
	Anonymous         bool
}

// verifier authenticates one signature scheme. The server tries its
// verifiers in order and the first that claims a request decides it: a
// request that claims a scheme and fails it is refused, never treated as
// anonymous or retried with another scheme.
type verifier interface {
	// claims reports whether r carries this scheme's credentials.
	claims(r *http.Request) bool
	// verify checks r's signature, finding secrets with keys, and returns
	// the signer.
	verify(r *http.Request, a address, keys *keyLookup) (identity, error)
}

// authenticate verifies r's signature, records the signer in reqInfo and
// opens the request's payload (payload.go): r.Body becomes the decoded
// body, whose digests are checked when it is read to the end. A request
// that carries no credentials at all is anonymous: it goes on to the
// authorization step as such (only AllUsers grants let it in), its body
// taken as it comes (as UNSIGNED-PAYLOAD).
func (s *server) authenticate(r *http.Request) error {
	ri := info(r)
	for _, v := range s.verifiers {
		if !v.claims(r) {
			continue
		}
		id, err := v.verify(r, ri.addr, s.newKeyLookup(r.Context()))
		if err != nil {
			return err
		}
		ri.ident = id
		ri.access = id.AccessKey
		return s.openBody(r)
	}
	if r.Header.Get("Authorization") != "" {
		return errInvalidArgument.withMessage("Unsupported Authorization Type").
			with(field{"ArgumentName", "Authorization"})
	}
	if isStreaming(r.Header.Get("X-Amz-Content-Sha256")) {
		// aws-chunked framing is checked against a signature; with none,
		// it would be stored as the object's bytes.
		return errInvalidRequest.withMessage("An aws-chunked body needs a signed request")
	}
	ri.ident = identity{Anonymous: true}
	return s.openBody(r)
}

// openBody opens r's payload in the form its signature announced.
func (s *server) openBody(r *http.Request) error {
	ri := info(r)
	p, err := openPayload(r, ri.v4)
	if err != nil {
		return err
	}
	ri.payload = p
	if r.Body != nil {
		r.Body = eofChecked{p: p, Closer: r.Body}
	}
	return nil
}

// sigv2Verifier checks Signature Version 2 by header or presigned query.
type sigv2Verifier struct{ s *server }

func (v sigv2Verifier) claims(r *http.Request) bool { return sigv2.IsV2(r) }

func (v sigv2Verifier) verify(r *http.Request, a address, keys *keyLookup) (identity, error) {
	now := v.s.now()
	res, err := sigv2.Verify(r, a.ResourcePath, keys.secret, now)
	ri := info(r)
	ri.access = res.AccessKey
	if err != nil {
		if keys.err != nil {
			return keys.identity(res.AccessKey)
		}
		return identity{}, v.explain(r, a, res, err, now)
	}
	return keys.identity(res.AccessKey)
}

// explain turns a sigv2 failure into the S3 error AWS sends, with the
// details AWS adds for each. Signatures appear in the response to the
// signer, as AWS does, and never in logs.
func (v sigv2Verifier) explain(r *http.Request, a address, res sigv2.Result, err error, now time.Time) error {
	q := info(r).query
	presigned := r.Header.Get("Authorization") == ""
	access, provided := res.AccessKey, ""
	if presigned {
		if access == "" {
			access = first(q["AWSAccessKeyId"])
		}
		provided = first(q["Signature"])
	} else if cred, ok := strings.CutPrefix(r.Header.Get("Authorization"), "AWS "); ok {
		ak, sig, _ := strings.Cut(cred, ":")
		if access == "" {
			access = ak
		}
		provided = sig
	}
	e := s3Error(err)
	switch {
	case errors.Is(err, sigv2.ErrMalformed) && presigned:
		return errAccessDenied.withMessage("Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters")
	case errors.Is(err, sigv2.ErrSignatureDoesNotMatch):
		sts := res.StringToSign
		if sts == "" {
			expires := ""
			if presigned {
				expires = first(q["Expires"])
			}
			sts = sigv2.StringToSign(r, a.ResourcePath, expires)
		}
		return e.with(
			field{"AWSAccessKeyId", access},
			field{"StringToSign", sts},
			field{"SignatureProvided", provided},
			field{"StringToSignBytes", hexBytes(sts)},
		)
	case errors.Is(err, sigv2.ErrInvalidAccessKeyID):
		return e.with(field{"AWSAccessKeyId", access})
	case errors.Is(err, sigv2.ErrRequestTimeTooSkewed):
		reqTime := r.Header.Get("X-Amz-Date")
		if reqTime == "" {
			reqTime = r.Header.Get("Date")
		}
		return e.with(
			field{"RequestTime", reqTime},
			field{"ServerTime", now.UTC().Format(time.RFC3339)},
			field{"MaxAllowedSkewMilliseconds", "900000"},
		)
	case errors.Is(err, sigv2.ErrExpired):
		var fs []field
		if !res.Expires.IsZero() {
			fs = append(fs, field{"Expires", res.Expires.UTC().Format(time.RFC3339)})
		}
		return e.with(append(fs, field{"ServerTime", now.UTC().Format(time.RFC3339)})...)
	}
	if e == errInternal {
		return fmt.Errorf("verify signature v2: %w", err)
	}
	return e
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// hexBytes renders s as AWS's StringToSignBytes: two-digit hex bytes
// separated by spaces.
func hexBytes(s string) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 0, len(s)*3)
	for i := 0; i < len(s); i++ {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, digits[s[i]>>4], digits[s[i]&15])
	}
	return string(b)
}
