package frontend

import (
	"encoding/xml"
	"maps"
	"net/http"
	"regexp"

	"github.com/amphora-s3/amphora/store"
)

// maxBucketConfig bounds the CreateBucketConfiguration body.
const maxBucketConfig = 64 << 10

type listBucketsResult struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListAllMyBucketsResult"`
	Owner   owner
	Buckets []bucketEntry `xml:"Buckets>Bucket"`
}

type bucketEntry struct {
	Name         string
	CreationDate string
}

// listBuckets answers GET / with the signer's tenant's buckets.
func (s *server) listBuckets(w http.ResponseWriter, r *http.Request) error {
	id := info(r).ident
	bs, err := s.store.ListBuckets(r.Context(), id.Tenant)
	if err != nil {
		return err
	}
	res := listBucketsResult{Owner: owner{id.Tenant, s.displayName(r.Context(), id.Tenant)}}
	res.Buckets = make([]bucketEntry, 0, len(bs))
	for _, b := range bs {
		if sees(id, b.Name, "") { // a restricted key lists its buckets only
			res.Buckets = append(res.Buckets, bucketEntry{b.Name, xmlTime(b.Created)})
		}
	}
	writeXML(w, http.StatusOK, res)
	return nil
}

type createBucketConfiguration struct {
	XMLName            xml.Name `xml:"CreateBucketConfiguration"`
	LocationConstraint string
}

// regionLike matches AWS region names ("eu-west-1", "us-gov-east-1") and
// the legacy "EU": constraints AWS knows but this endpoint does not serve.
var regionLike = regexp.MustCompile(`^([a-z]{2}(-[a-z]+)+-[0-9]+|EU)$`)

// createBucket answers PUT /bucket. The optional body names the region;
// only "" and this endpoint's region are accepted.
func (s *server) createBucket(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	name := ri.addr.Bucket
	if !validBucketName(name) {
		return errInvalidBucketName
	}
	var cfg createBucketConfiguration
	if _, err := readXML(r.Body, maxBucketConfig, &cfg); err != nil {
		return err
	}
	switch lc := cfg.LocationConstraint; {
	case lc == "" || lc == s.region:
	case regionLike.MatchString(lc):
		return errIllegalLocation.withMessage("The " + lc + " location constraint is incompatible for the region specific endpoint this request was sent to.")
	default:
		return errInvalidLocation.with(field{"LocationConstraint", lc})
	}
	settings, err := s.newBucketSettings(r, ri.ident.Tenant)
	if err != nil {
		return err
	}
	lock, err := lockSettings(r)
	if err != nil {
		return err
	}
	maps.Copy(settings, lock)
	err = s.store.CreateBucket(r.Context(), store.Bucket{
		Name:     name,
		Owner:    ri.ident.Tenant,
		Location: cfg.LocationConstraint,
		Created:  s.now().UTC(),
		Settings: settings,
	})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/"+name)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

// headBucket answers HEAD /bucket: 200 with the region, or a bare status.
func (s *server) headBucket(w http.ResponseWriter, r *http.Request) error {
	b := info(r).bucket
	w.Header().Set("x-amz-bucket-region", s.bucketRegion(b))
	w.WriteHeader(http.StatusOK)
	return nil
}

// deleteBucket answers DELETE /bucket with 204; the store refuses a
// non-empty bucket.
func (s *server) deleteBucket(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.DeleteBucket(r.Context(), info(r).addr.Bucket); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type locationConstraint struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ LocationConstraint"`
	Value   string   `xml:",chardata"`
}

// getBucketLocation answers GET /bucket?location. Like AWS, a bucket in
// us-east-1 has an empty LocationConstraint.
func (s *server) getBucketLocation(w http.ResponseWriter, r *http.Request) error {
	b := info(r).bucket
	loc := s.bucketRegion(b)
	if loc == "us-east-1" {
		loc = ""
	}
	writeXML(w, http.StatusOK, locationConstraint{Value: loc})
	return nil
}

// bucketRegion is the region a bucket lives in: its LocationConstraint,
// or this endpoint's region when it was created without one.
func (s *server) bucketRegion(b store.Bucket) string {
	if b.Location != "" {
		return b.Location
	}
	return s.region
}

// newBucketSettings are a new bucket's settings from CreateBucket's
// headers: its Object Ownership (x-amz-object-ownership, else the
// server's default) and its ACL (x-amz-acl or x-amz-grant-*, refused
// with BucketOwnerEnforced unless private).
func (s *server) newBucketSettings(r *http.Request, owner string) (store.BucketSettings, error) {
	own := r.Header.Get("X-Amz-Object-Ownership")
	if own == "" {
		own = s.defaultOwnership
	}
	if !validOwnership(own) {
		return nil, errInvalidArgument.withMessage("Invalid x-amz-object-ownership header: "+own).
			with(field{"ArgumentName", "x-amz-object-ownership"}, field{"ArgumentValue", own})
	}
	settings := store.BucketSettings{store.SettingOwnership: own}
	a, ok, err := s.aclFromHeaders(r, owner, owner, true)
	if err != nil || !ok {
		return settings, err
	}
	private := len(a.Grants) == 1 && a.Grants[0] == store.Grant{ID: owner, Permission: store.PermACLFullControl}
	if own == ownershipEnforced && !private {
		return nil, errACLWithEnforced
	}
	if !private {
		settings[store.SettingACL] = a.Encode()
	}
	return settings, nil
}
