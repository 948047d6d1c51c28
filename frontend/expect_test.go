package frontend

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// An empty PUT with Expect: 100-continue gets its 100 Continue before the
// final answer, as from S3: botocore otherwise misreads the next response
// on the connection (aws cli uploading an empty file, then another).
func TestExpectContinueOnEmptyBody(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	req := signV2(e.request(t, http.MethodPut, "/bucket/empty", nil), aliceKey, aliceSecret)
	conn, err := net.DialTimeout("tcp", e.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	var b strings.Builder
	b.WriteString("PUT /bucket/empty HTTP/1.1\r\nHost: " + e.addr + "\r\nContent-Length: 0\r\nExpect: 100-continue\r\n")
	for _, h := range []string{"Date", "Authorization"} {
		b.WriteString(h + ": " + req.Header.Get(h) + "\r\n")
	}
	b.WriteString("\r\n")
	if _, err := conn.Write([]byte(b.String())); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	first, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if first.StatusCode != http.StatusContinue {
		t.Fatalf("first response %d, want 100 Continue", first.StatusCode)
	}
	final, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if final.StatusCode != http.StatusOK {
		t.Fatalf("final response %d, want 200", final.StatusCode)
	}
}
