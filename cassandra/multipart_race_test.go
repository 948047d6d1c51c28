package cassandra

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// Races between UploadPart, CompleteMultipartUpload and
// AbortMultipartUpload, checked against the rules of doc.go ("Multipart
// uploads", "Garbage collection"): a completion only ever assembles the
// parts whose ETags it validated, Complete and Abort never both win, every
// read returns whole bytes, and once the sweeper has run past the grace
// period the blocks table holds exactly the blocks of the completed
// objects (no live block lost, no losing part's block left).
//
// Each scenario runs raceRounds rounds, each on its own upload and key, in
// a keyspace of its own, then sweeps all rounds together, so the blocks
// table can be compared as a whole.

const (
	raceRounds = 16
	racePasses = 3 // sweeper passes a grace period apart before the final check
)

// raceStore is a store for the race tests: parts of any size, 1 s grace.
func raceStore(t *testing.T) *Store {
	return newStore(t, func(c *Config) { c.minPartSize = 1 })
}

// raceOffset spreads the rounds' start offsets over [-scale, +scale]: a
// negative offset delays the first contender, a positive one the second,
// so the rounds sweep through the interleavings around a simultaneous
// start (the middle rounds start both at once).
func raceOffset(round int, scale time.Duration) (first, second time.Duration) {
	off := time.Duration(float64(scale) * (2*float64(round)/float64(raceRounds-1) - 1))
	if off < 0 {
		return -off, 0
	}
	return 0, off
}

// race runs fs at once, each after its delay, once all goroutines are up.
func race(delays []time.Duration, fs ...func()) {
	var ready, done sync.WaitGroup
	gate := make(chan struct{})
	for i, f := range fs {
		ready.Add(1)
		done.Go(func() {
			ready.Done()
			<-gate
			if i < len(delays) && delays[i] > 0 {
				time.Sleep(delays[i])
			}
			f()
		})
	}
	ready.Wait()
	close(gate)
	done.Wait()
}

// allBlocks scans the whole blocks table of s's keyspace (each race test
// has its own): inode -> number of block rows.
func allBlocks(t *testing.T, s *Store) map[gocql.UUID]int {
	t.Helper()
	iter := s.sess.Query(`SELECT inode, idx FROM blocks`).PageSize(5000).Iter()
	out := map[gocql.UUID]int{}
	var (
		inode gocql.UUID
		idx   int
	)
	for iter.Scan(&inode, &idx) {
		out[inode]++
	}
	if err := iter.Close(); err != nil {
		t.Fatalf("scan blocks: %v", err)
	}
	return out
}

func etagOf(data []byte) string {
	sum := md5.Sum(data)
	return hex.EncodeToString(sum[:])
}

func multipartETag(t *testing.T, datas ...[]byte) string {
	t.Helper()
	etags := make([]string, len(datas))
	for i, d := range datas {
		etags[i] = etagOf(d)
	}
	e, err := store.MultipartETag(etags)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func readAll(ctx context.Context, s *Store, obj store.Object) ([]byte, error) {
	rc, err := s.ReadObject(ctx, obj, 0, -1)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// raceObject is what a round must leave behind once settled.
type raceObject struct {
	key    string
	etag   string // "" : no object
	data   []byte
	inodes map[gocql.UUID]int // inode -> blocks the object needs
}

// checkObjects reads every round's key back and compares it with want.
func checkObjects(t *testing.T, s *Store, bucket string, want []raceObject, when string) {
	t.Helper()
	ctx := context.Background()
	for _, w := range want {
		h, err := s.HeadObject(ctx, bucket, w.key)
		if w.etag == "" {
			if !errors.Is(err, store.ErrNoSuchKey) {
				t.Errorf("%s: %s: HeadObject = %+v, %v; want ErrNoSuchKey", when, w.key, h, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %s: HeadObject: %v", when, w.key, err)
			continue
		}
		if h.ETag != w.etag {
			t.Errorf("%s: %s: ETag %s, want %s", when, w.key, h.ETag, w.etag)
		}
		got, err := readAll(ctx, s, h)
		if err != nil || !bytes.Equal(got, w.data) {
			t.Errorf("%s: %s: read %d bytes (%v), want %d whole bytes (equal: %v)", when, w.key, len(got), err,
				len(w.data), bytes.Equal(got, w.data))
		}
	}
}

// settle sweeps racePasses times, a grace period apart. After every pass
// no block of a surviving object may be missing and every object reads
// back whole; after the last, the blocks table must hold exactly the
// surviving objects' blocks.
func settle(t *testing.T, s *Store, bucket string, want []raceObject) {
	t.Helper()
	live := map[gocql.UUID]int{}
	owner := map[gocql.UUID]string{}
	for _, w := range want {
		for in, n := range w.inodes {
			live[in] = n
			owner[in] = w.key
		}
	}
	// What the blocks table held before any sweep, to name leftovers.
	before := allBlocks(t, s)
	for pass := 1; pass <= racePasses; pass++ {
		st := sweepAfterGrace(t, s)
		t.Logf("sweep pass %d: %+v", pass, st)
		got := allBlocks(t, s)
		for in, n := range live {
			if got[in] != n {
				t.Errorf("pass %d: live inode %s of %s has %d of %d blocks", pass, in, owner[in], got[in], n)
			}
		}
		checkObjects(t, s, bucket, want, fmt.Sprintf("after sweep pass %d", pass))
		if t.Failed() {
			return
		}
	}
	got := allBlocks(t, s)
	var extra []string
	for in, n := range got {
		if _, ok := live[in]; !ok {
			extra = append(extra, fmt.Sprintf("%s (%d blocks, %d before the sweeps)", in, n, before[in]))
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("after %d sweep passes, %d inodes outside the completed objects keep blocks:\n  %s",
			racePasses, len(extra), strings.Join(extra, "\n  "))
		for _, w := range want {
			if q := queued(t, s, w.key); len(q) > 0 {
				t.Logf("queue of %s: %+v", w.key, q)
			}
		}
	}
	t.Logf("settled: %d inodes live, %d inodes held blocks before the sweeps", len(live), len(before))
}

func partList(datas ...[]byte) []store.CompletedPart {
	out := make([]store.CompletedPart, len(datas))
	for i, d := range datas {
		out[i] = store.CompletedPart{PartNumber: i + 1, ETag: etagOf(d)}
	}
	return out
}

// Scenario 1: parts 1..3 uploaded; CompleteMultipartUpload listing them
// races a re-upload of part 2 with other bytes, while a reader streams the
// key. A successful completion is exactly the parts whose ETags it
// listed (the original part 2); a failed one (ErrInvalidPart, the part
// changed) leaves the upload open with the new part 2, which the test
// then completes. After the grace period only the object's blocks remain.
func TestMultipartRaceUploadPartComplete(t *testing.T) {
	t.Parallel()
	s := raceStore(t)
	ctx := context.Background()
	const bucket = "race1"
	mustCreateBucket(t, s, bucket)
	var (
		want     []raceObject
		outcomes = map[string]int{}
		scale    time.Duration
	)
	for r := range raceRounds {
		k := fmt.Sprintf("r%02d", r)
		u, err := s.CreateMultipartUpload(ctx, store.CreateUploadInput{Bucket: bucket, Key: k, Owner: "alice"})
		if err != nil {
			t.Fatal(err)
		}
		d1, d2, d3 := randomBytes(t, testBlockSize+100), randomBytes(t, testBlockSize+200), randomBytes(t, testBlockSize+300)
		d2new := randomBytes(t, 2*testBlockSize+7) // 3 blocks: a mix-up shows in the size too
		mustUploadPart(t, s, u, 1, d1)
		mustUploadPart(t, s, u, 2, d2)
		start := time.Now()
		mustUploadPart(t, s, u, 3, d3)
		if r == 0 {
			scale = time.Since(start) // about one UploadPart
			t.Logf("offset scale %s", scale)
		}
		ins := partInodes(t, s, u)
		orig := [4]gocql.UUID{0: {}, 1: ins[1][0], 2: ins[2][0], 3: ins[3][0]}
		oldWhole := bytes.Join([][]byte{d1, d2, d3}, nil)
		newWhole := bytes.Join([][]byte{d1, d2new, d3}, nil)
		oldETag, newETag := multipartETag(t, d1, d2, d3), multipartETag(t, d1, d2new, d3)

		var (
			obj        store.Object
			cErr, pErr error
			readErrs   []string
		)
		stop := make(chan struct{})
		dc, dp := raceOffset(r, scale)
		var contenders sync.WaitGroup
		contenders.Add(2)
		race([]time.Duration{dc, dp},
			func() {
				defer contenders.Done()
				obj, cErr = s.CompleteMultipartUpload(ctx, store.CompleteInput{Bucket: bucket, Key: k, UploadID: u.UploadID,
					Parts: partList(d1, d2, d3)})
			},
			func() {
				defer contenders.Done()
				_, pErr = s.UploadPart(ctx, store.PartInput{Bucket: bucket, Key: k, UploadID: u.UploadID, PartNumber: 2,
					Size: int64(len(d2new)), Body: bytes.NewReader(d2new)})
			},
			func() { // the reader: whatever it sees is whole
				for {
					select {
					case <-stop:
						return
					default:
					}
					h, err := s.HeadObject(ctx, bucket, k)
					if errors.Is(err, store.ErrNoSuchKey) {
						continue
					}
					if err != nil {
						readErrs = append(readErrs, fmt.Sprintf("HeadObject: %v", err))
						return
					}
					got, err := readAll(ctx, s, h)
					switch {
					case err != nil:
						readErrs = append(readErrs, fmt.Sprintf("read %s: %v", h.ETag, err))
					case h.ETag == oldETag && bytes.Equal(got, oldWhole), h.ETag == newETag && bytes.Equal(got, newWhole):
					default:
						readErrs = append(readErrs, fmt.Sprintf("read ETag %s (old %s, new %s): %d bytes, old parts %v, new part 2 %v",
							h.ETag, oldETag, newETag, len(got), bytes.Equal(got, oldWhole), bytes.Equal(got, newWhole)))
					}
					return // one whole read of the committed object is enough
				}
			},
			func() { contenders.Wait(); close(stop) },
		)
		for _, e := range readErrs {
			t.Errorf("round %d: concurrent reader: %s", r, e)
		}
		seq := fmt.Sprintf("round %d (complete delayed %s, part 2 re-upload delayed %s): complete err=%v, upload part err=%v",
			r, dc, dp, cErr, pErr)
		t.Log(seq)

		w := raceObject{key: k}
		switch {
		case cErr == nil:
			// Whatever the re-upload did, the object is the parts the
			// completion listed: the original part 2.
			outcome := "complete won"
			switch {
			case pErr == nil:
				outcome += ", late part landed"
			case errors.Is(pErr, store.ErrNoSuchUpload), errors.Is(pErr, store.ErrConditionalConflict):
				outcome += ", part refused"
			default:
				t.Errorf("%s: unexpected UploadPart error", seq)
			}
			outcomes[outcome]++
			if obj.ETag != oldETag || obj.Size != int64(len(oldWhole)) {
				t.Errorf("%s: completed ETag %s size %d, want the listed parts: %s size %d (new part 2 would be %s)",
					seq, obj.ETag, obj.Size, oldETag, len(oldWhole), newETag)
			}
			if got := mustRead(t, s, obj, 0, -1); !bytes.Equal(got, oldWhole) {
				t.Errorf("%s: completed object reads %d bytes, not the listed parts (new part 2 bytes: %v)",
					seq, len(got), bytes.Equal(got, newWhole))
			}
			m, err := s.manifestParts(ctx, inodeOf(t, obj))
			if err != nil {
				t.Fatal(err)
			}
			if len(m) != 3 || m[0].inode != orig[1] || m[1].inode != orig[2] || m[2].inode != orig[3] {
				t.Errorf("%s: manifest %+v, want the original inodes %v", seq, m, orig[1:])
			}
			w.etag, w.data = oldETag, oldWhole
			w.inodes = map[gocql.UUID]int{orig[1]: 2, orig[2]: 2, orig[3]: 2}
		case errors.Is(cErr, store.ErrInvalidPart) && pErr == nil:
			// The new part 2 committed before the completion's check:
			// the upload is open again with it; complete that.
			outcomes["part won, completion refused"]++
			lp, err := s.ListParts(ctx, store.ListPartsInput{Bucket: bucket, Key: k, UploadID: u.UploadID, MaxParts: 10})
			if err != nil {
				t.Fatalf("%s: ListParts after the refused completion: %v", seq, err)
			}
			if len(lp.Parts) != 3 || lp.Parts[1].ETag != etagOf(d2new) {
				t.Fatalf("%s: parts after the refused completion: %+v", seq, lp.Parts)
			}
			ins := partInodes(t, s, u)
			if len(ins[2]) != 1 || ins[2][0] == orig[2] {
				t.Fatalf("%s: part 2 rows %v after the re-upload (original %s)", seq, ins[2], orig[2])
			}
			obj2, err := s.CompleteMultipartUpload(ctx, store.CompleteInput{Bucket: bucket, Key: k, UploadID: u.UploadID,
				Parts: partList(d1, d2new, d3)})
			if err != nil {
				t.Fatalf("%s: completing with the new part 2: %v", seq, err)
			}
			if obj2.ETag != newETag {
				t.Errorf("%s: second completion ETag %s, want %s", seq, obj2.ETag, newETag)
			}
			if got := mustRead(t, s, obj2, 0, -1); !bytes.Equal(got, newWhole) {
				t.Errorf("%s: second completion reads %d bytes, not parts 1, new 2, 3", seq, len(got))
			}
			w.etag, w.data = newETag, newWhole
			w.inodes = map[gocql.UUID]int{orig[1]: 2, ins[2][0]: 3, orig[3]: 2}
		default:
			t.Errorf("%s: neither the completion nor the re-upload won", seq)
			continue
		}
		want = append(want, w)
	}
	t.Logf("outcomes: %v", outcomes)
	checkObjects(t, s, bucket, want, "before the sweeps")
	if t.Failed() {
		return
	}
	settle(t, s, bucket, want)
}

// Scenario 2: AbortMultipartUpload races UploadPart of a new part number.
// An abort that succeeds leaves nothing: the upload is gone for every
// call, and after the grace period no block of it remains, whether the
// part was refused or landed. (An abort that fails would leave the upload
// open: it is then completed and checked.)
func TestMultipartRaceAbortUploadPart(t *testing.T) {
	t.Parallel()
	s := raceStore(t)
	ctx := context.Background()
	const bucket = "race2"
	mustCreateBucket(t, s, bucket)
	var (
		want     []raceObject
		outcomes = map[string]int{}
		scale    time.Duration
		aborted  []store.Upload
	)
	for r := range raceRounds {
		k := fmt.Sprintf("r%02d", r)
		u, err := s.CreateMultipartUpload(ctx, store.CreateUploadInput{Bucket: bucket, Key: k, Owner: "alice"})
		if err != nil {
			t.Fatal(err)
		}
		d1, d2, d3 := randomBytes(t, testBlockSize+100), randomBytes(t, testBlockSize+200), randomBytes(t, 2*testBlockSize+300)
		mustUploadPart(t, s, u, 1, d1)
		start := time.Now()
		mustUploadPart(t, s, u, 2, d2)
		if r == 0 {
			scale = time.Since(start)
			t.Logf("offset scale %s", scale)
		}
		var aErr, pErr error
		da, dp := raceOffset(r, scale)
		race([]time.Duration{da, dp},
			func() { aErr = s.AbortMultipartUpload(ctx, bucket, k, u.UploadID) },
			func() {
				_, pErr = s.UploadPart(ctx, store.PartInput{Bucket: bucket, Key: k, UploadID: u.UploadID, PartNumber: 3,
					Size: int64(len(d3)), Body: bytes.NewReader(d3)})
			},
		)
		seq := fmt.Sprintf("round %d (abort delayed %s, part 3 delayed %s): abort err=%v, upload part err=%v", r, da, dp, aErr, pErr)
		t.Log(seq)
		w := raceObject{key: k}
		switch {
		case aErr == nil:
			switch {
			case pErr == nil:
				outcomes["abort won, late part landed"]++
			case errors.Is(pErr, store.ErrNoSuchUpload):
				outcomes["abort won, part refused"]++
			default:
				t.Errorf("%s: UploadPart after a successful abort: want success or ErrNoSuchUpload", seq)
			}
			if _, err := s.ListParts(ctx, store.ListPartsInput{Bucket: bucket, Key: k, UploadID: u.UploadID, MaxParts: 10}); !errors.Is(err, store.ErrNoSuchUpload) {
				t.Errorf("%s: ListParts of the aborted upload: %v", seq, err)
			}
			if _, err := s.CompleteMultipartUpload(ctx, store.CompleteInput{Bucket: bucket, Key: k, UploadID: u.UploadID,
				Parts: partList(d1, d2)}); !errors.Is(err, store.ErrNoSuchUpload) {
				t.Errorf("%s: completing the aborted upload: %v", seq, err)
			}
			aborted = append(aborted, u)
		default:
			// The abort lost (nothing else changes the upload's state,
			// so this is unexpected, but the upload must then be whole).
			outcomes["abort failed"]++
			t.Logf("%s: the abort failed; completing the upload", seq)
			res, err := s.ListMultipartUploads(ctx, store.ListUploadsInput{Bucket: bucket, Prefix: k, MaxUploads: 10})
			if err != nil || len(res.Uploads) != 1 || res.Uploads[0].UploadID != u.UploadID {
				t.Fatalf("%s: upload not listable after the failed abort: %+v, %v", seq, res.Uploads, err)
			}
			datas := [][]byte{d1, d2}
			if pErr == nil {
				datas = append(datas, d3)
			}
			obj, err := s.CompleteMultipartUpload(ctx, store.CompleteInput{Bucket: bucket, Key: k, UploadID: u.UploadID,
				Parts: partList(datas...)})
			if err != nil {
				t.Fatalf("%s: completing after the failed abort: %v", seq, err)
			}
			w.etag, w.data = multipartETag(t, datas...), bytes.Join(datas, nil)
			w.inodes = map[gocql.UUID]int{}
			m, err := s.manifestParts(ctx, inodeOf(t, obj))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range m {
				w.inodes[p.inode] = versionRow{size: p.size, blockSize: p.blockSize}.blocks()
			}
		}
		want = append(want, w)
	}
	t.Logf("outcomes: %v", outcomes)
	res, err := s.ListMultipartUploads(ctx, store.ListUploadsInput{Bucket: bucket, MaxUploads: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range res.Uploads {
		for _, a := range aborted {
			if l.UploadID == a.UploadID {
				t.Errorf("aborted upload %s of %s still listed", a.UploadID, a.Key)
			}
		}
	}
	checkObjects(t, s, bucket, want, "before the sweeps")
	if t.Failed() {
		return
	}
	settle(t, s, bucket, want)
	for _, a := range aborted {
		id, _ := gocql.ParseUUID(a.UploadID)
		if rec, found, err := s.readRecord(ctx, id, true); err != nil || found {
			t.Errorf("aborted upload %s of %s: multipart row %+v found %v (%v)", a.UploadID, a.Key, rec, found, err)
		}
	}
}
