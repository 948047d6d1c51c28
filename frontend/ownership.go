package frontend

import (
	"encoding/xml"
	"net/http"

	"github.com/amphora-s3/amphora/store"
)

// Object Ownership, as S3 has it:
//
//	ObjectWriter          the account that writes an object owns it; ACLs apply (the default here,
//	                      as in the product documents; server.default_object_ownership)
//	BucketOwnerPreferred  an object written with bucket-owner-full-control belongs to the
//	                      bucket's owner; ACLs apply
//	BucketOwnerEnforced   ACLs are disabled: the bucket's owner owns every object, and a request
//	                      that sets an ACL other than the owner's private one fails with 400
//	                      AccessControlListNotSupported
//
// A new bucket gets x-amz-object-ownership or the server's default as its
// setting; DeleteBucketOwnershipControls removes it, which means
// ObjectWriter, as in S3.
const (
	ownershipWriter    = "ObjectWriter"
	ownershipPreferred = "BucketOwnerPreferred"
	ownershipEnforced  = "BucketOwnerEnforced"
)

func validOwnership(v string) bool {
	return v == ownershipWriter || v == ownershipPreferred || v == ownershipEnforced
}

// ownership is b's Object Ownership in force.
func (s *server) ownership(b store.Bucket) string {
	if v := b.Settings[store.SettingOwnership]; v != "" {
		return v
	}
	return ownershipWriter
}

type ownershipControls struct {
	XMLName xml.Name        `xml:"http://s3.amazonaws.com/doc/2006-03-01/ OwnershipControls"`
	Rules   []ownershipRule `xml:"Rule"`
}

type ownershipRule struct{ ObjectOwnership string }

// ownershipControlsIn reads an OwnershipControls document with or without
// S3's namespace.
type ownershipControlsIn struct {
	XMLName xml.Name        `xml:"OwnershipControls"`
	Rules   []ownershipRule `xml:"Rule"`
}

var (
	errNoOwnershipControls = &Error{"OwnershipControlsNotFoundError", http.StatusNotFound, "The bucket ownership controls were not found", nil, ""}
	errACLWithEnforced     = &Error{"InvalidBucketAclWithObjectOwnership", http.StatusBadRequest, "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting", nil, ""}
)

// maxOwnershipBody bounds an OwnershipControls document.
const maxOwnershipBody = 4 << 10

func (s *server) getBucketOwnershipControls(w http.ResponseWriter, r *http.Request) error {
	v := info(r).bucket.Settings[store.SettingOwnership]
	if v == "" {
		return errNoOwnershipControls
	}
	doc := ownershipControls{Rules: []ownershipRule{{v}}}
	writeXML(w, http.StatusOK, doc)
	return nil
}

func (s *server) putBucketOwnershipControls(w http.ResponseWriter, r *http.Request) error {
	var doc ownershipControlsIn
	empty, err := readXML(r.Body, maxOwnershipBody, &doc)
	if err != nil {
		return err
	}
	if empty || len(doc.Rules) != 1 || !validOwnership(doc.Rules[0].ObjectOwnership) {
		return errMalformedXML
	}
	b := info(r).bucket
	v := doc.Rules[0].ObjectOwnership
	if v == ownershipEnforced {
		// As S3: ACLs stop applying; a public bucket ACL would be a
		// surprise later, so refuse rather than hide it.
		if a, err := b.ACL(); err == nil && len(a.Grants) > 1 {
			return errACLWithEnforced
		}
	}
	if err := s.store.SetBucketSetting(r.Context(), b.Name, store.SettingOwnership, v); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *server) deleteBucketOwnershipControls(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.SetBucketSetting(r.Context(), info(r).bucket.Name, store.SettingOwnership, ""); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
