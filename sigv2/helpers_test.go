package sigv2

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The credentials of the AWS documentation's examples.
const (
	exampleAccessKey = "AKIAIOSFODNN7EXAMPLE"
	exampleSecret    = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// secrets is a secret lookup knowing only the example credentials.
func secrets(ak string) (string, bool) {
	if ak == exampleAccessKey {
		return exampleSecret, true
	}
	return "", false
}

// readRequest parses raw HTTP/1.1 request text the way the server does, so
// RequestURI, header folding and escaping are those a real request gets.
func readRequest(t testing.TB, raw string) *http.Request {
	t.Helper()
	raw = strings.ReplaceAll(raw, "\n", "\r\n")
	if !strings.HasSuffix(raw, "\r\n\r\n") {
		raw += "\r\n"
	}
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatalf("read request: %v\n%s", err, raw)
	}
	return r
}

// mustTime parses an RFC 1123 date of a test fixture.
func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	tm, ok := parseDate(s)
	if !ok {
		t.Fatalf("bad fixture date %q", s)
	}
	return tm
}

// resourceOf returns the resourcePath the frontend passes: the escaped path,
// with "/bucket" in front for a virtual-hosted request.
func resourceOf(r *http.Request, vhostBucket string) string {
	if vhostBucket != "" {
		return "/" + vhostBucket + r.URL.EscapedPath()
	}
	return r.URL.EscapedPath()
}

// signHeader sets "Authorization: AWS AKID:SIG" over stringToSign.
func signHeader(r *http.Request, stringToSign string) {
	r.Header.Set("Authorization", "AWS "+exampleAccessKey+":"+Sign(exampleSecret, stringToSign))
}
