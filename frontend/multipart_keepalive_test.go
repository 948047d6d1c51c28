package frontend

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/store"
	"github.com/amphora-s3/amphora/store/memstore"
)

// CompleteMultipartUpload's keep-alive: a slow completion answers 200 at
// once and whitespace until the result.

// slowStore delays (and optionally fails) the long operations, to drive
// the keep-alive path of respondLong.
type slowStore struct {
	*memstore.Store
	delay   time.Duration
	fail    error
	slowPut bool // PutObject is slow too
}

func (s *slowStore) wait(ctx context.Context) error {
	select {
	case <-time.After(s.delay):
	case <-ctx.Done():
		return ctx.Err()
	}
	return s.fail
}

func (s *slowStore) CompleteMultipartUpload(ctx context.Context, in store.CompleteInput) (store.Object, error) {
	if err := s.wait(ctx); err != nil {
		return store.Object{}, err
	}
	return s.Store.CompleteMultipartUpload(ctx, in)
}

func (s *slowStore) PutObject(ctx context.Context, in store.PutInput) (store.Object, error) {
	if s.slowPut {
		if err := s.wait(ctx); err != nil {
			return store.Object{}, err
		}
	}
	return s.Store.PutObject(ctx, in)
}

// fastKeepAlive shortens the keep-alive timers for one test.
func fastKeepAlive(t *testing.T, after, every time.Duration) {
	a, e := keepAliveAfter.Load(), keepAliveEvery.Load()
	keepAliveAfter.Store(int64(after))
	keepAliveEvery.Store(int64(every))
	t.Cleanup(func() { keepAliveAfter.Store(a); keepAliveEvery.Store(e) })
}

func TestCompleteKeepAlive(t *testing.T) {
	slow := &slowStore{Store: memstore.New()}
	e := newEnv(t, func(o *Options) { o.Store = slow })
	e.mustCreate(t, "bucket")
	fastKeepAlive(t, 50*time.Millisecond, 20*time.Millisecond)
	p1, p2 := fill('a', store.MinPartSize), []byte("tail")

	start := func(t *testing.T, key string) (string, string, string) {
		id := e.createUpload(t, "bucket", key, nil)
		return id, e.uploadPart(t, "bucket", key, id, 1, p1), e.uploadPart(t, "bucket", key, id, 2, p2)
	}

	t.Run("fast completion answers normally", func(t *testing.T) {
		// "Fast" must not depend on the machine's load: a threshold far
		// above what a memstore completion takes, here only.
		fastKeepAlive(t, 5*time.Second, 20*time.Millisecond)
		id, e1, e2 := start(t, "fast")
		resp, body := e.complete(t, "bucket", "fast", id, completeBody([]string{e2, e1}, 2, 1), nil)
		wantError(t, resp, body, http.StatusBadRequest, "InvalidPartOrder")
		resp, body = e.complete(t, "bucket", "fast", id, completeBody([]string{e1, e2}), nil)
		wantStatus(t, resp, body, http.StatusOK)
		if resp.Header.Get("Content-Length") == "" || bytes.Contains(body, []byte("> ")) {
			t.Errorf("fast completion was kept alive: %v %q", resp.Header, body)
		}
	})

	slow.delay = 300 * time.Millisecond
	t.Run("slow completion", func(t *testing.T) {
		id, e1, e2 := start(t, "slow")
		resp, body := e.complete(t, "bucket", "slow", id, completeBody([]string{e1, e2}), nil)
		wantStatus(t, resp, body, http.StatusOK)
		head, doc, ok := strings.Cut(string(body), "<CompleteMultipartUploadResult")
		if !ok || !strings.HasPrefix(head, `<?xml version="1.0" encoding="UTF-8"?>`+"\n ") || strings.Trim(head[39:], " ") != "" {
			t.Fatalf("body = %q", body)
		}
		if resp.Header.Get("Content-Length") != "" || resp.Header.Get("Content-Type") != "application/xml" {
			t.Errorf("headers = %v", resp.Header)
		}
		var d completeDoc
		decodeDoc(t, []byte(strings.TrimSpace(head)+"<CompleteMultipartUploadResult"+doc), &d)
		if d.ETag != `"`+multipartETag(p1, p2)+`"` || d.Key != "slow" {
			t.Errorf("complete = %+v", d)
		}
		resp, body = e.signed(t, http.MethodGet, "/bucket/slow", nil, nil)
		if !bytes.Equal(body, slices.Concat(p1, p2)) {
			t.Errorf("object differs")
		}
	})
	t.Run("slow failure is an Error inside the 200", func(t *testing.T) {
		id, e1, _ := start(t, "slowfail")
		resp, body := e.complete(t, "bucket", "slowfail", id, completeBody([]string{e1, `"00000000000000000000000000000000"`}), nil)
		wantStatus(t, resp, body, http.StatusOK)
		if !strings.HasPrefix(string(body), `<?xml version="1.0" encoding="UTF-8"?>`+"\n ") {
			t.Fatalf("body = %q", body)
		}
		var doc errorDoc
		decodeDoc(t, bytes.TrimSpace(body), &doc)
		if doc.Code != "InvalidPart" || doc.RequestId != resp.Header.Get("x-amz-request-id") || doc.Resource != "/bucket/slowfail" {
			t.Errorf("error = %+v\n%s", doc, body)
		}
		// A server fault after the 200 is logged with its cause.
		slow.fail = errors.New("ring unavailable")
		resp, body = e.complete(t, "bucket", "slowfail", id, completeBody([]string{e1}), nil)
		slow.fail = nil
		wantStatus(t, resp, body, http.StatusOK)
		decodeDoc(t, bytes.TrimSpace(body), &doc)
		if doc.Code != "InternalError" || contains(string(body), "ring") {
			t.Errorf("error = %+v", doc)
		}
		if !contains(e.logs.String(), "ring unavailable") {
			t.Errorf("late failure not logged")
		}
	})
}
