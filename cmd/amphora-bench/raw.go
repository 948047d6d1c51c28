package main

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// rawStore is the raw ceiling: the driver writing and reading the blocks
// table of the bench keyspace directly, with the statements, consistency
// and session settings of package cassandra (newCluster in session.go)
// and the per-request in-flight limit of a PUT or GET.
type rawStore struct {
	sess      *gocql.Session
	blockSize int64
	inFlight  int
	cons      gocql.Consistency // the session's, for reads
	pattern   []byte            // one block of random bytes, every block's data
	bufs      sync.Pool         // *[]byte of blockSize, for reads
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// openRaw builds a session the way cassandra.newCluster does: same
// consistency, serial consistency, timeouts, token-aware host selection
// over round robin with shuffled replicas, and exponential-backoff retries
// of idempotent statements. Differences: no LocalDC (the bench never sets
// one), no authenticator, and gocql's default logger instead of zerolog.
func openRaw(o options) (*rawStore, error) {
	c := gocql.NewCluster(o.hosts...)
	c.Keyspace = o.keyspace
	var err error
	if c.Consistency, err = gocql.ParseConsistencyWrapper(o.consistency); err != nil {
		return nil, err
	}
	if c.SerialConsistency, err = gocql.ParseConsistencyWrapper(o.serial); err != nil {
		return nil, err
	}
	c.ConnectTimeout = 10 * time.Second
	c.Timeout = o.timeout
	c.PoolConfig.HostSelectionPolicy = gocql.TokenAwareHostPolicy(gocql.RoundRobinHostPolicy(), gocql.ShuffleReplicas())
	c.NumConns = o.conns
	c.ProtoVersion = o.proto
	c.RetryPolicy = &gocql.ExponentialBackoffRetryPolicy{NumRetries: 3, Min: 50 * time.Millisecond, Max: time.Second}
	sess, err := c.CreateSession()
	if err != nil {
		return nil, fmt.Errorf("raw session: %w", err)
	}
	r := &rawStore{sess: sess, cons: c.Consistency, blockSize: o.blockSize, inFlight: o.blocksInFlight, pattern: make([]byte, o.blockSize)}
	fillRandom(r.pattern)
	r.bufs.New = func() any { b := make([]byte, r.blockSize); return &b }
	return r, nil
}

func fillRandom(b []byte) {
	for i := 0; i+8 <= len(b); i += 8 {
		v := rand.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
}

// blocks is ceil(size / blockSize); an empty object has none.
func (r *rawStore) blocks(size int64) int { return int((size + r.blockSize - 1) / r.blockSize) }

// blockLen is the length of block idx of an object of size bytes.
func (r *rawStore) blockLen(size int64, idx int) int {
	return int(min(r.blockSize, size-int64(idx)*r.blockSize))
}

// write stores an object of size bytes as a fresh inode's blocks, at most
// inFlight INSERTs at once, each with its CRC-32C computed as a PUT does.
func (r *rawStore) write(ctx context.Context, size int64) (gocql.UUID, error) {
	inode := gocql.MustRandomUUID()
	err := r.parallel(ctx, r.blocks(size), func(ctx context.Context, idx int) error {
		data := r.pattern[:r.blockLen(size, idx)]
		crc := int32(crc32.Checksum(data, castagnoli))
		return r.sess.Query(`INSERT INTO blocks (inode, idx, data, crc) VALUES (?, ?, ?, ?)`, inode, idx, data, crc).
			WithContext(ctx).Idempotent(true).Exec()
	})
	return inode, err
}

// read fetches every block of inode into pooled buffers and checks each
// one's length and CRC-32C, as a GET does.
func (r *rawStore) read(ctx context.Context, inode gocql.UUID, size int64) error {
	return r.readAt(ctx, inode, size, r.cons)
}

// readAt is read at consistency cons (-read-ab: ONE against the
// configured consistency).
func (r *rawStore) readAt(ctx context.Context, inode gocql.UUID, size int64, cons gocql.Consistency) error {
	return r.parallel(ctx, r.blocks(size), func(ctx context.Context, idx int) error {
		bp := r.bufs.Get().(*[]byte)
		defer r.bufs.Put(bp)
		sink := blockSink{b: (*bp)[:0]}
		var crc int32
		err := r.sess.Query(`SELECT data, crc FROM blocks WHERE inode = ? AND idx = ?`, inode, idx).
			WithContext(ctx).Consistency(cons).Idempotent(true).Scan(&sink, &crc)
		if err != nil {
			return fmt.Errorf("block %d: %w", idx, err)
		}
		if len(sink.b) != r.blockLen(size, idx) || int32(crc32.Checksum(sink.b, castagnoli)) != crc {
			return fmt.Errorf("block %d of %s: bad length or crc", idx, inode)
		}
		return nil
	})
}

// parallel runs f for 0..n-1 with at most inFlight calls at once and
// returns the first error.
func (r *rawStore) parallel(ctx context.Context, n int, f func(ctx context.Context, idx int) error) error {
	if n == 1 {
		return f(ctx, 0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next atomic.Int64
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for range min(n, r.inFlight) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := f(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
			}
		})
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil && !errors.Is(ctx.Err(), context.Canceled) {
		return ctx.Err()
	}
	return first
}

// blockSink receives a blob straight into a pooled buffer (as package
// cassandra's reader does) instead of a fresh allocation per block.
type blockSink struct{ b []byte }

func (k *blockSink) UnmarshalCQL(_ gocql.TypeInfo, data []byte) error {
	if len(data) > cap(k.b) {
		return fmt.Errorf("block of %d bytes exceeds its %d-byte buffer", len(data), cap(k.b))
	}
	k.b = append(k.b[:0], data...)
	return nil
}

// settle waits until Cassandra runs no compaction (system_views.sstable_tasks
// empty on three polls in a row, a second apart) or max has passed, and
// returns how long it waited.
func (r *rawStore) settle(ctx context.Context, max time.Duration) time.Duration {
	start := time.Now()
	quiet := 0
	for quiet < 3 && time.Since(start) < max && ctx.Err() == nil {
		n := 0
		iter := r.sess.Query(`SELECT task_id FROM system_views.sstable_tasks`).WithContext(ctx).Iter()
		var id gocql.UUID
		for iter.Scan(&id) {
			n++
		}
		if err := iter.Close(); err != nil {
			return time.Since(start) // no virtual table: nothing to wait for
		}
		if n == 0 {
			quiet++
		} else {
			quiet = 0
		}
		time.Sleep(time.Second)
	}
	return time.Since(start)
}
