package frontend

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/amphora-s3/amphora/store"
)

// postObject answers POST /bucket with a multipart/form-data body (a
// browser upload), once authenticateForm has read the form up to its file
// and authorize has allowed s3:PutObject on the key it names: the file
// streams into the store as a PUT's body does, with the object's headers
// taken from the form's fields (r.Header, see formHeaders).
func (s *server) postObject(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	up := r.Context().Value(postFormKey{}).(*postUpload)
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
	lock, err := s.writeLock(r, ri.bucket, true)
	if err != nil {
		return err
	}
	sse, err := s.writeKey(r, ri.bucket) // the form's fields are r.Header here
	if err != nil {
		return err
	}
	body, size, err := up.form.openFile()
	if err != nil {
		return err
	}
	var bound *lengthBound // a file of unknown size, counted as it streams
	if size == store.UnknownSize {
		limit := int64(maxPutSize)
		if up.policy != nil {
			if limit, err = up.policy.maxLength(limit); err != nil {
				return err
			}
		}
		bound = &lengthBound{r: body, max: limit, err: func(n int64) error { return tooLarge(n, limit) }}
		body = bound
	} else {
		if up.policy != nil {
			if err := up.policy.checkLength(size); err != nil {
				return err
			}
		}
		if size > maxPutSize {
			return tooLarge(size, maxPutSize)
		}
	}
	// The checksum fields are checked as the file streams, as a PUT's
	// checksum headers are.
	p := &payload{body: body, size: size}
	if err := p.chooseChecksum(r.Header, nil); err != nil {
		return err
	}
	if p.h != nil {
		p.body = io.TeeReader(p.body, p.h)
	}
	verify := p.finish
	if bound != nil && up.policy != nil {
		// Too small shows once the file has ended, before the commit.
		verify = func() (store.Checksum, error) {
			if err := up.policy.checkLength(bound.n); err != nil {
				return store.Checksum{}, err
			}
			return p.finish()
		}
	}
	obj, err := s.store.PutObject(r.Context(), store.PutInput{
		Bucket:            ri.addr.Bucket,
		Key:               up.key,
		Owner:             owner,
		ACL:               acl,
		Tags:              up.tags,
		Lock:              lock,
		Size:              size,
		Meta:              meta,
		ContentMD5:        sum,
		Body:              p.body,
		Verify:            verify,
		ChecksumAlgorithm: string(p.alg),
		SSE:               sse,
	})
	if err != nil {
		return err
	}
	h := w.Header()
	setChecksumHeaders(h, obj.Checksum)
	setSSEHeaders(h, sse)
	setVersionHeader(h, ri.bucket, obj.VersionID)
	etag := `"` + obj.ETag + `"`
	h.Set("ETag", etag)
	location := objectURL(r, ri.addr, up.key)
	if to, ok := successRedirect(up.form.fields); ok {
		q := "bucket=" + url.QueryEscape(ri.addr.Bucket) + "&key=" + url.QueryEscape(up.key) + "&etag=" + url.QueryEscape(etag)
		switch {
		case !strings.Contains(to, "?"):
			to += "?" + q
		case strings.HasSuffix(to, "?") || strings.HasSuffix(to, "&"):
			to += q
		default:
			to += "&" + q
		}
		h.Set("Location", to)
		h.Set("Content-Length", "0")
		w.WriteHeader(http.StatusSeeOther)
		return nil
	}
	h.Set("Location", location)
	switch up.form.fields["success_action_status"] {
	case "200":
		h.Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
	case "201":
		writeXML(w, http.StatusCreated, postResponse{Location: location, Bucket: ri.addr.Bucket, Key: up.key, ETag: etag})
	default: // 204, and any other value, as S3
		w.WriteHeader(http.StatusNoContent)
	}
	return nil
}

// postResponse is the body of a 201 (success_action_status=201); S3
// writes it without a namespace.
type postResponse struct {
	XMLName  xml.Name `xml:"PostResponse"`
	Location string
	Bucket   string
	Key      string
	ETag     string
}

// successRedirect is where the form asks to send the browser after the
// upload: success_action_redirect, else the older redirect, when it is an
// absolute http(s) URL (S3 ignores one it cannot interpret).
func successRedirect(fields map[string]string) (string, bool) {
	to, ok := fields["success_action_redirect"]
	if !ok {
		to, ok = fields["redirect"]
	}
	if !ok {
		return "", false
	}
	u, err := url.Parse(to)
	if err != nil || u.Host == "" || (!strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https")) {
		return "", false
	}
	return to, true
}

// objectURL is the URL of key as the client addressed the bucket, the
// key escaped as S3 escapes it there (a "/" as %2F).
func objectURL(r *http.Request, a address, key string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	path := "/" + url.PathEscape(key)
	if !a.VirtualHost {
		path = "/" + a.Bucket + path
	}
	return scheme + "://" + r.Host + path
}
