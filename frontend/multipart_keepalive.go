package frontend

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// Long operations (CompleteMultipartUpload, CopyObject, UploadPartCopy)
// answer as AWS does: when the work takes longer than keepAliveAfter, the
// response commits to 200 OK and the XML declaration, then sends a space
// every keepAliveEvery so that clients and proxies do not time the
// connection out; the result document (or an <Error> document, if the
// work failed after all) follows in the same 200 body. Work that ends
// sooner is answered normally, with its real status code.
//
// They are variables (nanoseconds) so tests can shorten them.
var (
	keepAliveAfter atomic.Int64
	keepAliveEvery atomic.Int64
)

func init() {
	keepAliveAfter.Store(int64(2 * time.Second))
	keepAliveEvery.Store(int64(10 * time.Second))
}

// respondLong runs work and writes the document it returns with status
// 200, keeping the connection alive while it runs (see keepAliveAfter).
// Everything cheap to check must be checked before: once the response has
// committed, an error can only be written inside the 200 body. work must
// not touch w.
// headerDoc is a result document that comes with response headers (the
// version made). They are sent when the result comes before the
// keep-alive starts; after that only the body can carry anything.
type headerDoc interface{ headers() []field }

func (s *server) respondLong(w http.ResponseWriter, r *http.Request, work func() (any, error)) error {
	type result struct {
		doc any
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				zerolog.Ctx(r.Context()).Error().Interface("panic", p).
					Bytes("stack", debug.Stack()).Msg("handler panic")
				done <- result{err: fmt.Errorf("panic: %v", p)}
			}
		}()
		doc, err := work()
		done <- result{doc, err}
	}()

	wait := time.NewTimer(time.Duration(keepAliveAfter.Load()))
	defer wait.Stop()
	select {
	case res := <-done:
		if res.err != nil {
			return res.err
		}
		if hs, ok := res.doc.(headerDoc); ok {
			for _, f := range hs.headers() {
				w.Header().Set(f.Name, f.Value)
			}
		}
		writeXML(w, http.StatusOK, res.doc)
		return nil
	case <-wait.C:
	}

	// Commit to 200. The body has no known length from here on.
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	h.Del("Content-Length")
	w.WriteHeader(http.StatusOK)
	out := &clientWriter{w: w}
	_, _ = io.WriteString(out, xml.Header)
	keepAliveFlush(w)
	tick := time.NewTicker(time.Duration(keepAliveEvery.Load()))
	defer tick.Stop()
	for {
		select {
		case res := <-done:
			doc := res.doc
			if res.err != nil {
				doc = s.lateError(r, res.err)
			}
			var buf bytes.Buffer
			if err := xml.NewEncoder(&buf).Encode(doc); err != nil {
				buf.Reset()
				buf.WriteString("<Error><Code>InternalError</Code></Error>")
			}
			if out.err == nil {
				_, _ = out.Write(buf.Bytes())
			}
			if out.err != nil {
				return fmt.Errorf("%w: %v", errClientGone, out.err)
			}
			return nil
		case <-tick.C:
			if out.err == nil { // a client that left is not written to again
				_, _ = io.WriteString(out, " ")
				keepAliveFlush(w)
			}
		}
	}
}

// lateError is the <Error> document for a failure after the 200 has been
// sent. The failure is logged as fail would log it; the access log shows
// the 200 the client got.
func (s *server) lateError(r *http.Request, err error) errorBody {
	e := s.toS3Error(err)
	log := zerolog.Ctx(r.Context())
	if e.Status >= 500 {
		log.Error().Err(err).Str("code", e.Code).Msg("request failed after its 200 was sent")
	} else {
		log.Debug().Err(err).Str("code", e.Code).Msg("request failed after its 200 was sent")
	}
	ri := info(r)
	body := errorBody{
		Code:      e.Code,
		Message:   e.Message,
		Resource:  ri.addr.resource(),
		RequestID: ri.id,
		HostID:    hostID(ri.id),
	}
	for _, f := range e.Extra {
		body.Extra = append(body.Extra, extraElement{xml.Name{Local: f.Name}, f.Value})
	}
	return body
}

func keepAliveFlush(w http.ResponseWriter) {
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}
