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

// authorize decides whether the request's principal may take action on
// the bucket the request addresses, and records that bucket in reqInfo.
// An empty action (an operation answered NotImplemented) needs only
// authentication. Errors: NoSuchBucket (the bucket does not exist),
// AccessDenied.
func (s *server) authorize(r *http.Request, action string) error {
	if action == "" || action == actionListAllMyBuckets || action == actionCreateBucket {
		return nil
	}
	ri := info(r)
	b, err := s.decide(r.Context(), ri.ident, action, ri.addr.Bucket)
	if err != nil {
		return err
	}
	ri.bucket = b
	return nil
}

// decide is the one access rule: whether id may take action on bucket.
// Today a bucket's owner may take every action on it and nobody else any.
func (s *server) decide(ctx context.Context, id identity, action, bucket string) (store.Bucket, error) {
	b, err := s.store.GetBucket(ctx, bucket)
	if err != nil {
		return b, err
	}
	if b.Owner != id.Tenant {
		return b, errAccessDenied
	}
	return b, nil
}
