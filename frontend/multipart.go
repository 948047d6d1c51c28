package frontend

import (
	"bytes"
	"cmp"
	"crypto/md5"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
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
	check, err := s.partLockCheck(r, ri.bucket)
	if err != nil {
		return err
	}
	managed := &partKeys{s: s}
	part, err := s.store.UploadPart(r.Context(), store.PartInput{
		SSE:         sse,
		Managed:     managed.resolve,
		CheckUpload: check,
		Bucket:      ri.addr.Bucket,
		Key:         ri.addr.Key,
		UploadID:    uploadID,
		PartNumber:  n,
		Size:        size,
		ContentMD5:  sum,
		Body:        body,
		Verify:      verify,
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
		if f, ok := s.expirationField(r, ri.bucket, obj); ok {
			doc.hdrs = append(doc.hdrs, f)
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
