package frontend

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

// formField is one field of a test form.
type formField struct{ name, value string }

// testForm is a browser upload form: fields, the file part, and fields
// after it (which S3 ignores).
type testForm struct {
	fields   []formField
	filename string // the file part's filename parameter; noFilename for none
	file     []byte
	after    []formField
	noFile   bool
}

// noFilename leaves the filename parameter out of the file part.
const noFilename = "\x00none"

// encode writes f as multipart/form-data with Go's writer and returns the
// body and its Content-Type.
func (f testForm) encode(t testing.TB) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, fl := range f.fields {
		if err := w.WriteField(fl.name, fl.value); err != nil {
			t.Fatal(err)
		}
	}
	if !f.noFile {
		h := textproto.MIMEHeader{}
		disp := `form-data; name="file"`
		if f.filename != noFilename {
			disp += fmt.Sprintf(`; filename="%s"`, strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(f.filename))
		}
		h.Set("Content-Disposition", disp)
		h.Set("Content-Type", "application/octet-stream")
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		pw.Write(f.file)
	}
	for _, fl := range f.after {
		w.WriteField(fl.name, fl.value)
	}
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

// post sends a form to bucket's URL, unsigned at the HTTP level (a form
// carries its credentials in its fields).
func (e *env) post(t *testing.T, bucket string, f testForm) (*http.Response, []byte) {
	t.Helper()
	body, ct := f.encode(t)
	return e.postRaw(t, "/"+bucket, body, ct)
}

func (e *env) postRaw(t *testing.T, path string, body []byte, contentType string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+e.addr+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	return e.do(t, req)
}

// policyJSON is a POST policy document expiring at exp.
func policyJSON(exp time.Time, conditions ...string) string {
	return fmt.Sprintf(`{"expiration": %q, "conditions": [%s]}`, exp.UTC().Format("2006-01-02T15:04:05.000Z"), strings.Join(conditions, ", "))
}

// v4Fields signs a policy with the given conditions as ak/secret at now,
// as a SigV4 form carries it: the policy names the credential fields
// too. The signing is done here, not with sigv4's code.
func v4Fields(ak, secret string, now time.Time, conditions ...string) []formField {
	date := now.UTC().Format("20060102T150405Z")
	cred := ak + "/" + date[:8] + "/" + testRegion + "/s3/aws4_request"
	conditions = append(conditions,
		`{"x-amz-algorithm": "AWS4-HMAC-SHA256"}`,
		fmt.Sprintf(`{"x-amz-credential": %q}`, cred),
		fmt.Sprintf(`{"x-amz-date": %q}`, date))
	policy := base64.StdEncoding.EncodeToString([]byte(policyJSON(now.Add(time.Hour), conditions...)))
	mac := func(key []byte, s string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(s))
		return m.Sum(nil)
	}
	key := mac(mac(mac(mac([]byte("AWS4"+secret), date[:8]), testRegion), "s3"), "aws4_request")
	return []formField{
		{"x-amz-algorithm", "AWS4-HMAC-SHA256"},
		{"x-amz-credential", cred},
		{"x-amz-date", date},
		{"policy", policy},
		{"x-amz-signature", hex.EncodeToString(mac(key, policy))},
	}
}

// v2Fields signs policy (JSON) as ak/secret with Signature V2.
func v2Fields(ak, secret, policy string) []formField {
	b64 := base64.StdEncoding.EncodeToString([]byte(policy))
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(b64))
	return []formField{
		{"AWSAccessKeyId", ak},
		{"policy", b64},
		{"signature", base64.StdEncoding.EncodeToString(m.Sum(nil))},
	}
}

// fields joins lists of fields.
func fields(lists ...[]formField) []formField {
	var out []formField
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// getObject reads bucket/key back as alice.
func (e *env) getObject(t *testing.T, bucket, key string) (*http.Response, []byte) {
	t.Helper()
	return e.signed(t, http.MethodGet, objectPath(bucket, key), nil, nil)
}
