package frontend

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/amphora-s3/amphora/store"
)

// requestedRange is the part of obj a GET or HEAD asks for: the Range
// header (see parseRange) or the partNumber parameter, which cannot be
// combined. partNumber=N serves part N of a multipart object as a 206
// with its Content-Range and x-amz-mp-parts-count; a single-PUT object
// has one part, the whole object. ok is false when the whole object is
// served as a plain 200.
func (s *server) requestedRange(r *http.Request, h http.Header, obj store.Object) (rng byteRange, ok bool, err error) {
	v, hasPart := info(r).query["partNumber"]
	if !hasPart {
		return parseRange(r.Header.Get("Range"), obj.Size)
	}
	n, err := parsePartNumber(v)
	if err != nil {
		return rng, false, err
	}
	if r.Header.Get("Range") != "" {
		return rng, false, errInvalidRequest.withMessage("Cannot specify both Range header and partNumber query parameter")
	}
	off, size, err := s.store.ObjectPart(r.Context(), obj, n)
	if errors.Is(err, store.ErrInvalidPart) {
		parts := max(obj.Parts, 1)
		return rng, false, errInvalidPartNumber.with(
			field{"PartNumberRequested", strconv.Itoa(n)},
			field{"ActualPartCount", strconv.Itoa(parts)})
	}
	if err != nil {
		return rng, false, err
	}
	if obj.Parts > 0 {
		h.Set("x-amz-mp-parts-count", strconv.Itoa(obj.Parts))
	}
	if size == 0 { // an empty object: no range to name
		return rng, false, nil
	}
	return byteRange{off, size}, true, nil
}
