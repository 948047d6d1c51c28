package lifecycle

import (
	"testing"
	"time"

	"github.com/amphora-s3/amphora/store"
)

func TestExpiryRoundsUpToMidnight(t *testing.T) {
	created := time.Date(2026, 12, 7, 10, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		days int
		want time.Time
	}{
		{1, time.Date(2026, 12, 9, 0, 0, 0, 0, time.UTC)},
		{3, time.Date(2026, 12, 11, 0, 0, 0, 0, time.UTC)},
	} {
		if got := DefaultClock.after(created, tc.days); !got.Equal(tc.want) {
			t.Errorf("%d days after %v: %v, want %v", tc.days, created, got, tc.want)
		}
	}
	for _, days := range []int{106752, 200000, 1<<31 - 1} { // past time.Duration's range
		if got := DefaultClock.after(created, days); got.Before(created.AddDate(200, 0, 0)) {
			t.Errorf("%d days after %v: %v", days, created, got)
		}
	}
	midnight := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	if got := DefaultClock.after(midnight, 1); !got.Equal(midnight.AddDate(0, 0, 1)) {
		t.Errorf("a day after midnight: %v", got)
	}
}

func TestCurrentExpiryEarliestRule(t *testing.T) {
	created := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	date := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
	c := Config{Rules: []Rule{
		{ID: "long", Enabled: true, Expiration: &Expiration{Days: 30}},
		{ID: "date", Enabled: true, Filter: Filter{Prefix: "a/"}, Expiration: &Expiration{Date: date}},
		{ID: "off", Enabled: false, Expiration: &Expiration{Days: 1}},
		{ID: "marker", Enabled: true, Expiration: &Expiration{ExpiredObjectDeleteMarker: true}},
	}}
	at, id := c.CurrentExpiry(DefaultClock, store.Object{Key: "a/x", LastModified: created})
	if id != "date" || !at.Equal(date) {
		t.Errorf("a/x: %v %q", at, id)
	}
	at, id = c.CurrentExpiry(DefaultClock, store.Object{Key: "b/x", LastModified: created})
	if id != "long" || !at.Equal(time.Date(2027, 1, 7, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("b/x: %v %q", at, id)
	}
	if at, id := (Config{}).CurrentExpiry(DefaultClock, store.Object{Key: "k"}); !at.IsZero() || id != "" {
		t.Errorf("no rules: %v %q", at, id)
	}
}
