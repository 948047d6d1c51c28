package store

import "errors"

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
	// ErrCorrupt: stored bytes fail their checksum. Never a client's fault.
	ErrCorrupt = errors.New("stored block fails its checksum")
)
