package monitor

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Statements records Cassandra statements by name: it is the store's
// statement observer (cassandra.Config.Observer). Names are short and
// bounded (the verb and table, e.g. "INSERT blocks"), never bound values.
type Statements struct {
	duration *prometheus.HistogramVec
	errors   *prometheus.CounterVec
	byName   sync.Map // name -> *statementMetrics
}

type statementMetrics struct {
	duration prometheus.Observer
	errors   prometheus.Counter
}

// statementBuckets span a local single-partition read (under a
// millisecond) to a statement timing out (10 s by default).
var statementBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// NewStatements registers the statement metrics on reg.
func NewStatements(reg prometheus.Registerer) (*Statements, error) {
	m := &Statements{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "amphora_cassandra_statement_duration_seconds",
			Help:    "Time Cassandra took to answer a statement (each attempt and each page), by statement.",
			Buckets: statementBuckets,
		}, []string{"statement"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "amphora_cassandra_statement_errors_total",
			Help: "Statement attempts that failed (timeouts, unavailable replicas, connection errors...), by statement.",
		}, []string{"statement"}),
	}
	for _, c := range []prometheus.Collector{m.duration, m.errors} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// ObserveStatement records one statement attempt.
func (m *Statements) ObserveStatement(name string, took time.Duration, err error) {
	sm := m.of(name)
	sm.duration.Observe(took.Seconds())
	if err != nil {
		sm.errors.Inc()
	}
}

// of returns name's series, made on first use so that errors start at 0.
func (m *Statements) of(name string) *statementMetrics {
	if v, ok := m.byName.Load(name); ok {
		return v.(*statementMetrics)
	}
	v, _ := m.byName.LoadOrStore(name, &statementMetrics{
		duration: m.duration.WithLabelValues(name),
		errors:   m.errors.WithLabelValues(name),
	})
	return v.(*statementMetrics)
}
