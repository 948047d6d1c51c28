package cassandra

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"sync"
	"testing"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// A replica's fault, as a blockFaults injects it into the copy a read gets.
const (
	faultNone    = ""
	faultMissing = "missing" // the replica has no row
	faultCorrupt = "corrupt" // a flipped byte: the CRC-32C fails
	faultShort   = "short"   // a truncated copy: the length fails
	faultTamper  = "tamper"  // a flipped byte with the CRC-32C recomputed: only the codec can tell
	faultError   = "error"   // the read fails (a replica down, a timeout)
)

// blockFaults is a fault-injecting test double for one replica: it wraps
// s.blockRow, so the reads of s get the copy pick decides for the
// consistency and block each one asks.
type blockFaults struct {
	mu    sync.Mutex
	reads map[gocql.Consistency]int
}

func injectBlockFaults(s *Store, pick func(c gocql.Consistency, inode gocql.UUID, idx int) string) *blockFaults {
	bf := &blockFaults{reads: map[gocql.Consistency]int{}}
	next := s.blockRow
	s.blockRow = func(ctx context.Context, inode gocql.UUID, idx int, c gocql.Consistency, buf []byte) ([]byte, int32, error) {
		bf.mu.Lock()
		bf.reads[c]++
		bf.mu.Unlock()
		b, crc, err := next(ctx, inode, idx, c, buf)
		if err != nil {
			return b, crc, err
		}
		switch pick(c, inode, idx) {
		case faultMissing:
			return nil, 0, fmt.Errorf("injected: %w", gocql.ErrNotFound)
		case faultCorrupt:
			b[len(b)/2] ^= 0x5a
		case faultShort:
			b = b[:len(b)-1]
		case faultTamper:
			b[len(b)/2] ^= 1
			crc = int32(crc32.Checksum(b, castagnoli))
		case faultError:
			return nil, 0, errors.New("injected: read timed out")
		}
		return b, crc, nil
	}
	return bf
}

func (bf *blockFaults) count(c gocql.Consistency) int {
	bf.mu.Lock()
	defer bf.mu.Unlock()
	return bf.reads[c]
}

// atOne injects fault into the reads at ONE of blocks idxs (every block
// when none is named): the copy one replica holds.
func atOne(s *Store, fault string, idxs ...int) func(gocql.Consistency, gocql.UUID, int) string {
	return func(c gocql.Consistency, _ gocql.UUID, idx int) string {
		if c != s.cfg.blockOne {
			return faultNone
		}
		if len(idxs) == 0 {
			return fault
		}
		for _, i := range idxs {
			if i == idx {
				return fault
			}
		}
		return faultNone
	}
}

func TestBlockReadOneConsistency(t *testing.T) {
	for c, want := range map[gocql.Consistency]gocql.Consistency{
		gocql.LocalQuorum: gocql.LocalOne, gocql.Quorum: gocql.One, gocql.All: gocql.One,
		gocql.One: gocql.One, gocql.LocalOne: gocql.LocalOne, gocql.EachQuorum: gocql.LocalOne, gocql.Two: gocql.One,
	} {
		if got := blockOneConsistency(c); got != want {
			t.Errorf("blockOneConsistency(%s) = %s, want %s", c, got, want)
		}
	}
}

// readOneBlock reads block idx of obj the way the block reader does.
func readOneBlock(t *testing.T, s *Store, obj store.Object, idx int, key *store.SSE) ([]byte, error) {
	t.Helper()
	r := obj.Ref.(ref)
	codec, err := readCodec(r.sse, key, r.inode)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, r.blockSize+maxCodecOverhead)
	data, err := s.readBlock(context.Background(), r, codec, idx, buf)
	return bytes.Clone(data), err
}

// A copy at ONE that is missing, corrupt, short or fails to read is read
// again at the configured consistency, which returns the right bytes; each
// fallback is counted by its reason.
func TestBlockReadOneFallback(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	mustCreateBucket(t, s, "f")
	data := randomBytes(t, 3*testBlockSize+100)
	obj := mustPut(t, s, "f", "x", data)
	var mu sync.Mutex
	fault := faultNone
	bf := injectBlockFaults(s, func(c gocql.Consistency, _ gocql.UUID, _ int) string {
		mu.Lock()
		defer mu.Unlock()
		if c != s.cfg.blockOne {
			return faultNone
		}
		return fault
	})
	for i, f := range []string{faultNone, faultMissing, faultCorrupt, faultShort, faultError} {
		mu.Lock()
		fault = f
		mu.Unlock()
		before := s.BlockReadStats()
		oneBefore, fullBefore := bf.count(s.cfg.blockOne), bf.count(s.cfg.consistency)
		idx := i % 4
		got, err := readOneBlock(t, s, obj, idx, nil)
		if err != nil {
			t.Fatalf("%q at ONE: %v", f, err)
		}
		want := data[idx*testBlockSize : min(len(data), (idx+1)*testBlockSize)]
		if !bytes.Equal(got, want) {
			t.Fatalf("%q at ONE: block %d reads wrong (%d bytes, want %d)", f, idx, len(got), len(want))
		}
		after := s.BlockReadStats()
		if bf.count(s.cfg.blockOne) != oneBefore+1 {
			t.Errorf("%q: %d reads at ONE, want 1", f, bf.count(s.cfg.blockOne)-oneBefore)
		}
		fallbacks := bf.count(s.cfg.consistency) - fullBefore
		wantStat := map[string]uint64{
			faultNone:    after.One - before.One,
			faultMissing: after.FallbackMissing - before.FallbackMissing,
			faultCorrupt: after.FallbackCorrupt - before.FallbackCorrupt,
			faultShort:   after.FallbackCorrupt - before.FallbackCorrupt,
			faultError:   after.FallbackError - before.FallbackError,
		}[f]
		if f == faultNone {
			if fallbacks != 0 || wantStat != 1 {
				t.Errorf("a good copy at ONE: %d fallbacks, One +%d", fallbacks, wantStat)
			}
			continue
		}
		if fallbacks != 1 || wantStat != 1 || after.FallbackFailed != before.FallbackFailed {
			t.Errorf("%q: %d fallback reads, counted +%d, failed +%d; want 1, 1, 0", f, fallbacks, wantStat,
				after.FallbackFailed-before.FallbackFailed)
		}
	}
}

// When the fallback read is bad too, the read fails with the error a read
// at the configured consistency gives: store.ErrCorrupt, never bytes.
func TestBlockReadOneBothBad(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	mustCreateBucket(t, s, "b")
	data := randomBytes(t, 2*testBlockSize)
	obj := mustPut(t, s, "b", "x", data)
	var mu sync.Mutex
	fault := faultNone
	injectBlockFaults(s, func(gocql.Consistency, gocql.UUID, int) string {
		mu.Lock()
		defer mu.Unlock()
		return fault
	})
	for _, f := range []string{faultMissing, faultCorrupt, faultShort} {
		mu.Lock()
		fault = f
		mu.Unlock()
		before := s.BlockReadStats()
		got, err := readOneBlock(t, s, obj, 1, nil)
		if !errors.Is(err, store.ErrCorrupt) || len(got) != 0 {
			t.Errorf("%q everywhere: %d bytes, error %v; want ErrCorrupt", f, len(got), err)
		}
		if f == faultMissing && !errors.Is(err, errBlockMissing) {
			t.Errorf("missing everywhere: %v does not say the block is missing", err)
		}
		if after := s.BlockReadStats(); after.FallbackFailed != before.FallbackFailed+1 {
			t.Errorf("%q everywhere: FallbackFailed +%d, want 1", f, after.FallbackFailed-before.FallbackFailed)
		}
		// Through a GET: the bytes before the bad block, then ErrCorrupt.
		rc, err := s.ReadObject(context.Background(), obj, 0, -1)
		if err != nil {
			t.Fatal(err)
		}
		got, err = io.ReadAll(rc)
		rc.Close()
		if !errors.Is(err, store.ErrCorrupt) {
			t.Errorf("%q everywhere: GET error %v, want ErrCorrupt", f, err)
		}
		if !bytes.Equal(got, data[:len(got)]) || len(got) > testBlockSize {
			t.Errorf("%q everywhere: GET delivered %d bytes, not a prefix before the bad block", f, len(got))
		}
	}
	// An error at both consistencies is the error of the second read.
	mu.Lock()
	fault = faultError
	mu.Unlock()
	if _, err := readOneBlock(t, s, obj, 0, nil); err == nil || errors.Is(err, store.ErrCorrupt) {
		t.Errorf("a failing read everywhere: %v, want the read error", err)
	}
}

// A GET of a multi-block object (whole and ranged, plain and multipart)
// whose blocks at ONE are missing or corrupt returns exactly its bytes.
func TestBlockReadOneGET(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	mustCreateBucket(t, s, "g")
	data := randomBytes(t, 6*testBlockSize+1234)
	obj := mustPut(t, s, "g", "x", data)
	faults := map[int]string{1: faultCorrupt, 3: faultMissing, 4: faultShort, 6: faultError}
	injectBlockFaults(s, func(c gocql.Consistency, inode gocql.UUID, idx int) string {
		if c != s.cfg.blockOne || inode != obj.Ref.(ref).inode {
			return faultNone
		}
		return faults[idx]
	})
	for _, rg := range [][2]int64{{0, -1}, {100, 3 * testBlockSize}, {3*testBlockSize - 1, 2}, {6 * testBlockSize, -1}} {
		got := mustRead(t, s, obj, rg[0], rg[1])
		end := int64(len(data))
		if rg[1] >= 0 {
			end = rg[0] + rg[1]
		}
		if !bytes.Equal(got, data[rg[0]:end]) {
			t.Errorf("GET %d+%d: %d bytes, wrong or short (want %d)", rg[0], rg[1], len(got), end-rg[0])
		}
	}
	st := s.BlockReadStats()
	if st.FallbackMissing == 0 || st.FallbackCorrupt == 0 || st.FallbackError == 0 || st.FallbackFailed != 0 {
		t.Errorf("stats %+v: want fallbacks of every kind and no failure", st)
	}
}

// A sealed (SSE-C) block whose copy at ONE fails authentication (its CRC
// recomputed, so only the cipher can tell) is read again and opens.
func TestBlockReadOneSSETampered(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	mustCreateBucket(t, s, "s")
	k := &store.SSE{Key: bytes.Repeat([]byte{3}, store.SSEKeySize)}
	data := randomBytes(t, 3*testBlockSize)
	obj, err := s.PutObject(ctx, store.PutInput{Bucket: "s", Key: "x", Owner: "o", Size: int64(len(data)),
		Body: bytes.NewReader(data), SSE: k})
	if err != nil {
		t.Fatal(err)
	}
	injectBlockFaults(s, atOne(s, faultTamper))
	obj.SSEKey = k
	if got := mustRead(t, s, obj, 0, -1); !bytes.Equal(got, data) {
		t.Fatalf("SSE-C GET with tampered copies at ONE: %d bytes, wrong", len(got))
	}
	if st := s.BlockReadStats(); st.FallbackCorrupt != 3 {
		t.Errorf("FallbackCorrupt %d, want 3", st.FallbackCorrupt)
	}
}

// With DisableBlockReadOne every block is read at the configured
// consistency, once.
func TestBlockReadOneOff(t *testing.T) {
	t.Parallel()
	s := newStore(t, func(c *Config) { c.DisableBlockReadOne = true })
	mustCreateBucket(t, s, "o")
	data := randomBytes(t, 3*testBlockSize)
	obj := mustPut(t, s, "o", "x", data)
	bf := injectBlockFaults(s, func(gocql.Consistency, gocql.UUID, int) string { return faultNone })
	if got := mustRead(t, s, obj, 0, -1); !bytes.Equal(got, data) {
		t.Fatal("read wrong")
	}
	if n, one := bf.count(s.cfg.consistency), bf.count(s.cfg.blockOne); n != 3 || one != 0 {
		t.Errorf("%d reads at %s and %d at %s, want 3 and 0", n, s.cfg.consistency, one, s.cfg.blockOne)
	}
	if st := s.BlockReadStats(); st != (BlockReadStats{}) {
		t.Errorf("stats %+v with block reads at ONE off", st)
	}
}
