package frontend

import (
	"encoding/xml"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/amphora-s3/amphora/store"
)

// Object lock: the bucket's configuration (Put/GetObjectLockConfiguration,
// x-amz-bucket-object-lock-enabled at CreateBucket), a version's retention
// and legal hold (Put/GetObjectRetention, Put/GetObjectLegalHold, the
// x-amz-object-lock-* headers of the writes and of GET and HEAD). The
// store keeps them with the version and refuses what they forbid
// (store.Lock); this file reads and writes S3's forms.

const maxLockBody = 8 << 10

var (
	errLockNotFound         = &Error{"ObjectLockConfigurationNotFoundError", http.StatusNotFound, "Object Lock configuration does not exist for this bucket", nil, ""}
	errNoObjectLockConfig   = &Error{"NoSuchObjectLockConfiguration", http.StatusNotFound, "The specified object does not have a ObjectLock configuration", nil, ""}
	errBucketNotLocked      = errInvalidRequest.withMessage("Bucket is missing Object Lock Configuration")
	errInvalidBucketState   = &Error{"InvalidBucketState", http.StatusConflict, "The request is not valid with the current state of the bucket.", nil, ""}
	errLockNeedsChecksum    = errInvalidRequest.withMessage("Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters")
	errPartNeedsChecksum    = errInvalidRequest.withMessage("Content-MD5 OR x-amz-checksum- HTTP header is required for Put Part requests with Object Lock parameters")
	errObjectLocked         = errAccessDenied.withMessage("Access Denied because object protected by object lock.")
	errRetainDateInPast     = errInvalidArgument.withMessage("The retain until date must be in the future!")
	errLockHeadersTogether  = errInvalidArgument.withMessage("x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied")
	errUnknownLockMode      = errInvalidArgument.withMessage("Unknown wormMode directive.")
	errBadRetainDate        = errInvalidArgument.withMessage("The retain until date must be provided in ISO 8601 format")
	errBadLegalHold         = errInvalidArgument.withMessage("Legal Hold must be either of 'ON' or 'OFF'")
	errLockNeedsVersioning  = errInvalidBucketState.withMessage("Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration")
	errLockKeepsVersioning  = errInvalidBucketState.withMessage("An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.")
	errLockCannotBeDisabled = errMalformedXML
)

// lockDateLayout is how S3 writes a retain-until date (ISO 8601, UTC,
// milliseconds).
const lockDateLayout = "2006-01-02T15:04:05.000Z"

type objectLockConfiguration struct {
	XMLName           xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ObjectLockConfiguration"`
	ObjectLockEnabled string   `xml:",omitempty"`
	Rule              *lockRule
}

// objectLockConfigurationIn reads the document with or without S3's
// namespace.
type objectLockConfigurationIn struct {
	XMLName           xml.Name `xml:"ObjectLockConfiguration"`
	ObjectLockEnabled string
	Rule              *lockRule
}

type lockRule struct {
	DefaultRetention *struct {
		Mode  string `xml:",omitempty"`
		Days  *int   `xml:",omitempty"`
		Years *int   `xml:",omitempty"`
	}
}

type retentionDoc struct {
	XMLName         xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ Retention"`
	Mode            string   `xml:",omitempty"`
	RetainUntilDate string   `xml:",omitempty"`
}

type retentionDocIn struct {
	XMLName         xml.Name `xml:"Retention"`
	Mode            string
	RetainUntilDate string
}

type legalHoldDoc struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ LegalHold"`
	Status  string
}

type legalHoldDocIn struct {
	XMLName xml.Name `xml:"LegalHold"`
	Status  string
}

// bucketObjectLock is b's configuration, refusing requests to a bucket
// without object lock.
func bucketObjectLock(b store.Bucket) (store.ObjectLockConfig, error) {
	c, err := b.ObjectLock()
	if err != nil {
		return c, err
	}
	if !c.Enabled {
		return c, errBucketNotLocked
	}
	return c, nil
}

func (s *server) getObjectLockConfiguration(w http.ResponseWriter, r *http.Request) error {
	c, err := info(r).bucket.ObjectLock()
	if err != nil {
		return err
	}
	if !c.Enabled {
		return errLockNotFound
	}
	doc := objectLockConfiguration{ObjectLockEnabled: "Enabled"}
	if c.Mode != "" {
		doc.Rule = &lockRule{}
		doc.Rule.DefaultRetention = &struct {
			Mode  string `xml:",omitempty"`
			Days  *int   `xml:",omitempty"`
			Years *int   `xml:",omitempty"`
		}{Mode: c.Mode}
		if c.Days > 0 {
			doc.Rule.DefaultRetention.Days = &c.Days
		} else {
			doc.Rule.DefaultRetention.Years = &c.Years
		}
	}
	writeXML(w, http.StatusOK, doc)
	return nil
}

// putObjectLockConfiguration enables object lock on a versioned bucket
// and sets (or, with no Rule, removes) its default retention. Once on,
// object lock stays on.
func (s *server) putObjectLockConfiguration(w http.ResponseWriter, r *http.Request) error {
	var doc objectLockConfigurationIn
	empty, err := readConfigXML(r, maxLockBody, &doc)
	if err != nil {
		return err
	}
	if ns := doc.XMLName.Space; empty || ns != "" && ns != s3NS || doc.ObjectLockEnabled != "Enabled" {
		return errLockCannotBeDisabled
	}
	c := store.ObjectLockConfig{Enabled: true}
	if doc.Rule != nil {
		d := doc.Rule.DefaultRetention
		if d == nil {
			return errMalformedXML
		}
		if d.Mode != store.LockGovernance && d.Mode != store.LockCompliance {
			return errMalformedXML
		}
		c.Mode = d.Mode
		switch {
		case d.Days != nil && d.Years != nil, d.Days == nil && d.Years == nil:
			return errMalformedXML
		case d.Days != nil && *d.Days <= 0, d.Years != nil && *d.Years <= 0:
			return errInvalidArgument.withMessage("Default retention period must be a positive integer value.")
		case d.Days != nil && *d.Days > 36500, d.Years != nil && *d.Years > 100:
			return errInvalidArgument.withMessage("Default retention period is too large.")
		case d.Days != nil:
			c.Days = *d.Days
		default:
			c.Years = *d.Years
		}
	}
	b := info(r).bucket
	if b.Versioning() != store.VersioningEnabled {
		return errLockNeedsVersioning
	}
	if err := s.store.SetBucketSetting(r.Context(), b.Name, store.SettingObjectLock, c.Encode()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// lockSettings are the settings CreateBucket gives a bucket created with
// x-amz-bucket-object-lock-enabled: true (object lock on, and with it
// versioning); nil without the header. Any other value is refused.
func lockSettings(r *http.Request) (store.BucketSettings, error) {
	v, ok := r.Header["X-Amz-Bucket-Object-Lock-Enabled"]
	if !ok {
		return nil, nil
	}
	switch strings.ToLower(strings.TrimSpace(first(v))) {
	case "true":
		return store.BucketSettings{
			store.SettingVersioning: store.VersioningEnabled,
			store.SettingObjectLock: store.ObjectLockConfig{Enabled: true}.Encode(),
		}, nil
	case "false":
		return nil, nil
	}
	return nil, errInvalidArgument.withMessage("Invalid x-amz-bucket-object-lock-enabled header").
		with(field{"ArgumentName", "x-amz-bucket-object-lock-enabled"}, field{"ArgumentValue", first(v)})
}

// writeLock is the lock a write (PUT, POST, copy) gives its new version:
// the x-amz-object-lock-* headers, else the bucket's default retention as
// of now. needSum: the write carries its body (PUT), which must then come
// with Content-MD5 or a checksum, as S3 wants.
func (s *server) writeLock(r *http.Request, b store.Bucket, needSum bool) (store.Lock, error) {
	l, err := s.headerLock(r, b)
	if err != nil {
		return l, err
	}
	if l.Retention.IsZero() {
		c, err := b.ObjectLock()
		if err != nil {
			return l, err
		}
		l.Retention = lockPrecision(c.DefaultRetention(s.now()))
	}
	if needSum && !l.IsZero() && !carriesChecksum(r.Header) {
		return store.Lock{}, errLockNeedsChecksum
	}
	return l, nil
}

// partLockCheck is how UploadPart keeps S3's rule that a part of an
// object that will be locked carries Content-MD5 or a checksum: a part
// without one is refused at once in a bucket with a default retention
// (its completion takes it), and the returned check refuses it in an
// upload created with lock headers (the store runs it on the upload it
// reads anyway). Nil when nothing is to check.
func (s *server) partLockCheck(r *http.Request, b store.Bucket) (func(store.Upload) error, error) {
	if carriesChecksum(r.Header) {
		return nil, nil
	}
	c, err := b.ObjectLock()
	if err != nil || !c.Enabled {
		return nil, err
	}
	if !c.DefaultRetention(s.now()).IsZero() {
		return nil, errPartNeedsChecksum
	}
	return func(u store.Upload) error {
		if !u.Lock.IsZero() {
			return errPartNeedsChecksum
		}
		return nil
	}, nil
}

// headerLock is the lock the x-amz-object-lock-* headers of a write ask
// for (CreateMultipartUpload takes only these: the bucket's default
// applies at completion). Lock headers on a bucket without object lock
// are refused.
func (s *server) headerLock(r *http.Request, b store.Bucket) (store.Lock, error) {
	h := r.Header
	mode, until := h.Get("X-Amz-Object-Lock-Mode"), h.Get("X-Amz-Object-Lock-Retain-Until-Date")
	_, hasHold := h["X-Amz-Object-Lock-Legal-Hold"]
	if mode == "" && until == "" && !hasHold {
		return store.Lock{}, nil
	}
	c, err := b.ObjectLock()
	if err != nil {
		return store.Lock{}, err
	}
	if !c.Enabled {
		return store.Lock{}, errBucketNotLocked
	}
	var l store.Lock
	switch {
	case mode == "" && until == "":
	case mode == "" || until == "":
		return store.Lock{}, errLockHeadersTogether
	default:
		if l.Retention, err = parseRetention(mode, until, s.now()); err != nil {
			return store.Lock{}, err
		}
	}
	if hasHold {
		if l.LegalHold, err = parseLegalHold(h.Get("X-Amz-Object-Lock-Legal-Hold")); err != nil {
			return store.Lock{}, err
		}
	}
	return l, nil
}

// defaultRetention is b's default retention for a version created now
// (zero without one).
func (s *server) defaultRetention(b store.Bucket) (store.Retention, error) {
	c, err := b.ObjectLock()
	return lockPrecision(c.DefaultRetention(s.now())), err
}

// lockPrecision is r with its date rounded up to the millisecond, the
// precision S3 shows it with (lockDateLayout): the date kept is the date
// GET and HEAD show, so that a client writing back the retention it read
// does not shorten it by the fraction of a millisecond it never saw.
func lockPrecision(r store.Retention) store.Retention {
	if !r.IsZero() {
		r.Until = r.Until.UTC().Add(time.Millisecond - 1).Truncate(time.Millisecond)
	}
	return r
}

// carriesChecksum reports whether a write's headers give its body a
// Content-MD5 or an additional checksum (in a header or a trailer).
func carriesChecksum(h http.Header) bool {
	if h.Get("Content-Md5") != "" || h.Get("X-Amz-Trailer") != "" || h.Get("X-Amz-Sdk-Checksum-Algorithm") != "" {
		return true
	}
	for name := range h {
		if strings.HasPrefix(name, "X-Amz-Checksum-") && name != "X-Amz-Checksum-Type" {
			return true
		}
	}
	return false
}

// parseRetention reads a mode and a retain-until date (ISO 8601) as the
// headers and the Retention document give them.
func parseRetention(mode, until string, now time.Time) (store.Retention, error) {
	if mode != store.LockGovernance && mode != store.LockCompliance {
		return store.Retention{}, errUnknownLockMode
	}
	t, err := time.Parse(time.RFC3339Nano, until)
	if err != nil {
		return store.Retention{}, errBadRetainDate
	}
	if !t.After(now) {
		return store.Retention{}, errRetainDateInPast
	}
	return lockPrecision(store.Retention{Mode: mode, Until: t}), nil
}

func parseLegalHold(v string) (bool, error) {
	switch v {
	case "ON":
		return true, nil
	case "OFF":
		return false, nil
	}
	return false, errBadLegalHold
}

// setLockHeaders adds the x-amz-object-lock-* headers of obj to a GET or
// HEAD, for a principal that may read them (as S3 does).
func (s *server) setLockHeaders(h http.Header, r *http.Request, obj store.Object) {
	l := obj.Lock
	if !l.Retention.IsZero() && s.mayObject(r, "s3:GetObjectRetention", obj) {
		h.Set("X-Amz-Object-Lock-Mode", l.Retention.Mode)
		h.Set("X-Amz-Object-Lock-Retain-Until-Date", l.Retention.Until.UTC().Format(lockDateLayout))
	}
	if l.LegalHold && s.mayObject(r, "s3:GetObjectLegalHold", obj) {
		h.Set("X-Amz-Object-Lock-Legal-Hold", "ON")
	}
}

// bypassGovernance reports whether the request asks to bypass governance
// retention (x-amz-bypass-governance-retention: true) and may: the
// principal must be allowed s3:BypassGovernanceRetention on the key. One
// that may not gets no bypass rather than an error: the permission only
// counts where a GOVERNANCE retention stands in the way (the store then
// refuses, 403), so the header does not fail the deletion of a version
// that no lock protects, as S3 (and DeleteObject without a version id,
// which never asks) do.
func (s *server) bypassGovernance(r *http.Request, key, versionID string) (bool, error) {
	v := r.Header.Get("X-Amz-Bypass-Governance-Retention")
	if v == "" {
		return false, nil
	}
	on, err := strconv.ParseBool(v)
	if err != nil {
		return false, errInvalidArgument.withMessage("Invalid x-amz-bypass-governance-retention header")
	}
	if !on {
		return false, nil
	}
	if err := s.authorizeAction(r, "s3:BypassGovernanceRetention", key, versionID); err != nil {
		if errors.Is(err, errAccessDenied) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

func (s *server) getObjectRetention(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	if _, err := bucketObjectLock(ri.bucket); err != nil {
		return err
	}
	ret := ri.object.Lock.Retention
	if ret.IsZero() {
		return errNoObjectLockConfig
	}
	setVersionHeader(w.Header(), ri.bucket, ri.object.VersionID)
	writeXML(w, http.StatusOK, retentionDoc{Mode: ret.Mode, RetainUntilDate: ret.Until.UTC().Format(lockDateLayout)})
	return nil
}

// putObjectRetention sets a version's retention. A running COMPLIANCE
// retention may only be extended; a GOVERNANCE one shortened or removed
// only with x-amz-bypass-governance-retention (store.CheckRetentionChange).
func (s *server) putObjectRetention(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	var doc retentionDocIn
	empty, err := readConfigXML(r, maxLockBody, &doc)
	if err != nil {
		return err
	}
	if ns := doc.XMLName.Space; empty || ns != "" && ns != s3NS {
		return errMalformedXML
	}
	if _, err := bucketObjectLock(ri.bucket); err != nil {
		return err
	}
	var ret store.Retention
	switch {
	case doc.Mode == "" && doc.RetainUntilDate == "": // removes it
	case doc.Mode == "" || doc.RetainUntilDate == "":
		return errMalformedXML
	default:
		ret, err = parseRetention(doc.Mode, doc.RetainUntilDate, s.now())
		if errors.Is(err, errUnknownLockMode) { // in a document, S3 calls it malformed
			return errMalformedXML
		}
		if err != nil {
			return err
		}
	}
	bypass, err := s.bypassGovernance(r, ri.addr.Key, ri.object.VersionID)
	if err != nil {
		return err
	}
	if err := s.store.PutObjectRetention(r.Context(), *ri.object, ret, bypass); err != nil {
		return err
	}
	setVersionHeader(w.Header(), ri.bucket, ri.object.VersionID)
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *server) getObjectLegalHold(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	if _, err := bucketObjectLock(ri.bucket); err != nil {
		return err
	}
	if !ri.object.Lock.HadLegalHold() {
		return errNoObjectLockConfig // never put on this version, as S3 answers
	}
	status := "OFF"
	if ri.object.Lock.LegalHold {
		status = "ON"
	}
	setVersionHeader(w.Header(), ri.bucket, ri.object.VersionID)
	writeXML(w, http.StatusOK, legalHoldDoc{Status: status})
	return nil
}

func (s *server) putObjectLegalHold(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	var doc legalHoldDocIn
	empty, err := readConfigXML(r, maxLockBody, &doc)
	if err != nil {
		return err
	}
	if ns := doc.XMLName.Space; empty || ns != "" && ns != s3NS {
		return errMalformedXML
	}
	on, err := parseLegalHold(doc.Status)
	if err != nil {
		return errMalformedXML
	}
	if _, err := bucketObjectLock(ri.bucket); err != nil {
		return err
	}
	if err := s.store.PutObjectLegalHold(r.Context(), *ri.object, on); err != nil {
		return err
	}
	setVersionHeader(w.Header(), ri.bucket, ri.object.VersionID)
	w.WriteHeader(http.StatusOK)
	return nil
}
