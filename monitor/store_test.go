package monitor

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// gathered flattens reg's gauges and counters to "name{values}" -> value.
func gathered(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var vals []string
			for _, l := range m.GetLabel() {
				vals = append(vals, l.GetValue())
			}
			k := mf.GetName() + "{" + strings.Join(vals, ",") + "}"
			switch {
			case m.GetGauge() != nil:
				out[k] = m.GetGauge().GetValue()
			case m.GetCounter() != nil:
				out[k] = m.GetCounter().GetValue()
			}
		}
	}
	return out
}

// The store's state is read at each scrape; the GC lag, read in the
// background, shows from a later scrape on.
func TestStoreCollector(t *testing.T) {
	reg := prometheus.NewRegistry()
	if err := RegisterStore(reg, fakeStore{}); err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{
		"amphora_block_buffers_in_use{}":               3,
		"amphora_block_buffers_max{}":                  128,
		"amphora_block_buffer_cutoffs_total{}":         1,
		"amphora_cassandra_block_slots_in_use{}":       2,
		"amphora_cassandra_block_slots_max{}":          64,
		"amphora_cache_lookups_total{access_key,hit}":  5,
		"amphora_cache_lookups_total{access_key,miss}": 1,
		"amphora_cache_lookups_total{bucket,hit}":      7,
		"amphora_cache_lookups_total{bucket,miss}":     2,
		"amphora_gc_sweeps_total{}":                    4,
		"amphora_gc_entries_total{}":                   9,
		"amphora_gc_last_sweep_duration_seconds{}":     1,
		"amphora_gc_queue_lag_seconds{}":               90,
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := gathered(t, reg)
		if _, ok := got["amphora_gc_queue_lag_seconds{}"]; ok || time.Now().After(deadline) {
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
			if ts := got["amphora_gc_last_sweep_timestamp_seconds{}"]; time.Since(time.Unix(int64(ts), 0)) > time.Minute {
				t.Errorf("last sweep timestamp %v", ts)
			}
			if t.Failed() {
				t.Log(fmt.Sprint(got))
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
