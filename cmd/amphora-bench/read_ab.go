package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"text/tabwriter"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// ReadAB is one read compared two ways in one run (-read-ab): the sides
// run in turn A, B, B, A (repeated with -read-ab-rounds) after an
// unmeasured run of each, so that the node's and the machine's drift
// weigh on both alike.
//
//   - "raw-read ONE / <consistency>": the raw ceiling's block reads at ONE
//     against the configured consistency (what cassandra.block_read_one
//     saves a GET on a ring);
//   - "GET read-one on / off": Amphora GETs with cassandra.block_read_one
//     on and off (two servers on one keyspace);
//   - "GET cache fits / off" and "GET cache larger / off": GETs of keys
//     picked at random from a working set half the block cache, or four
//     times it, against a server with the cache off.
type ReadAB struct {
	Name      string  `json:"name"`
	A         string  `json:"a"`
	B         string  `json:"b"`
	Size      int64   `json:"size"`
	SizeLabel string  `json:"size_label"`
	Conc      int     `json:"concurrency"`
	SetBytes  int64   `json:"working_set_bytes,omitempty"`
	ACells    []Cell  `json:"a_cells"`
	BCells    []Cell  `json:"b_cells"`
	AOps      float64 `json:"a_ops_per_s"`
	BOps      float64 `json:"b_ops_per_s"`
	AP50Ms    float64 `json:"a_p50_ms"`
	BP50Ms    float64 `json:"b_p50_ms"`
	Ratio     float64 `json:"ratio"`               // AOps / BOps
	HitRatio  float64 `json:"hit_ratio,omitempty"` // block cache hits / lookups of side A
}

// runReadAB measures the comparisons at every size and concurrency.
func runReadAB(ctx context.Context, o options, e *env) ([]ReadAB, error) {
	const bucket = "bench-read-ab"
	if err := e.s3.createBucket(ctx, bucket); err != nil {
		return nil, fmt.Errorf("create bucket: %w", err)
	}
	off, err := e.startServerCass(ctx, o, "read-one-off", "block_read_one = false\n", "")
	if err != nil {
		return nil, err
	}
	defer off.stop()
	maddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cached, err := e.startServerCass(ctx, o, "cache-on", fmt.Sprintf("block_cache_mb = %d\n", o.readABCacheMB),
		fmt.Sprintf("\n[metrics]\nlisten = %q\n", maddr))
	if err != nil {
		return nil, err
	}
	defer cached.stop()
	// The main server is the reference: block_read_one as -block-read-one
	// says (default on), cache as -block-cache-mb says (default off).
	// "read-one-off" and "cache-on" differ from it in one setting each
	// (configTOML reads the overrides from o).
	main := e.s3
	offC := newS3Client("http://"+off.addr, e.ak, e.sk)
	cacheC := newS3Client("http://"+cached.addr, e.ak, e.sk)

	var out []ReadAB
	for _, size := range o.sizes {
		for _, conc := range o.concs {
			label := sizeLabel(size)
			bufs := make([][]byte, conc)
			for i := range bufs {
				bufs[i] = make([]byte, 256<<10)
			}
			// Keys for the read-one comparison and the fitting working set.
			perSet := func(set int64) int { return int(max(int64(conc), set/size)) }
			cacheBytes := int64(o.readABCacheMB) << 20
			fits := perSet(cacheBytes / 2)
			larger := perSet(4 * cacheBytes)
			logf("read-ab %s c=%d: loading %d objects (%s)", label, conc, larger, sizeLabel(int64(larger)*size))
			keys := make([]string, larger)
			var seq atomic.Int64
			load := measureUntil(ctx, min(conc, 8), func() bool { return seq.Load() < int64(larger) }, larger, func(ctx context.Context, _, _ int) (int64, error) {
				i := int(seq.Add(1) - 1)
				if i >= larger {
					return 0, nil
				}
				keys[i] = fmt.Sprintf("rab/%s/c%d/%08d", label, conc, i)
				return size, main.put(ctx, bucket, keys[i], size, e.raw.pattern)
			})
			if load.Errors > 0 {
				return out, fmt.Errorf("loading: %d errors, first: %s", load.Errors, load.FirstError)
			}
			var inodes []gocql.UUID
			for range fits {
				inode, err := e.raw.write(ctx, size)
				if err != nil {
					return out, fmt.Errorf("raw write: %w", err)
				}
				inodes = append(inodes, inode)
			}
			get := func(c *s3client, n int) opFunc {
				return func(ctx context.Context, w, _ int) (int64, error) {
					return size, c.get(ctx, bucket, keys[rand.IntN(n)], size, bufs[w])
				}
			}
			raw := func(cons gocql.Consistency) opFunc {
				return func(ctx context.Context, _, _ int) (int64, error) {
					return size, e.raw.readAt(ctx, inodes[rand.IntN(len(inodes))], size, cons)
				}
			}
			one, err := gocql.ParseConsistencyWrapper(o.consistency)
			if err != nil {
				return out, err
			}
			cmps := []struct {
				name, a, b string
				set        int
				opA, opB   opFunc
				hits       bool
			}{
				{"raw-read", "ONE", o.consistency, fits, raw(gocql.One), raw(one), false},
				{"GET read-one", "on", "off", fits, get(main, fits), get(offC, fits), false},
				{"GET cache fits", "on", "off", fits, get(cacheC, fits), get(main, fits), true},
				{"GET cache larger", "on", "off", larger, get(cacheC, larger), get(main, larger), true},
			}
			for _, cmp := range cmps {
				if o.readABOnly != "" && !strings.Contains(cmp.name, o.readABOnly) {
					continue
				}
				ab := ReadAB{Name: cmp.name, A: cmp.a, B: cmp.b, Size: size, SizeLabel: label, Conc: conc}
				if cmp.hits {
					ab.SetBytes = int64(cmp.set) * size
				}
				// Unmeasured: both sides warm (and the cache filled).
				measure(ctx, conc, o.duration, 0, cmp.opA)
				measure(ctx, conc, o.duration, 0, cmp.opB)
				var h0, l0 float64
				if cmp.hits {
					h0, l0 = blockCacheLookups(ctx, maddr)
				}
				for _, isA := range metricsABOrder(o.readABRounds) {
					op := map[bool]opFunc{true: cmp.opA, false: cmp.opB}[isA]
					c := measureMin(ctx, conc, o.duration, minRounds*conc, 0, op)
					c.Op, c.Size, c.SizeLabel = cmp.name, size, label
					side := map[bool]string{true: cmp.a, false: cmp.b}[isA]
					logf("%-16s %7s c=%-3d %-12s %6d ops %8.1f ops/s %7.1f MB/s p50 %6.2f ms%s",
						c.Op, label, conc, side, c.Ops, c.OpsPerSec, c.MBPerSec, c.P50Ms, errNote(c))
					if c.Errors > 0 {
						return out, fmt.Errorf("%s %s (%s): %d errors, first: %s", cmp.name, label, side, c.Errors, c.FirstError)
					}
					if isA {
						ab.ACells = append(ab.ACells, c)
					} else {
						ab.BCells = append(ab.BCells, c)
					}
					if ctx.Err() != nil {
						return out, ctx.Err()
					}
				}
				if cmp.hits {
					h1, l1 := blockCacheLookups(ctx, maddr)
					if l1 > l0 {
						ab.HitRatio = (h1 - h0) / (l1 - l0)
					}
				}
				ab.AOps, ab.AP50Ms = meanCells(ab.ACells)
				ab.BOps, ab.BP50Ms = meanCells(ab.BCells)
				if ab.BOps > 0 {
					ab.Ratio = ab.AOps / ab.BOps
				}
				logf("%-16s %7s c=%-3d %s / %s: %.3f", ab.Name, label, conc, ab.A, ab.B, ab.Ratio)
				out = append(out, ab)
			}
		}
	}
	return out, nil
}

// blockCacheLookups reads the block cache's hits and lookups from the
// cache-on server's /metrics.
func blockCacheLookups(ctx context.Context, addr string) (hits, lookups float64) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		return 0, 0
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 8<<20))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, `amphora_cache_lookups_total{cache="block",`) {
			continue
		}
		f := strings.Fields(line)
		v, _ := strconv.ParseFloat(f[len(f)-1], 64)
		lookups += v
		if strings.Contains(line, `result="hit"`) {
			hits += v
		}
	}
	return hits, lookups
}

// printReadAB prints the comparisons of a -read-ab run.
func printReadAB(w io.Writer, abs []ReadAB) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "size\tconc\tcomparison\tA\tB\tA MB/s\tB MB/s\tA/B\tA p50 ms\tB p50 ms\tset\thits\truns\t")
	for _, a := range abs {
		set, hits := "", ""
		if a.SetBytes > 0 {
			set = sizeLabel(a.SetBytes)
			hits = fmt.Sprintf("%.2f", a.HitRatio)
		}
		mb := func(ops float64) float64 { return ops * float64(a.Size) / 1e6 }
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%.1f\t%.1f\t%.3f\t%.2f\t%.2f\t%s\t%s\t%d+%d\t\n", a.SizeLabel, a.Conc, a.Name, a.A, a.B,
			mb(a.AOps), mb(a.BOps), a.Ratio, a.AP50Ms, a.BP50Ms, set, hits, len(a.ACells), len(a.BCells))
	}
	tw.Flush()
	fmt.Fprintln(w, "(runs in the order A, B, B, A..., after one unmeasured run of each; GETs pick keys at random from the working set)")
	fmt.Fprintln(w)
}
