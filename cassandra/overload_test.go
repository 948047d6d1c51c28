package cassandra

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/minio/minio-go/v7/pkg/signer"
	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/frontend"
	"github.com/amphora-s3/amphora/store"
	"github.com/amphora-s3/amphora/store/memstore"
)

// driverErrors are the driver's errors that mean "Cassandra cannot answer
// in time or at all", each as a Store method would return it: wrapped
// with context.
func driverErrors() map[string]error {
	return map[string]error{
		"RequestErrWriteTimeout":    &gocql.RequestErrWriteTimeout{Consistency: gocql.LocalQuorum, Received: 1, BlockFor: 2, WriteType: "SIMPLE"},
		"RequestErrReadTimeout":     &gocql.RequestErrReadTimeout{Consistency: gocql.LocalQuorum, Received: 1, BlockFor: 2},
		"RequestErrUnavailable":     &gocql.RequestErrUnavailable{Consistency: gocql.LocalQuorum, Required: 2, Alive: 1},
		"RequestErrOverloaded":      &gocql.RequestErrOverloaded{},
		"RequestErrBootstrapping":   &gocql.RequestErrBootstrapping{},
		"RequestErrCASWriteUnknown": &gocql.RequestErrCASWriteUnknown{},
		"ErrTimeoutNoResponse":      gocql.ErrTimeoutNoResponse,
		"ErrConnectionClosed":       gocql.ErrConnectionClosed,
		"ErrNoStreams":              gocql.ErrNoStreams,
		"ErrNoConnections":          gocql.ErrNoConnections,
		"ErrUnavailable":            gocql.ErrUnavailable,
		"ErrSessionClosed":          gocql.ErrSessionClosed,
		"context.DeadlineExceeded":  context.DeadlineExceeded,
		"net timeout":               os.ErrDeadlineExceeded, // a net.Error whose Timeout() is true
	}
}

// faults are errors that are not overload: they stay 500 InternalError.
func faults() map[string]error {
	return map[string]error{
		"RequestErrWriteFailure": &gocql.RequestErrWriteFailure{NumFailures: 1},
		"RequestErrReadFailure":  &gocql.RequestErrReadFailure{NumFailures: 1},
		"RequestErrInvalid":      &gocql.RequestErrInvalid{},
		"ErrProtocol":            gocql.NewErrProtocol("bad frame"),
		"plain error":            errors.New("something broke"),
	}
}

func TestOverloadedClassifiesDriverErrors(t *testing.T) {
	for name, err := range driverErrors() {
		for _, e := range []error{err, fmt.Errorf("read version of %q: %w", "k", err),
			fmt.Errorf("put: %w", fmt.Errorf("write block 3: %w", err))} {
			if !Overloaded(e) {
				t.Errorf("%s: Overloaded(%v) = false", name, e)
			}
		}
	}
	for name, err := range faults() {
		if Overloaded(fmt.Errorf("x: %w", err)) {
			t.Errorf("%s: Overloaded = true", name)
		}
	}
	for _, err := range []error{nil, context.Canceled, gocql.ErrNotFound, store.ErrNoSuchKey, io.ErrUnexpectedEOF} {
		if Overloaded(err) {
			t.Errorf("Overloaded(%v) = true", err)
		}
	}
}

// failingStore is a memstore whose bucket and object calls fail with a
// driver error while fail is set, wrapped as the Cassandra store wraps
// them, and that classifies its errors as cassandra.Store does.
type failingStore struct {
	store.Store
	fail   atomic.Pointer[error]
	bucket bool // GetBucket fails too (every request's first store call)
}

func (f *failingStore) err(op string) error {
	if p := f.fail.Load(); p != nil {
		return fmt.Errorf("%s: %w", op, *p)
	}
	return nil
}

func (f *failingStore) Overloaded(err error) bool { return Overloaded(err) }

func (f *failingStore) GetBucket(ctx context.Context, name string) (store.Bucket, error) {
	if err := f.err("read bucket " + name); err != nil && f.bucket {
		return store.Bucket{}, err
	}
	return f.Store.GetBucket(ctx, name)
}

func (f *failingStore) HeadObject(ctx context.Context, bucket, key string) (store.Object, error) {
	if err := f.err("read current version of " + key); err != nil {
		return store.Object{}, err
	}
	return f.Store.HeadObject(ctx, bucket, key)
}

func (f *failingStore) PutObject(ctx context.Context, in store.PutInput) (store.Object, error) {
	if err := f.err("write block 0"); err != nil {
		_, _ = io.Copy(io.Discard, in.Body)
		return store.Object{}, err
	}
	return f.Store.PutObject(ctx, in)
}

func (f *failingStore) ListObjects(ctx context.Context, in store.ListInput) (store.ListResult, error) {
	if err := f.err("list shard 3"); err != nil {
		return store.ListResult{}, err
	}
	return f.Store.ListObjects(ctx, in)
}

func (f *failingStore) DeleteObject(ctx context.Context, bucket, key string) (store.DeleteResult, error) {
	if err := f.err("delete " + key); err != nil {
		return store.DeleteResult{}, err
	}
	return f.Store.DeleteObject(ctx, bucket, key)
}

// ReadObject fails mid-stream: the first 64 KiB come, then the error.
func (f *failingStore) ReadObject(ctx context.Context, obj store.Object, off, n int64) (io.ReadCloser, error) {
	rc, err := f.Store.ReadObject(ctx, obj, off, n)
	if err != nil {
		return nil, err
	}
	if p := f.fail.Load(); p != nil {
		return io.NopCloser(io.MultiReader(io.LimitReader(rc, 64<<10), errReader{fmt.Errorf("read block 1: %w", *p)})), nil
	}
	return rc, nil
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

const (
	overloadKey, overloadSecret = "AKIAOVERLOAD", "overload-secret-0123456789"
)

func overloadFrontend(t *testing.T, st store.Store) *httptest.Server {
	t.Helper()
	h, err := frontend.New(frontend.Options{
		Store:       st,
		Credentials: []frontend.Credential{{AccessKey: overloadKey, SecretKey: overloadSecret, Tenant: "tenant-o", DisplayName: "O"}},
		Region:      "us-east-1",
		Logger:      zerolog.Nop(),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func overloadDo(t *testing.T, srv *httptest.Server, method, path string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == nil {
		req.Body = nil
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/xml")
	}
	resp, err := srv.Client().Do(signer.SignV2(*req, overloadKey, overloadSecret, false))
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp, b
}

// TestOverloadIsSlowDown proves, through the real frontend, that every
// driver error class becomes 503 SlowDown with Retry-After, whether it
// hits the bucket lookup or the object and listing calls, that the
// faults stay 500 InternalError, and that a GET failing once its body
// has started still has its connection aborted.
func TestOverloadIsSlowDown(t *testing.T) {
	type request struct {
		method, path string
		body         []byte
	}
	deleteDoc := []byte(`<Delete><Object><Key>a</Key></Object><Object><Key>b</Key></Object></Delete>`)
	requests := []request{
		{http.MethodPut, "/bkt/new-key", []byte("hello")},
		{http.MethodGet, "/bkt/obj", nil},
		{http.MethodHead, "/bkt/obj", nil},
		{http.MethodGet, "/bkt?list-type=2", nil},
		{http.MethodGet, "/bkt", nil},
		{http.MethodDelete, "/bkt/obj", nil},
	}
	for _, bucket := range []bool{false, true} {
		st := &failingStore{Store: memstore.New(), bucket: bucket}
		srv := overloadFrontend(t, st)
		if resp, b := overloadDo(t, srv, http.MethodPut, "/bkt", nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("CreateBucket: %d %s", resp.StatusCode, b)
		}
		if resp, b := overloadDo(t, srv, http.MethodPut, "/bkt/obj", bytes.Repeat([]byte("x"), 100)); resp.StatusCode != http.StatusOK {
			t.Fatalf("PutObject: %d %s", resp.StatusCode, b)
		}
		check := func(name string, cause error, wantStatus int, wantCode string) {
			t.Helper()
			st.fail.Store(&cause)
			defer st.fail.Store(nil)
			for _, rq := range requests {
				resp, b := overloadDo(t, srv, rq.method, rq.path, rq.body)
				where := fmt.Sprintf("%s (bucket lookup failing: %t): %s %s", name, bucket, rq.method, rq.path)
				if resp.StatusCode != wantStatus {
					t.Errorf("%s: status %d, want %d: %s", where, resp.StatusCode, wantStatus, b)
					continue
				}
				if wantStatus == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "" {
					t.Errorf("%s: 503 without Retry-After", where)
				}
				if rq.method == http.MethodHead {
					continue
				}
				var doc struct{ Code string }
				if err := xml.Unmarshal(b, &doc); err != nil || doc.Code != wantCode {
					t.Errorf("%s: code %q (%v), want %q: %s", where, doc.Code, err, wantCode, b)
				}
			}
			if bucket {
				return
			}
			// DeleteObjects: each key's result carries the code.
			resp, b := overloadDo(t, srv, http.MethodPost, "/bkt?delete", deleteDoc)
			if resp.StatusCode != http.StatusOK || strings.Count(string(b), "<Code>"+wantCode+"</Code>") != 2 {
				t.Errorf("%s: DeleteObjects: %d, want two %s results: %s", name, resp.StatusCode, wantCode, b)
			}
		}
		for name, cause := range driverErrors() {
			check(name, cause, http.StatusServiceUnavailable, "SlowDown")
		}
		for name, cause := range faults() {
			check(name, cause, http.StatusInternalServerError, "InternalError")
		}
	}

	// Mid-response: the headers and 64 KiB are out, so the connection is
	// aborted, as for any failure there: the client gets a short body and
	// an error, never an error document after a 200.
	st := &failingStore{Store: memstore.New()}
	srv := overloadFrontend(t, st)
	overloadDo(t, srv, http.MethodPut, "/bkt", nil)
	overloadDo(t, srv, http.MethodPut, "/bkt/obj", bytes.Repeat([]byte("x"), 256<<10))
	readOnly := error(gocql.ErrTimeoutNoResponse)
	st.fail.Store(&readOnly)
	// Let HeadObject through: only the stream fails.
	st2 := &midStream{failingStore: st}
	srv = overloadFrontend(t, st2)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/bkt/obj", nil)
	resp, err := srv.Client().Do(signer.SignV2(*req, overloadKey, overloadSecret, false))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || err == nil || len(b) != 64<<10 {
		t.Errorf("mid-stream failure: status %d, %d bytes, read error %v; want 200, a short body and an error", resp.StatusCode, len(b), err)
	}
}

// midStream fails only ReadObject's stream.
type midStream struct{ *failingStore }

func (m *midStream) GetBucket(ctx context.Context, name string) (store.Bucket, error) {
	return m.Store.GetBucket(ctx, name)
}

func (m *midStream) HeadObject(ctx context.Context, bucket, key string) (store.Object, error) {
	return m.Store.HeadObject(ctx, bucket, key)
}
