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
	ifNoneMatch string // If-None-Match: "*" or an unquoted etag; "" for none
	ifMatch     string // If-Match: "*" or an unquoted etag; "" for none
}

// parsePutConditions reads If-None-Match and If-Match on writes: each
// "*" or one entity tag, quoted or not (store.CheckWrite says what each
// means). A list of tags or an empty value is 501 NotImplemented, as AWS
// answers: refusing is safer than overwriting on a condition not
// understood.
func parsePutConditions(h http.Header) (putConditions, error) {
	var c putConditions
	for _, hc := range []struct {
		name string
		dst  *string
	}{{"If-None-Match", &c.ifNoneMatch}, {"If-Match", &c.ifMatch}} {
		v, ok := h[hc.name]
		if !ok {
			continue
		}
		t := strings.TrimSpace(first(v))
		if t != "*" {
			t = strings.Trim(strings.TrimPrefix(t, "W/"), `"`)
		}
		if t == "" || len(v) > 1 || strings.ContainsAny(t, `,"`) {
			return c, errNotImplemented.with(field{"Header", hc.name})
		}
		*hc.dst = t
	}
	return c, nil
}

// explain adds the failing header to a PreconditionFailed from the
// store, as AWS names it in <Condition>; other errors pass unchanged.
func (c putConditions) explain(err error) error {
	if !errors.Is(err, store.ErrPreconditionFailed) {
		return err
	}
	name := "If-Match"
	if errors.Is(err, store.ErrIfNoneMatchFailed) {
		name = "If-None-Match"
	}
	return errPreconditionFailed.with(field{"Condition", name})
}
