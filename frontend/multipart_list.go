package frontend

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"

	"github.com/amphora-s3/amphora/store"
)

// ListParts and ListMultipartUploads.

// mpListLimit parses a max-parts / max-uploads style parameter: a
// non-negative integer, capped at max; def when absent.
func mpListLimit(q url.Values, name string, max int) (int, error) {
	v, ok := q[name]
	if !ok {
		return max, nil
	}
	n, err := strconv.ParseInt(first(v), 10, 32)
	switch {
	case err != nil:
		return 0, errInvalidArgument.withMessage("Provided "+name+" not an integer or within integer range").
			with(field{"ArgumentName", name}, field{"ArgumentValue", first(v)})
	case n < 0:
		return 0, errInvalidArgument.withMessage("Argument "+name+" must be an integer between 0 and 2147483647").
			with(field{"ArgumentName", name}, field{"ArgumentValue", first(v)})
	}
	return min(int(n), max), nil
}

type partEntry struct {
	PartNumber   int
	LastModified string
	ETag         string
	Size         int64
	mpChecksums
}

type listPartsResult struct {
	XMLName              xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListPartsResult"`
	Bucket               string
	Key                  string
	UploadID             string `xml:"UploadId"`
	Initiator            owner
	Owner                owner
	StorageClass         string
	PartNumberMarker     int
	NextPartNumberMarker int
	MaxParts             int
	IsTruncated          bool
	Parts                []partEntry `xml:"Part"`
	ChecksumAlgorithm    string      `xml:",omitempty"`
	ChecksumType         string      `xml:",omitempty"`
	EncodingType         string      `xml:",omitempty"`
}

// listParts answers GET /bucket/key?uploadId=X: up to max-parts parts
// (1000 at most) after part-number-marker.
func (s *server) listParts(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	p, err := parseListParams(url.Values{"encoding-type": ri.query["encoding-type"]})
	if err != nil {
		return err
	}
	maxParts, err := mpListLimit(ri.query, "max-parts", maxListParts)
	if err != nil {
		return err
	}
	marker := 0
	if v, ok := ri.query["part-number-marker"]; ok {
		n, err := strconv.ParseInt(first(v), 10, 32)
		if err != nil || n < 0 {
			return errInvalidArgument.withMessage("Provided part-number-marker not an integer or within integer range").
				with(field{"ArgumentName", "part-number-marker"}, field{"ArgumentValue", first(v)})
		}
		marker = int(n)
	}
	uploadID := ri.query.Get("uploadId")
	res, err := s.store.ListParts(r.Context(), store.ListPartsInput{
		Bucket: ri.addr.Bucket, Key: ri.addr.Key, UploadID: uploadID, After: marker, MaxParts: maxParts,
	})
	if err != nil {
		return uploadError(err, uploadID)
	}
	up := res.Upload
	out := listPartsResult{
		Bucket:               ri.addr.Bucket,
		Key:                  p.enc(ri.addr.Key),
		UploadID:             uploadID,
		Initiator:            owner{up.Owner, s.displayName(r.Context(), up.Owner)},
		Owner:                owner{up.Owner, s.displayName(r.Context(), up.Owner)},
		StorageClass:         "STANDARD",
		PartNumberMarker:     marker,
		NextPartNumberMarker: res.NextAfter,
		MaxParts:             maxParts,
		IsTruncated:          res.IsTruncated,
		Parts:                make([]partEntry, 0, len(res.Parts)),
		ChecksumAlgorithm:    up.ChecksumAlgorithm,
		ChecksumType:         up.ChecksumType,
	}
	if p.urlEncode {
		out.EncodingType = "url"
	}
	for _, pt := range res.Parts {
		out.Parts = append(out.Parts, partEntry{
			PartNumber:   pt.PartNumber,
			LastModified: xmlTime(pt.LastModified),
			ETag:         `"` + pt.ETag + `"`,
			Size:         pt.Size,
			mpChecksums:  mpChecksumsOf(pt.Checksum),
		})
	}
	writeXML(w, http.StatusOK, out)
	return nil
}

type uploadEntry struct {
	Key               string
	UploadID          string `xml:"UploadId"`
	Initiator         owner
	Owner             owner
	StorageClass      string
	Initiated         string
	ChecksumAlgorithm string `xml:",omitempty"`
	ChecksumType      string `xml:",omitempty"`
}

type listUploadsResult struct {
	XMLName            xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListMultipartUploadsResult"`
	Bucket             string
	KeyMarker          string
	UploadIDMarker     string `xml:"UploadIdMarker"`
	NextKeyMarker      string
	NextUploadIDMarker string `xml:"NextUploadIdMarker"`
	Delimiter          string `xml:",omitempty"`
	Prefix             string
	MaxUploads         int
	IsTruncated        bool
	Uploads            []uploadEntry  `xml:"Upload"`
	CommonPrefixes     []commonPrefix `xml:"CommonPrefixes"`
	EncodingType       string         `xml:",omitempty"`
}

// listMultipartUploads answers GET /bucket?uploads with S3's prefix,
// delimiter and marker semantics. As in S3, upload-id-marker counts only
// with a key-marker.
func (s *server) listMultipartUploads(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	p, err := parseListParams(url.Values{
		"prefix": ri.query["prefix"], "delimiter": ri.query["delimiter"], "encoding-type": ri.query["encoding-type"],
	})
	if err != nil {
		return err
	}
	maxUploads, err := mpListLimit(ri.query, "max-uploads", maxListUploads)
	if err != nil {
		return err
	}
	keyMarker, idMarker := ri.query.Get("key-marker"), ri.query.Get("upload-id-marker")
	in := store.ListUploadsInput{
		Bucket: ri.addr.Bucket, Prefix: p.prefix, Delimiter: p.delimiter,
		KeyMarker: keyMarker, MaxUploads: maxUploads,
	}
	if keyMarker != "" {
		in.UploadIDMarker = idMarker
	}
	res, err := s.store.ListMultipartUploads(r.Context(), in)
	if err != nil {
		return err
	}
	out := listUploadsResult{
		Bucket:             ri.addr.Bucket,
		KeyMarker:          p.enc(keyMarker),
		UploadIDMarker:     in.UploadIDMarker,
		NextKeyMarker:      p.enc(res.NextKeyMarker),
		NextUploadIDMarker: res.NextUploadIDMarker,
		Delimiter:          p.enc(p.delimiter),
		Prefix:             p.enc(p.prefix),
		MaxUploads:         maxUploads,
		IsTruncated:        res.IsTruncated,
		Uploads:            make([]uploadEntry, 0, len(res.Uploads)),
	}
	if p.urlEncode {
		out.EncodingType = "url"
	}
	for _, u := range res.Uploads {
		out.Uploads = append(out.Uploads, uploadEntry{
			Key:               p.enc(u.Key),
			UploadID:          u.UploadID,
			Initiator:         owner{u.Owner, s.displayName(r.Context(), u.Owner)},
			Owner:             owner{u.Owner, s.displayName(r.Context(), u.Owner)},
			StorageClass:      "STANDARD",
			Initiated:         xmlTime(u.Initiated),
			ChecksumAlgorithm: u.ChecksumAlgorithm,
			ChecksumType:      u.ChecksumType,
		})
	}
	for _, cp := range res.CommonPrefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, commonPrefix{p.enc(cp)})
	}
	writeXML(w, http.StatusOK, out)
	return nil
}
