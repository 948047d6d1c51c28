package frontend

import (
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
)

type taggingDoc struct {
	TagSet []struct{ Key, Value string } `xml:"TagSet>Tag"`
}

func (e *env) tagsOf(t *testing.T, path string) string {
	t.Helper()
	resp, body := e.signed(t, http.MethodGet, path+"?tagging", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	var doc taggingDoc
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("GET %s?tagging: %v\n%s", path, err, body)
	}
	var parts []string
	for _, tg := range doc.TagSet {
		parts = append(parts, tg.Key+"="+tg.Value)
	}
	return strings.Join(parts, ",")
}

func taggingXML(pairs ...string) []byte {
	var sb strings.Builder
	sb.WriteString(`<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>`)
	for i := 0; i+1 < len(pairs); i += 2 {
		sb.WriteString("<Tag><Key>" + pairs[i] + "</Key><Value>" + pairs[i+1] + "</Value></Tag>")
	}
	sb.WriteString("</TagSet></Tagging>")
	return []byte(sb.String())
}

func TestObjectTagging(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "tags")
	resp, body := e.signed(t, http.MethodPut, "/tags/k", []byte("v"), map[string]string{"X-Amz-Tagging": "project=amphora&env=prod%20%26%20test"})
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodHead, "/tags/k", nil, nil)
	if resp.Header.Get("X-Amz-Tagging-Count") != "2" {
		t.Errorf("x-amz-tagging-count = %q", resp.Header.Get("X-Amz-Tagging-Count"))
	}
	if got := e.tagsOf(t, "/tags/k"); got != "env=prod & test,project=amphora" {
		t.Errorf("tags from x-amz-tagging: %q", got)
	}
	resp, body = e.signed(t, http.MethodPut, "/tags/k?tagging", taggingXML("a", "1", "b", ""), nil)
	wantStatus(t, resp, body, http.StatusOK)
	if got := e.tagsOf(t, "/tags/k"); got != "a=1,b=" {
		t.Errorf("tags after PutObjectTagging: %q", got)
	}
	// A copy takes the source's tags, or with REPLACE the header's.
	resp, body = e.signed(t, http.MethodPut, "/tags/copy", nil, map[string]string{"X-Amz-Copy-Source": "/tags/k", "X-Amz-Tagging": "ignored=1"})
	wantStatus(t, resp, body, http.StatusOK)
	if got := e.tagsOf(t, "/tags/copy"); got != "a=1,b=" {
		t.Errorf("copied tags: %q", got)
	}
	resp, body = e.signed(t, http.MethodPut, "/tags/copy2", nil, map[string]string{"X-Amz-Copy-Source": "/tags/k", "X-Amz-Tagging-Directive": "REPLACE", "X-Amz-Tagging": "c=3"})
	wantStatus(t, resp, body, http.StatusOK)
	if got := e.tagsOf(t, "/tags/copy2"); got != "c=3" {
		t.Errorf("replaced tags: %q", got)
	}
	resp, body = e.signed(t, http.MethodPut, "/tags/copy3", nil, map[string]string{"X-Amz-Copy-Source": "/tags/k", "X-Amz-Tagging-Directive": "MERGE"})
	wantError(t, resp, body, http.StatusBadRequest, "InvalidArgument")
	// A multipart upload's tags.
	resp, body = e.signed(t, http.MethodPost, "/tags/mp?uploads", nil, map[string]string{"X-Amz-Tagging": "m=p"})
	wantStatus(t, resp, body, http.StatusOK)
	var init struct{ UploadId string }
	if err := xml.Unmarshal(body, &init); err != nil {
		t.Fatal(err)
	}
	resp, body = e.signed(t, http.MethodPut, "/tags/mp?partNumber=1&uploadId="+init.UploadId, []byte("part"), nil)
	wantStatus(t, resp, body, http.StatusOK)
	etag := resp.Header.Get("ETag")
	resp, body = e.signed(t, http.MethodPost, "/tags/mp?uploadId="+init.UploadId,
		[]byte(`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>`+etag+`</ETag></Part></CompleteMultipartUpload>`), nil)
	wantStatus(t, resp, body, http.StatusOK)
	if got := e.tagsOf(t, "/tags/mp"); got != "m=p" {
		t.Errorf("multipart tags: %q", got)
	}
	// Delete.
	resp, body = e.signed(t, http.MethodDelete, "/tags/k?tagging", nil, nil)
	wantStatus(t, resp, body, http.StatusNoContent)
	if got := e.tagsOf(t, "/tags/k"); got != "" {
		t.Errorf("tags after DeleteObjectTagging: %q", got)
	}
	resp, _ = e.signed(t, http.MethodHead, "/tags/k", nil, nil)
	if v := resp.Header.Get("X-Amz-Tagging-Count"); v != "" {
		t.Errorf("x-amz-tagging-count without tags: %q", v)
	}
	resp, body = e.signed(t, http.MethodGet, "/tags/missing?tagging", nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "NoSuchKey")
}

func TestTaggingLimits(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "tags")
	e.mustPut(t, "tags", "k", []byte("v"))
	eleven := []string{}
	for i := range 11 {
		eleven = append(eleven, "k"+string(rune('a'+i)), "v")
	}
	fiftyOne := []string{}
	for i := range 51 {
		fiftyOne = append(fiftyOne, "k"+strings.Repeat("x", i), "v")
	}
	for _, tc := range []struct {
		name, path string
		body       []byte
		code       string
	}{
		{"11 tags", "/tags/k?tagging", taggingXML(eleven...), "InvalidTag"},
		{"long key", "/tags/k?tagging", taggingXML(strings.Repeat("é", 129), "v"), "InvalidTag"},
		{"long value", "/tags/k?tagging", taggingXML("k", strings.Repeat("v", 257)), "InvalidTag"},
		{"empty key", "/tags/k?tagging", taggingXML("", "v"), "InvalidTag"},
		{"duplicate keys", "/tags/k?tagging", taggingXML("k", "1", "k", "2"), "InvalidTag"},
		{"aws: prefix", "/tags/k?tagging", taggingXML("aws:cloudformation", "v"), "InvalidTag"},
		{"no TagSet", "/tags/k?tagging", []byte(`<Tagging/>`), "MalformedXML"},
		{"not XML", "/tags/k?tagging", []byte(`{"TagSet":[]}`), "MalformedXML"},
		{"51 bucket tags", "/tags?tagging", taggingXML(fiftyOne...), "InvalidTag"},
	} {
		resp, body := e.signed(t, http.MethodPut, tc.path, tc.body, nil)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "<Code>"+tc.code+"</Code>") {
			t.Errorf("%s: %d %s", tc.name, resp.StatusCode, body)
		}
	}
	// The longest key and value S3 takes go (in characters, not bytes).
	resp, body := e.signed(t, http.MethodPut, "/tags/k?tagging", taggingXML(strings.Repeat("é", 128), strings.Repeat("ü", 256)), nil)
	wantStatus(t, resp, body, http.StatusOK)
	for _, hdr := range []string{"a=1&a=2", "%zz=1", "aws:x=1"} {
		resp, body := e.signed(t, http.MethodPut, "/tags/h", []byte("x"), map[string]string{"X-Amz-Tagging": hdr})
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("x-amz-tagging %q: %d %s", hdr, resp.StatusCode, body)
		}
	}
	resp, body = e.signed(t, http.MethodHead, "/tags/h", nil, nil)
	wantStatus(t, resp, body, http.StatusNotFound) // refused writes store nothing
}

func TestBucketTagging(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "tags")
	resp, body := e.signed(t, http.MethodGet, "/tags?tagging", nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "NoSuchTagSet")
	resp, body = e.signed(t, http.MethodPut, "/tags?tagging", taggingXML("team", "storage", "cost", "42"), nil)
	wantStatus(t, resp, body, http.StatusNoContent)
	if got := e.tagsOf(t, "/tags"); got != "cost=42,team=storage" {
		t.Errorf("bucket tags: %q", got)
	}
	resp, body = e.asBob(t, http.MethodGet, "/tags?tagging", nil, nil)
	wantError(t, resp, body, http.StatusForbidden, "AccessDenied")
	resp, body = e.signed(t, http.MethodDelete, "/tags?tagging", nil, nil)
	wantStatus(t, resp, body, http.StatusNoContent)
	resp, body = e.signed(t, http.MethodGet, "/tags?tagging", nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "NoSuchTagSet")
}

// TestTaggingAccess: a public-read object's tags are its owner's; a
// policy can grant them, and can decide on them (ExistingObjectTag,
// RequestObjectTag).
func TestTaggingAccess(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "tags")
	resp, body := e.signed(t, http.MethodPut, "/tags/pub", []byte("v"), map[string]string{"X-Amz-Acl": "public-read", "X-Amz-Tagging": "public=yes"})
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodPut, "/tags/priv", []byte("v"), map[string]string{"X-Amz-Tagging": "public=no"})
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.asBob(t, http.MethodGet, "/tags/pub", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.asBob(t, http.MethodGet, "/tags/pub?tagging", nil, nil)
	wantError(t, resp, body, http.StatusForbidden, "AccessDenied")
	resp, body = e.asBob(t, http.MethodPut, "/tags/pub?tagging", taggingXML("x", "y"), nil)
	wantError(t, resp, body, http.StatusForbidden, "AccessDenied")

	resp, body = e.signed(t, http.MethodPut, "/tags?policy", []byte(`{"Statement":[
		{"Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:GetObjectTagging"],"Resource":"arn:aws:s3:::tags/*","Condition":{"StringEquals":{"s3:ExistingObjectTag/public":"yes"}}},
		{"Effect":"Allow","Principal":{"AWS":"tenant-bob"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::tags/*","Condition":{"StringEquals":{"s3:RequestObjectTag/team":"bob"}}}]}`), nil)
	wantStatus(t, resp, body, http.StatusNoContent)
	anon := func(path string) int {
		resp, _ := e.do(t, e.request(t, http.MethodGet, path, nil))
		return resp.StatusCode
	}
	if s := anon("/tags/pub?tagging"); s != http.StatusOK {
		t.Errorf("anonymous GET ?tagging of an object tagged public=yes: %d", s)
	}
	if s := anon("/tags/priv"); s != http.StatusForbidden {
		t.Errorf("anonymous GET of an object tagged public=no: %d", s)
	}
	resp, body = e.signed(t, http.MethodPut, "/tags/priv?tagging", taggingXML("public", "yes"), nil)
	wantStatus(t, resp, body, http.StatusOK)
	if s := anon("/tags/priv"); s != http.StatusOK {
		t.Errorf("anonymous GET once tagged public=yes: %d", s)
	}
	resp, body = e.asBob(t, http.MethodPut, "/tags/bob1", []byte("x"), nil)
	wantError(t, resp, body, http.StatusForbidden, "AccessDenied")
	resp, body = e.asBob(t, http.MethodPut, "/tags/bob2", []byte("x"), map[string]string{"X-Amz-Tagging": "team=bob"})
	wantStatus(t, resp, body, http.StatusOK)
}
