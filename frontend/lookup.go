package frontend

import (
	"context"
	"fmt"
	"net/http"

	"github.com/amphora-s3/amphora/store"
)

// KeyFinder finds an access key exactly as a request's signature check
// does: the config file's keys first, then the account store (with its
// cache); a disabled or unknown key is store.ErrNoSuchAccessKey, and a
// failure to look it up is that failure.
type KeyFinder func(ctx context.Context, id string) (store.AccessKey, error)

// KeyLookup returns the KeyFinder of h, a handler New returned (nil for
// any other handler), so that another door to the same S3 API (the web
// console, package console) accepts exactly the keys the API accepts.
func KeyLookup(h http.Handler) KeyFinder {
	s, ok := h.(*server)
	if !ok {
		return nil
	}
	return func(ctx context.Context, id string) (store.AccessKey, error) {
		k := s.newKeyLookup(ctx)
		if _, ok := k.secret(id); ok {
			return k.key, nil
		}
		if k.err != nil {
			return store.AccessKey{}, fmt.Errorf("look up access key %q: %w", id, k.err)
		}
		return store.AccessKey{}, fmt.Errorf("access key %q: %w", id, store.ErrNoSuchAccessKey)
	}
}
