package frontend

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"strings"

	"github.com/amphora-s3/amphora/store"
)

// ACLs as S3 has them: a canned ACL (x-amz-acl), header grants
// (x-amz-grant-read: id="...", emailAddress="...", uri="..."), or an
// AccessControlPolicy document. A grant by e-mail address is stored as
// the account it names. The stored ACL is store.ACL; the Owner element
// and display names are filled in when it is shown.

const xsiNS = "http://www.w3.org/2001/XMLSchema-instance"

type accessControlPolicy struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ AccessControlPolicy"`
	Owner   owner
	Grants  []grant `xml:"AccessControlList>Grant"`
}

// accessControlPolicyIn reads an AccessControlPolicy with or without
// S3's namespace.
type accessControlPolicyIn struct {
	XMLName xml.Name `xml:"AccessControlPolicy"`
	Owner   owner
	Grants  []grant `xml:"AccessControlList>Grant"`
}

type grant struct {
	Grantee    grantee
	Permission string
}

// grantee is written with xsi:type; read with any attribute named type,
// whatever prefix the client declared for it.
type grantee struct {
	XMLNS        string     `xml:"xmlns:xsi,attr,omitempty"`
	Type         string     `xml:"xsi:type,attr,omitempty"`
	Attrs        []xml.Attr `xml:",any,attr"`
	ID           string     `xml:",omitempty"`
	DisplayName  string     `xml:",omitempty"`
	EmailAddress string     `xml:",omitempty"`
	URI          string     `xml:",omitempty"`
}

func (g grantee) kind() string {
	if g.Type != "" {
		return g.Type
	}
	for _, a := range g.Attrs {
		if a.Name.Local == "type" {
			return a.Value
		}
	}
	return ""
}

var (
	errMalformedACL = &Error{"MalformedACLError", http.StatusBadRequest, "The XML you provided was not well-formed or did not validate against our published schema", nil, ""}
	errUnresolvable = &Error{"UnresolvableGrantByEmailAddress", http.StatusBadRequest, "The e-mail address you provided does not match any account on record.", nil, ""}
	errACLNotSupp   = &Error{"AccessControlListNotSupported", http.StatusBadRequest, "The bucket does not allow ACLs", nil, ""}
	errInvalidID    = errInvalidArgument.withMessage("Invalid id")
)

// aclHeaders are the request headers that carry grants, by permission.
var aclHeaders = []struct {
	name string
	perm store.ACLPermission
}{
	{"X-Amz-Grant-Read", store.PermACLRead},
	{"X-Amz-Grant-Write", store.PermACLWrite},
	{"X-Amz-Grant-Read-Acp", store.PermACLReadACP},
	{"X-Amz-Grant-Write-Acp", store.PermACLWriteACP},
	{"X-Amz-Grant-Full-Control", store.PermACLFullControl},
}

// hasACLHeaders reports whether r asks for an ACL with headers.
func hasACLHeaders(r *http.Request) bool {
	if r.Header.Get("X-Amz-Acl") != "" {
		return true
	}
	for _, h := range aclHeaders {
		if _, ok := r.Header[h.name]; ok {
			return true
		}
	}
	return false
}

// aclFromHeaders builds the ACL r's headers ask for, for something owned
// by owner in a bucket of bucketOwner; ok is false when r has none.
func (s *server) aclFromHeaders(r *http.Request, owner, bucketOwner string, forBucket bool) (a store.ACL, ok bool, err error) {
	canned := r.Header.Get("X-Amz-Acl")
	var grants []store.Grant
	for _, h := range aclHeaders {
		for _, v := range r.Header.Values(h.name) {
			gs, err := s.parseGrantHeader(r.Context(), v, h.perm)
			if err != nil {
				return a, false, err
			}
			grants = append(grants, gs...)
		}
	}
	switch {
	case canned != "" && len(grants) > 0:
		return a, false, errInvalidRequest.withMessage("Specifying both Canned ACLs and Header Grants is not allowed")
	case canned != "":
		a, err := store.CannedACL(canned, owner, bucketOwner, forBucket)
		if err != nil {
			return a, false, errInvalidArgument.withMessage(err.Error()).with(field{"ArgumentName", "x-amz-acl"}, field{"ArgumentValue", canned})
		}
		return a, true, nil
	case len(grants) > 0:
		if len(grants) > store.MaxGrants {
			return a, false, errMalformedACL.withMessage("An ACL may hold at most 100 grants")
		}
		return store.ACL{Owner: owner, Grants: grants}, true, nil
	}
	return a, false, nil
}

// parseGrantHeader reads one x-amz-grant-* value: a comma-separated list
// of id="...", emailAddress="..." and uri="..." grantees.
func (s *server) parseGrantHeader(ctx context.Context, v string, perm store.ACLPermission) ([]store.Grant, error) {
	var out []store.Grant
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		k, val, ok := strings.Cut(item, "=")
		val = strings.Trim(strings.TrimSpace(val), `"`)
		if !ok || val == "" {
			return nil, errInvalidArgument.withMessage("Invalid grant: " + item)
		}
		g := grantee{}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "id":
			g.Type, g.ID = "CanonicalUser", val
		case "emailaddress":
			g.Type, g.EmailAddress = "AmazonCustomerByEmail", val
		case "uri":
			g.Type, g.URI = "Group", val
		default:
			return nil, errInvalidArgument.withMessage("Invalid grant: " + item)
		}
		sg, err := s.resolveGrantee(ctx, g, perm)
		if err != nil {
			return nil, err
		}
		out = append(out, sg)
	}
	return out, nil
}

// resolveGrantee checks a grantee and turns it into a stored grant: an
// e-mail address becomes its account, an id must name an account.
func (s *server) resolveGrantee(ctx context.Context, g grantee, perm store.ACLPermission) (store.Grant, error) {
	if !store.ValidACLPermission(perm) {
		return store.Grant{}, errMalformedACL
	}
	switch g.kind() {
	case "CanonicalUser":
		if g.ID == "" || !s.accountExists(ctx, g.ID) {
			return store.Grant{}, errInvalidID
		}
		return store.Grant{ID: g.ID, Permission: perm}, nil
	case "AmazonCustomerByEmail":
		if s.accounts == nil {
			return store.Grant{}, errUnresolvable
		}
		a, err := s.accounts.AccountByEmail(ctx, g.EmailAddress)
		if errors.Is(err, store.ErrNoSuchAccount) {
			return store.Grant{}, errUnresolvable
		}
		if err != nil {
			return store.Grant{}, err
		}
		return store.Grant{ID: a.ID, Permission: perm}, nil
	case "Group":
		switch g.URI {
		case store.GroupAllUsers, store.GroupAuthenticatedUsers, store.GroupLogDelivery:
			return store.Grant{URI: g.URI, Permission: perm}, nil
		}
		return store.Grant{}, errInvalidArgument.withMessage("Invalid group uri")
	}
	return store.Grant{}, errMalformedACL
}

// accountExists reports whether id names an account: one of the config
// file's, or one in the account store.
func (s *server) accountExists(ctx context.Context, id string) bool {
	if _, ok := s.names[id]; ok {
		return true
	}
	if s.accounts == nil {
		return false
	}
	_, err := s.accounts.Account(ctx, id)
	return err == nil
}

// maxACLBody bounds an AccessControlPolicy document (100 grants).
const maxACLBody = 64 << 10

// aclFromBody reads an AccessControlPolicy document; ok is false when the
// body is empty. Its Owner, when given, must be owner.
func (s *server) aclFromBody(r *http.Request, owner string) (a store.ACL, ok bool, err error) {
	var doc accessControlPolicyIn
	empty, err := readXML(r.Body, maxACLBody, &doc)
	if errors.Is(err, errMalformedXML) {
		return a, false, errMalformedACL
	}
	if err != nil || empty {
		return a, false, err
	}
	if ns := doc.XMLName.Space; ns != "" && ns != s3NS {
		return a, false, errMalformedACL
	}
	if doc.Owner.ID != "" && doc.Owner.ID != owner {
		return a, false, errAccessDenied
	}
	if len(doc.Grants) > store.MaxGrants {
		return a, false, errMalformedACL.withMessage("An ACL may hold at most 100 grants")
	}
	a.Owner = owner
	for _, g := range doc.Grants {
		sg, err := s.resolveGrantee(r.Context(), g.Grantee, store.ACLPermission(g.Permission))
		if err != nil {
			return a, false, err
		}
		a.Grants = append(a.Grants, sg)
	}
	return a, true, nil
}

// aclDocument renders a stored ACL, with display names.
func (s *server) aclDocument(ctx context.Context, a store.ACL) accessControlPolicy {
	doc := accessControlPolicy{Owner: owner{a.Owner, s.displayName(ctx, a.Owner)}}
	for _, g := range a.Grants {
		ge := grantee{XMLNS: xsiNS}
		if g.URI != "" {
			ge.Type, ge.URI = "Group", g.URI
		} else {
			ge.Type, ge.ID, ge.DisplayName = "CanonicalUser", g.ID, s.displayName(ctx, g.ID)
		}
		doc.Grants = append(doc.Grants, grant{Grantee: ge, Permission: string(g.Permission)})
	}
	return doc
}

// getBucketACL answers GET /bucket?acl.
func (s *server) getBucketACL(w http.ResponseWriter, r *http.Request) error {
	b := info(r).bucket
	a, err := s.bucketACL(b)
	if err != nil {
		return err
	}
	writeXML(w, http.StatusOK, s.aclDocument(r.Context(), a))
	return nil
}

// bucketACL is b's ACL in force: the owner's private one when ACLs are
// disabled (BucketOwnerEnforced).
func (s *server) bucketACL(b store.Bucket) (store.ACL, error) {
	if s.ownership(b) == ownershipEnforced {
		return store.PrivateACL(b.Owner), nil
	}
	return b.ACL()
}

// putBucketACL answers PUT /bucket?acl: a canned ACL, header grants or an
// AccessControlPolicy document, exactly one of them.
func (s *server) putBucketACL(w http.ResponseWriter, r *http.Request) error {
	b := info(r).bucket
	a, err := s.requestedACL(r, b, b.Owner, true)
	if err != nil {
		return err
	}
	if err := refusePublicACL(b, a); err != nil {
		return err
	}
	if err := s.store.SetBucketSetting(r.Context(), b.Name, store.SettingACL, a.Encode()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// requestedACL is the ACL a PUT ?acl asks for, on something owned by
// owner in bucket b: from its headers or from its body, not both.
func (s *server) requestedACL(r *http.Request, b store.Bucket, owner string, forBucket bool) (store.ACL, error) {
	ha, fromHeaders, err := s.aclFromHeaders(r, owner, b.Owner, forBucket)
	if err != nil {
		return ha, err
	}
	ba, fromBody, err := s.aclFromBody(r, owner)
	if err != nil {
		return ba, err
	}
	switch {
	case fromHeaders && fromBody:
		return ha, &Error{"UnexpectedContent", http.StatusBadRequest, "This request does not support content", nil, ""}
	case !fromHeaders && !fromBody:
		return ha, errMissingSecurityHeader
	case s.ownership(b) == ownershipEnforced && !aclIsPrivate(ha, ba, fromHeaders, owner):
		return ha, errACLNotSupp
	case fromHeaders:
		return ha, nil
	}
	return ba, nil
}

var errMissingSecurityHeader = &Error{"MissingSecurityHeader", http.StatusBadRequest, "Your request was missing a required header", nil, ""}

// aclIsPrivate reports whether the ACL given is the owner's private one,
// the only ACL a bucket with ACLs disabled accepts.
func aclIsPrivate(ha, ba store.ACL, fromHeaders bool, owner string) bool {
	a := ba
	if fromHeaders {
		a = ha
	}
	return len(a.Grants) == 1 && a.Grants[0] == store.Grant{ID: owner, Permission: store.PermACLFullControl}
}

// getObjectACL answers GET /bucket/key?acl for an existing key.
func (s *server) getObjectACL(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	setVersionHeader(w.Header(), ri.bucket, ri.object.VersionID)
	writeXML(w, http.StatusOK, s.aclDocument(r.Context(), s.objectACL(ri.bucket, *ri.object)))
	return nil
}

// newObjectACL decides the owner and the ACL of an object a write (PUT,
// copy, multipart upload) creates in bucket b, from its x-amz-acl or
// x-amz-grant-* headers and the bucket's Object Ownership:
//
//	ObjectWriter          the writer owns it, with the ACL asked for (private by default)
//	BucketOwnerPreferred  the same, but bucket-owner-full-control makes the bucket's owner the owner
//	BucketOwnerEnforced   the bucket's owner owns it; an ACL other than private or
//	                      bucket-owner-full-control is 400 AccessControlListNotSupported
func (s *server) newObjectACL(r *http.Request, b store.Bucket) (string, store.ACL, error) {
	writer := info(r).ident.Tenant
	if info(r).ident.Anonymous {
		// An anonymous write (into a bucket granting AllUsers WRITE)
		// belongs to the bucket's owner: nobody else could ever read it.
		writer = b.Owner
	}
	canned := strings.ToLower(strings.TrimSpace(r.Header.Get("X-Amz-Acl")))
	switch s.ownership(b) {
	case ownershipEnforced:
		if hasACLHeaders(r) && canned != "private" && canned != "bucket-owner-full-control" {
			return "", store.ACL{}, errACLNotSupp
		}
		return b.Owner, store.ACL{}, nil
	case ownershipPreferred:
		if canned == "bucket-owner-full-control" {
			return b.Owner, store.ACL{}, nil
		}
	}
	a, ok, err := s.aclFromHeaders(r, writer, b.Owner, false)
	if err != nil || !ok {
		return writer, store.ACL{}, err
	}
	if err := refusePublicACL(b, a); err != nil {
		return writer, store.ACL{}, err
	}
	return writer, a, nil
}

// objectACL is obj's ACL in force in bucket b: its owner's private one
// when ACLs are disabled.
func (s *server) objectACL(b store.Bucket, obj store.Object) store.ACL {
	owner := s.objectOwner(b, obj)
	if s.ownership(b) == ownershipEnforced {
		return store.PrivateACL(owner)
	}
	return obj.ACL.OrPrivate(owner)
}

// putObjectACL answers PUT /bucket/key?acl: the current version's ACL.
func (s *server) putObjectACL(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	owner := s.objectOwner(ri.bucket, *ri.object)
	a, err := s.requestedACL(r, ri.bucket, owner, false)
	if err != nil {
		return err
	}
	if err := refusePublicACL(ri.bucket, a); err != nil {
		return err
	}
	if err := s.store.PutObjectACL(r.Context(), *ri.object, a); err != nil {
		return err
	}
	setVersionHeader(w.Header(), ri.bucket, ri.object.VersionID)
	w.WriteHeader(http.StatusOK)
	return nil
}
