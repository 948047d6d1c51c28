package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is everything a run measured; it is printed and written as JSON.
type Report struct {
	Date      string          `json:"date"`
	Quick     bool            `json:"quick"`
	Seconds   float64         `json:"seconds"`
	Machine   Machine         `json:"machine"`
	Cassandra CassandraInfo   `json:"cassandra"`
	Amphora   AmphoraInfo     `json:"amphora"`
	Cells     []Cell          `json:"cells"`
	RSS       *RSSResult      `json:"rss,omitempty"`
	Listing   *ListingResult  `json:"listing,omitempty"`
	Versions  *VersionsResult `json:"versions,omitempty"`
	Versioned bool            `json:"versioned_matrix,omitempty"` // the matrix ran in a versioned bucket
	MetricsAB []MetricsAB     `json:"metrics_ab,omitempty"`       // -metrics-ab
	ReadAB    []ReadAB        `json:"read_ab,omitempty"`          // -read-ab
	SSEAB     []SSEAB         `json:"sse_ab,omitempty"`           // -sse-ab
	CPUAB     []CPUAB         `json:"cpu_ab,omitempty"`           // -cpu-ab
	// ListingScale is -list-scale's (listing_scale.go).
	ListingScale *ListingScaleResult `json:"listing_scale,omitempty"`
	Targets      []Target            `json:"targets"`
}

type Machine struct {
	Cores       int    `json:"cores"`
	GOMAXPROCS  int    `json:"gomaxprocs"`
	GoVersion   string `json:"go_version"`
	OS          string `json:"os"`
	Kernel      string `json:"kernel,omitempty"`
	CPU         string `json:"cpu,omitempty"`
	MemTotalKiB int64  `json:"mem_total_kib,omitempty"`
}

type CassandraInfo struct {
	Version           string            `json:"version"`
	Hosts             []string          `json:"hosts"`
	Keyspace          string            `json:"keyspace"`
	Replication       string            `json:"replication"`
	Consistency       string            `json:"consistency"`
	SerialConsistency string            `json:"serial_consistency"`
	Settings          map[string]string `json:"settings"` // from system_views.settings
	// BenchSettings: the node has the in-flight limits of
	// CASSANDRA_BENCH=1 (scripts/cassandra.sh), not the defaults.
	BenchSettings bool `json:"bench_settings"`
}

type AmphoraInfo struct {
	BlockSize      int64   `json:"block_size"`
	BlocksInFlight int     `json:"blocks_in_flight"`
	Timeout        string  `json:"timeout"`
	LogLevel       string  `json:"log_level"`
	Sweeper        bool    `json:"sweeper"`
	CellSeconds    float64 `json:"cell_seconds"`
	WarmupSeconds  float64 `json:"warmup_seconds"`
	BlockReadOne   bool    `json:"block_read_one"`
	BlockCacheMB   int     `json:"block_cache_mb,omitempty"`
}

// Target is one of the goals, checked against this run.
type Target struct {
	Name string  `json:"name"`
	Want string  `json:"want"`
	Got  float64 `json:"got"`
	Pass bool    `json:"pass"`
}

func newReport(o options, e *env) *Report {
	r := &Report{
		Date:      time.Now().UTC().Format(time.RFC3339),
		Quick:     o.quick,
		Versioned: o.versioned,
		Machine: Machine{
			Cores: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), GoVersion: runtime.Version(),
			OS: runtime.GOOS + "/" + runtime.GOARCH,
		},
		Cassandra: CassandraInfo{
			Version: e.cassVer, Hosts: o.hosts, Keyspace: o.keyspace, Replication: fmt.Sprintf("SimpleStrategy, RF %d", o.rf),
			Consistency: o.consistency, SerialConsistency: o.serial, Settings: e.setting,
			BenchSettings: benchNode(e.setting),
		},
		Amphora: AmphoraInfo{
			BlockSize: o.blockSize, BlocksInFlight: o.blocksInFlight, Timeout: o.timeout.String(), LogLevel: o.logLevel, Sweeper: o.sweeper,
			CellSeconds: o.duration.Seconds(), WarmupSeconds: o.warmup.Seconds(),
			BlockReadOne: o.blockReadOne, BlockCacheMB: o.blockCacheMB,
		},
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		r.Machine.Kernel = strings.TrimSpace(string(b))
	}
	r.Machine.CPU = procField("/proc/cpuinfo", "model name")
	if v := procField("/proc/meminfo", "MemTotal"); v != "" {
		fmt.Sscanf(v, "%d", &r.Machine.MemTotalKiB)
	}
	return r
}

// benchNode tells whether the node's native transport in-flight limit was
// raised (CASSANDRA_BENCH=1 sets 2GiB; the default is a tenth of the heap).
func benchNode(settings map[string]string) bool {
	n, err := parseSize(settings["native_transport_max_request_data_in_flight"])
	return err == nil && n >= 1<<30
}

// procField returns the value of the first "name: value" line of path.
func procField(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// finish computes the ratios and checks the targets.
func (r *Report) finish() {
	find := func(op string, size int64, conc int) *Cell {
		for i := range r.Cells {
			if c := &r.Cells[i]; c.Op == op && c.Size == size && c.Conc == conc {
				return c
			}
		}
		return nil
	}
	for i := range r.Cells {
		c := &r.Cells[i]
		base := map[string]string{"PUT": "raw-write", "GET": "raw-read"}[c.Op]
		if raw := find(base, c.Size, c.Conc); base != "" && raw != nil && raw.MBPerSec > 0 {
			c.Ratio = c.MBPerSec / raw.MBPerSec
		}
	}
	ratioTarget := func(op string, size int64, conc int, want float64) {
		if c := find(op, size, conc); c != nil && c.Ratio > 0 {
			r.Targets = append(r.Targets, Target{
				Name: fmt.Sprintf("%s %s c=%d / raw", op, sizeLabel(size), conc),
				Want: fmt.Sprintf(">= %.2f", want), Got: c.Ratio, Pass: c.Ratio >= want,
			})
		}
	}
	// Issue 17's targets: large objects at 0.9x the raw ceiling, small
	// ones at 0.6x (PUT) and 0.7x (GET) a raw single-row write / read.
	for _, size := range []int64{1 << 20, 16 << 20} {
		ratioTarget("PUT", size, 8, 0.9)
		ratioTarget("GET", size, 8, 0.9)
	}
	ratioTarget("PUT", 4<<10, 32, 0.6)
	ratioTarget("GET", 4<<10, 32, 0.7)
	if r.RSS != nil {
		// The block cache (-block-cache-mb) adds its size on top.
		got := float64(r.RSS.PeakKiB) / 1024
		limit := 64 + float64(r.Amphora.BlockCacheMB)
		r.Targets = append(r.Targets, Target{
			Name: fmt.Sprintf("frontend peak RSS streaming %s (MiB)", r.RSS.SizeLabel), Want: fmt.Sprintf("< %.0f", limit), Got: got, Pass: got < limit,
		})
	}
	if r.Listing != nil {
		for _, c := range r.Listing.Cases[:min(2, len(r.Listing.Cases))] {
			r.Targets = append(r.Targets, Target{
				Name: fmt.Sprintf("LIST %s, %d keys: p99 ms", c.Name, r.Listing.Keys), Want: "< 50", Got: c.P99Ms, Pass: c.P99Ms < 50,
			})
		}
	}
}

func (r *Report) print(w io.Writer) {
	m, cs, a := r.Machine, r.Cassandra, r.Amphora
	fmt.Fprintf(w, "\namphora-bench %s  quick=%t  %.0f s\n", r.Date, r.Quick, r.Seconds)
	fmt.Fprintf(w, "machine: %d cores (GOMAXPROCS %d), %s, %s, %s, %d MiB RAM\n", m.Cores, m.GOMAXPROCS, m.CPU, m.OS, m.GoVersion, m.MemTotalKiB>>10)
	fmt.Fprintf(w, "cassandra %s on %v, %s, consistency %s; request data in flight %s (per ip %s)%s\n", cs.Version, cs.Hosts, cs.Replication, cs.Consistency,
		orNA(cs.Settings["native_transport_max_request_data_in_flight"]), orNA(cs.Settings["native_transport_max_request_data_in_flight_per_ip"]),
		map[bool]string{true: "", false: " -- NOT a CASSANDRA_BENCH=1 node"}[cs.BenchSettings])
	fmt.Fprintf(w, "amphora: block %s, %d blocks in flight per request, block reads at ONE %t, block cache %d MiB, log %s; cells %gs after %gs warm-up\n\n",
		sizeLabel(a.BlockSize), a.BlocksInFlight, a.BlockReadOne, a.BlockCacheMB, a.LogLevel, a.CellSeconds, a.WarmupSeconds)
	if len(r.Cells) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "size\tconc\top\tops\tops/s\tMB/s\tp50 ms\tp99 ms\tx raw\terrors\t")
		for _, c := range r.Cells {
			ratio, mbs := "", ""
			if c.Ratio > 0 {
				ratio = fmt.Sprintf("%.2f", c.Ratio)
			}
			if c.Bytes > 0 {
				mbs = fmt.Sprintf("%.1f", c.MBPerSec)
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%.1f\t%s\t%.2f\t%.2f\t%s\t%d\t\n",
				c.SizeLabel, c.Conc, c.Op, c.Ops, c.OpsPerSec, mbs, c.P50Ms, c.P99Ms, ratio, c.Errors)
		}
		tw.Flush()
		fmt.Fprintln(w)
	}
	if len(r.MetricsAB) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "size\tconc\top\ton ops/s\toff ops/s\ton/off\ton p50 ms\toff p50 ms\truns\tscrapes\twithin 3%\t")
		for _, a := range r.MetricsAB {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%.1f\t%.1f\t%.3f\t%.2f\t%.2f\t%d+%d\t%d\t%t\t\n", a.SizeLabel, a.Conc, a.Op, a.OnOps, a.OffOps, a.Ratio,
				a.OnP50Ms, a.OffP50Ms, len(a.On), len(a.Off), a.Scrapes, a.Ratio >= 0.97 && a.Ratio <= 1.03)
		}
		tw.Flush()
		fmt.Fprintln(w, "(metrics on: [metrics] listen set and /metrics scraped every second; runs in the order on, off, off, on..., after one unmeasured run of each)")
		fmt.Fprintln(w)
	}
	if len(r.SSEAB) > 0 {
		printSSEAB(w, r.SSEAB)
	}
	if r.ListingScale != nil {
		r.ListingScale.print(w)
	}
	if len(r.CPUAB) > 0 {
		printCPUAB(w, r.CPUAB)
	}
	if len(r.ReadAB) > 0 {
		printReadAB(w, r.ReadAB)
	}
	if s := r.RSS; s != nil {
		fmt.Fprintf(w, "frontend RSS streaming one %s PUT (%.1f MB/s) and GET (%.1f MB/s): start %d MiB, peak (VmHWM) %d MiB, sampled max %d MiB\n\n",
			s.SizeLabel, s.PutMBPerSec, s.GetMBPerSec, s.StartKiB>>10, s.PeakKiB>>10, s.SampledKiB>>10)
	}
	if l := r.Listing; l != nil {
		how := fmt.Sprintf("loaded through %s in %.0f s, %.0f PUT/s at concurrency %d", l.Loader, l.LoadSeconds, l.LoadPerSec, l.LoadConc)
		if l.Reused {
			how = "reused from an earlier run"
		}
		fmt.Fprintf(w, "ListObjectsV2 on a bucket of %d keys (%d under big/ in %d dirs; %s; measured after compactions settled, %.0f s)\n",
			l.Keys, l.PrefixKeys, bigDirs, how, l.SettleSeconds)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "request\tentries\treps\tp50 ms\tp99 ms\tmax ms\t")
		for _, c := range l.Cases {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t%.2f\t%.2f\t\n", c.Name, c.Entries, c.Reps, c.P50Ms, c.P99Ms, c.MaxMs)
		}
		tw.Flush()
		fmt.Fprintln(w)
	}
	if v := r.Versions; v != nil {
		fmt.Fprintf(w, "versioned bucket of %d keys x %d versions (loaded through http in %.0f s, %.0f PUT/s)\n",
			v.Keys, v.PerKey, v.LoadSeconds, v.LoadPerSec)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "request\tentries\treps\tp50 ms\tp99 ms\tmax ms\t")
		for _, c := range v.Cases {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t%.2f\t%.2f\t\n", c.Name, c.Entries, c.Reps, c.P50Ms, c.P99Ms, c.MaxMs)
		}
		tw.Flush()
		fmt.Fprintln(w)
	}
	if len(r.Targets) > 0 {
		fmt.Fprintln(w, "targets:")
		for _, t := range r.Targets {
			v := "FAIL"
			if t.Pass {
				v = "pass"
			}
			fmt.Fprintf(w, "  %-4s %-55s %8.3f (want %s)\n", v, t.Name, t.Got, t.Want)
		}
		if r.Quick {
			fmt.Fprintln(w, "  (quick mode: smaller datasets and cells; the targets are defined for a full run)")
		}
	}
}

func orNA(s string) string {
	if s == "" {
		return "n/a"
	}
	return s
}

func (r *Report) writeJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
