package integration

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/signer"
)

// rawPut is a PUT whose body the test feeds by hand over its own connection.
type rawPut struct {
	conn net.Conn
	body io.Reader // the rest of the declared body
}

// startRawPut opens a connection and sends the headers of a V2-signed
// (by minio-go's signer) path-style PUT of size bytes of payload(seed).
func startRawPut(t *testing.T, s *server, tn tenant, bucket, key string, seed uint64, size int64) *rawPut {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, s.URL()+"/"+bucket+"/"+key, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	signed := signer.SignV2(*req, tn.AccessKey, tn.SecretKey, false)
	conn, err := net.DialTimeout("tcp", s.Addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	w := bufio.NewWriter(conn)
	fmt.Fprintf(w, "PUT %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", signed.URL.EscapedPath(), s.Addr, size)
	names := make([]string, 0, len(signed.Header))
	for k := range signed.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(w, "%s: %s\r\n", k, signed.Header.Get(k))
	}
	w.WriteString("\r\n")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return &rawPut{conn: conn, body: payload(seed, size)}
}

// send writes the next n bytes of the body.
func (p *rawPut) send(t *testing.T, n int64) {
	t.Helper()
	p.conn.SetWriteDeadline(time.Now().Add(2 * time.Minute))
	if _, err := io.CopyN(p.conn, p.body, n); err != nil {
		// The server may have answered early (an error) and closed.
		p.conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		resp, _ := io.ReadAll(io.LimitReader(p.conn, 4096))
		t.Fatalf("send %d body bytes: %v; server said:\n%s", n, err, resp)
	}
}

// A server killed in the middle of overwriting an object leaves the old
// version whole and readable, and garbage that `amphora gc` removes
// without touching the old version's blocks.
func TestCrashMidUpload(t *testing.T) {
	o := gcOptions() // this test runs `amphora gc` itself
	s := newServer(t, o)
	db := cqlSession(t, s)
	ctx := testContext(t, 3*time.Minute)
	c := s.minioClient(t, tenantA, minioOpts{})
	const bucket, key = "crash", "object-k"
	const v1Size, v1Seed = 2 << 20, 500
	const v2Size, v2Seed, v2Sent = 40 << 20, 501, 20 << 20
	block := o.BlockSize
	if err := c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	v1 := payloadDigest(t, v1Seed, v1Size)
	if _, err := c.PutObject(ctx, bucket, key, payload(v1Seed, v1Size), v1Size, minio.PutObjectOptions{DisableMultipart: true}); err != nil {
		t.Fatalf("put v1: %v", err)
	}
	checkV1 := func(when string) {
		t.Helper()
		st, err := c.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
		if err != nil || st.Size != v1Size || st.ETag != v1.MD5 {
			t.Fatalf("%s: HEAD = size %d etag %s, %v; want v1 (%d, %s)", when, st.Size, st.ETag, err, int64(v1Size), v1.MD5)
		}
		obj, err := c.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer obj.Close()
		if got := digestOf(t, obj); got != v1 {
			t.Fatalf("%s: GET = %+v, want v1 %+v", when, got, v1)
		}
	}
	checkV1("before the crash")
	v1Blocks := blocksFor(v1Size, block)
	if n := countBlocks(t, db); n != v1Blocks {
		t.Fatalf("%s has %d rows after one %d-byte object, want %d (one per %d-byte block)", blocksTable, n, int64(v1Size), v1Blocks, block)
	}

	// Overwrite with v2, and kill the server once part of v2 is stored.
	put := startRawPut(t, s, tenantA, bucket, key, v2Seed, v2Size)
	put.send(t, v2Sent)
	minNew := int64(16)
	deadline := time.Now().Add(time.Minute)
	n := countBlocks(t, db)
	for ; n < v1Blocks+minNew; n = countBlocks(t, db) {
		if time.Now().After(deadline) {
			t.Fatalf("after sending %d bytes of v2, %s has %d rows; want at least %d (v1's %d + %d of v2)", v2Sent, blocksTable, n, v1Blocks+minNew, v1Blocks, minNew)
		}
		time.Sleep(100 * time.Millisecond)
	}
	pid := s.Pid()
	s.Kill()
	killed := time.Now()
	t.Logf("killed amphora pid %d with %d block rows stored (v1 has %d)", pid, n, v1Blocks)
	put.conn.Close()

	if err := s.Restart(); err != nil {
		t.Fatalf("restart: %v", err)
	}
	checkV1("after the crash")
	l := list(t, c, bucket, minio.ListObjectsOptions{Recursive: true}, map[string]int64{key: v1Size})
	if l.String() != (listing{Keys: []string{key}}).String() {
		t.Fatalf("listing after the crash: %v", l)
	}
	orphans := countBlocks(t, db) - v1Blocks
	if orphans < minNew {
		t.Fatalf("only %d orphaned block rows after the crash; the test did not crash mid-upload", orphans)
	}

	// GC after the grace period removes v2's blocks and only those.
	time.Sleep(time.Until(killed.Add(o.GCGrace + 500*time.Millisecond)))
	for i := range 3 {
		out := s.GC(t)
		n = countBlocks(t, db)
		t.Logf("gc run %d: %d block rows left (v1 has %d): %s", i+1, n, v1Blocks, out)
		if n <= v1Blocks {
			break
		}
		time.Sleep(o.GCGrace)
	}
	if n != v1Blocks {
		t.Errorf("after gc, %s has %d rows; want exactly v1's %d (%d orphans before gc)", blocksTable, n, v1Blocks, orphans)
	}
	checkV1("after gc")

	// The server still takes new versions normally.
	v3 := payloadDigest(t, 502, 3*block+1)
	if _, err := c.PutObject(ctx, bucket, key, payload(502, 3*block+1), 3*block+1, minio.PutObjectOptions{DisableMultipart: true}); err != nil {
		t.Fatalf("put v3 after the crash: %v", err)
	}
	obj, err := c.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	if got := digestOf(t, obj); got != v3 {
		t.Fatalf("v3 = %+v, want %+v", got, v3)
	}
}
