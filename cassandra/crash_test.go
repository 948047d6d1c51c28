package cassandra

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"testing"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// simulateUpload does what a PUT does up to a crash: queue the intent and
// write every block of data; with versionRow, also insert the version row
// alone, as a frontend killed right after the commit point would (no
// cleanup of older rows, no listing row, no committed mark).
func simulateUpload(t *testing.T, s *Store, b bucketInfo, key string, data []byte, commit bool) gocql.UUID {
	t.Helper()
	return simulateUploadRow(t, s, b, key, data, commit).inode
}

func simulateUploadRow(t *testing.T, s *Store, b bucketInfo, key string, data []byte, commit bool) versionRow {
	t.Helper()
	ctx := context.Background()
	inode, err := randomUUID()
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(data)
	row := versionRow{version: s.newVersion(), inode: inode, size: int64(len(data)), blockSize: s.cfg.BlockSize,
		etag: hex.EncodeToString(sum[:]), owner: "crash"}
	row.created = row.version.Time()
	intent := s.newEntry(kindUpload, b, key, row)
	if err := s.enqueue(ctx, intent); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := s.writeBlocks(ctx, inode, plainCodec{}, bytes.NewReader(data), row.size, intent); err != nil {
		t.Fatal(err)
	}
	if commit {
		err := s.query(ctx, `INSERT INTO versions (bucket_id, key, version, inode, size, block_size, etag, owner, created)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`,
			b.id, []byte(key), row.version, row.inode, row.size, row.blockSize, row.etag, row.owner, row.created,
			writeTime(row.version)).Exec()
		if err != nil {
			t.Fatal(err)
		}
	}
	return row
}

// Killed after writing blocks, before the commit: nothing visible, the
// previous version intact, and the sweeper reclaims the blocks after the
// grace period (not before).
func TestCrashBeforeCommit(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	mustCreateBucket(t, s, "crash")
	b, _ := s.bucket(ctx, "crash")
	prevData := randomBytes(t, 2*testBlockSize+1)
	prev := mustPut(t, s, "crash", "existing", prevData)

	data := randomBytes(t, 3*testBlockSize)
	inNew := simulateUpload(t, s, b, "new", data, false)
	inOver := simulateUpload(t, s, b, "existing", data, false)

	if _, err := s.HeadObject(ctx, "crash", "new"); !errors.Is(err, store.ErrNoSuchKey) {
		t.Errorf("HeadObject of a crashed new key: %v", err)
	}
	h, err := s.HeadObject(ctx, "crash", "existing")
	if err != nil || vid(h) != vid(prev) {
		t.Fatalf("HeadObject after a crashed overwrite: %+v, %v", h, err)
	}
	res, err := s.ListObjects(ctx, store.ListInput{Bucket: "crash", MaxKeys: 10})
	if err != nil || len(res.Objects) != 1 || vid(res.Objects[0]) != vid(prev) {
		t.Fatalf("listing after crashes = %+v, %v", res.Objects, err)
	}
	if _, err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countBlocks(t, s, inNew, 3); n != 3 {
		t.Fatalf("sweep before the grace period removed blocks: %d of 3 left", n)
	}
	// The overwrite never was visible (an older version is current): its
	// blocks go now. The new key's version might have been current for a
	// moment, as far as the sweeper can tell: it gets a grace period more.
	st := sweepAfterGrace(t, s)
	if st.Reclaimed != 1 || st.Requeued != 1 {
		t.Errorf("first sweep %+v, want 1 reclaimed, 1 requeued", st)
	}
	if n := countBlocks(t, s, inOver, 3); n != 0 {
		t.Errorf("%d blocks of the crashed overwrite remain", n)
	}
	if n := countBlocks(t, s, inNew, 3); n != 3 {
		t.Errorf("crashed new key: %d of 3 blocks left after the first sweep, want 3", n)
	}
	sweepAfterGrace(t, s)
	if n := countBlocks(t, s, inNew, 3); n != 0 {
		t.Errorf("%d blocks of the crashed new key remain", n)
	}
	if got := mustRead(t, s, h, 0, -1); !bytes.Equal(got, prevData) {
		t.Error("previous version damaged")
	}
	if n := countBlocks(t, s, inodeOf(t, prev), 3); n != 3 {
		t.Errorf("previous version has %d of 3 blocks", n)
	}
}

// Killed right after the version row was written, before older versions
// were cleaned up and the listing updated: the newest version is served,
// the sweeper repairs the listing and reclaims the old version.
func TestCrashAfterCommit(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	mustCreateBucket(t, s, "crash")
	b, _ := s.bucket(ctx, "crash")
	old := mustPut(t, s, "crash", "k", randomBytes(t, 2*testBlockSize))
	data := randomBytes(t, testBlockSize+10)
	row := simulateUploadRow(t, s, b, "k", data, true)

	h, err := s.HeadObject(ctx, "crash", "k")
	if err != nil || h.Ref.(ref).version != row.version {
		t.Fatalf("HeadObject = %+v, %v; want the new version %s", h, err, row.version)
	}
	if got := mustRead(t, s, h, 0, -1); !bytes.Equal(got, data) {
		t.Fatal("new version's bytes differ")
	}
	st := sweepAfterGrace(t, s)
	if st.Requeued < 1 {
		t.Errorf("first sweep %+v: want the old version queued again", st)
	}
	rows, err := s.versionRows(ctx, b.id, "k", 0)
	if err != nil || len(rows) != 1 || rows[0].version != row.version {
		t.Fatalf("version rows after sweep: %d, %v", len(rows), err)
	}
	res, err := s.ListObjects(ctx, store.ListInput{Bucket: "crash", MaxKeys: 10})
	if err != nil || len(res.Objects) != 1 || vid(res.Objects[0]) != row.version || res.Objects[0].Size != int64(len(data)) {
		t.Fatalf("listing not repaired: %+v, %v", res.Objects, err)
	}
	// The old version's readers still have a grace period...
	if n := countBlocks(t, s, inodeOf(t, old), 2); n != 2 {
		t.Fatalf("old version lost blocks too early: %d of 2", n)
	}
	// ...after which its blocks go, and the new version's stay.
	sweepAfterGrace(t, s)
	if n := countBlocks(t, s, inodeOf(t, old), 2); n != 0 {
		t.Errorf("%d blocks of the replaced version remain", n)
	}
	if n := countBlocks(t, s, row.inode, 2); n != 2 {
		t.Errorf("new version has %d of 2 blocks", n)
	}
	if got := mustRead(t, s, h, 0, -1); !bytes.Equal(got, data) {
		t.Fatal("new version damaged by the sweep")
	}
}

// A commit that lands after the sweeper gave up on its upload (a write
// that timed out and was replayed later) stays invisible: the sweeper
// fenced the version before deleting its blocks.
func TestLateCommitIsFenced(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	mustCreateBucket(t, s, "fence")
	b, _ := s.bucket(ctx, "fence")
	prev := mustPut(t, s, "fence", "k", []byte("previous"))
	row := simulateUploadRow(t, s, b, "k", randomBytes(t, testBlockSize), false)
	sweepAfterGrace(t, s)
	if n := countBlocks(t, s, row.inode, 1); n != 0 {
		t.Fatalf("blocks of the abandoned upload remain: %d", n)
	}
	// The commit arrives now, with the timestamps the uploader used.
	batch := s.sess.Batch(gocql.UnloggedBatch).WithTimestamp(writeTime(row.version))
	batch.Query(`INSERT INTO versions (bucket_id, key, version, inode, size, block_size, etag, owner, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		b.id, []byte("k"), row.version, row.inode, row.size, row.blockSize, row.etag, row.owner, row.created)
	if err := batch.Exec(); err != nil {
		t.Fatal(err)
	}
	h, err := s.HeadObject(ctx, "fence", "k")
	if err != nil || vid(h) != vid(prev) {
		t.Fatalf("HeadObject after a late commit = %+v, %v; want the previous version", h, err)
	}
}

// Killed in the middle of a DELETE (versions gone, listing row not) and in
// the middle of a PUT of an empty object (committed, listing row not
// written): the sweeper brings the listing back in line.
func TestCrashLeavesListingRepaired(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	mustCreateBucket(t, s, "crash")
	b, _ := s.bucket(ctx, "crash")
	for _, k := range []string{"gone-empty", "gone-full"} {
		data := []byte{}
		if k == "gone-full" {
			data = randomBytes(t, testBlockSize+1)
		}
		mustPut(t, s, "crash", k, data)
		rows, err := s.versionRows(ctx, b.id, k, 0)
		if err != nil || len(rows) != 1 {
			t.Fatal(rows, err)
		}
		// DeleteObject's first half.
		if err := s.enqueueGarbage(ctx, b, k, rows[0]); err != nil {
			t.Fatal(err)
		}
		if err := s.sess.Query(`DELETE FROM versions WHERE bucket_id = ? AND key = ?`, b.id, []byte(k)).Exec(); err != nil {
			t.Fatal(err)
		}
	}
	// A PUT of an empty object that died after its commit point.
	simulateUpload(t, s, b, "new-empty", nil, true)

	res, err := s.ListObjects(ctx, store.ListInput{Bucket: "crash", MaxKeys: 10})
	if err != nil || len(res.Objects) != 2 {
		t.Fatalf("listing before the sweep: %+v, %v; want the two half-deleted keys", res.Objects, err)
	}
	sweepAfterGrace(t, s)
	res, err = s.ListObjects(ctx, store.ListInput{Bucket: "crash", MaxKeys: 10})
	if err != nil || len(res.Objects) != 1 || res.Objects[0].Key != "new-empty" {
		t.Fatalf("listing after the sweep: %+v, %v; want only new-empty", res.Objects, err)
	}
	if h, err := s.HeadObject(ctx, "crash", "new-empty"); err != nil || h.Size != 0 {
		t.Fatalf("HeadObject(new-empty) = %+v, %v", h, err)
	}
}
