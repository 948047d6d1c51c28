package frontend

import (
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxKeyLen is S3's limit on a key's UTF-8 length.
const maxKeyLen = 1024

// level is what a request addresses: the service, a bucket or an object.
type level int

const (
	levelService level = iota
	levelBucket
	levelObject
)

// address is the bucket and key a request names.
type address struct {
	Bucket string
	Key    string
	// VirtualHost is true when the bucket came from the Host header.
	VirtualHost bool
	// ResourcePath is the escaped path part of the Signature V2
	// CanonicalizedResource: "/bucket/escaped-key" either way.
	ResourcePath string
}

func (a address) level() level {
	switch {
	case a.Bucket == "":
		return levelService
	case a.Key == "":
		return levelBucket
	}
	return levelObject
}

// resource is the <Resource> of an error body: "/bucket/key", unescaped.
func (a address) resource() string {
	switch a.level() {
	case levelService:
		return "/"
	case levelBucket:
		return "/" + a.Bucket
	}
	return "/" + a.Bucket + "/" + a.Key
}

// parseAddress resolves the bucket and key from host and the escaped
// request path. A host "bucket.<domain>[:port]" for one of domains (lower
// case, longest first) is virtual-hosted style; anything else is
// path-style. The key is the rest of the escaped path unescaped exactly
// once, so "a//b", "%2F", "+" and "%25" keep their meaning; the path is
// never cleaned.
func parseAddress(host, escapedPath string, domains []string) (address, error) {
	var a address
	if !strings.HasPrefix(escapedPath, "/") {
		return a, errInvalidURI
	}
	a.Bucket = bucketFromHost(host, domains)
	var rawBucket, rawKey string
	if a.Bucket != "" {
		a.VirtualHost = true
		rawKey = escapedPath[1:]
		a.ResourcePath = "/" + a.Bucket + escapedPath
	} else {
		rawBucket, rawKey, _ = strings.Cut(escapedPath[1:], "/")
		a.ResourcePath = escapedPath
		b, err := url.PathUnescape(rawBucket)
		if err != nil {
			return a, errInvalidURI
		}
		if b == "" && rawKey != "" { // "//key": a key without a bucket
			return a, errInvalidURI
		}
		a.Bucket = b
	}
	key, err := url.PathUnescape(rawKey)
	if err != nil {
		return a, errInvalidURI
	}
	a.Key = key
	if len(key) > maxKeyLen {
		return a, errKeyTooLong.with(field{"Size", strconv.Itoa(len(key))}, field{"MaxSizeAllowed", strconv.Itoa(maxKeyLen)})
	}
	if !utf8.ValidString(key) || !utf8.ValidString(a.Bucket) {
		return a, errInvalidURI.withMessage("Object key is not valid UTF-8.")
	}
	return a, nil
}

// bucketFromHost returns the bucket of a virtual-hosted-style host, or ""
// for path-style. The port is ignored.
func bucketFromHost(host string, domains []string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	// A configured domain itself is path-style, even when it is a
	// subdomain of another configured domain.
	if slices.Contains(domains, host) {
		return ""
	}
	for _, d := range domains {
		if b, ok := strings.CutSuffix(host, "."+d); ok && b != "" {
			return b
		}
	}
	return ""
}
