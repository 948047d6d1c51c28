package frontend

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/pacing"
	"github.com/amphora-s3/amphora/store"
	"github.com/amphora-s3/amphora/store/memstore"
)

// paced returns an env whose bodies and responses are paced.
func paced(t *testing.T, timeout time.Duration, rate int64, st store.Store) *env {
	t.Helper()
	return newEnv(t, func(o *Options) {
		o.ClientTimeout, o.ClientMinRate = timeout, rate
		if st != nil {
			o.Store = st
		}
	})
}

// rawPut opens a connection and sends a signed PUT's request line and
// headers declaring size bytes, but no body: the test sends it.
func (e *env) rawPut(t *testing.T, key string, size int) (net.Conn, *bufio.Reader) {
	t.Helper()
	req := e.request(t, http.MethodPut, objectPath("bucket", key), nil)
	req.Header.Set("Content-Type", "application/octet-stream")
	req = signV2(req, aliceKey, aliceSecret)
	conn, err := net.DialTimeout("tcp", e.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	var b strings.Builder
	b.WriteString("PUT " + objectPath("bucket", key) + " HTTP/1.1\r\nHost: " + e.addr + "\r\n")
	b.WriteString("Content-Length: " + strconv.Itoa(size) + "\r\n")
	for _, h := range []string{"Date", "Authorization", "Content-Type"} {
		b.WriteString(h + ": " + req.Header.Get(h) + "\r\n")
	}
	b.WriteString("\r\n")
	if _, err := conn.Write([]byte(b.String())); err != nil {
		t.Fatal(err)
	}
	return conn, bufio.NewReader(conn)
}

// readResponse reads one response within limit.
func readResponse(t *testing.T, conn net.Conn, br *bufio.Reader, limit time.Duration) (*http.Response, []byte) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(limit))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no response within %s: %v", limit, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

func (e *env) wantNoObject(t *testing.T, key string) {
	t.Helper()
	resp, body := e.signed(t, http.MethodHead, objectPath("bucket", key), nil, nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("HEAD %s after a failed upload: %d %s", key, resp.StatusCode, body)
	}
}

// A body that stops arriving fails with 400 RequestTimeout once the
// timeout has passed, and stores nothing.
func TestStalledBodyTimesOut(t *testing.T) {
	const timeout = 300 * time.Millisecond
	e := paced(t, timeout, 0, nil)
	e.mustCreate(t, "bucket")
	conn, br := e.rawPut(t, "stalled", 1000)
	start := time.Now()
	if _, err := conn.Write(make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	resp, body := readResponse(t, conn, br, 10*time.Second)
	took := time.Since(start)
	wantError(t, resp, body, http.StatusBadRequest, "RequestTimeout")
	if took < timeout || took > 5*time.Second {
		t.Errorf("answered after %s, want just after %s", took, timeout)
	}
	e.wantNoObject(t, "stalled")
}

// A body trickling below the minimum rate fails even though bytes keep
// coming; one above it succeeds even when it takes several timeouts.
func TestBodyMinimumRate(t *testing.T) {
	const timeout = 400 * time.Millisecond
	const rate = 20 << 10 // quota: 8 KiB per 400 ms
	e := paced(t, timeout, rate, nil)
	e.mustCreate(t, "bucket")

	trickle := func(key string, chunk int, every time.Duration, size int) (*http.Response, []byte) {
		conn, br := e.rawPut(t, key, size)
		go func() {
			for sent := 0; sent < size; sent += chunk {
				if _, err := conn.Write(make([]byte, min(chunk, size-sent))); err != nil {
					return
				}
				time.Sleep(every)
			}
		}()
		return readResponse(t, conn, br, 20*time.Second)
	}

	// 200 bytes every 50 ms: 4 KB/s, a fifth of the rate, never idle.
	resp, body := trickle("slow", 200, 50*time.Millisecond, 16<<10)
	wantError(t, resp, body, http.StatusBadRequest, "RequestTimeout")
	e.wantNoObject(t, "slow")

	// 4 KiB every 50 ms: 80 KiB/s, 1.2 s in all (three timeouts).
	resp, body = trickle("fast-enough", 4<<10, 50*time.Millisecond, 96<<10)
	wantStatus(t, resp, body, http.StatusOK)
}

// pausingStore is memstore taking its time between two reads of a body, as
// Cassandra does when its block writes are slow: that time is the
// server's, not the client's, and must not count against the client.
type pausingStore struct {
	*memstore.Store
	pause time.Duration
}

func (s pausingStore) PutObject(ctx context.Context, in store.PutInput) (store.Object, error) {
	in.Body = &pausingReader{r: in.Body, after: 100, pause: s.pause}
	return s.Store.PutObject(ctx, in)
}

type pausingReader struct {
	r      io.Reader
	after  int
	pause  time.Duration
	read   int
	paused bool
}

func (p *pausingReader) Read(b []byte) (int, error) {
	if !p.paused && p.read >= p.after {
		p.paused = true
		time.Sleep(p.pause)
	}
	if !p.paused {
		b = b[:min(len(b), p.after-p.read)]
	}
	n, err := p.r.Read(b)
	p.read += n
	return n, err
}

func TestServerTimeDoesNotCount(t *testing.T) {
	const timeout = 300 * time.Millisecond
	e := paced(t, timeout, 0, pausingStore{memstore.New(), 3 * timeout})
	e.mustCreate(t, "bucket")
	data := bytes.Repeat([]byte("x"), 200<<10)
	resp, body := e.signed(t, http.MethodPut, "/bucket/k", data, nil)
	wantStatus(t, resp, body, http.StatusOK)
}

// A client that does not read its response loses the connection once the
// timeout has passed: the server neither waits for it nor buffers for it.
func TestSlowReaderConnectionClosed(t *testing.T) {
	const timeout = 300 * time.Millisecond
	e := paced(t, timeout, 256<<10, nil) // a quota of 77 KiB per window
	e.mustCreate(t, "bucket")
	const size = 16 << 20
	e.mustPut(t, "bucket", "big", bytes.Repeat([]byte("y"), size))

	req := signV2(e.request(t, http.MethodGet, "/bucket/big", nil), aliceKey, aliceSecret)
	conn, err := net.DialTimeout("tcp", e.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	head := "GET /bucket/big HTTP/1.1\r\nHost: " + e.addr + "\r\nDate: " + req.Header.Get("Date") +
		"\r\nAuthorization: " + req.Header.Get("Authorization") + "\r\n\r\n"
	if _, err := conn.Write([]byte(head)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(6 * timeout) // read nothing meanwhile
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	n, err := io.Copy(io.Discard, conn)
	if err != nil && !errors.Is(err, net.ErrClosed) && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("reading the response: %v", err)
	}
	if n >= size {
		t.Fatalf("got all %d bytes: the server waited for a client that did not read", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(e.logs.String(), `"aborted":true`) {
		if time.Now().After(deadline) {
			t.Fatalf("no aborted response in the access log:\n%s", e.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A reader that keeps up gets the whole object, however long it takes.
func TestPacedResponseCompletes(t *testing.T) {
	e := paced(t, 200*time.Millisecond, 1<<10, nil)
	e.mustCreate(t, "bucket")
	data := bytes.Repeat([]byte("z"), 3<<20)
	e.mustPut(t, "bucket", "k", data)
	resp, body := e.signed(t, http.MethodGet, "/bucket/k", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if !bytes.Equal(body, data) {
		t.Fatalf("got %d bytes back, want %d", len(body), len(data))
	}
}

// The time a wait may take is what the rule allows for its bytes: the rest
// of the window, plus a timeout per further quota; each quota moved gives
// its window's time back.
func TestPacerAllowance(t *testing.T) {
	p := &pacer{client: pacing.NewClient(), timeout: time.Second}
	noop := func() error { return nil }
	for _, tc := range []struct {
		m    meter
		n    int64
		want time.Duration
	}{
		{meter{quota: 100}, 0, time.Second},
		{meter{quota: 100}, 100, time.Second},
		{meter{quota: 100}, 101, 2 * time.Second},
		{meter{quota: 100}, 250, 3 * time.Second},
		{meter{quota: 100, waited: 400 * time.Millisecond, moved: 50}, 50, 600 * time.Millisecond},
		{meter{quota: 100, waited: 400 * time.Millisecond, moved: 50}, 51, 1600 * time.Millisecond},
	} {
		start := time.Now()
		if err := p.begin(pacing.Sending, &tc.m, tc.n, noop, func() {}); err != nil {
			t.Fatal(err)
		}
		p.client.End()
		if got := p.deadline.Sub(start); got < tc.want-50*time.Millisecond || got > tc.want+50*time.Millisecond {
			t.Errorf("%+v, %d bytes: %s allowed, want %s", tc.m, tc.n, got, tc.want)
		}
	}
	if err := p.begin(pacing.Receiving, &meter{quota: 100, waited: time.Second}, 0, noop, func() {}); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("a used-up window = %v, want ErrDeadlineExceeded", err)
	}

	m := meter{quota: 100}
	p.client.Begin(pacing.Sending, noop, func() {})
	p.end(&m, 250, time.Now().Add(-2500*time.Millisecond))
	if m.moved != 50 || m.waited < 450*time.Millisecond || m.waited > 600*time.Millisecond {
		t.Errorf("after 250 bytes in 2.5 s: %+v, want 50 bytes and about 0.5 s into the window", m)
	}
}
