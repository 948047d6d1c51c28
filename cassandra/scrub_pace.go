package cassandra

import (
	"context"
	"time"
)

// scrubPacer bounds a scrub's read rate: after each read it sleeps until
// the bytes read so far took at least bytes/rate. A walk that fell behind
// (a slow Cassandra) does not catch up in a burst: at most a second of
// credit is kept.
type scrubPacer struct {
	rate  float64 // bytes per second; 0: unbounded
	start time.Time
	bytes float64
}

func newScrubPacer(rateMB float64) *scrubPacer {
	return &scrubPacer{rate: rateMB * 1e6, start: time.Now()}
}

func (p *scrubPacer) wait(ctx context.Context, n int) {
	if p.rate <= 0 || n <= 0 {
		return
	}
	p.bytes += float64(n)
	due := p.start.Add(time.Duration(p.bytes / p.rate * float64(time.Second)))
	now := time.Now()
	if lag := now.Sub(due); lag > time.Second {
		// Behind by more than a second: forget the debt beyond it.
		p.start = p.start.Add(lag - time.Second)
		return
	}
	d := due.Sub(now)
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
