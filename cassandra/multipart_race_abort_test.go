package cassandra

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// Scenario 3: CompleteMultipartUpload races AbortMultipartUpload on an
// upload with parts 1..3. Exactly one wins: the loser gets
// ErrNoSuchUpload (or ErrConditionalConflict for an abort that found the
// completion under way). A completed object reads back whole after the
// sweeps; an aborted upload leaves no object, no upload row and no block.
func TestMultipartRaceCompleteAbort(t *testing.T) {
	t.Parallel()
	s := raceStore(t)
	ctx := context.Background()
	const bucket = "race3"
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
		d1, d2, d3 := randomBytes(t, testBlockSize+100), randomBytes(t, testBlockSize+200), randomBytes(t, testBlockSize+300)
		mustUploadPart(t, s, u, 1, d1)
		mustUploadPart(t, s, u, 2, d2)
		mustUploadPart(t, s, u, 3, d3)
		ins := partInodes(t, s, u)
		whole := bytes.Join([][]byte{d1, d2, d3}, nil)
		etag := multipartETag(t, d1, d2, d3)
		if r == 0 { // about one AbortMultipartUpload
			u0, err := s.CreateMultipartUpload(ctx, store.CreateUploadInput{Bucket: bucket, Key: "scale", Owner: "alice"})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			if err := s.AbortMultipartUpload(ctx, bucket, "scale", u0.UploadID); err != nil {
				t.Fatal(err)
			}
			scale = time.Since(start)
			t.Logf("offset scale %s", scale)
		}
		var (
			obj        store.Object
			cErr, aErr error
		)
		dc, da := raceOffset(r, scale)
		race([]time.Duration{dc, da},
			func() {
				obj, cErr = s.CompleteMultipartUpload(ctx, store.CompleteInput{Bucket: bucket, Key: k, UploadID: u.UploadID,
					Parts: partList(d1, d2, d3)})
			},
			func() { aErr = s.AbortMultipartUpload(ctx, bucket, k, u.UploadID) },
		)
		seq := fmt.Sprintf("round %d (complete delayed %s, abort delayed %s): complete err=%v, abort err=%v", r, dc, da, cErr, aErr)
		t.Log(seq)
		w := raceObject{key: k}
		switch {
		case cErr == nil && aErr == nil:
			t.Errorf("%s: both the completion and the abort succeeded", seq)
			continue
		case cErr == nil:
			if !errors.Is(aErr, store.ErrNoSuchUpload) && !errors.Is(aErr, store.ErrConditionalConflict) {
				t.Errorf("%s: abort lost with an unexpected error", seq)
			}
			outcomes["complete won, abort: "+errName(aErr)]++
			if obj.ETag != etag {
				t.Errorf("%s: ETag %s, want %s", seq, obj.ETag, etag)
			}
			if got := mustRead(t, s, obj, 0, -1); !bytes.Equal(got, whole) {
				t.Errorf("%s: completed object reads %d bytes, not its parts", seq, len(got))
			}
			w.etag, w.data = etag, whole
			w.inodes = map[gocql.UUID]int{ins[1][0]: 2, ins[2][0]: 2, ins[3][0]: 2}
		case aErr == nil:
			if !errors.Is(cErr, store.ErrNoSuchUpload) {
				t.Errorf("%s: completion lost with an unexpected error", seq)
			}
			outcomes["abort won, complete: "+errName(cErr)]++
			aborted = append(aborted, u)
		default:
			t.Errorf("%s: neither the completion nor the abort succeeded", seq)
			continue
		}
		if _, err := s.ListParts(ctx, store.ListPartsInput{Bucket: bucket, Key: k, UploadID: u.UploadID, MaxParts: 10}); !errors.Is(err, store.ErrNoSuchUpload) {
			t.Errorf("%s: ListParts of the finished upload: %v", seq, err)
		}
		want = append(want, w)
	}
	t.Logf("outcomes: %v", outcomes)
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

func errName(err error) string {
	switch {
	case err == nil:
		return "nil"
	case errors.Is(err, store.ErrNoSuchUpload):
		return "ErrNoSuchUpload"
	case errors.Is(err, store.ErrConditionalConflict):
		return "ErrConditionalConflict"
	}
	return err.Error()
}
