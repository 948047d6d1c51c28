package frontend

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/store"
)

// FuzzPostPolicy parses fuzzed POST policy documents and checks a form
// against those it takes: never a panic; a refusal is 400
// InvalidPolicyDocument; a form is either met or refused with 403
// AccessDenied (400 EntityTooSmall / EntityTooLarge for its size), and a
// failed condition is quoted as a JSON array.
func FuzzPostPolicy(f *testing.F) {
	for _, s := range []string{
		`{"expiration": "2030-01-01T00:00:00.000Z", "conditions": [{"bucket": "b"}, ["starts-with", "$key", "user/"], {"acl": "private"}, ["content-length-range", 1, 1048576]]}`,
		`{"expiration": "2030-01-01T00:00:00Z", "conditions": [["eq", "$Content-Type", "text/plain"], ["StArTs-WiTh", "$x-amz-meta-a", ""], ["content-length-range", "0", "10"]]}`,
		`{"expiration": "2000-01-01T00:00:00Z", "conditions": []}`,
		`{"expiration": "2030-01-01T00:00:00Z", "conditions": [{}]}`,
		`{"expiration": "2030-01-01T00:00:00Z", "conditions": [["content-length-range", 0, 512.0]]}`,
		`{"expiration": "2030-01-01T00:00:00Z", "conditions": [[], ["eq"], {"a": null}, 5]}`,
		`{"conditions": []}`, `{"expiration": "x"}`, `[]`, `null`, `{"Statement": []}`, ``,
	} {
		f.Add([]byte(s), "user/a.txt", "text/plain", int64(10))
	}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, doc []byte, key, contentType string, size int64) {
		p, err := parsePostPolicy(base64.StdEncoding.EncodeToString(doc))
		if err != nil {
			if e := s3Error(err); e.Code != "InvalidPolicyDocument" || e.Status != http.StatusBadRequest || !strings.HasPrefix(e.Message, "Invalid Policy: ") {
				t.Fatalf("refusal %d %s %q for %q", e.Status, e.Code, e.Message, doc)
			}
			return
		}
		fields := map[string]string{"key": key, "content-type": contentType, "bucket": "b"}
		names := []string{"key", "content-type"}
		sent := map[string]string{"key": "key", "content-type": "Content-Type"}
		if err := p.checkFields(fields, names, sent, now); err != nil {
			e := s3Error(err)
			if e.Code != "AccessDenied" || e.Status != http.StatusForbidden || !strings.HasPrefix(e.Message, "Invalid according to Policy: ") {
				t.Fatalf("fields refused with %d %s %q", e.Status, e.Code, e.Message)
			}
			if quoted, ok := strings.CutPrefix(e.Message, "Invalid according to Policy: Policy Condition failed: "); ok && !json.Valid([]byte(quoted)) {
				t.Fatalf("failed condition quoted as %q: not JSON", quoted)
			}
		}
		if err := p.checkLength(size); err != nil {
			switch e := s3Error(err); e.Code {
			case "EntityTooSmall", "EntityTooLarge", "AccessDenied":
			default:
				t.Fatalf("size %d refused with %s %q", size, e.Code, e.Message)
			}
		}
	})
}

// FuzzPostForm reads fuzzed multipart bodies as browser uploads: never a
// panic, every refusal an S3 4xx error; and the file a form yields is,
// byte for byte, the file part mime/multipart reads from the whole body
// (or a refusal): a file is never stored cut short or overlong, whatever
// follows it.
func FuzzPostForm(f *testing.F) {
	const boundary = "XyZzy"
	form := func(parts ...string) []byte {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		w.SetBoundary(boundary)
		for i := 0; i+1 < len(parts); i += 2 {
			if parts[i] == "file" {
				fw, _ := w.CreateFormFile("file", "a.txt")
				fw.Write([]byte(parts[i+1]))
				continue
			}
			w.WriteField(parts[i], parts[i+1])
		}
		w.Close()
		return b.Bytes()
	}
	for _, b := range [][]byte{
		form("key", "k", "file", "hello"),
		form("key", "k", "Content-Type", "text/plain", "file", strings.Repeat("x", 70000)),
		form("key", "k", "file", strings.Repeat("y", 70000), "submit", "Upload"),
		form("key", "k", "file", "hello", "submit", "Upload"),
		form("key", "k"),
		form("file", "--XyZzy\r\n"),
		[]byte("preamble\r\n--XyZzy\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nbody\r\n--XyZzy--"),
		[]byte("--XyZzy\nContent-Disposition: form-data; name=\"key\"\n\nk\n--XyZzy\nContent-Disposition: form-data; name=\"file\"\n\nlf only\n--XyZzy--\n"),
		[]byte("--XyZzy\r\nContent-Disposition: form-data; name=\"file\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=41=42\r\n--XyZzy--\r\n"),
		[]byte("--XyZzy\r\nContent-Disposition: file; name=\"file\"\r\n\r\nnot the file\r\n--XyZzy--\r\n"),
		[]byte("--XyZzy\r\n\r\nno disposition\r\n--XyZzy--\r\n"),
	} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, _ := http.NewRequest(http.MethodPost, "http://h/b", bytes.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		var got []byte
		fm, err := readPostForm(req, boundary)
		if err == nil {
			var r io.Reader
			var size int64
			if r, size, err = fm.openFile(); err == nil {
				if got, err = io.ReadAll(r); err == nil && size != store.UnknownSize && int64(len(got)) != size {
					t.Fatalf("file of %d bytes, sized %d", len(got), size)
				}
			}
		}
		if err != nil {
			if e := s3Error(err); e.Status < 400 || e.Status >= 500 && e.Status != http.StatusNotImplemented {
				t.Fatalf("refused with %d %s (%v) for %q", e.Status, e.Code, err, body)
			}
			return
		}
		want, ok := referenceFile(body, boundary)
		if !ok || !bytes.Equal(got, want) {
			t.Fatalf("file %q, mime/multipart reads %q (%v) from %q", got, want, ok, body)
		}
	})
}

// referenceFile is the first form-data part named file, read whole by
// mime/multipart.
func referenceFile(body []byte, boundary string) ([]byte, bool) {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		p, err := mr.NextPart()
		if err != nil {
			return nil, false
		}
		name, file, _, _, err := partName(p)
		if err != nil {
			return nil, false
		}
		if file && strings.EqualFold(name, "file") {
			b, err := io.ReadAll(p)
			return b, err == nil || errors.Is(err, io.EOF)
		}
	}
}
