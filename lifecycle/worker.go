package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/store"
)

// Worker applies the buckets' lifecycle rules. Any number of frontends
// may run one: a lease per bucket ("lifecycle/<bucket>", store.Leases)
// lets one of them work a bucket at a time, and the position it saves
// after each page of versions (the last key done) lets whoever takes the
// lease next resume there instead of starting over. Versions are only
// ever removed through the store's DeleteVersion, which refuses a version
// under object lock: the worker never removes a locked version.
type Worker struct {
	Store  store.Store
	Clock  Clock
	Holder string // this frontend's name for its leases
	// Rate bounds the actions (deletes, aborts) per second; 0: unbounded.
	Rate float64
	// PageSize is the number of versions read per listing page (1000
	// when 0).
	PageSize int
	// LeaseTTL is how long a lease lasts unless renewed (a minute when
	// 0); the worker renews it after every page.
	LeaseTTL time.Duration
	Log      zerolog.Logger
	// Now is the worker's clock (time.Now when nil).
	Now func() time.Time
	// Interrupt, when set, is asked after each key whether to stop
	// there, leaving the bucket's position for the next pass (tests
	// interrupt a worker mid-bucket with it).
	Interrupt func() bool

	mu     sync.Mutex
	totals Totals
}

// Totals add up the passes a Worker made (its metrics).
type Totals struct {
	Stats
	Passes   int       // passes made (RunOnce calls)
	Errors   int       // passes that ended in an error
	LastPass time.Time // when the last one ended
}

// Totals returns what the worker's passes did so far.
func (w *Worker) Totals() Totals {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.totals
}

func (w *Worker) record(st Stats, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	t := &w.totals
	t.Passes++
	if err != nil {
		t.Errors++
	}
	t.LastPass = time.Now()
	t.Buckets += st.Buckets
	t.Busy += st.Busy
	t.Keys += st.Keys
	t.Expired += st.Expired
	t.Removed += st.Removed
	t.Aborted += st.Aborted
	t.Locked += st.Locked
	t.Failed += st.Failed
}

// Stats count what one pass did.
type Stats struct {
	Buckets int // buckets worked (a lease held)
	Busy    int // buckets another frontend was working
	Keys    int // keys looked at
	Expired int // current versions expired (deleted, or a delete marker added)
	Removed int // versions and delete markers removed
	Aborted int // multipart uploads aborted
	Locked  int // versions due but under object lock: kept
	Failed  int // actions that failed (retried next pass)
}

// errLeaseLost stops a bucket whose lease another frontend took.
var errLeaseLost = errors.New("lifecycle lease lost")

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Worker) leaseTTL() time.Duration {
	if w.LeaseTTL > 0 {
		return w.LeaseTTL
	}
	return time.Minute
}

// Run makes a pass every interval until ctx is done.
func (w *Worker) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		start := time.Now()
		st, err := w.RunOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		ev := w.Log.Info()
		if err != nil {
			ev = w.Log.Warn().Err(err)
		} else if st.Expired+st.Removed+st.Aborted+st.Failed == 0 {
			ev = w.Log.Debug()
		}
		ev.Int("buckets", st.Buckets).Int("busy", st.Busy).Int("keys", st.Keys).Int("expired", st.Expired).
			Int("removed", st.Removed).Int("aborted", st.Aborted).Int("locked", st.Locked).Int("failed", st.Failed).
			Dur("took", time.Since(start)).Msg("lifecycle pass")
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce works every bucket that has a lifecycle configuration and whose
// lease it can take, each from its saved position to its end.
func (w *Worker) RunOnce(ctx context.Context) (st Stats, err error) {
	defer func() { w.record(st, err) }()
	buckets, err := w.Store.AllBuckets(ctx)
	if err != nil {
		return st, err
	}
	var firstErr error
	for _, b := range buckets {
		c, ok, err := Of(b)
		if err != nil {
			firstErr = cmpErr(firstErr, err)
			continue
		}
		if !ok {
			continue
		}
		if err := w.Bucket(ctx, b, c, &st); err != nil {
			if ctx.Err() != nil {
				return st, ctx.Err()
			}
			w.Log.Warn().Err(err).Str("bucket", b.Name).Msg("lifecycle bucket")
			firstErr = cmpErr(firstErr, err)
		}
	}
	return st, firstErr
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// LeaseName is the lease of bucket's lifecycle work.
func LeaseName(bucket string) string { return "lifecycle/" + bucket }

// Bucket works one bucket under its lease: every key's versions from the
// saved position on, then its multipart uploads. At the end the position
// is cleared, so the next pass starts over.
func (w *Worker) Bucket(ctx context.Context, b store.Bucket, c Config, st *Stats) error {
	lease := LeaseName(b.Name)
	ok, err := w.Store.AcquireLease(ctx, lease, w.Holder, w.leaseTTL())
	if err != nil {
		return err
	}
	if !ok {
		st.Busy++
		return nil
	}
	st.Buckets++
	defer func() {
		// Released on a fresh context: a cancelled pass still frees it.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := w.Store.ReleaseLease(rctx, lease, w.Holder); err != nil {
			w.Log.Warn().Err(err).Str("bucket", b.Name).Msg("release lifecycle lease")
		}
	}()
	pos, err := w.Store.LeasePosition(ctx, lease)
	if err != nil {
		return err
	}
	if pos != "" {
		w.Log.Info().Str("bucket", b.Name).Str("after", pos).Msg("lifecycle resumes")
	}
	if err := w.versions(ctx, b, c, pos, st); err != nil {
		if errors.Is(err, errStopped) {
			return nil
		}
		return err
	}
	if c.NeedsUploads() {
		if err := w.uploads(ctx, b, c, st); err != nil {
			return err
		}
	}
	if ok, err := w.Store.SaveLeasePosition(ctx, lease, w.Holder, ""); err != nil || !ok {
		return cmpErr(err, errLeaseLost)
	}
	return nil
}

// errStopped ends a bucket stopped mid-way (Worker.Interrupt): its position
// stays for the next pass.
var errStopped = errors.New("lifecycle worker stopped")

// versions walks the bucket's keys after pos, a page at a time, applying
// the configuration to each key's versions once all of them are read,
// and saving the last key done after each page.
func (w *Worker) versions(ctx context.Context, b store.Bucket, c Config, pos string, st *Stats) error {
	page := w.PageSize
	if page <= 0 {
		page = 1000
	}
	in := store.ListVersionsInput{Bucket: b.Name, KeyMarker: pos, MaxKeys: page}
	var (
		key         string // the key whose versions are being gathered
		vs          []store.Object
		done, saved = pos, pos // the last key applied, and the last saved
	)
	apply := func() error {
		st.Keys++
		w.apply(ctx, b, c, key, vs, st)
		done, key, vs = key, "", nil
		if w.Interrupt != nil && w.Interrupt() {
			return errStopped
		}
		return ctx.Err()
	}
	for {
		res, err := w.Store.ListVersions(ctx, in)
		if err != nil {
			return err
		}
		for _, v := range res.Versions {
			if v.Key != key && key != "" {
				if err := apply(); err != nil {
					return err
				}
			}
			key = v.Key
			vs = append(vs, v)
		}
		if !res.IsTruncated {
			break
		}
		if done != saved {
			if err := w.keyDone(ctx, b, done); err != nil {
				return err
			}
			saved = done
		}
		in.KeyMarker, in.VersionIDMarker = res.NextKeyMarker, res.NextVersionIDMarker
	}
	if key != "" {
		return apply()
	}
	return nil
}

// keyDone saves key as the bucket's position (renewing the lease): a
// worker taking over resumes after it.
func (w *Worker) keyDone(ctx context.Context, b store.Bucket, key string) error {
	lease := LeaseName(b.Name)
	ok, err := w.Store.AcquireLease(ctx, lease, w.Holder, w.leaseTTL())
	if err == nil && ok {
		ok, err = w.Store.SaveLeasePosition(ctx, lease, w.Holder, key)
	}
	if err != nil {
		return err
	}
	if !ok {
		return errLeaseLost
	}
	return nil
}

// apply carries out what the configuration asks for on one key.
func (w *Worker) apply(ctx context.Context, b store.Bucket, c Config, key string, vs []store.Object, st *Stats) {
	for _, a := range c.KeyActions(w.Clock, vs, w.now()) {
		if err := w.pace(ctx); err != nil {
			return
		}
		log := w.Log.With().Str("bucket", b.Name).Str("key", key).Str("rule", a.RuleID).Logger()
		switch a.Kind {
		case ExpireCurrent:
			// The key may have been written since it was listed: expire
			// only the version the rules were applied to.
			cur, err := w.Store.HeadObject(ctx, b.Name, key)
			if err != nil || cur.VersionID != vs[0].VersionID || !cur.LastModified.Equal(vs[0].LastModified) {
				continue
			}
			if _, err := w.Store.DeleteObject(ctx, b.Name, key); err != nil {
				st.Failed++
				log.Warn().Err(err).Msg("lifecycle expiration")
				continue
			}
			st.Expired++
			log.Debug().Msg("lifecycle expired")
		case RemoveVersion:
			_, err := w.Store.DeleteVersion(ctx, b.Name, key, a.VersionID, false)
			switch {
			case errors.Is(err, store.ErrObjectLocked):
				st.Locked++
				log.Debug().Str("version", a.VersionID).Msg("lifecycle kept a locked version")
			case err != nil:
				st.Failed++
				log.Warn().Err(err).Str("version", a.VersionID).Msg("lifecycle version removal")
			default:
				st.Removed++
				log.Debug().Str("version", a.VersionID).Msg("lifecycle removed a version")
			}
		}
	}
}

// uploads aborts the bucket's multipart uploads a rule says are due.
func (w *Worker) uploads(ctx context.Context, b store.Bucket, c Config, st *Stats) error {
	in := store.ListUploadsInput{Bucket: b.Name, MaxUploads: 1000}
	for {
		res, err := w.Store.ListMultipartUploads(ctx, in)
		if err != nil {
			return fmt.Errorf("list uploads of %s: %w", b.Name, err)
		}
		for _, u := range res.Uploads {
			rule, due := c.AbortsUpload(w.Clock, u.Key, u.Initiated, w.now())
			if !due {
				continue
			}
			if err := w.pace(ctx); err != nil {
				return err
			}
			if err := w.Store.AbortMultipartUpload(ctx, b.Name, u.Key, u.UploadID); err != nil && !errors.Is(err, store.ErrNoSuchUpload) {
				st.Failed++
				w.Log.Warn().Err(err).Str("bucket", b.Name).Str("key", u.Key).Str("rule", rule).Msg("lifecycle abort")
				continue
			}
			st.Aborted++
		}
		if !res.IsTruncated {
			return nil
		}
		in.KeyMarker, in.UploadIDMarker = res.NextKeyMarker, res.NextUploadIDMarker
	}
}

// pace waits so that actions stay under Rate per second.
func (w *Worker) pace(ctx context.Context) error {
	if w.Rate <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(time.Duration(float64(time.Second) / w.Rate))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
