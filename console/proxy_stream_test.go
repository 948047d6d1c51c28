package console

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/frontend"
	"github.com/amphora-s3/amphora/store"
	"github.com/amphora-s3/amphora/store/memstore"
)

// Objects' bytes stream through: a PutObject and a multipart upload
// (create, parts, complete) through the console store exactly what was
// sent, and an aborted upload leaves nothing.
func TestProxyUploads(t *testing.T) {
	w := newWorld(t)
	b := w.browser(t)
	b.mustLogin(bobKey, bobSecret)
	b.s3(http.StatusOK, http.MethodPut, "/uploads-b", "")
	data := bytes.Repeat([]byte("0123456789abcdef"), 5<<16) // 5 MiB
	data = append(data, "tail"...)
	b.s3(http.StatusOK, http.MethodPut, "/uploads-b/single.bin", string(data), "Content-Type", "application/octet-stream")
	if got := b.s3(http.StatusOK, http.MethodGet, "/uploads-b/single.bin", ""); got != string(data) {
		t.Fatalf("single PUT: got %d bytes, want %d", len(got), len(data))
	}

	var created struct {
		UploadID string `xml:"UploadId"`
	}
	if err := xml.Unmarshal([]byte(b.s3(http.StatusOK, http.MethodPost, "/uploads-b/multi.bin?uploads", "")), &created); err != nil || created.UploadID == "" {
		t.Fatalf("CreateMultipartUpload: %+v %v", created, err)
	}
	part := func(key string, n int, body []byte) string {
		resp, out := b.do(http.MethodPut, fmt.Sprintf("/api/s3/uploads-b/%s?partNumber=%d&uploadId=%s", key, n, url.QueryEscape(created.UploadID)), bytes.NewReader(body))
		if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == "" {
			t.Fatalf("UploadPart %d: %d %s", n, resp.StatusCode, out)
		}
		return resp.Header.Get("ETag")
	}
	e1, e2 := part("multi.bin", 1, data), part("multi.bin", 2, data[:1000])
	complete := fmt.Sprintf(`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>%s</ETag></Part><Part><PartNumber>2</PartNumber><ETag>%s</ETag></Part></CompleteMultipartUpload>`, e1, e2)
	b.s3(http.StatusOK, http.MethodPost, "/uploads-b/multi.bin?uploadId="+url.QueryEscape(created.UploadID), complete)
	want := append(append([]byte{}, data...), data[:1000]...)
	if got := b.s3(http.StatusOK, http.MethodGet, "/uploads-b/multi.bin", ""); got != string(want) {
		t.Fatalf("multipart: got %d bytes, want %d", len(got), len(want))
	}

	if err := xml.Unmarshal([]byte(b.s3(http.StatusOK, http.MethodPost, "/uploads-b/aborted.bin?uploads", "")), &created); err != nil {
		t.Fatal(err)
	}
	part("aborted.bin", 1, data[:100])
	b.s3(http.StatusNoContent, http.MethodDelete, "/uploads-b/aborted.bin?uploadId="+url.QueryEscape(created.UploadID), "")
	if out := b.s3(http.StatusOK, http.MethodGet, "/uploads-b?uploads", ""); strings.Contains(out, "aborted.bin") {
		t.Errorf("the aborted upload is still listed: %s", out)
	}

	// A body other than an object's is bounded.
	big := strings.Repeat("x", maxSmallBody+1)
	if resp, _ := b.do(http.MethodPut, "/api/s3/uploads-b?policy", strings.NewReader(big)); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a 2 MiB policy: %d, want 413", resp.StatusCode)
	}
	// Form uploads are refused: their own fields would authenticate them.
	if resp, _ := b.do(http.MethodPost, "/api/s3/uploads-b", strings.NewReader("--x--"), "Content-Type", "multipart/form-data; boundary=x"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("POST object through the console: %d, want 400", resp.StatusCode)
	}
}

// Which requests stream their body into S3 and which are read first.
func TestStreamsObject(t *testing.T) {
	for _, c := range []struct {
		method, path, query, copySource string
		want                            bool
	}{
		{http.MethodPut, "/b/k", "", "", true},
		{http.MethodPut, "/b/dir/k", "partNumber=1&uploadId=x", "", true},
		{http.MethodPut, "/b/k", "", "/b/src", false},
		{http.MethodPut, "/b/k", "acl", "", false},
		{http.MethodPut, "/b/k", "tagging", "", false},
		{http.MethodPut, "/b", "", "", false},
		{http.MethodPut, "/b", "policy", "", false},
		{http.MethodPost, "/b/k", "uploadId=x", "", false},
		{http.MethodPost, "/b", "delete", "", false},
	} {
		r, _ := http.NewRequest(c.method, "http://console"+c.path, nil)
		if c.copySource != "" {
			r.Header.Set("X-Amz-Copy-Source", c.copySource)
		}
		if got := streamsObject(r, c.path, c.query); got != c.want {
			t.Errorf("%s %s?%s: %v, want %v", c.method, c.path, c.query, got, c.want)
		}
	}
}

// An object's body reaches S3 while the browser is still sending it:
// the console holds none of it. (A stand-in S3 handler reads the first
// bytes and answers before the client has written the rest.)
func TestProxyStreamsBody(t *testing.T) {
	accts := newFakeAccounts()
	accts.add(store.Account{ID: "bob-id"})
	accts.addKey(storeKey(bobKey, bobSecret, "bob-id"))
	first := make(chan string, 1)
	s3h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 5)
		if _, err := io.ReadFull(r.Body, buf); err != nil {
			t.Errorf("read the first bytes: %v", err)
		}
		first <- string(buf) + " " + r.Header.Get("X-Amz-Content-Sha256") + " " + r.Header.Get("Content-Length")
		rest, _ := io.ReadAll(r.Body)
		w.Header().Set("ETag", `"`+string(rest)+`"`)
	})
	c, err := New(Options{S3: s3h, Keys: accts.AccessKey, Region: testRegion, S3URL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)

	value := newSessionValue(bobKey, bobSecret, time.Now().Add(time.Hour))
	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPut, srv.URL+"/api/s3/bucket/big.bin", pr)
	req.ContentLength = 10
	req.AddCookie(&http.Cookie{Name: cookieName, Value: value})
	req.Header.Set(csrfHeader, csrfToken(bobSecret, value))
	req.Header.Set("Origin", srv.URL)
	done := make(chan *http.Response, 1)
	go func() {
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Error(err)
			close(done)
			return
		}
		done <- resp
	}()
	pw.Write([]byte("first"))
	select {
	case got := <-first:
		if got != "first UNSIGNED-PAYLOAD 10" {
			t.Errorf("S3 got %q", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("S3 saw nothing of the body before the client finished sending it: the console buffers uploads")
	}
	pw.Write([]byte("-rest"))
	pw.Close()
	resp := <-done
	if resp == nil {
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") != `"-rest"` {
		t.Errorf("answer %d %v", resp.StatusCode, resp.Header)
	}
}

// S3's slow-client deadline applies to an upload through the console: a
// browser that stops sending gets RequestTimeout, and nothing is stored.
func TestProxySlowUpload(t *testing.T) {
	accts := newFakeAccounts()
	accts.add(store.Account{ID: "bob-id"})
	accts.addKey(storeKey(bobKey, bobSecret, "bob-id"))
	st := memstore.New()
	s3h, err := frontend.New(frontend.Options{Store: st, Accounts: accts, Region: testRegion, Logger: zerolog.Nop(),
		ClientTimeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Options{S3: s3h, Keys: frontend.KeyLookup(s3h), Region: testRegion, S3URL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	value := newSessionValue(bobKey, bobSecret, time.Now().Add(time.Hour))
	send := func(method, path string, body io.Reader, n int64) *http.Response {
		req, _ := http.NewRequest(method, srv.URL+path, body)
		req.ContentLength = n
		req.AddCookie(&http.Cookie{Name: cookieName, Value: value})
		req.Header.Set(csrfHeader, csrfToken(bobSecret, value))
		req.Header.Set("Origin", srv.URL)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if resp := send(http.MethodPut, "/api/s3/slow-bucket", nil, 0); resp.StatusCode != http.StatusOK {
		t.Fatalf("create bucket: %d", resp.StatusCode)
	}
	pr, pw := io.Pipe()
	defer pw.Close()
	go pw.Write([]byte("only the start"))
	start := time.Now()
	resp := send(http.MethodPut, "/api/s3/slow-bucket/stalled.bin", pr, 1<<20)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "RequestTimeout") || time.Since(start) > 10*time.Second {
		t.Fatalf("a stalled upload: %d %s after %s", resp.StatusCode, body, time.Since(start))
	}
	if resp := send(http.MethodHead, "/api/s3/slow-bucket/stalled.bin", nil, 0); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the stalled upload was stored: HEAD %d", resp.StatusCode)
	}
}
