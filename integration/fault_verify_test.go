package integration

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// The fault suite's checks: reads during the load match the ledger; after
// each fault every key reads back through both frontends as the ledger
// says, the listings agree, and gc leaves exactly the live objects'
// block rows.

// read returns the state a GET of k through frontend i shows.
func (f *faultEnv) read(ctx context.Context, c *minio.Client, k string) (objState, error) {
	obj, err := c.GetObject(ctx, f.bucket, k, minio.GetObjectOptions{})
	if err != nil {
		return objState{}, err
	}
	defer obj.Close()
	h := sha256.New()
	n, err := io.Copy(h, obj)
	if err != nil {
		if er := minio.ToErrorResponse(err); er.Code == "NoSuchKey" {
			return objState{absent: true}, nil
		}
		return objState{}, err
	}
	return objState{sha: hex.EncodeToString(h.Sum(nil)), size: n}, nil
}

func (f *faultEnv) check(t *testing.T, ctx context.Context, fr int, k string) {
	before := f.led.get(k)
	var got objState
	if err := f.try(ctx, fr, func(c *minio.Client) (err error) { got, err = f.read(ctx, c, k); return err }); err != nil {
		return
	}
	after := f.led.get(k) // the worker is this key's only writer: no change in between
	if _, ok := match(append(before, after...), got); !ok {
		f.bad.Add(1)
		t.Errorf("GET %s during the load = %v; possible states %v", k, got, before)
	}
}

// verify checks every key through both frontends, the listings, and
// after gc that the block rows are exactly the live objects'.
func (f *faultEnv) verify(t *testing.T, ctx context.Context) int64 {
	f.led.mu.Lock()
	keys := make([]string, 0, len(f.led.keys))
	for k := range f.led.keys {
		keys = append(keys, k)
	}
	f.led.mu.Unlock()
	var acked, uncertain, lost int
	final := map[string]objState{}
	for _, k := range keys {
		cands := f.led.get(k)
		if len(cands) == 1 {
			acked++
		} else {
			uncertain++
		}
		for i, c := range f.clients {
			var got objState
			var err error
			for range faultAttempts { // the ring has recovered; retry only a transient error
				if got, err = f.read(ctx, c, k); err == nil || minio.ToErrorResponse(err).StatusCode/100 == 4 {
					break
				}
				time.Sleep(time.Second)
			}
			if err != nil {
				t.Errorf("GET %s through frontend %d: %v", k, i+1, err)
				continue
			}
			m, ok := match(cands, got)
			if !ok {
				if len(cands) == 1 {
					lost++
					t.Errorf("ACKNOWLEDGED WRITE LOST: %s through frontend %d = %v, acknowledged %v", k, i+1, got, cands[0])
				} else {
					t.Errorf("%s through frontend %d = %v (partial?), possible states %v", k, i+1, got, cands)
				}
				continue
			}
			if prev, seen := final[k]; seen && prev != m {
				t.Errorf("%s: frontend 1 shows %v, frontend 2 %v", k, prev, m)
			}
			final[k] = m
		}
	}
	t.Logf("bucket %s: verified %d keys through both frontends: %d acknowledged, %d with an unacknowledged last write; %d acknowledged writes lost", f.bucket, len(keys), acked, uncertain, lost)
	if lost > 0 {
		t.Errorf("%d acknowledged writes lost", lost)
	}

	// Listings agree with what the reads found.
	for i, c := range f.clients {
		listed := map[string]bool{}
		for obj := range c.ListObjects(ctx, f.bucket, minio.ListObjectsOptions{Recursive: true}) {
			if obj.Err != nil {
				t.Fatalf("list through frontend %d: %v", i+1, obj.Err)
			}
			listed[obj.Key] = true
			if s, ok := final[obj.Key]; !ok || s.absent || s.size != obj.Size {
				t.Errorf("frontend %d lists %s (%d bytes), reads found %v", i+1, obj.Key, obj.Size, s)
			}
		}
		for k, s := range final {
			if !s.absent && !listed[k] {
				t.Errorf("frontend %d does not list %s (%v)", i+1, k, s)
			}
		}
	}

	f.abortUploads(t, ctx)
	var want int64
	for _, s := range final {
		if !s.absent {
			want += s.blocks
		}
	}
	return want
}

// abortUploads aborts the uploads failed or killed requests left open
// (their parts are garbage then). An upload whose completion was in
// flight on a killed frontend stays "completing" (an abort gets 409
// ConditionalRequestConflict) until the sweeper decides the completion,
// a grace after it began: it is counted and left for checkBlocks, which
// calls again after each gc run.
func (f *faultEnv) abortUploads(t *testing.T, ctx context.Context) (completing int) {
	t.Helper()
	for u := range f.clients[0].ListIncompleteUploads(ctx, f.bucket, "", true) {
		if u.Err != nil {
			t.Fatalf("list uploads: %v", u.Err)
		}
		err := f.clients[0].RemoveIncompleteUpload(ctx, f.bucket, u.Key)
		switch {
		case err == nil:
		case minio.ToErrorResponse(err).Code == "ConditionalRequestConflict":
			completing++
			t.Logf("upload of %s/%s is being completed (its completer died?): left to the sweeper", f.bucket, u.Key)
		default:
			t.Errorf("abort upload of %s: %v", u.Key, err)
		}
	}
	return completing
}

// checkBlocks runs gc after the grace and checks that exactly the live
// objects' want block rows are left: none orphaned, none lost.
func (su *faultSuite) checkBlocks(t *testing.T, ctx context.Context, want int64) {
	db := quorumSession(t, su.hosts, su.ks)
	before := countBlocks(t, db)
	time.Sleep(su.o.GCGrace + time.Second)
	n, completing := before, 0
	const runs = 4
	for i := range runs {
		out := su.fronts[0].GC(t)
		completing = 0
		for _, e := range su.done { // uploads the sweeper has just decided
			completing += e.abortUploads(t, ctx)
		}
		n = countBlocks(t, db)
		t.Logf("gc run %d: %d block rows (%d before), live objects need %d: %s", i+1, n, before, want, out)
		if n == want && completing == 0 {
			break
		}
		time.Sleep(su.o.GCGrace)
	}
	if completing > 0 {
		t.Errorf("%d uploads still being completed after %d gc runs: the sweeper did not decide them", completing, runs)
	}
	if n != want {
		t.Errorf("after gc, %d block rows; the live objects need exactly %d (%d orphaned)", n, want, n-want)
	}
}
