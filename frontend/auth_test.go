package frontend

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestAuthErrors(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	e.mustPut(t, "bucket", "key", []byte("hello"))

	t.Run("unsigned", func(t *testing.T) {
		for _, path := range []string{"/", "/bucket", "/bucket/key"} {
			resp, body := e.do(t, e.request(t, http.MethodGet, path, nil))
			wantError(t, resp, body, http.StatusForbidden, "AccessDenied")
		}
		resp, body := e.do(t, e.request(t, http.MethodHead, "/bucket/key", nil))
		wantError(t, resp, body, http.StatusForbidden, "")
	})
	t.Run("wrong secret", func(t *testing.T) {
		req := signV2(e.request(t, http.MethodGet, "/bucket/key", nil), aliceKey, "not-the-secret")
		resp, body := e.do(t, req)
		doc := wantError(t, resp, body, http.StatusForbidden, "SignatureDoesNotMatch")
		if !strings.HasPrefix(doc.StringToSign, "GET\n") || !strings.HasSuffix(doc.StringToSign, "/bucket/key") {
			t.Errorf("StringToSign = %q", doc.StringToSign)
		}
		if doc.AWSAccessKeyId != aliceKey || doc.SignatureProvided == "" {
			t.Errorf("error doc = %+v", doc)
		}
	})
	t.Run("tampered after signing", func(t *testing.T) {
		req := signV2(e.request(t, http.MethodGet, "/bucket/key", nil), aliceKey, aliceSecret)
		req.URL.Path = "/bucket/other"
		resp, body := e.do(t, req)
		wantError(t, resp, body, http.StatusForbidden, "SignatureDoesNotMatch")
	})
	t.Run("unknown access key", func(t *testing.T) {
		req := signV2(e.request(t, http.MethodGet, "/", nil), "AKIANOBODY", "whatever")
		resp, body := e.do(t, req)
		doc := wantError(t, resp, body, http.StatusForbidden, "InvalidAccessKeyId")
		if doc.AWSAccessKeyId != "AKIANOBODY" {
			t.Errorf("AWSAccessKeyId = %q", doc.AWSAccessKeyId)
		}
	})
	t.Run("skewed date", func(t *testing.T) {
		req := e.request(t, http.MethodGet, "/", nil)
		req.Header.Set("Date", httpDateOf(time.Now().Add(-time.Hour)))
		resp, body := e.do(t, signV2(req, aliceKey, aliceSecret))
		wantError(t, resp, body, http.StatusForbidden, "RequestTimeTooSkewed")
	})
	t.Run("malformed header", func(t *testing.T) {
		req := e.request(t, http.MethodGet, "/", nil)
		req.Header.Set("Date", httpDateOf(time.Now()))
		req.Header.Set("Authorization", "AWS no-colon-here")
		resp, body := e.do(t, req)
		wantError(t, resp, body, http.StatusBadRequest, "InvalidArgument")
	})
	t.Run("malformed presigned query", func(t *testing.T) {
		resp, body := e.do(t, e.request(t, http.MethodGet, "/bucket/key?AWSAccessKeyId="+aliceKey+"&Signature=abc", nil))
		wantError(t, resp, body, http.StatusForbidden, "AccessDenied")
	})
	t.Run("unsupported scheme", func(t *testing.T) {
		req := e.request(t, http.MethodGet, "/", nil)
		req.Header.Set("Authorization", "Bearer abc")
		resp, body := e.do(t, req)
		wantError(t, resp, body, http.StatusBadRequest, "InvalidArgument")
	})
}

func TestPresigned(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	e.mustPut(t, "bucket", "dir/a b+c.txt", []byte("presigned body"))
	path := objectPath("bucket", "dir/a b+c.txt")

	// A plain http.Get of a presigned URL: no headers of its own.
	u := presignV2(e.request(t, http.MethodGet, path, nil), aliceKey, aliceSecret, 60).URL.String()
	resp, err := e.client().Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.ContentLength != int64(len("presigned body")) {
		t.Errorf("presigned GET: %d, length %d", resp.StatusCode, resp.ContentLength)
	}

	// Response overrides are signed sub-resources of a presigned URL.
	req := e.request(t, http.MethodGet, path+"?response-content-type=text%2Fhtml&response-content-disposition=attachment%3B%20filename%3Dx.txt", nil)
	resp2, body := e.do(t, presignV2(req, aliceKey, aliceSecret, 60))
	wantStatus(t, resp2, body, http.StatusOK)
	if resp2.Header.Get("Content-Type") != "text/html" || resp2.Header.Get("Content-Disposition") != "attachment; filename=x.txt" {
		t.Errorf("overrides not applied: %v", resp2.Header)
	}

	// Adding an override to a URL signed without it breaks the signature.
	tampered := u + "&response-content-type=text%2Fhtml"
	resp3, body := e.do(t, e.request(t, http.MethodGet, strings.TrimPrefix(tampered, "http://"+e.addr), nil))
	wantError(t, resp3, body, http.StatusForbidden, "SignatureDoesNotMatch")

	expired := presignV2(e.request(t, http.MethodGet, path, nil), aliceKey, aliceSecret, -60)
	resp4, body := e.do(t, expired)
	doc := wantError(t, resp4, body, http.StatusForbidden, "AccessDenied")
	if !strings.Contains(doc.Message, "expired") {
		t.Errorf("expired message = %q", doc.Message)
	}

	// Presigned with an unknown key.
	resp5, body := e.do(t, presignV2(e.request(t, http.MethodGet, path, nil), "AKIANOBODY", "x", 60))
	wantError(t, resp5, body, http.StatusForbidden, "InvalidAccessKeyId")

	// Presigned by another tenant.
	resp6, body := e.do(t, presignV2(e.request(t, http.MethodGet, path, nil), bobKey, bobSecret, 60))
	wantError(t, resp6, body, http.StatusForbidden, "AccessDenied")
}

// TestNoSecretsInLogs runs failing and succeeding signed requests and
// checks that no secret, signature or presigned query reaches the log.
func TestNoSecretsInLogs(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	e.mustPut(t, "bucket", "k", []byte("v"))
	good := presignV2(e.request(t, http.MethodGet, "/bucket/k", nil), aliceKey, aliceSecret, 60)
	e.do(t, good)
	bad := signV2(e.request(t, http.MethodGet, "/bucket/k", nil), aliceKey, "wrong-secret-value")
	e.do(t, bad)
	sig := good.URL.Query().Get("Signature")
	badSig := strings.TrimPrefix(bad.Header.Get("Authorization"), "AWS "+aliceKey+":")
	logs := e.logs.String()
	for _, secret := range []string{aliceSecret, "wrong-secret-value", sig, url.QueryEscape(sig), badSig, "Signature=", "Expires="} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains %q:\n%s", secret, logs)
		}
	}
	if !strings.Contains(logs, `"access_key":"`+aliceKey+`"`) || !strings.Contains(logs, `"request_id":"`) {
		t.Errorf("access log lacks access key or request id:\n%s", logs)
	}
}
