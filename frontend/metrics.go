package frontend

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the S3 request metrics, registered on Options.Metrics. A
// nil *metrics (no registry) records nothing. Label values are bounded:
// op is a route name from the route table (unroutedOp when a request
// never reached it) and code an HTTP status.
type metrics struct {
	inFlight prometheus.Gauge
	requests *prometheus.CounterVec   // op, code
	duration *prometheus.HistogramVec // op
	received *prometheus.CounterVec   // op
	sent     *prometheus.CounterVec   // op
	aborted  *prometheus.CounterVec   // op
	byOp     sync.Map                 // op -> *opMetrics
	byCode   sync.Map                 // opCode -> prometheus.Counter
}

// opMetrics are one operation's series, resolved once.
type opMetrics struct {
	duration       prometheus.Observer
	received, sent prometheus.Counter
}

type opCode struct {
	op   string
	code int
}

// unroutedOp labels requests refused before the route table (a Host or
// path that names no valid bucket).
const unroutedOp = "Unrouted"

// requestBuckets span a small request from memory (about a millisecond)
// to large transfers.
var requestBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	if reg == nil {
		return nil, nil
	}
	m := &metrics{
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "amphora_s3_requests_in_flight",
			Help: "S3 requests being served now.",
		}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "amphora_s3_requests_total",
			Help: "S3 requests served, by operation and HTTP status code.",
		}, []string{"op", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "amphora_s3_request_duration_seconds",
			Help:    "Time from a request's arrival to the end of its response, by operation.",
			Buckets: requestBuckets,
		}, []string{"op"}),
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "amphora_s3_received_bytes_total",
			Help: "Request body bytes read from clients (as sent: aws-chunked framing included), by operation.",
		}, []string{"op"}),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "amphora_s3_sent_bytes_total",
			Help: "Response body bytes written to clients, by operation.",
		}, []string{"op"}),
		aborted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "amphora_s3_aborted_responses_total",
			Help: "Responses cut off mid-body (the client went away, a stalled client was cut off, a read failed), by operation.",
		}, []string{"op"}),
	}
	for _, c := range []prometheus.Collector{m.inFlight, m.requests, m.duration, m.received, m.sent, m.aborted} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// begin counts a request in flight; end must follow.
func (m *metrics) begin() {
	if m != nil {
		m.inFlight.Inc()
	}
}

// end records a finished request: what the access log line says.
func (m *metrics) end(rec *recorder, ri *reqInfo) {
	if m == nil {
		return
	}
	m.inFlight.Dec()
	op := ri.op
	if op == "" {
		op = unroutedOp
	}
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	om := m.of(op)
	om.duration.Observe(time.Since(ri.start).Seconds())
	om.received.Add(float64(ri.bytesIn))
	om.sent.Add(float64(rec.bytes))
	m.requestsOf(op, status).Inc()
	if ri.aborted {
		m.aborted.WithLabelValues(op).Inc()
	}
}

func (m *metrics) of(op string) *opMetrics {
	if v, ok := m.byOp.Load(op); ok {
		return v.(*opMetrics)
	}
	v, _ := m.byOp.LoadOrStore(op, &opMetrics{
		duration: m.duration.WithLabelValues(op),
		received: m.received.WithLabelValues(op),
		sent:     m.sent.WithLabelValues(op),
	})
	return v.(*opMetrics)
}

func (m *metrics) requestsOf(op string, status int) prometheus.Counter {
	k := opCode{op, status}
	if v, ok := m.byCode.Load(k); ok {
		return v.(prometheus.Counter)
	}
	v, _ := m.byCode.LoadOrStore(k, m.requests.WithLabelValues(op, strconv.Itoa(status)))
	return v.(prometheus.Counter)
}
