package frontend

import (
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
)

type versionsDoc struct {
	IsTruncated         bool
	NextKeyMarker       string
	NextVersionIdMarker string
	Entries             []struct {
		XMLName   xml.Name
		Key       string
		VersionId string
		IsLatest  bool
		Size      int64
	} `xml:",any"`
}

func (d versionsDoc) summary() string {
	var parts []string
	for _, e := range d.Entries {
		if e.XMLName.Local != "Version" && e.XMLName.Local != "DeleteMarker" {
			continue
		}
		s := e.Key + "/" + e.XMLName.Local[:1]
		if e.IsLatest {
			s += "*"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ",")
}

func TestBucketVersioning(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "vers")
	resp, body := e.signed(t, http.MethodPut, "/vers/k", []byte("unversioned"), nil)
	wantStatus(t, resp, body, http.StatusOK)
	if v := resp.Header.Get("X-Amz-Version-Id"); v != "" {
		t.Errorf("x-amz-version-id in a bucket never versioned: %q", v)
	}
	resp, body = e.signed(t, http.MethodGet, "/vers?versioning", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if strings.Contains(string(body), "<Status>") {
		t.Errorf("GetBucketVersioning of a bucket never versioned: %s", body)
	}
	for _, doc := range []string{`<VersioningConfiguration><Status>Off</Status></VersioningConfiguration>`, `<VersioningConfiguration/>`} {
		resp, body = e.signed(t, http.MethodPut, "/vers?versioning", []byte(doc), nil)
		wantError(t, resp, body, http.StatusBadRequest, "MalformedXML")
	}
	resp, body = e.signed(t, http.MethodPut, "/vers?versioning", []byte(`<VersioningConfiguration><Status>Enabled</Status><MfaDelete>Enabled</MfaDelete></VersioningConfiguration>`), nil)
	wantError(t, resp, body, http.StatusNotImplemented, "NotImplemented")
	resp, body = e.signed(t, http.MethodPut, "/vers?versioning", []byte(`<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>`), nil)
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodGet, "/vers?versioning", nil, nil)
	if !strings.Contains(string(body), "<Status>Enabled</Status>") {
		t.Errorf("GetBucketVersioning: %s", body)
	}
	resp, body = e.asBob(t, http.MethodPut, "/vers?versioning", []byte(`<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>`), nil)
	wantError(t, resp, body, http.StatusForbidden, "AccessDenied")

	putV := func(data string) string {
		t.Helper()
		resp, body := e.signed(t, http.MethodPut, "/vers/k", []byte(data), nil)
		wantStatus(t, resp, body, http.StatusOK)
		return resp.Header.Get("X-Amz-Version-Id")
	}
	v1, v2 := putV("one"), putV("two")
	if v1 == "" || v1 == "null" || v1 == v2 {
		t.Fatalf("version ids %q %q", v1, v2)
	}
	resp, body = e.signed(t, http.MethodGet, "/vers/k?versionId="+v1, nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if string(body) != "one" || resp.Header.Get("X-Amz-Version-Id") != v1 {
		t.Errorf("GET ?versionId=v1: %q %q", body, resp.Header.Get("X-Amz-Version-Id"))
	}
	resp, body = e.signed(t, http.MethodGet, "/vers/k?versionId=null", nil, nil)
	if string(body) != "unversioned" {
		t.Errorf("GET the null version: %d %q", resp.StatusCode, body)
	}

	// A delete marker.
	resp, body = e.signed(t, http.MethodDelete, "/vers/k", nil, nil)
	wantStatus(t, resp, body, http.StatusNoContent)
	marker := resp.Header.Get("X-Amz-Version-Id")
	if resp.Header.Get("X-Amz-Delete-Marker") != "true" || marker == "" {
		t.Fatalf("DELETE in a versioned bucket: headers %v", resp.Header)
	}
	resp, body = e.signed(t, http.MethodGet, "/vers/k", nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "NoSuchKey")
	if resp.Header.Get("X-Amz-Delete-Marker") != "true" || resp.Header.Get("X-Amz-Version-Id") != marker {
		t.Errorf("GET behind a delete marker: headers %v", resp.Header)
	}
	for _, m := range []string{http.MethodGet, http.MethodHead} {
		resp, body = e.signed(t, m, "/vers/k?versionId="+marker, nil, nil)
		wantError(t, resp, body, http.StatusMethodNotAllowed, "MethodNotAllowed")
		if resp.Header.Get("X-Amz-Delete-Marker") != "true" {
			t.Errorf("%s of a delete marker by id: headers %v", m, resp.Header)
		}
	}
	resp, body = e.signed(t, http.MethodGet, "/vers", nil, nil)
	if strings.Contains(string(body), "<Key>k</Key>") {
		t.Errorf("ListObjects shows a key behind a delete marker: %s", body)
	}
	resp, body = e.signed(t, http.MethodGet, "/vers?versions", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	var doc versionsDoc
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if got := doc.summary(); got != "k/D*,k/V,k/V,k/V" {
		t.Errorf("ListObjectVersions: %s\n%s", got, body)
	}
	// Paged one at a time.
	var pages []string
	q := "/vers?versions&max-keys=1"
	for i := 0; i < 10; i++ {
		resp, body = e.signed(t, http.MethodGet, q, nil, nil)
		doc = versionsDoc{}
		if err := xml.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		pages = append(pages, doc.summary())
		if !doc.IsTruncated {
			break
		}
		q = "/vers?versions&max-keys=1&key-marker=" + doc.NextKeyMarker + "&version-id-marker=" + doc.NextVersionIdMarker
	}
	if got := strings.Join(pages, "|"); got != "k/D*|k/V|k/V|k/V" {
		t.Errorf("paged versions: %s", got)
	}
	resp, body = e.signed(t, http.MethodGet, "/vers?versions&version-id-marker="+v1, nil, nil)
	wantError(t, resp, body, http.StatusBadRequest, "InvalidArgument")

	// Removing the marker brings the object back; a copy from an old
	// version names it.
	resp, body = e.signed(t, http.MethodDelete, "/vers/k?versionId="+marker, nil, nil)
	wantStatus(t, resp, body, http.StatusNoContent)
	if resp.Header.Get("X-Amz-Delete-Marker") != "true" || resp.Header.Get("X-Amz-Version-Id") != marker {
		t.Errorf("DELETE of the marker by id: headers %v", resp.Header)
	}
	resp, body = e.signed(t, http.MethodGet, "/vers/k", nil, nil)
	if string(body) != "two" {
		t.Errorf("GET once the marker is gone: %d %q", resp.StatusCode, body)
	}
	resp, body = e.signed(t, http.MethodPut, "/vers/copy", nil, map[string]string{"X-Amz-Copy-Source": "/vers/k?versionId=" + v1})
	wantStatus(t, resp, body, http.StatusOK)
	if resp.Header.Get("X-Amz-Copy-Source-Version-Id") != v1 || resp.Header.Get("X-Amz-Version-Id") == "" {
		t.Errorf("copy from a version: headers %v", resp.Header)
	}
	resp, body = e.signed(t, http.MethodGet, "/vers/copy", nil, nil)
	if string(body) != "one" {
		t.Errorf("copy of v1: %q", body)
	}

	// DeleteObjects by version.
	del := []byte(`<Delete><Object><Key>k</Key><VersionId>` + v2 + `</VersionId></Object><Object><Key>copy</Key></Object></Delete>`)
	resp, body = e.signed(t, http.MethodPost, "/vers?delete", del, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(string(body), "<VersionId>"+v2+"</VersionId>") || !strings.Contains(string(body), "<DeleteMarker>true</DeleteMarker><DeleteMarkerVersionId>") {
		t.Errorf("DeleteObjects with versions: %s", body)
	}
	resp, body = e.signed(t, http.MethodGet, "/vers/k", nil, nil)
	if string(body) != "one" {
		t.Errorf("GET after deleting v2: %q", body)
	}

	// Suspended: writes make the null version.
	resp, body = e.signed(t, http.MethodPut, "/vers?versioning", []byte(`<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>`), nil)
	wantStatus(t, resp, body, http.StatusOK)
	if v := putV("three"); v != "null" {
		t.Errorf("Suspended PUT: x-amz-version-id %q", v)
	}
	resp, body = e.signed(t, http.MethodGet, "/vers/k?versionId=null", nil, nil)
	if string(body) != "three" {
		t.Errorf("the new null version: %q", body)
	}
	// Another account may not read versions it may not read.
	resp, body = e.asBob(t, http.MethodGet, "/vers/k?versionId="+v1, nil, nil)
	wantError(t, resp, body, http.StatusForbidden, "AccessDenied")
	resp, body = e.asBob(t, http.MethodGet, "/vers?versions", nil, nil)
	wantError(t, resp, body, http.StatusForbidden, "AccessDenied")
}

// TestVersionSubresources: ACL, tags and attributes of a version that is
// not current, by versionId.
func TestVersionSubresources(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "vsub")
	resp, body := e.signed(t, http.MethodPut, "/vsub?versioning", []byte(`<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`), nil)
	wantStatus(t, resp, body, http.StatusOK)
	resp, _ = e.signed(t, http.MethodPut, "/vsub/k", []byte("one"), nil)
	v1 := resp.Header.Get("X-Amz-Version-Id")
	resp, _ = e.signed(t, http.MethodPut, "/vsub/k", []byte("second"), nil)
	v2 := resp.Header.Get("X-Amz-Version-Id")
	resp, body = e.signed(t, http.MethodPut, "/vsub/k?tagging&versionId="+v1, taggingXML("old", "yes"), nil)
	wantStatus(t, resp, body, http.StatusOK)
	if resp.Header.Get("X-Amz-Version-Id") != v1 {
		t.Errorf("PutObjectTagging by version: x-amz-version-id %q", resp.Header.Get("X-Amz-Version-Id"))
	}
	if got := e.tagsOf(t, "/vsub/k"); got != "" {
		t.Errorf("current version's tags: %q", got)
	}
	resp, body = e.signed(t, http.MethodGet, "/vsub/k?tagging&versionId="+v1, nil, nil)
	if !strings.Contains(string(body), "<Key>old</Key>") {
		t.Errorf("tags of v1: %s", body)
	}
	resp, body = e.signed(t, http.MethodPut, "/vsub/k?acl&versionId="+v1, nil, map[string]string{"X-Amz-Acl": "public-read"})
	wantStatus(t, resp, body, http.StatusOK)
	anon := func(path string) int {
		resp, _ := e.do(t, e.request(t, http.MethodGet, path, nil))
		return resp.StatusCode
	}
	if s1, s2 := anon("/vsub/k?versionId="+v1), anon("/vsub/k?versionId="+v2); s1 != http.StatusOK || s2 != http.StatusForbidden {
		t.Errorf("anonymous GET of the public v1 / private v2: %d / %d", s1, s2)
	}
	resp, body = e.signed(t, http.MethodGet, "/vsub/k?attributes&versionId="+v1, nil, map[string]string{"X-Amz-Object-Attributes": "ObjectSize"})
	if !strings.Contains(string(body), "<ObjectSize>3</ObjectSize>") {
		t.Errorf("attributes of v1: %s", body)
	}
}
