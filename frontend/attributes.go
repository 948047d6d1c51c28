package frontend

import (
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/amphora-s3/amphora/store"
)

// GetObjectAttributes (GET /bucket/key?attributes): the attributes
// x-amz-object-attributes names, of the current version. ObjectParts
// pages through a multipart object's parts with x-amz-max-parts and
// x-amz-part-number-marker.

type objectAttributes struct {
	XMLName      xml.Name             `xml:"http://s3.amazonaws.com/doc/2006-03-01/ GetObjectAttributesResponse"`
	ETag         string               `xml:",omitempty"`
	Checksum     *attributesChecksum  `xml:",omitempty"`
	ObjectParts  *attributesPartsList `xml:",omitempty"`
	StorageClass string               `xml:",omitempty"`
	ObjectSize   *int64               `xml:",omitempty"`
}

type attributesChecksum struct {
	mpChecksums
	ChecksumType string `xml:",omitempty"`
}

type attributesPartsList struct {
	IsTruncated          bool
	MaxParts             int
	NextPartNumberMarker int
	PartNumberMarker     int
	Parts                []attributesPart `xml:"Part"`
	PartsCount           int
}

type attributesPart struct {
	mpChecksums
	PartNumber int
	Size       int64
}

// attributeNames are the attributes S3 defines.
var attributeNames = map[string]bool{"ETag": true, "Checksum": true, "ObjectParts": true, "StorageClass": true, "ObjectSize": true}

func (s *server) getObjectAttributes(w http.ResponseWriter, r *http.Request) error {
	obj := *info(r).object
	// As S3 does, an SSE-C object's attributes need its key.
	if _, err := s.readKey(r, obj.SSE, false); err != nil {
		return err
	}
	want := map[string]bool{}
	for _, v := range r.Header.Values("X-Amz-Object-Attributes") {
		for name := range strings.SplitSeq(v, ",") {
			name = strings.TrimSpace(name)
			if !attributeNames[name] {
				return errInvalidArgument.withMessage("Invalid attribute name specified.")
			}
			want[name] = true
		}
	}
	if len(want) == 0 {
		return errInvalidArgument.withMessage("Invalid attribute name specified.")
	}
	var doc objectAttributes
	if want["ETag"] {
		doc.ETag = obj.ETag
	}
	if want["Checksum"] && obj.Checksum.Algorithm != "" {
		doc.Checksum = &attributesChecksum{mpChecksumsOf(obj.Checksum), obj.Checksum.Type}
	}
	if want["StorageClass"] {
		doc.StorageClass = "STANDARD"
	}
	if want["ObjectSize"] {
		doc.ObjectSize = &obj.Size
	}
	if want["ObjectParts"] && obj.Parts > 0 {
		parts, err := s.attributesParts(r, obj)
		if err != nil {
			return err
		}
		doc.ObjectParts = parts
	}
	w.Header().Set("Last-Modified", obj.LastModified.UTC().Format(http.TimeFormat))
	writeXML(w, http.StatusOK, doc)
	return nil
}

// attributesParts is the page of obj's parts the request asks for.
func (s *server) attributesParts(r *http.Request, obj store.Object) (*attributesPartsList, error) {
	q := map[string][]string{}
	if v := r.Header.Get("X-Amz-Max-Parts"); v != "" {
		q["max-parts"] = []string{v}
	}
	if v := r.Header.Get("X-Amz-Part-Number-Marker"); v != "" {
		q["part-number-marker"] = []string{v}
	}
	maxParts, err := mpListLimit(q, "max-parts", maxListParts)
	if err != nil {
		return nil, err
	}
	marker, err := mpListLimit(q, "part-number-marker", store.MaxPartNumber)
	if err != nil {
		return nil, err
	}
	if _, ok := q["part-number-marker"]; !ok {
		marker = 0
	}
	out := &attributesPartsList{MaxParts: maxParts, PartNumberMarker: marker, PartsCount: obj.Parts}
	first, last := marker+1, min(marker+maxParts, obj.Parts)
	if first > last {
		return out, nil
	}
	parts, err := s.store.ObjectParts(r.Context(), obj, first, last)
	if err != nil {
		return nil, err
	}
	out.Parts = make([]attributesPart, len(parts))
	for i, p := range parts {
		out.Parts[i] = attributesPart{PartNumber: p.Number, Size: p.Size}
		if p.Checksum != "" {
			out.Parts[i].mpChecksums = mpChecksumsOf(store.Checksum{Algorithm: obj.Checksum.Algorithm, Value: p.Checksum})
		}
	}
	out.IsTruncated = last < obj.Parts
	out.NextPartNumberMarker = last
	return out, nil
}
