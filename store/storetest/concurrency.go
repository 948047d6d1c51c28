package storetest

import (
	"bytes"
	"crypto/sha256"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/store"
)

// testConcurrentOverwrite: 8 writers overwrite one key with multi-block
// payloads while 8 readers GET it (HeadObject, then ReadObject). Every
// read returns one written payload in full, the one its HeadObject
// described: never a mix of two versions, never a torn tail. Bounded to
// about 2 seconds and at most 4 PUTs per writer.
func (s *suite) testConcurrentOverwrite(t *testing.T) {
	st, b := s.setup(t, "concurrent")
	const (
		writers, readers = 8, 8
		putsPerWriter    = 4
		key              = "hot/key"
	)
	size := s.bs + s.bs/2 + 1 // two blocks, the second partial

	// payloads[0] is stored first so readers always find the key.
	payloads := make([][]byte, writers+1)
	byETag := make(map[string][32]byte, len(payloads))
	for i := range payloads {
		payloads[i] = payload(size, uint64(1000+i))
		byETag[md5hex(payloads[i])] = sha256.Sum256(payloads[i])
	}
	put(t, st, b, key, payloads[0], store.Meta{})

	deadline := time.Now().Add(2 * time.Second)
	var writersDone sync.WaitGroup
	stop := make(chan struct{})
	var reads atomic.Int64
	var wg sync.WaitGroup
	for w := 1; w <= writers; w++ {
		writersDone.Add(1)
		wg.Go(func() {
			defer writersDone.Done()
			data := payloads[w]
			for range putsPerWriter {
				obj, err := st.PutObject(t.Context(), store.PutInput{Bucket: b, Key: key, Owner: "writer",
					Size: int64(len(data)), ContentMD5: md5raw(data), Body: bytes.NewReader(data)})
				if err != nil {
					t.Errorf("writer %d: PutObject: %v", w, err)
					return
				}
				if obj.ETag != md5hex(data) {
					t.Errorf("writer %d: ETag %q, want %q", w, obj.ETag, md5hex(data))
				}
				if time.Now().After(deadline) {
					return
				}
			}
		})
	}
	for r := range readers {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					if n > 0 {
						return
					}
				default:
				}
				obj, err := st.HeadObject(t.Context(), b, key)
				if err != nil {
					t.Errorf("reader %d: HeadObject: %v", r, err)
					return
				}
				rc, err := st.ReadObject(t.Context(), obj, 0, -1)
				if err != nil {
					t.Errorf("reader %d: ReadObject: %v", r, err)
					return
				}
				got, err := io.ReadAll(rc)
				if cerr := rc.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					t.Errorf("reader %d: reading %s: %v", r, describe(obj), err)
					return
				}
				want, ok := byETag[obj.ETag]
				switch {
				case !ok:
					t.Errorf("reader %d: HeadObject ETag %q is no written payload's", r, obj.ETag)
					return
				case int64(len(got)) != obj.Size || sha256.Sum256(got) != want:
					t.Errorf("reader %d: read %d bytes that are not the payload with ETag %q", r, len(got), obj.ETag)
					return
				}
				reads.Add(1)
			}
		})
	}
	writersDone.Wait()
	close(stop)
	wg.Wait()
	if reads.Load() < readers {
		t.Errorf("only %d reads completed", reads.Load())
	}

	// The last write won completely.
	h := head(t, st, b, key)
	want, ok := byETag[h.ETag]
	if !ok || h.Size != int64(size) {
		t.Fatalf("final HeadObject %s is no written payload", describe(h))
	}
	if got := read(t, st, h, 0, -1); sha256.Sum256(got) != want {
		t.Errorf("final bytes do not match the final ETag %q", h.ETag)
	}
}
