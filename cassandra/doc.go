// Package cassandra implements store.Store on Apache Cassandra with gocql.
//
// Frontends are stateless: every byte and every piece of metadata lives in
// one keyspace, created by ApplySchema from the CQL files in package schema.
// Any number of Stores (frontends) may work on a keyspace at once.
//
// # Tables (partition key in double parentheses)
//
//	buckets          ((name)) id, owner, location, created, shards
//	buckets_by_owner ((owner)), name                         ListBuckets
//	objects          ((bucket_id, shard)), key blob          listing index: the current version's summary
//	versions         ((bucket_id, key blob)), version DESC   one row per stored version: the commit point
//	blocks           ((inode, idx)) data, crc                object bytes, one block per partition
//	gc_queue         ((slot, shard)), due, inode             blocks that may have to go
//	gc_state         ((name)) low, holder                    sweeper watermark and lease
//	schema_migrations((version))                             applied schema files
//
// Buckets. A name is claimed with INSERT ... IF NOT EXISTS (a Paxos
// lightweight transaction at SerialConsistency), so two tenants can never
// both own it. Each claim gets a fresh timeuuid id, the bucket's
// incarnation, and every object row hangs off that id, not the name: a
// bucket deleted and created again (by anyone) never sees the old objects.
// DeleteBucket refuses while any listing shard holds a row and deletes
// with IF id = <incarnation>. A PUT racing a DeleteBucket may commit into
// the dead incarnation; nothing can read it there, and the sweeper deletes
// such orphans (it checks the incarnation of every entry's bucket).
//
// Listing. objects rows are spread over shards = FNV-1a(key) % N
// partitions, N fixed per bucket at creation (Config.ListingShards, stored
// in the buckets row), so no partition grows without bound. The
// clustering key is a blob of the key's UTF-8 bytes: CQL compares blobs
// bytewise, which is S3's order, and range bounds such as
// store.PrefixEnd(p), which may be invalid UTF-8, stay legal. The cursor
// merges the N shards lazily (a page per shard, fetched concurrently; the
// first page is each shard's share of MaxKeys, or at most 32 rows with a
// delimiter, and pages double up to 1000) with queries of the form
// key > after AND key < PrefixEnd(prefix). SkipPrefix(p) drops p's keys
// from the pages already fetched and re-queries a shard from PrefixEnd(p)
// only when its page ends inside p, so a delimiter listing never reads the
// keys under a common prefix.
//
// Blocks. A PUT cuts its body into fixed-size blocks (Config.BlockSize,
// 1 MiB by default, at most 8 MiB: cells stay far from Cassandra's 16 MiB
// mutation and frame limits) stored one per partition ((inode, idx)): a
// range read computes the indexes it needs, partitions stay small and a
// delete is a partition tombstone. Each block carries a CRC-32C checked on
// every read (a mismatch, wrong length or missing block wraps
// store.ErrCorrupt). The block size is recorded per version, so changing
// it never affects stored objects. The blocks table is uncompressed
// (bodies are often compressed already), uses tiered unified compaction
// (write once, delete whole) and gc_grace_seconds of a day, above the
// 3 h hint window.
//
// # A PUT, step by step
//
//  1. Allocate a random inode and a version timeuuid (µs-unique per
//     frontend). The version's time is the write timestamp of every cell
//     the version writes, and its LastModified.
//  2. Queue an upload intent (kind upload: inode, block count, bucket,
//     key, version) due GCGrace from now, before any block is written.
//  3. Stream the body into pooled block buffers, hashing MD5 as it goes,
//     with at most BlocksInFlight block writes (and buffers) at once: the
//     memory of a request is BlocksInFlight x BlockSize whatever the size.
//     Whenever less than half the grace is left, the intent is moved
//     (a new entry queued, the old one deleted), so a sweeper never acts on
//     the intent of a running upload, however slow.
//  4. Once every block is acknowledged, the MD5 matches and exactly Size
//     bytes came: read the key's version rows and queue their inodes as
//     garbage (harmless if the commit then fails: see the sweeper's rule).
//  5. Commit: one single-partition batch inserts the version row and
//     deletes every older row of the key (a range tombstone), both at the
//     version's timestamp. This row is the commit point: HeadObject reads
//     the newest row, so readers see the old object or the new, never a
//     mix. The range tombstone may also remove an older version committed
//     concurrently, which step 4 did not see; that version's own intent
//     reclaims it, because step 4's read is redone when more than a
//     quarter of the grace period passed before the batch is sent, and an
//     intent comes due at least half a grace period after its commit.
//  6. Upsert the listing row at the version's timestamp.
//
// Failures before step 5 return the error and leave the version
// invisible; the blocks are deleted right away in the background when
// possible, else by the sweeper via the intent. After step 5 was sent, a
// failure is ambiguous (the write may land later, even via hints), so only
// the sweeper may reclaim, and it fences first (below). A frontend killed
// at any point leaves either a committed object or an intent that leads the
// sweeper to its blocks.
//
// Concurrent writers. Every versions and objects write of a version uses
// the version's time as its timestamp; DeleteObject uses a timestamp newer
// than every version it saw. Cassandra keeps the cell with the highest
// timestamp (a tombstone wins a tie), so whatever the order in which
// commits and deletes land, the newest request wins everywhere: the
// versions partition, whose older rows each commit's range tombstone
// removes, and the listing row. A PUT that finds a newer version already
// committed skips its commit altogether. Like S3, "newest" is the start of
// the request; frontends' clocks must agree to well within GCGrace.
//
// DeleteObject queues the key's inodes as garbage, writes one partition
// tombstone on the versions partition (which also shadows a slower PUT that
// started earlier) and deletes the listing row.
//
// # Garbage collection
//
// gc_queue is partitioned by (minute slot of due, shard of inode), so each
// partition is small and, once its minute has passed and its entries are
// handled, deleted whole. gc_state.low is the oldest slot that may still
// hold entries: a Sweep scans the slots from low to now (normally one or
// two), handles every entry due, range-deletes handled entries of the
// current slot, deletes past slots' partitions and moves low forward with
// a conditional update. Entries are always due a grace period after their
// writer's clock, so a past slot never gets new entries.
//
// The rule that never deletes a live block: an entry's blocks are
// deleted only when its version row is absent from the versions partition
// (or its bucket incarnation is gone). For each entry the sweeper reads the
// key's listing row and version rows, then:
//
//   - if older rows than the newest remain (a frontend died between
//     writing a version and cleaning up), it queues them as garbage and
//     range-deletes them;
//   - it makes the listing row agree with the newest row (repairing a
//     death between commit and listing update, or between a DELETE's two
//     tombstones), writing with the timestamps the dead request would have
//     used, so a newer request is never overridden;
//   - if the entry's version is the newest row, the blocks are live: the
//     entry is dropped;
//   - if it is an older row, it was just queued again with a fresh grace;
//   - if it is absent and the entry is an upload intent, the sweeper first
//     writes a row tombstone for that version at the version's own
//     timestamp (a fence: a commit landing later, say from a hint, is
//     shadowed for ever). If an older version is current, the upload was
//     never visible and its blocks are deleted now. Otherwise it may have
//     been current until a moment ago (committed, then replaced or
//     deleted), so it is queued again as garbage and its blocks go one
//     grace period later. Failed uploads normally never get here: the
//     frontend deletes their blocks at once; this is the crash path;
//   - garbage whose version is absent: the blocks are deleted.
//
// Then the entry goes. Every step is idempotent, so several sweepers may
// run at once; RunSweeper takes a lease (an LWT row with a TTL) so that
// normally only one frontend sweeps. Readers that looked a version up just
// before it was replaced or deleted keep GCGrace to finish streaming it.
//
// # Schema and consistency
//
// All statements are prepared with ? markers and run with the caller's
// context at Config.Consistency (LOCAL_QUORUM by default); names use LWTs
// at SerialConsistency. Idempotent statements (everything but LWTs) are
// marked so and retried with backoff. Multi-partition batches are never
// used; the one batch (step 5) touches a single partition. ApplySchema's
// tables get deterministic ids (see package schema), which makes
// concurrent schema creation from several processes safe.
package cassandra
