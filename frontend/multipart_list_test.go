package frontend

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestListParts(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	id := e.createUpload(t, "bucket", "a key", nil)
	for _, n := range []int{5, 1, 3, 2, 4} {
		e.uploadPart(t, "bucket", "a key", id, n, bytes.Repeat([]byte{'p'}, n))
	}
	list := func(t *testing.T, q string) partsDoc {
		t.Helper()
		resp, body := e.signed(t, http.MethodGet, objectPath("bucket", "a key")+"?uploadId="+id+q, nil, nil)
		wantStatus(t, resp, body, http.StatusOK)
		var d partsDoc
		decodeDoc(t, body, &d)
		return d
	}

	d := list(t, "")
	wantRoot(t, d.XMLName, "ListPartsResult")
	if d.Bucket != "bucket" || d.Key != "a key" || d.UploadId != id || d.StorageClass != "STANDARD" ||
		d.Initiator.ID != "tenant-alice" || d.Initiator.DisplayName != "Alice" || d.Owner.ID != "tenant-alice" ||
		d.MaxParts != 1000 || d.IsTruncated || d.PartNumberMarker != 0 || d.NextPartNumberMarker != 5 ||
		!slices.Equal(d.numbers(), []int{1, 2, 3, 4, 5}) {
		t.Errorf("ListParts = %+v", d)
	}
	p := d.Part[2]
	if p.Size != 3 || p.ETag != `"`+md5hex([]byte("ppp"))+`"` || !strings.HasSuffix(p.LastModified, "Z") {
		t.Errorf("part = %+v", p)
	}

	// Pages of two, following NextPartNumberMarker.
	var got []int
	marker := 0
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("no end")
		}
		d := list(t, "&max-parts=2&part-number-marker="+strconv.Itoa(marker))
		got = append(got, d.numbers()...)
		if d.MaxParts != 2 || d.PartNumberMarker != marker {
			t.Errorf("page = %+v", d)
		}
		if !d.IsTruncated {
			break
		}
		marker = d.NextPartNumberMarker
	}
	if !slices.Equal(got, []int{1, 2, 3, 4, 5}) {
		t.Errorf("paged parts = %v", got)
	}
	if d := list(t, "&max-parts=0"); len(d.Part) != 0 || !d.IsTruncated {
		t.Errorf("max-parts=0: %+v", d)
	}
	if d := list(t, "&max-parts=5000"); d.MaxParts != 1000 || len(d.Part) != 5 {
		t.Errorf("max-parts=5000: %+v", d)
	}
	if d := list(t, "&encoding-type=url"); d.Key != "a%20key" || d.EncodingType != "url" {
		t.Errorf("encoding-type=url: %+v", d)
	}
	for _, q := range []string{"&max-parts=x", "&max-parts=-1", "&part-number-marker=x", "&part-number-marker=-2", "&encoding-type=base64"} {
		resp, body := e.signed(t, http.MethodGet, objectPath("bucket", "a key")+"?uploadId="+id+q, nil, nil)
		wantError(t, resp, body, http.StatusBadRequest, "InvalidArgument")
	}
	resp, body := e.signed(t, http.MethodGet, objectPath("bucket", "a key")+"?uploadId=nope", nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "NoSuchUpload")
}

func TestListMultipartUploads(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	keys := []string{"a/1", "a/2", "b", "c d", "c d", "e"}
	ids := map[string][]string{}
	for _, k := range keys {
		ids[k] = append(ids[k], e.createUpload(t, "bucket", k, nil))
	}
	list := func(t *testing.T, q url.Values) uploadsDoc {
		t.Helper()
		resp, body := e.signed(t, http.MethodGet, "/bucket?uploads&"+q.Encode(), nil, nil)
		wantStatus(t, resp, body, http.StatusOK)
		var d uploadsDoc
		decodeDoc(t, body, &d)
		return d
	}

	d := list(t, nil)
	wantRoot(t, d.XMLName, "ListMultipartUploadsResult")
	if !slices.Equal(d.keys(), keys) || d.IsTruncated || d.MaxUploads != 1000 || d.Bucket != "bucket" {
		t.Errorf("uploads = %+v", d)
	}
	u := d.Upload[3]
	if u.UploadId != ids["c d"][0] || d.Upload[4].UploadId != ids["c d"][1] || u.StorageClass != "STANDARD" ||
		u.Initiator.ID != "tenant-alice" || u.Owner.DisplayName != "Alice" || !strings.HasSuffix(u.Initiated, "Z") {
		t.Errorf("upload = %+v", u)
	}

	// Pages of two follow both markers, also between two uploads of one key.
	var got []string
	var keyMarker, idMarker string
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("no end")
		}
		d := list(t, url.Values{"max-uploads": {"2"}, "key-marker": {keyMarker}, "upload-id-marker": {idMarker}})
		for _, u := range d.Upload {
			got = append(got, u.Key+"#"+u.UploadId)
		}
		if d.MaxUploads != 2 || d.KeyMarker != keyMarker {
			t.Errorf("page = %+v", d)
		}
		if !d.IsTruncated {
			break
		}
		keyMarker, idMarker = d.NextKeyMarker, d.NextUploadIdMarker
		if keyMarker == "" || idMarker == "" {
			t.Fatalf("truncated page without markers: %+v", d)
		}
	}
	var want []string
	for _, k := range []string{"a/1", "a/2", "b", "c d", "e"} {
		for _, id := range ids[k] {
			want = append(want, k+"#"+id)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("paged uploads =\n%q\nwant\n%q", got, want)
	}

	// upload-id-marker counts only with a key-marker.
	if d := list(t, url.Values{"upload-id-marker": {ids["e"][0]}}); len(d.Upload) != len(keys) || d.UploadIdMarker != "" {
		t.Errorf("upload-id-marker alone: %+v", d)
	}
	if d := list(t, url.Values{"key-marker": {"c d"}}); !slices.Equal(d.keys(), []string{"e"}) {
		t.Errorf("key-marker: %v", d.keys())
	}
	d = list(t, url.Values{"delimiter": {"/"}})
	if !slices.Equal(d.keys(), []string{"b", "c d", "c d", "e"}) || len(d.CommonPrefixes) != 1 || d.CommonPrefixes[0].Prefix != "a/" || d.Delimiter != "/" {
		t.Errorf("delimiter: %+v", d)
	}
	d = list(t, url.Values{"prefix": {"a/"}})
	if !slices.Equal(d.keys(), []string{"a/1", "a/2"}) || d.Prefix != "a/" {
		t.Errorf("prefix: %+v", d)
	}
	d = list(t, url.Values{"prefix": {"c "}, "encoding-type": {"url"}})
	if !slices.Equal(d.keys(), []string{"c%20d", "c%20d"}) || d.Prefix != "c%20" || d.EncodingType != "url" {
		t.Errorf("encoding-type=url: %+v", d)
	}
	if d := list(t, url.Values{"max-uploads": {"5000"}}); d.MaxUploads != 1000 {
		t.Errorf("max-uploads=5000: %+v", d)
	}
	for _, q := range []string{"max-uploads=x", "max-uploads=-1", "encoding-type=zip"} {
		resp, body := e.signed(t, http.MethodGet, "/bucket?uploads&"+q, nil, nil)
		wantError(t, resp, body, http.StatusBadRequest, "InvalidArgument")
	}
	resp, body := e.signed(t, http.MethodGet, "/nobucket?uploads", nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "NoSuchBucket")
	req := signV2(e.request(t, http.MethodGet, "/bucket?uploads", nil), bobKey, bobSecret)
	resp, body = e.do(t, req)
	wantError(t, resp, body, http.StatusForbidden, "AccessDenied")
}
