package frontend

import (
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/amphora-s3/amphora/store"
)

// maxPutSize is S3's limit on a single PUT: 5 GiB.
const maxPutSize = 5 << 30

// putObject answers PUT /bucket/key by streaming the body straight into
// the store: nothing is buffered here, and the store makes the object
// visible only once every byte and digest checks out.
func (s *server) putObject(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	// If-None-Match: * and If-Match: "etag", decided atomically by the
	// store at the commit (conditional_put.go).
	conds, err := parsePutConditions(r.Header)
	if err != nil {
		return err
	}
	p, err := uploadPayload(r, maxPutSize)
	if err != nil {
		return err
	}
	sum, err := contentMD5(r.Header)
	if err != nil {
		return err
	}
	meta, err := metaFromHeaders(r.Header)
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
	lock, err := s.writeLock(r, ri.bucket, true)
	if err != nil {
		return err
	}
	sse, err := s.writeKey(r, ri.bucket)
	if err != nil {
		return err
	}
	obj, err := s.store.PutObject(r.Context(), store.PutInput{
		SSE:               sse,
		Bucket:            ri.addr.Bucket,
		Key:               ri.addr.Key,
		Owner:             owner,
		ACL:               acl,
		Tags:              tags,
		Lock:              lock,
		Size:              p.size,
		Meta:              meta,
		ContentMD5:        sum,
		Body:              p.body,
		Verify:            p.finish,
		ChecksumAlgorithm: string(p.alg),
		IfNoneMatch:       conds.ifNoneMatch,
		IfMatch:           conds.ifMatch,
	})
	if err != nil {
		return conds.explain(err)
	}
	setChecksumHeaders(w.Header(), obj.Checksum)
	setVersionHeader(w.Header(), ri.bucket, obj.VersionID)
	s.setExpiration(w.Header(), r, ri.bucket, obj)
	setSSEHeaders(w.Header(), sse)
	w.Header().Set("ETag", `"`+obj.ETag+`"`)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

// contentMD5 decodes the Content-MD5 header: nil when absent,
// InvalidDigest unless it is the base64 of 16 bytes.
func contentMD5(h http.Header) ([]byte, error) {
	v, ok := h["Content-Md5"]
	if !ok {
		return nil, nil
	}
	sum, err := base64.StdEncoding.DecodeString(first(v))
	if err != nil || len(sum) != md5.Size {
		return nil, errInvalidDigest
	}
	return sum, nil
}

func (s *server) getObject(w http.ResponseWriter, r *http.Request) error {
	return s.serveObject(w, r, true)
}

func (s *server) headObject(w http.ResponseWriter, r *http.Request) error {
	return s.serveObject(w, r, false)
}

// serveObject answers GET and HEAD /bucket/key: conditionals first, then
// the range, then the headers and (for GET) the bytes, streamed from the
// exact version the headers describe.
func (s *server) serveObject(w http.ResponseWriter, r *http.Request, body bool) error {
	ri := info(r)
	obj := *ri.object // read by authorize
	h := w.Header()
	// An SSE-C object's metadata and bytes need its key (a HEAD too); a
	// managed one's data key is unwrapped.
	sse, err := s.readKey(r, obj.SSE, false)
	if err != nil {
		return err
	}
	obj.SSEKey = sse
	switch c, name := evalConditions(r.Header, obj.ETag, obj.LastModified); c {
	case condFailed:
		return errPreconditionFailed.with(field{"Condition", name})
	case condNotModified:
		h.Set("ETag", `"`+obj.ETag+`"`)
		h.Set("Last-Modified", obj.LastModified.UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	rng, partial, err := s.requestedRange(r, h, obj) // Range or partNumber (partnumber.go)
	if err != nil {
		return err
	}
	if !partial {
		rng = byteRange{0, obj.Size}
	}
	setObjectHeaders(h, obj)
	setTaggingCount(h, obj)
	setVersionHeader(h, ri.bucket, obj.VersionID)
	if _, byID := ri.query["versionId"]; !byID {
		s.setExpiration(h, r, ri.bucket, obj) // the current version's
	}
	if !obj.Lock.IsZero() {
		s.setLockHeaders(h, r, obj)
	}
	if !partial && strings.EqualFold(r.Header.Get("X-Amz-Checksum-Mode"), "ENABLED") {
		setChecksumHeaders(h, obj.Checksum)
	}
	setSSEHeaders(h, sse)
	if obj.Appendable {
		setAppendableHeaders(h, obj)
	}
	applyOverrides(h, ri.query)
	h.Set("Content-Length", strconv.FormatInt(rng.n, 10))
	status := http.StatusOK
	if partial {
		h.Set("Content-Range", rng.contentRange(obj.Size))
		status = http.StatusPartialContent
	}
	if !body {
		w.WriteHeader(status)
		return nil
	}
	rc, err := s.store.ReadObject(r.Context(), obj, rng.off, rng.n)
	if err != nil {
		return err
	}
	defer rc.Close()
	w.WriteHeader(status)
	out := &clientWriter{w: w}
	if _, err := io.Copy(out, rc); err != nil {
		if out.err != nil {
			return fmt.Errorf("%w: %v", errClientGone, err)
		}
		return fmt.Errorf("read object: %w", err) // the adapter aborts the connection
	}
	return nil
}

// errClientGone marks a response that could not be written: the client
// went away. It is not the server's fault and is not logged as an error.
var errClientGone = errors.New("client went away")

// clientWriter remembers whether a write to the client failed, to tell a
// client that left from a store that failed mid-stream.
type clientWriter struct {
	w   io.Writer
	err error
}

func (c *clientWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if err != nil {
		c.err = err
	}
	return n, err
}

// deleteObject answers DELETE /bucket/key with 204, also when the key
// does not exist: without a version id it deletes the key (or adds a
// delete marker in a versioned bucket), with one it removes that version.
func (s *server) deleteObject(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	versionID, byID, err := versionQuery(r)
	if err != nil {
		return err
	}
	var res store.DeleteResult
	if byID {
		bypass, berr := s.bypassGovernance(r, ri.addr.Key, versionID)
		if berr != nil {
			return berr
		}
		res, err = s.store.DeleteVersion(r.Context(), ri.addr.Bucket, ri.addr.Key, versionID, bypass)
		if errors.Is(err, store.ErrNoSuchVersion) {
			return errInvalidVersionID
		}
	} else {
		res, err = s.store.DeleteObject(r.Context(), ri.addr.Bucket, ri.addr.Key)
	}
	if err != nil {
		return err
	}
	setDeleteHeaders(w.Header(), ri.bucket, res)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// setDeleteHeaders adds what a delete did: the version removed or the
// marker made.
func setDeleteHeaders(h http.Header, b store.Bucket, res store.DeleteResult) {
	setVersionHeader(h, b, res.VersionID)
	if res.DeleteMarker {
		h.Set("X-Amz-Delete-Marker", "true")
	}
}
