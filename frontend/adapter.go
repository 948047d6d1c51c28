package frontend

import (
	"encoding/xml"
	"errors"
	"net/http"
	"runtime/debug"

	"github.com/rs/zerolog"
)

// handlerFunc is an S3 operation: it parses the request, calls the store
// and writes the success response, or returns an error for adapt to write.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// authenticated adapts h after the steps every request takes: it is
// authenticated (auth.go), any header asking for a missing feature is
// refused (unsupported.go), and the principal must be allowed the route's
// action (authorize.go). A browser upload (PostObject) is authenticated
// from its form, whose fields then stand for the request's headers
// (post_auth.go).
func (s *server) authenticated(op, action string, h handlerFunc) http.Handler {
	return s.adapt(op, func(w http.ResponseWriter, r *http.Request) error {
		if op == opPostObject {
			fr, err := s.authenticateForm(r)
			if err != nil {
				return err
			}
			r = fr
		} else if err := s.authenticate(r); err != nil {
			return err
		}
		if err := refuseFeatureHeaders(op, r); err != nil {
			return err
		}
		if err := s.authorize(r, action); err != nil {
			return err
		}
		return h(w, r)
	})
}

// adapt turns h into an http.Handler: the one place where errors become
// S3 error responses, and where panics become InternalError.
func (s *server) adapt(op string, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info(r).op = op
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				zerolog.Ctx(r.Context()).Error().Interface("panic", p).
					Bytes("stack", debug.Stack()).Msg("handler panic")
				s.fail(w, r, errInternal)
			}
		}()
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

// fail writes err as an S3 error response. 5xx errors are logged with the
// cause. If the response has already started (a GET failing mid-body),
// the connection is aborted so the client sees a truncated transfer
// rather than a short body that looks complete.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := s.toS3Error(err)
	log := zerolog.Ctx(r.Context())
	if rec, ok := w.(*recorder); ok && rec.status != 0 {
		info(r).aborted = true
		if errors.Is(err, errClientGone) {
			log.Debug().Err(err).Msg("response aborted: client went away")
		} else {
			log.Error().Err(err).Msg("response aborted mid-body")
		}
		panic(http.ErrAbortHandler)
	}
	// Server faults are logged with their cause; 501 is a client asking
	// for what is not built yet, not a fault.
	if e.Status >= 500 && e.Status != http.StatusNotImplemented {
		log.Error().Err(err).Str("code", e.Code).Msg("request failed")
	}
	// Drop what a handler set for the success it did not reach (ETag,
	// Content-Length, x-amz-meta-*...): an error carries only its own.
	for k := range w.Header() {
		if k != "Server" && k != "X-Amz-Request-Id" && k != "X-Amz-Id-2" {
			delete(w.Header(), k)
		}
	}
	var hs *headersError
	if errors.As(err, &hs) {
		for _, f := range hs.headers {
			w.Header().Set(f.Name, f.Value)
		}
	}
	writeError(w, r, e)
}

// errorBody is the XML body of an S3 error.
type errorBody struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string
	Message   string
	Extra     []extraElement
	Resource  string
	RequestID string `xml:"RequestId"`
	HostID    string `xml:"HostId"`
}

type extraElement struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

// writeError writes e with the request's resource and id. HEAD responses
// carry the status and headers only, as AWS sends them.
func writeError(w http.ResponseWriter, r *http.Request, e *Error) {
	ri := info(r)
	h := w.Header()
	if e.contentRange != "" {
		h.Set("Content-Range", e.contentRange)
	}
	if e.Status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "1")
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(e.Status)
		return
	}
	body := errorBody{
		Code:      e.Code,
		Message:   e.Message,
		Resource:  ri.addr.resource(),
		RequestID: ri.id,
		HostID:    hostID(ri.id),
	}
	switch e.Code {
	case "NoSuchKey":
		body.Extra = append(body.Extra, extraElement{xml.Name{Local: "Key"}, ri.addr.Key})
	case "NoSuchBucket", "BucketNotEmpty", "BucketAlreadyExists", "BucketAlreadyOwnedByYou", "InvalidBucketName":
		body.Extra = append(body.Extra, extraElement{xml.Name{Local: "BucketName"}, ri.addr.Bucket})
	}
	for _, f := range e.Extra {
		body.Extra = append(body.Extra, extraElement{xml.Name{Local: f.Name}, f.Value})
	}
	writeXML(w, e.Status, body)
}
