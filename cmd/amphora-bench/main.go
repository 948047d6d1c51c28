// Command amphora-bench measures Amphora against the raw Cassandra ceiling.
//
//	go run ./cmd/amphora-bench [-quick] [-json out.json] [-hosts 127.0.0.1:9042]
//	    [-sizes 4KiB,1MiB,16MiB,64MiB] [-conc 1,8,32] [-duration 3s] ...
//
// In one run it builds and starts its own `amphora serve` on 127.0.0.1 with
// a fresh keyspace, then measures:
//
//   - the raw ceiling: gocql writing and reading the same blocks table with
//     the session settings Amphora uses, ceil(S/B) blocks per op with the
//     same per-request in-flight limit;
//   - PUT, GET, HEAD, ListObjectsV2 and DELETE through signed HTTP (V2) at
//     every size and concurrency, and the ratio Amphora / raw;
//   - the frontend's peak RSS while streaming one large PUT and GET;
//   - ListObjectsV2 latency on a bucket of many keys.
//
// It prints a table, writes JSON and drops its keyspace at the end (unless
// -keep-keyspace). docs/benchmarks.md explains the method.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// options are the command's flags after defaults and -quick are applied.
type options struct {
	quick        bool
	jsonPath     string
	hosts        []string
	keyspace     string
	keepKeyspace bool
	bin          string // prebuilt amphora binary; "" builds one

	sizes    []int64
	concs    []int
	duration time.Duration // measured part of a cell
	warmup   time.Duration // unmeasured part before it (bounded by warmupBytes too)

	blockSize      int64
	blocksInFlight int
	maxInFlight    int
	inlineSize     int64
	conns          int
	proto          int
	consistency    string
	serial         string
	timeout        time.Duration
	logLevel       string

	rssSize  int64 // one streamed PUT and GET for the RSS measurement; 0 skips
	listKeys int   // keys in the listing bucket; 0 skips the listing part
	// versionKeys are the keys of the versions bucket (3 versions each);
	// 0 skips it. versioned runs the matrix in a versioned bucket.
	versionKeys int
	versioned   bool
	listPrefix  int // of which under big/
	listReps    int
	loadConc    int
	loader      string // http or store
	sweeper     bool
	skipMatrix  bool
	profileDir  string // CPU and allocation profiles of PUT and GET cells
	// metricsAB runs only the PUT and GET cells, with the monitoring
	// listener on and off in turn (metrics_ab.go).
	metricsAB       bool
	metricsABRounds int // measured runs of each side

	rf           int  // replication factor of the keyspace (SimpleStrategy)
	blockReadOne bool // cassandra.block_read_one of the servers
	blockCacheMB int  // cassandra.block_cache_mb of the servers
	// blocksCompaction, when set, replaces the blocks table's compaction
	// map (a CQL map literal) once the schema is applied.
	blocksCompaction string
	// sseAB compares PUT and GET of plain, SSE-C and SSE-S3 objects
	// (sse_ab.go).
	sseAB       bool
	sseABRounds int
	// readAB compares reads two ways in one run (read_ab.go).
	readAB        bool
	readABRounds  int
	readABCacheMB int
	readABOnly    string // run only the comparisons whose name contains it
	// cpuAB compares the PUT path of this binary (A) with the run's own
	// (B): throughput and the frontend's CPU per GiB (cpu_ab.go).
	cpuAB       string
	cpuABRounds int
	cpuABOp     string
	// listScale, when > 0, runs only the listing scale mode
	// (listing_scale.go): buckets of listScaleSmall and listScale keys,
	// ranges split at listSplitRows, the worker awaited at most
	// listScaleWait.
	listScale      int
	listScaleSmall int
	listSplitRows  int
	listScaleWait  time.Duration
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "amphora-bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "amphora-bench:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (options, error) {
	fs := flag.NewFlagSet("amphora-bench", flag.ContinueOnError)
	var o options
	var sizes, concs, hosts, rssSize string
	defHosts := os.Getenv("CASSANDRA_HOSTS")
	if defHosts == "" {
		defHosts = "127.0.0.1:9042"
	}
	fs.BoolVar(&o.quick, "quick", false, "CI mode: fewer cells, shorter cells, small datasets (< 2 minutes)")
	fs.StringVar(&o.jsonPath, "json", "", "also write the results as JSON to this file")
	fs.StringVar(&hosts, "hosts", defHosts, "Cassandra contact points, comma-separated (default $CASSANDRA_HOSTS)")
	fs.StringVar(&o.keyspace, "keyspace", "", "keyspace (default: a fresh amphora_bench_<time>, or amphora_bench with -keep-keyspace)")
	fs.BoolVar(&o.keepKeyspace, "keep-keyspace", false, "keep the keyspace at the end and reuse its listing dataset on the next run")
	fs.StringVar(&o.bin, "amphora", "", "use this amphora binary instead of building one")
	fs.StringVar(&sizes, "sizes", "", "object sizes (default 4KiB,1MiB,16MiB,64MiB; quick: 4KiB,256KiB,1MiB)")
	fs.StringVar(&concs, "conc", "", "concurrencies (default 1,8,32; quick: 1,8)")
	fs.DurationVar(&o.duration, "duration", 0, "measured time per cell (default 3s; quick: 1s)")
	fs.DurationVar(&o.warmup, "warmup", 0, "unmeasured warm-up per cell, at most 64 MiB of traffic (default 1s; quick: 250ms)")
	var bs string
	fs.StringVar(&bs, "block-size", "1MiB", "storage.block_size for Amphora and the raw ceiling")
	fs.IntVar(&o.blocksInFlight, "blocks-in-flight", 4, "storage.blocks_in_flight for Amphora and the raw ceiling")
	fs.IntVar(&o.maxInFlight, "max-blocks-in-flight", 64, "storage.max_blocks_in_flight for Amphora")
	fs.Int64Var(&o.inlineSize, "inline-size", 4<<10, "storage.inline_size for Amphora in bytes (0: off)")
	fs.IntVar(&o.conns, "conns", 2, "cassandra.connections for Amphora and the raw ceiling")
	fs.IntVar(&o.proto, "proto", 4, "cassandra.protocol_version for Amphora and the raw ceiling")
	fs.StringVar(&o.consistency, "consistency", "LOCAL_QUORUM", "cassandra.consistency for Amphora and the raw ceiling")
	fs.StringVar(&o.serial, "serial-consistency", "LOCAL_SERIAL", "cassandra.serial_consistency")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "cassandra.timeout (per query) for Amphora and the raw ceiling")
	fs.StringVar(&o.logLevel, "log-level", "warn", "amphora log.level (info logs every request)")
	fs.StringVar(&rssSize, "rss-size", "", "size of the streamed PUT+GET for the RSS measurement (default 5GiB; quick: 256MiB; 0 skips)")
	fs.IntVar(&o.listKeys, "list-keys", -1, "keys in the listing bucket (default 1000000; quick: 20000; 0 skips)")
	fs.IntVar(&o.versionKeys, "version-keys", -1, "keys in the versions bucket, 3 versions each, for ListObjectVersions beside ListObjectsV2 (default 100000; quick: 2000; 0 skips)")
	fs.BoolVar(&o.versioned, "versioned", false, "run the size x concurrency matrix in a versioned bucket")
	fs.IntVar(&o.listPrefix, "list-prefix-keys", -1, "of those, keys under the big/ prefix (default 100000; quick: 5000)")
	fs.IntVar(&o.listReps, "list-reps", 0, "requests per listing measurement (default 50; quick: 20)")
	fs.IntVar(&o.loadConc, "load-conc", 64, "concurrent PUTs while loading the listing bucket")
	fs.StringVar(&o.loader, "loader", "store", "how the listing bucket is loaded: store (cassandra.Store.PutObject in-process) or http (signed PUTs)")
	fs.BoolVar(&o.sweeper, "sweeper", false, "run amphora's background sweeper (nothing comes due within a run: gc_grace is 15m)")
	fs.StringVar(&o.profileDir, "profile", "", "write pprof CPU and allocation profiles of Amphora's PUT and GET cells to this directory")
	fs.BoolVar(&o.skipMatrix, "skip-matrix", false, "skip the size x concurrency matrix (raw and HTTP)")
	fs.BoolVar(&o.metricsAB, "metrics-ab", false, "only compare PUT and GET with the metrics listener on and off (same binary, runs on, off, off, on per cell; e.g. -sizes 4KiB -conc 8)")
	fs.IntVar(&o.metricsABRounds, "metrics-ab-rounds", 2, "with -metrics-ab: measured runs of each side per cell (order on, off, off, on, on, off...)")
	fs.IntVar(&o.rf, "rf", 1, "replication factor of the bench keyspace (SimpleStrategy): 3 on a three-node ring")
	fs.BoolVar(&o.blockReadOne, "block-read-one", true, "cassandra.block_read_one for Amphora (blocks read at ONE first)")
	fs.StringVar(&o.blocksCompaction, "blocks-compaction", "", "a CQL map that replaces the blocks table's compaction once the schema is applied, e.g. \"{'class': 'SizeTieredCompactionStrategy'}\" (scripts/bench-settings.sh)")
	fs.IntVar(&o.blockCacheMB, "block-cache-mb", 0, "cassandra.block_cache_mb for Amphora (the RSS part measures with it)")
	fs.BoolVar(&o.sseAB, "sse-ab", false, "only compare PUT and GET of plain, SSE-C and SSE-S3 objects (one server with a key file, sides in rotating order per round; e.g. -sizes 1MiB,8MiB -conc 8)")
	fs.IntVar(&o.sseABRounds, "sse-ab-rounds", 2, "with -sse-ab: measured runs of each side per cell")
	fs.StringVar(&o.cpuAB, "cpu-ab", "", "only compare PUT through this amphora binary (A) and the run's own (B): MB/s and the server's CPU seconds per GiB stored (runs A, B, B, A...; e.g. -sizes 1MiB,16MiB -conc 8)")
	fs.IntVar(&o.cpuABRounds, "cpu-ab-rounds", 2, "with -cpu-ab: measured runs of each side per cell")
	fs.StringVar(&o.cpuABOp, "cpu-ab-op", "PUT", "with -cpu-ab: PUT, or GET (of 1000 keys per cell stored first): CPU per GiB served")
	fs.BoolVar(&o.readAB, "read-ab", false, "only compare reads two ways per size and concurrency: raw at ONE / at -consistency, GET with block_read_one on / off, GET with the block cache on / off for a working set that fits it and one 4x larger")
	fs.IntVar(&o.readABRounds, "read-ab-rounds", 2, "with -read-ab: measured runs of each side (order A, B, B, A...)")
	fs.IntVar(&o.readABCacheMB, "read-ab-cache-mb", 64, "with -read-ab: block_cache_mb of the cache-on server")
	fs.StringVar(&o.readABOnly, "read-ab-only", "", "with -read-ab: only the comparisons whose name contains this (raw-read, read-one, cache, cache larger...)")
	fs.IntVar(&o.listScale, "list-scale", 0, "only the listing scale mode: load a bucket of this many keys (and one of -list-scale-small) while the listing worker splits ranges at -list-split-rows, check every range is under it, compare ListObjectsV2 latencies (e.g. 2000000)")
	fs.IntVar(&o.listScaleSmall, "list-scale-small", 10000, "with -list-scale: keys of the small bucket")
	fs.IntVar(&o.listSplitRows, "list-split-rows", 20000, "with -list-scale: the server's storage.listing_partition_rows")
	fs.DurationVar(&o.listScaleWait, "list-scale-wait", 20*time.Minute, "with -list-scale: how long to wait at most for the listing worker after the load")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	pick := func(s, full, quick string) string {
		if s != "" {
			return s
		}
		if o.quick {
			return quick
		}
		return full
	}
	var err error
	if o.sizes, err = parseSizes(pick(sizes, "4KiB,1MiB,16MiB,64MiB", "4KiB,256KiB,1MiB")); err != nil {
		return o, err
	}
	if o.concs, err = parseInts(pick(concs, "1,8,32", "1,8")); err != nil {
		return o, err
	}
	if o.blockSize, err = parseSize(bs); err != nil {
		return o, err
	}
	r, err := parseSize(pick(rssSize, "5GiB", "256MiB"))
	if err != nil {
		return o, err
	}
	o.rssSize = r
	def := func(p *int, unset, full, quick int) {
		if *p == unset {
			*p = full
			if o.quick {
				*p = quick
			}
		}
	}
	def(&o.listKeys, -1, 1_000_000, 20_000)
	def(&o.versionKeys, -1, 100_000, 2_000)
	def(&o.listPrefix, -1, 100_000, 5_000)
	def(&o.listReps, 0, 50, 20)
	if o.duration == 0 {
		o.duration = map[bool]time.Duration{false: 3 * time.Second, true: time.Second}[o.quick]
	}
	if o.warmup == 0 {
		o.warmup = map[bool]time.Duration{false: time.Second, true: 250 * time.Millisecond}[o.quick]
	}
	for _, h := range strings.Split(hosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			o.hosts = append(o.hosts, h)
		}
	}
	if len(o.hosts) == 0 {
		return o, fmt.Errorf("no -hosts")
	}
	if o.cpuABOp != "PUT" && o.cpuABOp != "GET" {
		return o, fmt.Errorf("-cpu-ab-op %q: PUT or GET", o.cpuABOp)
	}
	if o.listKeys > 0 && (o.listPrefix < bigDirs || o.listPrefix > o.listKeys-1000) {
		return o, fmt.Errorf("-list-prefix-keys %d must be in %d..%d", o.listPrefix, bigDirs, o.listKeys-1000)
	}
	if o.listScale > 0 {
		if o.listScale%scaleCycle != 0 || o.listScaleSmall%scaleCycle != 0 || o.listScaleSmall < 8000 {
			return o, fmt.Errorf("-list-scale %d and -list-scale-small %d must be multiples of %d, the small one at least 8000", o.listScale, o.listScaleSmall, scaleCycle)
		}
		if o.listScale < o.listScaleSmall || o.listSplitRows < 4 {
			return o, fmt.Errorf("-list-scale must be at least -list-scale-small, -list-split-rows at least 4")
		}
	}
	if o.keyspace == "" {
		o.keyspace = "amphora_bench_" + time.Now().UTC().Format("20060102_150405")
		if o.keepKeyspace {
			o.keyspace = "amphora_bench"
		}
	}
	return o, nil
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bad number %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func parseSizes(s string) ([]int64, error) {
	var out []int64
	for _, f := range strings.Split(s, ",") {
		n, err := parseSize(f)
		if err != nil {
			return nil, err
		}
		if n < 1 {
			return nil, fmt.Errorf("size %q must be positive", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// parseSize reads "4KiB", "64MiB", "5GiB" or plain bytes.
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suf string
		m   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(s, u.suf) {
			s, mult = strings.TrimSuffix(s, u.suf), u.m
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad size %q (use 4KiB, 64MiB, 5GiB or bytes)", s)
	}
	return n * mult, nil
}

// sizeLabel prints a size the way the flags take it.
func sizeLabel(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

// run is the whole benchmark: setup, the three parts, report, teardown.
func run(ctx context.Context, o options) (err error) {
	start := time.Now()
	logf("keyspace %s on %v; sizes %v, concurrency %v, %s per cell", o.keyspace, o.hosts, labels(o.sizes), o.concs, o.duration)
	env, err := setup(ctx, o)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := env.teardown(o); cerr != nil && err == nil {
			err = cerr
		}
	}()
	rep := newReport(o, env)
	if !rep.Cassandra.BenchSettings {
		logf("warning: the node has default request in-flight limits, not CASSANDRA_BENCH=1 settings (see docs/benchmarks.md)")
	}
	// The listing comes first: the matrix leaves gigabytes of blocks that
	// Cassandra compacts for minutes, which would be measured along with
	// the listing.
	// finish prints and writes the report of a comparison-only run.
	finish := func(err error) error {
		rep.Seconds = time.Since(start).Seconds()
		rep.print(os.Stdout)
		if o.jsonPath != "" {
			if werr := rep.writeJSON(o.jsonPath); werr != nil && err == nil {
				err = werr
			}
		}
		return err
	}
	if o.sseAB {
		rep.SSEAB, err = runSSEAB(ctx, o, env)
		return finish(err)
	}
	if o.readAB {
		rep.ReadAB, err = runReadAB(ctx, o, env)
		return finish(err)
	}
	if o.metricsAB {
		rep.MetricsAB, err = runMetricsAB(ctx, o, env)
		return finish(err)
	}
	if o.cpuAB != "" {
		rep.CPUAB, err = runCPUAB(ctx, o, env)
		return finish(err)
	}
	if o.listScale > 0 {
		rep.ListingScale, err = runListingScale(ctx, o, env)
		return finish(err)
	}
	if o.listKeys > 0 {
		if rep.Listing, err = runListing(ctx, o, env); err != nil {
			return err
		}
	}
	if o.versionKeys > 0 {
		if rep.Versions, err = runVersions(ctx, o, env); err != nil {
			return err
		}
	}
	if !o.skipMatrix {
		if rep.Cells, err = runMatrix(ctx, o, env); err != nil {
			return err
		}
	}
	if o.rssSize > 0 {
		if rep.RSS, err = runRSS(ctx, o, env); err != nil {
			return err
		}
	}
	rep.Seconds = time.Since(start).Seconds()
	rep.finish()
	rep.print(os.Stdout)
	if o.jsonPath != "" {
		if err := rep.writeJSON(o.jsonPath); err != nil {
			return err
		}
		logf("wrote %s", o.jsonPath)
	}
	// Errors fail the run (a broken request path must not pass CI as a
	// slow one); missed targets do not: this machine's noise is not a bug.
	var failed []string
	for _, c := range rep.Cells {
		if c.Errors > 0 {
			failed = append(failed, fmt.Sprintf("%s %s c=%d: %d errors, first: %s", c.Op, c.SizeLabel, c.Conc, c.Errors, c.FirstError))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d cells had errors:\n%s", len(failed), strings.Join(failed, "\n"))
	}
	return nil
}

func labels(sizes []int64) []string {
	out := make([]string, len(sizes))
	for i, s := range sizes {
		out[i] = sizeLabel(s)
	}
	return out
}

// logf prints progress on stderr, so that stdout carries only the table.
func logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "%s bench: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
}
