package cassandra

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/internal/testcassandra"
	"github.com/amphora-s3/amphora/store"
)

// biggestChecksum is as long as checksumRoom allows for.
var biggestChecksum = store.Checksum{Algorithm: "CRC64NVME", Type: "FULL_OBJECT", Value: strings.Repeat("A", 44)}

// inlineLimitFor is the largest size up to InlineSize whose inline batch
// stays within InlineBatchLimit, or -1.
func inlineLimitFor(s *Store, b bucketInfo, in store.PutInput) int64 {
	for size := int64(s.cfg.InlineSize); size >= 0; size-- {
		in.Size = size
		row := s.newRow(bucketInfo{}, in, s.newVersion(), 0)
		if inlineBatchBytes(b, in.Key, row, s.newEntry(kindUpload, b, in.Key, row), size, in.ChecksumAlgorithm != "", 1) <= s.cfg.InlineBatchLimit {
			return size
		}
	}
	return -1
}

// TestInlineBatchSizeEstimate: inline PUTs never make Cassandra warn
// about their batch size, whatever the key length and metadata, and the
// estimate is close: a batch estimated 64 bytes over Cassandra's default
// warning threshold does draw the warning.
func TestInlineBatchSizeEstimate(t *testing.T) {
	ctx := context.Background()
	log := testcassandra.SystemLog()
	if log == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("no system.log of the local node: CI runs its own node")
		}
		t.Skip("the ring is not the local node: its log, which has the batch warnings, is out of reach")
	}
	s := newStore(t)
	warnings := logWatcher(t, log, s.cfg.Keyspace)
	mustCreateBucket(t, s, "bs")
	b, err := s.bucket(ctx, "bs")
	if err != nil {
		t.Fatal(err)
	}
	put := func(s *Store, in store.PutInput) store.Object {
		t.Helper()
		data := randomBytes(t, int(in.Size))
		in.Body = bytes.NewReader(data)
		obj, err := s.PutObject(ctx, in)
		if err != nil {
			t.Fatalf("put %d bytes under a %d-byte key: %v", in.Size, len(in.Key), err)
		}
		return obj
	}
	user := map[string]string{"a": strings.Repeat("x", 100), "bb": strings.Repeat("y", 200)}
	for _, keyLen := range []int{1, 40, 100, 400, 1024} {
		for _, meta := range []store.Meta{{}, {ContentType: "text/plain; charset=utf-8", CacheControl: "no-cache", User: user}} {
			for _, sum := range []bool{false, true} {
				in := store.PutInput{Bucket: "bs", Key: strings.Repeat("k", keyLen), Owner: "alice", Meta: meta}
				if sum {
					in.Verify = func() (store.Checksum, error) { return biggestChecksum, nil }
					in.ChecksumAlgorithm = biggestChecksum.Algorithm
				}
				limit := inlineLimitFor(s, b, in)
				if keyLen <= 40 && len(meta.User) == 0 && !sum && limit != int64(s.cfg.InlineSize) {
					t.Fatalf("a %d-byte key and no metadata: only %d bytes inline, want %d", keyLen, limit, s.cfg.InlineSize)
				}
				if limit >= 0 {
					in.Size = limit
					if r := put(s, in).Ref.(ref); r.blockSize != 0 {
						t.Fatalf("%d bytes under a %d-byte key not inline", limit, keyLen)
					}
				}
				if limit+1 <= int64(s.cfg.InlineSize) {
					in.Size = limit + 1
					if r := put(s, in).Ref.(ref); r.blockSize == 0 {
						t.Fatalf("%d bytes under a %d-byte key inline, over the batch limit", limit+1, keyLen)
					}
				}
			}
		}
	}
	if n := warnings(0); n != 0 {
		t.Fatalf("Cassandra warned about %d inline batches", n)
	}

	// Allowed 64 bytes more than Cassandra's threshold (5 KiB), the
	// largest batch draws its warning: the estimate is not far above
	// Cassandra's count.
	over := openStore(t, func() Config { c := s.cfg.Config; c.InlineBatchLimit = DefaultInlineBatchLimit + 64; return c }(), false)
	warnings = logWatcher(t, log, s.cfg.Keyspace)
	in := store.PutInput{Bucket: "bs", Key: "calibration-key", Owner: "alice", ChecksumAlgorithm: biggestChecksum.Algorithm,
		Verify: func() (store.Checksum, error) { return biggestChecksum, nil }}
	for inlineBatchBytesOf(over, b, in, int64(over.cfg.InlineSize)) < int64(over.cfg.InlineBatchLimit)-1 {
		in.Key += "k" // the key counts twice: listing row and queue entry
	}
	if got := inlineBatchBytesOf(over, b, in, int64(over.cfg.InlineSize)); got > int64(over.cfg.InlineBatchLimit) {
		t.Fatalf("calibration batch estimated at %d bytes, want at most %d", got, over.cfg.InlineBatchLimit)
	}
	in.Size = int64(over.cfg.InlineSize)
	if r := put(over, in).Ref.(ref); r.blockSize != 0 {
		t.Fatal("calibration object not inline")
	}
	if n := warnings(1); n != 1 {
		t.Fatalf("a batch estimated 64 bytes over the threshold drew %d warnings, want 1", n)
	}
}

// logWatcher counts Cassandra's batch size warnings about keyspace ks
// logged since its creation; wait(n) gives the log up to 3 s to show n.
func logWatcher(t *testing.T, log, ks string) (wait func(n int) int) {
	t.Helper()
	st, err := os.Stat(log)
	if err != nil {
		t.Fatal(err)
	}
	from := st.Size()
	count := func() int {
		f, err := os.Open(log)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.Seek(from, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		n := 0
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if line := sc.Text(); strings.Contains(line, "BatchStatement") && strings.Contains(line, ks+".") {
				n++
			}
		}
		return n
	}
	return func(want int) int {
		deadline := time.Now().Add(3 * time.Second)
		for {
			n := count()
			if n >= want && want > 0 || time.Now().After(deadline) {
				return n
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

func inlineBatchBytesOf(s *Store, b bucketInfo, in store.PutInput, size int64) int64 {
	in.Size = size
	row := s.newRow(bucketInfo{}, in, s.newVersion(), 0)
	return int64(inlineBatchBytes(b, in.Key, row, s.newEntry(kindUpload, b, in.Key, row), size, in.ChecksumAlgorithm != "", 1))
}
