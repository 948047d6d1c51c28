package frontend

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/amphora-s3/amphora/policy"
	"github.com/amphora-s3/amphora/store"
)

// Bucket policies: Put/Get/DeleteBucketPolicy and GetBucketPolicyStatus.
// The document is kept as it was put in the bucket's settings (read and
// cached with the bucket); its parsed form is cached here by content, so
// deciding a request on a cached bucket costs no Cassandra round trip
// and no JSON parse.

var (
	errNoSuchBucketPolicy = &Error{"NoSuchBucketPolicy", http.StatusNotFound, "The bucket policy does not exist", nil, ""}
	errMalformedPolicy    = &Error{"MalformedPolicy", http.StatusBadRequest, "Policies must be valid JSON and the first byte must be '{'", nil, ""}
)

func (s *server) getBucketPolicy(w http.ResponseWriter, r *http.Request) error {
	doc := info(r).bucket.Settings[store.SettingPolicy]
	if doc == "" {
		return errNoSuchBucketPolicy
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(doc)))
	w.WriteHeader(http.StatusOK)
	_, err := io.WriteString(w, doc)
	return err
}

func (s *server) putBucketPolicy(w http.ResponseWriter, r *http.Request) error {
	b := info(r).bucket
	doc, err := io.ReadAll(io.LimitReader(r.Body, policy.MaxSize+1))
	if err != nil {
		return err
	}
	if len(doc) > policy.MaxSize {
		return errMalformedPolicy.withMessage("Policies must be no more than 20 KB")
	}
	doc = bytes.TrimSpace(doc)
	if len(doc) == 0 || doc[0] != '{' {
		return errMalformedPolicy
	}
	p, err := policy.Parse(doc, b.Name)
	if err != nil {
		var pe *policy.Error
		if errors.As(err, &pe) {
			return errMalformedPolicy.withMessage(pe.Reason)
		}
		return err
	}
	if pab, _, err := b.PublicAccessBlock(); err != nil {
		return err
	} else if pab.BlockPublicPolicy && p.Public() {
		return errAccessDenied
	}
	if err := s.store.SetBucketSetting(r.Context(), b.Name, store.SettingPolicy, string(doc)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) deleteBucketPolicy(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.SetBucketSetting(r.Context(), info(r).bucket.Name, store.SettingPolicy, ""); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type policyStatus struct {
	XMLName  xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ PolicyStatus"`
	IsPublic bool
}

func (s *server) getBucketPolicyStatus(w http.ResponseWriter, r *http.Request) error {
	b := info(r).bucket
	p, err := s.policies.of(b)
	if err != nil {
		return err
	}
	if p == nil {
		return errNoSuchBucketPolicy
	}
	writeXML(w, http.StatusOK, policyStatus{IsPublic: p.Public()})
	return nil
}

// policyCache holds parsed policies by document. A bucket's settings are
// cached with the bucket; this keeps the parse from being repeated on
// every request.
type policyCache struct {
	mu sync.Mutex
	m  map[string]*policy.Policy
}

// maxCachedPolicies bounds the cache; it is emptied when full (policies
// change rarely, and a parse is cheap next to a Cassandra read).
const maxCachedPolicies = 4096

// of is b's policy, nil when it has none. A stored policy that no longer
// parses (it was accepted, so only a bug could do that) is an error: a
// deny it holds must not be lost.
func (c *policyCache) of(b store.Bucket) (*policy.Policy, error) {
	doc := b.Settings[store.SettingPolicy]
	if doc == "" {
		return nil, nil
	}
	key := b.Name + "\x00" + doc
	c.mu.Lock()
	p, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := policy.Parse([]byte(doc), b.Name)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedPolicies {
		c.m = make(map[string]*policy.Policy)
	}
	c.m[key] = p
	c.mu.Unlock()
	return p, nil
}

// policyRequest is what a bucket policy decides for q, with the
// condition keys its request carries.
func (s *server) policyRequest(q request) policy.Request {
	req := policy.Request{Action: versionedAction(q.action, q.versionID), Resource: "arn:aws:s3:::" + q.bucket}
	if q.key != "" {
		req.Resource += "/" + q.key
	}
	if !q.id.Anonymous {
		req.Principal = q.id.Tenant
	}
	req.Context = conditionKeys(q.r, q.id, q.action, s.now())
	for _, t := range q.tags {
		req.Context["s3:existingobjecttag/"+strings.ToLower(t.Key)] = []string{t.Value}
	}
	return req
}

// versionedAction is the action a policy names for action on a version
// named by id (s3:GetObjectVersion...), action itself for the current one.
func versionedAction(action, versionID string) string {
	if versionID == "" {
		return action
	}
	if v, ok := versionActions[action]; ok {
		return v
	}
	return action
}

var versionActions = map[string]string{
	"s3:GetObject":           "s3:GetObjectVersion",
	"s3:DeleteObject":        "s3:DeleteObjectVersion",
	"s3:GetObjectAcl":        "s3:GetObjectVersionAcl",
	"s3:PutObjectAcl":        "s3:PutObjectVersionAcl",
	"s3:GetObjectTagging":    "s3:GetObjectVersionTagging",
	"s3:PutObjectTagging":    "s3:PutObjectVersionTagging",
	"s3:DeleteObjectTagging": "s3:DeleteObjectVersionTagging",
	"s3:GetObjectAttributes": "s3:GetObjectVersionAttributes",
}

// conditionKeys are the condition keys of r (lowercased names), as S3
// sets them: global keys always, S3 keys when the request carries them.
func conditionKeys(r *http.Request, id identity, action string, now time.Time) map[string][]string {
	now = now.UTC()
	ctx := map[string][]string{
		"aws:currenttime":     {now.Format(time.RFC3339)},
		"aws:epochtime":       {strconv.FormatInt(now.Unix(), 10)},
		"aws:securetransport": {strconv.FormatBool(r.TLS != nil)},
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		ctx["aws:sourceip"] = []string{host}
	}
	if ua := r.Header.Get("User-Agent"); ua != "" {
		ctx["aws:useragent"] = []string{ua}
	}
	if ref := r.Header.Get("Referer"); ref != "" {
		ctx["aws:referer"] = []string{ref}
	}
	if id.Anonymous {
		ctx["aws:principaltype"] = []string{"Anonymous"}
	} else {
		ctx["aws:principaltype"] = []string{"Account"}
		ctx["aws:principalaccount"] = []string{id.Tenant}
		ctx["aws:userid"] = []string{id.Tenant}
		ri := info(r)
		ctx["s3:signatureversion"] = []string{"AWS"}
		if ri.v4 != nil {
			ctx["s3:signatureversion"] = []string{"AWS4-HMAC-SHA256"}
		}
		ctx["s3:authtype"] = []string{"REST-HEADER"}
		switch {
		case ri.op == opPostObject: // a browser upload, signed in its form
			ctx["s3:authtype"] = []string{"POST"}
		case r.Header.Get("Authorization") == "":
			ctx["s3:authtype"] = []string{"REST-QUERY-STRING"}
		}
	}
	if action == "s3:ListBucket" || action == "s3:ListBucketVersions" {
		q := info(r).query
		for _, name := range []string{"prefix", "delimiter", "max-keys"} {
			if v, ok := q[name]; ok && len(v) > 0 {
				ctx["s3:"+name] = v[:1]
			}
		}
	}
	if tags, err := store.DecodeTags(r.Header.Get("X-Amz-Tagging")); err == nil && len(tags) > 0 {
		keys := make([]string, 0, len(tags))
		for _, t := range tags {
			ctx["s3:requestobjecttag/"+strings.ToLower(t.Key)] = []string{t.Value}
			keys = append(keys, t.Key)
		}
		ctx["s3:requestobjecttagkeys"] = keys
	}
	for name, vals := range r.Header {
		lname := strings.ToLower(name)
		switch {
		case lname == "x-amz-acl", strings.HasPrefix(lname, "x-amz-grant-"),
			lname == "x-amz-copy-source", lname == "x-amz-metadata-directive",
			lname == "x-amz-content-sha256", lname == "x-amz-storage-class",
			lname == "x-amz-server-side-encryption":
			ctx["s3:"+lname] = vals[:1]
		}
	}
	return ctx
}
