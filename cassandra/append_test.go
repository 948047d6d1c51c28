package cassandra

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

func mustAppend(t testing.TB, s *Store, bucket, key string, pos int64, data []byte) store.Object {
	t.Helper()
	obj, err := s.AppendObject(context.Background(), store.AppendInput{Bucket: bucket, Key: key, Owner: "alice",
		Position: pos, Size: int64(len(data)), Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatalf("AppendObject %s/%s at %d: %v", bucket, key, pos, err)
	}
	return obj
}

// chainBlocks counts the stored blocks of every segment chain claimed.
func chainBlocks(t testing.TB, s *Store, chain gocql.UUID, segs []segmentRow) int {
	t.Helper()
	n := 0
	for _, g := range segs {
		n += countBlocks(t, s, g.inode, blocksOf(int(g.size)))
	}
	return n
}

func mustSegments(t testing.TB, s *Store, chain gocql.UUID) []segmentRow {
	t.Helper()
	segs, err := s.segments(context.Background(), chain, 0, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	return segs
}

// TestAppendConsistentPrefix: 1,000 small appends from one writer while
// a reader keeps reading: every HEAD's size is the length of the bytes
// its GET returns, those bytes are exactly the first bytes of the final
// object, a ranged read of the tail agrees, and the listing only ever
// shows a size and ETag some append returned.
func TestAppendConsistentPrefix(t *testing.T) {
	s := newStore(t, func(c *Config) { c.GCGrace = time.Minute }) // a loaded node must not fail appends
	ctx := context.Background()
	mustCreateBucket(t, s, "prefix")
	const appends = 1000
	var final []byte
	chunks := make([][]byte, appends)
	for i := range chunks {
		chunks[i] = randomBytes(t, 1+(i*37)%250) // about 125 KB: crosses block boundaries
		final = append(final, chunks[i]...)
	}
	var (
		done               atomic.Bool
		wg                 sync.WaitGroup
		reads              atomic.Int64
		overloads, retries atomic.Int64
		mu                 sync.Mutex
		listed             = map[string]int64{}
		results            = map[string]int64{}
	)
	fail := make(chan string, 10)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !done.Load() {
			obj, err := s.HeadObject(ctx, "prefix", "log")
			if errors.Is(err, store.ErrNoSuchKey) || Overloaded(err) {
				continue
			}
			if err != nil {
				fail <- fmt.Sprintf("HeadObject: %v", err)
				return
			}
			got, err := readAppendable(s, obj, 0, -1)
			if Overloaded(err) {
				overloads.Add(1)
				continue
			}
			if err != nil {
				fail <- fmt.Sprintf("read: %v", err)
				return
			}
			if int64(len(got)) != obj.Size || !bytes.Equal(got, final[:len(got)]) {
				fail <- fmt.Sprintf("read %d bytes for a HEAD size of %d, or not a prefix of the final bytes", len(got), obj.Size)
				return
			}
			if obj.Size > 10 {
				tail, err := readAppendable(s, obj, obj.Size-10, 10)
				if err != nil && !Overloaded(err) {
					fail <- fmt.Sprintf("read tail: %v", err)
					return
				}
				if err == nil && !bytes.Equal(tail, final[obj.Size-10:obj.Size]) {
					fail <- fmt.Sprintf("tail of %d bytes differs", obj.Size)
					return
				}
			}
			res, err := s.ListObjects(ctx, store.ListInput{Bucket: "prefix", MaxKeys: 10})
			if Overloaded(err) {
				continue
			}
			if err != nil {
				fail <- fmt.Sprintf("ListObjects: %v", err)
				return
			}
			mu.Lock()
			for _, o := range res.Objects {
				listed[o.ETag] = o.Size
			}
			mu.Unlock()
			reads.Add(1)
		}
	}()
	start := time.Now()
	var pos int64
	for i, c := range chunks {
		obj, err := appendRetrying(s, "prefix", "log", pos, c, &retries)
		if err != nil {
			t.Fatalf("append %d at %d: %v", i, pos, err)
		}
		pos += int64(len(c))
		if obj.Size != pos {
			t.Fatalf("append %d: size %d, want %d", i, obj.Size, pos)
		}
		mu.Lock()
		results[obj.ETag] = obj.Size
		mu.Unlock()
		select {
		case msg := <-fail:
			t.Fatalf("after %d appends: %s", i+1, msg)
		default:
		}
	}
	took := time.Since(start)
	done.Store(true)
	wg.Wait()
	select {
	case msg := <-fail:
		t.Fatal(msg)
	default:
	}
	obj, err := s.HeadObject(ctx, "prefix", "log")
	if err != nil || obj.Size != int64(len(final)) || obj.ETag != fmt.Sprintf("%s-%d", obj.ETag[:32], appends) {
		t.Fatalf("final HeadObject: %+v, %v", obj, err)
	}
	getStart := time.Now()
	if got := mustRead(t, s, obj, 0, -1); !bytes.Equal(got, final) {
		t.Fatalf("final read differs")
	}
	t.Logf("GET of the %d-segment object: %s", appends, time.Since(getStart).Round(time.Millisecond))
	for etag, size := range listed {
		if want, ok := results[etag]; !ok || want != size {
			t.Errorf("listing showed etag %s size %d, no append returned it (%d)", etag, size, want)
		}
	}
	if reads.Load() < 10 {
		t.Errorf("the reader only completed %d rounds", reads.Load())
	}
	t.Logf("%d appends of %d bytes in %s (%.1f ms each, %d retried after overload), %d consistent reads meanwhile (%d overloaded)",
		appends, len(final), took.Round(time.Millisecond), float64(took.Milliseconds())/appends, retries.Load(), reads.Load(), overloads.Load())
}

// readAppendable reads bytes [off, off+n) of obj.
func readAppendable(s *Store, obj store.Object, off, n int64) ([]byte, error) {
	rc, err := s.ReadObject(context.Background(), obj, off, n)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var buf bytes.Buffer
	_, err = buf.ReadFrom(rc)
	return buf.Bytes(), err
}

// appendRetrying appends as a client of a loaded store does: an append
// failing with an overload error is retried, and a retry refused with
// the position just past its own bytes means the first try was claimed.
func appendRetrying(s *Store, bucket, key string, pos int64, data []byte, retries *atomic.Int64) (store.Object, error) {
	ctx := context.Background()
	var lastErr error
	for range 5 {
		obj, err := s.AppendObject(ctx, store.AppendInput{Bucket: bucket, Key: key, Owner: "alice",
			Position: pos, Size: int64(len(data)), Body: bytes.NewReader(data)})
		var pe *store.PositionError
		switch {
		case err == nil:
			return obj, nil
		case errors.As(err, &pe) && lastErr != nil && pe.Length == pos+int64(len(data)):
			return store.Object{Size: pe.Length, ETag: "(claimed by an earlier try)"}, nil
		case Overloaded(err) || errors.Is(err, store.ErrSlowDown):
			retries.Add(1)
			lastErr = err
			time.Sleep(100 * time.Millisecond)
		default:
			return obj, err
		}
	}
	return store.Object{}, lastErr
}

// TestAppendGC: while an appendable object lives no sweeper pass
// reclaims a block of it, a failed append's blob is reclaimed (its index
// fenced, the next append at the same position works), and once the
// object is overwritten or deleted every block of every segment goes,
// with the chain's rows.
func TestAppendGC(t *testing.T) {
	s := newStore(t, func(c *Config) { c.noEagerCleanup = true })
	ctx := context.Background()
	mustCreateBucket(t, s, "agc")
	sizes := []int{testBlockSize + 10, 100, 2 * testBlockSize, 1, testBlockSize - 1}
	chains := map[string]gocql.UUID{}
	contents := map[string][]byte{}
	for _, k := range []string{"over", "del"} {
		var data []byte
		for _, n := range sizes {
			c := randomBytes(t, n)
			mustAppend(t, s, "agc", k, int64(len(data)), c)
			data = append(data, c...)
		}
		obj, err := s.HeadObject(ctx, "agc", k)
		if err != nil {
			t.Fatal(err)
		}
		chains[k], contents[k] = inodeOf(t, obj), data
	}
	// A failed append (bad digest): its blob stays for the sweeper.
	wrong := md5.Sum([]byte("other"))
	bad := randomBytes(t, testBlockSize+5)
	_, err := s.AppendObject(ctx, store.AppendInput{Bucket: "agc", Key: "over", Owner: "alice", Position: int64(len(contents["over"])),
		Size: int64(len(bad)), ContentMD5: wrong[:], Body: bytes.NewReader(bad)})
	if !errors.Is(err, store.ErrBadDigest) {
		t.Fatalf("append with a bad digest: %v", err)
	}
	var failed gcEntry
	for _, e := range queued(t, s, "over") {
		if e.kind == kindAppend && e.part == len(sizes)+1 {
			failed = e
		}
	}
	if failed.inode == (gocql.UUID{}) || countBlocks(t, s, failed.inode, 2) != 2 {
		t.Fatalf("failed append: intent %+v, or its blocks not stored", failed)
	}

	want := 0
	for _, n := range sizes {
		want += blocksOf(n)
	}
	for pass := range 3 {
		sweepAfterGrace(t, s)
		for k, chain := range chains {
			if n := chainBlocks(t, s, chain, mustSegments(t, s, chain)); n != want {
				t.Fatalf("pass %d: %s: %d of %d blocks left while it lives", pass, k, n, want)
			}
			obj, err := s.HeadObject(ctx, "agc", k)
			if err != nil || !bytes.Equal(mustRead(t, s, obj, 0, -1), contents[k]) {
				t.Fatalf("pass %d: %s unreadable or changed: %v", pass, k, err)
			}
		}
	}
	if n := countBlocks(t, s, failed.inode, 2); n != 0 {
		t.Errorf("the failed append's blob kept %d blocks", n)
	}
	segs := mustSegments(t, s, chains["over"])
	if len(segs) != len(sizes)+1 || segs[len(sizes)].inode != (gocql.UUID{}) || segs[len(sizes)].size != 0 {
		t.Fatalf("the failed append's index was not fenced: %+v", segs)
	}
	// The fence is an empty segment: the next append at that position works.
	tail := randomBytes(t, 300)
	obj := mustAppend(t, s, "agc", "over", int64(len(contents["over"])), tail)
	contents["over"] = append(contents["over"], tail...)
	if got := mustRead(t, s, obj, 0, -1); !bytes.Equal(got, contents["over"]) || obj.ETag[33:] != fmt.Sprint(len(sizes)+2) {
		t.Fatalf("append after a fence: %d bytes, etag %s", len(got), obj.ETag)
	}
	segsOver := mustSegments(t, s, chains["over"])
	segsDel := mustSegments(t, s, chains["del"])
	want += blocksOf(len(tail))

	mustPut(t, s, "agc", "over", []byte("replaced"))
	if _, err := s.DeleteObject(ctx, "agc", "del"); err != nil {
		t.Fatal(err)
	}
	for pass := 0; ; pass++ {
		sweepAfterGrace(t, s)
		no, nd := chainBlocks(t, s, chains["over"], segsOver), chainBlocks(t, s, chains["del"], segsDel)
		if no == 0 && nd == 0 {
			break
		}
		if pass == 4 {
			t.Fatalf("after %d passes: %d and %d blocks of the dead chains left", pass+1, no, nd)
		}
	}
	for k, chain := range chains {
		if segs := mustSegments(t, s, chain); len(segs) != 0 {
			t.Errorf("%s: chain rows left: %d", k, len(segs))
		}
	}
	sweepAfterGrace(t, s)
	for _, k := range []string{"over", "del"} {
		if q := queued(t, s, k); len(q) != 0 {
			t.Errorf("%s: queue still holds %+v", k, q)
		}
	}
	if got := mustRead(t, s, mustHead(t, s, "agc", "over"), 0, -1); string(got) != "replaced" {
		t.Errorf("overwritten object reads %q", got)
	}
}

func mustHead(t testing.TB, s *Store, bucket, key string) store.Object {
	t.Helper()
	obj, err := s.HeadObject(context.Background(), bucket, key)
	if err != nil {
		t.Fatalf("HeadObject %s/%s: %v", bucket, key, err)
	}
	return obj
}

// TestAppendRaceMany: rounds of appenders racing at the same position on
// one object: each round exactly one wins, the others learn its length,
// and the object ends as the winners' bytes in order.
func TestAppendRaceMany(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	mustCreateBucket(t, s, "arace")
	var want []byte
	for round := range 8 {
		const racers = 3
		var (
			wg   sync.WaitGroup
			errs [racers]error
			data [racers][]byte
		)
		pos := int64(len(want))
		for i := range racers {
			data[i] = randomBytes(t, 10+i)
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = s.AppendObject(ctx, store.AppendInput{Bucket: "arace", Key: "k", Owner: "alice",
					Position: pos, Size: int64(len(data[i])), Body: bytes.NewReader(data[i])})
			}()
		}
		wg.Wait()
		winners := 0
		for i, err := range errs {
			if err == nil {
				winners++
				want = append(want, data[i]...)
			}
		}
		if winners != 1 {
			t.Fatalf("round %d: %d winners: %v", round, winners, errs)
		}
		for _, err := range errs {
			var pe *store.PositionError
			if err != nil && (!errors.As(err, &pe) || pe.Length != int64(len(want))) {
				t.Fatalf("round %d: loser's error %v, want length %d", round, err, len(want))
			}
		}
	}
	if got := mustRead(t, s, mustHead(t, s, "arace", "k"), 0, -1); !bytes.Equal(got, want) {
		t.Fatalf("final object: %d bytes, want the winners' %d", len(got), len(want))
	}
}

// TestAppendLimits: the tip refuses an append past MaxAppends appends or
// MaxObjectSize bytes in all (decided before the body is read), a wrong
// position with the length, and a normal object. No Cassandra needed.
func TestAppendLimits(t *testing.T) {
	chain := gocql.TimeUUID()
	cur := versionRow{inode: chain, uploadID: chain, parts: 3, size: 100}
	in := store.AppendInput{Key: "k", Position: 100, Size: 10}
	tip := chainTip{cur: &cur, idx: 3, length: 100}
	if err := tip.check(in); err != nil {
		t.Fatalf("a valid append: %v", err)
	}
	full := tip
	full.idx = store.MaxAppends
	if err := full.check(in); !errors.Is(err, store.ErrEntityTooLarge) {
		t.Errorf("append %d: %v, want ErrEntityTooLarge", store.MaxAppends+1, err)
	}
	big := in
	big.Size = store.MaxObjectSize - 99
	if err := tip.check(big); !errors.Is(err, store.ErrEntityTooLarge) {
		t.Errorf("append past MaxObjectSize: %v, want ErrEntityTooLarge", err)
	}
	big.Size--
	if err := tip.check(big); err != nil {
		t.Errorf("append to exactly MaxObjectSize: %v", err)
	}
	wrong := in
	wrong.Position = 99
	var pe *store.PositionError
	if err := tip.check(wrong); !errors.As(err, &pe) || pe.Length != 100 {
		t.Errorf("wrong position: %v", err)
	}
	plain := versionRow{inode: gocql.TimeUUID(), size: 100, blockSize: 1 << 20}
	if err := (chainTip{cur: &plain, length: 100}).check(in); !errors.Is(err, store.ErrObjectNotAppendable) {
		t.Errorf("normal object: %v", err)
	}
}

// TestAppendStuckClaim: an appender that dies between its claim and its
// commit leaves a claimed segment no version covers yet: HEAD shows the
// shorter object, an append at that length is told the longer one, and
// the next append at the longer length commits a version covering both.
func TestAppendStuckClaim(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	mustCreateBucket(t, s, "stuck")
	first := randomBytes(t, testBlockSize+3)
	obj := mustAppend(t, s, "stuck", "k", 0, first)
	b, err := s.bucket(ctx, "stuck")
	if err != nil {
		t.Fatal(err)
	}
	tip, err := s.readTip(ctx, b, "k")
	if err != nil {
		t.Fatal(err)
	}
	// The dead appender: its blob and claim, no version.
	orphan := randomBytes(t, 500)
	inode := gocql.TimeUUID()
	sum, _, _, err := s.writeBlocks(ctx, inode, plainCodec{}, bytes.NewReader(orphan), int64(len(orphan)), nil)
	if err != nil {
		t.Fatal(err)
	}
	seg := segmentRow{idx: 2, inode: inode, size: int64(len(orphan)), start: obj.Size, blockSize: testBlockSize,
		etag: fmt.Sprintf("%x", store.AppendDigest(tip.digest, sum)), version: s.newVersionAfter(tip.newest)}
	if applied, err := s.claimSegment(ctx, inodeOf(t, obj), seg); err != nil || !applied {
		t.Fatalf("claim: %v, %v", applied, err)
	}
	if h := mustHead(t, s, "stuck", "k"); h.Size != obj.Size {
		t.Fatalf("HEAD shows %d bytes before a version covers the claim, want %d", h.Size, obj.Size)
	}
	_, err = s.AppendObject(ctx, store.AppendInput{Bucket: "stuck", Key: "k", Owner: "alice", Position: obj.Size, Size: 1, Body: bytes.NewReader([]byte("x"))})
	var pe *store.PositionError
	if !errors.As(err, &pe) || pe.Length != obj.Size+int64(len(orphan)) {
		t.Fatalf("append at the committed length: %v, want the claimed length %d", err, obj.Size+int64(len(orphan)))
	}
	last := []byte("after the stuck claim")
	got := mustAppend(t, s, "stuck", "k", pe.Length, last)
	want := append(append(append([]byte(nil), first...), orphan...), last...)
	if got.Size != int64(len(want)) || !strings.HasSuffix(got.ETag, "-3") {
		t.Fatalf("append after the stuck claim: size %d etag %s", got.Size, got.ETag)
	}
	if data := mustRead(t, s, mustHead(t, s, "stuck", "k"), 0, -1); !bytes.Equal(data, want) {
		t.Fatalf("read after the stuck claim: %d bytes, want %d", len(data), len(want))
	}
}
