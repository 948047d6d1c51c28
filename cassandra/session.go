package cassandra

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/apache/cassandra-gocql-driver/v2/gocqlzerolog"
	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/store"
)

// Store is store.Store on Apache Cassandra. It is safe for concurrent use;
// any number of Stores (frontends) may share one keyspace.
type Store struct {
	cfg  settings
	sess *gocql.Session
	log  zerolog.Logger
	// buffers and slots bound block memory and block statements across
	// the process (buffers.go).
	buffers *blockBuffers
	slots   chan struct{}
	buckets ttlCache[bucketInfo]
	keys    ttlCache[store.AccessKey]
	md5     *md5s
	gc      gcTotals // what RunSweeper did (stats.go)
	// blockRow reads one block row (selectBlock; tests wrap it), cache
	// holds blocks read (nil: off) and blockReads counts reads at ONE
	// (blocks.go, blockcache.go, blockread.go).
	blockRow   blockRowFunc
	cache      *blockCache
	blockReads blockReadCounters
	// rangeMaps caches each bucket's listing map and activity counts the
	// listing writes per part until they are flushed (ranges.go,
	// ranges_activity.go).
	rangeMaps     rangeCache
	activity      listingActivity
	listingTotals listingTotals // what RunListingWorker did (ranges_totals.go)
	// aheadSlots bound the ranges scanned ahead at once across the
	// process (list_ahead.go).
	aheadSlots chan struct{}

	bgMu   sync.Mutex
	bg     sync.WaitGroup // background cleanups, waited for by Close
	closed bool           // guarded by bgMu

	lastMicros atomic.Int64 // last version timestamp handed out, see newVersion
	holder     string       // this Store's id for the sweeper lease
}

var _ store.Store = (*Store)(nil)

// Open connects to the ring and checks that the keyspace exists with
// every embedded schema migration applied.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	st, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	sess, err := newCluster(st, st.Keyspace).CreateSession()
	if err != nil {
		if missing := keyspaceMissing(ctx, st); missing != nil {
			return nil, missing
		}
		return nil, fmt.Errorf("connect to cassandra %v: %w", st.Hosts, tlsHint(st.TLS, err))
	}
	s := &Store{cfg: st, sess: sess, log: st.Logger, slots: make(chan struct{}, st.MaxBlocksInFlight), buffers: newBlockBuffers(st),
		aheadSlots: make(chan struct{}, aheadSlots)}
	s.buckets.ttl = st.BucketCacheTTL
	s.keys.ttl = st.KeyCacheTTL
	s.holder = gocql.TimeUUID().String()
	if err := s.checkSchema(ctx); err != nil {
		sess.Close()
		return nil, err
	}
	s.blockRow = s.selectBlock
	if s.cache, err = newBlockCache(st.BlockCacheSize, st.BlockSize); err != nil {
		sess.Close()
		return nil, err
	}
	s.md5 = newMD5s()
	return s, nil
}

// Close waits (briefly) for background cleanups and closes the session.
func (s *Store) Close() {
	s.bgMu.Lock()
	was := s.closed
	s.closed = true
	s.bgMu.Unlock()
	if was {
		return
	}
	done := make(chan struct{})
	go func() { s.bg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(s.timeout()):
	}
	s.sess.Close()
	s.md5.close()
	s.cache.close()
}

func (s *Store) timeout() time.Duration {
	if s.cfg.Timeout > 0 {
		return 2 * s.cfg.Timeout
	}
	return 20 * time.Second
}

func newCluster(st settings, keyspace string) *gocql.ClusterConfig {
	c := gocql.NewCluster(st.Hosts...)
	c.Keyspace = keyspace
	c.Consistency = st.consistency
	c.SerialConsistency = st.serial
	if st.ConnectTimeout > 0 {
		c.ConnectTimeout = st.ConnectTimeout
	}
	if st.Timeout > 0 {
		c.Timeout = st.Timeout
	}
	if st.Username != "" {
		c.Authenticator = gocql.PasswordAuthenticator{Username: st.Username, Password: st.Password}
	}
	if st.tlsConfig != nil {
		// The tls.Config decides what is verified (tls.go); gocql's
		// EnableHostVerification would override a skipped name check.
		c.SslOpts = &gocql.SslOptions{Config: st.tlsConfig}
	}
	fallback := gocql.RoundRobinHostPolicy()
	if st.LocalDC != "" {
		fallback = gocql.DCAwareRoundRobinPolicy(st.LocalDC)
	}
	// A host that stops answering is tried last for a while (stallpolicy.go).
	c.PoolConfig.HostSelectionPolicy = newStallAware(gocql.TokenAwareHostPolicy(fallback, gocql.ShuffleReplicas()), stallHold(c.Timeout))
	c.NumConns = st.Connections
	c.ProtoVersion = st.ProtocolVersion
	// No frame compression: blocks are mostly incompressible (media,
	// archives, encrypted backups) and compressing them costs CPU on both
	// ends for nothing. gocql compresses only when a Compressor is set.
	c.Compressor = nil
	// Retries only ever apply to statements marked idempotent.
	c.RetryPolicy = &gocql.ExponentialBackoffRetryPolicy{NumRetries: 3, Min: 50 * time.Millisecond, Max: time.Second}
	c.Logger = gocqlzerolog.NewZerologLogger(st.Logger.With().Str("driver", "gocql").Logger())
	c.QueryObserver, c.BatchObserver = observers(st)
	c.Dialer = guardedDialer(c.ConnectTimeout) // overload hook: a frame cut off by a timeout closes its connection (dialer.go)
	return c
}

// keyspaceMissing returns a helpful error when st.Keyspace does not exist,
// nil when it exists or the check itself fails.
func keyspaceMissing(ctx context.Context, st settings) error {
	sess, err := newCluster(st, "").CreateSession()
	if err != nil {
		return nil
	}
	defer sess.Close()
	var name string
	err = sess.Query(`SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?`, st.Keyspace).
		WithContext(ctx).Scan(&name)
	if errors.Is(err, gocql.ErrNotFound) {
		return fmt.Errorf("keyspace %s missing: run `amphora schema apply`", st.Keyspace)
	}
	return nil
}

// checkSchema fails when the keyspace lacks an embedded migration or
// holds one newer than this binary knows (schema.go).
func (s *Store) checkSchema(ctx context.Context) error {
	applied, err := s.schemaVersions(ctx)
	if err != nil {
		return fmt.Errorf("keyspace %s has no schema (%v): run `amphora schema apply`", s.cfg.Keyspace, err)
	}
	return schemaAt(s.cfg.Keyspace, applied)
}

// query returns stmt bound to args, running under ctx.
func (s *Store) query(ctx context.Context, stmt string, args ...any) *gocql.Query {
	return s.sess.Query(stmt, args...).WithContext(ctx)
}

// exec runs an idempotent write.
func (s *Store) exec(ctx context.Context, stmt string, args ...any) error {
	return s.query(ctx, stmt, args...).Idempotent(true).Exec()
}

// background runs f detached from any request, tracked by Close.
func (s *Store) background(f func(ctx context.Context)) {
	s.bgMu.Lock()
	defer s.bgMu.Unlock()
	if s.closed {
		return
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), s.timeout())
		defer cancel()
		f(ctx)
	}()
}
