package monitor

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/amphora-s3/amphora/cassandra"
	"github.com/amphora-s3/amphora/pacing"
)

// Store is the store's read-only state RegisterStore exposes;
// *cassandra.Store implements it.
type Store interface {
	BufferStats() pacing.Stats
	SlotStats() (used, size int)
	CacheStats() (keys, buckets cassandra.CacheStats)
	GCStats() cassandra.GCStats
	GCLag(ctx context.Context) (time.Duration, error)
}

// blockStore is the block read side of *cassandra.Store (reads at ONE and
// the block cache), reported when st has it.
type blockStore interface {
	BlockReadStats() cassandra.BlockReadStats
	BlockCacheStats() cassandra.BlockCacheStats
}

// listingStore is the listing worker's side of *cassandra.Store,
// reported when st has it.
type listingStore interface {
	ListingTotals() cassandra.ListingTotals
}

// gcLagEvery is how often the GC watermark is read from Cassandra; a
// scrape never waits for it (the last value read is reported).
const (
	gcLagEvery   = 15 * time.Second
	gcLagTimeout = 5 * time.Second
	gcLagStale   = time.Minute
)

// RegisterStore registers metrics read from st at each scrape: block
// buffers and slots in use, cache lookups, and the sweeper's work and lag.
func RegisterStore(reg prometheus.Registerer, st Store) error {
	return reg.Register(&storeCollector{st: st})
}

// storeCollector reads st when scraped.
type storeCollector struct {
	st Store

	mu         sync.Mutex
	lag        time.Duration
	lagRead    time.Time // when lag was read; zero: never
	lagReading bool
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

var (
	buffersInUse    = desc("amphora_block_buffers_in_use", "Block buffers taken now (filling from clients, in Cassandra I/O, waiting to be sent).")
	buffersMax      = desc("amphora_block_buffers_max", "The block buffer budget (storage.max_block_buffers).")
	bufferCuts      = desc("amphora_block_buffer_cutoffs_total", "Stalled clients cut off to free block buffers for others.")
	slotsInUse      = desc("amphora_cassandra_block_slots_in_use", "Block statements running in Cassandra now.")
	slotsMax        = desc("amphora_cassandra_block_slots_max", "The block statement slots (storage.max_blocks_in_flight).")
	cacheLookups    = desc("amphora_cache_lookups_total", "Lookups of the access key and bucket caches, by cache and result (hit, miss).", "cache", "result")
	gcSweeps        = desc("amphora_gc_sweeps_total", "Sweeps this process ran (it sweeps while it holds the sweeper lease).")
	gcFailed        = desc("amphora_gc_sweep_failures_total", "Sweeps that ended in an error (their entries are retried by a later sweep).")
	gcEntries       = desc("amphora_gc_entries_total", "GC queue entries handled by this process's sweeps.")
	gcReclaimed     = desc("amphora_gc_reclaimed_inodes_total", "Inodes (objects, parts, failed uploads) whose blocks this process's sweeps deleted.")
	gcBlocks        = desc("amphora_gc_deleted_blocks_total", "Block partitions this process's sweeps deleted.")
	gcEntryFails    = desc("amphora_gc_failed_entries_total", "GC queue entries a sweep could not handle and left for a later one.")
	gcLast          = desc("amphora_gc_last_sweep_timestamp_seconds", "When this process's last sweep ended (Unix time).")
	gcLastTook      = desc("amphora_gc_last_sweep_duration_seconds", "How long this process's last sweep took.")
	listingPasses   = desc("amphora_listing_passes_total", "Listing worker passes this process ran (it works while it holds the listing lease).")
	listingFailed   = desc("amphora_listing_pass_failures_total", "Listing worker passes that ended in an error (retried by the next pass).")
	listingCounted  = desc("amphora_listing_ranges_counted_total", "Listing ranges whose rows the listing worker counted.")
	listingMoves    = desc("amphora_listing_moves_total", "Listing range splits, joins and migrations from hash shards started.")
	listingSteps    = desc("amphora_listing_move_steps_total", "Later steps of listing range moves written (switch reads, finish).")
	listingCopied   = desc("amphora_listing_rows_copied_total", "Listing rows copied to the new partitions of moving ranges.")
	listingRetired  = desc("amphora_listing_parts_retired_total", "Listing partitions emptied after their ranges moved away.")
	listingConflict = desc("amphora_listing_map_conflicts_total", "Listing map changes lost to another writer (nothing written).")
	listingLargest  = desc("amphora_listing_largest_range_rows", "Most rows in a listing range counted by the last pass that counted one.")
	listingLast     = desc("amphora_listing_last_pass_timestamp_seconds", "When this process's last listing pass ended (Unix time).")
	gcLag           = desc("amphora_gc_queue_lag_seconds", "Age of the oldest GC queue minute not yet cleared by any sweeper: the sweeping backlog.")

	blockReadOne       = desc("amphora_block_reads_one_total", "Blocks read at ONE (LOCAL_ONE) whose copy checked out (cassandra.block_read_one).")
	blockFallbacks     = desc("amphora_block_read_fallbacks_total", "Block reads at ONE read again at the configured consistency, by reason (missing, corrupt, error).", "reason")
	blockFallbackFails = desc("amphora_block_read_fallback_failures_total", "Fallback block reads that failed too (the GET failed).")
	blockCacheEvicted  = desc("amphora_block_cache_evictions_total", "Blocks evicted from the block cache to make room (cassandra.block_cache_mb).")
	blockCacheBlocks   = desc("amphora_block_cache_blocks", "Blocks held in the block cache now.")
	blockCacheBytes    = desc("amphora_block_cache_bytes", "Stored bytes of the blocks held in the block cache now.")
	blockCacheMax      = desc("amphora_block_cache_max_bytes", "The block cache's size in whole block slots (0: off).")
)

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{buffersInUse, buffersMax, bufferCuts, slotsInUse, slotsMax, cacheLookups,
		gcSweeps, gcFailed, gcEntries, gcReclaimed, gcBlocks, gcEntryFails, gcLast, gcLastTook, gcLag,
		listingPasses, listingFailed, listingCounted, listingMoves, listingSteps, listingCopied, listingRetired,
		listingConflict, listingLargest, listingLast,
		blockReadOne, blockFallbacks, blockFallbackFails, blockCacheEvicted, blockCacheBlocks, blockCacheBytes, blockCacheMax} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	b := c.st.BufferStats()
	gauge(buffersInUse, float64(b.Used))
	gauge(buffersMax, float64(b.Size))
	counter(bufferCuts, float64(b.Cuts))
	used, size := c.st.SlotStats()
	gauge(slotsInUse, float64(used))
	gauge(slotsMax, float64(size))
	keys, buckets := c.st.CacheStats()
	counter(cacheLookups, float64(keys.Hits), "access_key", "hit")
	counter(cacheLookups, float64(keys.Misses), "access_key", "miss")
	counter(cacheLookups, float64(buckets.Hits), "bucket", "hit")
	counter(cacheLookups, float64(buckets.Misses), "bucket", "miss")
	if bs, ok := c.st.(blockStore); ok {
		r := bs.BlockReadStats()
		counter(blockReadOne, float64(r.One))
		counter(blockFallbacks, float64(r.FallbackMissing), "missing")
		counter(blockFallbacks, float64(r.FallbackCorrupt), "corrupt")
		counter(blockFallbacks, float64(r.FallbackError), "error")
		counter(blockFallbackFails, float64(r.FallbackFailed))
		bc := bs.BlockCacheStats()
		counter(cacheLookups, float64(bc.Hits), "block", "hit")
		counter(cacheLookups, float64(bc.Misses), "block", "miss")
		counter(blockCacheEvicted, float64(bc.Evictions))
		gauge(blockCacheBlocks, float64(bc.Blocks))
		gauge(blockCacheBytes, float64(bc.Bytes))
		gauge(blockCacheMax, float64(bc.Capacity))
	}
	gc := c.st.GCStats()
	counter(gcSweeps, float64(gc.Passes))
	counter(gcFailed, float64(gc.FailedPasses))
	counter(gcEntries, float64(gc.Entries))
	counter(gcReclaimed, float64(gc.Reclaimed))
	counter(gcBlocks, float64(gc.Blocks))
	counter(gcEntryFails, float64(gc.Failed))
	if !gc.LastPass.IsZero() {
		gauge(gcLast, float64(gc.LastPass.UnixNano())/1e9)
		gauge(gcLastTook, gc.LastDuration.Seconds())
	}
	if ls, ok := c.st.(listingStore); ok {
		l := ls.ListingTotals()
		counter(listingPasses, float64(l.Passes))
		counter(listingFailed, float64(l.FailedPasses))
		counter(listingCounted, float64(l.Counted))
		counter(listingMoves, float64(l.Moves))
		counter(listingSteps, float64(l.Steps))
		counter(listingCopied, float64(l.Copied))
		counter(listingRetired, float64(l.Retired))
		counter(listingConflict, float64(l.Conflicts))
		if !l.LastPass.IsZero() {
			gauge(listingLargest, float64(l.LargestCounted))
			gauge(listingLast, float64(l.LastPass.UnixNano())/1e9)
		}
	}
	if lag, ok := c.gcLag(); ok {
		gauge(gcLag, lag.Seconds())
	}
}

// gcLag returns the lag last read, and starts reading it again in the
// background when it is older than gcLagEvery. A value that could not be
// refreshed for gcLagStale (Cassandra does not answer) is not reported.
func (c *storeCollector) gcLag() (time.Duration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.lagReading && time.Since(c.lagRead) >= gcLagEvery {
		c.lagReading = true
		go c.readGCLag()
	}
	if time.Since(c.lagRead) > gcLagStale {
		return 0, false
	}
	return c.lag, true
}

func (c *storeCollector) readGCLag() {
	ctx, cancel := context.WithTimeout(context.Background(), gcLagTimeout)
	defer cancel()
	lag, err := c.st.GCLag(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lagReading = false
	if err == nil {
		c.lag, c.lagRead = lag, time.Now()
	}
}
