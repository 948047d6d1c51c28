package cassandra

import (
	"crypto/tls"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/schema"
	"github.com/amphora-s3/amphora/store"
)

// Defaults and limits for Config.
const (
	DefaultBlockSize      = 1 << 20
	MaxBlockSize          = 8 << 20 // well under Cassandra's 16 MiB mutation and frame limits
	DefaultBlocksInFlight = 4
	// DefaultMaxBlocksInFlight bounds the block writes and reads in
	// flight to Cassandra across the whole process.
	DefaultMaxBlocksInFlight = 64
	// DefaultMaxBlockBuffers bounds the block buffers of the whole
	// process, in Cassandra I/O or waiting on clients: 128 x 1 MiB.
	DefaultMaxBlockBuffers = 128
	// DefaultClientStallCutoff is how long a request must have waited on
	// its client before it may be cut off to free buffers for others.
	DefaultClientStallCutoff = time.Second
	// DefaultInlineSize: objects up to this size live in their version
	// row, when their batch fits InlineBatchLimit (a 4 KiB object with a
	// key of up to about 100 bytes and no user metadata does).
	DefaultInlineSize = 4 << 10
	// MaxInlineSize keeps the inline batch below Cassandra's default
	// batch_size_fail_threshold of 50 KiB.
	MaxInlineSize         = 32 << 10
	DefaultBucketCacheTTL = time.Second
	DefaultKeyCacheTTL    = 5 * time.Second
	DefaultConnections    = 2
	// DefaultInlineBatchLimit is Cassandra's default
	// batch_size_warn_threshold; MaxInlineBatchLimit stays below its
	// default batch_size_fail_threshold (50 KiB).
	DefaultInlineBatchLimit = 5 << 10
	MaxInlineBatchLimit     = 48 << 10
	DefaultProtocolVersion  = 4
	DefaultGCGrace          = 15 * time.Minute
	DefaultSweepInterval    = time.Minute
	DefaultListingMapTTL    = time.Second
	DefaultListingPartRows  = 100_000
	DefaultListingPartBytes = 32 << 20
	DefaultListingInterval  = 10 * time.Second
	DefaultListingFlush     = 2 * time.Second
	DefaultMultipartMaxAge  = 7 * 24 * time.Hour
	MaxListingShards        = 1024
)

// Replication is the keyspace replication ApplySchema creates.
type Replication struct {
	Class       string         // "NetworkTopologyStrategy" (default) or "SimpleStrategy"
	DataCenters map[string]int // NetworkTopologyStrategy: datacenter -> replication factor
	Factor      int            // SimpleStrategy factor; with NTS and no DataCenters, the factor for every DC
}

// Config configures a Store. Zero fields take the documented defaults.
type Config struct {
	Hosts             []string // host or host:port
	Keyspace          string
	Consistency       string // default LOCAL_QUORUM; ONE, QUORUM, LOCAL_ONE, ALL, ...
	SerialConsistency string // for lightweight transactions; default LOCAL_SERIAL
	LocalDC           string // optional: prefer this datacenter's replicas
	Username          string
	Password          string
	// TLS encrypts the connections to the nodes (tls.go).
	TLS            TLS
	ConnectTimeout time.Duration
	Timeout        time.Duration // per query, client side
	// Connections per Cassandra host (default 2, gocql's default; 1, 2
	// and 4 measured alike: docs/benchmarks.md). Each multiplexes up to
	// 32768 streams.
	Connections int
	// ProtocolVersion of the native protocol: 4 (default) or 5. Version
	// 5 cuts every message over 128 KiB into checksummed segments, which
	// both ends copy and checksum again; with 1 MiB blocks that costs a
	// third of GET throughput (docs/benchmarks.md). Blocks carry their own
	// CRC-32C end to end either way.
	ProtocolVersion int
	Replication     Replication
	BlockSize       int // bytes per block, default 1 MiB, at most 8 MiB
	BlocksInFlight  int // concurrent block writes/reads per request, default 4
	// MaxBlocksInFlight bounds block writes and reads in flight to
	// Cassandra across every request of the process, default 64. A slot
	// is held only while a block statement runs, never while a request
	// waits on its client.
	MaxBlocksInFlight int
	// MaxBlockBuffers bounds the block buffers of the process (default
	// twice MaxBlocksInFlight, at least 128; at least MaxBlocksInFlight): those in Cassandra I/O and those
	// filling from or draining to clients. When all are taken, the
	// request that has waited on its client the longest (at least
	// ClientStallCutoff) is cut off; if none has, requests wait for a
	// buffer, at most Timeout, then fail with store.ErrSlowDown.
	MaxBlockBuffers int
	// ClientStallCutoff: how long a request must have been waiting on its
	// client before it may be cut off (default 1s).
	ClientStallCutoff time.Duration
	// InlineSize: objects of at most this many bytes are stored in their
	// version row (one round trip to PUT, one to GET), default 4 KiB, at
	// most 32 KiB; -1 turns inlining off.
	InlineSize int
	// InlineBatchLimit is the most batch data an inline PUT may send, as
	// Cassandra counts it (default 5 KiB: its default
	// batch_size_warn_threshold; at most 48 KiB). A small object whose key
	// and metadata would take its batch over goes to blocks instead.
	InlineBatchLimit int
	// BucketCacheTTL is how long a frontend trusts a bucket lookup
	// (default 1s; -1: no cache). A bucket deleted through another
	// frontend may be seen for that long.
	BucketCacheTTL time.Duration
	GCGrace        time.Duration // how long unreferenced blocks wait before the sweeper deletes them, default 15m
	SweepInterval  time.Duration // RunSweeper's period, default 1m
	// ListingShards, when > 0, gives new buckets the listing layout of
	// earlier versions: that many hash shards, fixed. The default, 0,
	// gives them listing ranges that split as they fill (ranges.go);
	// the listing worker moves buckets of the old layout to ranges.
	ListingShards int
	// ListingPartRows and ListingPartBytes bound a listing range's
	// partition: the listing worker splits a range whose rows or bytes
	// (keys plus a row's fixed cost, listingRowBytes) pass either
	// (defaults 100,000 rows, 32 MiB).
	ListingPartRows  int
	ListingPartBytes int64
	// ListingMapTTL is how long a frontend trusts a bucket's listing map
	// before it checks its gen again (default 1s; -1: every use).
	ListingMapTTL time.Duration
	// ListingSettle is how long the listing worker waits between two
	// steps of a move, so that every frontend saw the first before the
	// second (default ListingMapTTL + 2 x Timeout + 1s: a write decided on
	// the older map has landed by then).
	ListingSettle time.Duration
	// ListingInterval is the listing worker's period (default 10s) and
	// ListingFlush how often a frontend adds its listing writes per part
	// to listing_activity (default 2s).
	ListingInterval time.Duration
	ListingFlush    time.Duration
	// MultipartMaxAge is how long a multipart upload may stay open before
	// the sweeper aborts it (default 7 days). It is fixed per upload when
	// the upload is created.
	MultipartMaxAge time.Duration
	Logger          zerolog.Logger // background work (sweeper, cleanup) logs here
	// MasterKey (32 bytes), when set, seals access keys' secrets at rest
	// (AES-256-GCM); without it they are stored as they are.
	MasterKey []byte
	// KeyCacheTTL is how long a frontend trusts an access key it read
	// (default 5s; -1: no cache): a key disabled or deleted elsewhere
	// stops working within it.
	KeyCacheTTL time.Duration
	// Observer, when set, sees every statement the session runs, by a
	// short name (observe.go): for statement metrics.
	Observer StatementObserver
	// DisableBlockReadOne reads blocks at Consistency only. By default a
	// block is read at ONE (LOCAL_ONE under a LOCAL_ consistency) and read
	// again at Consistency only when that copy is missing, fails its
	// CRC-32C or authentication, or the read fails (blockread.go).
	DisableBlockReadOne bool
	// BlockCacheSize is the bytes of the in-memory cache of blocks read,
	// per Store (blockcache.go); 0 (default) turns it off. It is held in
	// slots of BlockSize + 16 bytes, off the Go heap.
	BlockCacheSize int64

	// observer, when set (tests), sees every query the session runs.
	observer      gocql.QueryObserver
	batchObserver gocql.BatchObserver
	// noEagerCleanup (tests) leaves a failed upload's blocks to the sweeper.
	noEagerCleanup bool
	// minPartSize (tests) replaces store.MinPartSize when > 0.
	minPartSize int64
	// copyBatch (benchmarks) replaces copyRowsPerBatch when > 0.
	copyBatch int
}

// settings is a validated Config with defaults applied.
type settings struct {
	Config
	consistency gocql.Consistency
	serial      gocql.Consistency
	sealer      sealer
	tlsConfig   *tls.Config // nil: plain TCP
	// blockReadOne: read blocks at blockOne first (blockread.go).
	blockReadOne bool
	blockOne     gocql.Consistency
}

func (c Config) validate() (settings, error) {
	s := settings{Config: c}
	var errs []error
	if len(c.Hosts) == 0 {
		errs = append(errs, errors.New("no hosts"))
	}
	if !schema.ValidKeyspace(c.Keyspace) {
		errs = append(errs, fmt.Errorf("invalid keyspace name %q (letters, digits, underscores; at most 48)", c.Keyspace))
	}
	var err error
	if s.Consistency == "" {
		s.Consistency = "LOCAL_QUORUM"
	}
	if s.consistency, err = gocql.ParseConsistencyWrapper(s.Consistency); err != nil || s.consistency == gocql.Serial || s.consistency == gocql.LocalSerial {
		errs = append(errs, fmt.Errorf("invalid consistency %q", s.Consistency))
	}
	s.blockReadOne = !c.DisableBlockReadOne
	s.blockOne = blockOneConsistency(s.consistency)
	if s.SerialConsistency == "" {
		s.SerialConsistency = "LOCAL_SERIAL"
	}
	if s.serial, err = gocql.ParseConsistencyWrapper(s.SerialConsistency); err != nil || (s.serial != gocql.Serial && s.serial != gocql.LocalSerial) {
		errs = append(errs, fmt.Errorf("invalid serial consistency %q (SERIAL or LOCAL_SERIAL)", s.SerialConsistency))
	}
	if s.BlockSize == 0 {
		s.BlockSize = DefaultBlockSize
	}
	if s.BlockSize < 0 || s.BlockSize > MaxBlockSize {
		errs = append(errs, fmt.Errorf("block size %d outside 1..%d", s.BlockSize, MaxBlockSize))
	}
	if s.BlocksInFlight == 0 {
		s.BlocksInFlight = DefaultBlocksInFlight
	}
	if s.BlocksInFlight < 0 || s.BlocksInFlight > 256 {
		errs = append(errs, fmt.Errorf("blocks in flight %d outside 1..256", s.BlocksInFlight))
	}
	if s.MaxBlocksInFlight == 0 {
		s.MaxBlocksInFlight = max(DefaultMaxBlocksInFlight, s.BlocksInFlight)
	}
	if s.MaxBlocksInFlight < s.BlocksInFlight || s.MaxBlocksInFlight > 4096 {
		errs = append(errs, fmt.Errorf("max blocks in flight %d outside %d (blocks in flight)..4096", s.MaxBlocksInFlight, s.BlocksInFlight))
	}
	if s.MaxBlockBuffers == 0 {
		s.MaxBlockBuffers = max(DefaultMaxBlockBuffers, 2*s.MaxBlocksInFlight)
	}
	if s.MaxBlockBuffers < s.MaxBlocksInFlight || s.MaxBlockBuffers > 65536 {
		errs = append(errs, fmt.Errorf("max block buffers %d outside %d (max blocks in flight)..65536", s.MaxBlockBuffers, s.MaxBlocksInFlight))
	}
	if s.ClientStallCutoff == 0 {
		s.ClientStallCutoff = DefaultClientStallCutoff
	}
	if s.ClientStallCutoff < 0 {
		errs = append(errs, fmt.Errorf("negative client stall cutoff %s", s.ClientStallCutoff))
	}
	switch {
	case s.InlineSize == 0:
		s.InlineSize = DefaultInlineSize
	case s.InlineSize == -1:
	case s.InlineSize < 0 || s.InlineSize > MaxInlineSize:
		errs = append(errs, fmt.Errorf("inline size %d outside 0..%d (-1: off)", s.InlineSize, MaxInlineSize))
	}
	if s.InlineBatchLimit == 0 {
		s.InlineBatchLimit = DefaultInlineBatchLimit
	}
	if s.InlineBatchLimit < 0 || s.InlineBatchLimit > MaxInlineBatchLimit {
		errs = append(errs, fmt.Errorf("inline batch limit %d outside 1..%d", s.InlineBatchLimit, MaxInlineBatchLimit))
	}
	switch {
	case s.BucketCacheTTL == 0:
		s.BucketCacheTTL = DefaultBucketCacheTTL
	case s.BucketCacheTTL < 0:
		s.BucketCacheTTL = 0
	}
	switch {
	case s.KeyCacheTTL == 0:
		s.KeyCacheTTL = DefaultKeyCacheTTL
	case s.KeyCacheTTL < 0:
		s.KeyCacheTTL = 0
	}
	if (c.Username == "") != (c.Password == "") {
		errs = append(errs, errors.New("username and password go together"))
	}
	if s.tlsConfig, err = c.TLS.config(); err != nil {
		errs = append(errs, err)
	}
	if sl, err := newSealer(c.MasterKey); err != nil {
		errs = append(errs, err)
	} else {
		s.sealer = sl
	}
	if s.GCGrace == 0 {
		s.GCGrace = DefaultGCGrace
	}
	if s.GCGrace < 0 {
		errs = append(errs, fmt.Errorf("negative gc grace %s", s.GCGrace))
	}
	if s.SweepInterval == 0 {
		s.SweepInterval = DefaultSweepInterval
	}
	if s.SweepInterval < 0 {
		errs = append(errs, fmt.Errorf("negative sweep interval %s", s.SweepInterval))
	}
	if s.ListingShards < 0 || s.ListingShards > MaxListingShards {
		errs = append(errs, fmt.Errorf("listing shards %d outside 0..%d", s.ListingShards, MaxListingShards))
	}
	errs = append(errs, s.listingDefaults()...)
	if s.MultipartMaxAge == 0 {
		s.MultipartMaxAge = DefaultMultipartMaxAge
	}
	if s.MultipartMaxAge < 0 {
		errs = append(errs, fmt.Errorf("negative multipart max age %s", s.MultipartMaxAge))
	}
	if s.minPartSize == 0 {
		s.minPartSize = store.MinPartSize
	}
	if s.Connections == 0 {
		s.Connections = DefaultConnections
	}
	if s.Connections < 0 || s.Connections > 64 {
		errs = append(errs, fmt.Errorf("connections %d outside 1..64", s.Connections))
	}
	if s.ProtocolVersion == 0 {
		s.ProtocolVersion = DefaultProtocolVersion
	}
	if s.ProtocolVersion != 4 && s.ProtocolVersion != 5 {
		errs = append(errs, fmt.Errorf("protocol version %d: 4 or 5", s.ProtocolVersion))
	}
	if s.BlockCacheSize < 0 {
		errs = append(errs, fmt.Errorf("negative block cache size %d", s.BlockCacheSize))
	} else if s.BlockCacheSize > 0 && s.BlockCacheSize < int64(s.BlockSize+maxCodecOverhead) {
		errs = append(errs, fmt.Errorf("block cache size %d holds no block of %d bytes (block size + %d)", s.BlockCacheSize, s.BlockSize+maxCodecOverhead, maxCodecOverhead))
	}
	if s.ConnectTimeout < 0 || s.Timeout < 0 {
		errs = append(errs, errors.New("negative timeout"))
	}
	if err := errors.Join(errs...); err != nil {
		return settings{}, fmt.Errorf("cassandra config: %w", err)
	}
	return s, nil
}

// cql renders r as the map literal of CREATE KEYSPACE ... WITH replication.
func (r Replication) cql() (string, error) {
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	switch r.Class {
	case "", "NetworkTopologyStrategy":
		if len(r.DataCenters) == 0 {
			if r.Factor <= 0 {
				return "", errors.New("replication: NetworkTopologyStrategy needs DataCenters (or Factor for every DC)")
			}
			return fmt.Sprintf("{'class': 'NetworkTopologyStrategy', 'replication_factor': %d}", r.Factor), nil
		}
		dcs := make([]string, 0, len(r.DataCenters))
		for dc := range r.DataCenters {
			dcs = append(dcs, dc)
		}
		sort.Strings(dcs)
		parts := []string{"'class': 'NetworkTopologyStrategy'"}
		for _, dc := range dcs {
			rf := r.DataCenters[dc]
			if dc == "" || rf <= 0 {
				return "", fmt.Errorf("replication: datacenter %q factor %d", dc, rf)
			}
			parts = append(parts, fmt.Sprintf("%s: %d", quote(dc), rf))
		}
		return "{" + strings.Join(parts, ", ") + "}", nil
	case "SimpleStrategy":
		if r.Factor <= 0 {
			return "", errors.New("replication: SimpleStrategy needs Factor >= 1")
		}
		return fmt.Sprintf("{'class': 'SimpleStrategy', 'replication_factor': %d}", r.Factor), nil
	default:
		return "", fmt.Errorf("replication: unknown class %q", r.Class)
	}
}

// listingDefaults fills in and checks the listing range settings.
func (s *settings) listingDefaults() []error {
	var errs []error
	if s.ListingPartRows == 0 {
		s.ListingPartRows = DefaultListingPartRows
	}
	if s.ListingPartBytes == 0 {
		s.ListingPartBytes = DefaultListingPartBytes
	}
	if s.ListingPartRows < 4 || s.ListingPartBytes < 4<<10 {
		errs = append(errs, fmt.Errorf("listing partition bound of %d rows, %d bytes: at least 4 rows and 4 KiB", s.ListingPartRows, s.ListingPartBytes))
	}
	switch {
	case s.ListingMapTTL == 0:
		s.ListingMapTTL = DefaultListingMapTTL
	case s.ListingMapTTL < 0:
		s.ListingMapTTL = 0
	}
	if s.ListingSettle == 0 {
		timeout := s.Timeout
		if timeout <= 0 {
			timeout = 11 * time.Second // the driver's default
		}
		s.ListingSettle = s.ListingMapTTL + 2*timeout + time.Second
	}
	if s.ListingSettle <= s.ListingMapTTL {
		errs = append(errs, fmt.Errorf("listing settle %s must be longer than the listing map TTL %s", s.ListingSettle, s.ListingMapTTL))
	}
	if s.ListingInterval == 0 {
		s.ListingInterval = DefaultListingInterval
	}
	if s.ListingFlush == 0 {
		s.ListingFlush = DefaultListingFlush
	}
	if s.ListingInterval < 0 || s.ListingFlush < 0 {
		errs = append(errs, fmt.Errorf("negative listing worker interval %s or flush period %s", s.ListingInterval, s.ListingFlush))
	}
	return errs
}
