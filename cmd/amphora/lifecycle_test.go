package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/lifecycle"
	"github.com/amphora-s3/amphora/store"
	"github.com/amphora-s3/amphora/store/memstore"
)

// The lifecycle worker's passes show in the metrics: one pass that
// expires one object of two moves the pass and expiration counters by
// exactly that.
func TestLifecycleMetrics(t *testing.T) {
	ctx := t.Context()
	st := memstore.New()
	if err := st.CreateBucket(ctx, store.Bucket{Name: "lc", Owner: "o"}); err != nil {
		t.Fatal(err)
	}
	rules := lifecycle.Config{Rules: []lifecycle.Rule{{ID: "tmp", Enabled: true, Filter: lifecycle.Filter{Prefix: "tmp/"},
		Expiration: &lifecycle.Expiration{Days: 1}}}}
	if err := st.SetBucketSetting(ctx, "lc", store.SettingLifecycle, rules.Encode()); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"tmp/a", "keep/b"} {
		if _, err := st.PutObject(ctx, store.PutInput{Bucket: "lc", Key: k, Owner: "o", Size: 1, Body: bytes.NewReader([]byte("x"))}); err != nil {
			t.Fatal(err)
		}
	}
	w := &lifecycle.Worker{Store: st, Clock: lifecycle.DefaultClock, Holder: "test", Log: zerolog.Nop(),
		Now: func() time.Time { return time.Now().Add(72 * time.Hour) }}
	reg := prometheus.NewRegistry()
	if err := registerLifecycleMetrics(reg, w); err != nil {
		t.Fatal(err)
	}
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		m := mf.GetMetric()[0]
		if c := m.GetCounter(); c != nil {
			got[mf.GetName()] = c.GetValue()
		} else {
			got[mf.GetName()] = m.GetGauge().GetValue()
		}
	}
	for name, want := range map[string]float64{
		"amphora_lifecycle_passes_total": 1, "amphora_lifecycle_buckets_total": 1, "amphora_lifecycle_keys_total": 2,
		"amphora_lifecycle_expired_total": 1, "amphora_lifecycle_removed_versions_total": 0, "amphora_lifecycle_pass_errors_total": 0,
	} {
		if got[name] != want {
			t.Errorf("%s = %v, want %v", name, got[name], want)
		}
	}
	if ts := got["amphora_lifecycle_last_pass_timestamp_seconds"]; time.Since(time.Unix(int64(ts), 0)) > time.Minute {
		t.Errorf("last pass timestamp %v", ts)
	}
}
