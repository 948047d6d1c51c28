package sigv2

import (
	"net/url"
	"sort"
	"strings"
)

// set builds a lookup table from names.
func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// responseOverrides are the GET Object query parameters that override
// response headers; AWS signs them with their decoded values.
var responseOverrides = []string{
	"response-cache-control", "response-content-disposition", "response-content-encoding",
	"response-content-language", "response-content-type", "response-expires",
}

// awsSubresources is the union of the sub-resources in the AWS
// RESTAuthentication document, minio's server and minio-go (resourceList),
// botocore (HmacV1Auth.QSAOfInterest, without the Google Cloud Storage only
// defaultObjectAcl and storageClass), s3cmd (SUBRESOURCES_TO_INCLUDE) and the
// newer S3 sub-resources. Signing a name a client leaves out only costs that
// client a mismatch of this form; the client forms below cover it.
var awsSubresources = set(append([]string{
	"accelerate", "acl", "analytics", "append", "cors", "delete", "encryption",
	"intelligent-tiering", "inventory", "legal-hold", "lifecycle", "location", "logging",
	"metrics", "notification", "object-lock", "ownershipControls", "partNumber", "policy",
	"position", "publicAccessBlock", "replication", "requestPayment", "restore", "retention",
	"select", "select-type", "tagging", "torrent", "uploadId", "uploads", "versionId",
	"versioning", "versions", "website",
}, responseOverrides...)...)

// botocoreSubresources is botocore's HmacV1Auth.QSAOfInterest (botocore/auth.py),
// which also covers boto 2's qsa_of_interest (boto/utils.py).
var botocoreSubresources = set(append([]string{
	"accelerate", "acl", "analytics", "cors", "defaultObjectAcl", "delete", "inventory",
	"lifecycle", "location", "logging", "metrics", "notification", "object-lock",
	"partNumber", "policy", "replication", "requestPayment", "restore", "select",
	"select-type", "storageClass", "tagging", "torrent", "uploadId", "uploads",
	"versionId", "versioning", "versions", "website",
}, responseOverrides...)...)

// s3cmdSubresources is SUBRESOURCES_TO_INCLUDE of s3cmd's sign_request_v2
// (S3/Crypto.py); note it has no response-* overrides.
var s3cmdSubresources = set(
	"acl", "cors", "delete", "lifecycle", "location", "logging", "notification",
	"partNumber", "policy", "requestPayment", "restore", "tagging", "torrent",
	"uploadId", "uploads", "versionId", "versioning", "versions", "website",
)

// minioSubresources is resourceList of minio-go's
// pkg/signer/request-signature-v2.go.
var minioSubresources = set(append([]string{
	"acl", "cors", "delete", "encryption", "legal-hold", "lifecycle", "location",
	"logging", "notification", "partNumber", "policy", "replication", "requestPayment",
	"retention", "select", "select-type", "tagging", "torrent", "uploadId", "uploads",
	"versionId", "versioning", "versions", "website",
}, responseOverrides...)...)

// qparam is one name=value pair of the raw query, in request order.
type qparam struct {
	name  string // decoded name
	raw   string // raw (still escaped) value
	hasEq bool   // "name=" rather than "name"
}

// parseQuery splits a raw query like url.ParseQuery but keeps the raw values,
// whether '=' was present, and the order: the client forms differ in exactly
// these details.
func parseQuery(raw string) []qparam {
	var out []qparam
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		name, value, hasEq := strings.Cut(part, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		out = append(out, qparam{name: name, raw: value, hasEq: hasEq})
	}
	return out
}

// queryValue returns the first decoded value of name and whether it exists.
func queryValue(params []qparam, name string) (string, bool, error) {
	for _, p := range params {
		if p.name == name {
			v, err := url.QueryUnescape(p.raw)
			return v, true, err
		}
	}
	return "", false, nil
}

// subresourceStyle is one client's way of writing the sub-resources.
type subresourceStyle int

const (
	styleAWS subresourceStyle = iota
	styleBotocore
	styleS3cmd
	styleMinio
)

// headerStyles and presignStyles are the forms tried, the primary first. The
// s3cmd form is not used for pre-signed URLs (see the package doc).
var (
	headerStyles  = []subresourceStyle{styleAWS, styleBotocore, styleS3cmd, styleMinio}
	presignStyles = []subresourceStyle{styleAWS, styleBotocore, styleMinio}
)

// subresources renders the "?a&b=c" suffix of the CanonicalizedResource in
// the given style; it is empty when the request has no sub-resource.
func subresources(params []qparam, style subresourceStyle) string {
	type kv struct{ k, v string }
	var list []kv
	seen := map[string]bool{}
	for _, p := range params {
		switch style {
		case styleAWS:
			if !awsSubresources[p.name] {
				continue
			}
			v := queryUnescapeLoose(p.raw)
			list = append(list, kv{p.name, withValue(v, v != "")})
		case styleBotocore:
			if !botocoreSubresources[p.name] {
				continue
			}
			// botocore and boto unquote (not unquote_plus) and join
			// the split pair with '=' again.
			list = append(list, kv{p.name, withValue(pathUnescapeLoose(p.raw), p.hasEq)})
		case styleS3cmd:
			if !s3cmdSubresources[p.name] {
				continue
			}
			// format_param_str: s3_quote(value) with only '~' safe.
			v := awsEncode(queryUnescapeLoose(p.raw), false)
			list = append(list, kv{p.name, withValue(v, v != "")})
		case styleMinio:
			if !minioSubresources[p.name] || seen[p.name] {
				continue
			}
			seen[p.name] = true
			v := queryUnescapeLoose(p.raw)
			list = append(list, kv{p.name, withValue(v, v != "")})
		}
	}
	if len(list) == 0 {
		return ""
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].k < list[j].k })
	var b strings.Builder
	for i, e := range list {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(e.k)
		b.WriteString(e.v)
	}
	return b.String()
}

// withValue renders "=v" when include is set.
func withValue(v string, include bool) string {
	if !include {
		return ""
	}
	return "=" + v
}

// queryUnescapeLoose decodes a query value ('+' is a space) and falls back to
// the raw text when it holds an invalid escape, as Python's unquote does.
func queryUnescapeLoose(s string) string {
	if v, err := url.QueryUnescape(s); err == nil {
		return v
	}
	return s
}

// pathUnescapeLoose decodes %XX escapes only ('+' stays), falling back to the
// raw text on an invalid escape.
func pathUnescapeLoose(s string) string {
	if v, err := url.PathUnescape(s); err == nil {
		return v
	}
	return s
}
