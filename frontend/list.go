package frontend

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/amphora-s3/amphora/store"
)

// maxListKeys caps max-keys, as S3 does.
const maxListKeys = 1000

// listParams are the parameters ListObjects and ListObjectsV2 share.
type listParams struct {
	prefix, delimiter string
	maxKeys           int
	urlEncode         bool
}

func parseListParams(q url.Values) (listParams, error) {
	p := listParams{prefix: q.Get("prefix"), delimiter: q.Get("delimiter"), maxKeys: maxListKeys}
	if v, ok := q["max-keys"]; ok {
		n, err := strconv.ParseInt(first(v), 10, 32)
		switch {
		case err != nil:
			return p, errInvalidArgument.withMessage("Provided max-keys not an integer or within integer range").
				with(field{"ArgumentName", "max-keys"}, field{"ArgumentValue", first(v)})
		case n < 0:
			return p, errInvalidArgument.withMessage("Argument maxKeys must be an integer between 0 and 2147483647").
				with(field{"ArgumentName", "maxKeys"}, field{"ArgumentValue", first(v)})
		}
		p.maxKeys = min(int(n), maxListKeys)
	}
	switch enc := q.Get("encoding-type"); {
	case enc == "":
	case strings.EqualFold(enc, "url"):
		p.urlEncode = true
	default:
		return p, errInvalidArgument.withMessage("Invalid Encoding Method specified in Request").
			with(field{"ArgumentName", "encoding-type"}, field{"ArgumentValue", enc})
	}
	return p, nil
}

// enc encodes s for the response when encoding-type=url was asked.
func (p listParams) enc(s string) string {
	if !p.urlEncode {
		return s
	}
	return urlEncodeKey(s)
}

// urlEncodeKey percent-encodes every byte of s except unreserved
// characters and '/', which S3 leaves as is. A space becomes %20 (not
// '+') so that decoders using either path or query unescaping agree.
func urlEncodeKey(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' || c == '/' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

type listEntry struct {
	Key          string
	LastModified string
	ETag         string
	Size         int64
	Owner        *owner `xml:",omitempty"`
	StorageClass string
}

type commonPrefix struct {
	Prefix string
}

// entries renders a store page as Contents and CommonPrefixes.
func (s *server) entries(ctx context.Context, p listParams, res store.ListResult, withOwner bool) ([]listEntry, []commonPrefix) {
	contents := make([]listEntry, 0, len(res.Objects))
	for _, o := range res.Objects {
		e := listEntry{
			Key:          p.enc(o.Key),
			LastModified: xmlTime(o.LastModified),
			ETag:         `"` + o.ETag + `"`,
			Size:         o.Size,
			StorageClass: "STANDARD",
		}
		if withOwner {
			e.Owner = &owner{o.Owner, s.displayName(ctx, o.Owner)}
		}
		contents = append(contents, e)
	}
	prefixes := make([]commonPrefix, 0, len(res.CommonPrefixes))
	for _, cp := range res.CommonPrefixes {
		prefixes = append(prefixes, commonPrefix{p.enc(cp)})
	}
	return contents, prefixes
}

type listV1Result struct {
	XMLName        xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
	Name           string
	Prefix         string
	Marker         string
	NextMarker     string `xml:",omitempty"`
	MaxKeys        int
	Delimiter      string `xml:",omitempty"`
	IsTruncated    bool
	EncodingType   string `xml:",omitempty"`
	Contents       []listEntry
	CommonPrefixes []commonPrefix
}

// listObjects answers GET /bucket (ListObjects, version 1). NextMarker is
// only sent with a delimiter, as AWS does; without one the client resumes
// from the last key.
func (s *server) listObjects(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	p, err := parseListParams(ri.query)
	if err != nil {
		return err
	}
	marker := ri.query.Get("marker")
	res, err := s.store.ListObjects(r.Context(), store.ListInput{
		Bucket: ri.addr.Bucket, Prefix: p.prefix, Delimiter: p.delimiter, After: marker, MaxKeys: p.maxKeys,
	})
	if err != nil {
		return err
	}
	out := listV1Result{
		Name:        ri.addr.Bucket,
		Prefix:      p.enc(p.prefix),
		Marker:      p.enc(marker),
		MaxKeys:     p.maxKeys,
		Delimiter:   p.enc(p.delimiter),
		IsTruncated: res.IsTruncated,
	}
	if p.urlEncode {
		out.EncodingType = "url"
	}
	if res.IsTruncated && p.delimiter != "" {
		out.NextMarker = p.enc(res.NextAfter)
	}
	out.Contents, out.CommonPrefixes = s.entries(r.Context(), p, res, true)
	writeXML(w, http.StatusOK, out)
	return nil
}

type listV2Result struct {
	XMLName               xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
	Name                  string
	Prefix                string
	KeyCount              int
	MaxKeys               int
	Delimiter             string `xml:",omitempty"`
	IsTruncated           bool
	ContinuationToken     string `xml:",omitempty"`
	NextContinuationToken string `xml:",omitempty"`
	StartAfter            string `xml:",omitempty"`
	EncodingType          string `xml:",omitempty"`
	Contents              []listEntry
	CommonPrefixes        []commonPrefix
}

// listObjectsV2 answers GET /bucket?list-type=2. The continuation token
// is the store's NextAfter, base64url-encoded: opaque to clients, and a
// token naming a common prefix resumes after all of it.
func (s *server) listObjectsV2(w http.ResponseWriter, r *http.Request) error {
	ri := info(r)
	p, err := parseListParams(ri.query)
	if err != nil {
		return err
	}
	token, hasToken := ri.query["continuation-token"]
	startAfter := ri.query.Get("start-after")
	after := startAfter
	if hasToken {
		dec, err := base64.RawURLEncoding.DecodeString(first(token))
		if err != nil || len(dec) == 0 {
			return errInvalidArgument.withMessage("The continuation token provided is incorrect").
				with(field{"ArgumentName", "continuation-token"})
		}
		after = string(dec)
	}
	res, err := s.store.ListObjects(r.Context(), store.ListInput{
		Bucket: ri.addr.Bucket, Prefix: p.prefix, Delimiter: p.delimiter, After: after, MaxKeys: p.maxKeys,
	})
	if err != nil {
		return err
	}
	out := listV2Result{
		Name:        ri.addr.Bucket,
		Prefix:      p.enc(p.prefix),
		MaxKeys:     p.maxKeys,
		Delimiter:   p.enc(p.delimiter),
		IsTruncated: res.IsTruncated,
		StartAfter:  p.enc(startAfter),
	}
	if hasToken {
		out.ContinuationToken = first(token)
	}
	if res.IsTruncated {
		out.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(res.NextAfter))
	}
	if p.urlEncode {
		out.EncodingType = "url"
	}
	out.Contents, out.CommonPrefixes = s.entries(r.Context(), p, res, ri.query.Get("fetch-owner") == "true")
	out.KeyCount = len(out.Contents) + len(out.CommonPrefixes)
	writeXML(w, http.StatusOK, out)
	return nil
}
