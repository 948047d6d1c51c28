package frontend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/amphora-s3/amphora/sigv2"
	"github.com/amphora-s3/amphora/store"
	"github.com/amphora-s3/amphora/store/memstore"
)

func TestS3ErrorTable(t *testing.T) {
	for _, tc := range []struct {
		err    error
		code   string
		status int
	}{
		{store.ErrNoSuchBucket, "NoSuchBucket", 404},
		{store.ErrNoSuchKey, "NoSuchKey", 404},
		{store.ErrBucketAlreadyExists, "BucketAlreadyExists", 409},
		{store.ErrBucketAlreadyOwnedByYou, "BucketAlreadyOwnedByYou", 409},
		{store.ErrBucketNotEmpty, "BucketNotEmpty", 409},
		{store.ErrBadDigest, "BadDigest", 400},
		{store.ErrIncompleteBody, "IncompleteBody", 400},
		{store.ErrCorrupt, "InternalError", 500},
		{sigv2.ErrNoAuth, "AccessDenied", 403},
		{sigv2.ErrMalformed, "InvalidArgument", 400},
		{sigv2.ErrInvalidAccessKeyID, "InvalidAccessKeyId", 403},
		{sigv2.ErrSignatureDoesNotMatch, "SignatureDoesNotMatch", 403},
		{sigv2.ErrRequestTimeTooSkewed, "RequestTimeTooSkewed", 403},
		{sigv2.ErrMissingDate, "AccessDenied", 403},
		{sigv2.ErrExpired, "AccessDenied", 403},
		{io.ErrUnexpectedEOF, "IncompleteBody", 400},
		{errors.New("something else"), "InternalError", 500},
		{errEntityTooLarge.with(field{"X", "y"}), "EntityTooLarge", 400},
		{errSlowDown, "SlowDown", 503},
	} {
		for _, err := range []error{tc.err, fmt.Errorf("layer: %w", tc.err)} {
			e := s3Error(err)
			if e.Code != tc.code || e.Status != tc.status {
				t.Errorf("s3Error(%v) = %s %d, want %s %d", err, e.Code, e.Status, tc.code, tc.status)
			}
		}
	}
	// Templates are never mutated by with/withMessage.
	_ = errAccessDenied.withMessage("x").with(field{"A", "b"})
	if errAccessDenied.Message != "Access Denied" || len(errAccessDenied.Extra) != 0 {
		t.Errorf("template mutated: %+v", errAccessDenied)
	}
}

// faultyStore fails on purpose where a test asks it to.
type faultyStore struct {
	*memstore.Store
	headErr  error
	panicMsg string
	readFail bool // readers fail after the first bytes
}

func (f *faultyStore) HeadObject(ctx context.Context, bucket, key string) (store.Object, error) {
	if f.panicMsg != "" {
		panic(f.panicMsg)
	}
	if f.headErr != nil {
		return store.Object{}, f.headErr
	}
	return f.Store.HeadObject(ctx, bucket, key)
}

func (f *faultyStore) ReadObject(ctx context.Context, obj store.Object, off, n int64) (io.ReadCloser, error) {
	rc, err := f.Store.ReadObject(ctx, obj, off, n)
	if err != nil || !f.readFail {
		return rc, err
	}
	return struct {
		io.Reader
		io.Closer
	}{io.MultiReader(io.LimitReader(rc, 5), errReader{fmt.Errorf("block 1: %w", store.ErrCorrupt)}), rc}, nil
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestStoreFailures(t *testing.T) {
	fs := &faultyStore{Store: memstore.New()}
	e := newEnv(t, func(o *Options) { o.Store = fs })
	e.mustCreate(t, "bucket")
	e.mustPut(t, "bucket", "key", []byte(strings.Repeat("x", 100)))

	fs.headErr = errors.New("cassandra timed out")
	resp, body := e.signed(t, http.MethodGet, "/bucket/key", nil, nil)
	wantError(t, resp, body, http.StatusInternalServerError, "InternalError")
	id := resp.Header.Get("x-amz-request-id")
	logs := e.logs.String()
	if !strings.Contains(logs, "cassandra timed out") || !strings.Contains(logs, `"request_id":"`+id+`"`) {
		t.Errorf("5xx not logged with its request id:\n%s", logs)
	}
	if strings.Contains(string(body), "cassandra") {
		t.Errorf("internal detail leaked to the client: %s", body)
	}
	fs.headErr = nil

	fs.panicMsg = "bug"
	resp, body = e.signed(t, http.MethodHead, "/bucket/key", nil, nil)
	wantError(t, resp, body, http.StatusInternalServerError, "")
	fs.panicMsg = ""

	// A read failing mid-body aborts the response: the client must not
	// mistake a short body for the object.
	fs.readFail = true
	req := signV2(e.request(t, http.MethodGet, "/bucket/key", nil), aliceKey, aliceSecret)
	// The status line may or may not have left the server's buffer when
	// the abort came: either the request or the body read fails.
	if r, err := e.client().Do(req); err == nil {
		got, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err == nil {
			t.Errorf("truncated body read without error: %d bytes", len(got))
		}
	}
	if !strings.Contains(e.logs.String(), `"aborted":true`) {
		t.Errorf("abort not in the access log")
	}
}
