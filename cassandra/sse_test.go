package cassandra

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"io"
	"strings"
	"testing"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/keyring"
	"github.com/amphora-s3/amphora/store"
)

// TestSSENothingPlainStored: objects stored with a customer key (inline,
// blocks, multipart) leave no trace of their plain bytes or of the key in
// any row they write: blocks, versions, multipart, parts and manifests
// are read back raw and searched for a distinctive marker the plain bytes
// repeat, and for the key in every encoding a request carries it.
//
// It runs with a customer key (SSE-C) and with data keys of a key ring
// (SSE-S3, SSE-KMS), whose master key must not show either.
func TestSSENothingPlainStored(t *testing.T) {
	t.Run("SSE-C", func(t *testing.T) {
		k := &store.SSE{Key: make([]byte, store.SSEKeySize)}
		rand.Read(k.Key)
		checkNothingPlainStored(t, "ssec", k, nil)
	})
	for _, mode := range []string{store.SSEModeS3, store.SSEModeKMS} {
		t.Run(mode, func(t *testing.T) {
			secret, _ := keyring.NewSecret()
			ring, err := keyring.New(keyring.File{Keys: []keyring.FileKey{{ID: "k1", Secret: secret}}})
			if err != nil {
				t.Fatal(err)
			}
			plain, wrapped, err := ring.NewDataKey(t.Context(), "k1", []byte(mode))
			if err != nil {
				t.Fatal(err)
			}
			k := &store.SSE{Key: plain, Managed: store.ManagedSSE{Mode: mode, KeyID: "k1", Wrapped: wrapped}.Record()}
			master, _ := base64.StdEncoding.DecodeString(secret)
			checkNothingPlainStored(t, strings.ToLower(strings.ReplaceAll(mode, "-", "")), k, map[string][]byte{
				"master key": master[:16], "master key (base64)": []byte(secret)})
		})
	}
}

func checkNothingPlainStored(t *testing.T, bucket string, k *store.SSE, alsoForbidden map[string][]byte) {
	ctx := context.Background()
	s := newStore(t)
	mustCreateBucket(t, s, bucket)
	marker := []byte("AMPHORA-SSE-PLAINTEXT-MARKER-32B")
	plain := func(n int) []byte { return bytes.Repeat(marker, n/len(marker)+1)[:n] }

	put := func(key string, data []byte) store.Object {
		obj, err := s.PutObject(ctx, store.PutInput{Bucket: bucket, Key: key, Owner: "o", Size: int64(len(data)),
			Body: bytes.NewReader(data), SSE: k})
		if err != nil {
			t.Fatalf("PutObject(%q): %v", key, err)
		}
		got := mustRead(t, s, func() store.Object { o := obj; o.SSEKey = k; return o }(), 0, -1)
		if !bytes.Equal(got, data) {
			t.Fatalf("%q read back differs", key)
		}
		return obj
	}
	inline := put("inline", plain(1000))
	blocks := put("blocks", plain(3*testBlockSize+5))
	if r := inline.Ref.(ref); r.blockSize != 0 {
		t.Fatalf("inline object has block size %d", r.blockSize)
	}

	u, err := s.CreateMultipartUpload(ctx, store.CreateUploadInput{Bucket: bucket, Key: "mpu", Owner: "o", SSE: k})
	if err != nil {
		t.Fatal(err)
	}
	var parts []store.CompletedPart
	var inodes []gocql.UUID
	for n, size := range []int{store.MinPartSize, testBlockSize + 7} {
		data := plain(size)
		p, err := s.UploadPart(ctx, store.PartInput{Bucket: bucket, Key: "mpu", UploadID: u.UploadID, PartNumber: n + 1,
			Size: int64(size), Body: bytes.NewReader(data), SSE: k})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, store.CompletedPart{PartNumber: p.PartNumber, ETag: p.ETag})
	}
	uid, _ := gocql.ParseUUID(u.UploadID)
	// Part rows before completion (completion drops the partition).
	var partRowsJSON []string
	iter := s.sess.Query(`SELECT JSON * FROM parts WHERE upload_id = ?`, uid).Iter()
	var js string
	for iter.Scan(&js) {
		partRowsJSON = append(partRowsJSON, js)
	}
	if err := iter.Close(); err != nil {
		t.Fatal(err)
	}
	prows, err := s.partRows(ctx, uid, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range prows {
		inodes = append(inodes, p.inode)
	}
	mpu, err := s.CompleteMultipartUpload(ctx, store.CompleteInput{Bucket: bucket, Key: "mpu", UploadID: u.UploadID, Parts: parts})
	if err != nil {
		t.Fatal(err)
	}
	mpu.SSEKey = k
	if got := mustRead(t, s, mpu, 0, -1); !bytes.Equal(got, append(plain(store.MinPartSize), plain(testBlockSize+7)...)) {
		t.Fatal("multipart object read back differs")
	}

	forbidden := map[string][]byte{
		"marker":                   marker[:16],
		"marker (hex)":             []byte(hex.EncodeToString(marker[:16])),
		"key":                      k.Key[:16],
		"key (hex)":                []byte(hex.EncodeToString(k.Key[:16])),
		"key (base64)":             []byte(base64.StdEncoding.EncodeToString(k.Key)),
		"key MD5 (base64)":         []byte(k.KeyMD5()),
		"key MD5 (base64, no pad)": []byte(strings.TrimRight(k.KeyMD5(), "=")),
	}
	for name, f := range alsoForbidden {
		forbidden[name] = f
	}
	check := func(what string, b []byte) {
		t.Helper()
		lower := bytes.ToLower(b)
		for name, f := range forbidden {
			if bytes.Contains(b, f) || bytes.Contains(lower, bytes.ToLower(f)) {
				t.Errorf("%s holds the %s", what, name)
			}
		}
	}
	checkBlocks := func(what string, inode gocql.UUID, n int) {
		t.Helper()
		for idx := range n {
			var data []byte
			if err := s.sess.Query(`SELECT data FROM blocks WHERE inode = ? AND idx = ?`, inode, idx).Scan(&data); err != nil {
				t.Fatalf("%s block %d: %v", what, idx, err)
			}
			check(what+" block", data)
		}
	}
	checkBlocks("blocks object", inodeOf(t, blocks), blocksOf(3*testBlockSize+5))
	checkBlocks("part 1", inodes[0], blocksOf(store.MinPartSize))
	checkBlocks("part 2", inodes[1], blocksOf(testBlockSize+7))

	rows := func(stmt string, args ...any) {
		t.Helper()
		iter := s.sess.Query(stmt, args...).Iter()
		var js string
		n := 0
		for iter.Scan(&js) {
			check(stmt, []byte(js))
			n++
		}
		if err := iter.Close(); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Errorf("%s: no rows", stmt)
		}
	}
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"inline", "blocks", "mpu"} {
		rows(`SELECT JSON * FROM versions WHERE bucket_id = ? AND key = ?`, b.id, []byte(key))
	}
	rows(`SELECT JSON * FROM multipart WHERE upload_id = ?`, uid)
	rows(`SELECT JSON * FROM manifests WHERE manifest = ?`, inodeOf(t, mpu))
	for _, js := range partRowsJSON {
		check("parts row", []byte(js))
	}
	if len(partRowsJSON) != 2 {
		t.Errorf("%d parts rows read, want 2", len(partRowsJSON))
	}
	// The rows do say the objects are sealed, and how.
	for _, r := range versionRowsOf(t, s, bucket, "blocks") {
		if k.Managed == "" && !strings.HasPrefix(r.sse, store.SSEAlgorithm+":") || k.Managed != "" && r.sse != k.Managed {
			t.Errorf("version row of an encrypted object has sse %q", r.sse)
		}
	}
	// An SSE-S3 object's ETag is the MD5 of its plain bytes, as in S3;
	// SSE-C's and SSE-KMS's tell nothing of them.
	plainETag := md5Hex(plain(3*testBlockSize + 5))
	inlineETag := md5Hex(plain(1000))
	if want := k.ETagOfPlain(); (blocks.ETag == plainETag) != want || (inline.ETag == inlineETag) != want {
		t.Errorf("ETags %s, %s: plain MD5s %s, %s; want them equal: %v", blocks.ETag, inline.ETag, plainETag, inlineETag, want)
	}
}

// TestSSETamperedBlockFails: a sealed block whose bytes are changed (and
// its CRC recomputed, so only the cipher can tell) fails the read with
// store.ErrCorrupt instead of delivering wrong bytes.
func TestSSETamperedBlockFails(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	mustCreateBucket(t, s, "sset")
	k := &store.SSE{Key: bytes.Repeat([]byte{7}, store.SSEKeySize)}
	data := randomBytes(t, 2*testBlockSize)
	obj, err := s.PutObject(ctx, store.PutInput{Bucket: "sset", Key: "x", Owner: "o", Size: int64(len(data)),
		Body: bytes.NewReader(data), SSE: k})
	if err != nil {
		t.Fatal(err)
	}
	var stored []byte
	inode := inodeOf(t, obj)
	if err := s.sess.Query(`SELECT data FROM blocks WHERE inode = ? AND idx = 1`, inode).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if len(stored) != testBlockSize+gcmOverhead {
		t.Fatalf("sealed block of %d bytes, want %d", len(stored), testBlockSize+gcmOverhead)
	}
	stored[10] ^= 1
	if err := s.sess.Query(`INSERT INTO blocks (inode, idx, data, crc) VALUES (?, 1, ?, ?)`, inode, stored,
		int32(crc32.Checksum(stored, castagnoli))).Exec(); err != nil {
		t.Fatal(err)
	}
	obj.SSEKey = k
	rc, err := s.ReadObject(ctx, obj, 0, -1)
	if err == nil {
		_, err = io.ReadAll(rc)
		rc.Close()
	}
	if !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("read of a tampered sealed block: %v, want ErrCorrupt", err)
	}
}

func md5Hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

// TestSSELegacyInlineETag: an SSE-C inline version written before ETags
// were store.ETagDigest has the MD5 of its sealed bytes as its ETag; it
// still reads, while an ETag that is neither fails as corrupt.
func TestSSELegacyInlineETag(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	mustCreateBucket(t, s, "sseold")
	k := &store.SSE{Key: bytes.Repeat([]byte{9}, store.SSEKeySize)}
	data := []byte("an inline object sealed under a customer key")
	obj, err := s.PutObject(ctx, store.PutInput{Bucket: "sseold", Key: "x", Owner: "o", Size: int64(len(data)),
		Body: bytes.NewReader(data), SSE: k})
	if err != nil {
		t.Fatal(err)
	}
	if obj.ETag == md5Hex(data) {
		t.Fatal("SSE-C ETag is the MD5 of the plain bytes")
	}
	b, err := s.bucket(ctx, "sseold")
	if err != nil {
		t.Fatal(err)
	}
	rows := versionRowsOf(t, s, "sseold", "x")
	if len(rows) != 1 {
		t.Fatalf("want one row, got %d", len(rows))
	}
	var stored []byte
	if err := s.sess.Query(`SELECT data FROM versions WHERE bucket_id = ? AND key = ? AND version = ?`,
		b.id, []byte("x"), rows[0].version).Scan(&stored); err != nil || len(stored) != len(data)+gcmOverhead {
		t.Fatalf("inline bytes: %d, %v", len(stored), err)
	}
	setETag := func(etag string) {
		t.Helper()
		// A version of before the CRC column too (schema 0016): the
		// ETag is what its read checks.
		if err := s.sess.Query(`UPDATE versions SET etag = ?, data_crc = null WHERE bucket_id = ? AND key = ? AND version = ?`,
			etag, b.id, []byte("x"), rows[0].version).Exec(); err != nil {
			t.Fatal(err)
		}
	}
	read := func() error {
		h, err := s.HeadObject(ctx, "sseold", "x")
		if err != nil {
			return err
		}
		h.SSEKey = k
		rc, err := s.ReadObject(ctx, h, 0, -1)
		if err != nil {
			return err
		}
		defer rc.Close()
		got, err := io.ReadAll(rc)
		if err == nil && !bytes.Equal(got, data) {
			err = errors.New("wrong bytes")
		}
		return err
	}
	setETag(md5Hex(stored)) // the old rule: MD5 of the sealed bytes
	if err := read(); err != nil {
		t.Fatalf("inline version with an old-rule ETag: %v", err)
	}
	setETag(md5Hex(data)) // neither rule
	if err := read(); !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("inline version with a wrong ETag: %v, want ErrCorrupt", err)
	}
}
