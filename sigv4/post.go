package sigv4

import (
	"crypto/hmac"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Browser-based uploads (POST object): an HTML form carries a policy
// document, base64-encoded, and the fields x-amz-algorithm,
// x-amz-credential, x-amz-date and x-amz-signature. The string to sign is
// the policy field exactly as sent, and the signature is
// hex(HMAC-SHA256(signing key of the credential's date, region and
// service, policy)):
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-authentication-HTTPPOST.html.
// Checking the policy's expiration and conditions is the caller's job.

// PostForm is the Signature Version 4 fields of a POST upload form.
type PostForm struct {
	Algorithm  string // x-amz-algorithm
	Credential string // x-amz-credential: AKID/yyyymmdd/region/service/aws4_request
	Date       string // x-amz-date: yyyymmddThhmmssZ
	Signature  string // x-amz-signature: lower-case hex
	Policy     string // policy: the base64 document as sent
}

// ErrMalformedPost means a V4 field of a POST form cannot be used; the
// error is a *PostFieldError naming it.
var ErrMalformedPost = errors.New("sigv4: malformed POST form credentials")

// PostFieldError is a V4 field of a POST form that cannot be used. S3
// answers it 400 InvalidArgument with ArgumentName Field and
// ArgumentValue Value (and, for a credential of another region, Region:
// the region expected).
type PostFieldError struct {
	Field, Value string
	Reason       string // the message S3 gives
	Region       string // the region expected, when the credential names another
}

func (e *PostFieldError) Error() string { return e.Reason }

// Is makes a *PostFieldError match ErrMalformedPost.
func (e *PostFieldError) Is(target error) bool { return target == ErrMalformedPost }

// VerifyPost checks the V4 signature of a POST form against o.Region,
// o.Service and o.Secret (o.Now and o.Host are unused: the policy's
// expiration bounds the form's life). It returns what it learnt even on
// error: AccessKey, Region, Service, Scope, Date and AmzDate, Signature,
// and StringToSign (the policy), which S3 shows in SignatureDoesNotMatch.
// Errors: *PostFieldError (ErrMalformedPost), ErrInvalidAccessKeyID,
// ErrSignatureDoesNotMatch.
func VerifyPost(f PostForm, o Options) (Result, error) {
	if o.Service == "" {
		o.Service = "s3"
	}
	res := Result{Signature: f.Signature, StringToSign: f.Policy}
	if f.Algorithm != Algorithm {
		return res, &PostFieldError{Field: "X-Amz-Algorithm", Value: f.Algorithm,
			Reason: fmt.Sprintf("X-Amz-Algorithm only supports %q", Algorithm)}
	}
	if err := postCredential(&res, f.Credential, o); err != nil {
		return res, err
	}
	t, err := time.Parse(AmzDateFormat, f.Date)
	if err != nil {
		return res, &PostFieldError{Field: "X-Amz-Date", Value: f.Date,
			Reason: "X-Amz-Date must be formated via ISO8601 Long format"} // sic, as S3 says it
	}
	res.Date, res.AmzDate = t.UTC(), f.Date
	if o.Secret == nil {
		return res, ErrInvalidAccessKeyID
	}
	secret, ok := o.Secret(res.AccessKey)
	if !ok {
		return res, fmt.Errorf("the AWS access key id %q does not exist in our records: %w", res.AccessKey, ErrInvalidAccessKeyID)
	}
	key := SigningKey(secret, res.Scope[:8], res.Region, res.Service)
	if !hmac.Equal([]byte(signHex(key, f.Policy)), []byte(f.Signature)) {
		return res, ErrSignatureDoesNotMatch
	}
	res.SigningKey = key
	return res, nil
}

// postCredential parses a POST form's x-amz-credential into res, with the
// messages S3 gives for each fault.
func postCredential(res *Result, cred string, o Options) error {
	fail := func(reason string) error {
		return &PostFieldError{Field: "X-Amz-Credential", Value: cred, Reason: reason}
	}
	parts := strings.Split(cred, "/")
	if len(parts) < 5 {
		return fail(`the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`)
	}
	n := len(parts)
	date, region, service, term := parts[n-4], parts[n-3], parts[n-2], parts[n-1]
	res.AccessKey = strings.Join(parts[:n-4], "/")
	res.Region, res.Service = region, service
	if res.AccessKey == "" {
		return fail("a non-empty Access Key (AKID) must be provided in the credential.")
	}
	if _, err := time.Parse(scopeDateFormat, date); err != nil || len(date) != 8 {
		return fail(fmt.Sprintf("incorrect date format %q. This date in the credential must be in the format \"yyyyMMdd\".", date))
	}
	res.Scope = Scope(date, region, service)
	switch {
	case region != o.Region:
		e := fail(fmt.Sprintf("the region '%s' is wrong; expecting '%s'", region, o.Region)).(*PostFieldError)
		e.Region = o.Region
		return e
	case service != o.Service:
		return fail(fmt.Sprintf("incorrect service %q. This endpoint belongs to %q.", service, o.Service))
	case term != Terminator:
		return fail(fmt.Sprintf("incorrect terminal %q. This endpoint uses %q.", term, Terminator))
	}
	return nil
}

// SignPost is the client side of VerifyPost, for tests and tools: the
// x-amz-signature of policy (base64, as the form will carry it) for a
// credential of secret's key dated t in region.
func SignPost(policy, secret string, t time.Time, region string) string {
	return signHex(SigningKey(secret, t.UTC().Format(scopeDateFormat), region, "s3"), policy)
}
