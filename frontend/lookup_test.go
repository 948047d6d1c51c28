package frontend

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/store"
	"github.com/amphora-s3/amphora/store/memstore"
)

// KeyLookup finds exactly the keys a signature check accepts: the config
// file's first, then the account store's; a disabled key is no key, and
// a store that fails is an error, never "no such key".
func TestKeyLookup(t *testing.T) {
	accts := memstore.NewAccounts()
	accts.AddKey(store.AccessKey{ID: "AKSTORE", Secret: "store-secret-0123456789", Account: "carol-id",
		Buckets: map[string]store.Permission{"photos": store.PermRead}})
	accts.AddKey(store.AccessKey{ID: "AKOFF", Secret: "off-secret-0123456789", Account: "carol-id", Disabled: true})
	accts.AddKey(store.AccessKey{ID: aliceKey, Secret: "shadowed-0123456789", Account: "someone-else"})
	h, err := New(Options{Store: memstore.New(), Credentials: testCreds, Accounts: accts, Region: testRegion, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	find := KeyLookup(h)
	ctx := context.Background()
	if k, err := find(ctx, aliceKey); err != nil || k.Secret != aliceSecret || k.Account != "tenant-alice" {
		t.Errorf("config key: %+v %v (the file's key wins over the store's)", k, err)
	}
	if k, err := find(ctx, "AKSTORE"); err != nil || k.Secret != "store-secret-0123456789" || k.Buckets["photos"] != store.PermRead {
		t.Errorf("store key: %+v %v", k, err)
	}
	for _, id := range []string{"AKOFF", "AKNOBODY"} {
		if _, err := find(ctx, id); !errors.Is(err, store.ErrNoSuchAccessKey) {
			t.Errorf("%s: %v, want ErrNoSuchAccessKey", id, err)
		}
	}
	accts.Fail = errors.New("cassandra down")
	if _, err := find(ctx, "AKSTORE"); err == nil || errors.Is(err, store.ErrNoSuchAccessKey) {
		t.Errorf("failing store: %v, want its error", err)
	}
	if KeyLookup(http.NotFoundHandler()) != nil {
		t.Error("KeyLookup of another handler is not nil")
	}
}
