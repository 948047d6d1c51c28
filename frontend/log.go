package frontend

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"time"
)

// recorder remembers the status and counts the body bytes of a response,
// which it writes under the request's pacer when there is one.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	pace   *pacer
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	var (
		n   int
		err error
	)
	if w.pace != nil {
		n, err = w.pace.writeTo(w.ResponseWriter, p)
	} else {
		n, err = w.ResponseWriter.Write(p)
	}
	w.bytes += int64(n)
	return n, err
}

// Flush lets long responses push bytes early.
func (w *recorder) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		if w.pace != nil {
			w.pace.flush(f)
		} else {
			f.Flush()
		}
	}
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// countingBody counts the request body bytes a handler reads.
type countingBody struct {
	io.ReadCloser
	n *int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	*b.n += int64(n)
	return n, err
}

// newRequestID returns 16 upper-case hex digits, the shape of AWS's
// x-amz-request-id.
func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// hostID derives x-amz-id-2 (and <HostId>) from the request id; it only
// has to be opaque and stable for one request.
func hostID(requestID string) string {
	sum := sha256.Sum256([]byte("amphora/" + requestID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// accessLog writes the one info line per request. It never logs the query
// string (presigned URLs carry their signature there), secrets or
// signatures; only the access key id.
func (s *server) accessLog(rec *recorder, r *http.Request, ri *reqInfo) {
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	s.log.Info().
		Str("request_id", ri.id).
		Str("op", ri.op).
		Str("method", r.Method).
		Str("bucket", ri.addr.Bucket).
		Str("key", ri.addr.Key).
		Int("status", status).
		Int64("bytes_in", ri.bytesIn).
		Int64("bytes_out", rec.bytes).
		Float64("duration_ms", float64(time.Since(ri.start).Microseconds())/1000).
		Str("remote", r.RemoteAddr).
		Str("access_key", ri.access).
		Str("tenant", ri.ident.Tenant).
		Bool("aborted", ri.aborted).
		Bool("cut_off", ri.client != nil && ri.client.WasCut()).
		Msg("access")
}
