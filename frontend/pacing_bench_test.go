package frontend

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/store"
	"github.com/amphora-s3/amphora/store/memstore"
)

// blockStore hands GET bodies to the frontend a whole block (1 MiB) per
// Write, as the Cassandra store's reader does.
type blockStore struct{ *memstore.Store }

type blockWriterTo struct{ io.ReadCloser }

func (b blockWriterTo) WriteTo(w io.Writer) (int64, error) {
	buf := make([]byte, 1<<20)
	var total int64
	for {
		n, err := io.ReadFull(b.ReadCloser, buf)
		if n > 0 {
			m, werr := w.Write(buf[:n])
			total += int64(m)
			if werr != nil {
				return total, werr
			}
		}
		if err != nil {
			return total, nil
		}
	}
}

func (s blockStore) ReadObject(ctx context.Context, obj store.Object, off, n int64) (io.ReadCloser, error) {
	rc, err := s.Store.ReadObject(ctx, obj, off, n)
	return blockWriterTo{rc}, err
}

// BenchmarkPacedGet: what pacing costs a 4 MiB GET written a block at a
// time (go test -bench PacedGet -count 6 ./frontend | benchstat).
func BenchmarkPacedGet(b *testing.B) {
	for _, tc := range []struct {
		name    string
		timeout time.Duration
	}{{"off", 0}, {"on", 20 * time.Second}} {
		b.Run(tc.name, func(b *testing.B) {
			h, err := New(Options{Store: blockStore{memstore.New()}, Credentials: testCreds, Region: testRegion,
				Logger: zerolog.Nop(), ClientTimeout: tc.timeout, ClientMinRate: 4 << 10})
			if err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(h)
			defer srv.Close()
			do := func(method, path string, body []byte) {
				req, _ := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
				if body == nil {
					req.Body = nil
				}
				resp, err := srv.Client().Do(signV2(req, aliceKey, aliceSecret))
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("%s %s: %d", method, path, resp.StatusCode)
				}
			}
			data := bytes.Repeat([]byte("z"), 4<<20)
			do(http.MethodPut, "/bucket", nil)
			do(http.MethodPut, "/bucket/k", data)
			b.SetBytes(int64(len(data)))
			b.ResetTimer()
			for range b.N {
				do(http.MethodGet, "/bucket/k", nil)
			}
		})
	}
}
