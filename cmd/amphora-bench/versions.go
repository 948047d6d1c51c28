package main

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The versions bucket holds o.versionKeys keys with versionsPerKey
// versions each (empty objects), in a versioned bucket:
// ListObjectVersions is measured beside ListObjectsV2 on the same bucket.
const (
	versionsBucket = "bench-versions"
	versionsPerKey = 3
)

// VersionsResult is the versions listing part of the report.
type VersionsResult struct {
	Keys        int       `json:"keys"`
	PerKey      int       `json:"versions_per_key"`
	LoadSeconds float64   `json:"load_seconds"`
	LoadPerSec  float64   `json:"load_puts_per_s"`
	Cases       []ListRun `json:"cases"`
}

func versionKey(i int) string { return fmt.Sprintf("v%07d", i) }

// setVersioning enables versioning on bucket.
func (c *s3client) setVersioning(ctx context.Context, bucket string) error {
	body := `<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`
	resp, err := c.do(ctx, http.MethodPut, bucket, "", "versioning", strings.NewReader(body), int64(len(body)))
	if err != nil {
		return err
	}
	_, err = drain(resp, make([]byte, 512))
	return err
}

// listVersions runs one ListObjectVersions request and returns the
// entries it holds (versions, delete markers and common prefixes) and the
// time until the last byte of the answer.
func (c *s3client) listVersions(ctx context.Context, bucket, query string) (int, time.Duration, error) {
	start := time.Now()
	resp, err := c.do(ctx, http.MethodGet, bucket, "", "versions&"+query, nil, 0)
	if err != nil {
		return 0, 0, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if err != nil {
		return 0, took, err
	}
	var res struct {
		Version, DeleteMarker []struct{ Key string }
		CommonPrefixes        []struct{ Prefix string }
	}
	if err := xml.Unmarshal(b, &res); err != nil {
		return 0, took, fmt.Errorf("list versions answer: %w", err)
	}
	return len(res.Version) + len(res.DeleteMarker) + len(res.CommonPrefixes), took, nil
}

func runVersions(ctx context.Context, o options, e *env) (*VersionsResult, error) {
	res := &VersionsResult{Keys: o.versionKeys, PerKey: versionsPerKey}
	if err := e.s3.createBucket(ctx, versionsBucket); err != nil {
		return nil, err
	}
	if err := e.s3.setVersioning(ctx, versionsBucket); err != nil {
		return nil, err
	}
	n := o.versionKeys * versionsPerKey
	logf("versions: loading %d keys x %d versions through http at concurrency %d", o.versionKeys, versionsPerKey, o.loadConc)
	start := time.Now()
	c := measure(ctx, o.loadConc, 24*time.Hour, n, func(ctx context.Context, _, i int) (int64, error) {
		return 0, e.s3.put(ctx, versionsBucket, versionKey(i%o.versionKeys), 0, nil)
	})
	if c.Errors > 0 || c.Ops != n {
		return nil, fmt.Errorf("versions load: %d of %d PUTs done, %d errors, first: %s", c.Ops, n, c.Errors, c.FirstError)
	}
	res.LoadSeconds = time.Since(start).Seconds()
	res.LoadPerSec = float64(n) / res.LoadSeconds
	settled := e.raw.settle(ctx, 3*time.Minute)
	logf("versions: loaded in %.0f s; compactions settled after %.0f s", res.LoadSeconds, settled.Seconds())
	// Each case starts its page at a random key chosen so that a full
	// page of 1000 entries follows it (when the bucket holds that many).
	startAt := func(following int) int { return rand.IntN(max(o.versionKeys-following, 1)) }
	cases := []struct {
		name    string
		entries int // in a full page
		run     func() (got, want int, took time.Duration, err error)
	}{
		{"ListObjectsV2, page of 1000", min(1000, o.versionKeys), func() (int, int, time.Duration, error) {
			i := startAt(1001)
			r, took, err := e.s3.list(ctx, versionsBucket, "max-keys=1000&start-after="+versionKey(i))
			return len(r.Contents), min(1000, o.versionKeys-i-1), took, err
		}},
		{fmt.Sprintf("ListObjectVersions, page of 1000 (%d keys)", 1000/versionsPerKey), min(1000, n), func() (int, int, time.Duration, error) {
			i := startAt(1000/versionsPerKey + 1)
			got, took, err := e.s3.listVersions(ctx, versionsBucket, "max-keys=1000&key-marker="+versionKey(i))
			return got, min(1000, (o.versionKeys-i-1)*versionsPerKey), took, err
		}},
	}
	for _, cs := range cases {
		run := ListRun{Name: cs.name, Reps: o.listReps, Entries: cs.entries}
		if _, _, _, err := cs.run(); err != nil { // warms the path
			return nil, err
		}
		var lats []time.Duration
		for range o.listReps {
			got, want, took, err := cs.run()
			if err != nil {
				return nil, err
			}
			if got != want {
				return nil, fmt.Errorf("%s: %d entries, want %d", cs.name, got, want)
			}
			lats = append(lats, took)
		}
		slices.Sort(lats)
		run.P50Ms, run.P99Ms, run.MaxMs = ms(percentile(lats, 50)), ms(percentile(lats, 99)), ms(lats[len(lats)-1])
		logf("versions: %-45s p50 %7.1f ms p99 %7.1f ms", cs.name, run.P50Ms, run.P99Ms)
		res.Cases = append(res.Cases, run)
	}
	return res, nil
}
