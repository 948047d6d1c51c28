package frontend

import (
	"context"
	"net/http"

	"github.com/amphora-s3/amphora/store"
)

// Every route of the route table names the S3 action it performs, as IAM
// policies name actions ("s3:GetObject"). After authentication, authorize
// decides the request from its principal, that action and the resource it
// addresses; no handler checks ownership on its own. The decision is
// taken here and only here, so that ACLs, bucket policies and scoped keys
// each add a rule to one function.

// Actions that need no existing bucket: any authenticated principal may
// take them (the store still decides whether a name is free).
const (
	actionListAllMyBuckets = "s3:ListAllMyBuckets"
	actionCreateBucket     = "s3:CreateBucket"
)

// scopedNeeds is what a key restricted to some buckets needs in a bucket
// for each action; an action not listed is for unrestricted keys only
// (deleting a bucket, creating one, and later its ACL and policy).
var scopedNeeds = map[string]store.Permission{
	"s3:GetObject":                  store.PermRead,
	"s3:GetObjectAcl":               store.PermRead,
	"s3:ListBucket":                 store.PermRead,
	"s3:GetBucketLocation":          store.PermRead,
	"s3:GetBucketAcl":               store.PermRead,
	"s3:ListBucketMultipartUploads": store.PermRead,
	"s3:ListMultipartUploadParts":   store.PermRead,
	"s3:PutObject":                  store.PermWrite,
	"s3:DeleteObject":               store.PermWrite,
	"s3:AbortMultipartUpload":       store.PermWrite,
}

// authorize decides whether the request's principal may take action on
// the bucket the request addresses, and records that bucket in reqInfo.
// An empty action (an operation answered NotImplemented) needs only
// authentication. Errors: NoSuchBucket (the bucket does not exist),
// AccessDenied.
func (s *server) authorize(r *http.Request, action string) error {
	ri := info(r)
	switch action {
	case "", actionListAllMyBuckets: // ListBuckets lists what the key sees (sees)
		return nil
	case actionCreateBucket:
		if ri.ident.Buckets != nil {
			return errAccessDenied
		}
		return nil
	}
	b, err := s.decide(r.Context(), ri.ident, action, ri.addr.Bucket)
	if err != nil {
		return err
	}
	ri.bucket = b
	return nil
}

// decide is the one access rule: whether id may take action on bucket.
// A key restricted to some buckets may take there only what its
// permission covers (checked before the bucket is even read, so it learns
// nothing of other buckets); then a bucket's owner may take every action
// on it and nobody else any.
func (s *server) decide(ctx context.Context, id identity, action, bucket string) (store.Bucket, error) {
	if !sees(id, bucket, action) {
		return store.Bucket{}, errAccessDenied
	}
	b, err := s.store.GetBucket(ctx, bucket)
	if err != nil {
		return b, err
	}
	if b.Owner != id.Tenant {
		return b, errAccessDenied
	}
	return b, nil
}

// sees reports whether id's key is allowed action in bucket by its
// restriction (always, for an unrestricted key). An empty action asks
// whether the key may see the bucket at all (ListBuckets).
func sees(id identity, bucket, action string) bool {
	if id.Buckets == nil {
		return true
	}
	p, ok := id.Buckets[bucket]
	if !ok {
		return false
	}
	if action == "" {
		return true
	}
	need, ok := scopedNeeds[action]
	return ok && p.Allows(need)
}
