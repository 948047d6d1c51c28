package frontend

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/amphora-s3/amphora/store"
	"github.com/amphora-s3/amphora/store/memstore"
)

func TestConditionalPut(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	put := func(t *testing.T, key, data string, hdr map[string]string) (*http.Response, []byte) {
		t.Helper()
		return e.signed(t, http.MethodPut, "/bucket/"+key, []byte(data), hdr)
	}
	v1 := `"` + md5hex([]byte("one")) + `"`

	resp, body := put(t, "k", "one", map[string]string{"If-None-Match": "*"})
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = put(t, "k", "two", map[string]string{"If-None-Match": "*"})
	doc := wantError(t, resp, body, http.StatusPreconditionFailed, "PreconditionFailed")
	if doc.Condition != "If-None-Match" || doc.Message != "At least one of the pre-conditions you specified did not hold" {
		t.Errorf("error = %+v", doc)
	}
	resp, body = put(t, "k", "two", map[string]string{"If-Match": `"0000"`})
	doc = wantError(t, resp, body, http.StatusPreconditionFailed, "PreconditionFailed")
	if doc.Condition != "If-Match" {
		t.Errorf("Condition = %q", doc.Condition)
	}
	if _, body := e.mustGet(t, "bucket", "k"); string(body) != "one" {
		t.Fatalf("a failed conditional put wrote: %q", body)
	}
	resp, body = put(t, "missing", "two", map[string]string{"If-Match": v1})
	wantError(t, resp, body, http.StatusNotFound, "NoSuchKey")
	resp, body = put(t, "missing", "two", map[string]string{"If-Match": "*"})
	wantError(t, resp, body, http.StatusNotFound, "NoSuchKey")
	// If-None-Match with the current ETag fails; with another one it is an
	// ordinary write (below).
	resp, body = put(t, "k", "two", map[string]string{"If-None-Match": v1})
	if doc := wantError(t, resp, body, http.StatusPreconditionFailed, "PreconditionFailed"); doc.Condition != "If-None-Match" {
		t.Errorf("Condition = %q", doc.Condition)
	}
	for _, hdr := range []map[string]string{
		{"If-None-Match": `"a", "b"`},
		{"If-Match": `"a", "b"`},
		{"If-Match": `""`},
	} {
		resp, body = put(t, "k", "two", hdr)
		wantError(t, resp, body, http.StatusNotImplemented, "NotImplemented")
	}
	// If-Match with the current ETag, quoted or not, replaces.
	resp, body = put(t, "k", "two", map[string]string{"If-Match": v1})
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = put(t, "k", "three", map[string]string{"If-Match": md5hex([]byte("two"))})
	wantStatus(t, resp, body, http.StatusOK)
	if _, body := e.mustGet(t, "bucket", "k"); string(body) != "three" {
		t.Errorf("object = %q", body)
	}
	resp, body = put(t, "new", "x", map[string]string{"If-None-Match": " * "})
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = put(t, "k", "four", map[string]string{"If-Match": "*", "If-None-Match": v1})
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = put(t, "other", "y", map[string]string{"If-None-Match": v1})
	wantStatus(t, resp, body, http.StatusOK)
	if _, body := e.mustGet(t, "bucket", "k"); string(body) != "four" {
		t.Errorf("object = %q", body)
	}
}

// conflictStore answers every conditional put as if another one were
// committing the same key.
type conflictStore struct{ *memstore.Store }

func (c conflictStore) PutObject(ctx context.Context, in store.PutInput) (store.Object, error) {
	if in.IfNoneMatch != "" || in.IfMatch != "" {
		return store.Object{}, fmt.Errorf("commit %s: %w", in.Key, store.ErrConditionalConflict)
	}
	return c.Store.PutObject(ctx, in)
}

func TestConditionalPutConflict(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Store = conflictStore{memstore.New()} })
	e.mustCreate(t, "bucket")
	resp, body := e.signed(t, http.MethodPut, "/bucket/k", []byte("x"), map[string]string{"If-None-Match": "*"})
	wantError(t, resp, body, http.StatusConflict, "ConditionalRequestConflict")
}

func TestMultipartErrorTable(t *testing.T) {
	for _, tc := range []struct {
		err    error
		code   string
		status int
	}{
		{store.ErrPreconditionFailed, "PreconditionFailed", 412},
		{store.ErrConditionalConflict, "ConditionalRequestConflict", 409},
		{store.ErrNoSuchUpload, "NoSuchUpload", 404},
		{store.ErrInvalidPart, "InvalidPart", 400},
		{store.ErrInvalidPartOrder, "InvalidPartOrder", 400},
		{store.ErrEntityTooSmall, "EntityTooSmall", 400},
	} {
		for _, err := range []error{tc.err, fmt.Errorf("layer: %w", tc.err)} {
			e := s3Error(err)
			if e.Code != tc.code || e.Status != tc.status {
				t.Errorf("s3Error(%v) = %s %d, want %s %d", err, e.Code, e.Status, tc.code, tc.status)
			}
		}
	}
	if e := s3Error(uploadError(fmt.Errorf("x: %w", store.ErrNoSuchUpload), "id-1")); e.Code != "NoSuchUpload" ||
		len(e.Extra) != 1 || e.Extra[0] != (field{"UploadId", "id-1"}) {
		t.Errorf("uploadError = %+v", e)
	}
}
