package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// MetricsAB is one operation at one size and concurrency measured with
// the monitoring listener ([metrics] listen, scraped every second) on and
// off: two servers of the same binary on the same keyspace, run in turn
// on, off, off, on (repeated with -metrics-ab-rounds), after an unmeasured
// run of each, so that a drift of the node or the machine weighs on both
// sides alike.
type MetricsAB struct {
	Op        string  `json:"op"` // PUT or GET
	Size      int64   `json:"size"`
	SizeLabel string  `json:"size_label"`
	Conc      int     `json:"concurrency"`
	On        []Cell  `json:"on"`
	Off       []Cell  `json:"off"`
	OnOps     float64 `json:"on_ops_per_s"`  // mean of On
	OffOps    float64 `json:"off_ops_per_s"` // mean of Off
	OnP50Ms   float64 `json:"on_p50_ms"`
	OffP50Ms  float64 `json:"off_p50_ms"`
	Ratio     float64 `json:"ratio"` // OnOps / OffOps
	Scrapes   int64   `json:"scrapes"`
}

// metricsABOrder is the order of the runs of one cell, true for metrics
// on: on, off, then off, on, and so on for rounds runs of each side.
func metricsABOrder(rounds int) []bool {
	var order []bool
	for r := range rounds {
		order = append(order, r%2 == 0, r%2 != 0)
	}
	return order
}

// runMetricsAB measures PUT then GET at every size and concurrency, each
// 2 x o.metricsABRounds times, against the main server (metrics off) and a
// second one with the monitoring listener on.
func runMetricsAB(ctx context.Context, o options, e *env) ([]MetricsAB, error) {
	maddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	on, err := e.startServerWith(ctx, o, "metrics-on", fmt.Sprintf("\n[metrics]\nlisten = %q\n", maddr))
	if err != nil {
		return nil, err
	}
	defer on.stop()
	clients := map[bool]*s3client{false: e.s3, true: newS3Client("http://"+on.addr, e.ak, e.sk)}
	const bucket = "bench-metrics-ab"
	if err := e.s3.createBucket(ctx, bucket); err != nil {
		return nil, fmt.Errorf("create bucket: %w", err)
	}

	// A Prometheus-like scrape every second for the whole comparison.
	var scrapes, scrapeErrs atomic.Int64
	sctx, stopScrapes := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			if err := scrape(sctx, "http://"+maddr+"/metrics"); err != nil {
				if sctx.Err() != nil {
					return
				}
				scrapeErrs.Add(1)
			} else {
				scrapes.Add(1)
			}
			select {
			case <-sctx.Done():
				return
			case <-t.C:
			}
		}
	})
	defer func() { stopScrapes(); wg.Wait() }()

	var out []MetricsAB
	for _, size := range o.sizes {
		for _, conc := range o.concs {
			label := sizeLabel(size)
			bufs := make([][]byte, conc)
			for i := range bufs {
				bufs[i] = make([]byte, 256<<10)
			}
			var (
				mu   sync.Mutex
				keys []string
				seq  atomic.Int64
			)
			put := func(c *s3client) opFunc {
				return func(ctx context.Context, _, _ int) (int64, error) {
					key := fmt.Sprintf("ab/%s/c%d/%08d", label, conc, seq.Add(1))
					if err := c.put(ctx, bucket, key, size, e.raw.pattern); err != nil {
						return 0, err
					}
					mu.Lock()
					keys = append(keys, key)
					mu.Unlock()
					return size, nil
				}
			}
			get := func(c *s3client) opFunc {
				return func(ctx context.Context, w, i int) (int64, error) {
					return size, c.get(ctx, bucket, keys[i%len(keys)], size, bufs[w])
				}
			}
			for _, step := range []struct {
				name string
				op   func(*s3client) opFunc
			}{{"PUT", put}, {"GET", get}} {
				ab := MetricsAB{Op: step.name, Size: size, SizeLabel: label, Conc: conc}
				before := scrapes.Load()
				// Unmeasured: both servers' and the node's paths warm.
				for _, metricsOn := range []bool{true, false} {
					measure(ctx, conc, o.duration, 0, step.op(clients[metricsOn]))
				}
				for _, metricsOn := range metricsABOrder(o.metricsABRounds) {
					op := step.op(clients[metricsOn])
					if o.warmup > 0 {
						measure(ctx, conc, o.warmup, warmOps(size), op)
					}
					c := measureMin(ctx, conc, o.duration, minRounds*conc, 0, op)
					c.Op, c.Size, c.SizeLabel = step.name, size, label
					side := map[bool]string{true: "metrics on", false: "metrics off"}[metricsOn]
					logf("%-4s %7s c=%-3d %-11s %6d ops %8.1f ops/s p50 %6.2f ms p99 %6.2f ms%s",
						c.Op, label, conc, side, c.Ops, c.OpsPerSec, c.P50Ms, c.P99Ms, errNote(c))
					if metricsOn {
						ab.On = append(ab.On, c)
					} else {
						ab.Off = append(ab.Off, c)
					}
					if ctx.Err() != nil {
						return out, ctx.Err()
					}
				}
				ab.OnOps, ab.OnP50Ms = meanCells(ab.On)
				ab.OffOps, ab.OffP50Ms = meanCells(ab.Off)
				if ab.OffOps > 0 {
					ab.Ratio = ab.OnOps / ab.OffOps
				}
				ab.Scrapes = scrapes.Load() - before
				logf("%-4s %7s c=%-3d metrics on / off: %.3f (%d scrapes)", ab.Op, label, conc, ab.Ratio, ab.Scrapes)
				out = append(out, ab)
			}
		}
	}
	if scrapes.Load() == 0 || scrapeErrs.Load() > 0 {
		return out, fmt.Errorf("metrics listener: %d scrapes answered, %d failed", scrapes.Load(), scrapeErrs.Load())
	}
	return out, nil
}

// meanCells is the mean ops/s and p50 of cs.
func meanCells(cs []Cell) (ops, p50 float64) {
	for _, c := range cs {
		ops += c.OpsPerSec
		p50 += c.P50Ms
	}
	n := float64(max(1, len(cs)))
	return ops / n, p50 / n
}

// scrape reads url to its end, as Prometheus would.
func scrape(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}
