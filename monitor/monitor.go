// Package monitor is what operators watch a frontend through, on a
// listener of its own apart from S3 (server-side paths like /health/live
// would be bucket names there): Prometheus metrics at /metrics, and the
// health checks /health/live and /health/ready for load balancers and
// orchestrators.
//
// Every metric lives in a registry the process makes (NewRegistry) and
// hands to whoever records: package frontend registers the S3 request
// metrics itself; this package adds Cassandra's statements (Statements,
// fed by the store's statement observer) and the store's process-wide
// state (RegisterStore, read through the store's read-only accessors at
// scrape time). There is no global registry. docs/operations.md lists
// every metric.
package monitor

import (
	"runtime"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// NewRegistry returns a registry holding the Go runtime's and the
// process's standard metrics and amphora_build_info.
func NewRegistry(version string) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "amphora_build_info",
			Help:        "Always 1; the labels say which amphora runs.",
			ConstLabels: prometheus.Labels{"version": version, "goversion": runtime.Version()},
		}, func() float64 { return 1 }),
	)
	return reg
}
