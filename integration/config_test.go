package integration

import (
	"fmt"
	"strings"
	"time"
)

// tenant is one static access key; each belongs to its own tenant.
type tenant struct {
	Name      string
	AccessKey string
	SecretKey string
}

var (
	tenantA = tenant{Name: "tenant-a", AccessKey: "AKIAAMPHORATENANTA01", SecretKey: "tenantA/secret+0123456789abcdefghijklmno"}
	tenantB = tenant{Name: "tenant-b", AccessKey: "AKIAAMPHORATENANTB01", SecretKey: "tenantB/secret+0123456789abcdefghijklmno"}
)

// region is the region every test server answers for.
const region = "us-east-1"

// serverOptions are the knobs tests turn; everything else is fixed.
type serverOptions struct {
	BlockSize     int64 // bytes
	GCGrace       time.Duration
	Sweeper       bool
	SweepInterval time.Duration

	// TLSListen, TLSCert and TLSKey add an HTTPS listener beside the
	// plain one (newTLSServer fills them in).
	TLSListen string
	TLSCert   string // PEM file
	TLSKey    string // PEM file
	// TrustForwardedHost makes X-Forwarded-Host the signed and addressed host.
	TrustForwardedHost bool
	// ClientTimeout, when set, is server.client_timeout (the server's
	// default otherwise).
	ClientTimeout time.Duration
	// ReadHeaderTimeout, when set, is server.read_header_timeout.
	ReadHeaderTimeout time.Duration
	// KeyCacheTTL, when set, is accounts.key_cache_ttl.
	KeyCacheTTL time.Duration
	// Metrics turns the monitoring listener on (startServer picks a free
	// address for each server: server.MetricsAddr). MetricsListen, when
	// set, is the address configTOML writes.
	Metrics       bool
	MetricsListen string
	// LifecycleDay and LifecycleInterval, when set, are lifecycle.day
	// and lifecycle.interval (a day of seconds runs rules in a test).
	LifecycleDay, LifecycleInterval time.Duration
	// Console turns the web console on (startServer picks a free address
	// for it: server.ConsoleAddr). ConsoleListen, when set, is the
	// address configTOML writes.
	Console       bool
	ConsoleListen string
	// ReplicationFactor, Consistency and CassandraTimeout, when set, are
	// cassandra.replication.factor, cassandra.consistency and
	// cassandra.timeout (1, "ONE" and 30s otherwise; the fault suite on a
	// three-node ring sets 3, LOCAL_QUORUM and a short timeout).
	ReplicationFactor int
	Consistency       string
	CassandraTimeout  time.Duration
	// KeyFile, when set, is encryption.key_file (SSE-S3, SSE-KMS).
	KeyFile string
	// ScrubInterval, when set, turns the background scrubber on with
	// that scrub.interval (rate unbounded).
	ScrubInterval time.Duration
}

// testMasterKey seals the test servers' secrets (base64 of 32 bytes).
const testMasterKey = "dGVzdC1tYXN0ZXIta2V5LW9mLTMyLWJ5dGVzLWxvbmc="

// defaultOptions: small blocks so that a few MiB cross many block
// boundaries, and a sweeper that runs every second with a grace short
// enough to collect the shared tests' garbage while they run. The grace
// also bounds how long an upload may stall between two blocks (an upload
// moves its GC intent forward as it goes and fails when it cannot do so
// in time), so it is not made so short that a busy 2-core machine trips it.
func defaultOptions() serverOptions {
	return serverOptions{BlockSize: 256 << 10, GCGrace: 10 * time.Second, Sweeper: true, SweepInterval: time.Second, Metrics: true, Console: true}
}

// gcOptions are for tests that drive `amphora gc` themselves and wait for
// the grace period to pass.
func gcOptions() serverOptions {
	o := defaultOptions()
	o.GCGrace = 3 * time.Second
	o.Sweeper = false
	return o
}

// configTOML writes the server's configuration file.
func configTOML(addr string, hosts []string, keyspace string, o serverOptions) string {
	quoted := make([]string, len(hosts))
	for i, h := range hosts {
		quoted[i] = fmt.Sprintf("%q", h)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `# Written by the integration tests.
[server]
listen = %q
region = %q
virtual_host_domains = ["localhost"]
shutdown_timeout = "5s"
%s
[log]
level = "info"
format = "json"

[cassandra]
hosts = [%s]
keyspace = %q
consistency = %q
serial_consistency = "SERIAL"
connect_timeout = "20s"
timeout = %q
apply_schema = true

[cassandra.replication]
class = "SimpleStrategy"
factor = %d

[storage]
block_size = "%d"
blocks_in_flight = 4
gc_grace = %q
sweep_interval = %q
sweeper = %t
`, addr, region, serverExtra(o), strings.Join(quoted, ", "), keyspace, cassandraConsistency(o), cassandraTimeout(o).String(), replicationFactor(o), o.BlockSize, o.GCGrace.String(), o.SweepInterval.String(), o.Sweeper)
	fmt.Fprintf(&b, "\n[accounts]\nmaster_key = %q\n", testMasterKey)
	if o.KeyCacheTTL > 0 {
		fmt.Fprintf(&b, "key_cache_ttl = %q\n", o.KeyCacheTTL.String())
	}
	if o.MetricsListen != "" {
		fmt.Fprintf(&b, "\n[metrics]\nlisten = %q\n", o.MetricsListen)
	}
	if o.ConsoleListen != "" {
		fmt.Fprintf(&b, "\n[console]\nlisten = %q\n", o.ConsoleListen)
	}
	if o.KeyFile != "" {
		fmt.Fprintf(&b, "\n[encryption]\nkey_file = %q\n", o.KeyFile)
	}
	if o.LifecycleDay > 0 {
		fmt.Fprintf(&b, "\n[lifecycle]\nday = %q\ninterval = %q\n", o.LifecycleDay.String(), o.LifecycleInterval.String())
	}
	if o.ScrubInterval > 0 {
		fmt.Fprintf(&b, "\n[scrub]\nenabled = true\ninterval = %q\nrate_mb = 0\n", o.ScrubInterval.String())
	}
	for _, tn := range []tenant{tenantA, tenantB} {
		fmt.Fprintf(&b, `
[[credentials]]
access_key = %q
secret_key = %q
tenant = %q
display_name = %q
`, tn.AccessKey, tn.SecretKey, tn.Name, tn.Name)
	}
	return b.String()
}

// cassandraConsistency, cassandraTimeout and replicationFactor are the
// options' values or the defaults every other test runs with.
func cassandraConsistency(o serverOptions) string {
	if o.Consistency != "" {
		return o.Consistency
	}
	return "ONE"
}

func cassandraTimeout(o serverOptions) time.Duration {
	if o.CassandraTimeout > 0 {
		return o.CassandraTimeout
	}
	return 30 * time.Second
}

func replicationFactor(o serverOptions) int {
	if o.ReplicationFactor > 0 {
		return o.ReplicationFactor
	}
	return 1
}

// serverExtra is the optional part of [server]: the HTTPS listener and
// trust_forwarded_host, written only when a test asks for them, and
// allow_sse_c_over_http, always.
func serverExtra(o serverOptions) string {
	var b strings.Builder
	// The test servers speak plain HTTP; the SSE-C tests need keys on it.
	b.WriteString("allow_sse_c_over_http = true\n")
	if o.TLSListen != "" {
		fmt.Fprintf(&b, "tls_listen = %q\ntls_cert = %q\ntls_key = %q\n", o.TLSListen, o.TLSCert, o.TLSKey)
	}
	if o.TrustForwardedHost {
		b.WriteString("trust_forwarded_host = true\n")
	}
	if o.ClientTimeout > 0 {
		fmt.Fprintf(&b, "client_timeout = %q\n", o.ClientTimeout.String())
	}
	if o.ReadHeaderTimeout > 0 {
		fmt.Fprintf(&b, "read_header_timeout = %q\n", o.ReadHeaderTimeout.String())
	}
	return b.String()
}
