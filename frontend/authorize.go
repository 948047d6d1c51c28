package frontend

import (
	"context"
	"errors"
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
	"s3:PutObjectAcl":               store.PermWrite,
}

// bucketNeeds is the bucket ACL permission a principal other than the
// bucket's owner needs for each bucket-level action; an action not listed
// is the owner's alone (deleting the bucket, its ownership controls...).
var bucketNeeds = map[string]store.ACLPermission{
	"s3:ListBucket":                 store.PermACLRead,
	"s3:ListBucketMultipartUploads": store.PermACLRead,
	"s3:GetBucketLocation":          store.PermACLRead,
	"s3:PutObject":                  store.PermACLWrite,
	"s3:DeleteObject":               store.PermACLWrite,
	"s3:AbortMultipartUpload":       store.PermACLWrite,
	"s3:ListMultipartUploadParts":   store.PermACLWrite,
	"s3:GetBucketAcl":               store.PermACLReadACP,
	"s3:PutBucketAcl":               store.PermACLWriteACP,
}

// objectNeeds is the object permission each object-level read needs: it
// is decided on the object itself (its owner, Object Ownership).
var objectNeeds = map[string]store.ACLPermission{
	"s3:GetObject":    store.PermACLRead,
	"s3:GetObjectAcl": store.PermACLReadACP,
	"s3:PutObjectAcl": store.PermACLWriteACP,
}

// authorize decides whether the request's principal may take action on
// the bucket (and, for object reads, the object) the request addresses,
// and records them in reqInfo. An empty action (an operation answered
// NotImplemented) needs only authentication. Errors: NoSuchBucket,
// NoSuchKey (to a principal that may list the bucket), AccessDenied.
func (s *server) authorize(r *http.Request, action string) error {
	ri := info(r)
	switch action {
	case "":
		return nil
	case actionListAllMyBuckets: // ListBuckets lists what the key sees (sees)
		if ri.ident.Anonymous {
			return errAccessDenied
		}
		return nil
	case actionCreateBucket:
		if ri.ident.Buckets != nil || ri.ident.Anonymous {
			return errAccessDenied
		}
		return nil
	}
	if _, ok := objectNeeds[action]; ok {
		b, obj, err := s.decideObject(r.Context(), ri.ident, action, ri.addr.Bucket, ri.addr.Key)
		if err != nil {
			return err
		}
		ri.bucket, ri.object = b, &obj
		return nil
	}
	b, err := s.decide(r.Context(), ri.ident, action, ri.addr.Bucket)
	if err != nil {
		return err
	}
	ri.bucket = b
	return nil
}

// decide is the rule for bucket-level actions (and object writes, which
// are decided on the bucket): whether id may take action on bucket.
//   - A key restricted to some buckets may take there only what its
//     permission covers (checked before the bucket is even read, so it
//     learns nothing of other buckets).
//   - The bucket's owner may take every action on it.
//   - Anyone else needs the bucket ACL permission bucketNeeds names.
func (s *server) decide(ctx context.Context, id identity, action, bucket string) (store.Bucket, error) {
	if !sees(id, bucket, action) {
		return store.Bucket{}, errAccessDenied
	}
	b, err := s.store.GetBucket(ctx, bucket)
	if err != nil {
		return b, err
	}
	if b.Owner == id.Tenant && !id.Anonymous {
		return b, nil
	}
	need, ok := bucketNeeds[action]
	if !ok {
		return b, errAccessDenied
	}
	acl, err := s.bucketACL(b)
	if err != nil {
		return b, err
	}
	if !acl.Allows(id.Tenant, need) {
		return b, errAccessDenied
	}
	return b, nil
}

// decideObject is the rule for the actions on an object itself (reading
// it, reading or replacing its ACL): its owner may take them, anyone else
// needs the object ACL grant objectNeeds names; with BucketOwnerEnforced
// the bucket's owner owns every object and ACLs count for nothing. Whoever may not read it learns whether it exists only if the
// bucket lets them list it (as S3: 404 then, else 403).
func (s *server) decideObject(ctx context.Context, id identity, action, bucket, key string) (store.Bucket, store.Object, error) {
	if !sees(id, bucket, action) {
		return store.Bucket{}, store.Object{}, errAccessDenied
	}
	b, err := s.store.GetBucket(ctx, bucket)
	if err != nil {
		return b, store.Object{}, err
	}
	obj, err := s.store.HeadObject(ctx, bucket, key)
	if err != nil {
		if !errors.Is(err, store.ErrNoSuchKey) {
			return b, obj, err
		}
		if _, lerr := s.decide(ctx, id, "s3:ListBucket", bucket); lerr != nil {
			return b, obj, errAccessDenied
		}
		return b, obj, err
	}
	if !id.Anonymous && s.objectOwner(b, obj) == id.Tenant || s.objectACL(b, obj).Allows(id.Tenant, objectNeeds[action]) {
		return b, obj, nil
	}
	return b, obj, errAccessDenied
}

// objectOwner is who owns obj in bucket b: its writer, or the bucket's
// owner when ACLs are disabled (BucketOwnerEnforced).
func (s *server) objectOwner(b store.Bucket, obj store.Object) string {
	if s.ownership(b) == ownershipEnforced || obj.Owner == "" {
		return b.Owner
	}
	return obj.Owner
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
