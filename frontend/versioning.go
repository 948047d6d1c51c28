package frontend

import (
	"encoding/xml"
	"errors"
	"net/http"

	"github.com/amphora-s3/amphora/store"
)

// Versioning: Put/GetBucketVersioning, ListObjectVersions, and the
// version headers of the object operations. The store keeps the versions
// (store.Versions); the state is one of the bucket's settings.

var errInvalidVersionID = errInvalidArgument.withMessage("Invalid version id specified")

type versioningConfiguration struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ VersioningConfiguration"`
	Status  string   `xml:",omitempty"`
}

// versioningConfigurationIn reads the document with or without S3's
// namespace.
type versioningConfigurationIn struct {
	XMLName   xml.Name `xml:"VersioningConfiguration"`
	Status    string
	MfaDelete string
}

const maxVersioningBody = 4 << 10

func (s *server) getBucketVersioning(w http.ResponseWriter, r *http.Request) error {
	writeXML(w, http.StatusOK, versioningConfiguration{Status: info(r).bucket.Versioning()})
	return nil
}

// putBucketVersioning sets Enabled or Suspended; a bucket never goes back
// to unversioned. MFA delete is not offered: asking for it is 501.
func (s *server) putBucketVersioning(w http.ResponseWriter, r *http.Request) error {
	var doc versioningConfigurationIn
	empty, err := readXML(r.Body, maxVersioningBody, &doc)
	if err != nil {
		return err
	}
	if ns := doc.XMLName.Space; empty || ns != "" && ns != s3NS {
		return errMalformedXML
	}
	switch doc.MfaDelete {
	case "", "Disabled":
	case "Enabled":
		return errNotImplemented.withMessage("MFA delete is not supported")
	default:
		return errMalformedXML
	}
	if doc.Status != store.VersioningEnabled && doc.Status != store.VersioningSuspended {
		return errMalformedXML
	}
	if c, err := info(r).bucket.ObjectLock(); err != nil {
		return err
	} else if c.Enabled && doc.Status != store.VersioningEnabled {
		return errLockKeepsVersioning
	}
	if err := s.store.SetBucketSetting(r.Context(), info(r).bucket.Name, store.SettingVersioning, doc.Status); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// setVersionHeader adds x-amz-version-id for a version of a bucket that
// is or was versioned (S3 sends none for a bucket never versioned).
func setVersionHeader(h http.Header, b store.Bucket, versionID string) {
	if b.Versioned() && versionID != "" {
		h.Set("X-Amz-Version-Id", versionID)
	}
}

// versionQuery is the versionId parameter, "" when absent; a present but
// empty one is refused, as S3 does.
func versionQuery(r *http.Request) (string, bool, error) {
	v, ok := info(r).query["versionId"]
	if !ok {
		return "", false, nil
	}
	if first(v) == "" {
		return "", true, errInvalidVersionID
	}
	return first(v), true, nil
}

// markerError is the answer to a request for a key whose current version
// is a delete marker (404 NoSuchKey), or for a delete marker by id
// (405 MethodNotAllowed), with the marker's headers.
func markerError(err error) error {
	var dm *store.DeleteMarkerError
	if !errors.As(err, &dm) {
		return err
	}
	return withHeaders(err, field{"X-Amz-Delete-Marker", "true"}, field{"X-Amz-Version-Id", dm.VersionID})
}

type listVersionsResult struct {
	XMLName             xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListVersionsResult"`
	Name                string
	Prefix              string
	KeyMarker           string
	VersionIdMarker     string
	NextKeyMarker       string `xml:",omitempty"`
	NextVersionIdMarker string `xml:",omitempty"`
	MaxKeys             int
	Delimiter           string `xml:",omitempty"`
	IsTruncated         bool
	EncodingType        string         `xml:",omitempty"`
	Entries             []versionEntry // Version and DeleteMarker elements, in order
	CommonPrefixes      []commonPrefix
}

// versionEntry is a <Version> or a <DeleteMarker> (XMLName says which).
type versionEntry struct {
	XMLName      xml.Name
	Key          string
	VersionId    string
	IsLatest     bool
	LastModified string
	ETag         string `xml:",omitempty"`
	Size         *int64 `xml:",omitempty"`
	Owner        owner
	StorageClass string `xml:",omitempty"`
}

// listObjectVersions answers GET /bucket?versions.
func (s *server) listObjectVersions(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	p, err := parseListParams(ri.query)
	if err != nil {
		return err
	}
	keyMarker, versionMarker := ri.query.Get("key-marker"), ri.query.Get("version-id-marker")
	if versionMarker != "" && keyMarker == "" {
		return errInvalidArgument.withMessage("A version-id marker cannot be specified without a key marker.").
			with(field{"ArgumentName", "version-id-marker"}, field{"ArgumentValue", versionMarker})
	}
	res, err := s.store.ListVersions(r.Context(), store.ListVersionsInput{
		Bucket: ri.addr.Bucket, Prefix: p.prefix, Delimiter: p.delimiter,
		KeyMarker: keyMarker, VersionIDMarker: versionMarker, MaxKeys: p.maxKeys,
	})
	if errors.Is(err, store.ErrNoSuchVersion) {
		return errInvalidVersionID.with(field{"ArgumentName", "version-id-marker"}, field{"ArgumentValue", versionMarker})
	}
	if err != nil {
		return err
	}
	out := listVersionsResult{
		Name: ri.addr.Bucket, Prefix: p.enc(p.prefix), KeyMarker: p.enc(keyMarker), VersionIdMarker: versionMarker,
		MaxKeys: p.maxKeys, Delimiter: p.enc(p.delimiter), IsTruncated: res.IsTruncated,
		Entries: make([]versionEntry, 0, len(res.Versions)), CommonPrefixes: make([]commonPrefix, 0, len(res.CommonPrefixes)),
	}
	if p.urlEncode {
		out.EncodingType = "url"
	}
	if res.IsTruncated {
		out.NextKeyMarker, out.NextVersionIdMarker = p.enc(res.NextKeyMarker), res.NextVersionIDMarker
	}
	for _, v := range res.Versions {
		ownerID := v.Owner
		if ownerID == "" {
			ownerID = ri.bucket.Owner
		}
		e := versionEntry{
			Key: p.enc(v.Key), VersionId: v.VersionID, IsLatest: v.IsLatest, LastModified: xmlTime(v.LastModified),
			Owner: owner{ownerID, s.displayName(r.Context(), ownerID)},
		}
		if v.DeleteMarker {
			e.XMLName.Local = "DeleteMarker"
		} else {
			e.XMLName.Local = "Version"
			e.ETag, e.StorageClass = `"`+v.ETag+`"`, "STANDARD"
			size := v.Size
			e.Size = &size
		}
		out.Entries = append(out.Entries, e)
	}
	for _, cp := range res.CommonPrefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, commonPrefix{p.enc(cp)})
	}
	writeXML(w, http.StatusOK, out)
	return nil
}
