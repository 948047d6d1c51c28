// Package storetest is the conformance suite every store.Store must pass.
//
// Run is called from plain `go test` against memstore and from the
// cassandra package against a real ring, so the frontend can rely on one
// behaviour whatever store sits underneath: the sentinel errors, the
// commit point of a PUT (old or new, never a mix, nothing visible after a
// failure), listing order and paging, and exact bytes at block
// boundaries.
//
// Every subtest creates its own buckets and tenants with names unique to
// the Run call, so a store (and its keyspace) may be shared by all
// subtests and by earlier runs. The suite never cleans up: stores are
// expected to be throwaway. It stays small enough for a single real
// Cassandra node: well under 200 MB written in total (multipart parts are
// store.MinPartSize, so the multipart tests write about 60 MB).
package storetest

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	mrand "math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/store"
)

// Options describes the store under test.
type Options struct {
	// BlockSize is the size in bytes the store cuts objects into, so the
	// suite can place sizes and ranges on and around block boundaries.
	// 0 means 1 MiB; at least 16, so ranges "inside one block" fit.
	BlockSize int
	// Background, when set, starts the store's own background work on
	// bucket for the span of the concurrent listing test (a listing
	// index that splits as it fills, in the Cassandra store) and returns
	// what stops it; stop may be called more than once.
	Background func(t *testing.T, st store.Store, bucket string) (stop func())
	// ChurnFor is the least time the concurrent listing test keeps
	// writing (0: a fixed number of operations), so that background work
	// slower than the operations gets to run several times.
	ChurnFor time.Duration
}

// Run runs the conformance suite. newStore is called once per subtest and
// may return the same store every time.
func Run(t *testing.T, newStore func(t *testing.T) store.Store, opts Options) {
	if opts.BlockSize == 0 {
		opts.BlockSize = 1 << 20
	}
	if opts.BlockSize < 16 {
		t.Fatalf("storetest: BlockSize %d is below 16", opts.BlockSize)
	}
	var id [4]byte
	if _, err := rand.Read(id[:]); err != nil {
		t.Fatal(err)
	}
	s := &suite{newStore: newStore, bs: opts.BlockSize, run: hex.EncodeToString(id[:]), background: opts.Background, churnFor: opts.ChurnFor}

	t.Run("BucketLifecycle", s.testBucketLifecycle)
	t.Run("BucketCreateRace", s.testBucketCreateRace)
	t.Run("ListBuckets", s.testListBuckets)
	t.Run("DeleteBucketNotEmpty", s.testDeleteBucketNotEmpty)
	t.Run("MissingBucket", s.testMissingBucket)
	t.Run("BucketSettings", s.testBucketSettings)
	t.Run("ObjectACL", s.testObjectACL)
	t.Run("ObjectTags", s.testObjectTags)
	t.Run("Versioning", s.testVersioning)
	t.Run("ListVersions", s.testListVersions)
	t.Run("ObjectLock", s.testObjectLock)
	t.Run("CompletionOrder", s.testCompletionOrder)
	t.Run("Leases", s.testLeases)
	t.Run("UnknownSize", s.testUnknownSize)
	t.Run("RoundTrip", s.testRoundTrip)
	t.Run("Ranges", s.testRanges)
	t.Run("SSE", s.testSSE)
	t.Run("SSEManaged", s.testSSEManaged)
	t.Run("Overwrite", s.testOverwrite)
	t.Run("Delete", s.testDelete)
	t.Run("FailedUploads", s.testFailedUploads)
	t.Run("Listing", s.testListing)
	t.Run("ListingChurn", s.testListingChurn)
	t.Run("ConcurrentOverwrite", s.testConcurrentOverwrite)
	t.Run("Checksums", s.testChecksums)
	t.Run("ConditionalPut", s.testConditionalPut)
	t.Run("ConditionalRace", s.testConditionalRace)
	t.Run("MultipartRoundTrip", s.testMultipartRoundTrip)
	t.Run("MultipartSmall", s.testMultipartSmall)
	t.Run("MultipartReupload", s.testMultipartReupload)
	t.Run("MultipartErrors", s.testMultipartErrors)
	t.Run("ListUploads", s.testListUploads)
	t.Run("Append", s.testAppend)
	t.Run("AppendRace", s.testAppendRace)
}

// suite carries what every subtest shares.
type suite struct {
	newStore func(t *testing.T) store.Store
	bs       int    // block size
	run      string // random hex making names unique to this Run
	seq      atomic.Int64
	// background: Options.Background
	background func(t *testing.T, st store.Store, bucket string) (stop func())
	churnFor   time.Duration
}

// slack absorbs clock differences between the test and the store (which
// may take its time from a database node).
const slack = 2 * time.Second

// bucketName returns a valid S3 bucket name no other subtest or run uses.
// The tag leads so names sort by tag, not by creation order.
func (s *suite) bucketName(tag string) string {
	return fmt.Sprintf("st-%s-%s-%d", s.run, tag, s.seq.Add(1))
}

// owner returns a tenant id unique to this run.
func (s *suite) owner(tag string) string {
	return fmt.Sprintf("tenant-%s-%s", s.run, tag)
}

// newBucket creates a fresh bucket owned by owner and returns its name.
func (s *suite) newBucket(t *testing.T, st store.Store, tag, owner string) string {
	t.Helper()
	name := s.bucketName(tag)
	if err := st.CreateBucket(t.Context(), store.Bucket{Name: name, Owner: owner}); err != nil {
		t.Fatalf("CreateBucket(%q): %v", name, err)
	}
	return name
}

// setup returns a store and a fresh bucket in it for one subtest.
func (s *suite) setup(t *testing.T, tag string) (store.Store, string) {
	t.Helper()
	st := s.newStore(t)
	return st, s.newBucket(t, st, tag, s.owner("main"))
}

// payload returns n pseudo-random bytes, the same for the same seed.
func payload(n int, seed uint64) []byte {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	b := make([]byte, n)
	_, _ = mrand.NewChaCha8(key).Read(b) // never fails
	return b
}

func md5hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

func md5raw(b []byte) []byte {
	sum := md5.Sum(b)
	return sum[:]
}

// meta returns a Meta with every field set, distinct per tag.
func meta(tag string) store.Meta {
	return store.Meta{
		ContentType:        "application/x-amphora-" + tag,
		ContentEncoding:    "gzip",
		ContentDisposition: `attachment; filename="ü-` + tag + `.bin"`,
		ContentLanguage:    "en-GB",
		CacheControl:       "max-age=60, private",
		Expires:            "Thu, 01 Dec 2094 16:00:00 GMT",
		User: map[string]string{
			"tag":            tag,
			"name-with-dash": "ünïcödé value with spaces",
			"empty":          "",
		},
	}
}

// put stores data under key with a correct Content-MD5 and checks the
// returned Object against what was sent.
func put(t *testing.T, st store.Store, bucket, key string, data []byte, m store.Meta) store.Object {
	t.Helper()
	before := time.Now()
	obj, err := st.PutObject(t.Context(), store.PutInput{
		Bucket: bucket, Key: key, Owner: "writer", Size: int64(len(data)),
		Meta: m, ContentMD5: md5raw(data), Body: bytes.NewReader(data),
	})
	if err != nil {
		t.Fatalf("PutObject(%q, %d bytes): %v", key, len(data), err)
	}
	after := time.Now()
	want := store.Object{Bucket: bucket, Key: key, VersionID: obj.VersionID, Size: int64(len(data)),
		ETag: md5hex(data), LastModified: obj.LastModified, Owner: "writer", Meta: m}
	checkObject(t, "PutObject result", obj, want)
	if obj.VersionID == "" {
		t.Errorf("PutObject(%q): empty VersionID", key)
	}
	if lm := obj.LastModified; lm.Before(before.Add(-slack)) || lm.After(after.Add(slack)) {
		t.Errorf("PutObject(%q): LastModified %v outside [%v, %v]", key, lm, before, after)
	}
	return obj
}

// read returns bytes [off, off+n) of obj, failing the test on any error.
func read(t *testing.T, st store.Store, obj store.Object, off, n int64) []byte {
	t.Helper()
	rc, err := st.ReadObject(t.Context(), obj, off, n)
	if err != nil {
		t.Fatalf("ReadObject(%q, %d, %d): %v", obj.Key, off, n, err)
	}
	return readClose(t, rc, obj.Key)
}

func readClose(t *testing.T, rc io.ReadCloser, key string) []byte {
	t.Helper()
	b, err := io.ReadAll(rc)
	if cerr := rc.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close: %w", cerr)
	}
	if err != nil {
		t.Fatalf("reading %q: %v", key, err)
	}
	return b
}

// checkBytes compares by length and SHA-256 so failures stay readable.
func checkBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if len(got) != len(want) || sha256.Sum256(got) != sha256.Sum256(want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Errorf("%s: got %d bytes, want %d; first difference at byte %d", what, len(got), len(want), i)
	}
}

func head(t *testing.T, st store.Store, bucket, key string) store.Object {
	t.Helper()
	obj, err := st.HeadObject(t.Context(), bucket, key)
	if err != nil {
		t.Fatalf("HeadObject(%q): %v", key, err)
	}
	return obj
}

// checkObject compares every field but Ref. Nil and empty user metadata
// are equal: a store backed by a database cannot tell them apart.
func checkObject(t *testing.T, what string, got, want store.Object) {
	t.Helper()
	if got.Bucket != want.Bucket || got.Key != want.Key || got.VersionID != want.VersionID ||
		got.Size != want.Size || got.ETag != want.ETag || !got.LastModified.Equal(want.LastModified) ||
		got.Owner != want.Owner || !metaEqual(got.Meta, want.Meta) {
		t.Errorf("%s:\n got %s\nwant %s", what, describe(got), describe(want))
	}
}

func metaEqual(a, b store.Meta) bool {
	return a.ContentType == b.ContentType && a.ContentEncoding == b.ContentEncoding &&
		a.ContentDisposition == b.ContentDisposition && a.ContentLanguage == b.ContentLanguage &&
		a.CacheControl == b.CacheControl && a.Expires == b.Expires && maps.Equal(a.User, b.User)
}

func describe(o store.Object) string {
	return fmt.Sprintf("{Bucket:%q Key:%q VersionID:%q Size:%d ETag:%q LastModified:%s Owner:%q Meta:%+v}",
		o.Bucket, o.Key, o.VersionID, o.Size, o.ETag, o.LastModified.Format(time.RFC3339Nano), o.Owner, o.Meta)
}

// wantErr fails unless err wraps target.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error %v, want %v", what, err, target)
	}
}

// listKeys returns the keys of a listing of bucket under prefix, reading
// every page.
func listKeys(t *testing.T, st store.Store, bucket, prefix string) []string {
	t.Helper()
	var keys []string
	in := store.ListInput{Bucket: bucket, Prefix: prefix, MaxKeys: 1000}
	for {
		res, err := st.ListObjects(t.Context(), in)
		if err != nil {
			t.Fatalf("ListObjects(%q): %v", prefix, err)
		}
		for _, o := range res.Objects {
			keys = append(keys, o.Key)
		}
		if !res.IsTruncated {
			return keys
		}
		if res.NextAfter <= in.After {
			t.Fatalf("ListObjects(%q): NextAfter %q does not advance past %q", prefix, res.NextAfter, in.After)
		}
		in.After = res.NextAfter
	}
}
