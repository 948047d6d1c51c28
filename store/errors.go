package store

import (
	"errors"
	"fmt"
)

// Sentinel errors returned (possibly wrapped) by every Store. The frontend
// maps each to its S3 error in one table.
var (
	ErrNoSuchBucket            = errors.New("no such bucket")
	ErrBucketAlreadyExists     = errors.New("bucket name owned by another tenant")
	ErrBucketAlreadyOwnedByYou = errors.New("bucket already owned by you")
	ErrBucketNotEmpty          = errors.New("bucket not empty")
	ErrNoSuchKey               = errors.New("no such key")
	// ErrBadDigest: the body does not match the digest the client sent.
	ErrBadDigest = errors.New("body does not match its digest")
	// ErrIncompleteBody: the body ended before the declared size.
	ErrIncompleteBody = errors.New("body shorter than declared size")
	// ErrSlowDown: the store is overloaded (no buffer or I/O slot came
	// free in time, or Cassandra timed out); the client should retry.
	ErrSlowDown = errors.New("overloaded: retry later")
	// ErrCorrupt: stored bytes fail their checksum. Never a client's fault.
	ErrCorrupt = errors.New("stored block fails its checksum")

	// ErrPreconditionFailed: a conditional write's condition is false.
	ErrPreconditionFailed = errors.New("precondition failed")
	// ErrIfNoneMatchFailed: it was the If-None-Match condition (it is
	// ErrPreconditionFailed too).
	ErrIfNoneMatchFailed = fmt.Errorf("if-none-match: %w", ErrPreconditionFailed)
	// ErrConditionalConflict: another conditional write of the same key
	// was committing at the same time; the client may retry.
	ErrConditionalConflict = errors.New("conflicting conditional write in progress")

	// ErrNoSuchUpload: the multipart upload does not exist (never did, was
	// aborted, or was completed).
	ErrNoSuchUpload = errors.New("no such multipart upload")
	// ErrInvalidPart: a part named in a completion was not uploaded, or
	// its ETag does not match.
	ErrInvalidPart = errors.New("invalid part")
	// ErrInvalidPartOrder: a completion's part numbers are not ascending.
	ErrInvalidPartOrder = errors.New("parts not in ascending order")
	// ErrEntityTooSmall: a part other than the last is under MinPartSize.
	ErrEntityTooSmall = errors.New("part smaller than the minimum allowed size")
	// ErrEntityTooLarge: a body of unknown size (PutInput.Size
	// UnknownSize) went past MaxObjectSize.
	ErrEntityTooLarge = errors.New("body larger than the maximum object size")
)
