package cassandra

import (
	"bytes"
	"context"
	"hash/crc32"
	"sync"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// scrubTestConfig gives uploads a grace period that a busy test machine
// cannot outlast (testConfig's second fails a 5 MiB part under load).
func scrubTestConfig(c *Config) { c.GCGrace = time.Minute }

// scrubReports runs Scrub and returns its stats and every report by key.
func scrubReports(t *testing.T, s *Store, o ScrubOptions) (ScrubStats, map[string]ScrubObject) {
	t.Helper()
	var mu sync.Mutex
	reps := map[string]ScrubObject{}
	o.Report = func(r ScrubObject) {
		mu.Lock()
		reps[r.Key] = r
		mu.Unlock()
	}
	st, err := s.Scrub(context.Background(), o)
	if err != nil {
		t.Fatalf("Scrub: %v", err)
	}
	return st, reps
}

// writeBlockRow writes block idx of inode straight into the blocks table
// with crc (nil: the CRC-32C of data, a fixed-up CRC).
func writeBlockRow(t *testing.T, q func(string, ...any) *gocql.Query, inode gocql.UUID, idx int, data []byte, crc *int32) {
	t.Helper()
	c := int32(crc32.Checksum(data, castagnoli))
	if crc != nil {
		c = *crc
	}
	if err := q(`INSERT INTO blocks (inode, idx, data, crc) VALUES (?, ?, ?, ?)`, inode, idx, data, c).Exec(); err != nil {
		t.Fatalf("write block %d of %s: %v", idx, inode, err)
	}
}

func storedCRC(t *testing.T, s *Store, inode gocql.UUID, idx int) int32 {
	t.Helper()
	var crc int32
	if err := s.sess.Query(`SELECT crc FROM blocks WHERE inode = ? AND idx = ?`, inode, idx).Scan(&crc); err != nil {
		t.Fatal(err)
	}
	return crc
}

// TestScrubSingleNode: what one node can show. Healthy objects of every
// kind are healthy; a block with bad bytes (its old CRC, or a fixed-up
// CRC), a short block and a missing block, a multipart part's missing
// block and a rotten inline value are damaged beyond repair, with their
// object's name; nothing is rewritten.
func TestScrubSingleNode(t *testing.T) {
	s := newStore(t, scrubTestConfig)
	ctx := context.Background()
	mustCreateBucket(t, s, "scrub")
	size := 3*testBlockSize + 100
	objs := map[string]store.Object{}
	for _, k := range []string{"healthy", "bad-crc", "fixed-crc", "short", "missing", "empty"} {
		n := size
		if k == "empty" {
			n = 0
		}
		objs[k] = mustPut(t, s, "scrub", k, randomBytes(t, n))
	}
	objs["inline"] = mustPut(t, s, "scrub", "inline", randomBytes(t, 100))
	objs["inline-rot"] = mustPut(t, s, "scrub", "inline-rot", randomBytes(t, 100))
	sseKey := &store.SSE{Key: bytes.Repeat([]byte{7}, store.SSEKeySize)}
	for _, k := range []string{"sse", "sse-rot"} {
		data := randomBytes(t, size)
		obj, err := s.PutObject(ctx, store.PutInput{Bucket: "scrub", Key: k, Owner: "alice", Size: int64(len(data)),
			Body: bytes.NewReader(data), SSE: sseKey})
		if err != nil {
			t.Fatal(err)
		}
		objs[k] = obj
	}
	for _, k := range []string{"mpu", "mpu-rot"} {
		u, err := s.CreateMultipartUpload(ctx, store.CreateUploadInput{Bucket: "scrub", Key: k, Owner: "alice"})
		if err != nil {
			t.Fatal(err)
		}
		var parts []store.CompletedPart
		for n, sz := range []int{store.MinPartSize, testBlockSize + 7} {
			p, err := s.UploadPart(ctx, store.PartInput{Bucket: "scrub", Key: k, UploadID: u.UploadID, PartNumber: n + 1,
				Size: int64(sz), Body: bytes.NewReader(randomBytes(t, sz))})
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, store.CompletedPart{PartNumber: p.PartNumber, ETag: p.ETag})
		}
		obj, err := s.CompleteMultipartUpload(ctx, store.CompleteInput{Bucket: "scrub", Key: k, UploadID: u.UploadID, Parts: parts})
		if err != nil {
			t.Fatal(err)
		}
		objs[k] = obj
	}

	if _, reps := scrubReports(t, s, ScrubOptions{Bucket: "scrub"}); len(reps) != len(objs) {
		t.Fatalf("%d reports, want %d: %v", len(reps), len(objs), reps)
	} else {
		for k, r := range reps {
			if r.Result != ScrubHealthy {
				t.Errorf("%s before any damage: %s %v", k, r.Result, r.Problems)
			}
		}
		if r := reps["healthy"]; r.Blocks[ScrubHealthy] != 4 || r.Replicas != 1 {
			t.Errorf("healthy: blocks %v, replicas %d, want 4 healthy blocks on 1 replica", r.Blocks, r.Replicas)
		}
	}

	q := func(stmt string, args ...any) *gocql.Query { return s.sess.Query(stmt, args...) }
	bad := randomBytes(t, testBlockSize)
	in := func(k string) gocql.UUID { return inodeOf(t, objs[k]) }
	old := storedCRC(t, s, in("bad-crc"), 1)
	writeBlockRow(t, q, in("bad-crc"), 1, bad, &old)      // bad bytes, the old CRC
	writeBlockRow(t, q, in("fixed-crc"), 2, bad, nil)     // bad bytes, a CRC that matches them
	writeBlockRow(t, q, in("short"), 0, bad[:1000], nil)  // a short block, its CRC fixed up
	writeBlockRow(t, q, in("sse-rot"), 0, bad[:100], nil) // sealed blocks have a length too
	if err := q(`DELETE FROM blocks WHERE inode = ? AND idx = ?`, in("missing"), 3).Exec(); err != nil {
		t.Fatal(err)
	}
	// The multipart object's second part: its only block goes.
	var part2 gocql.UUID
	if err := q(`SELECT inode FROM manifests WHERE manifest = ? AND idx = 2`, in("mpu-rot")).Scan(&part2); err != nil {
		t.Fatal(err)
	}
	if err := q(`DELETE FROM blocks WHERE inode = ? AND idx = 0`, part2).Exec(); err != nil {
		t.Fatal(err)
	}
	b, err := s.bucket(ctx, "scrub")
	if err != nil {
		t.Fatal(err)
	}
	if err := q(`UPDATE versions SET data = ? WHERE bucket_id = ? AND key = ? AND version = ?`,
		randomBytes(t, 100), b.id, []byte("inline-rot"), vid(objs["inline-rot"])).Exec(); err != nil {
		t.Fatal(err)
	}

	st, reps := scrubReports(t, s, ScrubOptions{Bucket: "scrub"})
	want := map[string]ScrubResult{"healthy": ScrubHealthy, "empty": ScrubHealthy, "inline": ScrubHealthy, "sse": ScrubHealthy,
		"mpu": ScrubHealthy, "bad-crc": ScrubDamaged, "fixed-crc": ScrubDamaged, "short": ScrubDamaged, "missing": ScrubDamaged,
		"sse-rot": ScrubDamaged, "mpu-rot": ScrubDamaged, "inline-rot": ScrubDamaged}
	for k, w := range want {
		r, ok := reps[k]
		if !ok {
			t.Errorf("no report on %s", k)
			continue
		}
		if r.Result != w || r.Bucket != "scrub" || r.Key != k {
			t.Errorf("%s: %s/%s %s %v, want %s", k, r.Bucket, r.Key, r.Result, r.Problems, w)
		}
		if w == ScrubDamaged && len(r.Problems) == 0 {
			t.Errorf("%s damaged without a problem said", k)
		}
		t.Logf("%s: %s %v", k, r.Result, r.Problems)
	}
	if st.Objects[ScrubDamaged] != 7 || st.Objects[ScrubHealthy] != 5 || st.Blocks[ScrubDamaged] != 5 {
		t.Errorf("stats %+v, want 7 damaged and 5 healthy objects, 5 damaged blocks (crc, short, sealed, missing, part)", st)
	}
	// Nothing to heal from on one replica: the bad bytes are still there.
	var got []byte
	if err := q(`SELECT data FROM blocks WHERE inode = ? AND idx = 1`, in("bad-crc")).Scan(&got); err != nil || !bytes.Equal(got, bad) {
		t.Errorf("bad block rewritten (err %v)", err)
	}
	if st.Position != "" || st.Keys != len(objs) {
		t.Errorf("position %q after %d keys, want the end after %d", st.Position, st.Keys, len(objs))
	}
}

// TestScrubVersions: every live version is scrubbed, delete markers
// are not, and the garbage null versions the sweeper will remove are
// skipped.
func TestScrubVersions(t *testing.T) {
	s := newStore(t, scrubTestConfig)
	ctx := context.Background()
	mustCreateBucket(t, s, "vers")
	if err := s.SetBucketSetting(ctx, "vers", store.SettingVersioning, store.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, "vers", "k", randomBytes(t, testBlockSize+1))
	mustPut(t, s, "vers", "k", randomBytes(t, 10))
	if _, err := s.DeleteObject(ctx, "vers", "k"); err != nil {
		t.Fatal(err)
	}
	var n int
	st, err := s.Scrub(ctx, ScrubOptions{Report: func(r ScrubObject) {
		n++
		if r.Result != ScrubHealthy || r.Key != "k" {
			t.Errorf("report %+v", r)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || st.Blocks[ScrubHealthy] != 2 {
		t.Errorf("%d versions, %v blocks; want 2 versions, 2 healthy blocks", n, st.Blocks)
	}
}

// TestScrubRate: the read rate bound holds (roughly), and scrubbing
// unbounded is measured.
func TestScrubRate(t *testing.T) {
	s := newStore(t, scrubTestConfig)
	mustCreateBucket(t, s, "rate")
	total := 0
	for i := range 6 {
		data := randomBytes(t, 8*testBlockSize) // 512 KiB
		mustPut(t, s, "rate", key(i), data)
		total += len(data)
	}
	st, _ := scrubReports(t, s, ScrubOptions{})
	t.Logf("unbounded: %d bytes in %v: %.1f MB/s", st.BytesRead, st.Took, float64(st.BytesRead)/st.Took.Seconds()/1e6)
	if st.BytesRead != int64(total) {
		t.Fatalf("read %d bytes, want %d", st.BytesRead, total)
	}
	const rate = 1.0 // MB/s: 3 MiB take 3.1 s
	st, _ = scrubReports(t, s, ScrubOptions{RateMB: rate})
	want := time.Duration(float64(total) / (rate * 1e6) * float64(time.Second))
	t.Logf("at %.1f MB/s: %d bytes in %v (%.2f MB/s)", rate, st.BytesRead, st.Took, float64(st.BytesRead)/st.Took.Seconds()/1e6)
	if st.Took < want*9/10 || st.Took > want*3/2+2*time.Second {
		t.Errorf("took %v at %.1f MB/s, want about %v", st.Took, rate, want)
	}
}

// TestScrubResume: the background scrubber saves its position under its
// lease; a pass cut short resumes after the last key done, and a pass
// that ends saves when it ended, so the next waits for the interval.
func TestScrubResume(t *testing.T) {
	s := newStore(t, scrubTestConfig)
	for _, b := range []string{"resume-a", "resume-b"} {
		mustCreateBucket(t, s, b)
		for i := range 5 {
			mustPut(t, s, b, key(i), randomBytes(t, testBlockSize/2))
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var seen []string
	w := &Scrubber{Store: s, Holder: "test", SaveEvery: time.Nanosecond, Report: func(r ScrubObject) {
		seen = append(seen, ScrubPosition(r.Bucket, r.Key))
		if len(seen) == 7 { // resume-b/k00001
			cancel()
		}
	}}
	if _, ran, err := w.RunOnce(ctx); !ran || err == nil {
		t.Fatalf("cut pass: ran %v, err %v; want a context error", ran, err)
	}
	pos, err := s.LeasePosition(context.Background(), ScrubLease)
	if err != nil {
		t.Fatal(err)
	}
	// The key being scrubbed when the pass stopped is done again.
	if pos != "resume-b/k00000" && pos != "resume-b/k00001" {
		t.Fatalf("position %q after %v", pos, seen)
	}
	seen = nil
	st, ran, err := w.RunOnce(context.Background())
	if err != nil || !ran {
		t.Fatalf("second pass: ran %v, err %v", ran, err)
	}
	if len(seen) == 0 || seen[0] <= pos || len(seen) != 4-int(pos[len(pos)-1]-'0') {
		t.Errorf("second pass from %q saw %v", pos, seen)
	}
	pos, _ = s.LeasePosition(context.Background(), ScrubLease)
	if end, ok := finishedAt(pos); !ok || time.Since(end) > time.Minute || st.Position != "" {
		t.Errorf("position %q (stats %q) after a whole pass, want the time it ended", pos, st.Position)
	}
	// The next pass waits for the interval, without taking the lease.
	w.Interval = time.Hour
	if _, ran, err := w.RunOnce(context.Background()); ran || err != nil {
		t.Errorf("pass right after a pass: ran %v, err %v", ran, err)
	}
	w.Interval = 0
	if tot := w.Totals(); tot.Passes != 1 || tot.Objects[ScrubHealthy] != 7+len(seen) {
		t.Errorf("totals %+v", tot)
	}
	// Another holder's lease: the pass is skipped.
	if ok, err := s.AcquireLease(context.Background(), ScrubLease, "other", time.Minute); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if _, ran, err := w.RunOnce(context.Background()); ran || err != nil {
		t.Errorf("pass under another's lease: ran %v, err %v", ran, err)
	}
}

// TestScrubAppendable: an appendable object's chain is checked up to the
// segments its current version covers (later claims are not its own),
// and a missing segment block is damage.
func TestScrubAppendable(t *testing.T) {
	s := newStore(t, scrubTestConfig)
	ctx := context.Background()
	mustCreateBucket(t, s, "app")
	var pos int64
	var obj store.Object
	for i := range 3 {
		data := randomBytes(t, testBlockSize/2+i)
		var err error
		obj, err = s.AppendObject(ctx, store.AppendInput{Bucket: "app", Key: "log", Owner: "alice", Position: pos,
			Size: int64(len(data)), Body: bytes.NewReader(data)})
		if err != nil {
			t.Fatal(err)
		}
		pos += int64(len(data))
	}
	_, reps := scrubReports(t, s, ScrubOptions{})
	if r := reps["log"]; r.Result != ScrubHealthy || r.Size != pos || r.Blocks[ScrubHealthy] == 0 {
		t.Fatalf("appendable object: %+v", r)
	}
	var seg gocql.UUID
	if err := s.sess.Query(`SELECT inode FROM manifests WHERE manifest = ? AND idx = 2`, inodeOf(t, obj)).Scan(&seg); err != nil {
		t.Fatal(err)
	}
	if err := s.sess.Query(`DELETE FROM blocks WHERE inode = ? AND idx = 0`, seg).Exec(); err != nil {
		t.Fatal(err)
	}
	if _, reps = scrubReports(t, s, ScrubOptions{}); reps["log"].Result != ScrubDamaged {
		t.Fatalf("appendable object with a segment's block gone: %+v", reps["log"])
	}
}
