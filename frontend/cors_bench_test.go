package frontend

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/store/memstore"
)

// BenchmarkSmallGetCORS: what CORS costs a small signed GET served from
// memory on a bucket with CORS rules (siteCORS): without Origin
// (nothing: the response writer is not even wrapped), with an Origin the
// first rule allows, and with one only the second ("*") allows (go test -bench SmallGetCORS
// -count 6 ./frontend | benchstat).
func BenchmarkSmallGetCORS(b *testing.B) {
	h, err := New(Options{Store: memstore.New(), Credentials: testCreds, Region: testRegion, Logger: zerolog.Nop()})
	if err != nil {
		b.Fatal(err)
	}
	do := func(method, path, origin string, body []byte) int {
		req := httptest.NewRequest(method, "http://127.0.0.1"+path, nil)
		if body != nil {
			req = httptest.NewRequest(method, "http://127.0.0.1"+path, bytes.NewReader(body))
			req.Header.Set("Content-Length", strconv.Itoa(len(body)))
		}
		req = signV2(req, aliceKey, aliceSecret)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	if c := do(http.MethodPut, "/bench", "", nil); c != 200 {
		b.Fatalf("create bucket: %d", c)
	}
	if c := do(http.MethodPut, "/bench?cors", "", siteCORS); c != 200 {
		b.Fatalf("put cors: %d", c)
	}
	if c := do(http.MethodPut, "/bench/k", "", make([]byte, 1000)); c != 200 {
		b.Fatalf("put: %d", c)
	}
	for _, tc := range []struct{ name, origin string }{
		{"no-origin", ""},
		{"origin-first-rule", "https://app.example"},
		{"origin-second-rule", "https://elsewhere.example"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if c := do(http.MethodGet, "/bench/k", tc.origin, nil); c != 200 {
					b.Fatalf("get: %d", c)
				}
			}
		})
	}
}
