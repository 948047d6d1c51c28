package frontend

import (
	"bytes"
	"net/http"
	"strconv"
	"testing"

	"github.com/amphora-s3/amphora/store"
)

func TestGetObjectPartNumber(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	p1, p2, p3 := fill('a', store.MinPartSize), fill('b', store.MinPartSize), []byte("last part")
	id := e.createUpload(t, "bucket", "mp", nil)
	etags := []string{
		e.uploadPart(t, "bucket", "mp", id, 1, p1),
		e.uploadPart(t, "bucket", "mp", id, 2, p2),
		e.uploadPart(t, "bucket", "mp", id, 3, p3),
	}
	resp, body := e.complete(t, "bucket", "mp", id, completeBody(etags), nil)
	wantStatus(t, resp, body, http.StatusOK)
	e.mustPut(t, "bucket", "plain", []byte("plain bytes"))
	e.mustPut(t, "bucket", "empty", nil)
	total := strconv.Itoa(2*store.MinPartSize + len(p3))
	mpETag := `"` + multipartETag(p1, p2, p3) + `"`

	for _, tc := range []struct {
		key, part    string
		data         []byte
		contentRange string
		count        string
		status       int
	}{
		{"mp", "1", p1, "bytes 0-5242879/" + total, "3", http.StatusPartialContent},
		{"mp", "2", p2, "bytes 5242880-10485759/" + total, "3", http.StatusPartialContent},
		{"mp", "3", p3, "bytes 10485760-10485768/" + total, "3", http.StatusPartialContent},
		{"plain", "1", []byte("plain bytes"), "bytes 0-10/11", "", http.StatusPartialContent},
		{"empty", "1", nil, "", "", http.StatusOK},
	} {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			resp, body := e.signed(t, method, "/bucket/"+tc.key+"?partNumber="+tc.part, nil, nil)
			wantStatus(t, resp, body, tc.status)
			if method == http.MethodGet && !bytes.Equal(body, tc.data) {
				t.Errorf("%s %s part %s: %d bytes", method, tc.key, tc.part, len(body))
			}
			if resp.Header.Get("Content-Range") != tc.contentRange || resp.Header.Get("x-amz-mp-parts-count") != tc.count ||
				resp.Header.Get("Content-Length") != strconv.Itoa(len(tc.data)) {
				t.Errorf("%s %s part %s: headers %v", method, tc.key, tc.part, resp.Header)
			}
			if tc.key == "mp" && resp.Header.Get("ETag") != mpETag {
				t.Errorf("ETag = %s, want the object's %s", resp.Header.Get("ETag"), mpETag)
			}
		}
	}

	for _, tc := range []struct {
		path, rng string
		status    int
		code      string
	}{
		{"/bucket/mp?partNumber=4", "", http.StatusRequestedRangeNotSatisfiable, "InvalidPartNumber"},
		{"/bucket/plain?partNumber=2", "", http.StatusRequestedRangeNotSatisfiable, "InvalidPartNumber"},
		{"/bucket/mp?partNumber=0", "", http.StatusBadRequest, "InvalidArgument"},
		{"/bucket/mp?partNumber=10001", "", http.StatusBadRequest, "InvalidArgument"},
		{"/bucket/mp?partNumber=x", "", http.StatusBadRequest, "InvalidArgument"},
		{"/bucket/mp?partNumber=1", "bytes=0-10", http.StatusBadRequest, "InvalidRequest"},
		{"/bucket/nokey?partNumber=1", "", http.StatusNotFound, "NoSuchKey"},
	} {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			var hdr map[string]string
			if tc.rng != "" {
				hdr = map[string]string{"Range": tc.rng}
			}
			resp, body := e.signed(t, method, tc.path, nil, hdr)
			code := tc.code
			if method == http.MethodHead {
				code = ""
			}
			doc := wantError(t, resp, body, tc.status, code)
			if tc.code == "InvalidPartNumber" && method == http.MethodGet && doc.Message != "The requested partnumber is not satisfiable" {
				t.Errorf("message %q", doc.Message)
			}
		}
	}
	// Conditionals apply to the whole object first.
	resp, body = e.signed(t, http.MethodGet, "/bucket/mp?partNumber=2", nil, map[string]string{"If-None-Match": mpETag})
	wantStatus(t, resp, body, http.StatusNotModified)
	resp, body = e.signed(t, http.MethodGet, "/bucket/mp?partNumber=2", nil, map[string]string{"If-Match": `"other"`})
	wantError(t, resp, body, http.StatusPreconditionFailed, "PreconditionFailed")
}
