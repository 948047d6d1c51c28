package cassandra

import (
	"hash/fnv"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// These constants are part of the on-disk format: changing one strands
// existing rows. Listing shard counts live per bucket instead.
const (
	slotSeconds = 60 // GC queue partition width: one minute of due times
	queueShards = 16 // GC queue partitions per slot
)

// newVersion returns a fresh timeuuid whose time, in microseconds, is
// strictly greater than any this Store handed out before, so two versions
// from one frontend never share a write timestamp (see doc.go).
func (s *Store) newVersion() gocql.UUID {
	now := time.Now().UnixMicro()
	for {
		last := s.lastMicros.Load()
		m := max(now, last+1)
		if s.lastMicros.CompareAndSwap(last, m) {
			return gocql.UUIDFromTime(time.UnixMicro(m))
		}
	}
}

// newVersionAfter is newVersion, but also strictly after v (a version
// another frontend made, whose clock may be ahead).
func (s *Store) newVersionAfter(v gocql.UUID) gocql.UUID {
	floor := v.Time().UnixMicro()
	for {
		last := s.lastMicros.Load()
		if last >= floor || s.lastMicros.CompareAndSwap(last, floor) {
			return s.newVersion()
		}
	}
}

// writeTime is the Cassandra write timestamp (µs) of everything that
// carries version v.
func writeTime(v gocql.UUID) int64 { return v.Time().UnixMicro() }

// shardOf maps a key to one of n listing partitions (FNV-1a; on-disk format).
func shardOf(key string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % uint32(n))
}

// slotOf is the GC queue slot holding entries due at t.
func slotOf(t time.Time) int64 { return t.Unix() / slotSeconds }

// slotEnd is the first instant after slot.
func slotEnd(slot int64) time.Time { return time.Unix((slot+1)*slotSeconds, 0) }

// queueShardOf spreads GC entries of one slot over queueShards partitions.
func queueShardOf(inode gocql.UUID) int { return int(inode[15]) % queueShards }

func randomUUID() (gocql.UUID, error) { return gocql.RandomUUID() }
