package lifecycle

import (
	"time"

	"github.com/amphora-s3/amphora/store"
)

// Clock turns the rules' days into instants. Day is the length of a
// lifecycle day: 24h, except in tests, which run a day in seconds.
type Clock struct{ Day time.Duration }

// DefaultClock has S3's day.
var DefaultClock = Clock{Day: 24 * time.Hour}

// maxSpan is the longest span after computes (a little over 280 years:
// time.Duration's range is 292); farFuture stands for anything beyond.
const maxSpan = 280 * 365 * 24 * time.Hour

var farFuture = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// after is t plus days, rounded up to the next day boundary (midnight UTC
// with S3's day), as S3 computes expiry dates.
func (c Clock) after(t time.Time, days int) time.Time {
	day := c.Day
	if day <= 0 {
		day = DefaultClock.Day
	}
	if int64(days) > int64(maxSpan/day) {
		return farFuture // rules may name up to 2^31 days: never wrap around
	}
	end := t.Add(time.Duration(days) * day)
	r := end.Truncate(day)
	if r.Before(end) {
		r = r.Add(day)
	}
	return r.UTC()
}

// ActionKind is what the worker does to a version.
type ActionKind int

const (
	// ExpireCurrent deletes the key as a DELETE without version id does:
	// a delete marker in a versioned bucket, gone otherwise.
	ExpireCurrent ActionKind = iota + 1
	// RemoveVersion deletes one version (or delete marker) by id.
	RemoveVersion
)

// Action is one thing a configuration asks for on a key.
type Action struct {
	Kind      ActionKind
	Key       string
	VersionID string // RemoveVersion
	RuleID    string
}

// CurrentExpiry is when the configuration expires obj, the current
// version of its key (the earliest of the enabled rules with an
// Expiration by Days or Date that select it), and that rule's ID; zero
// when none does. It is the x-amz-expiration header of PUT, GET and HEAD.
func (c Config) CurrentExpiry(clock Clock, obj store.Object) (time.Time, string) {
	var (
		best time.Time
		id   string
	)
	for _, r := range c.Rules {
		t := r.currentExpiry(clock, obj)
		if !t.IsZero() && (best.IsZero() || t.Before(best)) {
			best, id = t, r.ID
		}
	}
	return best, id
}

func (r Rule) currentExpiry(clock Clock, obj store.Object) time.Time {
	e := r.Expiration
	if !r.Enabled || e == nil || obj.DeleteMarker || !r.Filter.Matches(obj) {
		return time.Time{}
	}
	switch {
	case e.Days > 0:
		return clock.after(obj.LastModified, e.Days)
	case !e.Date.IsZero():
		return e.Date
	}
	return time.Time{}
}

// removesMarker reports whether r removes an expired delete marker (the
// only version left of its key): ExpiredObjectDeleteMarker, or an
// Expiration by Days, which S3 also lets remove them.
func (r Rule) removesMarker(marker store.Object) bool {
	e := r.Expiration
	if !r.Enabled || e == nil || !(e.ExpiredObjectDeleteMarker || e.Days > 0) {
		return false
	}
	return r.Filter.matchesMarker(marker)
}

// matchesMarker: a delete marker has no tags and no size; only a filter
// by prefix alone selects it.
func (f Filter) matchesMarker(marker store.Object) bool {
	if len(f.Tags) > 0 || f.SizeGreaterThan > 0 || f.SizeLessThan > 0 {
		return false
	}
	return len(marker.Key) >= len(f.Prefix) && marker.Key[:len(f.Prefix)] == f.Prefix
}

// KeyActions is what the configuration asks for, at now, on one key whose
// versions (newest first, delete markers included) are vs. At most one
// action concerns the current version; every noncurrent version due is
// removed.
func (c Config) KeyActions(clock Clock, vs []store.Object, now time.Time) []Action {
	if len(vs) == 0 {
		return nil
	}
	var out []Action
	cur := vs[0]
	if cur.DeleteMarker {
		if len(vs) == 1 {
			for _, r := range c.Rules {
				if r.removesMarker(cur) {
					out = append(out, Action{Kind: RemoveVersion, Key: cur.Key, VersionID: cur.VersionID, RuleID: r.ID})
					break
				}
			}
		}
	} else if t, id := c.CurrentExpiry(clock, cur); !t.IsZero() && !now.Before(t) {
		out = append(out, Action{Kind: ExpireCurrent, Key: cur.Key, RuleID: id})
	}
	for i := 1; i < len(vs); i++ {
		v := vs[i]
		since := vs[i-1].LastModified // it stopped being current when its successor came
		for _, r := range c.Rules {
			n := r.NoncurrentExpiration
			if !r.Enabled || n == nil || i-1 < n.NewerVersions {
				continue
			}
			if v.DeleteMarker && !r.Filter.matchesMarker(v) || !v.DeleteMarker && !r.Filter.Matches(v) {
				continue
			}
			if !now.Before(clock.after(since, n.Days)) {
				out = append(out, Action{Kind: RemoveVersion, Key: v.Key, VersionID: v.VersionID, RuleID: r.ID})
				break
			}
		}
	}
	return out
}

// AbortsUpload reports whether the configuration aborts an upload of key
// started at initiated, at now, and by which rule.
func (c Config) AbortsUpload(clock Clock, key string, initiated, now time.Time) (string, bool) {
	for _, r := range c.Rules {
		if !r.Enabled || r.AbortIncompleteDays <= 0 || !r.Filter.matchesMarker(store.Object{Key: key}) {
			continue
		}
		if !now.Before(clock.after(initiated, r.AbortIncompleteDays)) {
			return r.ID, true
		}
	}
	return "", false
}

// NeedsUploads reports whether any enabled rule aborts uploads.
func (c Config) NeedsUploads() bool {
	for _, r := range c.Rules {
		if r.Enabled && r.AbortIncompleteDays > 0 {
			return true
		}
	}
	return false
}
