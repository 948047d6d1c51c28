package frontend

import (
	"encoding/xml"
	"errors"
	"net/http"
	"sync"

	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/store"
)

const (
	// maxDeleteBody bounds the DeleteObjects request body: 1000 keys of
	// 1024 bytes, escaped, fit comfortably.
	maxDeleteBody = 1 << 20
	maxDeleteKeys = 1000
	// deleteWorkers bounds the store deletes one request runs at once.
	deleteWorkers = 8
)

type deleteRequest struct {
	XMLName xml.Name `xml:"Delete"`
	Quiet   bool
	Objects []struct {
		Key       string
		VersionID string `xml:"VersionId"`
	} `xml:"Object"`
}

type deleteResult struct {
	XMLName xml.Name        `xml:"http://s3.amazonaws.com/doc/2006-03-01/ DeleteResult"`
	Deleted []deletedEntry  `xml:"Deleted"`
	Errors  []deleteFailure `xml:"Error"`
}

type deletedEntry struct {
	Key                   string
	VersionID             string `xml:"VersionId,omitempty"`
	DeleteMarker          bool   `xml:",omitempty"`
	DeleteMarkerVersionID string `xml:"DeleteMarkerVersionId,omitempty"`
}

type deleteFailure struct {
	Key       string
	VersionID string `xml:"VersionId,omitempty"`
	Code      string
	Message   string
}

// deleteObjects answers POST /bucket?delete: up to 1000 keys, each
// deleted (or failed) on its own, results in request order. Quiet mode
// reports only failures. Content-MD5 is checked when sent.
func (s *server) deleteObjects(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	data, err := readConfigBody(r, maxDeleteBody)
	if err != nil {
		return err
	}
	var req deleteRequest
	empty, err := decodeXML(data, maxDeleteBody, &req)
	if err != nil {
		return err
	}
	if empty || len(req.Objects) == 0 || len(req.Objects) > maxDeleteKeys {
		return errMalformedXML
	}

	results := make([]*deleteFailure, len(req.Objects))
	done := make([]store.DeleteResult, len(req.Objects))
	sem := make(chan struct{}, deleteWorkers)
	var wg sync.WaitGroup
	for i, o := range req.Objects {
		if fail := checkDeleteKey(o.Key, o.VersionID); fail != nil {
			results[i] = fail
			continue
		}
		if err := s.authorizeKey(r, "s3:DeleteObject", o.Key, o.VersionID); err != nil {
			e := s.toS3Error(err)
			results[i] = &deleteFailure{Key: o.Key, VersionID: o.VersionID, Code: e.Code, Message: e.Message}
			continue
		}
		bypass, err := s.bypassGovernance(r, o.Key, o.VersionID)
		if err != nil {
			e := s.toS3Error(err)
			results[i] = &deleteFailure{Key: o.Key, VersionID: o.VersionID, Code: e.Code, Message: e.Message}
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			var err error
			if o.VersionID != "" {
				done[i], err = s.store.DeleteVersion(r.Context(), ri.addr.Bucket, o.Key, o.VersionID, bypass)
				if errors.Is(err, store.ErrNoSuchVersion) {
					err = errInvalidVersionID
				}
			} else {
				done[i], err = s.store.DeleteObject(r.Context(), ri.addr.Bucket, o.Key)
			}
			if err != nil {
				e := s.toS3Error(err)
				if e.Status >= 500 {
					zerolog.Ctx(r.Context()).Error().Err(err).Str("key", o.Key).Msg("delete in DeleteObjects failed")
				}
				results[i] = &deleteFailure{Key: o.Key, VersionID: o.VersionID, Code: e.Code, Message: e.Message}
			}
		}()
	}
	wg.Wait()

	var out deleteResult
	for i, o := range req.Objects {
		switch {
		case results[i] != nil:
			out.Errors = append(out.Errors, *results[i])
		case !req.Quiet:
			d := deletedEntry{Key: o.Key, VersionID: o.VersionID}
			if done[i].DeleteMarker {
				d.DeleteMarker = true
				if o.VersionID == "" { // a marker made, not one removed
					d.DeleteMarkerVersionID = done[i].VersionID
				}
			}
			out.Deleted = append(out.Deleted, d)
		}
	}
	writeXML(w, http.StatusOK, out)
	return nil
}

// checkDeleteKey returns the per-key error for a key that cannot be
// deleted as asked, or nil.
func checkDeleteKey(key, versionID string) *deleteFailure {
	var e *Error
	switch {
	case key == "":
		e = errInvalidArgument.withMessage("The key must not be empty")
	case len(key) > maxKeyLen:
		e = errKeyTooLong
	default:
		return nil
	}
	return &deleteFailure{Key: key, VersionID: versionID, Code: e.Code, Message: e.Message}
}
