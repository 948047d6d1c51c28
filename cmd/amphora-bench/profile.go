package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// profile starts capturing the server's CPU profile for dur and takes an
// allocation profile; the returned stop waits for the CPU profile and
// takes a second allocation profile. Files land in -profile's directory
// as cpu-NAME.pprof, allocs-NAME-before.pprof and allocs-NAME-after.pprof:
//
//	go tool pprof -top cpu-PUT-4MiB-c8.pprof
//	go tool pprof -sample_index=alloc_space -top -base allocs-PUT-4MiB-c8-before.pprof allocs-PUT-4MiB-c8-after.pprof
//
// Without -profile it does nothing.
func (e *env) profile(ctx context.Context, o options, name string, dur time.Duration) (stop func()) {
	if o.profileDir == "" || e.srv == nil || e.srv.debug == "" {
		return func() {}
	}
	base := "http://" + e.srv.debug + "/debug/pprof/"
	fetch := func(path, file string) {
		if err := fetchTo(ctx, base+path, filepath.Join(o.profileDir, file)); err != nil {
			logf("profile %s: %v", file, err)
		}
	}
	fetch("allocs", "allocs-"+name+"-before.pprof")
	done := make(chan struct{})
	go func() {
		defer close(done)
		secs := int(math.Max(1, math.Round(dur.Seconds())))
		fetch(fmt.Sprintf("profile?seconds=%d", secs), "cpu-"+name+".pprof")
	}()
	return func() {
		<-done
		fetch("allocs", "allocs-"+name+"-after.pprof")
	}
}

func fetchTo(ctx context.Context, url, file string) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
