package frontend

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/amphora-s3/amphora/store"
)

// The CORS preflight: OPTIONS on a bucket or an object, whatever its
// query (a pre-signed URL's included), answered from the bucket's CORS
// rules without authentication: a browser sends it without credentials.
// It reads the bucket (its settings, cached with it) and nothing else:
// the object is not looked up, and ACLs and policies are not consulted.
// They decide the actual request that follows, as for any other.
//
// S3's answers, in the order it checks (recorded against S3, as no AWS
// page lists them):
//
//	no Origin                          400 BadRequest
//	no bucket                          403 AccessForbidden "CORSResponse: Bucket not found"
//	no CORS configuration              403 AccessForbidden "CORSResponse: CORS is not enabled for this bucket."
//	Access-Control-Request-Method      400 BadRequest "Invalid Access-Control-Request-Method: ..."
//	  missing or not a CORS method
//	no rule matches                    403 AccessForbidden "CORSResponse: This CORS request is not allowed. ..."
//	a rule matches                     200, empty, with the rule's headers (setCORSHeaders) and the
//	                                   requested headers in Access-Control-Allow-Headers
//
// The 403s carry Method (the requested method, or OPTIONS when none was
// named) and ResourceType (BUCKET, or OBJECT when rules were evaluated
// for a key).

var (
	errCORSBadRequest = &Error{"BadRequest", http.StatusBadRequest, "Insufficient information. Origin request header needed.", nil, ""}
	errCORSForbidden  = &Error{"AccessForbidden", http.StatusForbidden, "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.", nil, ""}
)

// preflight answers OPTIONS (route PreflightCORS).
func (s *server) preflight(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	origin := r.Header.Get("Origin")
	if origin == "" {
		return errCORSBadRequest
	}
	method := r.Header.Get("Access-Control-Request-Method")
	named := method
	if named == "" {
		named = http.MethodOptions
	}
	forbidden := func(resourceType, msg string) error {
		return errCORSForbidden.withMessage(msg).with(field{"Method", named}, field{"ResourceType", resourceType})
	}
	if ri.addr.Bucket == "" {
		return forbidden("BUCKET", "CORSResponse: Bucket not found")
	}
	b, err := s.store.GetBucket(r.Context(), ri.addr.Bucket)
	if errors.Is(err, store.ErrNoSuchBucket) {
		return forbidden("BUCKET", "CORSResponse: Bucket not found")
	}
	if err != nil {
		return fmt.Errorf("preflight: %w", err)
	}
	cfg, err := s.cors.of(b)
	if err != nil {
		return err
	}
	if cfg == nil {
		return forbidden("BUCKET", "CORSResponse: CORS is not enabled for this bucket.")
	}
	if !corsMethods[method] {
		if method == "" {
			method = "null" // as S3 writes it
		}
		return errCORSBadRequest.withMessage("Invalid Access-Control-Request-Method: " + method)
	}
	headers := requestedHeaders(r.Header.Get("Access-Control-Request-Headers"))
	rule := cfg.match(origin, method, headers)
	if rule == nil {
		rt := "BUCKET"
		if ri.addr.level() == levelObject {
			rt = "OBJECT"
		}
		return forbidden(rt, errCORSForbidden.Message)
	}
	h := w.Header()
	setCORSHeaders(h, rule, origin)
	if len(headers) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(headers, ", "))
	}
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}
