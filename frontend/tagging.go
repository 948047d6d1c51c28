package frontend

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/amphora-s3/amphora/store"
)

// Object and bucket tags: Put/Get/DeleteObjectTagging, x-amz-tagging on
// the writes that create an object (and x-amz-tagging-directive on
// copies), x-amz-tagging-count on GET and HEAD, Put/Get/DeleteBucketTagging.
// An object's tags are kept by the store with its version, as its ACL is;
// a bucket's in its settings.

// Limits of S3 (errors InvalidTag).
const (
	maxObjectTags  = 10
	maxBucketTags  = 50
	maxTagKeyLen   = 128 // characters
	maxTagValueLen = 256
	maxTaggingBody = 64 << 10
)

var (
	errInvalidTag   = &Error{"InvalidTag", http.StatusBadRequest, "The tag provided was not a valid tag.", nil, ""}
	errNoSuchTagSet = &Error{"NoSuchTagSet", http.StatusNotFound, "The TagSet does not exist", nil, ""}
	errBadTagging   = errInvalidArgument.withMessage("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.")
)

// tagging is the Tagging document of S3.
type tagging struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ Tagging"`
	TagSet  []xmlTag `xml:"TagSet>Tag"`
}

// taggingIn reads a Tagging document with or without S3's namespace.
type taggingIn struct {
	XMLName xml.Name `xml:"Tagging"`
	TagSet  *struct {
		Tags []xmlTag `xml:"Tag"`
	} `xml:"TagSet"`
}

type xmlTag struct {
	Key   string
	Value string
}

// checkTags applies S3's limits to a tag set of an object (max 10) or a
// bucket (max 50).
func checkTags(tags store.Tags, max int) error {
	if len(tags) > max {
		what := "Object tags"
		if max == maxBucketTags {
			what = "Bucket tag count"
		}
		return errInvalidTag.withMessage(fmt.Sprintf("%s cannot be greater than %d", what, max))
	}
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		switch {
		case t.Key == "" || !utf8.ValidString(t.Key):
			return errInvalidTag.withMessage("The TagKey you have provided is invalid")
		case !utf8.ValidString(t.Value):
			return errInvalidTag.withMessage("The TagValue you have provided is invalid")
		case utf8.RuneCountInString(t.Key) > maxTagKeyLen:
			return errInvalidTag.withMessage("The TagKey you have provided is too long, max 128")
		case utf8.RuneCountInString(t.Value) > maxTagValueLen:
			return errInvalidTag.withMessage("The TagValue you have provided is too long, max 256")
		case strings.HasPrefix(strings.ToLower(t.Key), "aws:"):
			return errInvalidTag.withMessage("Your TagKey cannot be prefixed with aws:")
		case seen[t.Key]:
			return errInvalidTag.withMessage("Cannot provide multiple Tags with the same key")
		}
		seen[t.Key] = true
	}
	return nil
}

// headerTags reads x-amz-tagging, absent: nil.
func headerTags(r *http.Request) (store.Tags, error) {
	v, ok := r.Header["X-Amz-Tagging"]
	if !ok {
		return nil, nil
	}
	tags, err := store.DecodeTags(first(v))
	if err != nil {
		return nil, errBadTagging
	}
	seen := map[string]bool{}
	for _, t := range tags {
		if seen[t.Key] {
			return nil, errBadTagging
		}
		seen[t.Key] = true
	}
	if err := checkTags(tags, maxObjectTags); err != nil {
		return nil, err
	}
	return tags, nil
}

// copyTags are the tags a copy gives its object: the source's with
// x-amz-tagging-directive COPY (the default), x-amz-tagging's with
// REPLACE.
func copyTags(r *http.Request, src store.Object) (store.Tags, error) {
	switch d := r.Header.Get("X-Amz-Tagging-Directive"); d {
	case "", "COPY":
		return src.Tags, nil
	case "REPLACE":
		return headerTags(r)
	default:
		return nil, errInvalidArgument.withMessage("Unknown tagging directive.")
	}
}

// setTaggingCount adds x-amz-tagging-count to a GET or HEAD of obj.
func setTaggingCount(h http.Header, obj store.Object) {
	if len(obj.Tags) > 0 {
		h.Set("X-Amz-Tagging-Count", strconv.Itoa(len(obj.Tags)))
	}
}

// readTagging reads a Tagging document (PutObjectTagging,
// PutBucketTagging) and checks it against max.
func readTagging(r *http.Request, max int) (store.Tags, error) {
	var doc taggingIn
	empty, err := readXML(r.Body, maxTaggingBody, &doc)
	if err != nil {
		return nil, err
	}
	if empty || doc.TagSet == nil {
		return nil, errMalformedXML
	}
	if ns := doc.XMLName.Space; ns != "" && ns != s3NS {
		return nil, errMalformedXML
	}
	tags := make(store.Tags, 0, len(doc.TagSet.Tags))
	for _, t := range doc.TagSet.Tags {
		tags = append(tags, store.Tag{Key: t.Key, Value: t.Value})
	}
	if err := checkTags(tags, max); err != nil {
		return nil, err
	}
	return tags, nil
}

func writeTagging(w http.ResponseWriter, tags store.Tags) {
	doc := tagging{TagSet: []xmlTag{}}
	for _, t := range tags.Sorted() {
		doc.TagSet = append(doc.TagSet, xmlTag(t))
	}
	writeXML(w, http.StatusOK, doc)
}

func (s *server) getObjectTagging(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	setVersionHeader(w.Header(), ri.bucket, ri.object.VersionID)
	writeTagging(w, ri.object.Tags)
	return nil
}

func (s *server) putObjectTagging(w http.ResponseWriter, r *http.Request) error {
	tags, err := readTagging(r, maxObjectTags)
	if err != nil {
		return err
	}
	ri := info(r)
	if err := s.store.PutObjectTags(r.Context(), *ri.object, tags); err != nil {
		return err
	}
	setVersionHeader(w.Header(), ri.bucket, ri.object.VersionID)
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *server) deleteObjectTagging(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	if err := s.store.PutObjectTags(r.Context(), *ri.object, nil); err != nil {
		return err
	}
	setVersionHeader(w.Header(), ri.bucket, ri.object.VersionID)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) getBucketTagging(w http.ResponseWriter, r *http.Request) error {
	enc := info(r).bucket.Settings[store.SettingTagging]
	if enc == "" {
		return errNoSuchTagSet
	}
	tags, err := store.DecodeTags(enc)
	if err != nil {
		return fmt.Errorf("stored bucket tags: %w", err)
	}
	writeTagging(w, tags)
	return nil
}

func (s *server) putBucketTagging(w http.ResponseWriter, r *http.Request) error {
	tags, err := readTagging(r, maxBucketTags)
	if err != nil {
		return err
	}
	// An empty TagSet encodes as "": it removes the tags.
	if err := s.store.SetBucketSetting(r.Context(), info(r).bucket.Name, store.SettingTagging, tags.Encode()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) deleteBucketTagging(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.SetBucketSetting(r.Context(), info(r).bucket.Name, store.SettingTagging, ""); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
