package store

import (
	"errors"
	"testing"
	"time"
)

func TestLockRules(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	hour, later, past := now.Add(time.Hour), now.Add(2*time.Hour), now.Add(-time.Minute)
	gov := func(t time.Time) Retention { return Retention{Mode: LockGovernance, Until: t} }
	comp := func(t time.Time) Retention { return Retention{Mode: LockCompliance, Until: t} }

	for _, tc := range []struct {
		name   string
		lock   Lock
		bypass bool
		locked bool
	}{
		{"none", Lock{}, false, false},
		{"compliance", Lock{Retention: comp(hour)}, false, true},
		{"compliance, bypass", Lock{Retention: comp(hour)}, true, true},
		{"governance", Lock{Retention: gov(hour)}, false, true},
		{"governance, bypass", Lock{Retention: gov(hour)}, true, false},
		{"compliance run out", Lock{Retention: comp(past)}, false, false},
		{"legal hold", Lock{LegalHold: true}, true, true},
		{"legal hold, retention run out", Lock{Retention: comp(past), LegalHold: true}, true, true},
		{"until now exactly", Lock{Retention: comp(now)}, false, false},
	} {
		err := tc.lock.CheckDelete(now, tc.bypass)
		if got := errors.Is(err, ErrObjectLocked); got != tc.locked {
			t.Errorf("CheckDelete %s: %v, want locked %t", tc.name, err, tc.locked)
		}
		if tc.lock.Active(now) != (tc.lock.LegalHold || tc.lock.Retention.Active(now)) {
			t.Errorf("Active %s", tc.name)
		}
	}

	for _, tc := range []struct {
		name     string
		old, new Retention
		bypass   bool
		ok       bool
	}{
		{"none to any", Retention{}, comp(hour), false, true},
		{"compliance extended", comp(hour), comp(later), false, true},
		{"compliance same date", comp(hour), comp(hour), false, true},
		{"compliance shortened", comp(later), comp(hour), true, false},
		{"compliance removed", comp(hour), Retention{}, true, false},
		{"compliance to governance", comp(hour), gov(later), true, false},
		{"governance extended", gov(hour), gov(later), false, true},
		{"governance to compliance, later", gov(hour), comp(later), false, false},
		{"governance to compliance, bypass", gov(hour), comp(later), true, true},
		{"governance shortened", gov(later), gov(hour), false, false},
		{"governance shortened, bypass", gov(later), gov(hour), true, true},
		{"governance removed", gov(hour), Retention{}, false, false},
		{"governance removed, bypass", gov(hour), Retention{}, true, true},
		{"compliance run out, removed", comp(past), Retention{}, false, true},
	} {
		err := CheckRetentionChange(tc.old, tc.new, now, tc.bypass)
		if (err == nil) != tc.ok || err != nil && !errors.Is(err, ErrObjectLocked) {
			t.Errorf("CheckRetentionChange %s: %v, want ok %t", tc.name, err, tc.ok)
		}
	}
}

func TestLockEncoding(t *testing.T) {
	until := time.Date(2027, 1, 2, 3, 4, 5, 6000000, time.UTC)
	for _, l := range []Lock{
		{},
		{LegalHold: true},
		{Retention: Retention{Mode: LockCompliance, Until: until}},
		{Retention: Retention{Mode: LockGovernance, Until: until}, LegalHold: true},
	} {
		got, err := DecodeLock(l.Encode())
		if err != nil || got.LegalHold != l.LegalHold || got.Retention.Mode != l.Retention.Mode || !got.Retention.Until.Equal(l.Retention.Until) {
			t.Errorf("DecodeLock(%q) = %+v, %v; want %+v", l.Encode(), got, err, l)
		}
	}
	for _, bad := range []string{"FOO 2027-01-01T00:00:00Z", "COMPLIANCE", "COMPLIANCE yesterday"} {
		if _, err := DecodeLock(bad); err == nil {
			t.Errorf("DecodeLock(%q) accepted", bad)
		}
	}
	c := ObjectLockConfig{Enabled: true, Mode: LockGovernance, Days: 3}
	b := Bucket{Settings: BucketSettings{SettingObjectLock: c.Encode()}}
	got, err := b.ObjectLock()
	if err != nil || got != c {
		t.Fatalf("ObjectLock() = %+v, %v", got, err)
	}
	at := time.Date(2026, 12, 7, 23, 0, 0, 0, time.UTC)
	if r := got.DefaultRetention(at); r.Mode != LockGovernance || !r.Until.Equal(at.AddDate(0, 0, 3)) {
		t.Errorf("DefaultRetention = %+v", r)
	}
	if r := (ObjectLockConfig{Enabled: true}).DefaultRetention(at); !r.IsZero() {
		t.Errorf("no default: %+v", r)
	}
}
