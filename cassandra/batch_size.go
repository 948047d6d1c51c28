package cassandra

import (
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// Cassandra checks the size of every batch that spans partitions
// (BatchStatement.verifyBatchSize): above batch_size_warn_threshold (5 KiB
// by default) it logs a warning for each such batch, above
// batch_size_fail_threshold (50 KiB) it refuses it. The size it checks is
// the data of the mutations: for each cell its value plus 20 bytes
// (timestamp, TTL, local deletion time), for each row its clustering
// values, and about 72 bytes per single-row partition (liveness info, row
// and partition deletion times, the empty static row); partition keys do
// not count. These constants were measured against Cassandra 5.0's
// warnings (TestInlineBatchSizeEstimate checks them, within 2 bytes).

const (
	cellOverhead      = 20
	partitionOverhead = 72
)

// checksumRoom is the most an additional checksum adds to a version row:
// algorithm, type and a base64 SHA-256, with their cell overhead.
const checksumRoom = 3*cellOverhead + len("CRC64NVME") + len("FULL_OBJECT") + 44

// inlineBatchBytes is what Cassandra will count for the inline batch of
// row (whose data is not read yet: size bytes, and its checksum not known
// yet: room for the largest when withSum), its listing rows (two while
// the key's range moves: listingRows) and queue entry.
func inlineBatchBytes(b bucketInfo, key string, row versionRow, e *gcEntry, size int64, withSum bool, listingRows int) int {
	n := rowBytes(row.values(), 0, 1) + int(size) + cellOverhead // the bytes
	n += 4 + cellOverhead                                        // their CRC (set once they are in)
	if withSum {
		n += checksumRoom
	}
	n += listingRows * rowBytes(listingValues(b, 0, key, row), 2, 1)
	n += rowBytes(e.values(), 2, 2)
	return n
}

// rowBytes counts one row's data from its bound values: skip partition
// key values, then clustering values, then regular cells.
func rowBytes(vals []any, skip, clustering int) int {
	n := partitionOverhead
	for i, v := range vals[skip:] {
		size, set := valueBytes(v)
		if !set {
			continue
		}
		n += size
		if i >= clustering {
			n += cellOverhead
		}
	}
	return n
}

// valueBytes is the serialized size of a bound value, false if unset.
func valueBytes(v any) (int, bool) {
	switch v := v.(type) {
	case nil:
		return 0, true // a null cell (a tombstone) still counts its overhead
	case string:
		return len(v), true
	case []byte:
		return len(v), true
	case gocql.UUID:
		return 16, true
	case int64, time.Time:
		return 8, true
	case int, int32:
		return 4, true
	case int8:
		return 1, true
	case map[string]string:
		n := 0
		for k, x := range v {
			n += len(k) + len(x) + cellOverhead // each entry is a cell keyed by its path
		}
		return n, true
	}
	if v == gocql.UnsetValue {
		return 0, false
	}
	return 64, true // unknown: count generously
}
