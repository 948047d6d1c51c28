package cassandra

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// A block whose bytes no longer match their checksum, or whose length or
// presence is wrong, fails the read with store.ErrCorrupt.
func TestCorruptBlock(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	mustCreateBucket(t, s, "c")
	data := randomBytes(t, 3*testBlockSize)
	damage := map[string]func(inode gocql.UUID) error{
		"flipped byte": func(inode gocql.UUID) error {
			bad := bytes.Clone(data[testBlockSize : 2*testBlockSize])
			bad[100] ^= 1
			return s.sess.Query(`UPDATE blocks SET data = ? WHERE inode = ? AND idx = 1`, bad, inode).Exec()
		},
		"truncated": func(inode gocql.UUID) error {
			return s.sess.Query(`UPDATE blocks SET data = ? WHERE inode = ? AND idx = 1`, data[testBlockSize:testBlockSize+10], inode).Exec()
		},
		"missing": func(inode gocql.UUID) error {
			return s.sess.Query(`DELETE FROM blocks WHERE inode = ? AND idx = 1`, inode).Exec()
		},
	}
	for name, f := range damage {
		obj := mustPut(t, s, "c", name, data)
		if err := f(inodeOf(t, obj)); err != nil {
			t.Fatal(err)
		}
		rc, err := s.ReadObject(ctx, obj, 0, -1)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if !errors.Is(err, store.ErrCorrupt) {
			t.Errorf("%s: read error %v, want ErrCorrupt", name, err)
		}
		if len(got) > testBlockSize {
			t.Errorf("%s: %d bytes delivered past the bad block", name, len(got))
		}
		// Ranges that avoid the bad block still read fine.
		if got := mustRead(t, s, obj, 2*testBlockSize, -1); !bytes.Equal(got, data[2*testBlockSize:]) {
			t.Errorf("%s: an intact block reads wrong", name)
		}
	}
}

// intervalObserver records when each block query ran.
type intervalObserver struct {
	mu     sync.Mutex
	writes [][2]time.Time
	reads  [][2]time.Time
}

func (o *intervalObserver) ObserveQuery(_ context.Context, q gocql.ObservedQuery) {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case strings.HasPrefix(q.Statement, "INSERT INTO blocks"):
		o.writes = append(o.writes, [2]time.Time{q.Start, q.End})
	case strings.HasPrefix(q.Statement, "SELECT data, crc FROM blocks"):
		o.reads = append(o.reads, [2]time.Time{q.Start, q.End})
	}
}

// maxOverlap is the most intervals open at one instant.
func maxOverlap(iv [][2]time.Time) int {
	type ev struct {
		at time.Time
		d  int
	}
	var evs []ev
	for _, i := range iv {
		evs = append(evs, ev{i[0], 1}, ev{i[1], -1})
	}
	sort.Slice(evs, func(a, b int) bool {
		if evs[a].at.Equal(evs[b].at) {
			return evs[a].d < evs[b].d
		}
		return evs[a].at.Before(evs[b].at)
	})
	cur, best := 0, 0
	for _, e := range evs {
		cur += e.d
		best = max(best, cur)
	}
	return best
}

// Block writes and reads of one request run concurrently, but never more
// than BlocksInFlight at once: that bounds a request's memory.
func TestBlocksInFlightBound(t *testing.T) {
	t.Parallel()
	obs := &intervalObserver{}
	s := newStore(t, func(c *Config) { c.observer = obs; c.BlocksInFlight = 3 })
	mustCreateBucket(t, s, "m")
	data := randomBytes(t, 40*testBlockSize+1)
	obj := mustPut(t, s, "m", "k", data)
	if got := mustRead(t, s, obj, 0, -1); !bytes.Equal(got, data) {
		t.Fatal("read back differs")
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if len(obs.writes) != 41 || len(obs.reads) != 41 {
		t.Fatalf("%d block writes, %d block reads; want 41 each", len(obs.writes), len(obs.reads))
	}
	w, r := maxOverlap(obs.writes), maxOverlap(obs.reads)
	t.Logf("max concurrent block writes %d, reads %d", w, r)
	if w > 3 || r > 3 {
		t.Errorf("concurrency above BlocksInFlight=3: writes %d, reads %d", w, r)
	}
	if w < 2 || r < 2 {
		t.Errorf("no concurrency: writes %d, reads %d", w, r)
	}
}

// A reader closed after its first bytes stops fetching.
func TestReaderCloseStopsFetching(t *testing.T) {
	t.Parallel()
	obs := &intervalObserver{}
	s := newStore(t, func(c *Config) { c.observer = obs; c.BlocksInFlight = 2 })
	mustCreateBucket(t, s, "m")
	obj := mustPut(t, s, "m", "k", randomBytes(t, 50*testBlockSize))
	rc, err := s.ReadObject(context.Background(), obj, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rc.Read(make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	if err := rc.Close(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	obs.mu.Lock()
	n := len(obs.reads)
	obs.mu.Unlock()
	if n > 4 {
		t.Errorf("%d blocks fetched for a reader closed after 10 bytes", n)
	}
	if _, err := rc.Read(make([]byte, 1)); err == nil {
		t.Error("Read after Close succeeded")
	}
}

// Objects keep the block size they were written with: a frontend
// configured with another size reads them all the same.
func TestReadOtherBlockSize(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	big := openStore(t, cfg, true)
	cfg.BlockSize = testBlockSize / 4
	small := openStore(t, cfg, false)
	mustCreateBucket(t, big, "bs")
	d1 := randomBytes(t, 3*testBlockSize+5)
	o1 := mustPut(t, big, "bs", "written-big", d1)
	d2 := randomBytes(t, 3*testBlockSize+5)
	o2 := mustPut(t, small, "bs", "written-small", d2)
	for _, s := range []*Store{big, small} {
		for _, c := range []struct {
			obj  store.Object
			data []byte
		}{{o1, d1}, {o2, d2}} {
			h, err := s.HeadObject(context.Background(), "bs", c.obj.Key)
			if err != nil {
				t.Fatal(err)
			}
			if got := mustRead(t, s, h, 7, -1); !bytes.Equal(got, c.data[7:]) {
				t.Errorf("store with block size %d reading %s: wrong bytes", s.cfg.BlockSize, c.obj.Key)
			}
		}
	}
}

// writerOnly hides bytes.Buffer's ReadFrom, so io.Copy uses the reader's
// WriteTo.
type writerOnly struct{ w io.Writer }

func (w writerOnly) Write(p []byte) (int, error) { return w.w.Write(p) }

// TestWriteTo: io.Copy through the block reader's WriteTo delivers the
// same bytes as Read, for whole and ranged reads across block edges.
func TestWriteTo(t *testing.T) {
	s := newStore(t)
	mustCreateBucket(t, s, "wt")
	data := randomBytes(t, 3*testBlockSize+123)
	obj := mustPut(t, s, "wt", "k", data)
	for _, r := range [][2]int64{{0, -1}, {1, testBlockSize}, {testBlockSize - 1, 2}, {2*testBlockSize + 5, -1}} {
		rc, err := s.ReadObject(context.Background(), obj, r[0], r[1])
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := rc.(io.WriterTo); !ok {
			t.Fatalf("%T is not an io.WriterTo", rc)
		}
		var got bytes.Buffer
		n, err := io.Copy(writerOnly{&got}, rc)
		rc.Close()
		want := data[r[0]:]
		if r[1] >= 0 {
			want = want[:r[1]]
		}
		if err != nil || n != int64(len(want)) || !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("range %v: %d bytes, err %v, equal %v", r, n, err, bytes.Equal(got.Bytes(), want))
		}
	}
}
