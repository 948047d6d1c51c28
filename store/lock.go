package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Object lock. A version may carry a retention (a mode and a date until
// which it cannot be deleted) and a legal hold (no deletion while it is
// on), independent of each other. A version under either is never removed:
// not by DeleteVersion without the right to bypass a GOVERNANCE retention,
// not by the garbage rule (GarbageVersions), not by any background worker.
// A DELETE without a version id still adds a delete marker: the locked
// version stays.

// Retention modes.
const (
	// LockGovernance: the retention may be shortened or removed, and the
	// version deleted, by a request that bypasses governance (with the
	// s3:BypassGovernanceRetention permission).
	LockGovernance = "GOVERNANCE"
	// LockCompliance: nobody may shorten or remove the retention or delete
	// the version before its date, the bucket owner included.
	LockCompliance = "COMPLIANCE"
)

// ErrObjectLocked: the version is under a retention or a legal hold that
// forbids the request.
var ErrObjectLocked = errors.New("object is protected by object lock")

// Retention is a version's retention; the zero value is none.
type Retention struct {
	Mode  string    // LockGovernance or LockCompliance
	Until time.Time // UTC
}

// IsZero reports whether r is no retention.
func (r Retention) IsZero() bool { return r.Mode == "" }

// Active reports whether r protects its version at now.
func (r Retention) Active(now time.Time) bool { return r.Mode != "" && now.Before(r.Until) }

// Lock is what protects one version.
type Lock struct {
	Retention Retention
	LegalHold bool
	// LegalHoldSet: PutObjectLegalHold (ON or OFF) was called on the
	// version. Not encoded: stores derive it (HadLegalHold).
	LegalHoldSet bool
}

// HadLegalHold reports whether a legal hold was ever put on the version,
// by its write or by PutObjectLegalHold: GetObjectLegalHold answers 404
// NoSuchObjectLockConfiguration for one that never had one, as S3 does.
func (l Lock) HadLegalHold() bool { return l.LegalHold || l.LegalHoldSet }

// IsZero reports whether l protects nothing, ever.
func (l Lock) IsZero() bool { return l.Retention.IsZero() && !l.LegalHold }

// Active reports whether l protects its version at now.
func (l Lock) Active(now time.Time) bool { return l.LegalHold || l.Retention.Active(now) }

// CheckDelete is the rule for removing a version under l at now:
// ErrObjectLocked while a legal hold is on or a retention runs, unless it
// is a GOVERNANCE one and bypass is set.
func (l Lock) CheckDelete(now time.Time, bypass bool) error {
	switch {
	case l.LegalHold:
		return fmt.Errorf("%w: legal hold", ErrObjectLocked)
	case !l.Retention.Active(now):
		return nil
	case l.Retention.Mode == LockGovernance && bypass:
		return nil
	}
	return fmt.Errorf("%w: %s retention until %s", ErrObjectLocked, l.Retention.Mode, l.Retention.Until.Format(time.RFC3339))
}

// CheckRetentionChange is the rule for replacing retention old with new
// at now: a running COMPLIANCE retention may only be extended (same mode,
// a date no earlier); a running GOVERNANCE one may be extended in the
// same mode, and otherwise changed (shortened, removed, turned
// COMPLIANCE) only with bypass, as S3 does. A retention that has run out
// may be changed freely.
func CheckRetentionChange(old, new Retention, now time.Time, bypass bool) error {
	if !old.Active(now) {
		return nil
	}
	extends := !new.IsZero() && !new.Until.Before(old.Until)
	switch old.Mode {
	case LockCompliance:
		if extends && new.Mode == LockCompliance {
			return nil
		}
	case LockGovernance:
		if extends && new.Mode == LockGovernance || bypass {
			return nil
		}
	}
	return fmt.Errorf("%w: %s retention until %s cannot be shortened or removed", ErrObjectLocked, old.Mode, old.Until.Format(time.RFC3339))
}

// Encode renders r for storage ("" for none): "MODE UNTIL" with UNTIL in
// RFC 3339 with nanoseconds.
func (r Retention) Encode() string {
	if r.IsZero() {
		return ""
	}
	return r.Mode + " " + r.Until.UTC().Format(time.RFC3339Nano)
}

// DecodeRetention reads what Encode wrote.
func DecodeRetention(s string) (Retention, error) {
	if s == "" {
		return Retention{}, nil
	}
	mode, until, ok := strings.Cut(s, " ")
	t, err := time.Parse(time.RFC3339Nano, until)
	if !ok || err != nil || mode != LockGovernance && mode != LockCompliance {
		return Retention{}, fmt.Errorf("stored retention %q: malformed", s)
	}
	return Retention{Mode: mode, Until: t.UTC()}, nil
}

// Encode renders l for storage ("" for none): the retention, then
// " HOLD" when the legal hold is on.
func (l Lock) Encode() string {
	s := l.Retention.Encode()
	if l.LegalHold {
		s = strings.TrimPrefix(s+" HOLD", " ")
	}
	return s
}

// DecodeLock reads what Lock.Encode wrote.
func DecodeLock(s string) (Lock, error) {
	var l Lock
	if rest, ok := strings.CutSuffix(s, "HOLD"); ok {
		l.LegalHold = true
		s = strings.TrimSuffix(rest, " ")
	}
	r, err := DecodeRetention(s)
	if err != nil {
		return Lock{}, err
	}
	l.Retention = r
	return l, nil
}

// SettingObjectLock is the bucket's object lock configuration
// (ObjectLockConfig.Encode); absent: object lock is not enabled.
const SettingObjectLock = "objectLock"

// ObjectLockConfig is a bucket's object lock configuration: once enabled
// it stays enabled (and the bucket's versioning stays Enabled). Mode with
// Days or Years is the default retention of new versions; Mode "" for
// none.
type ObjectLockConfig struct {
	Enabled bool   `json:"enabled"`
	Mode    string `json:"mode,omitempty"`
	Days    int    `json:"days,omitempty"`
	Years   int    `json:"years,omitempty"`
}

// Encode renders c for storage.
func (c ObjectLockConfig) Encode() string {
	b, _ := json.Marshal(c) // plain fields: cannot fail
	return string(b)
}

// ObjectLock is b's object lock configuration (Enabled false when none).
func (b Bucket) ObjectLock() (ObjectLockConfig, error) {
	var c ObjectLockConfig
	v := b.Settings[SettingObjectLock]
	if v == "" {
		return c, nil
	}
	if err := json.Unmarshal([]byte(v), &c); err != nil {
		return c, fmt.Errorf("stored object lock configuration: %w", err)
	}
	return c, nil
}

// DefaultRetention is the retention a version created at t gets when its
// write names none; zero when c has no default.
func (c ObjectLockConfig) DefaultRetention(t time.Time) Retention {
	if !c.Enabled || c.Mode == "" {
		return Retention{}
	}
	return Retention{Mode: c.Mode, Until: t.UTC().AddDate(c.Years, 0, c.Days)}
}
