// Package keyring holds the master keys that wrap the data keys of
// objects stored with SSE-S3 or SSE-KMS. A Ring makes a fresh data key
// for each object and wraps it under a named master key; only the wrapped
// form is ever stored, and only a ring holding that master key can unwrap
// it. Rotation is a new key id: new objects use the ring's default key,
// objects wrapped under older ids stay readable while the ring keeps them.
//
// The Local ring reads its keys from a file (File); a ring backed by a key
// server (Vault, KMIP) implements the same interface.
package keyring

import (
	"context"
	"errors"
)

// DataKeySize is the length of a data key in bytes (AES-256).
const DataKeySize = 32

// ErrNoSuchKey: the ring has no master key of that id.
var ErrNoSuchKey = errors.New("no such master key")

// ErrUnwrap: a wrapped data key does not open under its master key (it
// was wrapped under another secret of that id, or damaged).
var ErrUnwrap = errors.New("wrapped data key does not open")

// Ring wraps and unwraps data keys under named master keys. Context is
// bound to the wrapped key (authenticated, not secret): a wrapped key only
// unwraps with the context it was made with.
type Ring interface {
	// Default is the id of the master key for new objects that name none.
	Default() string
	// Has reports whether the ring holds master key id.
	Has(id string) bool
	// NewDataKey returns a fresh data key and its form wrapped under
	// master key id. Errors: ErrNoSuchKey.
	NewDataKey(ctx context.Context, id string, context []byte) (plain, wrapped []byte, err error)
	// Unwrap returns the data key wrapped under master key id.
	// Errors: ErrNoSuchKey, ErrUnwrap.
	Unwrap(ctx context.Context, id string, wrapped, context []byte) ([]byte, error)
}
