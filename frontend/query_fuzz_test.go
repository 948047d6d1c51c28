package frontend

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Fuzz targets for query parameters. Requests are signed with Signature
// V4 over the raw query (serveV4), so that every value, however odd,
// reaches the parameter parsers rather than stopping at the signature.

// listFuzzKeys are the keys the listing targets list.
var listFuzzKeys = []string{"a", "a/b", "a/c/d", "b+c", "dir/", "dir/x", "z%25", "\u00e9t\u00e9", "sp ace"}

// listQuery builds a listing query: each parameter set (even to "")
// unless it is the "-" that leaves it out, then extra appended raw.
func listQuery(params [][2]string, extra string) string {
	q := make([]string, 0, len(params)+1)
	for _, p := range params {
		if p[1] == "-" {
			continue
		}
		q = append(q, url.QueryEscape(p[0])+"="+url.QueryEscape(p[1]))
	}
	if extra != "" {
		q = append(q, extra)
	}
	return strings.Join(q, "&")
}

// withParam is params with name set to value.
func withParam(params [][2]string, name, value string) [][2]string {
	out := make([][2]string, 0, len(params)+1)
	for _, p := range params {
		if p[0] != name {
			out = append(out, p)
		}
	}
	return append(out, [2]string{name, value})
}

// FuzzListObjects lists a bucket with fuzzed ListObjects / ListObjectsV2
// parameters (each "-" to leave it out) and a raw extra query: never a
// 5xx nor a malformed error; a listing taken is a well-formed document
// with at most max-keys entries, and following its continuation ends.
func FuzzListObjects(f *testing.F) {
	type seed struct{ listType, maxKeys, marker, token, startAfter, encoding, prefix, delimiter, extra string }
	for _, s := range []seed{
		{"2", "2", "-", "-", "-", "url", "a", "/", ""},
		{"-", "1", "a", "-", "-", "-", "", "/", ""},
		{"2", "-", "-", "-", "a/b", "URL", "-", "-", "fetch-owner=true"},
		{"2", "0", "-", "-", "-", "-", "-", "-", ""},
		{"2", "-1", "-", "-", "-", "-", "-", "-", ""},
		{"2", "99999999999999999999", "-", "-", "-", "-", "-", "-", ""},
		{"2", " 5", "-", "-", "-", "-", "-", "-", ""},
		{"2", "-", "-", "not-a-token", "-", "-", "-", "-", ""},
		{"2", "-", "-", "", "-", "-", "-", "-", ""},
		{"2", "-", "-", "%%%", "-", "-", "-", "-", ""},
		{"2", "-", "-", "-", "-", "gzip", "-", "-", ""},
		{"2", "-", "-", "-", "-", "-", "\xff\xfe", "\x00", ""},
		{"-", "-", "\xff", "-", "-", "-", "dir/", "//", ""},
		{"1", "-", "-", "-", "-", "-", "-", "-", "prefix=%zz&delimiter=%"},
		{"3", "-", "-", "-", "-", "-", "-", "-", ""},
		{"2", "1000000", "-", "-", "-", "-", strings.Repeat("p", 2000), strings.Repeat("/", 2000), "max-keys=1&max-keys=2"},
	} {
		f.Add(s.listType, s.maxKeys, s.marker, s.token, s.startAfter, s.encoding, s.prefix, s.delimiter, s.extra)
	}
	f.Fuzz(func(t *testing.T, listType, maxKeys, marker, token, startAfter, encoding, prefix, delimiter, extra string) {
		h := aclFuzzServer(t)
		for _, k := range listFuzzKeys {
			putFuzzObject(t, h, url.PathEscape(k), []byte(k))
		}
		params := [][2]string{{"list-type", listType}, {"max-keys", maxKeys}, {"marker", marker},
			{"continuation-token", token}, {"start-after", startAfter}, {"encoding-type", encoding},
			{"prefix", prefix}, {"delimiter", delimiter}}
		query := listQuery(params, extra)
		// Page through, at most one page per key and a spare.
		for page := 0; page <= len(listFuzzKeys)+1; page++ {
			rec := serveV4(h, http.MethodGet, "/bucket?"+query, nil, nil)
			checkFuzzAnswer(t, http.MethodGet, rec, query)
			if rec.Code != http.StatusOK {
				return
			}
			var res struct {
				XMLName               xml.Name
				MaxKeys               int
				EncodingType          string
				IsTruncated           bool
				NextMarker            string
				NextContinuationToken string
				Contents              []struct{ Key string }
				CommonPrefixes        []struct{ Prefix string }
				Upload                []struct{ Key string }
			}
			if err := xml.Unmarshal(rec.Body.Bytes(), &res); err != nil {
				t.Fatalf("listing for %q: %v\n%s", query, err, rec.Body)
			}
			if res.XMLName.Local != "ListBucketResult" {
				return // another operation took the extra query
			}
			if n := len(res.Contents) + len(res.CommonPrefixes); n > res.MaxKeys || n > maxListKeys {
				t.Fatalf("%d entries, max-keys %d, for %q", n, res.MaxKeys, query)
			}
			if !res.IsTruncated {
				return
			}
			switch {
			case res.NextContinuationToken != "":
				query = listQuery(withParam(params, "continuation-token", res.NextContinuationToken), extra)
			case res.NextMarker != "" || len(res.Contents) > 0:
				next := res.NextMarker
				if next == "" {
					next = res.Contents[len(res.Contents)-1].Key
				}
				if res.EncodingType == "url" {
					// Version 1 answers NextMarker and Key encoded; the
					// client decodes them before sending the marker back.
					decoded, err := url.PathUnescape(next)
					if err != nil {
						t.Fatalf("NextMarker %q for %q is not URL-encoded: %v", next, query, err)
					}
					next = decoded
				}
				query = listQuery(withParam(params, "marker", next), extra)
			default:
				return // a truncated page without a way on: max-keys 0
			}
		}
		t.Fatalf("listing %q did not end within %d pages", listQuery(params, extra), len(listFuzzKeys)+2)
	})
}

// FuzzMultipartParams sends the multipart operations with fuzzed part
// numbers, upload ids and listing parameters: UploadPart, ListParts,
// ListMultipartUploads, AbortMultipartUpload, and GET ?partNumber on a
// plain object. An upload id that is not one the store made is
// NoSuchUpload, never anything worse.
func FuzzMultipartParams(f *testing.F) {
	type seed struct{ partNumber, uploadID, maxParts, partMarker, maxUploads, keyMarker, idMarker string }
	for _, s := range []seed{
		{"1", "", "10", "0", "10", "", ""},
		{"10000", "", "1", "1", "1", "k", "x"},
		{"10001", "", "-1", "-1", "-1", "", ""},
		{"0", "no-such-upload", "99999999999999999999", "99999999999999999999", "99999999999999999999", "\xff", "\x00"},
		{"-1", "../../etc/passwd", "1.5", "x", "", "", ""},
		{" 1", "%00", "", "", "", "", ""},
		{"1e3", strings.Repeat("u", 5000), "0", "0", "0", "k", ""},
		{"01", "00000000-0000-0000-0000-000000000000", "1000001", "", "1001", "", ""},
	} {
		f.Add(s.partNumber, s.uploadID, s.maxParts, s.partMarker, s.maxUploads, s.keyMarker, s.idMarker)
	}
	f.Fuzz(func(t *testing.T, partNumber, uploadID, maxParts, partMarker, maxUploads, keyMarker, idMarker string) {
		h := aclFuzzServer(t)
		id, _ := fuzzUpload(t, h, []byte("part one"))
		putFuzzObject(t, h, "plain", []byte("plain object"))
		if uploadID == "" {
			uploadID = id // the real upload
		}
		q := func(kv ...string) string {
			var params [][2]string
			for i := 0; i+1 < len(kv); i += 2 {
				params = append(params, [2]string{kv[i], kv[i+1]})
			}
			return listQuery(params, "")
		}
		for _, rq := range []struct {
			method, target string
			body           []byte
		}{
			{http.MethodPut, "/bucket/k?" + q("partNumber", partNumber, "uploadId", uploadID), []byte("part")},
			{http.MethodGet, "/bucket/k?" + q("uploadId", uploadID, "max-parts", maxParts, "part-number-marker", partMarker), nil},
			{http.MethodGet, "/bucket?" + q("uploads", "", "max-uploads", maxUploads, "key-marker", keyMarker, "upload-id-marker", idMarker), nil},
			{http.MethodGet, "/bucket/plain?" + q("partNumber", partNumber), nil},
			{http.MethodHead, "/bucket/plain?" + q("partNumber", partNumber), nil},
			{http.MethodDelete, "/bucket/k?" + q("uploadId", uploadID), nil},
		} {
			rec := serveV4(h, rq.method, rq.target, nil, rq.body)
			checkFuzzAnswer(t, rq.method, rec, rq.target)
			if uploadID != id && strings.Contains(rq.target, "uploadId=") && rec.Code < 300 {
				t.Fatalf("%s %s: %d with an upload id the store never made", rq.method, rq.target, rec.Code)
			}
		}
	})
}
