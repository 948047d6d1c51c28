package frontend

import (
	"context"
	"encoding/xml"
	"net/http"
)

// There are no ACLs yet: every bucket and object is private to its
// tenant. GET ?acl answers with that truth, an owner-only FULL_CONTROL
// grant, because clients such as `s3cmd info` ask for it; PUT ?acl is
// NotImplemented (see the route table).

type accessControlPolicy struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ AccessControlPolicy"`
	Owner   owner
	Grants  []grant `xml:"AccessControlList>Grant"`
}

type grant struct {
	Grantee    grantee
	Permission string
}

type grantee struct {
	XMLNS       string `xml:"xmlns:xsi,attr"`
	Type        string `xml:"xsi:type,attr"`
	ID          string
	DisplayName string
}

func (s *server) ownerACL(ctx context.Context, tenant string) accessControlPolicy {
	name := s.displayName(ctx, tenant)
	return accessControlPolicy{
		Owner: owner{tenant, name},
		Grants: []grant{{
			Grantee: grantee{
				XMLNS:       "http://www.w3.org/2001/XMLSchema-instance",
				Type:        "CanonicalUser",
				ID:          tenant,
				DisplayName: name,
			},
			Permission: "FULL_CONTROL",
		}},
	}
}

// getBucketACL answers GET /bucket?acl.
func (s *server) getBucketACL(w http.ResponseWriter, r *http.Request) error {
	b := info(r).bucket
	writeXML(w, http.StatusOK, s.ownerACL(r.Context(), b.Owner))
	return nil
}

// getObjectACL answers GET /bucket/key?acl for an existing key.
func (s *server) getObjectACL(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	obj, err := s.store.HeadObject(r.Context(), ri.addr.Bucket, ri.addr.Key)
	if err != nil {
		return err
	}
	owner := obj.Owner
	if owner == "" {
		owner = ri.ident.Tenant
	}
	writeXML(w, http.StatusOK, s.ownerACL(r.Context(), owner))
	return nil
}
