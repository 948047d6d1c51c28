// Package lifecycle holds S3 lifecycle configurations and their rules:
// the model a bucket keeps in its settings (store.SettingLifecycle), what
// each rule does to an object version at a given time (eval.go), and the
// background worker that applies them (worker.go). The frontend reads
// and writes S3's XML form (xml.go).
package lifecycle

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/amphora-s3/amphora/store"
)

// MaxRules is the most rules a configuration may hold, as in S3.
const MaxRules = 1000

// Config is a bucket's lifecycle configuration.
type Config struct {
	Rules []Rule `json:"rules"`
}

// Rule is one lifecycle rule. At least one action (Expiration,
// NoncurrentExpiration, AbortIncompleteDays) is set.
type Rule struct {
	ID      string `json:"id,omitempty"`
	Enabled bool   `json:"enabled"`
	Filter  Filter `json:"filter"`
	// Expiration expires current versions (a delete marker in a
	// versioned bucket) and removes expired delete markers.
	Expiration *Expiration `json:"expiration,omitempty"`
	// NoncurrentExpiration removes versions some time after they stopped
	// being current.
	NoncurrentExpiration *NoncurrentExpiration `json:"noncurrent,omitempty"`
	// AbortIncompleteDays aborts multipart uploads that many days after
	// they were started; 0 for none.
	AbortIncompleteDays int `json:"abort_days,omitempty"`
}

// Filter selects the objects a rule applies to: every condition set must
// hold (an empty filter selects everything).
type Filter struct {
	Prefix string `json:"prefix,omitempty"`
	// Tags must all be on the object, with these values.
	Tags store.Tags `json:"tags,omitempty"`
	// SizeGreaterThan and SizeLessThan bound the object's size in bytes
	// (exclusive); 0 for no bound.
	SizeGreaterThan int64 `json:"size_gt,omitempty"`
	SizeLessThan    int64 `json:"size_lt,omitempty"`
	// Legacy: the rule named its prefix outside a Filter element (as
	// s3cmd writes it); kept so GetBucketLifecycleConfiguration answers
	// in the form that was put.
	LegacyPrefix bool `json:"legacy_prefix,omitempty"`
}

// Expiration expires current versions Days after their creation, or on
// Date; ExpiredObjectDeleteMarker removes a delete marker that is the
// only version left of its key. Exactly one of the three is set.
type Expiration struct {
	Days                      int       `json:"days,omitempty"`
	Date                      time.Time `json:"date,omitzero"`
	ExpiredObjectDeleteMarker bool      `json:"expired_marker,omitempty"`
}

// NoncurrentExpiration removes a version Days after it became
// noncurrent, keeping the NewerVersions newest noncurrent versions.
type NoncurrentExpiration struct {
	Days          int `json:"days"`
	NewerVersions int `json:"newer,omitempty"`
}

// Encode renders c for the bucket's settings ("" for no rules).
func (c Config) Encode() string {
	if len(c.Rules) == 0 {
		return ""
	}
	b, _ := json.Marshal(c) // plain fields: cannot fail
	return string(b)
}

// Of is b's lifecycle configuration; ok is false when none is set.
func Of(b store.Bucket) (c Config, ok bool, err error) {
	v := b.Settings[store.SettingLifecycle]
	if v == "" {
		return c, false, nil
	}
	if err := json.Unmarshal([]byte(v), &c); err != nil {
		return c, false, fmt.Errorf("stored lifecycle configuration of %s: %w", b.Name, err)
	}
	return c, true, nil
}

// Matches reports whether f selects obj.
func (f Filter) Matches(obj store.Object) bool {
	if len(obj.Key) < len(f.Prefix) || obj.Key[:len(f.Prefix)] != f.Prefix {
		return false
	}
	if f.SizeGreaterThan > 0 && obj.Size <= f.SizeGreaterThan {
		return false
	}
	if f.SizeLessThan > 0 && obj.Size >= f.SizeLessThan {
		return false
	}
	for _, want := range f.Tags {
		found := false
		for _, t := range obj.Tags {
			if t == want {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
