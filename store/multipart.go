package store

import (
	"context"
	"io"
	"time"
)

// Multipart limits, as in S3.
const (
	MinPartSize   = 5 << 20 // every part but the last
	MaxPartSize   = 5 << 30
	MaxPartNumber = 10000
)

// Multipart is the multipart upload API. A completed upload becomes an
// object whose bytes are the parts' bytes, in part order, without being
// copied: the object refers to the parts' stored blocks.
type Multipart interface {
	// CreateMultipartUpload starts an upload of in.Key and returns it
	// with a fresh UploadID. Errors: ErrNoSuchBucket.
	CreateMultipartUpload(ctx context.Context, in CreateUploadInput) (Upload, error)

	// UploadPart streams in.Body (exactly in.Size bytes) as part
	// in.PartNumber of the upload, replacing any part with that number
	// once every byte and digest checks out (same guarantees and errors
	// as PutObject, conditions aside). The replaced part's bytes are
	// reclaimed. Errors also: ErrNoSuchUpload.
	UploadPart(ctx context.Context, in PartInput) (Part, error)

	// ListParts lists the upload's parts in part number order, after
	// in.After, at most in.MaxParts. Errors: ErrNoSuchBucket,
	// ErrNoSuchUpload.
	ListParts(ctx context.Context, in ListPartsInput) (ListPartsResult, error)

	// CompleteMultipartUpload makes the listed parts, in order, the new
	// current version of the key, as PutObject would (old version
	// replaced, readers see old or new). Part numbers must ascend
	// (ErrInvalidPartOrder); each must have been uploaded with that ETag
	// (ErrInvalidPart); every part but the last must be at least
	// MinPartSize (ErrEntityTooSmall). Parts not listed are reclaimed.
	// The time it takes grows with the number of parts, not their size.
	// Conditions as in PutInput. Completing an upload that this same
	// upload already completed returns the object it made (clients retry
	// completions). Errors also: ErrNoSuchBucket, ErrNoSuchUpload.
	CompleteMultipartUpload(ctx context.Context, in CompleteInput) (Object, error)

	// AbortMultipartUpload discards the upload; its parts' bytes are
	// reclaimed. Errors: ErrNoSuchBucket, ErrNoSuchUpload.
	AbortMultipartUpload(ctx context.Context, bucket, key, uploadID string) error

	// ListMultipartUploads lists uploads in progress, ordered by key and
	// then by initiation time, with S3's prefix, delimiter and marker
	// semantics. Errors: ErrNoSuchBucket.
	ListMultipartUploads(ctx context.Context, in ListUploadsInput) (ListUploadsResult, error)

	// ObjectPart returns where part n (1-based) of obj lies in its bytes.
	// An object from a single PUT has one part, the whole object.
	// Errors: ErrInvalidPart when n is out of range (the frontend answers
	// 416 InvalidPartNumber).
	ObjectPart(ctx context.Context, obj Object, n int) (off, size int64, err error)

	// ObjectParts returns parts first..last (1-based, inclusive) of obj
	// in one read (GetObjectAttributes pages through them). An object
	// from a single PUT has one part. Errors: ErrInvalidPart when the
	// range is not within the object's parts.
	ObjectParts(ctx context.Context, obj Object, first, last int) ([]PartInfo, error)
}

// PartInfo is one part of an object: where it lies and, when the object
// has a COMPOSITE checksum, the part's own checksum (base64, of the
// object's algorithm).
type PartInfo struct {
	Number    int
	Off, Size int64
	Checksum  string
}

// CreateUploadInput starts a multipart upload.
type CreateUploadInput struct {
	Bucket, Key, Owner string
	Meta               Meta
	ACL                ACL  // the object's, once completed
	Tags               Tags // the object's, once completed
	Lock               Lock // the object's, once completed
	// ChecksumAlgorithm requested for the parts ("" for none) and the type
	// of the object's checksum ("COMPOSITE" or "FULL_OBJECT").
	ChecksumAlgorithm, ChecksumType string
	// SSE, when set, encrypts every part (and so the object) with this
	// customer key; each UploadPart must give the same key.
	SSE *SSE
}

// Upload is a multipart upload in progress.
type Upload struct {
	Bucket, Key, UploadID, Owner    string
	Initiated                       time.Time // UTC, millisecond precision
	Meta                            Meta
	ACL                             ACL
	Tags                            Tags
	Lock                            Lock
	ChecksumAlgorithm, ChecksumType string
	// SSE is the upload's SSE record (NewSSERecord), "" for none.
	SSE string
}

// PartInput is one UploadPart request.
type PartInput struct {
	Bucket, Key, UploadID string
	PartNumber            int   // 1..MaxPartNumber
	Size                  int64 // exact body length
	ContentMD5            []byte
	Body                  io.Reader
	Verify                func() (Checksum, error) // as in PutInput
	// SSE is the customer key, which must be the upload's (CheckSSE).
	SSE *SSE
	// Managed, for an upload whose record is a managed one
	// (ManagedSSE) and no SSE given, returns its data key: the store
	// calls it with the upload's record before storing the part.
	Managed func(ctx context.Context, record string) (*SSE, error)
	// CheckUpload, when set, is called with the upload before the part is
	// stored; its error refuses the part (the frontend's rules that hang on
	// the upload, such as a checksum for an upload with a lock).
	CheckUpload func(Upload) error
}

// Part is one uploaded part.
type Part struct {
	PartNumber   int
	Size         int64
	ETag         string // hex MD5 of the part, no quotes
	LastModified time.Time
	Checksum     Checksum
}

// ListPartsInput selects a page of an upload's parts.
type ListPartsInput struct {
	Bucket, Key, UploadID string
	After                 int // part-number-marker
	MaxParts              int
}

// ListPartsResult is one page of parts.
type ListPartsResult struct {
	Upload      Upload
	Parts       []Part
	IsTruncated bool
	NextAfter   int // last part number in this page
}

// CompletedPart is one entry of a completion's part list.
type CompletedPart struct {
	PartNumber int
	ETag       string // no quotes
	// Checksum is the part checksum the client lists, "" if none; when
	// set it must match the stored part's (ErrInvalidPart otherwise).
	Checksum string
}

// CompleteInput completes a multipart upload.
type CompleteInput struct {
	Bucket, Key, UploadID string
	Parts                 []CompletedPart
	IfNoneMatch, IfMatch  string // CheckWrite
	// DefaultRetention is the retention the object gets when its upload
	// named none (the bucket's default at completion; zero for none).
	DefaultRetention Retention
}

// ListUploadsInput selects a page of uploads in progress.
type ListUploadsInput struct {
	Bucket, Prefix, Delimiter string
	KeyMarker, UploadIDMarker string
	MaxUploads                int
}

// ListUploadsResult is one page of uploads in progress.
type ListUploadsResult struct {
	Uploads                           []Upload
	CommonPrefixes                    []string
	IsTruncated                       bool
	NextKeyMarker, NextUploadIDMarker string
}

// Check runs in.CheckUpload, if any, on the upload the part goes to:
// stores call it once they have read the upload, before storing a byte.
func (in *PartInput) Check(u Upload) error {
	if in.CheckUpload == nil {
		return nil
	}
	return in.CheckUpload(u)
}
