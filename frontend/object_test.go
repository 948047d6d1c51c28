package frontend

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestPutObjectErrors(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	data := []byte("some object bytes")
	sum := md5.Sum(data)

	t.Run("good Content-MD5", func(t *testing.T) {
		resp, body := e.signed(t, http.MethodPut, "/bucket/md5", data, map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(sum[:])})
		wantStatus(t, resp, body, http.StatusOK)
		if got := resp.Header.Get("ETag"); got != `"`+hex.EncodeToString(sum[:])+`"` {
			t.Errorf("ETag = %s", got)
		}
	})
	t.Run("Content-MD5 not base64", func(t *testing.T) {
		resp, body := e.signed(t, http.MethodPut, "/bucket/k", data, map[string]string{"Content-MD5": "not base64!"})
		wantError(t, resp, body, http.StatusBadRequest, "InvalidDigest")
	})
	t.Run("Content-MD5 wrong length", func(t *testing.T) {
		resp, body := e.signed(t, http.MethodPut, "/bucket/k", data, map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString([]byte("short"))})
		wantError(t, resp, body, http.StatusBadRequest, "InvalidDigest")
	})
	t.Run("Content-MD5 mismatch", func(t *testing.T) {
		other := md5.Sum([]byte("other"))
		resp, body := e.signed(t, http.MethodPut, "/bucket/bad-md5", data, map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(other[:])})
		wantError(t, resp, body, http.StatusBadRequest, "BadDigest")
		resp, body = e.signed(t, http.MethodHead, "/bucket/bad-md5", nil, nil)
		wantError(t, resp, body, http.StatusNotFound, "")
	})
	t.Run("no Content-Length", func(t *testing.T) {
		req := e.request(t, http.MethodPut, "/bucket/chunked", io.MultiReader(bytes.NewReader(data)))
		req.ContentLength = -1 // sent chunked
		resp, body := e.do(t, signV2(req, aliceKey, aliceSecret))
		wantError(t, resp, body, http.StatusLengthRequired, "MissingContentLength")
	})
	t.Run("over 5 GiB", func(t *testing.T) {
		req := e.request(t, http.MethodPut, "/bucket/huge", io.LimitReader(zeros{}, 6<<30))
		req.ContentLength = 6 << 30
		req.Header.Set("Expect", "100-continue")
		c := e.client()
		c.Transport.(*http.Transport).ExpectContinueTimeout = 10 * time.Second
		resp, err := c.Do(signV2(req, aliceKey, aliceSecret))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		wantError(t, resp, body, http.StatusBadRequest, "EntityTooLarge")
	})
	t.Run("metadata too large", func(t *testing.T) {
		resp, body := e.signed(t, http.MethodPut, "/bucket/meta", data, map[string]string{"X-Amz-Meta-Big": strings.Repeat("x", 2100)})
		wantError(t, resp, body, http.StatusBadRequest, "MetadataTooLarge")
	})
	t.Run("key too long", func(t *testing.T) {
		resp, body := e.signed(t, http.MethodPut, "/bucket/"+strings.Repeat("k", 1025), data, nil)
		wantError(t, resp, body, http.StatusBadRequest, "KeyTooLongError")
		resp, body = e.signed(t, http.MethodPut, "/bucket/"+strings.Repeat("k", 1024), data, nil)
		wantStatus(t, resp, body, http.StatusOK)
	})
	t.Run("invalid UTF-8 key", func(t *testing.T) {
		resp, body := e.signed(t, http.MethodPut, "/bucket/bad%FFkey", data, nil)
		wantError(t, resp, body, http.StatusBadRequest, "InvalidURI")
	})
	t.Run("no such bucket", func(t *testing.T) {
		resp, body := e.signed(t, http.MethodPut, "/nobucket/k", data, nil)
		doc := wantError(t, resp, body, http.StatusNotFound, "NoSuchBucket")
		if doc.BucketName != "nobucket" || doc.Resource != "/nobucket/k" {
			t.Errorf("doc = %+v", doc)
		}
	})
	t.Run("If-None-Match with a list of ETags is not implemented", func(t *testing.T) {
		etag := `"` + hex.EncodeToString(sum[:]) + `"`
		resp, body := e.signed(t, http.MethodPut, "/bucket/md5", data, map[string]string{"If-None-Match": etag + ", " + etag})
		wantError(t, resp, body, http.StatusNotImplemented, "NotImplemented")
	})
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestIncompleteBody sends fewer bytes than Content-Length on a raw
// connection and half-closes it.
func TestIncompleteBody(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	req := e.request(t, http.MethodPut, "/bucket/short", nil)
	req.Header.Set("Content-Length", "100")
	req = signV2(req, aliceKey, aliceSecret)

	conn, err := net.Dial("tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var head bytes.Buffer
	head.WriteString("PUT /bucket/short HTTP/1.1\r\nHost: " + e.addr + "\r\n")
	if err := req.Header.Write(&head); err != nil {
		t.Fatal(err)
	}
	head.WriteString("\r\n0123456789")
	if _, err := conn.Write(head.Bytes()); err != nil {
		t.Fatal(err)
	}
	conn.(*net.TCPConn).CloseWrite()
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: http.MethodPut})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	wantError(t, resp, body, http.StatusBadRequest, "IncompleteBody")

	resp2, body := e.signed(t, http.MethodHead, "/bucket/short", nil, nil)
	wantError(t, resp2, body, http.StatusNotFound, "")
}

func TestGetObject(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	data := []byte("0123456789abcdefghij") // 20 bytes
	resp, body := e.signed(t, http.MethodPut, "/bucket/obj", data, map[string]string{
		"Content-Type":        "text/plain",
		"Content-Encoding":    "identity",
		"Content-Disposition": "inline",
		"Content-Language":    "de",
		"Cache-Control":       "no-store",
		"Expires":             "Thu, 01 Dec 2094 16:00:00 GMT",
		"X-Amz-Meta-Color":    "blue",
		"X-Amz-Meta-Two-Part": "x",
	})
	wantStatus(t, resp, body, http.StatusOK)
	sum := md5.Sum(data)
	etag := `"` + hex.EncodeToString(sum[:]) + `"`

	for _, method := range []string{http.MethodGet, http.MethodHead} {
		resp, body := e.signed(t, method, "/bucket/obj", nil, nil)
		wantStatus(t, resp, body, http.StatusOK)
		h := resp.Header
		for k, want := range map[string]string{
			"ETag": etag, "Content-Type": "text/plain", "Content-Encoding": "identity",
			"Content-Disposition": "inline", "Content-Language": "de", "Cache-Control": "no-store",
			"Expires": "Thu, 01 Dec 2094 16:00:00 GMT", "Accept-Ranges": "bytes",
			"Content-Length": "20", "X-Amz-Meta-Color": "blue", "X-Amz-Meta-Two-Part": "x",
		} {
			if got := h.Get(k); got != want {
				t.Errorf("%s %s = %q, want %q", method, k, got, want)
			}
		}
		if _, err := http.ParseTime(h.Get("Last-Modified")); err != nil {
			t.Errorf("Last-Modified %q: %v", h.Get("Last-Modified"), err)
		}
		if method == http.MethodGet && !bytes.Equal(body, data) {
			t.Errorf("GET body = %q", body)
		}
		if method == http.MethodHead && len(body) != 0 {
			t.Errorf("HEAD body = %q", body)
		}
	}

	// Default content type.
	e.mustPut(t, "bucket", "plain", []byte("x"))
	resp, _ = e.signed(t, http.MethodHead, "/bucket/plain", nil, nil)
	if ct := resp.Header.Get("Content-Type"); ct != "binary/octet-stream" {
		t.Errorf("default Content-Type = %q", ct)
	}

	t.Run("ranges", func(t *testing.T) {
		for _, tc := range []struct {
			rng, body, contentRange string
			status                  int
		}{
			{"bytes=0-4", "01234", "bytes 0-4/20", http.StatusPartialContent},
			{"bytes=15-", "fghij", "bytes 15-19/20", http.StatusPartialContent},
			{"bytes=-3", "hij", "bytes 17-19/20", http.StatusPartialContent},
			{"bytes=18-100", "ij", "bytes 18-19/20", http.StatusPartialContent},
			{"bytes=5-2", string(data), "", http.StatusOK},     // invalid: whole object
			{"bytes=0-1,4-5", string(data), "", http.StatusOK}, // multi-range: whole object
			{"garbage", string(data), "", http.StatusOK},
		} {
			resp, body := e.signed(t, http.MethodGet, "/bucket/obj", nil, map[string]string{"Range": tc.rng})
			wantStatus(t, resp, body, tc.status)
			if string(body) != tc.body || resp.Header.Get("Content-Range") != tc.contentRange ||
				resp.Header.Get("Content-Length") != strconv.Itoa(len(tc.body)) {
				t.Errorf("Range %s: %d %q Content-Range %q Content-Length %q", tc.rng, resp.StatusCode, body,
					resp.Header.Get("Content-Range"), resp.Header.Get("Content-Length"))
			}
		}
		for _, rng := range []string{"bytes=20-", "bytes=100-200", "bytes=-0"} {
			resp, body := e.signed(t, http.MethodGet, "/bucket/obj", nil, map[string]string{"Range": rng})
			wantError(t, resp, body, http.StatusRequestedRangeNotSatisfiable, "InvalidRange")
			if got := resp.Header.Get("Content-Range"); got != "bytes */20" {
				t.Errorf("Range %s: Content-Range %q", rng, got)
			}
			if resp.Header.Get("ETag") != "" {
				t.Errorf("Range %s: error carries the object's ETag", rng)
			}
		}
		resp, body := e.signed(t, http.MethodHead, "/bucket/obj", nil, map[string]string{"Range": "bytes=2-5"})
		wantStatus(t, resp, body, http.StatusPartialContent)
		if resp.Header.Get("Content-Length") != "4" || resp.Header.Get("Content-Range") != "bytes 2-5/20" {
			t.Errorf("HEAD range headers: %v", resp.Header)
		}
	})

	t.Run("conditionals", func(t *testing.T) {
		resp, _ := e.signed(t, http.MethodHead, "/bucket/obj", nil, nil)
		lm, _ := http.ParseTime(resp.Header.Get("Last-Modified"))
		past, future := httpDateOf(lm.Add(-time.Hour)), httpDateOf(lm.Add(time.Hour))
		for _, tc := range []struct {
			h      map[string]string
			status int
		}{
			{map[string]string{"If-Match": etag}, http.StatusOK},
			{map[string]string{"If-Match": `"nope"`}, http.StatusPreconditionFailed},
			{map[string]string{"If-Unmodified-Since": past}, http.StatusPreconditionFailed},
			{map[string]string{"If-Unmodified-Since": future}, http.StatusOK},
			{map[string]string{"If-Match": etag, "If-Unmodified-Since": past}, http.StatusOK},
			{map[string]string{"If-None-Match": etag}, http.StatusNotModified},
			{map[string]string{"If-None-Match": `"nope"`}, http.StatusOK},
			{map[string]string{"If-Modified-Since": future}, http.StatusNotModified},
			{map[string]string{"If-Modified-Since": past}, http.StatusOK},
			{map[string]string{"If-None-Match": etag, "If-Modified-Since": past}, http.StatusNotModified},
			{map[string]string{"If-Match": `"nope"`, "If-None-Match": etag}, http.StatusPreconditionFailed},
		} {
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				resp, body := e.signed(t, method, "/bucket/obj", nil, tc.h)
				switch tc.status {
				case http.StatusPreconditionFailed:
					doc := wantError(t, resp, body, tc.status, "PreconditionFailed")
					if method == http.MethodGet && doc.Condition == "" {
						t.Errorf("%v: no Condition element", tc.h)
					}
				case http.StatusNotModified:
					wantStatus(t, resp, body, tc.status)
					if len(body) != 0 || resp.Header.Get("ETag") != etag || resp.Header.Get("Last-Modified") == "" {
						t.Errorf("%s %v: 304 with body %q, headers %v", method, tc.h, body, resp.Header)
					}
				default:
					wantStatus(t, resp, body, tc.status)
				}
			}
		}
	})

	t.Run("missing", func(t *testing.T) {
		resp, body := e.signed(t, http.MethodGet, "/bucket/missing/key", nil, nil)
		doc := wantError(t, resp, body, http.StatusNotFound, "NoSuchKey")
		if doc.Key != "missing/key" || doc.Resource != "/bucket/missing/key" {
			t.Errorf("doc = %+v", doc)
		}
		resp, body = e.signed(t, http.MethodHead, "/bucket/missing", nil, nil)
		wantError(t, resp, body, http.StatusNotFound, "")
		resp, body = e.signed(t, http.MethodGet, "/nobucket/key", nil, nil)
		wantError(t, resp, body, http.StatusNotFound, "NoSuchBucket")
	})

	t.Run("response overrides", func(t *testing.T) {
		q := "?response-content-type=application%2Fjson&response-content-language=fr&response-expires=never" +
			"&response-cache-control=max-age%3D1&response-content-disposition=attachment&response-content-encoding=gzip"
		// Accept-Encoding set by hand stops Go's transport from gunzipping.
		resp, body := e.signed(t, http.MethodGet, "/bucket/obj"+q, nil, map[string]string{"Accept-Encoding": "identity"})
		wantStatus(t, resp, body, http.StatusOK)
		for k, want := range map[string]string{
			"Content-Type": "application/json", "Content-Language": "fr", "Expires": "never",
			"Cache-Control": "max-age=1", "Content-Disposition": "attachment", "Content-Encoding": "gzip",
		} {
			if got := resp.Header.Get(k); got != want {
				t.Errorf("override %s = %q, want %q", k, got, want)
			}
		}
	})

	t.Run("delete", func(t *testing.T) {
		resp, body := e.signed(t, http.MethodDelete, "/bucket/plain", nil, nil)
		wantStatus(t, resp, body, http.StatusNoContent)
		resp, body = e.signed(t, http.MethodDelete, "/bucket/plain", nil, nil)
		wantStatus(t, resp, body, http.StatusNoContent)
		resp, body = e.signed(t, http.MethodDelete, "/nobucket/plain", nil, nil)
		wantError(t, resp, body, http.StatusNotFound, "NoSuchBucket")
	})
}
