package cassandra

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// Per-replica block reads. The scrubber opens a session of its own whose
// host selection policy is token-aware over a fallback that yields no
// host: asked for a block's partition, it answers exactly the replicas
// that are up, in ring order. Each replica is then sent the block's
// SELECT itself (Query.SetHostID) at consistency ONE.
//
// A coordinator at ONE reads from the replica its snitch ranks first.
// With a network-topology snitch (GossipingPropertyFileSnitch and the
// others but SimpleSnitch) a node ranks itself first, so a replica asked
// directly reads its own copy; with SimpleSnitch, or a dynamic snitch
// that finds the node slower than another replica by more than
// dynamic_snitch_badness_threshold, or a speculative retry (the table's
// speculative_retry) firing on a slow local read, the answer may come
// from another replica. The test ring runs GossipingPropertyFileSnitch
// with the dynamic snitch off (scripts/cassandra.sh CASSANDRA_TEST_RING);
// docs/operations.md says what this means on a production ring.

// replicaReader reads one block from one replica.
type replicaReader struct {
	sess     *gocql.Session
	policy   gocql.HostSelectionPolicy
	keyspace string
	expected int // replicas the keyspace's strategy asks for (0: unknown)
}

// openReplicaReader opens the scrubber's session.
func (s *Store) openReplicaReader() (*replicaReader, error) {
	c := newCluster(s.cfg, s.cfg.Keyspace)
	policy := gocql.TokenAwareHostPolicy(noHosts{}, gocql.DoNotShuffleReplicas())
	c.PoolConfig.HostSelectionPolicy = policy
	c.NumConns = 1
	sess, err := c.CreateSession()
	if err != nil {
		return nil, fmt.Errorf("scrub: connect to cassandra %v: %w", s.cfg.Hosts, err)
	}
	rr := &replicaReader{sess: sess, policy: policy, keyspace: s.cfg.Keyspace}
	rr.expected = expectedReplicas(sess, s.cfg.Keyspace)
	return rr, nil
}

func (rr *replicaReader) close() { rr.sess.Close() }

// expectedReplicas is the number of replicas the keyspace's replication
// asks for, capped by the hosts of each datacenter; 0 when unknown.
func expectedReplicas(sess *gocql.Session, keyspace string) int {
	ks, err := sess.KeyspaceMetadata(keyspace)
	if err != nil {
		return 0
	}
	perDC := map[string]int{}
	hosts := 0
	for _, h := range sess.GetHosts() {
		perDC[h.DataCenter()]++
		hosts++
	}
	n := 0
	for k, v := range ks.StrategyOptions {
		f, err := strconv.Atoi(fmt.Sprint(v))
		if err != nil || k == "class" {
			continue
		}
		switch {
		case k == "replication_factor" && strings.HasSuffix(ks.StrategyClass, "SimpleStrategy"):
			n += min(f, hosts)
		case k != "replication_factor":
			n += min(f, perDC[k])
		}
	}
	return n
}

// replicas are the hosts, up, that hold block idx of inode.
func (rr *replicaReader) replicas(inode gocql.UUID, idx int) []*gocql.HostInfo {
	next := rr.policy.Pick(blockPartition{keyspace: rr.keyspace, key: blockRoutingKey(inode, idx)})
	var out []*gocql.HostInfo
	for h := next(); h != nil; h = next() {
		out = append(out, h.Info())
	}
	return out
}

// blockRoutingKey is the serialized partition key (inode, idx) of a
// blocks row: a composite key, each component's length (2 bytes), bytes
// and a 0 byte, as the driver routes it.
func blockRoutingKey(inode gocql.UUID, idx int) []byte {
	k := make([]byte, 0, 2+16+1+2+4+1)
	k = binary.BigEndian.AppendUint16(k, 16)
	k = append(k, inode[:]...)
	k = append(k, 0)
	k = binary.BigEndian.AppendUint16(k, 4)
	k = binary.BigEndian.AppendUint32(k, uint32(int32(idx)))
	return append(k, 0)
}

// blockCopy is one replica's copy of a block.
type blockCopy struct {
	host      string // the replica's address ("" when not read from one replica)
	data      []byte
	crc       int32
	writeTime int64
	missing   bool
	readErr   error // could not be read
	problem   error // missing, bad or unreadable (verifyCopy)
}

// read reads block idx of inode from host (nil: through any coordinator
// at the store's consistency) into buf.
func (rr *replicaReader) read(ctx context.Context, s *Store, host *gocql.HostInfo, inode gocql.UUID, idx int, buf []byte) blockCopy {
	sink := scrubSink{b: buf[:0]}
	c := blockCopy{}
	var q *gocql.Query
	if host != nil {
		c.host = host.ConnectAddress().String()
		q = rr.sess.Query(`SELECT data, crc, writetime(data) FROM blocks WHERE inode = ? AND idx = ?`, inode, idx).
			WithContext(ctx).SetHostID(host.HostID()).Consistency(gocql.One)
	} else {
		q = s.query(ctx, `SELECT data, crc, writetime(data) FROM blocks WHERE inode = ? AND idx = ?`, inode, idx)
	}
	err := q.Idempotent(true).Scan(&sink, &c.crc, &c.writeTime)
	switch {
	case errors.Is(err, gocql.ErrNotFound):
		c.missing = true
	case err != nil:
		c.readErr = err
	}
	c.data = sink.b
	return c
}

// scrubSink receives a block's blob column into a reused buffer.
type scrubSink struct{ b []byte }

func (k *scrubSink) UnmarshalCQL(_ gocql.TypeInfo, data []byte) error {
	k.b = append(k.b[:0], data...)
	return nil
}

// blockPartition is what the host selection policy needs to route a
// block's partition.
type blockPartition struct {
	keyspace string
	key      []byte
}

func (p blockPartition) GetRoutingKey() ([]byte, error) { return p.key, nil }
func (p blockPartition) Keyspace() string               { return p.keyspace }
func (p blockPartition) Table() string                  { return "blocks" }
func (p blockPartition) IsIdempotent() bool             { return true }
func (p blockPartition) GetHostID() string              { return "" }
func (p blockPartition) Statement() gocql.Statement     { return nil }

// noHosts is a host selection policy that picks no host: the fallback
// of the scrubber's token-aware policy, so that it yields replicas only.
type noHosts struct{}

func (noHosts) AddHost(*gocql.HostInfo)                   {}
func (noHosts) RemoveHost(*gocql.HostInfo)                {}
func (noHosts) HostUp(*gocql.HostInfo)                    {}
func (noHosts) HostDown(*gocql.HostInfo)                  {}
func (noHosts) SetPartitioner(string)                     {}
func (noHosts) KeyspaceChanged(gocql.KeyspaceUpdateEvent) {}
func (noHosts) Init(*gocql.Session)                       {}
func (noHosts) IsLocal(*gocql.HostInfo) bool              { return true }
func (noHosts) Pick(gocql.ExecutableStatement) gocql.NextHost {
	return func() gocql.SelectedHost { return nil }
}
