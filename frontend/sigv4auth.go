package frontend

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/amphora-s3/amphora/sigv4"
)

// sigv4Verifier checks Signature Version 4, by Authorization header or
// pre-signed query. The payload forms it announces (x-amz-content-sha256)
// are checked as the body streams (payload.go).
type sigv4Verifier struct{ s *server }

func (v sigv4Verifier) claims(r *http.Request) bool { return sigv4.IsV4(r) }

func (v sigv4Verifier) verify(r *http.Request, _ address, keys *keyLookup) (identity, error) {
	now := v.s.now()
	res, err := sigv4.Verify(r, sigv4.Options{Region: v.s.region, Service: "s3", Secret: keys.secret, Now: now})
	ri := info(r)
	ri.access = res.AccessKey
	if err != nil {
		if keys.err != nil {
			return keys.identity(res.AccessKey)
		}
		return identity{}, v.explain(r, res, err, now)
	}
	ri.v4 = &res
	return keys.identity(res.AccessKey)
}

// explain turns a sigv4 failure into the S3 error AWS sends, with the
// details AWS adds for each. As with SigV2, the signer gets the string to
// sign and the canonical request back; logs never see them.
func (v sigv4Verifier) explain(r *http.Request, res sigv4.Result, err error, now time.Time) error {
	e := s3Error(err)
	switch {
	case errors.Is(err, sigv4.ErrSignatureDoesNotMatch):
		return e.with(
			field{"AWSAccessKeyId", res.AccessKey},
			field{"StringToSign", res.StringToSign},
			field{"SignatureProvided", res.Signature},
			field{"StringToSignBytes", hexBytes(res.StringToSign)},
			field{"CanonicalRequest", res.CanonicalRequest},
			field{"CanonicalRequestBytes", hexBytes(res.CanonicalRequest)},
		)
	case errors.Is(err, sigv4.ErrInvalidAccessKeyID):
		return e.with(field{"AWSAccessKeyId", res.AccessKey})
	case errors.Is(err, sigv4.ErrMalformedHeader):
		if res.Region != "" && res.Region != v.s.region {
			return e.withMessage(fmt.Sprintf("The authorization header is malformed; the region '%s' is wrong; expecting '%s'", res.Region, v.s.region)).
				with(field{"Region", v.s.region})
		}
		return e.withMessage(message(err, sigv4.ErrMalformedHeader))
	case errors.Is(err, sigv4.ErrMalformedQuery):
		return e.withMessage(message(err, sigv4.ErrMalformedQuery))
	case errors.Is(err, sigv4.ErrUnsupportedAlgorithm) && res.Presigned:
		return errAuthQueryMalformed.withMessage("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
	case errors.Is(err, sigv4.ErrRequestTimeTooSkewed):
		return e.with(
			field{"RequestTime", res.AmzDate},
			field{"ServerTime", now.UTC().Format(time.RFC3339)},
			field{"MaxAllowedSkewMilliseconds", "900000"},
		)
	case errors.Is(err, sigv4.ErrExpired):
		fs := []field{{"X-Amz-Expires", strconv.FormatInt(int64(res.Expires.Sub(res.Date)/time.Second), 10)}}
		if !res.Expires.IsZero() {
			fs = append(fs, field{"Expires", res.Expires.UTC().Format(time.RFC3339)})
		}
		return e.with(append(fs, field{"ServerTime", now.UTC().Format(time.RFC3339)})...)
	}
	if e == errInternal {
		return fmt.Errorf("verify signature v4: %w", err)
	}
	return e
}

// message is a sigv4 error's detail as an S3 error message: the wrapped
// text without the sentinel's own, first letter in upper case.
func message(err, sentinel error) string {
	msg := strings.TrimSuffix(err.Error(), ": "+sentinel.Error())
	if msg == "" || msg == sentinel.Error() {
		return s3Error(sentinel).Message
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}
