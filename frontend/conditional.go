package frontend

import (
	"net/http"
	"strings"
	"time"
)

// condition is the outcome of a GET or HEAD's conditional headers.
type condition int

const (
	condProceed     condition = iota // serve the object
	condNotModified                  // 304, no body
	condFailed                       // 412 PreconditionFailed
)

// evalConditions applies If-Match, If-Unmodified-Since, If-None-Match and
// If-Modified-Since to an object with etag (unquoted) and lastModified,
// in RFC 9110 section 13.2.2 order, which is also AWS's documented
// precedence:
//
//   - If-Match decides when present (true: If-Unmodified-Since is
//     ignored, so If-Match true + If-Unmodified-Since false is 200);
//     otherwise If-Unmodified-Since; a false one is 412.
//   - If-None-Match decides when present (false: 304 whatever
//     If-Modified-Since says); otherwise If-Modified-Since; a false one
//     is 304.
//
// Dates that do not parse are ignored, as RFC 9110 requires. Times
// compare at whole seconds, the precision of HTTP dates. The name of the
// failing header is returned for the error body.
func evalConditions(h http.Header, etag string, lastModified time.Time) (condition, string) {
	lm := lastModified.UTC().Truncate(time.Second)
	if im := h.Get("If-Match"); im != "" {
		if !etagListMatches(im, etag) {
			return condFailed, "If-Match"
		}
	} else if t, ok := httpDate(h.Get("If-Unmodified-Since")); ok && lm.After(t) {
		return condFailed, "If-Unmodified-Since"
	}
	if inm := h.Get("If-None-Match"); inm != "" {
		if etagListMatches(inm, etag) {
			return condNotModified, "If-None-Match"
		}
	} else if t, ok := httpDate(h.Get("If-Modified-Since")); ok && !lm.After(t) {
		return condNotModified, "If-Modified-Since"
	}
	return condProceed, ""
}

// etagListMatches reports whether a comma-separated list of entity tags
// (quoted or not, weak or strong: S3 compares them alike) contains etag
// or is "*".
func etagListMatches(list, etag string) bool {
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimSpace(t)
		if t == "*" {
			return true
		}
		t = strings.TrimPrefix(t, "W/")
		if strings.Trim(t, `"`) == etag {
			return true
		}
	}
	return false
}

func httpDate(v string) (time.Time, bool) {
	if v == "" {
		return time.Time{}, false
	}
	t, err := http.ParseTime(v)
	return t, err == nil
}
