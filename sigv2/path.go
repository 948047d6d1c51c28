package sigv2

import (
	"net/http"
	"net/url"
	"strings"
)

// awsEncode percent-encodes s the way AWS documents UriEncode (and s3cmd's
// s3_quote and minio-go's EncodePath implement it): A-Za-z0-9 and -_.~ are
// kept, '/' too when keepSlash is set, every other byte becomes %XX with
// upper-case hex digits.
func awsEncode(s string, keepSlash bool) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) || (keepSlash && c == '/') {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// isUnreserved reports whether c is an RFC 3986 unreserved character.
func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// pathVariants returns the candidate path parts of the CanonicalizedResource,
// the given resourcePath first, without duplicates (see the package doc for
// why each exists). Every candidate decodes to the same path.
func pathVariants(r *http.Request, resourcePath string) []string {
	out := []string{resourcePath}
	add := func(p string) {
		for _, q := range out {
			if q == p {
				return
			}
		}
		out = append(out, p)
	}
	if raw, ok := rawRequestPath(r, resourcePath); ok {
		add(raw)
	}
	if dec, err := url.PathUnescape(resourcePath); err == nil {
		add(awsEncode(dec, true))
	}
	return out
}

// rawRequestPath rebuilds resourcePath from the path exactly as it appeared on
// the request line. It is only used when the resourcePath ends with Go's
// escaped path (so the bucket prefix of a virtual-hosted request can be kept)
// and the raw path decodes to the path the server acts on.
func rawRequestPath(r *http.Request, resourcePath string) (string, bool) {
	if r.URL == nil || r.RequestURI == "" {
		return "", false
	}
	raw := r.RequestURI
	if i := strings.Index(raw, "://"); i >= 0 && !strings.HasPrefix(raw, "/") {
		// absolute-form request target: drop scheme and authority.
		rest := raw[i+3:]
		j := strings.IndexAny(rest, "/?")
		if j < 0 || rest[j] != '/' {
			return "", false
		}
		raw = rest[j:]
	}
	if !strings.HasPrefix(raw, "/") {
		return "", false
	}
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		raw = raw[:i]
	}
	esc := r.URL.EscapedPath()
	if !strings.HasSuffix(resourcePath, esc) {
		return "", false
	}
	if dec, err := url.PathUnescape(raw); err != nil || dec != r.URL.Path {
		return "", false
	}
	return resourcePath[:len(resourcePath)-len(esc)] + raw, true
}
