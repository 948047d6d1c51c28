package frontend

import (
	"errors"
	"net/http"

	"github.com/amphora-s3/amphora/policy"
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
	"s3:ListBucketVersions":         store.PermRead,
	"s3:GetBucketLocation":          store.PermRead,
	"s3:GetBucketAcl":               store.PermRead,
	"s3:ListBucketMultipartUploads": store.PermRead,
	"s3:ListMultipartUploadParts":   store.PermRead,
	"s3:PutObject":                  store.PermWrite,
	"s3:DeleteObject":               store.PermWrite,
	"s3:AbortMultipartUpload":       store.PermWrite,
	"s3:PutObjectAcl":               store.PermWrite,
	"s3:GetObjectTagging":           store.PermRead,
	"s3:GetObjectAttributes":        store.PermRead,
	"s3:PutObjectTagging":           store.PermWrite,
	"s3:DeleteObjectTagging":        store.PermWrite,
	"s3:GetObjectRetention":         store.PermRead,
	"s3:GetObjectLegalHold":         store.PermRead,
	"s3:PutObjectRetention":         store.PermWrite,
	"s3:PutObjectLegalHold":         store.PermWrite,
}

// bucketNeeds is the bucket ACL permission a principal other than the
// bucket's owner needs for each bucket-level action; an action not listed
// is the owner's alone (deleting the bucket, its ownership controls...).
var bucketNeeds = map[string]store.ACLPermission{
	"s3:ListBucket":                 store.PermACLRead,
	"s3:ListBucketVersions":         store.PermACLRead,
	"s3:ListBucketMultipartUploads": store.PermACLRead,
	"s3:GetBucketLocation":          store.PermACLRead,
	"s3:PutObject":                  store.PermACLWrite,
	"s3:DeleteObject":               store.PermACLWrite,
	"s3:AbortMultipartUpload":       store.PermACLWrite,
	"s3:ListMultipartUploadParts":   store.PermACLWrite,
	"s3:GetBucketAcl":               store.PermACLReadACP,
	"s3:PutBucketAcl":               store.PermACLWriteACP,
}

// objectNeeds is the object permission each action on an object itself
// needs: it is decided on the object (its owner, Object Ownership). ""
// means no ACL grant gives it (tags: the owner's, or a policy's).
var objectNeeds = map[string]store.ACLPermission{
	"s3:GetObject":           store.PermACLRead,
	"s3:GetObjectAcl":        store.PermACLReadACP,
	"s3:GetObjectAttributes": store.PermACLRead,
	"s3:PutObjectAcl":        store.PermACLWriteACP,
	"s3:GetObjectTagging":    "",
	"s3:PutObjectTagging":    "",
	"s3:DeleteObjectTagging": "",
	"s3:GetObjectRetention":  "",
	"s3:PutObjectRetention":  "",
	"s3:GetObjectLegalHold":  "",
	"s3:PutObjectLegalHold":  "",
}

// ownerOnly are the actions only the bucket's owner may take, whatever
// its policy says; no policy may lock the owner out of them either (as
// S3 lets an account's root user always manage its bucket's policy).
var ownerOnly = map[string]bool{
	"s3:GetBucketPolicy":    true,
	"s3:PutBucketPolicy":    true,
	"s3:DeleteBucketPolicy": true,
}

// objectResource reports whether action is decided on an object's ARN
// (bucket/key) rather than on the bucket's.
func objectResource(action string) bool {
	switch action {
	case "s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload",
		"s3:ListMultipartUploadParts", "s3:GetObjectAcl", "s3:PutObjectAcl",
		"s3:GetObjectTagging", "s3:PutObjectTagging", "s3:DeleteObjectTagging", "s3:GetObjectAttributes",
		"s3:GetObjectRetention", "s3:PutObjectRetention", "s3:GetObjectLegalHold", "s3:PutObjectLegalHold",
		"s3:BypassGovernanceRetention":
		return true
	}
	return false
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
	q := request{r: r, id: ri.ident, action: action, bucket: ri.addr.Bucket}
	if objectResource(action) {
		q.key = ri.addr.Key
		v, _, err := versionQuery(r)
		if err != nil {
			return err
		}
		q.versionID = v
	}
	if _, ok := objectNeeds[action]; ok {
		b, obj, err := s.decideObject(q)
		if err != nil {
			return err
		}
		if obj.DeleteMarker {
			return markerByID(obj)
		}
		ri.bucket, ri.object = b, &obj
	} else {
		b, err := s.decide(q)
		if errors.Is(err, errAccessDenied) && q.action == "s3:DeleteObject" && q.key == "" &&
			b.Settings[store.SettingPolicy] != "" {
			// DeleteObjects under a policy that may name keys: each
			// key is decided on its own (authorizeKey), as S3 does.
			err = nil
		}
		if err != nil {
			return err
		}
		ri.bucket = b
	}
	return expectedOwner(r.Header.Get("X-Amz-Expected-Bucket-Owner"), ri.bucket)
}

// expectedOwner checks an x-amz-expected-bucket-owner (or the copy
// source's) header: a bucket owned by another account is 403, as S3.
func expectedOwner(want string, b store.Bucket) error {
	if want != "" && want != b.Owner {
		return errAccessDenied
	}
	return nil
}

// authorizeKey decides action on one more key of the request's bucket
// (DeleteObjects decides each key it deletes): only a bucket policy can
// tell keys apart, so without one the bucket's decision stands.
func (s *server) authorizeKey(r *http.Request, action, key, versionID string) error {
	ri := info(r)
	if ri.bucket.Settings[store.SettingPolicy] == "" {
		return nil
	}
	_, err := s.decide(request{r: r, id: ri.ident, action: action, bucket: ri.bucket.Name, key: key, versionID: versionID})
	return err
}

// request is one access to decide: id taking action on bucket (and key,
// for actions on objects), with r for the policy's condition keys.
type request struct {
	r           *http.Request
	id          identity
	action      string
	bucket, key string
	versionID   string     // the version addressed ("" for the current one)
	tags        store.Tags // the object's, for object actions on an existing one
}

// rules are what a bucket holds that decides access: its policy, its
// public access block and its ACL (read once per decision).
type rules struct {
	policy *policy.Policy
	pab    store.PublicAccessBlock
}

func (s *server) rulesOf(b store.Bucket) (rules, error) {
	p, err := s.policies.of(b)
	if err != nil {
		return rules{}, err
	}
	pab, _, err := b.PublicAccessBlock()
	return rules{policy: p, pab: pab}, err
}

// policyDecision is what b's policy says of q. With RestrictPublicBuckets
// and a public policy, only the bucket owner may rely on its Allows
// (its Denies bind everyone).
func (s *server) policyDecision(rl rules, q request, b store.Bucket) policy.Decision {
	if rl.policy == nil {
		return policy.NotApplicable
	}
	d := rl.policy.Evaluate(s.policyRequest(q))
	if d == policy.Allowed && rl.pab.RestrictPublicBuckets && rl.policy.Public() &&
		(q.id.Anonymous || q.id.Tenant != b.Owner) {
		return policy.NotApplicable
	}
	return d
}

// acl is a as IgnorePublicAcls leaves it in force.
func (rl rules) acl(a store.ACL) store.ACL {
	if rl.pab.IgnorePublicAcls {
		return a.WithoutPublic()
	}
	return a
}

// decide is the rule for bucket-level actions (and object writes, which
// are decided on the bucket), in S3's order:
//   - A key restricted to some buckets may take there only what its
//     permission covers (checked before the bucket is even read, so it
//     learns nothing of other buckets).
//   - An explicit Deny in the bucket's policy wins over everything (but
//     never keeps the owner from managing the policy itself).
//   - The bucket's owner may take every action on it.
//   - Anyone else needs a policy Allow, or the bucket ACL permission
//     bucketNeeds names; the owner-only actions take neither.
func (s *server) decide(q request) (store.Bucket, error) {
	if !sees(q.id, q.bucket, q.action) {
		return store.Bucket{}, errAccessDenied
	}
	b, err := s.store.GetBucket(q.r.Context(), q.bucket)
	if err != nil {
		return b, err
	}
	rl, err := s.rulesOf(b)
	if err != nil {
		return b, err
	}
	owner := b.Owner == q.id.Tenant && !q.id.Anonymous
	d := s.policyDecision(rl, q, b)
	switch {
	case owner && ownerOnly[q.action]:
		return b, nil
	case d == policy.Denied:
		return b, errAccessDenied
	case owner:
		return b, nil
	case ownerOnly[q.action]:
		return b, errAccessDenied
	case d == policy.Allowed:
		return b, nil
	}
	need, ok := bucketNeeds[q.action]
	if !ok {
		return b, errAccessDenied
	}
	acl, err := s.bucketACL(b)
	if err != nil {
		return b, err
	}
	if !rl.acl(acl).Allows(q.id.Tenant, need) {
		return b, errAccessDenied
	}
	return b, nil
}

// decideObject is the rule for the actions on an object itself (reading
// it, reading or replacing its ACL):
//   - An explicit Deny in the bucket's policy wins (decided once the
//     object is read: conditions may name its tags).
//   - The object's owner may take them (with BucketOwnerEnforced the
//     bucket's owner owns every object).
//   - A policy Allow counts on objects the bucket's owner owns: a bucket
//     policy cannot hand out another account's objects.
//   - Otherwise the object ACL grant objectNeeds names.
//
// Whoever may not read it learns whether it exists only if the bucket
// lets them list it (as S3: 404 then, else 403).
func (s *server) decideObject(q request) (store.Bucket, store.Object, error) {
	if !sees(q.id, q.bucket, q.action) {
		return store.Bucket{}, store.Object{}, errAccessDenied
	}
	ctx := q.r.Context()
	b, err := s.store.GetBucket(ctx, q.bucket)
	if err != nil {
		return b, store.Object{}, err
	}
	rl, err := s.rulesOf(b)
	if err != nil {
		return b, store.Object{}, err
	}
	var obj store.Object
	if q.versionID != "" {
		obj, err = s.store.HeadVersion(ctx, q.bucket, q.key, q.versionID)
	} else {
		obj, err = s.store.HeadObject(ctx, q.bucket, q.key)
	}
	if err != nil && !errors.Is(err, store.ErrNoSuchKey) && !errors.Is(err, store.ErrNoSuchVersion) {
		return b, obj, err
	}
	if err != nil { // no such key, or version
		if s.policyDecision(rl, q, b) == policy.Denied {
			return b, store.Object{}, errAccessDenied
		}
		list := q
		list.action, list.key, list.versionID = "s3:ListBucket", "", ""
		if _, lerr := s.decide(list); lerr != nil {
			return b, obj, errAccessDenied
		}
		return b, obj, markerError(err)
	}
	if err := s.objectRule(q, b, rl, obj); err != nil {
		return b, store.Object{}, err
	}
	return b, obj, nil
}

// objectRule is decideObject's rule once the object is read.
func (s *server) objectRule(q request, b store.Bucket, rl rules, obj store.Object) error {
	q.tags = obj.Tags // s3:ExistingObjectTag/<key>
	d := s.policyDecision(rl, q, b)
	if d == policy.Denied {
		return errAccessDenied
	}
	owner := s.objectOwner(b, obj)
	need := objectNeeds[q.action]
	switch {
	case !q.id.Anonymous && owner == q.id.Tenant:
		return nil
	case d == policy.Allowed && owner == b.Owner:
		return nil
	case need != "" && rl.acl(s.objectACL(b, obj)).Allows(q.id.Tenant, need):
		return nil
	}
	return errAccessDenied
}

// mayObject reports whether the request's principal may also take
// action (one of objectNeeds) on obj, of the bucket the request was
// authorized on: the headers of a GET that another permission guards.
func (s *server) mayObject(r *http.Request, action string, obj store.Object) bool {
	ri := info(r)
	if !sees(ri.ident, ri.bucket.Name, action) {
		return false
	}
	rl, err := s.rulesOf(ri.bucket)
	if err != nil {
		return false
	}
	q := request{r: r, id: ri.ident, action: action, bucket: ri.bucket.Name, key: obj.Key}
	if v, _, _ := versionQuery(r); v != "" {
		q.versionID = v
	}
	return s.objectRule(q, ri.bucket, rl, obj) == nil
}

// authorizeAction decides one more action of the request, on key of the
// request's bucket (DeleteObject with x-amz-bypass-governance-retention
// also needs s3:BypassGovernanceRetention): the bucket's owner, or a
// policy Allow.
func (s *server) authorizeAction(r *http.Request, action, key, versionID string) error {
	ri := info(r)
	_, err := s.decide(request{r: r, id: ri.ident, action: action, bucket: ri.addr.Bucket, key: key, versionID: versionID})
	return err
}

// markerByID answers an action on a delete marker named by version id:
// 405 MethodNotAllowed, with the marker's headers, as S3.
func markerByID(obj store.Object) error {
	return withHeaders(errMethodNotAllowed.with(field{"Method", "GET"}, field{"ResourceType", "DeleteMarker"}),
		field{"X-Amz-Delete-Marker", "true"}, field{"X-Amz-Version-Id", obj.VersionID},
		field{"Last-Modified", obj.LastModified.UTC().Format(http.TimeFormat)}, field{"Allow", "DELETE"})
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
