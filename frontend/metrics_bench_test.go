package frontend

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/store/memstore"
)

// BenchmarkSmallGetMetrics: what the request metrics cost a small signed
// GET served from memory, the cheapest request there is, handler called
// directly (go test -bench SmallGetMetrics -count 6 ./frontend | benchstat).
func BenchmarkSmallGetMetrics(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := map[bool]string{false: "off", true: "on"}[on]
		b.Run(name, func(b *testing.B) {
			var reg prometheus.Registerer
			if on {
				reg = prometheus.NewRegistry()
			}
			h, err := New(Options{Store: memstore.New(), Credentials: testCreds, Region: testRegion, Logger: zerolog.Nop(), Metrics: reg})
			if err != nil {
				b.Fatal(err)
			}
			do := func(method, path string, body []byte) int {
				req := httptest.NewRequest(method, "http://127.0.0.1"+path, nil)
				if body != nil {
					req = httptest.NewRequest(method, "http://127.0.0.1"+path, bytes.NewReader(body))
					req.Header.Set("Content-Length", strconv.Itoa(len(body))) // as net/http's server leaves it
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, signV2(req, aliceKey, aliceSecret))
				return rec.Code
			}
			if c := do(http.MethodPut, "/bench", nil); c != 200 {
				b.Fatalf("create bucket: %d", c)
			}
			if c := do(http.MethodPut, "/bench/k", make([]byte, 1000)); c != 200 {
				b.Fatalf("put: %d", c)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if c := do(http.MethodGet, "/bench/k", nil); c != 200 {
					b.Fatalf("get: %d", c)
				}
			}
		})
	}
}
