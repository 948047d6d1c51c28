package frontend

import (
	"crypto/md5"
	"encoding/base64"
	"net/http"
	"testing"
)

// Every header that asks for a feature Amphora does not have is refused
// on every operation that takes it, with S3's error, and the write it
// came with stores nothing; the values that ask for nothing new pass.
func TestFeatureHeadersRefused(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	e.mustPut(t, "bucket", "src", []byte("source"))
	id := e.createUpload(t, "bucket", "mp", nil)
	del := []byte(`<Delete><Object><Key>gone</Key></Object></Delete>`)
	sum := md5.Sum(del)

	// send performs op with header name: value and returns the response;
	// key is where a write would store.
	send := func(t *testing.T, op, name, value string) (*http.Response, []byte, string) {
		t.Helper()
		hdr := map[string]string{name: value}
		switch op {
		case "PutObject":
			resp, body := e.signed(t, http.MethodPut, "/bucket/put-target", []byte("data"), hdr)
			return resp, body, "put-target"
		case "CopyObject":
			hdr["X-Amz-Copy-Source"] = "/bucket/src"
			resp, body := e.signed(t, http.MethodPut, "/bucket/copy-target", nil, hdr)
			return resp, body, "copy-target"
		case "CreateMultipartUpload":
			resp, body := e.signed(t, http.MethodPost, "/bucket/mp-target?uploads", nil, hdr)
			return resp, body, ""
		case "UploadPart":
			resp, body := e.signed(t, http.MethodPut, partPath("bucket", "mp", id, 1), []byte("part"), hdr)
			return resp, body, ""
		case "CreateBucket":
			resp, body := e.signed(t, http.MethodPut, "/new-bucket-hdr", nil, hdr)
			return resp, body, ""
		case "GetObject":
			resp, body := e.signed(t, http.MethodGet, "/bucket/src", nil, hdr)
			return resp, body, ""
		case "HeadObject":
			resp, body := e.signed(t, http.MethodHead, "/bucket/src", nil, hdr)
			return resp, body, ""
		case "DeleteObject":
			resp, body := e.signed(t, http.MethodDelete, "/bucket/src", nil, hdr)
			return resp, body, ""
		case "DeleteObjects":
			hdr["Content-MD5"] = base64.StdEncoding.EncodeToString(sum[:])
			resp, body := e.signed(t, http.MethodPost, "/bucket?delete", del, hdr)
			return resp, body, ""
		}
		t.Fatalf("no request for %s", op)
		return nil, nil, ""
	}
	refused := map[string]string{ // a value each header refuses
		"X-Amz-Storage-Class": "GLACIER",
		"X-Amz-Acl":           "public-read",
	}
	n := 0
	for _, fh := range featureHeaders {
		ops := fh.ops
		if ops == nil {
			ops = []string{"PutObject", "GetObject", "CreateBucket"}
		}
		value, ok := refused[fh.name]
		if !ok {
			value = "x"
		}
		for _, op := range ops {
			t.Run(op+"/"+fh.name, func(t *testing.T) {
				n++
				resp, body, key := send(t, op, fh.name, value)
				if fh.err != nil {
					wantError(t, resp, body, fh.err.Status, fh.err.Code)
				} else if doc := wantError(t, resp, body, http.StatusNotImplemented, "NotImplemented"); op != "GetObject" && doc.Message == "" {
					t.Errorf("empty message")
				}
				if key != "" {
					if resp, body := e.signed(t, http.MethodHead, "/bucket/"+key, nil, nil); resp.StatusCode != http.StatusNotFound {
						t.Errorf("refused %s stored %s: %d %s", op, key, resp.StatusCode, body)
					}
				}
			})
		}
	}
	if n < 20 { // SSE-C, SSE-S3 and SSE-KMS headers are supported now (sse.go, sse_managed.go)
		t.Errorf("only %d header x operation cases", n)
	}

	for _, tc := range []struct{ op, name, value string }{
		{"PutObject", "X-Amz-Storage-Class", "STANDARD"},
		{"PutObject", "X-Amz-Acl", "private"},
		{"PutObject", "X-Amz-Acl", "bucket-owner-full-control"},
		{"CreateBucket", "X-Amz-Bucket-Object-Lock-Enabled", "false"},
		{"CreateBucket", "X-Amz-Acl", "private"},
		{"GetObject", "X-Amz-Storage-Class", "GLACIER"}, // not a GET header
	} {
		resp, body, _ := send(t, tc.op, tc.name, tc.value)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s with %s: %s: %d %s", tc.op, tc.name, tc.value, resp.StatusCode, body)
		}
		if tc.op == "CreateBucket" {
			e.signed(t, http.MethodDelete, "/new-bucket-hdr", nil, nil)
		}
	}
}
