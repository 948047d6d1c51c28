package cassandra

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// ScrubLease is the lease (store.Leases) of the background scrubber: one
// frontend scrubs at a time, so RateMB bounds the whole ring's scrub
// reads, and the position it saves lets whoever takes the lease next
// (the same frontend after a restart, or another) resume there.
const ScrubLease = "scrub"

// Scrubber is the background scrubber: a pass over every bucket each
// Interval, under ScrubLease, from the position the last holder saved.
type Scrubber struct {
	Store  *Store
	Holder string  // this frontend's name for the lease
	RateMB float64 // read rate bound (ScrubOptions.RateMB)
	// Interval is the time from the end of a pass (by any frontend) to
	// the start of the next; 0: no wait.
	Interval time.Duration
	LeaseTTL time.Duration
	// SaveEvery is how often the position is saved and the lease renewed
	// during a pass (10s when 0).
	SaveEvery time.Duration
	Log       zerolog.Logger
	// Report, when set, also receives every object's report.
	Report func(ScrubObject)

	mu     sync.Mutex
	totals ScrubTotals
}

// ScrubTotals add up what a Scrubber did in this process (its metrics).
type ScrubTotals struct {
	Passes    int // passes finished (the walk reached its end)
	Errors    int // passes stopped by an error
	Busy      int // passes skipped: another frontend held the lease
	Objects   map[ScrubResult]int
	Blocks    map[ScrubResult]int
	BytesRead int64
	LastPass  time.Time // when the last pass finished
}

// Totals returns a copy of what the scrubber did so far.
func (w *Scrubber) Totals() ScrubTotals {
	w.mu.Lock()
	defer w.mu.Unlock()
	t := w.totals
	t.Objects, t.Blocks = map[ScrubResult]int{}, map[ScrubResult]int{}
	for k, v := range w.totals.Objects {
		t.Objects[k] = v
	}
	for k, v := range w.totals.Blocks {
		t.Blocks[k] = v
	}
	return t
}

func (w *Scrubber) count(o ScrubObject) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.totals.Objects == nil {
		w.totals.Objects, w.totals.Blocks = map[ScrubResult]int{}, map[ScrubResult]int{}
	}
	w.totals.Objects[o.Result]++
	for r, n := range o.Blocks {
		w.totals.Blocks[r] += n
	}
	w.totals.BytesRead += o.BytesRead
}

func (w *Scrubber) leaseTTL() time.Duration {
	if w.LeaseTTL > 0 {
		return w.LeaseTTL
	}
	return time.Minute
}

func (w *Scrubber) saveEvery() time.Duration {
	if w.SaveEvery > 0 {
		return w.SaveEvery
	}
	return 10 * time.Second
}

// errScrubLeaseLost stops a pass whose lease another frontend took.
var errScrubLeaseLost = errors.New("scrub lease lost")

// scrubPoll bounds the wait between two looks at the lease: a pass
// that another frontend left (it stopped or died) is taken over soon.
const scrubPoll = 5 * time.Minute

// Run scrubs until ctx is done: a pass when the last one (by any
// frontend) finished w.Interval ago, looking every w.Interval or five
// minutes, whichever is shorter.
func (w *Scrubber) Run(ctx context.Context) {
	for {
		start := time.Now()
		st, ran, err := w.RunOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		switch {
		case err != nil:
			w.Log.Warn().Err(err).Msg("scrub pass")
		case ran:
			w.Log.Info().Int("keys", st.Keys).Any("objects", st.Objects).Any("blocks", st.Blocks).
				Int64("bytes_read", st.BytesRead).Dur("took", time.Since(start)).Msg("scrub pass")
		}
		wait := min(w.Interval, scrubPoll)
		if wait <= 0 {
			wait = time.Second
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// passDone is the position a finished pass saves: "@" (never the start
// of a bucket name) and when it finished.
func passDone(t time.Time) string { return "@" + t.UTC().Format(time.RFC3339) }

// finishedAt is when the pass that saved pos finished (false: pos is a
// key, or none).
func finishedAt(pos string) (time.Time, bool) {
	if !strings.HasPrefix(pos, "@") {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, pos[1:])
	return t, err == nil
}

// due reports whether a pass should run now, given the saved position.
func (w *Scrubber) due(pos string) bool {
	t, ok := finishedAt(pos)
	return !ok || time.Since(t) >= w.Interval
}

// RunOnce takes the lease (ran false when another frontend holds it, or
// the last pass finished less than Interval ago) and scrubs from the
// saved position to the end, saving the position as it goes; at the end
// it saves when the pass finished, so the next starts over once Interval
// has passed. A pass cut short (ctx done, an error) leaves the last key
// done as the position.
func (w *Scrubber) RunOnce(ctx context.Context) (st ScrubStats, ran bool, err error) {
	pos, err := w.Store.LeasePosition(ctx, ScrubLease)
	if err != nil || !w.due(pos) {
		return st, false, err // a plain read: nothing to take yet
	}
	ok, err := w.Store.AcquireLease(ctx, ScrubLease, w.Holder, w.leaseTTL())
	if err != nil {
		return st, false, err
	}
	if !ok {
		w.mu.Lock()
		w.totals.Busy++
		w.mu.Unlock()
		return st, false, nil
	}
	// Released and saved on a fresh context: a cancelled pass still
	// frees the lease and keeps its place.
	detached := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	}
	defer func() {
		rctx, cancel := detached()
		defer cancel()
		if err := w.Store.ReleaseLease(rctx, ScrubLease, w.Holder); err != nil {
			w.Log.Warn().Err(err).Msg("release scrub lease")
		}
	}()
	from, err := w.Store.LeasePosition(ctx, ScrubLease)
	if err != nil {
		return st, true, err
	}
	if !w.due(from) { // another frontend finished a pass meanwhile
		return st, false, nil
	}
	if _, done := finishedAt(from); done {
		from = ""
	}
	if from != "" {
		w.Log.Info().Str("position", from).Msg("scrub resumes")
	}
	saved, last := from, time.Now()
	save := func(ctx context.Context, pos string) error {
		ok, err := w.Store.SaveLeasePosition(ctx, ScrubLease, w.Holder, pos)
		if err != nil {
			return err
		}
		if !ok {
			return errScrubLeaseLost
		}
		saved = pos
		return nil
	}
	st, err = w.Store.Scrub(ctx, ScrubOptions{
		From:   from,
		RateMB: w.RateMB,
		Report: func(o ScrubObject) {
			w.count(o)
			if o.Result != ScrubHealthy {
				w.Log.Warn().Str("bucket", o.Bucket).Str("key", o.Key).Str("version", o.VersionID).
					Str("result", string(o.Result)).Strs("problems", o.Problems).Msg("scrub")
			}
			if w.Report != nil {
				w.Report(o)
			}
		},
		Checkpoint: func(ctx context.Context, pos string) error {
			if time.Since(last) < w.saveEvery() {
				return nil
			}
			last = time.Now()
			if ok, err := w.Store.AcquireLease(ctx, ScrubLease, w.Holder, w.leaseTTL()); err != nil || !ok {
				if err == nil {
					err = errScrubLeaseLost
				}
				return err
			}
			return save(ctx, pos)
		},
	})
	if err != nil {
		if st.Position != "" && st.Position != saved && !errors.Is(err, errScrubLeaseLost) {
			sctx, cancel := detached()
			defer cancel()
			if serr := save(sctx, st.Position); serr != nil {
				w.Log.Warn().Err(serr).Msg("save scrub position")
			}
		}
		if ctx.Err() == nil {
			w.mu.Lock()
			w.totals.Errors++
			w.mu.Unlock()
		}
		return st, true, fmt.Errorf("scrub: %w", err)
	}
	if err := save(ctx, passDone(time.Now())); err != nil {
		return st, true, fmt.Errorf("scrub: save the end of the pass: %w", err)
	}
	w.mu.Lock()
	w.totals.Passes++
	w.totals.LastPass = time.Now()
	w.mu.Unlock()
	return st, true, nil
}
