// Package store is the contract between the S3 frontend and the storage
// engines: small interfaces, plain domain types and sentinel errors.
//
// Implementations (store/memstore for tests, cassandra for production)
// import this package; this package imports nothing of theirs. Every I/O
// method takes the request context first. Errors are the sentinels below,
// possibly wrapped with context: callers test them with errors.Is.
package store

import (
	"context"
	"io"
	"time"
)

// Store is everything the S3 frontend needs from a storage engine.
type Store interface {
	Buckets
	Objects
	Versions
	Multipart
	Leases
	Appends
}

// Buckets manages bucket names and their owners.
type Buckets interface {
	// CreateBucket claims b.Name for b.Owner. A name is claimed at most
	// once across all tenants, even under concurrent requests.
	// Errors: ErrBucketAlreadyExists (another owner has it),
	// ErrBucketAlreadyOwnedByYou (b.Owner has it already).
	CreateBucket(ctx context.Context, b Bucket) error

	// GetBucket returns the bucket named name. Errors: ErrNoSuchBucket.
	GetBucket(ctx context.Context, name string) (Bucket, error)

	// DeleteBucket removes an empty bucket and frees its name.
	// Errors: ErrNoSuchBucket, ErrBucketNotEmpty.
	DeleteBucket(ctx context.Context, name string) error

	// ListBuckets returns owner's buckets sorted by name.
	ListBuckets(ctx context.Context, owner string) ([]Bucket, error)

	// AllBuckets returns every bucket of every owner, with its settings,
	// sorted by name (background workers walk them).
	AllBuckets(ctx context.Context) ([]Bucket, error)

	// SetBucketSetting sets one of a bucket's settings to value ("":
	// removes it), leaving the others alone. A frontend that cached the
	// bucket sees the change within its bucket cache time.
	// Errors: ErrNoSuchBucket.
	SetBucketSetting(ctx context.Context, bucket, setting, value string) error
}

// Objects stores and streams object bytes and their metadata.
type Objects interface {
	// PutObject streams in.Body (exactly in.Size bytes) into a new version
	// of in.Key and makes it current only once every byte is durably stored
	// and every digest checks out: readers see the old object or the new
	// one, never a mix. On any error nothing becomes visible, the previous
	// version stays intact and what was written is reclaimed later.
	// Errors: ErrNoSuchBucket, ErrBadDigest (in.ContentMD5 does not match),
	// ErrIncompleteBody (Body ended before Size bytes, including Body's own
	// io.ErrUnexpectedEOF, which is how net/http reports a client that hung
	// up), other errors from Body wrapped, errors from in.Verify wrapped,
	// and context errors wrapped. Bytes beyond Size are not read.
	//
	// Conditional puts (in.IfNoneMatch, in.IfMatch) are decided atomically
	// at the commit, after the body is stored, by CheckWrite:
	// ErrPreconditionFailed (ErrIfNoneMatchFailed for If-None-Match) when a
	// condition is false, ErrNoSuchKey for IfMatch on a missing key,
	// ErrConditionalConflict when another conditional write of the key is
	// committing at the same moment. Two racing conditional writers never
	// both win.
	PutObject(ctx context.Context, in PutInput) (Object, error)

	// HeadObject returns the current version of key.
	// Errors: ErrNoSuchBucket, ErrNoSuchKey (a *DeleteMarkerError when
	// the current version is a delete marker).
	HeadObject(ctx context.Context, bucket, key string) (Object, error)

	// ReadObject streams bytes [off, off+n) of the exact version obj
	// describes (obj comes from HeadObject or PutObject). off must be in
	// [0, Size]; n < 0 reads to the end and n is clamped to the end (the
	// frontend validates client ranges). An Object stays readable for at
	// least the store's GC grace period after it is replaced or deleted, so
	// a GET whose lookup and read straddle a PUT still reads whole bytes.
	// Memory held is bounded by the blocks in flight, not by n.
	// A block whose stored checksum does not match fails the read.
	// obj.SSEKey must be the customer key of an object stored with one
	// (CheckSSE: ErrSSEKeyRequired, ErrSSEKeyMismatch, ErrSSENotEncrypted).
	ReadObject(ctx context.Context, obj Object, off, n int64) (io.ReadCloser, error)

	// DeleteObject deletes key as S3 does without a version id: in a
	// bucket never versioned it removes the key (a missing key succeeds);
	// while Enabled it adds a delete marker; while Suspended a null delete
	// marker, which replaces the null version. Errors: ErrNoSuchBucket.
	DeleteObject(ctx context.Context, bucket, key string) (DeleteResult, error)

	// ListObjects lists current objects in key (UTF-8 byte) order; a key
	// whose current version is a delete marker is not listed. Listed
	// Objects carry Key, Bucket, Size, ETag, LastModified, Owner and
	// VersionID; Meta and Ref may be empty.
	// Errors: ErrNoSuchBucket.
	ListObjects(ctx context.Context, in ListInput) (ListResult, error)

	// PutObjectACL sets the ACL of the version obj describes (as
	// HeadObject or HeadVersion returned it). A later version of the key
	// never takes it, and it is never lost to one committed meanwhile.
	// Errors: ErrNoSuchKey (the version is gone, or was replaced).
	PutObjectACL(ctx context.Context, obj Object, acl ACL) error

	// PutObjectTags replaces the tags of the version obj describes (nil
	// removes them), on the same terms as PutObjectACL.
	// Errors: ErrNoSuchKey (the version is gone).
	PutObjectTags(ctx context.Context, obj Object, tags Tags) error

	// PutObjectRetention replaces the retention of the version obj
	// describes (zero removes it), as PutObjectACL does, if
	// CheckRetentionChange allows it against the retention in force.
	// Errors: ErrNoSuchKey (the version is gone), ErrObjectLocked.
	PutObjectRetention(ctx context.Context, obj Object, r Retention, bypassGovernance bool) error

	// PutObjectLegalHold turns the legal hold of the version obj
	// describes on or off, as PutObjectACL does.
	// Errors: ErrNoSuchKey (the version is gone).
	PutObjectLegalHold(ctx context.Context, obj Object, on bool) error
}

// Bucket is a named container owned by one tenant.
type Bucket struct {
	Name     string
	Owner    string    // the owning account's id
	Location string    // LocationConstraint given at creation; "" for the default region
	Created  time.Time // set by the store when zero
	// Settings given at creation (CreateBucket) or changed since
	// (SetBucketSetting).
	Settings BucketSettings
}

// Meta is what a client sets on an object at upload and gets back on read.
type Meta struct {
	ContentType        string
	ContentEncoding    string
	ContentDisposition string
	ContentLanguage    string
	CacheControl       string
	Expires            string
	// User holds x-amz-meta-* entries: lower-case names without the prefix.
	// nil and empty are equivalent.
	User map[string]string
}

// Object describes one stored version of a key.
type Object struct {
	Bucket string
	Key    string
	// VersionID is the version's id as S3 shows it: NullVersion for a
	// null version. Stores tell versions apart by Ref.
	VersionID string
	// DeleteMarker: the version is a delete marker (no bytes; Owner and
	// LastModified only).
	DeleteMarker bool
	// IsLatest: the version is its key's current one (set by
	// ListVersions).
	IsLatest     bool
	Size         int64
	ETag         string    // lower-case hex MD5 of the bytes, no quotes
	LastModified time.Time // UTC, millisecond precision
	Owner        string    // tenant id of the writer
	Meta         Meta
	// Parts is the number of parts of an object made by
	// CompleteMultipartUpload; 0 for a single PUT. Its ETag is then
	// md5(concat(part md5s)) in hex followed by "-<Parts>".
	Parts int
	// Checksum is the additional checksum stored with the object (zero
	// when the client asked for none).
	Checksum Checksum
	// Appendable: the version was made by AppendObject (append.go). Its
	// ETag is then AppendETag's, Parts is 0 and its Size is where the next
	// append goes.
	Appendable bool
	// ACL is the version's ACL in force: the last PutObjectACL's, else
	// its PUT's (zero: private to Owner).
	ACL ACL
	// Tags are the version's tags in force: the last PutObjectTags', else
	// its PUT's.
	Tags Tags
	// Lock is what protects the version in force: its retention and
	// legal hold as last set, else as its write gave them.
	Lock Lock
	// SSE is the version's SSE-C record (NewSSERecord): "" for a version
	// stored without a customer key. Its bytes can then only be read with
	// SSEKey set (CheckSSE).
	SSE string
	// SSEKey is the customer key a reader gives ReadObject for a version
	// stored with one; set by the caller, never returned by a store.
	SSEKey *SSE

	// Ref locates the bytes for ReadObject. It belongs to the store that
	// returned the Object; other packages only carry it back.
	Ref any
}

// UnknownSize is a PutInput.Size for a body whose length is only known
// once it has been read.
const UnknownSize = -1

// MaxObjectSize is the largest object one PutObject stores, as in S3.
const MaxObjectSize = 5 << 30

// PutInput is one PutObject request.
type PutInput struct {
	Bucket string
	Key    string
	Owner  string
	// Size is the exact body length, known up front, or UnknownSize:
	// the body is then read to its end (a form upload's file), at most
	// MaxObjectSize bytes (ErrEntityTooLarge beyond).
	Size int64
	Meta Meta
	// ContentMD5 is the raw 16-byte digest the client sent, nil if none.
	ContentMD5 []byte
	Body       io.Reader
	// Verify, when set, is called once Size bytes have been read from
	// Body and before anything is committed. An error fails the put
	// (wrapped; nothing becomes visible); the Checksum it returns is
	// stored with the object. The frontend uses it to check checksums
	// and trailers that are only known once the body has been read.
	Verify func() (Checksum, error)
	// ChecksumAlgorithm names the additional checksum Verify will return,
	// when it is known up front ("" for none): a store may plan the size
	// of what it writes with it.
	ChecksumAlgorithm string
	// IfNoneMatch and IfMatch are the write's conditions (CheckWrite).
	IfNoneMatch, IfMatch string
	// ACL is the new version's ACL (zero: private to Owner).
	ACL ACL
	// Tags are the new version's tags.
	Tags Tags
	// Lock is the new version's retention and legal hold (the frontend
	// applies the bucket's default retention).
	Lock Lock
	// SSE, when set, encrypts the bytes with this customer key (SSE-C).
	SSE *SSE
}

// Checksum is an additional object checksum as S3 names it.
type Checksum struct {
	Algorithm string // "CRC32", "CRC32C", "CRC64NVME", "SHA1" or "SHA256"; "" for none
	Type      string // "FULL_OBJECT" or "COMPOSITE"
	// Value is the base64 digest; a COMPOSITE checksum of a multipart
	// object carries the part count too, as S3 shows it: "<base64>-<N>".
	Value string
}

// ListInput selects a page of a bucket listing.
type ListInput struct {
	Bucket    string
	Prefix    string
	Delimiter string
	// After lists keys strictly greater than it (marker, start-after or a
	// decoded continuation token). It may name a common prefix returned by
	// an earlier page; that prefix is then not returned again.
	After   string
	MaxKeys int // 0 returns an empty page; callers cap it at 1000
}

// ListResult is one page of a listing: objects and common prefixes, each
// in key order, together at most MaxKeys entries.
type ListResult struct {
	Objects        []Object
	CommonPrefixes []string
	IsTruncated    bool
	// NextAfter is the last key or common prefix in this page, to pass as
	// After for the next page. Empty when the page is empty.
	NextAfter string
}
