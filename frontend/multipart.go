package frontend

import (
	"bytes"
	"cmp"
	"crypto/md5"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/amphora-s3/amphora/store"
)

// Multipart uploads: CreateMultipartUpload, UploadPart,
// CompleteMultipartUpload, AbortMultipartUpload, ListParts and
// ListMultipartUploads (UploadPartCopy is in copy.go). The store does the
// work; this file parses, validates and answers in AWS's shapes.

const (
	// maxCompleteBody bounds the CompleteMultipartUpload body: 10000
	// parts with an ETag and a SHA-256 checksum each fit easily.
	maxCompleteBody = 4 << 20
	// maxListParts and maxListUploads cap max-parts and max-uploads, as
	// S3 does.
	maxListParts   = 1000
	maxListUploads = 1000
)

// mpChecksumAlgorithms are the additional checksum algorithms S3 knows, in
// the order its error messages list them.
var mpChecksumAlgorithms = []string{"CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"}

// uploadChecksum reads x-amz-checksum-algorithm and x-amz-checksum-type
// of CreateMultipartUpload. The type defaults to FULL_OBJECT for
// CRC64NVME (the only type it has) and to COMPOSITE for the others; SHA
// checksums cannot be FULL_OBJECT.
func uploadChecksum(h http.Header) (alg, typ string, err error) {
	alg = strings.ToUpper(h.Get("X-Amz-Checksum-Algorithm"))
	typ = strings.ToUpper(h.Get("X-Amz-Checksum-Type"))
	if alg == "" {
		if typ != "" {
			return "", "", errInvalidRequest.withMessage("The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.")
		}
		return "", "", nil
	}
	known := false
	for _, a := range mpChecksumAlgorithms {
		known = known || a == alg
	}
	if !known {
		return "", "", errInvalidRequest.withMessage("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [" + strings.Join(mpChecksumAlgorithms, ", ") + "]")
	}
	switch typ {
	case "":
		typ = "COMPOSITE"
		if alg == "CRC64NVME" {
			typ = "FULL_OBJECT"
		}
	case "COMPOSITE", "FULL_OBJECT":
	default:
		return "", "", errInvalidRequest.withMessage("Value for x-amz-checksum-type header is invalid.")
	}
	switch {
	case typ == "FULL_OBJECT" && strings.HasPrefix(alg, "SHA"):
		return "", "", errInvalidRequest.withMessage("The FULL_OBJECT checksum type cannot be used with the " + strings.ToLower(alg) + " checksum algorithm.")
	case typ == "COMPOSITE" && alg == "CRC64NVME":
		return "", "", errInvalidRequest.withMessage("The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.")
	}
	return alg, typ, nil
}

// mpChecksums are the Checksum<ALG> elements of multipart documents; at
// most one is set.
type mpChecksums struct {
	ChecksumCRC32     string `xml:",omitempty"`
	ChecksumCRC32C    string `xml:",omitempty"`
	ChecksumCRC64NVME string `xml:",omitempty"`
	ChecksumSHA1      string `xml:",omitempty"`
	ChecksumSHA256    string `xml:",omitempty"`
}

func mpChecksumsOf(c store.Checksum) mpChecksums {
	var m mpChecksums
	switch c.Algorithm {
	case "CRC32":
		m.ChecksumCRC32 = c.Value
	case "CRC32C":
		m.ChecksumCRC32C = c.Value
	case "CRC64NVME":
		m.ChecksumCRC64NVME = c.Value
	case "SHA1":
		m.ChecksumSHA1 = c.Value
	case "SHA256":
		m.ChecksumSHA256 = c.Value
	}
	return m
}

// value is the one checksum a completion's part lists, "" for none. A
// part listing several is malformed.
func (m mpChecksums) value() (string, bool) {
	v := ""
	for _, c := range []string{m.ChecksumCRC32, m.ChecksumCRC32C, m.ChecksumCRC64NVME, m.ChecksumSHA1, m.ChecksumSHA256} {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if v != "" {
			return "", false
		}
		v = c
	}
	return v, true
}

// setPartChecksumHeader sets x-amz-checksum-<alg> for a stored checksum.
func setPartChecksumHeader(h http.Header, c store.Checksum) {
	if c.Algorithm != "" && c.Value != "" {
		h.Set("x-amz-checksum-"+strings.ToLower(c.Algorithm), c.Value)
	}
}

// parsePartNumber checks a partNumber parameter: 1..10000.
func parsePartNumber(v []string) (int, error) {
	n, err := strconv.Atoi(first(v))
	if err != nil || n < 1 || n > store.MaxPartNumber {
		return 0, errInvalidArgument.withMessage("Part number must be an integer between 1 and 10000, inclusive").
			with(field{"ArgumentName", "partNumber"}, field{"ArgumentValue", first(v)})
	}
	return n, nil
}

// uploadError adds the upload id to the errors AWS sends it with.
func uploadError(err error, uploadID string) error {
	for _, m := range []struct {
		cause error
		s3    *Error
	}{
		{store.ErrNoSuchUpload, errNoSuchUpload},
		{store.ErrInvalidPart, errInvalidPart},
		{store.ErrInvalidPartOrder, errInvalidPartOrder},
	} {
		if errors.Is(err, m.cause) {
			return m.s3.with(field{"UploadId", uploadID})
		}
	}
	return err
}

type initiateMultipartUploadResult struct {
	XMLName  xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ InitiateMultipartUploadResult"`
	Bucket   string
	Key      string
	UploadID string `xml:"UploadId"`
}

// createMultipartUpload answers POST /bucket/key?uploads. Metadata and
// content headers are taken now and given to the completed object.
func (s *server) createMultipartUpload(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	meta, err := metaFromHeaders(r.Header)
	if err != nil {
		return err
	}
	alg, typ, err := uploadChecksum(r.Header)
	if err != nil {
		return err
	}
	owner, acl, err := s.newObjectACL(r, ri.bucket)
	if err != nil {
		return err
	}
	tags, err := headerTags(r)
	if err != nil {
		return err
	}
	lock, err := s.headerLock(r, ri.bucket)
	if err != nil {
		return err
	}
	sse, err := s.writeKey(r, ri.bucket)
	if err != nil {
		return err
	}
	up, err := s.store.CreateMultipartUpload(r.Context(), store.CreateUploadInput{
		SSE:               sse,
		Bucket:            ri.addr.Bucket,
		Key:               ri.addr.Key,
		Owner:             owner,
		ACL:               acl,
		Tags:              tags,
		Lock:              lock,
		Meta:              meta,
		ChecksumAlgorithm: alg,
		ChecksumType:      typ,
	})
	if err != nil {
		return err
	}
	if alg != "" {
		w.Header().Set("x-amz-checksum-algorithm", alg)
		w.Header().Set("x-amz-checksum-type", typ)
	}
	setSSEHeaders(w.Header(), sse)
	writeXML(w, http.StatusOK, initiateMultipartUploadResult{Bucket: ri.addr.Bucket, Key: ri.addr.Key, UploadID: up.UploadID})
	return nil
}

// partPayload is where UploadPart gets its body, the body's length and
// the check to run once it has been read: the same decoding as PutObject
// (aws-chunked, trailers, additional checksums; payload.go).
func partPayload(r *http.Request) (body io.Reader, size int64, verify func() (store.Checksum, error), err error) {
	p, err := uploadPayload(r, store.MaxPartSize)
	if err != nil {
		return nil, 0, nil, err
	}
	return p.body, p.size, p.finish, nil
}

// uploadPart answers PUT /bucket/key?partNumber=N&uploadId=X by streaming
// the body straight into the store, as putObject does.
func (s *server) uploadPart(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	n, err := parsePartNumber(ri.query["partNumber"])
	if err != nil {
		return err
	}
	uploadID := ri.query.Get("uploadId")
	body, size, verify, err := partPayload(r)
	if err != nil {
		return err
	}
	if size > store.MaxPartSize {
		return errEntityTooLarge.with(
			field{"ProposedSize", strconv.FormatInt(size, 10)},
			field{"MaxSizeAllowed", strconv.FormatInt(store.MaxPartSize, 10)})
	}
	sum, err := contentMD5(r.Header)
	if err != nil {
		return err
	}
	sse, err := s.sseKey(r, false)
	if err != nil {
		return err
	}
	if _, ok := r.Header[hdrSSE]; ok {
		return errInvalidArgument.withMessage("x-amz-server-side-encryption is given with CreateMultipartUpload, not UploadPart")
	}
	managed := &partKeys{s: s}
	part, err := s.store.UploadPart(r.Context(), store.PartInput{
		SSE:        sse,
		Managed:    managed.resolve,
		Bucket:     ri.addr.Bucket,
		Key:        ri.addr.Key,
		UploadID:   uploadID,
		PartNumber: n,
		Size:       size,
		ContentMD5: sum,
		Body:       body,
		Verify:     verify,
	})
	if err != nil {
		return uploadError(err, uploadID)
	}
	h := w.Header()
	h.Set("ETag", `"`+part.ETag+`"`)
	setPartChecksumHeader(h, part.Checksum)
	setSSEHeaders(h, cmp.Or(sse, managed.key))
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

// completeRequest is the CompleteMultipartUpload body.
type completeRequest struct {
	XMLName xml.Name `xml:"CompleteMultipartUpload"`
	Parts   []struct {
		PartNumber string
		ETag       string
		mpChecksums
	} `xml:"Part"`
}

// parseCompleteRequest decodes a CompleteMultipartUpload body strictly:
// it must parse, list at least one and at most 10000 parts, each with a
// part number and an ETag (quotes optional). Order is the store's to
// check (InvalidPartOrder).
func parseCompleteRequest(data []byte) ([]store.CompletedPart, error) {
	var req completeRequest
	empty, err := decodeXML(data, maxCompleteBody, &req)
	if err != nil {
		return nil, err
	}
	if empty || len(req.Parts) == 0 || len(req.Parts) > store.MaxPartNumber {
		return nil, errMalformedXML
	}
	parts := make([]store.CompletedPart, 0, len(req.Parts))
	for _, p := range req.Parts {
		num := strings.TrimSpace(p.PartNumber)
		etag := strings.Trim(strings.TrimSpace(p.ETag), `"`)
		sum, ok := p.value()
		if num == "" || etag == "" || !ok {
			return nil, errMalformedXML
		}
		n, err := strconv.Atoi(num)
		if err != nil {
			return nil, errMalformedXML
		}
		if n < 1 || n > store.MaxPartNumber {
			return nil, errInvalidArgument.withMessage("Part number must be an integer between 1 and 10000, inclusive").
				with(field{"ArgumentName", "partNumber"}, field{"ArgumentValue", num})
		}
		parts = append(parts, store.CompletedPart{PartNumber: n, ETag: etag, Checksum: sum})
	}
	return parts, nil
}

type completeResult struct {
	XMLName  xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CompleteMultipartUploadResult"`
	Location string
	Bucket   string
	Key      string
	ETag     string
	mpChecksums
	ChecksumType string  `xml:",omitempty"`
	hdrs         []field // response headers (headerDoc)
}

func (d completeResult) headers() []field { return d.hdrs }

// completeMultipartUpload answers POST /bucket/key?uploadId=X. The body
// and the conditions are checked first; the store's work then runs under
// respondLong, which commits to 200 and keeps the connection alive if it
// takes a while, as AWS does.
func (s *server) completeMultipartUpload(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	uploadID := ri.query.Get("uploadId")
	conds, err := parsePutConditions(r.Header)
	if err != nil {
		return err
	}
	sum, err := contentMD5(r.Header)
	if err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxCompleteBody+1))
	if err != nil {
		return err
	}
	if sum != nil && int64(len(data)) <= maxCompleteBody {
		if got := md5.Sum(data); !bytes.Equal(got[:], sum) {
			return errBadDigest
		}
	}
	parts, err := parseCompleteRequest(data)
	if err != nil {
		return err
	}
	retention, err := s.defaultRetention(ri.bucket)
	if err != nil {
		return err
	}
	in := store.CompleteInput{
		Bucket:           ri.addr.Bucket,
		Key:              ri.addr.Key,
		UploadID:         uploadID,
		Parts:            parts,
		IfNoneMatch:      conds.ifNoneMatch,
		IfMatch:          conds.ifMatch,
		DefaultRetention: retention,
	}
	location := objectLocation(r)
	return s.respondLong(w, r, func() (any, error) {
		obj, err := s.store.CompleteMultipartUpload(r.Context(), in)
		if err != nil {
			return nil, conds.explain(uploadError(err, uploadID))
		}
		doc := completeResult{
			Location:     location,
			Bucket:       ri.addr.Bucket,
			Key:          ri.addr.Key,
			ETag:         `"` + obj.ETag + `"`,
			mpChecksums:  mpChecksumsOf(obj.Checksum),
			ChecksumType: obj.Checksum.Type,
		}
		if ri.bucket.Versioned() {
			doc.hdrs = []field{{"X-Amz-Version-Id", obj.VersionID}}
		}
		return doc, nil
	})
}

// objectLocation is the URL of the request's object, as
// CompleteMultipartUpload's <Location> gives it.
func objectLocation(r *http.Request) string {
	ri := info(r)
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	p := "/" + urlEncodeKey(ri.addr.Key)
	if !ri.addr.VirtualHost {
		p = "/" + urlEncodeKey(ri.addr.Bucket) + p
	}
	return scheme + "://" + r.Host + p
}

// abortMultipartUpload answers DELETE /bucket/key?uploadId=X with 204.
func (s *server) abortMultipartUpload(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	uploadID := ri.query.Get("uploadId")
	if err := s.store.AbortMultipartUpload(r.Context(), ri.addr.Bucket, ri.addr.Key, uploadID); err != nil {
		return uploadError(err, uploadID)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

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
