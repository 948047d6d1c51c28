package frontend

import (
	"errors"
	"net/http"
	"strings"

	"github.com/amphora-s3/amphora/store"
)

// putConditions are the conditions of a conditional write (PutObject,
// CompleteMultipartUpload, CopyObject's destination): the store decides
// them atomically at the commit.
type putConditions struct {
	ifNoneMatch bool   // If-None-Match: *
	ifMatch     string // If-Match: "etag", unquoted; "" for none
}

// parsePutConditions reads If-None-Match and If-Match as AWS accepts
// them on writes: If-None-Match only as "*", If-Match as one entity tag
// (quoted or not). Anything else is 501 NotImplemented, as AWS answers:
// refusing is safer than overwriting on a condition not understood.
func parsePutConditions(h http.Header) (putConditions, error) {
	var c putConditions
	if v, ok := h["If-None-Match"]; ok {
		if strings.TrimSpace(first(v)) != "*" {
			return c, errNotImplemented.with(field{"Header", "If-None-Match"})
		}
		c.ifNoneMatch = true
	}
	if v, ok := h["If-Match"]; ok {
		t := strings.TrimSpace(first(v))
		t = strings.Trim(strings.TrimPrefix(t, "W/"), `"`)
		if t == "" || t == "*" || strings.ContainsAny(t, `,"`) {
			return c, errNotImplemented.with(field{"Header", "If-Match"})
		}
		c.ifMatch = t
	}
	return c, nil
}

// explain adds the failing header to a PreconditionFailed from the
// store, as AWS names it in <Condition>; other errors pass unchanged.
func (c putConditions) explain(err error) error {
	if !errors.Is(err, store.ErrPreconditionFailed) {
		return err
	}
	// With both, the key exists whenever a condition fails, so it is
	// If-None-Match that failed.
	name := "If-Match"
	if c.ifNoneMatch {
		name = "If-None-Match"
	}
	return errPreconditionFailed.with(field{"Condition", name})
}
