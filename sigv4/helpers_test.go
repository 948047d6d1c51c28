package sigv4

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The credentials of the AWS S3 documentation's examples.
const (
	exampleAccessKey = "AKIAIOSFODNN7EXAMPLE"
	exampleSecret    = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// exampleTime is the request time of every AWS S3 SigV4 example.
var exampleTime = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)

// secrets is a secret lookup knowing only the example credentials.
func secrets(ak string) (string, bool) {
	if ak == exampleAccessKey {
		return exampleSecret, true
	}
	return "", false
}

// exampleOptions verifies for us-east-1 at now.
func exampleOptions(now time.Time) Options {
	return Options{Region: "us-east-1", Service: "s3", Secret: secrets, Now: now}
}

// readRequest parses raw HTTP/1.1 request text (LF line ends in the head)
// the way the server does, so that Host, RawPath and header handling are
// those of a real request; body follows the head unchanged.
func readRequest(t testing.TB, head, body string) *http.Request {
	t.Helper()
	head = strings.TrimRight(strings.ReplaceAll(head, "\n", "\r\n"), "\r\n") + "\r\n\r\n"
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(head + body)))
	if err != nil {
		t.Fatalf("read request: %v\n%s", err, head)
	}
	return r
}

// sentinels are the errors Verify and the body readers may wrap.
var sentinels = []error{ErrNoAuth, ErrMultipleAuth, ErrMalformedHeader, ErrMalformedQuery,
	ErrUnsupportedAlgorithm, ErrMissingDate, ErrMissingContentSHA256, ErrInvalidPayloadHash,
	ErrInvalidAccessKeyID, ErrSignatureDoesNotMatch, ErrHeadersNotSigned, ErrRequestTimeTooSkewed,
	ErrNotYetValid, ErrExpired, ErrContentSHA256Mismatch, ErrChunkSignatureMismatch,
	ErrMalformedChunk, ErrDecodedLengthMismatch, ErrTrailer, io.ErrUnexpectedEOF}

// sentinelOf returns the sentinel err wraps, nil if none.
func sentinelOf(err error) error {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return s
		}
	}
	return nil
}

// wantErr fails unless err wraps want (nil: err is nil).
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if want == nil && err != nil || !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v", what, err, want)
	}
}
