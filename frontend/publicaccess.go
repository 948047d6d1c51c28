package frontend

import (
	"encoding/xml"
	"net/http"

	"github.com/amphora-s3/amphora/store"
)

// Block Public Access on buckets: Put/Get/DeletePublicAccessBlock. The
// four settings are enforced where they apply: BlockPublicAcls when an
// ACL is set (refusePublicACL), IgnorePublicAcls and
// RestrictPublicBuckets in the authorization step, BlockPublicPolicy in
// PutBucketPolicy.

var errNoPublicAccessBlock = &Error{"NoSuchPublicAccessBlockConfiguration", http.StatusNotFound, "The public access block configuration was not found", nil, ""}

type publicAccessBlockDoc struct {
	XMLName               xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ PublicAccessBlockConfiguration"`
	BlockPublicAcls       bool
	IgnorePublicAcls      bool
	BlockPublicPolicy     bool
	RestrictPublicBuckets bool
}

// publicAccessBlockIn reads the document with or without S3's namespace;
// pointers tell an element given as false from one left out.
type publicAccessBlockIn struct {
	XMLName               xml.Name `xml:"PublicAccessBlockConfiguration"`
	BlockPublicAcls       *bool
	IgnorePublicAcls      *bool
	BlockPublicPolicy     *bool
	RestrictPublicBuckets *bool
}

const maxPublicAccessBlockBody = 4 << 10

func (s *server) getPublicAccessBlock(w http.ResponseWriter, r *http.Request) error {
	p, ok, err := info(r).bucket.PublicAccessBlock()
	if err != nil {
		return err
	}
	if !ok {
		return errNoPublicAccessBlock
	}
	writeXML(w, http.StatusOK, publicAccessBlockDoc{
		BlockPublicAcls:       p.BlockPublicAcls,
		IgnorePublicAcls:      p.IgnorePublicAcls,
		BlockPublicPolicy:     p.BlockPublicPolicy,
		RestrictPublicBuckets: p.RestrictPublicBuckets,
	})
	return nil
}

func (s *server) putPublicAccessBlock(w http.ResponseWriter, r *http.Request) error {
	var doc publicAccessBlockIn
	empty, err := readXML(r.Body, maxPublicAccessBlockBody, &doc)
	if err != nil {
		return err
	}
	if empty {
		return errMalformedXML
	}
	val := func(b *bool) bool { return b != nil && *b }
	p := store.PublicAccessBlock{
		BlockPublicAcls:       val(doc.BlockPublicAcls),
		IgnorePublicAcls:      val(doc.IgnorePublicAcls),
		BlockPublicPolicy:     val(doc.BlockPublicPolicy),
		RestrictPublicBuckets: val(doc.RestrictPublicBuckets),
	}
	if err := s.store.SetBucketSetting(r.Context(), info(r).bucket.Name, store.SettingPublicAccessBlock, p.Encode()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *server) deletePublicAccessBlock(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.SetBucketSetting(r.Context(), info(r).bucket.Name, store.SettingPublicAccessBlock, ""); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// refusePublicACL refuses, as BlockPublicAcls asks, an ACL that grants
// anything to AllUsers or AuthenticatedUsers in bucket b.
func refusePublicACL(b store.Bucket, a store.ACL) error {
	p, _, err := b.PublicAccessBlock()
	if err != nil {
		return err
	}
	if p.BlockPublicAcls && a.Public() {
		return errAccessDenied
	}
	return nil
}
