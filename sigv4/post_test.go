package sigv4

import (
	"errors"
	"testing"
	"time"
)

// awsPostPolicy is the policy of the AWS example "Example: Browser-Based
// Upload using HTTP POST (Using AWS Signature Version 4)"
// (sigv4-post-example.html), base64 as the page gives it, and its
// documented signature.
const (
	awsPostPolicy    = "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9"
	awsPostSignature = "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e"
	// botocorePostPolicy is what botocore's generate_presigned_post
	// returns for ("sigv4examplebucket", "user/user1/photo.jpg") with the
	// clock at 2015-12-29T00:00:00Z, the example credentials and
	// us-east-1 (computed offline with botocore).
	botocorePostPolicy    = "eyJleHBpcmF0aW9uIjogIjIwMTUtMTItMjlUMDE6MDA6MDBaIiwgImNvbmRpdGlvbnMiOiBbeyJidWNrZXQiOiAic2lndjRleGFtcGxlYnVja2V0In0sIHsia2V5IjogInVzZXIvdXNlcjEvcGhvdG8uanBnIn0sIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwgeyJ4LWFtei1jcmVkZW50aWFsIjogIkFLSUFJT1NGT0ROTjdFWEFNUExFLzIwMTUxMjI5L3VzLWVhc3QtMS9zMy9hd3M0X3JlcXVlc3QifSwgeyJ4LWFtei1kYXRlIjogIjIwMTUxMjI5VDAwMDAwMFoifV19"
	botocorePostSignature = "3364624b39010d9b06f5d9b8c9a18a6e478d261c048159c92f2fd6fa885f14e6"
)

func TestVerifyPostExamples(t *testing.T) {
	for _, c := range []struct{ name, policy, sig string }{
		{"AWS example", awsPostPolicy, awsPostSignature},
		{"botocore", botocorePostPolicy, botocorePostSignature},
	} {
		f := PostForm{Algorithm: Algorithm, Credential: exampleAccessKey + "/20151229/us-east-1/s3/aws4_request",
			Date: "20151229T000000Z", Signature: c.sig, Policy: c.policy}
		res, err := VerifyPost(f, exampleOptions(time.Now()))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if res.AccessKey != exampleAccessKey || res.StringToSign != c.policy || res.Scope != "20151229/us-east-1/s3/aws4_request" {
			t.Errorf("%s: result %+v", c.name, res)
		}
		if got := SignPost(c.policy, exampleSecret, time.Date(2015, 12, 29, 0, 0, 0, 0, time.UTC), "us-east-1"); got != c.sig {
			t.Errorf("%s: SignPost = %s, want %s", c.name, got, c.sig)
		}
	}
}

func TestVerifyPostErrors(t *testing.T) {
	good := PostForm{Algorithm: Algorithm, Credential: exampleAccessKey + "/20151229/us-east-1/s3/aws4_request",
		Date: "20151229T000000Z", Signature: awsPostSignature, Policy: awsPostPolicy}
	for _, c := range []struct {
		name   string
		edit   func(*PostForm)
		field  string // "" for a sentinel
		reason string
		want   error
	}{
		{"algorithm", func(f *PostForm) { f.Algorithm = "AWS4-HMAC-SHA1" }, "X-Amz-Algorithm", `X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"`, nil},
		{"short credential", func(f *PostForm) { f.Credential = "AK/20151229/us-east-1/s3" }, "X-Amz-Credential",
			`the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`, nil},
		{"empty key", func(f *PostForm) { f.Credential = "/20151229/us-east-1/s3/aws4_request" }, "X-Amz-Credential",
			"a non-empty Access Key (AKID) must be provided in the credential.", nil},
		{"credential date", func(f *PostForm) { f.Credential = "AK/2015-12-29/us-east-1/s3/aws4_request" }, "X-Amz-Credential",
			`incorrect date format "2015-12-29". This date in the credential must be in the format "yyyyMMdd".`, nil},
		{"region", func(f *PostForm) { f.Credential = "AK/20151229/eu-west-1/s3/aws4_request" }, "X-Amz-Credential",
			"the region 'eu-west-1' is wrong; expecting 'us-east-1'", nil},
		{"service", func(f *PostForm) { f.Credential = "AK/20151229/us-east-1/ec2/aws4_request" }, "X-Amz-Credential",
			`incorrect service "ec2". This endpoint belongs to "s3".`, nil},
		{"terminal", func(f *PostForm) { f.Credential = "AK/20151229/us-east-1/s3/aws5_request" }, "X-Amz-Credential",
			`incorrect terminal "aws5_request". This endpoint uses "aws4_request".`, nil},
		{"date", func(f *PostForm) { f.Date = "2015-12-29T00:00:00Z" }, "X-Amz-Date", "X-Amz-Date must be formated via ISO8601 Long format", nil},
		{"unknown key", func(f *PostForm) { f.Credential = "AKNOBODY/20151229/us-east-1/s3/aws4_request" }, "", "", ErrInvalidAccessKeyID},
		{"signature", func(f *PostForm) { f.Signature = awsPostSignature[1:] + "0" }, "", "", ErrSignatureDoesNotMatch},
		{"policy changed", func(f *PostForm) { f.Policy = awsPostPolicy[:len(awsPostPolicy)-2] }, "", "", ErrSignatureDoesNotMatch},
	} {
		f := good
		c.edit(&f)
		res, err := VerifyPost(f, exampleOptions(time.Now()))
		if c.want != nil {
			if !errors.Is(err, c.want) {
				t.Errorf("%s: %v, want %v", c.name, err, c.want)
			}
			if res.StringToSign != f.Policy {
				t.Errorf("%s: StringToSign %q is not the policy", c.name, res.StringToSign)
			}
			continue
		}
		var fe *PostFieldError
		if !errors.As(err, &fe) || !errors.Is(err, ErrMalformedPost) {
			t.Errorf("%s: %v, want a *PostFieldError", c.name, err)
			continue
		}
		if fe.Field != c.field || fe.Reason != c.reason {
			t.Errorf("%s: %s %q, want %s %q", c.name, fe.Field, fe.Reason, c.field, c.reason)
		}
		if c.name == "region" && fe.Region != "us-east-1" {
			t.Errorf("region: Region %q", fe.Region)
		}
	}
}
