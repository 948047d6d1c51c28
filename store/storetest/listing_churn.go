package storetest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/store"
)

// Listing while keys come and go (and, in a store that splits its
// listing index, while it splits: Options.Background). Writers PUT and
// DELETE keys of their own, recording when each operation started and
// ended; listers page through the bucket. Afterwards every listing is
// checked against the operations: a key whose state did not change
// while the listing ran (no operation on it overlapped the listing) must
// be listed if it existed and must not be if it did not; keys come
// strictly in order, never twice, whatever the page size.

// keyOp is one finished PUT (put) or DELETE of a key, with its span.
type keyOp struct {
	put        bool
	start, end time.Time
}

// churnListing is one whole listing (all its pages) and its span.
type churnListing struct {
	maxKeys    int
	keys       []string
	start, end time.Time
}

func (s *suite) testListingChurn(t *testing.T) {
	st, bucket := s.setup(t, "churn")
	const (
		stable   = 120 // put before, never touched: half of them deleted first
		writers  = 4
		perOwner = 40 // keys per writer
		rounds   = 6  // PUT/DELETE rounds per writer key
	)
	// Stable keys interleave with churn keys, so that every page and
	// every range mixes both.
	var present, absent []string
	for i := range stable {
		k := fmt.Sprintf("k%04d/s", i*7)
		put(t, st, bucket, k, []byte(k), store.Meta{})
		if i%2 == 1 {
			if _, err := st.DeleteObject(t.Context(), bucket, k); err != nil {
				t.Fatalf("DeleteObject(%q): %v", k, err)
			}
			absent = append(absent, k)
		} else {
			present = append(present, k)
		}
	}
	stop := func() {}
	if s.background != nil {
		stop = s.background(t, st, bucket)
	}
	defer stop()

	var (
		mu       sync.Mutex
		ops      = map[string][]keyOp{}
		listings []churnListing
		wg       sync.WaitGroup
		done     = make(chan struct{})
	)
	for w := range writers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			keys := make([]string, perOwner)
			for i := range keys {
				keys[i] = fmt.Sprintf("k%04d/c%d", (i*writers+w)*7*stable/(perOwner*writers)+rng.IntN(7), w)
			}
			until := time.Now().Add(s.churnFor)
			for i := 0; i < rounds*perOwner || time.Now().Before(until); i++ {
				k := keys[rng.IntN(len(keys))]
				op := keyOp{put: rng.IntN(3) > 0, start: time.Now()}
				var err error
				if op.put {
					_, err = st.PutObject(t.Context(), store.PutInput{Bucket: bucket, Key: k, Owner: "writer",
						Size: int64(len(k)), Body: strings.NewReader(k)})
				} else {
					_, err = st.DeleteObject(t.Context(), bucket, k)
				}
				op.end = time.Now()
				if err != nil {
					t.Errorf("churn on %q: %v", k, err)
					return
				}
				mu.Lock()
				ops[k] = append(ops[k], op)
				mu.Unlock()
			}
		})
	}
	var listers sync.WaitGroup
	for l := range 2 {
		listers.Go(func() {
			sizes := []int{1, 7, 50, 1000}
			for i := 0; ; i++ {
				select {
				case <-done:
					if i > 0 {
						return
					}
				default:
				}
				li := churnListing{maxKeys: sizes[(i+l)%len(sizes)], start: time.Now()}
				in := store.ListInput{Bucket: bucket, MaxKeys: li.maxKeys}
				for {
					res, err := st.ListObjects(t.Context(), in)
					if err != nil {
						t.Errorf("ListObjects: %v", err)
						return
					}
					for _, o := range res.Objects {
						li.keys = append(li.keys, o.Key)
					}
					if !res.IsTruncated {
						break
					}
					in.After = res.NextAfter
				}
				li.end = time.Now()
				mu.Lock()
				listings = append(listings, li)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(done)
	listers.Wait()
	stop()
	if t.Failed() {
		return
	}
	// A final listing once everything settled: exactly the last states.
	final := churnListing{maxKeys: 1000, start: time.Now()}
	for _, o := range mustList(t, st, bucket, store.ListInput{MaxKeys: 1000}).Objects {
		final.keys = append(final.keys, o.Key)
	}
	final.end = time.Now()
	listings = append(listings, final)

	for _, k := range present {
		ops[k] = []keyOp{{put: true}}
	}
	for _, k := range absent {
		ops[k] = []keyOp{{put: false}}
	}
	for i, li := range listings {
		checkChurnListing(t, i, li, ops)
	}
	t.Logf("%d listings checked against %d keys", len(listings), len(ops))
}

// checkChurnListing checks one listing against the operations: order,
// no repeats, and every key whose state was settled for its whole span.
func checkChurnListing(t *testing.T, i int, li churnListing, ops map[string][]keyOp) {
	t.Helper()
	listed := map[string]bool{}
	for j, k := range li.keys {
		if j > 0 && k <= li.keys[j-1] {
			t.Errorf("listing %d (pages of %d): %q after %q", i, li.maxKeys, k, li.keys[j-1])
		}
		listed[k] = true
		if _, known := ops[k]; !known {
			t.Errorf("listing %d (pages of %d): %q was never written", i, li.maxKeys, k)
		}
	}
	for k, kops := range ops {
		state, settled := stateDuring(kops, li.start, li.end)
		if !settled {
			continue
		}
		if state && !listed[k] {
			t.Errorf("listing %d (pages of %d, %s): %q existed throughout and was not listed", i, li.maxKeys, li.end.Sub(li.start), k)
		}
		if !state && listed[k] {
			t.Errorf("listing %d (pages of %d, %s): %q did not exist throughout and was listed", i, li.maxKeys, li.end.Sub(li.start), k)
		}
	}
}

// stateDuring returns whether the key existed during [start, end) and
// whether that is known: no operation on it overlapped the span. Ops of
// one key never overlap each other (one writer each); a zero span is the
// state before the test.
func stateDuring(ops []keyOp, start, end time.Time) (exists, settled bool) {
	var last *keyOp
	for i := range ops {
		op := &ops[i]
		if !op.end.Before(start) && op.start.Before(end) {
			return false, false // overlaps the listing
		}
		if op.end.Before(start) && (last == nil || op.end.After(last.end)) {
			last = op
		}
	}
	if last == nil {
		return false, true // never written before the listing
	}
	return last.put, true
}
