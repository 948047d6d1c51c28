package frontend

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/amphora-s3/amphora/store"
)

const (
	metaPrefix = "x-amz-meta-"
	// maxUserMeta is S3's limit on user metadata: the UTF-8 bytes of every
	// name (without the x-amz-meta- prefix, as AWS counts) and value.
	maxUserMeta = 2 << 10
	// defaultContentType is what S3 stores when a PUT names none.
	defaultContentType = "binary/octet-stream"
)

// metaFromHeaders collects the content headers and x-amz-meta-* entries of
// a PUT. Names are lower-cased; repeated headers are joined with ",".
func metaFromHeaders(h http.Header) (store.Meta, error) {
	m := store.Meta{
		ContentType:        h.Get("Content-Type"),
		ContentEncoding:    storedEncoding(h.Values("Content-Encoding")),
		ContentDisposition: h.Get("Content-Disposition"),
		ContentLanguage:    h.Get("Content-Language"),
		CacheControl:       h.Get("Cache-Control"),
		Expires:            h.Get("Expires"),
	}
	if m.ContentType == "" {
		m.ContentType = defaultContentType
	}
	size := 0
	for k, vs := range h {
		name, ok := strings.CutPrefix(strings.ToLower(k), metaPrefix)
		if !ok {
			continue
		}
		if m.User == nil {
			m.User = make(map[string]string)
		}
		v := strings.Join(vs, ",")
		m.User[name] = v
		size += len(name) + len(v)
	}
	if size > maxUserMeta {
		return m, errMetadataTooLarge.with(field{"Size", strconv.Itoa(size)}, field{"MaxSizeAllowed", strconv.Itoa(maxUserMeta)})
	}
	return m, nil
}

// setObjectHeaders writes the headers GET and HEAD return for obj.
func setObjectHeaders(h http.Header, obj store.Object) {
	h.Set("ETag", `"`+obj.ETag+`"`)
	h.Set("Last-Modified", obj.LastModified.UTC().Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	ct := obj.Meta.ContentType
	if ct == "" {
		ct = defaultContentType
	}
	h.Set("Content-Type", ct)
	for name, v := range map[string]string{
		"Content-Encoding":    obj.Meta.ContentEncoding,
		"Content-Disposition": obj.Meta.ContentDisposition,
		"Content-Language":    obj.Meta.ContentLanguage,
		"Cache-Control":       obj.Meta.CacheControl,
		"Expires":             obj.Meta.Expires,
	} {
		if v != "" {
			h.Set(name, v)
		}
	}
	for name, v := range obj.Meta.User {
		// Lower case on the wire, as AWS sends them.
		h[metaPrefix+name] = []string{v}
	}
}

// responseOverrides maps GET query parameters to the response headers
// they replace (AWS allows them on signed requests only; every request
// here is signed).
var responseOverrides = []struct{ param, header string }{
	{"response-content-type", "Content-Type"},
	{"response-content-language", "Content-Language"},
	{"response-expires", "Expires"},
	{"response-cache-control", "Cache-Control"},
	{"response-content-disposition", "Content-Disposition"},
	{"response-content-encoding", "Content-Encoding"},
}

// applyOverrides sets the response-* query parameters of q on h.
func applyOverrides(h http.Header, q url.Values) {
	for _, o := range responseOverrides {
		if v, ok := q[o.param]; ok && len(v) > 0 {
			h.Set(o.header, v[0])
		}
	}
}

// storedEncoding is the Content-Encoding S3 stores: the client's codings
// without aws-chunked, which only describes how this request's body was
// framed (S3 drops it too).
func storedEncoding(values []string) string {
	var keep []string
	for _, v := range values {
		for _, c := range strings.Split(v, ",") {
			if c = strings.TrimSpace(c); c != "" && !strings.EqualFold(c, "aws-chunked") {
				keep = append(keep, c)
			}
		}
	}
	return strings.Join(keep, ",")
}
