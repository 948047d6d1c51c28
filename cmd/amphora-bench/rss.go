package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// RSSResult is the frontend's memory while streaming one large object.
type RSSResult struct {
	Size        int64   `json:"size"`
	SizeLabel   string  `json:"size_label"`
	PutMBPerSec float64 `json:"put_mb_per_s"`
	GetMBPerSec float64 `json:"get_mb_per_s"`
	PutSeconds  float64 `json:"put_seconds"`
	GetSeconds  float64 `json:"get_seconds"`
	// StartKiB is VmRSS of the fresh server before the PUT; PeakKiB is its
	// VmHWM after the GET (the peak over the process's life, which holds
	// only these two requests); SampledKiB the highest VmRSS sampled every
	// 50 ms while they ran.
	StartKiB   int64 `json:"start_rss_kib"`
	PeakKiB    int64 `json:"peak_rss_kib"`
	SampledKiB int64 `json:"sampled_max_rss_kib"`
}

// runRSS starts a second, fresh server (so that the matrix's buffers and
// heap do not count), streams one PUT and one GET of o.rssSize through
// it, reads its peak RSS, deletes the object and stops the server.
func runRSS(ctx context.Context, o options, e *env) (*RSSResult, error) {
	const bucket = "bench-rss"
	srv, err := e.startServer(ctx, o, "rss")
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	c := newS3Client("http://"+srv.addr, e.ak, e.sk)
	if err := c.createBucket(ctx, bucket); err != nil {
		return nil, err
	}
	r := &RSSResult{Size: o.rssSize, SizeLabel: sizeLabel(o.rssSize)}
	time.Sleep(500 * time.Millisecond) // let startup garbage settle
	if r.StartKiB, err = procStatus(srv.pid(), "VmRSS"); err != nil {
		return nil, err
	}
	var sampled atomic.Int64
	stop := make(chan struct{})
	sampler := make(chan struct{})
	go func() {
		defer close(sampler)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if v, err := procStatus(srv.pid(), "VmRSS"); err == nil && v > sampled.Load() {
				sampled.Store(v)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
	}()
	key := "big-object"
	logf("RSS: streaming a %s PUT through a fresh server (pid %d, %d MiB RSS)", r.SizeLabel, srv.pid(), r.StartKiB>>10)
	t := time.Now()
	if err := c.put(ctx, bucket, key, o.rssSize, e.raw.pattern); err != nil {
		return nil, fmt.Errorf("RSS PUT: %w", err)
	}
	r.PutSeconds = time.Since(t).Seconds()
	r.PutMBPerSec = float64(o.rssSize) / 1e6 / r.PutSeconds
	logf("RSS: PUT %.1f MB/s; streaming the GET", r.PutMBPerSec)
	t = time.Now()
	if err := c.get(ctx, bucket, key, o.rssSize, make([]byte, 256<<10)); err != nil {
		return nil, fmt.Errorf("RSS GET: %w", err)
	}
	r.GetSeconds = time.Since(t).Seconds()
	r.GetMBPerSec = float64(o.rssSize) / 1e6 / r.GetSeconds
	close(stop)
	<-sampler
	r.SampledKiB = sampled.Load()
	if r.PeakKiB, err = procStatus(srv.pid(), "VmHWM"); err != nil {
		return nil, err
	}
	logf("RSS: GET %.1f MB/s; peak RSS %d MiB (sampled %d MiB)", r.GetMBPerSec, r.PeakKiB>>10, r.SampledKiB>>10)
	if err := c.delete(ctx, bucket, key); err != nil {
		return nil, err
	}
	return r, nil
}

// procStatus reads one "Name: N kB" field of /proc/pid/status, in KiB.
func procStatus(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), ":")
		if ok && name == field {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, field)
}
