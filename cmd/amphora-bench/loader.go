package main

import (
	"context"
	"fmt"
	"net/http"

	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/cassandra"
	"github.com/amphora-s3/amphora/store"
)

// putEmptyFunc stores one empty object under key in the listing bucket.
type putEmptyFunc func(ctx context.Context, key string) error

// listingLoader returns how the listing dataset is written, and a close
// function: through HTTP (the default), or with -loader store through
// package cassandra's Store API in this process. Both go through the
// store's own write path, so the rows have whatever format the store
// writes today; the store loader saves the HTTP, signing and frontend work
// (the bucket is still created through HTTP, so it has the bench tenant
// as owner, as it would by a PUT).
func listingLoader(ctx context.Context, o options, e *env) (putEmptyFunc, func(), error) {
	switch o.loader {
	case "http":
		return func(ctx context.Context, key string) error {
			return e.s3.put(ctx, listBucket, key, 0, nil)
		}, func() {}, nil
	case "store":
		st, err := cassandra.Open(ctx, cassandra.Config{
			Hosts: o.hosts, Keyspace: o.keyspace, Consistency: o.consistency, SerialConsistency: o.serial,
			ConnectTimeout: o.timeout, Timeout: o.timeout, BlockSize: int(o.blockSize), BlocksInFlight: o.blocksInFlight,
			InlineSize: o.storeInlineSize(), Connections: o.conns, ProtocolVersion: o.proto,
			Logger: zerolog.Nop(),
		})
		if err != nil {
			return nil, nil, fmt.Errorf("store loader: %w", err)
		}
		return func(ctx context.Context, key string) error {
			_, err := st.PutObject(ctx, store.PutInput{Bucket: listBucket, Key: key, Owner: benchTenant, Size: 0, Body: http.NoBody})
			return err
		}, st.Close, nil
	}
	return nil, nil, fmt.Errorf("-loader %q: http or store", o.loader)
}

// storeInlineSize is -inline-size as package cassandra takes it: its 0
// means the default, -1 off.
func (o options) storeInlineSize() int {
	if o.inlineSize == 0 {
		return -1
	}
	return int(o.inlineSize)
}
