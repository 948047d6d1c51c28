package cassandra

// Garbage collection, schema and consistency, observability: the rest of
// the package documentation (doc.go).
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
// A version entry with parts > 0 is a manifest. Its blocks are its
// parts' blocks, so "deleting its blocks" means: read the multipart row
// (serial); if it names another manifest (this completion was undone and
// the upload completed again), only the manifest rows go; otherwise every
// part's blocks, then the manifest partition, then the multipart row (IF
// manifest = this one) and any parts and listing rows left.
//
// Part entries (part upload and part garbage) follow the same rule with
// the owner decided by the multipart row. The sweeper reads the part's
// rows first, then the multipart row (serial):
//
//   - open: older rows than the newest are queued again and
//     range-deleted; if the entry's row is the newest, the blocks are
//     live; if it is absent, the row is fenced (a tombstone at the part's
//     own timestamp) and the multipart row read again (serial), and the
//     decision below is taken on that second read. A completion reads
//     the parts after its open -> completing LWT: if that LWT came before
//     the second read, the state is no longer open; if after, its read
//     comes after the fence and cannot see the part. So a part the
//     sweeper reclaims is never in a manifest;
//   - completing: the entry is queued again (the completion's intent
//     decides the upload's fate first);
//   - done: the blocks are live if and only if the manifest names the
//     inode (manifest inodes cached per pass); otherwise (an unlisted
//     part, or one committed after the completion read the parts) they
//     go, after the fence;
//   - aborted, or no multipart row (aborted and cleaned up, or completed
//     and its manifest reclaimed, which deleted the listed parts'
//     blocks already): the blocks go, after the fence.
//
// Abort (and the expiry entry of an upload still open, which aborts it
// with the same LWT) queues every parts row as part garbage, then drops
// the parts partition, the listing row and the multipart row (IF state =
// aborted). A part committed after that read is reclaimed through its
// own intent. An expiry entry finding the upload completing is queued
// again; finding it done, it only removes leftover listing and parts rows.
//
// Then the entry goes. Every step is idempotent, so several sweepers may
// run at once; RunSweeper takes a lease (an LWT row with a TTL) so that
// normally only one frontend sweeps. Readers that looked a version up just
// before it was replaced or deleted keep GCGrace to finish streaming it.
//
// Schema and consistency
//
// All statements are prepared with ? markers and run with the caller's
// context at Config.Consistency (LOCAL_QUORUM by default); names use LWTs
// at SerialConsistency. Idempotent statements (everything but LWTs) are
// marked so and retried with backoff. The only multi-partition batch is
// the inline PUT's logged batch; the others (step 5, and UploadPart's)
// touch a single partition and are unlogged. Tables written by LWTs (buckets, key_locks, multipart) are
// never written without one; so are the manifests partitions of appendable
// objects' chains (but the partition delete of a dead chain, see
// "Appendable objects"), while a multipart manifest's partition is written
// once without. UploadPart and ListParts read the multipart
// row at the plain consistency: for them it is only a hint; every
// decision that GC safety depends on reads it at serial consistency. ApplySchema's
// tables get deterministic ids (see package schema), which makes
// concurrent schema creation from several processes safe. A keyspace must
// be at the binary's schema version: Open refuses one lacking a migration
// and one recording a migration the binary does not know (a newer amphora
// upgraded it), ApplySchema refuses the latter too, and Ready reports
// either as not ready (schema.go).
//
// Bucket claims, deletions and setting changes (buckets.go) run their
// LWTs at SERIAL whenever local_datacenter is set, whatever
// serial_consistency says: at LOCAL_SERIAL two datacenters could both
// claim one name (seen in TestTwoDatacenters). Block reads go to ONE
// first and to the configured consistency only on a missing or bad copy
// (blockread.go): blocks are immutable and carry their CRC-32C, so any
// replica's verified copy is the block.
//
// Observability
//
// Config.Observer sees every statement attempt by a bounded name, its verb
// and table ("INSERT blocks", "UPDATE multipart LWT", observe.go), never
// bound values. Read-only accessors (stats.go) report the block buffers
// and slots in use, the key and bucket caches' hits and misses, the
// sweeps this process ran and the sweeper's lag; none adds work to a
// request's path beyond counting cache lookups.
