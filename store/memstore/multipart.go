package memstore

import (
	"context"
	"errors"

	"github.com/amphora-s3/amphora/store"
)

// TRANSITIONAL: placeholders until multipart lands (issue 4). They keep
// the tree compiling while the store contract is implemented.

var errMultipartPending = errors.New("multipart upload not implemented yet")

func (s *Store) CreateMultipartUpload(ctx context.Context, in store.CreateUploadInput) (store.Upload, error) {
	return store.Upload{}, errMultipartPending
}

func (s *Store) UploadPart(ctx context.Context, in store.PartInput) (store.Part, error) {
	return store.Part{}, errMultipartPending
}

func (s *Store) ListParts(ctx context.Context, in store.ListPartsInput) (store.ListPartsResult, error) {
	return store.ListPartsResult{}, errMultipartPending
}

func (s *Store) CompleteMultipartUpload(ctx context.Context, in store.CompleteInput) (store.Object, error) {
	return store.Object{}, errMultipartPending
}

func (s *Store) AbortMultipartUpload(ctx context.Context, bucket, key, uploadID string) error {
	return errMultipartPending
}

func (s *Store) ListMultipartUploads(ctx context.Context, in store.ListUploadsInput) (store.ListUploadsResult, error) {
	return store.ListUploadsResult{}, errMultipartPending
}

func (s *Store) ObjectPart(ctx context.Context, obj store.Object, n int) (off, size int64, err error) {
	return 0, 0, errMultipartPending
}
