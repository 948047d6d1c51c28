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
//	objects          ((bucket_id, shard)), key blob          listing index: the current version's summary (shard: a range's part)
//	listing_ranges   ((bucket_id)), start blob               a bucket's map of listing ranges; static gen, next_part, retired
//	listing_activity ((bucket_id)), part  writes counter     listing writes per part (frontends' estimates)
//	listing_checked  ((bucket_id)), part                     what the listing worker last counted of a part
//	versions         ((bucket_id, key blob)), version DESC   one row per stored version or delete marker: the commit point (and inline bytes)
//	blocks           ((inode, idx)) data, crc                object bytes, one block per partition
//	gc_queue         ((slot, shard)), due, inode             blocks that may have to go
//	gc_state         ((name)) low, holder                    sweeper watermark and lease
//	schema_migrations((version))                             applied schema files
//	key_locks        ((bucket_id, key)) holder               conditional writes (LWT only, TTL)
//	multipart        ((upload_id)) state, manifest, version  one upload: LWT-only state machine
//	uploads          ((bucket_id)), key blob, upload_id      ListMultipartUploads index
//	parts            ((upload_id)), part_number, version DESC one row per stored part: its commit point
//	manifests        ((manifest)), idx                       a completed object's parts, written once; or an appendable object's segments, each claimed once with an LWT
//	accounts         ((id)) display_name, email, admin       accounts (accounts.go)
//	accounts_by_email((email)) account                       unique e-mail claims (LWT)
//	access_keys      ((id)) account, secret, sealed, disabled, buckets   keys; secrets sealed (seal.go)
//	access_keys_by_account ((account)), id                   an account's keys
//
// versions rows also carry the additional checksum (algorithm, type,
// value), the ACL and tags the version's write gave it (acl, tags) and,
// for a completed multipart upload, parts (> 0: inode then names a
// manifest, not blocks) and upload_id; the partition has two static maps
// of later changes, acls and tag_sets (below). gc_queue entries carry
// upload_id, part and parts for the multipart kinds below.
//
// Buckets. A name is claimed with INSERT ... IF NOT EXISTS (a Paxos
// lightweight transaction at SerialConsistency), so two tenants can never
// both own it. Each claim gets a fresh timeuuid id, the bucket's
// incarnation, and every object row hangs off that id, not the name: a
// bucket deleted and created again (by anyone) never sees the old objects.
// DeleteBucket refuses while any listing range holds a row or an upload
// is open or completing (a listing row of a finished upload whose
// finisher died is removed on the way), and deletes
// with IF id = <incarnation>. A PUT racing a DeleteBucket may commit into
// the dead incarnation; nothing can read it there, and the sweeper deletes
// such orphans (it checks the incarnation of every entry's bucket).
// Before its conditional delete, DeleteBucket queues a kindBucketListing
// entry: a GC grace later the sweeper deletes the incarnation's listing
// map, counts and every objects partition of its parts, unless the
// bucket still lives under that id (ranges_reclaim.go).
//
// Listing. A bucket's keys are cut into ranges [start, next start), and
// the rows of a range live in objects partition (bucket_id, shard = the
// range's part), keys in order. The clustering key is a blob of the key's
// UTF-8 bytes: CQL compares blobs bytewise, which is S3's order, and range
// bounds such as store.PrefixEnd(p), which may be invalid UTF-8, stay
// legal. The cursor walks the ranges in order, looking the map up afresh
// for each one, with queries of the form key > after AND key < min(range
// end, PrefixEnd(prefix)) whose pages grow from the page size asked plus
// one (or 32 rows with a delimiter, and the rest of the page at once once
// a page's keys all were plain) up to 1001, and never ask more rows
// than the page may still take: a page of n keys reads at most n+1 rows
// however many ranges it spans (every entry, a key or a common prefix,
// is one row). SkipPrefix(p) drops p's keys from
// the page already fetched and re-queries from PrefixEnd(p) only when the
// page ends inside p, so a delimiter listing never reads the keys under a
// common prefix. Such a listing costs a query per long common prefix;
// once it has crossed a range that took several queries for few entries,
// it scans the next ranges at once (2, then 4, then up to 8), each with
// a cursor bounded by the range's end, and serves their entries in order,
// dropping the part of a prefix that a range before it already listed
// (list_ahead.go); at most 64 ranges are scanned ahead at once across the
// process.
//
// Listing ranges (ranges*.go). The map of a bucket's ranges is one
// listing_ranges partition: a row per elementary interval with the part
// readers read and the parts writers write, and static columns gen (bumped
// by every change), changed, next_part and retired. A bucket without rows
// there has one implicit range over every key: part 0, or, for a bucket
// created before ranges (buckets.shards > 0), its hash shards
// (shard = FNV-1a(key) % shards, legacyPart). Frontends cache the map and
// take every decision of where a row goes or is read from on a map whose
// gen they confirmed less than ListingMapTTL ago (from half the TTL on, a
// request starts that confirmation in the background and goes on with
// the map it has; a map unused for 10 minutes is dropped, and read again
// when needed). They count their
// listing writes per part in listing_activity. The listing worker (one
// frontend at a time, lease "listing") counts a range's rows only after a
// quarter of the bound was written to it since the last count, and splits
// it, at sampled keys, into ranges of about half the bound when it holds
// more than three quarters of it (ListingPartRows, ListingPartBytes); it
// moves a bucket still in hash shards to ranges the same way. A move's new
// ranges are counted once it is done (rows written between a count and the
// move's first step reach them through the copy, not as writes). A move takes
// three steps, each one conditional batch fenced by gen and ListingSettle
// after the last (longer than the TTL plus a write's longest flight, so no
// two frontends act on maps more than one step apart): dual (read the old
// part, write both), switched (after the old rows are copied at their own
// write timestamps, the copy saving where it stands after each interval
// so that another worker resumes there: read the new part, write both), done (write the new
// part; the old ones are retired and emptied with partition tombstones a
// settle later). Adjacent steps agree on everything a reader can see, and
// a late copied row never undoes a newer write or delete; rows written a
// settle after step 1 or later went to both parts and are not copied. The
// worker joins adjacent ranges emptied by deletes, so any two adjacent
// ranges hold an eighth of the bound between them and a page of 1000 reads
// a bounded number of partitions. Moves overlap: each change takes every
// range one step (a range may start moving while others switch or
// finish). A range keeps growing while it moves: a sustained write rate
// into one range above about half the bound per move (three settles plus
// the copy) takes it past the bound until the next split catches up.
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
// A body of unknown size (store.UnknownSize: a form upload's file) is read
// to its end, a block at a time; only io.EOF ends it (a client that hangs
// up is an error, never a shorter object). Its intent starts out covering
// 8 blocks and is moved to one covering twice as many (growIntent, as
// refreshIntent moves it in time) before the first block past them is
// written, so the sweeper always knows every block it may have to delete.
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
//     Every buffer counts against the process's MaxBlockBuffers, whether
//     it fills from a client, is written, or waits to be sent; when all
//     are taken, the request that has waited on its client the longest
//     is cut off (buffers.go, package pacing). A block's INSERT (and a
//     read's SELECT) holds one of MaxBlocksInFlight slots only while it
//     runs: a client that stops sending holds a buffer, never a slot.
//     Whenever less than half the grace is left, the intent is moved
//     (a new entry queued, the old one deleted), so a sweeper never acts on
//     the intent of a running upload, however slow.
//  4. Read the key's version rows and queue the inodes of those with
//     blocks as garbage (harmless if the commit then fails: see the
//     sweeper's rule). An unconditional PUT does this while its blocks
//     upload (earlyRead), a conditional one under the key lock; either
//     way the commit waits until every block is acknowledged, the MD5
//     matches and exactly Size bytes came.
//  5. Commit: one single-partition batch inserts the version row and
//     deletes every older row of the key (a range tombstone), both at the
//     version's timestamp. This row is the commit point: HeadObject reads
//     the newest row, so readers see the old object or the new, never a
//     mix. The range tombstone may also remove an older version committed
//     concurrently, which step 4 did not see; that version's own intent
//     reclaims it, because step 4's read is redone when more than a
//     quarter of the grace period passed before the batch is sent (the
//     early read included), and an intent comes due at least half a grace
//     period after its commit.
//  6. Upsert the listing row at the version's timestamp (in every part
//     the key's range writes: two while it moves, in one logged batch).
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
// # Additional checksums and conditional writes
//
// PutInput.Verify runs once every block is acknowledged and the MD5 is
// checked, before step 4; an error is a failure before the commit point
// (blocks reclaimed as for any failure). Its checksum is stored in the
// versions row.
//
// Conditional writes (IfNoneMatch, IfMatch; PUT and completion) take the
// key's lock after the body is stored: INSERT INTO key_locks ... IF NOT
// EXISTS USING TTL with a random holder id (not applied:
// ErrConditionalConflict, S3's 409). Under the lock, step 4's read of the
// version rows decides the condition (newest row = current version), the
// commit proceeds as usual, and DELETE ... IF holder = ? releases the lock
// (its TTL does if the holder dies). Two conditional writers of one key
// thus never evaluate at once: the second to lock reads at the configured
// consistency after the first's batch was acknowledged at it, so it sees
// the first's version. The lock lives in its own table because LWTs and
// plain writes must not mix on one partition (LWTs cannot take USING
// TIMESTAMP, and Paxos state does not order against plain writes), and it
// keeps unconditional PUTs LWT-free. The batch is sent only within
// lockHold (10 s) of taking the lock, and the lock lives 30 s + 2x the
// query timeout, so a lock never expires while its holder's commit can
// still be in flight. Unconditional writers ignore the lock, as in S3: a
// later unconditional PUT simply wins over a conditional one.
//
// # Multipart uploads
//
// CreateMultipartUpload queues an expiry entry (kind expire, due
// MultipartMaxAge later; the age is fixed per upload) and then inserts the
// multipart row with IF NOT EXISTS (state open) and the uploads listing
// row. Every later change of the multipart row is an LWT at
// SerialConsistency (open -> completing -> done, open -> aborted,
// completing -> open), and it is read at serial consistency wherever a
// decision depends on it, so Complete racing Abort or another Complete
// cannot both win.
//
// UploadPart is a PUT into the parts table: a part intent (kind part
// upload) before the first block, blocks under a fresh inode, then a
// single-partition batch that inserts the part's row and range-deletes
// older rows of its number at the part version's timestamp, after their
// inodes were queued as part garbage, with the same recent-read rule as
// step 5. It refuses an upload that is not open, before and after
// writing the body.
//
// CompleteMultipartUpload:
//
//  1. Read the multipart row (serial). done: return the object it made
//     (a retry), or ErrNoSuchUpload once that version is gone;
//     completing: ErrConditionalConflict; otherwise open is required.
//  2. Read the parts, validate the list (order, ETags, checksums, sizes);
//     a condition is pre-checked here to fail fast.
//  3. Queue the manifest version's intent (kind upload, parts > 0, inode =
//     a fresh manifest id), then LWT open -> completing recording manifest
//     and version.
//  4. Read the parts again (now no commit may add one: see the sweeper's
//     rules) and validate again; write the manifest rows (idx 1..N: part
//     number, inode, size, start offset, block size, etag, checksum).
//     No byte is copied.
//  5. Take the key lock for a conditional completion; commit the version
//     row (parts = N, inode = manifest) through PutObject's commit: the
//     same garbage queueing, range tombstone and listing update.
//  6. LWT completing -> done; queue every parts row the manifest does not
//     use as part garbage; drop the parts partition and the listing row.
//
// A failure before 5's batch reopens the upload (LWT completing -> open)
// and leaves the manifest rows to the intent. After the batch, the
// sweeper finishes: when the manifest version's intent comes due and the
// version is current, it does step 6; if the version is absent it is
// fenced and, when an older version is current (it never became
// visible), the upload is reopened and the manifest rows dropped;
// otherwise (it may have been visible) the upload is marked done and the
// manifest queued as garbage: the client's retry then gets
// ErrNoSuchUpload. A done multipart row stays as long as its manifest:
// it is how the sweeper knows who owns a part's blocks.
//
// ReadObject of a manifest object finds the part holding the first byte
// by point reads (a guess from part 1's size, then binary search: O(log
// N) rows), then reads manifest rows in pages of 100 as the block reader
// reaches them; the prefetching block reader runs across part
// boundaries, so memory stays BlocksInFlight blocks and a range read
// touches only its parts. ObjectPart reads one manifest row.
//
// # Appendable objects
//
// An appendable object (store.Appends; append.go, append_commit.go,
// append_gc.go) is a chain: a manifests partition, its id a timeuuid of
// its own, whose rows are segments, one per append, each naming a blob
// (inode) holding that append's bytes, its offset, the running digest of
// the ETag (store.AppendDigest) and the version its append commits
// (schema 0012). A version of it is a versions row whose inode and
// upload_id both name the chain (never so for a multipart version, whose
// upload id is a timeuuid and manifest id random) and whose parts is the
// number of segments it covers: the multipart manifest reader streams it
// unchanged, and the rows beyond parts are not read.
//
// Segment rows are written only by INSERT ... IF NOT EXISTS: the claim.
// An append (1) reads the key's rows and, at serial consistency, the
// segments claimed beyond the current version (a claimed segment whose
// version never landed is part of the object all the same); checks the
// position against that length; (2) queues an intent (kindAppend: blob,
// chain, index) and writes the blob; (3) claims the next index, with a
// version newer than every row and claim it read: of appenders racing at
// one position exactly one claims it, the others re-read and get the new
// length (store.PositionError); (4) commits a versions row covering the
// chain up to its segment with the PUT commit's batch (insert, range
// tombstone below it, the replaced row queued as garbage), then the
// listing row. Step 4 is skipped when the current row covers the segment
// already (a later append committed first, with a newer version) or is
// no longer of this chain (a PUT or DELETE replaced it: committing would
// bring the chain back). So readers see an object before or after each
// append, never part of one, and never a shorter version after a longer.
// Creating a chain (position 0, no object) takes the key's
// conditional-write lock (waiting a few seconds for a holder) and checks
// under it that the key still has no object. Appends are refused in a
// bucket whose versioning was ever set, so every version row of a chain
// but the newest is garbage.
//
// The blocks of a chain are shared by all its versions, so the sweeper
// reclaims chains, not versions (append_gc.go). A chain lives while a row
// the garbage rule keeps names it. An entry of a chain version (garbage
// or intent) finding its chain live is dropped; finding it dead queues a
// kindChainDead entry a grace period later (the chain's last version may
// have been current until just now); that entry, finding the chain still
// dead, writes a tombstone for each claim's version at that version's
// own timestamp (a commit of it still in the air can never bring the
// chain back), deletes the blocks of every segment the chain ever claimed
// and then its rows (a plain partition delete: the one write of a claimed
// table without an LWT, safe since only a late appender claims a segment
// of a dead chain, and its intent reclaims that). An append's intent
// whose blob holds its index is the chain's; one whose index another
// blob holds is deleted; one whose index is free (the appender died, or
// is too slow) is fenced first: the sweeper claims the index with an
// empty segment (no inode, no bytes), so the appender's claim, if it ever
// comes, fails and its client gets 409 with the unchanged length. Readers
// and appenders skip fences.
//
// A claimed segment whose version never landed (the appender died
// between steps 3 and 4) is read by no GET until the next append commits
// a version covering it; HEAD shows the shorter length meanwhile, and an
// append at that length is refused with the longer one.
//
// # Inline objects
//
// An object of at most InlineSize bytes (4 KiB by default) has no blocks:
// its bytes are the data column of its version row, whose block_size is
// 0. The CRC-32C of the bytes as stored (data_crc, schema 0016) is checked
// on every read, as a block's is; versions written before have their MD5
// (the ETag) checked instead.
// An unconditional PUT reads the body (and verifies MD5 and checksums)
// first, then sends one logged batch at the version's timestamp: the
// version row, the listing row and the version's queue entry (kind
// upload, no blocks). The batch log makes the three land together or not
// at all, so no intent has to precede the commit and no listing repair
// can be needed; the batch is the only round trip. A GET of an inline
// object is one read: HeadObject's LIMIT 1 read carries the data column,
// and bucket rows are cached for BucketCacheTTL across requests.
//
// The inline batch writes no range tombstone: deleting older rows needs
// their inodes queued first, and reading them would be a second round
// trip. So older rows stay until the entry comes due; the sweeper then
// queues older rows that have blocks as garbage and range-deletes them
// (the usual handling of "older rows than the newest"). Readers only
// ever read the newest row, and a block-based commit's range tombstone
// removes inline rows (no blocks) along with the rest. A key overwritten
// by inline PUTs N times a grace period keeps about N rows until the
// sweeper catches up. Nothing of an inline version needs reclaiming
// beyond its row, so its entry never re-queues. A conditional inline PUT
// takes the usual path (intent, key lock, read, commit batch, listing)
// with the data in the version row.
//
// Cassandra logs a warning for multi-partition batches above
// batch_size_warn_threshold (5 KiB by default) and refuses them above
// batch_size_fail_threshold (50 KiB), which is why InlineSize is 4 KiB by
// default and at most 32 KiB.
//
// A bucket deleted through another frontend stays visible in this
// frontend's bucket cache for up to BucketCacheTTL (1 s by default): a
// PUT in that window commits into the dead incarnation, like a PUT racing
// DeleteBucket (above), and its rows are reclaimed by the sweeper.
//
// # SSE-C, SSE-S3 and SSE-KMS
//
// The blob layer (writeBlocks, the block reader, the manifest reader)
// reads and writes every blob through a blockCodec (codec.go). A version
// written with a customer key (store.PutInput.SSE) records only its SSE
// record in the sse column (schema 0011; store.NewSSERecord: algorithm,
// a random salt and HMAC-SHA256 of it under the key), never the key or its
// MD5; a multipart row records its upload's, which every UploadPart's key
// must match and which the completed version takes. Its blob is sealed
// with AES-256-GCM under HKDF-SHA256(customer key, salt = inode, info
// "amphora sse-c block"), the nonce being the block index (big-endian in
// 12 bytes): the key is the blob's own, so a (key, nonce) pair never
// repeats; each multipart part is a blob with its own inode and key. A
// stored block is its plain bytes plus a 16-byte tag (buffers keep room
// for it, so sealing and opening are in place), its CRC-32C covers the
// stored bytes, and a block failing authentication wraps ErrCorrupt.
// Inline bytes are sealed as one with the nonce of all 0xFF bytes. The
// ETag is store.ETagDigest: MD5(record || MD5 of the plain bytes), which
// says nothing of them without the record and needs no second pass over
// the bytes (versions written before 2026-12-07 have the MD5 of their
// stored bytes, still accepted by the inline check); Content-MD5 is
// checked against the plain bytes. ReadObject checks obj.SSEKey against
// the record before reading anything (store.CheckSSE).
//
// SSE-S3 and SSE-KMS use the same codec with the object's data key in
// place of a customer key (store.SSE.Managed set): the sse column then
// holds store.ManagedSSE's record, the data key wrapped under a master
// key of the frontend's key ring, with the key's id; the store never sees
// a master key. An UploadPart of such an upload gets its data key from
// the frontend through PartInput.Managed. An SSE-S3 ETag is the MD5 of
// the plain bytes, as in S3 (store.ETagDigest); an SSE-KMS one is made as
// SSE-C's. Inline versions are checked against their ETag once opened.
//
// # Versions
//
// A bucket's versioning state is one of its settings (never versioned,
// Enabled, Suspended). A version row written while Enabled has
// versioned = true and its timeuuid is its S3 version id; any other row
// is the key's null version. A delete marker is a row with marker = true
// and no bytes (schema 0008). One rule decides which rows are garbage
// (store.GarbageVersions, garbage.go): every null row but the newest. In
// a bucket never versioned all rows are null, which is the behaviour of
// the steps above (each commit's range tombstone); in a versioned bucket
// a commit deletes, with row tombstones, only the null rows the rule
// names (a range could take a version committed concurrently), and an
// Enabled commit deletes nothing.
//
// Version order is completion order. A PUT's version is taken when it
// starts (its intent and write timestamps need one), but a PUT that finds
// at its commit a newer row than its own (a PUT that started after it
// committed first) takes a fresh version, newer than every row it read
// (and than another frontend's clock), and moves its intent to it as
// refreshIntent moves an intent in time: the new entry is queued, then the
// old one, just refreshed and so far from due, withdrawn. The blocks are
// the inode's and stay. The early read, taken while the body came in, is
// checked at the commit with a one-row read of the newest version, so a
// commit landed meanwhile is seen. An inline PUT takes its version once
// its body is in. A multipart completion, whose version its upload's
// record names, keeps the version taken when it starts completing: if a
// newer null row exists by its commit, its row would be garbage on
// arrival and the commit is skipped (in an Enabled bucket it is kept as a
// version that is not current).
//
// DeleteObject in a versioned bucket commits a marker as an inline PUT
// does: one logged batch with the marker row, the listing row (marked:
// ListObjects skips it, ListObjectVersions and DeleteBucket see it) and
// the version's queue entry. HeadObject reads the newest row as before; a
// marker there is store.DeleteMarkerError. HeadVersion reads one row by
// timeuuid, or the newest null row. DeleteVersion queues the row's entry
// (blocks or not), writes a row tombstone, and settles the listing row:
// it reads the listing, then the rows, and writes the newest row's
// listing (or deletes it) just above the listing's own timestamp, so
// concurrent deletes of one key's versions converge and a newer commit's
// listing write still wins. ListVersions walks the listing index, keys
// behind a marker included, and reads each key's rows, 64 keys at a
// time (one at a time with a delimiter, whose common prefixes skip
// keys), leaving out garbage rows the sweeper has not removed yet.
//
// The sweeper applies the same rule: a row the rule keeps is live
// whether or not it is the newest (a manifest version is finished as
// such), garbage rows are queued and removed. An upload intent whose
// version is absent in a versioned bucket is always queued again as
// garbage, never reclaimed at once: a current version older than it does
// not prove it was never visible there (it may have been committed and
// then deleted by id). A listing row naming a version that is gone is
// rewritten just above its own timestamp.
//
// # Object lock
//
// A bucket's object lock configuration is one of its settings
// (store.ObjectLockConfig: enabled, default retention); the frontend
// keeps versioning Enabled while it is on and turns the default into a
// retention at each write. A version's retention and legal hold as its
// write gave them are the row's lock column (store.Lock.Encode; a
// multipart upload's row carries them until the completion writes the
// version row, with the bucket's default retention when the upload named
// none). PutObjectRetention and PutObjectLegalHold write entries of the
// static maps retentions and legal_holds, keyed by version, as ACLs and
// tags are kept below: each in its own cell, so a retention change never
// overwrites a legal hold change. The entry in force wins over the
// column (versionRow.effectiveLock).
//
// Nothing locked is ever reclaimed. DeleteVersion reads the rows it
// would delete and refuses (store.ErrObjectLocked) while any is under a
// legal hold or a running retention, unless it is GOVERNANCE and the
// request bypasses governance. The garbage rule (store.GarbageVersions)
// never names a locked row, so no commit's tombstones, no
// DeleteObject in a Suspended bucket and no sweeper pass removes one;
// the range tombstone of a commit is only written in a bucket never
// versioned, where no lock can exist (object lock needs versioning). A
// retention change or a delete racing another change of the same
// version is decided by what each read: the last write wins, as for
// ACLs.
//
// # Object ACLs and tags
//
// A committed versions row is never updated. The ACL and tags a write
// gives its version are columns of that row (acl, tags; unset for the
// private default and for none). PutObjectAcl and PutObjectTagging write
// an entry of the partition's static map (acls, tag_sets) keyed by the
// version they are for, after checking that version is the current one;
// an empty entry shadows the row's value. HeadObject's one LIMIT 1 read
// returns the row and both maps, so the values in force cost no extra
// round trip. A later commit writes another version, which has no entry:
// it neither loses the change (the entry is for a version the commit does
// not touch) nor inherits it. A partition tombstone (DeleteObject) takes
// the maps with it; a change racing a delete can leave a partition with
// static cells only, which readers skip (it has no clustering row) and the
// next write or delete replaces. Entries of versions replaced since stay
// until the key is deleted: small, and never read.
//
// Garbage collection, schema and consistency, observability: doc_gc.go.
package cassandra
