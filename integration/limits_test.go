package integration

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/s3utils"
	"github.com/minio/minio-go/v7/pkg/signer"
)

// rawExchange sends a V2-signed (by minio-go's signer) request over a raw
// connection: the head as signed, Content-Length as given ("" for none),
// then body; with halfClose the write side is closed after the body, as
// a client that dies mid-upload would. It returns the parsed response.
func rawExchange(t *testing.T, s *server, method, path, contentLength string, body []byte, halfClose bool) response {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	signed := signer.SignV2(*req, tenantA.AccessKey, tenantA.SecretKey, false)
	conn, err := net.DialTimeout("tcp", s.Addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Minute))
	var head strings.Builder
	fmt.Fprintf(&head, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, signed.URL.EscapedPath(), s.Addr)
	if contentLength != "" {
		fmt.Fprintf(&head, "Content-Length: %s\r\n", contentLength)
	}
	for _, k := range []string{"Date", "Authorization"} {
		fmt.Fprintf(&head, "%s: %s\r\n", k, signed.Header.Get(k))
	}
	head.WriteString("Connection: close\r\n\r\n")
	if _, err := io.WriteString(conn, head.String()); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write(body); err != nil {
		t.Fatal(err)
	}
	if halfClose {
		if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatalf("%s %s: read response: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// A client that sends less than it declared gets IncompleteBody, and the
// key keeps its previous version.
func TestTruncatedUploadChangesNothing(t *testing.T) {
	s := shared(t)
	ctx := testContext(t, time.Minute)
	c := s.minioClient(t, tenantA, minioOpts{})
	const bucket = "truncated-upload"
	makeBucket(t, c, bucket)
	old := payloadBytes(t, 50, 300<<10)
	if _, err := c.PutObject(ctx, bucket, "k", bytes.NewReader(old), int64(len(old)), minio.PutObjectOptions{DisableMultipart: true}); err != nil {
		t.Fatal(err)
	}
	for _, sent := range []int64{0, 1000, 256 << 10, 600 << 10} {
		r := rawExchange(t, s, http.MethodPut, "/"+bucket+"/k", fmt.Sprint(1<<20), payloadBytes(t, 51, sent), true)
		if r.Status != 400 || r.Code() != "IncompleteBody" {
			t.Errorf("PUT declaring 1 MiB, sending %d bytes: %d %q, want 400 IncompleteBody\n%s", sent, r.Status, r.Code(), r.Body)
		}
		if got, err := getBytes(ctx, c, bucket, "k", minio.GetObjectOptions{}); err != nil || !bytes.Equal(got, old) {
			t.Fatalf("after a truncated PUT of %d bytes the key reads %d bytes (%v), want the previous %d", sent, len(got), err, len(old))
		}
	}
	// A new key is not created either.
	rawExchange(t, s, http.MethodPut, "/"+bucket+"/new", "5000", []byte("short"), true)
	_, err := c.StatObject(ctx, bucket, "new", minio.StatObjectOptions{})
	wantErrorCode(t, "StatObject of a key whose only PUT was truncated", err, 404, "NoSuchKey")
}

// PUT with neither Content-Length nor chunked encoding: 411, nothing stored.
func TestPutWithoutContentLength(t *testing.T) {
	s := shared(t)
	ctx := testContext(t, time.Minute)
	c := s.minioClient(t, tenantA, minioOpts{})
	const bucket = "no-content-length"
	makeBucket(t, c, bucket)
	r := rawExchange(t, s, http.MethodPut, "/"+bucket+"/k", "", nil, false)
	if r.Status != 411 || r.Code() != "MissingContentLength" {
		t.Errorf("PUT without Content-Length: %d %q, want 411 MissingContentLength\n%s", r.Status, r.Code(), r.Body)
	}
	_, err := c.StatObject(ctx, bucket, "k", minio.StatObjectOptions{})
	wantErrorCode(t, "StatObject after a PUT without Content-Length", err, 404, "NoSuchKey")
}

func TestKeyAndMetadataLimits(t *testing.T) {
	s := shared(t)
	ctx := testContext(t, time.Minute)
	c := s.minioClient(t, tenantA, minioOpts{})
	const bucket = "limits"
	makeBucket(t, c, bucket)
	put := func(key string, meta map[string]string) error {
		_, err := c.PutObject(ctx, bucket, key, bytes.NewReader([]byte("v")), 1, minio.PutObjectOptions{DisableMultipart: true, UserMetadata: meta})
		return err
	}
	// 1024 bytes of UTF-8 is the longest key.
	longest := "k/" + strings.Repeat("é", 511) // 2 + 1022 bytes
	if err := put(longest, nil); err != nil {
		t.Errorf("PutObject with a %d-byte key: %v", len(longest), err)
	} else if got, err := getBytes(ctx, c, bucket, longest, minio.GetObjectOptions{}); err != nil || string(got) != "v" {
		t.Errorf("GetObject of the %d-byte key: %q, %v", len(longest), got, err)
	}
	// minio-go refuses longer keys itself: a raw V2-signed PUT.
	r := s.do(t, s.signedRequest(t, tenantA, http.MethodPut, "/"+bucket+"/"+s3utils.EncodePath(longest+"x"), "v", nil))
	if r.Status != 400 || r.Code() != "KeyTooLongError" {
		t.Errorf("PUT of a 1025-byte key: %d %q, want 400 KeyTooLongError\n%s", r.Status, r.Code(), r.Body)
	}

	if err := put("meta-ok", map[string]string{"a": strings.Repeat("x", 1500)}); err != nil {
		t.Errorf("PutObject with 1.5 KB of metadata: %v", err)
	}
	wantErrorCode(t, "PutObject with 3 KB of metadata", put("meta-big", map[string]string{"a": strings.Repeat("x", 3000)}), 400, "MetadataTooLarge")
	_, err := c.StatObject(ctx, bucket, "meta-big", minio.StatObjectOptions{})
	wantErrorCode(t, "StatObject of the refused key", err, 404, "NoSuchKey")

	// An unsatisfiable range names the size.
	r = s.do(t, s.signedRequest(t, tenantA, http.MethodGet, "/"+bucket+"/meta-ok", "", map[string]string{"Range": "bytes=1-"}))
	if r.Status != 416 || r.Code() != "InvalidRange" || r.Header.Get("Content-Range") != "bytes */1" {
		t.Errorf("GET bytes=1- of a 1-byte object: %d %q Content-Range %q, want 416 InvalidRange bytes */1\n%s", r.Status, r.Code(), r.Header.Get("Content-Range"), r.Body)
	}
}
