package frontend

import "net/http"

// CORS headers on actual responses. A request with an Origin header to a
// bucket whose CORS rules allow that origin and method gets the rule's
// headers (setCORSHeaders) on its response, whatever the response is:
// success or error, 403 and 404 included, so that a page can read why it
// was refused. The headers are added in one place, as the response
// starts (corsWriter), never by handlers; the body streams through
// untouched. A request without Origin never meets corsWriter.

// corsWriter adds the CORS headers to a response when its header is
// written. It sits under the recorder (server.go), so the recorder still
// sees every status and byte.
type corsWriter struct {
	http.ResponseWriter
	s      *server
	r      *http.Request
	origin string
	done   bool
}

func (w *corsWriter) WriteHeader(code int) {
	if code >= http.StatusOK { // not for 1xx interim answers
		w.addHeaders(code)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *corsWriter) Write(p []byte) (int, error) {
	w.addHeaders(http.StatusOK)
	return w.ResponseWriter.Write(p)
}

func (w *corsWriter) Flush() {
	w.addHeaders(http.StatusOK)
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *corsWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// addHeaders decides the request on its bucket's rules, once. The bucket
// is the one authorization read when it got that far (reqInfo.bucket);
// otherwise (a refused signature, a denied request) it is read again,
// which the request's store.Memo and the bucket cache answer without a
// Cassandra round trip after the first read. A server error (the store
// failing) does not ask the store again.
func (w *corsWriter) addHeaders(status int) {
	if w.done {
		return
	}
	w.done = true
	ri := info(w.r)
	name := ri.addr.Bucket
	if name == "" {
		return
	}
	b := ri.bucket
	if b.Name != name {
		if status >= http.StatusInternalServerError {
			return
		}
		var err error
		if b, err = w.s.store.GetBucket(w.r.Context(), name); err != nil {
			return // no bucket, no rules
		}
	}
	cfg, err := w.s.cors.of(b)
	if err != nil || cfg == nil {
		return
	}
	// The method an actual request is decided on is the one it names in
	// Access-Control-Request-Method, if any (as S3), else its own.
	method := w.r.Header.Get("Access-Control-Request-Method")
	if method == "" {
		method = w.r.Method
	}
	if rule := cfg.match(w.origin, method, nil); rule != nil {
		setCORSHeaders(w.Header(), rule, w.origin)
	}
}

// withCORS wraps w for a request from origin (server.go calls it only for
// requests with an Origin header, other than a preflight).
func (s *server) withCORS(w http.ResponseWriter, r *http.Request, origin string) http.ResponseWriter {
	return &corsWriter{ResponseWriter: w, s: s, r: r, origin: origin}
}
