package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Config is the TOML configuration file. Every key is documented in
// config.example.toml; unknown keys and invalid values are rejected.
type Config struct {
	Server      ServerConfig       `toml:"server"`
	Log         LogConfig          `toml:"log"`
	Cassandra   CassandraConfig    `toml:"cassandra"`
	Storage     StorageConfig      `toml:"storage"`
	Accounts    AccountsConfig     `toml:"accounts"`
	Metrics     MetricsConfig      `toml:"metrics"`
	Lifecycle   LifecycleConfig    `toml:"lifecycle"`
	Scrub       ScrubConfig        `toml:"scrub"`
	Console     ConsoleConfig      `toml:"console"`
	Encryption  EncryptionConfig   `toml:"encryption"`
	Credentials []CredentialConfig `toml:"credentials"`
}

// MetricsConfig is the monitoring listener: Prometheus metrics at
// /metrics and the health checks /health/live and /health/ready.
type MetricsConfig struct {
	Listen string `toml:"listen"` // "" for none
}

// AccountsConfig is about the accounts and keys kept in Cassandra.
type AccountsConfig struct {
	// MasterKey is the base64 of 32 bytes that seal secret keys at rest;
	// the AMPHORA_MASTER_KEY environment variable, when set, wins.
	MasterKey string `toml:"master_key"`
	// KeyCacheTTL: how long a frontend trusts a key it read; 0 off.
	KeyCacheTTL Duration `toml:"key_cache_ttl"`
}

// masterKeyEnv names the environment variable that carries the master key.
const masterKeyEnv = "AMPHORA_MASTER_KEY"

// masterKey is the master key in force: the environment's, else the
// file's; nil when neither is set.
func (a AccountsConfig) masterKey() ([]byte, error) {
	v := a.MasterKey
	if env := os.Getenv(masterKeyEnv); env != "" {
		v = env
	}
	if v == "" {
		return nil, nil
	}
	k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
	if err != nil || len(k) != 32 {
		return nil, fmt.Errorf("the master key (accounts.master_key or %s) must be the base64 of 32 bytes (openssl rand -base64 32)", masterKeyEnv)
	}
	return k, nil
}

// ServerConfig is the HTTP side.
type ServerConfig struct {
	Listen             string   `toml:"listen"`     // plain HTTP; "" for none
	TLSListen          string   `toml:"tls_listen"` // HTTPS; "" for none
	TLSCert            string   `toml:"tls_cert"`   // PEM certificate chain
	TLSKey             string   `toml:"tls_key"`    // PEM private key
	Region             string   `toml:"region"`
	VirtualHostDomains []string `toml:"virtual_host_domains"`
	TrustForwardedHost bool     `toml:"trust_forwarded_host"`
	DebugListen        string   `toml:"debug_listen"` // pprof; "" for none
	ShutdownTimeout    Duration `toml:"shutdown_timeout"`
	// AllowSSECOverHTTP accepts SSE-C keys on plain HTTP requests (AWS
	// refuses them with 400): for tests, or behind a TLS-terminating proxy.
	AllowSSECOverHTTP bool `toml:"allow_sse_c_over_http"`
	// ReadHeaderTimeout bounds reading a request's line and headers.
	ReadHeaderTimeout Duration `toml:"read_header_timeout"`
	// IdleTimeout closes keep-alive connections idle this long.
	IdleTimeout Duration `toml:"idle_timeout"`
	// ClientTimeout and ClientMinRate pace bodies and responses.
	ClientTimeout  Duration `toml:"client_timeout"`
	ClientMinRate  Size     `toml:"client_min_rate"` // bytes per second
	MaxHeaderBytes Size     `toml:"max_header_bytes"`
	// DefaultObjectOwnership is a new bucket's Object Ownership.
	DefaultObjectOwnership string `toml:"default_object_ownership"`
}

// LogConfig selects the log level and format.
type LogConfig struct {
	Level  string `toml:"level"`
	Format string `toml:"format"`
}

// CassandraConfig says how to reach the ring and how to lay out the keyspace.
type CassandraConfig struct {
	Hosts             []string           `toml:"hosts"`
	Keyspace          string             `toml:"keyspace"`
	Consistency       string             `toml:"consistency"`
	SerialConsistency string             `toml:"serial_consistency"`
	LocalDatacenter   string             `toml:"local_datacenter"`
	Username          string             `toml:"username"`
	Password          string             `toml:"password"`
	PasswordEnv       string             `toml:"password_env"`
	TLS               CassandraTLSConfig `toml:"tls"`
	ConnectTimeout    Duration           `toml:"connect_timeout"`
	Timeout           Duration           `toml:"timeout"`
	Connections       int                `toml:"connections"`
	ProtocolVersion   int                `toml:"protocol_version"`
	ApplySchema       bool               `toml:"apply_schema"`
	Replication       ReplicationConfig  `toml:"replication"`
	// BlockReadOne reads a block at ONE (LOCAL_ONE) first and again at
	// consistency only on a miss, a bad CRC-32C or an error; true by default.
	BlockReadOne bool `toml:"block_read_one"`
	// BlockCacheMB is the in-memory block cache of this frontend, in MiB;
	// 0 (default) off.
	BlockCacheMB int `toml:"block_cache_mb"`
}

// CassandraTLSConfig encrypts the connections to the nodes (their
// client_encryption_options).
type CassandraTLSConfig struct {
	Enabled    bool   `toml:"enabled"`
	CAFile     string `toml:"ca_file"`     // PEM CA bundle; "" = system roots
	CertFile   string `toml:"cert_file"`   // client certificate (require_client_auth)
	KeyFile    string `toml:"key_file"`    // its key
	ServerName string `toml:"server_name"` // name every node's certificate carries; "" = the host dialed
	// VerifyHost checks that each node's certificate is for the name or
	// address dialed (or server_name); the chain is verified either way.
	VerifyHost bool `toml:"verify_host"`
}

// cassandraPasswordEnv is the environment variable that, when set, holds
// the Cassandra password (cassandra.password_env names another one).
const cassandraPasswordEnv = "AMPHORA_CASSANDRA_PASSWORD"

// password is the Cassandra password in force: the variable named by
// password_env, else AMPHORA_CASSANDRA_PASSWORD, else the file's.
func (cs CassandraConfig) password() (string, error) {
	if cs.PasswordEnv != "" {
		v := os.Getenv(cs.PasswordEnv)
		if v == "" {
			return "", fmt.Errorf("cassandra.password_env names %s, which is unset or empty", cs.PasswordEnv)
		}
		return v, nil
	}
	if v := os.Getenv(cassandraPasswordEnv); v != "" {
		return v, nil
	}
	return cs.Password, nil
}

// ReplicationConfig is the keyspace replication used by schema apply.
type ReplicationConfig struct {
	Class       string         `toml:"class"`
	Factor      int            `toml:"factor"`
	Datacenters map[string]int `toml:"datacenters"`
}

// StorageConfig shapes how bytes are cut into blocks and reclaimed.
type StorageConfig struct {
	BlockSize      Size `toml:"block_size"`
	BlocksInFlight int  `toml:"blocks_in_flight"`
	// MaxBlocksInFlight bounds block statements in flight to Cassandra.
	MaxBlocksInFlight int `toml:"max_blocks_in_flight"`
	// MaxBlockBuffers bounds block buffers across all requests; 0 means
	// blockBuffers(): twice MaxBlocksInFlight, at least 128.
	MaxBlockBuffers int `toml:"max_block_buffers"`
	// InlineSize: objects up to this size live in their metadata row; 0 off.
	InlineSize Size `toml:"inline_size"`
	// InlineBatchLimit: the largest inline batch, as Cassandra counts it.
	InlineBatchLimit Size `toml:"inline_batch_limit"`
	// BucketCacheTTL: how long a bucket lookup is reused; 0 off.
	BucketCacheTTL Duration `toml:"bucket_cache_ttl"`
	GCGrace        Duration `toml:"gc_grace"`
	SweepInterval  Duration `toml:"sweep_interval"`
	Sweeper        bool     `toml:"sweeper"`
	// ListingShards > 0 gives new buckets the fixed hash-sharded listing
	// of earlier versions (the listing worker moves them to ranges).
	ListingShards int `toml:"listing_shards"`
	// ListingPartitionRows and ListingPartitionBytes bound a listing
	// range's partition; the listing worker splits ranges before either.
	ListingPartitionRows  int      `toml:"listing_partition_rows"`
	ListingPartitionBytes Size     `toml:"listing_partition_bytes"`
	ListingMapTTL         Duration `toml:"listing_map_ttl"`
	ListingWorker         bool     `toml:"listing_worker"`
	ListingInterval       Duration `toml:"listing_interval"`
	// MultipartMaxAge is how long a multipart upload may stay open before
	// the sweeper aborts it.
	MultipartMaxAge Duration `toml:"multipart_max_age"`
}

// LifecycleConfig is the lifecycle worker's (lifecycle.Worker).
type LifecycleConfig struct {
	// Worker runs the worker in amphora serve; frontends share the work
	// (a lease per bucket), so every one may run it.
	Worker bool `toml:"worker"`
	// Interval is the time between two passes over the buckets.
	Interval Duration `toml:"interval"`
	// Rate bounds the deletes and aborts per second of one frontend's
	// worker (0: unbounded).
	Rate float64 `toml:"rate"`
	// Day is the length of a lifecycle day (24h; shorter only to test
	// rules without waiting days).
	Day Duration `toml:"day"`
}

// CredentialConfig is one static access key pair mapped to a tenant.
type CredentialConfig struct {
	AccessKey   string `toml:"access_key"`
	SecretKey   string `toml:"secret_key"`
	Tenant      string `toml:"tenant"`
	DisplayName string `toml:"display_name"`
}

// Duration is a time.Duration written as a Go duration string ("15m").
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("invalid duration %q (use forms like 30s, 15m, 1h)", b)
	}
	d.Duration = v
	return nil
}

// Size is a byte count written as "1MiB", "256KiB", "4MiB" or plain bytes "65536".
type Size int64

var sizeRE = regexp.MustCompile(`^\s*(\d+)\s*(B|KiB|MiB|GiB|KB|MB|GB)?\s*$`)

// UnmarshalText parses a size with an optional binary or decimal unit.
func (s *Size) UnmarshalText(b []byte) error {
	m := sizeRE.FindStringSubmatch(string(b))
	if m == nil {
		return fmt.Errorf("invalid size %q (use forms like 1MiB, 256KiB, 65536)", b)
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return fmt.Errorf("invalid size %q: %w", b, err)
	}
	mult := map[string]int64{"": 1, "B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "KB": 1e3, "MB": 1e6, "GB": 1e9}[m[2]]
	*s = Size(n * mult)
	return nil
}

// defaults returns a Config holding every default; the file overrides it.
func defaults() Config {
	return Config{
		Server: ServerConfig{
			Listen:                 "127.0.0.1:8080",
			Region:                 "us-east-1",
			ShutdownTimeout:        Duration{30 * time.Second},
			ReadHeaderTimeout:      Duration{10 * time.Second},
			IdleTimeout:            Duration{2 * time.Minute},
			ClientTimeout:          Duration{20 * time.Second},
			ClientMinRate:          16 << 10,
			MaxHeaderBytes:         64 << 10,
			DefaultObjectOwnership: "ObjectWriter",
		},
		Log:      LogConfig{Level: "info", Format: "console"},
		Accounts: AccountsConfig{KeyCacheTTL: Duration{5 * time.Second}},
		Cassandra: CassandraConfig{
			Hosts:             []string{"127.0.0.1:9042"},
			Keyspace:          "amphora",
			Consistency:       "LOCAL_QUORUM",
			SerialConsistency: "LOCAL_SERIAL",
			ConnectTimeout:    Duration{10 * time.Second},
			Timeout:           Duration{10 * time.Second},
			Connections:       2,
			ProtocolVersion:   4,
			BlockReadOne:      true,
			Replication:       ReplicationConfig{Class: "NetworkTopologyStrategy"},
			TLS:               CassandraTLSConfig{VerifyHost: true},
		},
		Storage: StorageConfig{
			BlockSize:             1 << 20,
			BlocksInFlight:        4,
			MaxBlocksInFlight:     64,
			InlineSize:            4 << 10,
			InlineBatchLimit:      5 << 10,
			BucketCacheTTL:        Duration{time.Second},
			GCGrace:               Duration{15 * time.Minute},
			SweepInterval:         Duration{time.Minute},
			Sweeper:               true,
			ListingPartitionRows:  100_000,
			ListingPartitionBytes: 32 << 20,
			ListingMapTTL:         Duration{time.Second},
			ListingWorker:         true,
			ListingInterval:       Duration{10 * time.Second},
			MultipartMaxAge:       Duration{7 * 24 * time.Hour},
		},
		Lifecycle: LifecycleConfig{Worker: true, Interval: Duration{time.Hour}, Rate: 100, Day: Duration{24 * time.Hour}},
		Scrub:     ScrubConfig{Interval: Duration{24 * time.Hour}, RateMB: 10},
		Console:   ConsoleConfig{SessionTTL: Duration{12 * time.Hour}},
	}
}

// loadConfig reads path, applies defaults and validates everything,
// returning every problem found at once.
func loadConfig(path string) (Config, error) {
	cfg := defaults()
	md, err := toml.DecodeFile(path, &cfg)
	if err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return Config{}, fmt.Errorf("config %s: %s", path, perr.ErrorWithPosition())
		}
		return Config{}, fmt.Errorf("config %s: %w", path, err)
	}
	var problems []string
	for _, k := range md.Undecoded() {
		problems = append(problems, fmt.Sprintf("unknown key %q", k.String()))
	}
	problems = append(problems, cfg.validate()...)
	problems = append(problems, cfg.Encryption.validate()...)
	if len(problems) > 0 {
		return Config{}, fmt.Errorf("config %s has %d problem(s):\n  - %s", path, len(problems), strings.Join(problems, "\n  - "))
	}
	return cfg, nil
}

var (
	keyspaceRE  = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]{0,47}$`)
	consistency = map[string]bool{"ANY": true, "ONE": true, "TWO": true, "THREE": true, "QUORUM": true,
		"ALL": true, "LOCAL_QUORUM": true, "EACH_QUORUM": true, "LOCAL_ONE": true}
	serialConsistency = map[string]bool{"SERIAL": true, "LOCAL_SERIAL": true}
	logLevels         = map[string]bool{"trace": true, "debug": true, "info": true, "warn": true, "error": true}
)

// validate lists every invalid value.
func (c Config) validate() []string {
	var p []string
	add := func(format string, a ...any) { p = append(p, fmt.Sprintf(format, a...)) }

	if c.Server.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Server.Listen); err != nil {
			add("server.listen %q is not host:port", c.Server.Listen)
		}
	}
	if c.Server.TLSListen != "" {
		if _, _, err := net.SplitHostPort(c.Server.TLSListen); err != nil {
			add("server.tls_listen %q is not host:port", c.Server.TLSListen)
		}
		if c.Server.TLSCert == "" || c.Server.TLSKey == "" {
			add("server.tls_listen needs server.tls_cert and server.tls_key")
		}
	} else if c.Server.TLSCert != "" || c.Server.TLSKey != "" {
		add("server.tls_cert and server.tls_key are set but server.tls_listen is empty")
	}
	if c.Server.Listen == "" && c.Server.TLSListen == "" {
		add("server.listen and server.tls_listen are both empty: nothing to serve")
	}
	if c.Metrics.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Metrics.Listen); err != nil {
			add("metrics.listen %q is not host:port", c.Metrics.Listen)
		}
		for _, other := range []struct{ key, addr string }{
			{"server.listen", c.Server.Listen}, {"server.tls_listen", c.Server.TLSListen}, {"server.debug_listen", c.Server.DebugListen},
		} {
			if other.addr == c.Metrics.Listen {
				add("metrics.listen %q is also %s: the monitoring endpoints need a listener of their own", c.Metrics.Listen, other.key)
			}
		}
	}
	p = append(p, c.Console.validate(c.Server, c.Metrics)...)
	p = append(p, c.Scrub.validate()...)
	if c.Server.Region == "" {
		add("server.region must not be empty")
	}
	if c.Lifecycle.Interval.Duration <= 0 {
		add("lifecycle.interval must be positive")
	}
	if c.Lifecycle.Rate < 0 {
		add("lifecycle.rate must not be negative (0: unbounded)")
	}
	if c.Lifecycle.Day.Duration < time.Second {
		add("lifecycle.day must be at least 1s")
	}
	for _, d := range c.Server.VirtualHostDomains {
		if d == "" || strings.ContainsAny(d, ":/ ") {
			add("server.virtual_host_domains entry %q must be a bare domain name (no port or scheme)", d)
		}
	}
	if c.Server.ShutdownTimeout.Duration <= 0 {
		add("server.shutdown_timeout must be positive")
	}
	if c.Server.ReadHeaderTimeout.Duration <= 0 || c.Server.IdleTimeout.Duration <= 0 || c.Server.ClientTimeout.Duration <= 0 {
		add("server.read_header_timeout, server.idle_timeout and server.client_timeout must be positive")
	}
	if c.Server.ClientMinRate < 0 || c.Server.ClientMinRate > 1<<30 {
		add("server.client_min_rate %d must be between 0 and 1GiB (bytes per second)", c.Server.ClientMinRate)
	}
	switch c.Server.DefaultObjectOwnership {
	case "ObjectWriter", "BucketOwnerPreferred", "BucketOwnerEnforced":
	default:
		add("server.default_object_ownership %q must be ObjectWriter, BucketOwnerPreferred or BucketOwnerEnforced", c.Server.DefaultObjectOwnership)
	}
	if c.Server.MaxHeaderBytes < 8<<10 || c.Server.MaxHeaderBytes > 1<<20 {
		add("server.max_header_bytes %d must be between 8KiB and 1MiB", c.Server.MaxHeaderBytes)
	}
	if !logLevels[c.Log.Level] {
		add("log.level %q must be one of trace, debug, info, warn, error", c.Log.Level)
	}
	if c.Log.Format != "console" && c.Log.Format != "json" {
		add("log.format %q must be console or json", c.Log.Format)
	}

	cs := c.Cassandra
	if len(cs.Hosts) == 0 {
		add("cassandra.hosts must list at least one host")
	}
	for _, h := range cs.Hosts {
		if strings.TrimSpace(h) == "" {
			add("cassandra.hosts has an empty entry")
		}
	}
	if !keyspaceRE.MatchString(cs.Keyspace) {
		add("cassandra.keyspace %q must be a letter then up to 47 letters, digits or underscores", cs.Keyspace)
	}
	if !consistency[strings.ToUpper(cs.Consistency)] {
		add("cassandra.consistency %q is not a Cassandra consistency level", cs.Consistency)
	}
	if !serialConsistency[strings.ToUpper(cs.SerialConsistency)] {
		add("cassandra.serial_consistency %q must be SERIAL or LOCAL_SERIAL", cs.SerialConsistency)
	}
	if cs.ConnectTimeout.Duration <= 0 || cs.Timeout.Duration <= 0 {
		add("cassandra.connect_timeout and cassandra.timeout must be positive")
	}
	if cs.Password != "" && cs.PasswordEnv != "" {
		add("cassandra.password and cassandra.password_env are both set: keep one")
	}
	if pw, err := cs.password(); err != nil {
		add("%v", err)
	} else if cs.Username != "" && pw == "" {
		add("cassandra.username needs a password (cassandra.password, cassandra.password_env or %s)", cassandraPasswordEnv)
	} else if cs.Username == "" && (cs.Password != "" || cs.PasswordEnv != "") {
		add("cassandra.password (or password_env) is set but cassandra.username is empty")
	}
	p = append(p, cs.TLS.validate()...)
	switch cs.Replication.Class {
	case "NetworkTopologyStrategy":
		if len(cs.Replication.Datacenters) == 0 {
			add("cassandra.replication.datacenters must name at least one datacenter for NetworkTopologyStrategy")
		}
		dcs := make([]string, 0, len(cs.Replication.Datacenters))
		for dc := range cs.Replication.Datacenters {
			dcs = append(dcs, dc)
		}
		sort.Strings(dcs)
		for _, dc := range dcs {
			if rf := cs.Replication.Datacenters[dc]; rf < 1 || rf > 9 {
				add("cassandra.replication.datacenters.%s = %d must be between 1 and 9", dc, rf)
			}
		}
		if cs.Replication.Factor != 0 {
			add("cassandra.replication.factor is for SimpleStrategy; use datacenters with NetworkTopologyStrategy")
		}
	case "SimpleStrategy":
		if cs.Replication.Factor < 1 || cs.Replication.Factor > 9 {
			add("cassandra.replication.factor = %d must be between 1 and 9", cs.Replication.Factor)
		}
	default:
		add("cassandra.replication.class %q must be NetworkTopologyStrategy or SimpleStrategy", cs.Replication.Class)
	}

	if cs.ProtocolVersion != 4 && cs.ProtocolVersion != 5 {
		add("cassandra.protocol_version %d must be 4 or 5", cs.ProtocolVersion)
	}
	if cs.Connections < 1 || cs.Connections > 64 {
		add("cassandra.connections %d must be between 1 and 64", cs.Connections)
	}
	if cs.BlockCacheMB < 0 || cs.BlockCacheMB > 1<<20 {
		add("cassandra.block_cache_mb %d must be between 0 (off) and 1048576", cs.BlockCacheMB)
	} else if cs.BlockCacheMB > 0 && Size(cs.BlockCacheMB)<<20 < 2*(c.Storage.BlockSize+16) {
		add("cassandra.block_cache_mb %d must hold at least two blocks of storage.block_size", cs.BlockCacheMB)
	}

	st := c.Storage
	if st.BlockSize < 4<<10 || st.BlockSize > 8<<20 {
		add("storage.block_size %d must be between 4KiB and 8MiB (a Cassandra mutation must stay far below 16 MiB)", st.BlockSize)
	}
	if st.BlocksInFlight < 1 || st.BlocksInFlight > 64 {
		add("storage.blocks_in_flight %d must be between 1 and 64", st.BlocksInFlight)
	}
	if st.MaxBlocksInFlight < st.BlocksInFlight || st.MaxBlocksInFlight > 4096 {
		add("storage.max_blocks_in_flight %d must be between blocks_in_flight (%d) and 4096", st.MaxBlocksInFlight, st.BlocksInFlight)
	}
	if st.MaxBlockBuffers != 0 && (st.MaxBlockBuffers < st.MaxBlocksInFlight || st.MaxBlockBuffers > 65536) {
		add("storage.max_block_buffers %d must be between max_blocks_in_flight (%d) and 65536", st.MaxBlockBuffers, st.MaxBlocksInFlight)
	}
	if st.InlineSize < 0 || st.InlineSize > 32<<10 {
		add("storage.inline_size %d must be between 0 (off) and 32KiB (Cassandra refuses batches over 50 KiB by default)", st.InlineSize)
	}
	if st.InlineBatchLimit < 1<<10 || st.InlineBatchLimit > 48<<10 {
		add("storage.inline_batch_limit %d must be between 1KiB and 48KiB (Cassandra refuses batches over 50 KiB by default)", st.InlineBatchLimit)
	}
	if st.BucketCacheTTL.Duration < 0 || st.BucketCacheTTL.Duration > time.Minute {
		add("storage.bucket_cache_ttl must be between 0 (off) and 1m")
	}
	if st.GCGrace.Duration < 0 {
		add("storage.gc_grace must not be negative")
	}
	if st.SweepInterval.Duration <= 0 {
		add("storage.sweep_interval must be positive")
	}
	if st.MultipartMaxAge.Duration <= 0 {
		add("storage.multipart_max_age must be positive")
	}
	if st.ListingShards < 0 || st.ListingShards > 1024 {
		add("storage.listing_shards %d must be between 0 (listing ranges) and 1024", st.ListingShards)
	}
	if st.ListingPartitionRows < 4 || st.ListingPartitionBytes < 4<<10 {
		add("storage.listing_partition_rows must be at least 4 and storage.listing_partition_bytes at least 4KiB")
	}
	if st.ListingMapTTL.Duration <= 0 || st.ListingMapTTL.Duration > time.Minute {
		add("storage.listing_map_ttl must be between 0 and 1m")
	}
	if st.ListingInterval.Duration <= 0 {
		add("storage.listing_interval must be positive")
	}

	if _, err := c.Accounts.masterKey(); err != nil {
		add("%v", err)
	}
	if c.Accounts.KeyCacheTTL.Duration < 0 || c.Accounts.KeyCacheTTL.Duration > 10*time.Minute {
		add("accounts.key_cache_ttl must be between 0 (off) and 10m")
	}
	seen := map[string]bool{}
	for i, cr := range c.Credentials {
		if cr.AccessKey == "" || cr.SecretKey == "" || cr.Tenant == "" {
			add("credentials[%d] needs access_key, secret_key and tenant", i)
		}
		if seen[cr.AccessKey] {
			add("credentials[%d]: access_key %q appears twice", i, cr.AccessKey)
		}
		seen[cr.AccessKey] = true
		if len(cr.SecretKey) > 0 && len(cr.SecretKey) < 16 {
			add("credentials[%d]: secret_key must be at least 16 characters", i)
		}
	}
	return p
}

// validate lists the problems of [cassandra.tls]; the files' contents
// are parsed when the store opens.
func (t CassandraTLSConfig) validate() []string {
	var p []string
	files := []struct{ key, path string }{{"ca_file", t.CAFile}, {"cert_file", t.CertFile}, {"key_file", t.KeyFile}}
	if !t.Enabled {
		for _, f := range files {
			if f.path != "" {
				p = append(p, fmt.Sprintf("cassandra.tls.%s is set but cassandra.tls.enabled is false", f.key))
			}
		}
		return p
	}
	for _, f := range files {
		if f.path == "" {
			continue
		}
		if fi, err := os.Stat(f.path); err != nil {
			p = append(p, fmt.Sprintf("cassandra.tls.%s: %v", f.key, err))
		} else if fi.IsDir() {
			p = append(p, fmt.Sprintf("cassandra.tls.%s %q is a directory, not a PEM file", f.key, f.path))
		}
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		p = append(p, "cassandra.tls.cert_file and cassandra.tls.key_file go together (a client certificate and its key)")
	}
	if !t.VerifyHost && t.ServerName != "" {
		p = append(p, "cassandra.tls.server_name is set but cassandra.tls.verify_host is false: the name would not be checked")
	}
	return p
}

// blockBuffers is storage.max_block_buffers with its default applied:
// twice max_blocks_in_flight (a buffer in Cassandra I/O and one filling
// or draining per slot), at least 128.
func (st StorageConfig) blockBuffers() int {
	if st.MaxBlockBuffers != 0 {
		return st.MaxBlockBuffers
	}
	return max(128, 2*st.MaxBlocksInFlight)
}
