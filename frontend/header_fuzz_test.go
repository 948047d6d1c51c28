package frontend

import (
	"bytes"
	"crypto/md5"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Fuzz targets for the request headers a GET, HEAD or PUT parses: Range,
// the conditional headers, partNumber beside them, and x-amz-tagging.

// FuzzParseRange checks parseRange against its contract for any header
// and object size: a range served lies inside the object and is not
// empty; an unsatisfiable one is InvalidRange with "bytes */size".
func FuzzParseRange(f *testing.F) {
	for _, s := range []string{
		"bytes=0-9", "bytes=5-", "bytes=-5", "bytes=-0", "bytes=0-0", "bytes=9-5", "BYTES=1-2", " bytes = 1 - 2 ",
		"bytes=0-1,3-4", "bytes=", "bytes=-", "bytes=--1", "bytes=+1-2", "bytes=1-+2", "bytes=99999999999999999999-",
		"bytes=-99999999999999999999", "items=0-1", "bytes=0x10-", "bytes=\xff-", "bytes=1 -2", "",
	} {
		for _, size := range []int64{0, 1, 10, 1 << 40} {
			f.Add(s, size)
		}
	}
	f.Fuzz(func(t *testing.T, h string, size int64) {
		if size < 0 {
			size = -(size + 1)
		}
		r, ok, err := parseRange(h, size)
		switch {
		case err != nil:
			var e *Error
			if ok || !errors.As(err, &e) || e.Code != "InvalidRange" || e.contentRange != "bytes */"+strconv.FormatInt(size, 10) {
				t.Fatalf("parseRange(%q, %d) = %v, %v, %v", h, size, r, ok, err)
			}
		case ok:
			if r.off < 0 || r.n < 1 || r.off > size-r.n {
				t.Fatalf("parseRange(%q, %d) = [%d, +%d), outside the object", h, size, r.off, r.n)
			}
		}
	})
}

// FuzzGetObjectHeaders sends GET and HEAD with a fuzzed Range, the four
// conditional headers and partNumber: never a 5xx; a 200 or 206 carries
// exactly the bytes its headers announce, taken from the object. Then a
// PUT with the same If-Match and If-None-Match (conditional writes).
func FuzzGetObjectHeaders(f *testing.F) {
	data := []byte("0123456789abcdefghijklmnopqrstuvwxyz")
	etag := fmt.Sprintf("%x", md5.Sum(data))
	past := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Format(http.TimeFormat)
	future := time.Now().Add(24 * time.Hour).UTC().Format(http.TimeFormat)
	type seed struct{ rng, ifMatch, ifNoneMatch, ifModified, ifUnmodified, partNumber string }
	for _, s := range []seed{
		{"bytes=0-9", "", "", "", "", "-"},
		{"bytes=-5", `"` + etag + `"`, "", "", "", "-"},
		{"bytes=40-", "", "", "", "", "-"},
		{"", "*", "", "", past, "-"},
		{"", "", `W/"` + etag + `", "x"`, "", "", "-"},
		{"", "", "*", future, "", "-"},
		{"", `"nope"`, "", "", "", "-"},
		{"", "", "", future, "", "-"},
		{"", "", "", "Mon, 02 Jan 2006 15:04:05 MST", "not a date", "-"},
		{"", "", "", "", "", "1"},
		{"", "", "", "", "", "2"},
		{"bytes=0-1", "", "", "", "", "1"},
		{"", "", "", "", "", "0"},
		{"", "", "", "", "", "99999999999999999999"},
		{"bytes=0-1,2-3", ",,,", ", ,", "\xff", "\x00", "x"},
	} {
		f.Add(s.rng, s.ifMatch, s.ifNoneMatch, s.ifModified, s.ifUnmodified, s.partNumber)
	}
	f.Fuzz(func(t *testing.T, rng, ifMatch, ifNoneMatch, ifModified, ifUnmodified, partNumber string) {
		h := aclFuzzServer(t)
		putFuzzObject(t, h, "k", data)
		target := "/bucket/k"
		if partNumber != "-" {
			target += "?partNumber=" + url.QueryEscape(partNumber)
		}
		hdr := http.Header{}
		for name, v := range map[string]string{"Range": rng, "If-Match": ifMatch, "If-None-Match": ifNoneMatch,
			"If-Modified-Since": ifModified, "If-Unmodified-Since": ifUnmodified} {
			if v != "" {
				hdr.Set(name, v)
			}
		}
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			rec := serveV4(h, method, target, hdr, nil)
			checkFuzzAnswer(t, method, rec, rng, ifMatch, ifNoneMatch, ifModified, ifUnmodified, partNumber)
			switch rec.Code {
			case http.StatusOK, http.StatusPartialContent:
			case http.StatusNotModified, http.StatusPreconditionFailed, http.StatusRequestedRangeNotSatisfiable, http.StatusBadRequest:
				continue
			default:
				t.Fatalf("%s with %q: status %d", method, hdr, rec.Code)
			}
			n, err := strconv.Atoi(rec.Header().Get("Content-Length"))
			if err != nil {
				t.Fatalf("%s %d without a Content-Length", method, rec.Code)
			}
			off := 0
			if rec.Code == http.StatusPartialContent {
				var first, last, size int
				if _, err := fmt.Sscanf(rec.Header().Get("Content-Range"), "bytes %d-%d/%d", &first, &last, &size); err != nil ||
					size != len(data) || first < 0 || last < first || last >= size || last-first+1 != n {
					t.Fatalf("206 with Content-Range %q, Content-Length %d", rec.Header().Get("Content-Range"), n)
				}
				off = first
			} else if n != len(data) {
				t.Fatalf("200 with Content-Length %d of %d", n, len(data))
			}
			if method == http.MethodGet && !bytes.Equal(rec.Body.Bytes(), data[off:off+n]) {
				t.Fatalf("GET %q: body %q, want %q", hdr, rec.Body, data[off:off+n])
			}
		}
		// The same If-Match and If-None-Match on a write (conditional_put.go):
		// 200, 412, 409 or 501 (a list of tags); a write taken is what a
		// GET then reads, and If-None-Match "*" never overwrites.
		put := http.Header{}
		for name, v := range map[string]string{"If-Match": ifMatch, "If-None-Match": ifNoneMatch} {
			if v != "" {
				put.Set(name, v)
			}
		}
		rec := serveV4(h, http.MethodPut, "/bucket/k", put, []byte("new"))
		checkFuzzAnswer(t, http.MethodPut, rec, ifMatch, ifNoneMatch)
		if rec.Code != http.StatusOK {
			return
		}
		if strings.TrimSpace(ifNoneMatch) == "*" {
			t.Fatalf("If-None-Match %q overwrote an existing object", ifNoneMatch)
		}
		if got := serveSigned(h, http.MethodGet, "/bucket/k", nil); got.Body.String() != "new" {
			t.Fatalf("conditional PUT (If-Match %q, If-None-Match %q) taken, GET reads %q", ifMatch, ifNoneMatch, got.Body)
		}
	})
}

// FuzzTaggingHeader stores an object with a fuzzed x-amz-tagging header:
// taken or refused with a 4xx; taken, GET ?tagging reads back at most 10
// tags and x-amz-tagging-count agrees.
func FuzzTaggingHeader(f *testing.F) {
	for _, s := range []string{
		"a=1&b=2", "a=1&a=2", "a", "=1", "a=", "aws%3Akey=v", "%E2%82%AC=%E2%82%AC", "%ff=1", "a=%zz", "&&&", "a=1;b=2",
		"k+1=v+2", "a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10&k=11", "%00=%00", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		h := aclFuzzServer(t)
		hdr := http.Header{"X-Amz-Tagging": {v}}
		rec := serveV4(h, http.MethodPut, "/bucket/k", hdr, []byte("body"))
		checkFuzzAnswer(t, http.MethodPut, rec, v)
		if rec.Code != http.StatusOK {
			return
		}
		got := serveSigned(h, http.MethodGet, "/bucket/k?tagging", nil)
		var doc struct {
			Tag []struct{ Key, Value string } `xml:"TagSet>Tag"`
		}
		if err := xml.Unmarshal(got.Body.Bytes(), &doc); got.Code != http.StatusOK || err != nil || len(doc.Tag) > maxObjectTags {
			t.Fatalf("GET ?tagging after x-amz-tagging %q: %d %s", v, got.Code, got.Body)
		}
		head := serveSigned(h, http.MethodHead, "/bucket/k", nil)
		if c := head.Header().Get("X-Amz-Tagging-Count"); len(doc.Tag) > 0 && c != strconv.Itoa(len(doc.Tag)) {
			t.Fatalf("x-amz-tagging %q: %d tags, count %q", v, len(doc.Tag), c)
		}
	})
}
