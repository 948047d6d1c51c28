package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"
)

// CPUAB is PUT (or GET, -cpu-ab-op) at one size and concurrency through two amphora binaries
// (-cpu-ab A: the baseline; the run's own binary is B), each on a server
// of its own on the same keyspace, in the order A, B, B, A (repeated with
// -cpu-ab-rounds) after an unmeasured run of each. Besides the throughput
// it records the CPU time each server process spent during each run, from
// /proc/<pid>/stat: the frontend's CPU per stored byte, which on a machine
// shared with the node is taken from the node.
type CPUAB struct {
	Op        string    `json:"op"` // PUT, or GET of keys stored before the runs
	Size      int64     `json:"size"`
	SizeLabel string    `json:"size_label"`
	Conc      int       `json:"concurrency"`
	A         []CPURun  `json:"a"`
	B         []CPURun  `json:"b"`
	AMBps     float64   `json:"a_mb_per_s"`       // mean of A
	BMBps     float64   `json:"b_mb_per_s"`       // mean of B
	ACPUPerG  float64   `json:"a_cpu_s_per_gib"`  // A's CPU seconds over its GiB stored (or served)
	BCPUPerG  float64   `json:"b_cpu_s_per_gib"`  // the same for B
	Through   float64   `json:"ratio_throughput"` // BMBps / AMBps
	CPU       float64   `json:"ratio_cpu"`        // BCPUPerG / ACPUPerG
	PairCPU   []float64 `json:"pair_ratio_cpu"`   // B/A of each round's pair
	PairMBps  []float64 `json:"pair_ratio_throughput"`
}

// CPURun is one measured run of one side.
type CPURun struct {
	Cell
	CPUSeconds float64 `json:"cpu_s"` // the server process's user+system time during the run
}

// procCPU is the user+system CPU time of process pid so far.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The fields after the command name, which is in parentheses and may
	// contain spaces: utime and stime are fields 14 and 15 of the line.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	var ticks int64
	for _, v := range f[11:13] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += n
	}
	const clkTck = 100 // USER_HZ on Linux
	return time.Duration(ticks) * time.Second / clkTck, nil
}

// runCPUAB compares the PUT path of the binary o.cpuAB (A) with the run's
// own (B, the main server) at every size and concurrency.
func runCPUAB(ctx context.Context, o options, e *env) ([]CPUAB, error) {
	// startServerWith runs e.bin: A's server is started with it swapped.
	own := e.bin
	e.bin = o.cpuAB
	a, err := e.startServerWith(ctx, o, "cpu-ab-a", "")
	e.bin = own
	if err != nil {
		return nil, err
	}
	defer a.stop()
	sides := map[bool]*server{false: a, true: e.srv}
	clients := map[bool]*s3client{false: newS3Client("http://"+a.addr, e.ak, e.sk), true: e.s3}
	const bucket = "bench-cpu-ab"
	if err := e.s3.createBucket(ctx, bucket); err != nil {
		return nil, fmt.Errorf("create bucket: %w", err)
	}
	var out []CPUAB
	for _, size := range o.sizes {
		for _, conc := range o.concs {
			label := sizeLabel(size)
			var seq atomic.Int64
			op := func(c *s3client) opFunc {
				return func(ctx context.Context, _, _ int) (int64, error) {
					key := fmt.Sprintf("cpu/%s/c%d/%08d", label, conc, seq.Add(1))
					return size, c.put(ctx, bucket, key, size, e.raw.pattern)
				}
			}
			if o.cpuABOp == "GET" {
				// Keys stored once (up to 256 MiB of them), then read in
				// turn by either side.
				keys := int64(min(max((256<<20)/size, 8), 1000))
				prefix := fmt.Sprintf("cpu-get/%s/c%d/", label, conc)
				for i := range keys {
					if err := e.s3.put(ctx, bucket, fmt.Sprintf("%s%08d", prefix, i), size, e.raw.pattern); err != nil {
						return out, fmt.Errorf("store keys to GET: %w", err)
					}
				}
				bufs := make([][]byte, conc)
				for w := range bufs {
					bufs[w] = make([]byte, 32<<10)
				}
				op = func(c *s3client) opFunc {
					return func(ctx context.Context, w, _ int) (int64, error) {
						key := fmt.Sprintf("%s%08d", prefix, seq.Add(1)%keys)
						return size, c.get(ctx, bucket, key, size, bufs[w])
					}
				}
			}
			ab := CPUAB{Op: o.cpuABOp, Size: size, SizeLabel: label, Conc: conc}
			for _, b := range []bool{false, true} { // unmeasured: both paths warm
				measure(ctx, conc, o.duration, 0, op(clients[b]))
			}
			for _, b := range metricsABOrder(o.cpuABRounds) {
				run := op(clients[b])
				if o.warmup > 0 {
					measure(ctx, conc, o.warmup, warmOps(size), run)
				}
				c0, err := procCPU(sides[b].pid())
				if err != nil {
					return out, err
				}
				c := measureMin(ctx, conc, o.duration, minRounds*conc, 0, run)
				c1, err := procCPU(sides[b].pid())
				if err != nil {
					return out, err
				}
				c.Op, c.Size, c.SizeLabel = o.cpuABOp, size, label
				r := CPURun{Cell: c, CPUSeconds: (c1 - c0).Seconds()}
				side := map[bool]string{false: "A", true: "B"}[b]
				logf("%-4s %7s c=%-3d %s %6d ops %8.1f MB/s p50 %6.2f ms  cpu %.2f s, %.3f s/GiB%s",
					o.cpuABOp, label, conc, side, c.Ops, c.MBPerSec, c.P50Ms, r.CPUSeconds, cpuPerGiB([]CPURun{r}), errNote(c))
				if b {
					ab.B = append(ab.B, r)
				} else {
					ab.A = append(ab.A, r)
				}
				if ctx.Err() != nil {
					return out, ctx.Err()
				}
			}
			ab.AMBps, ab.BMBps = meanMBps(ab.A), meanMBps(ab.B)
			ab.ACPUPerG, ab.BCPUPerG = cpuPerGiB(ab.A), cpuPerGiB(ab.B)
			if ab.AMBps > 0 && ab.ACPUPerG > 0 {
				ab.Through, ab.CPU = ab.BMBps/ab.AMBps, ab.BCPUPerG/ab.ACPUPerG
			}
			for i := range min(len(ab.A), len(ab.B)) {
				pa, pb := []CPURun{ab.A[i]}, []CPURun{ab.B[i]}
				if cpuPerGiB(pa) > 0 && ab.A[i].MBPerSec > 0 {
					ab.PairCPU = append(ab.PairCPU, cpuPerGiB(pb)/cpuPerGiB(pa))
					ab.PairMBps = append(ab.PairMBps, ab.B[i].MBPerSec/ab.A[i].MBPerSec)
				}
			}
			logf("%-4s %7s c=%-3d B / A: CPU per GiB %.3f (pairs %s), throughput %.3f (pairs %s)",
				o.cpuABOp, label, conc, ab.CPU, spread(ab.PairCPU), ab.Through, spread(ab.PairMBps))
			out = append(out, ab)
		}
	}
	return out, nil
}

// cpuPerGiB is the CPU seconds of rs over the GiB they stored.
func cpuPerGiB(rs []CPURun) float64 {
	var cpu float64
	var bytes int64
	for _, r := range rs {
		cpu += r.CPUSeconds
		bytes += r.Bytes
	}
	if bytes == 0 {
		return 0
	}
	return cpu / (float64(bytes) / (1 << 30))
}

func meanMBps(rs []CPURun) float64 {
	var s float64
	for _, r := range rs {
		s += r.MBPerSec
	}
	return s / float64(max(1, len(rs)))
}

// spread prints the smallest and largest of vs.
func spread(vs []float64) string {
	if len(vs) == 0 {
		return "-"
	}
	lo, hi := vs[0], vs[0]
	for _, v := range vs {
		lo, hi = min(lo, v), max(hi, v)
	}
	return fmt.Sprintf("%.3f-%.3f", lo, hi)
}

func printCPUAB(w io.Writer, abs []CPUAB) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\ncpu a/b\tsize\tconc\tA MB/s\tB MB/s\tB / A\tpairs\tA cpu s/GiB\tB cpu s/GiB\tB / A\tpairs\t")
	for _, a := range abs {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f\t%.1f\t%.3f\t%s\t%.3f\t%.3f\t%.3f\t%s\t\n", a.Op, a.SizeLabel, a.Conc,
			a.AMBps, a.BMBps, a.Through, spread(a.PairMBps), a.ACPUPerG, a.BCPUPerG, a.CPU, spread(a.PairCPU))
	}
	tw.Flush()
	fmt.Fprintln(w, "(A: -cpu-ab's binary, B: the run's own; runs A, B, B, A... after one unmeasured run of each; cpu from /proc/<pid>/stat)")
}
