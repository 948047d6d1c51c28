package frontend

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

type deleteDoc struct {
	Deleted []struct{ Key, VersionId string }
	Error   []struct{ Key, VersionId, Code, Message string }
}

func deleteBody(quiet bool, keys ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>%v</Quiet>`, quiet)
	for _, k := range keys {
		b.WriteString("<Object><Key>")
		xml.EscapeText(&b, []byte(k))
		b.WriteString("</Key></Object>")
	}
	b.WriteString("</Delete>")
	return []byte(b.String())
}

func md5Header(body []byte) map[string]string {
	sum := md5.Sum(body)
	return map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(sum[:])}
}

func TestDeleteObjects(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	for _, k := range []string{"a", "b", "c", "d", "x&y"} {
		e.mustPut(t, "bucket", k, []byte(k))
	}

	body := deleteBody(false, "a", "missing", "x&y")
	resp, out := e.signed(t, http.MethodPost, "/bucket?delete", body, md5Header(body))
	wantStatus(t, resp, out, http.StatusOK)
	var d deleteDoc
	if err := xml.Unmarshal(out, &d); err != nil {
		t.Fatal(err)
	}
	var deleted []string
	for _, x := range d.Deleted {
		deleted = append(deleted, x.Key)
	}
	if !slices.Equal(deleted, []string{"a", "missing", "x&y"}) || len(d.Error) != 0 {
		t.Errorf("result = %+v", d)
	}

	// Quiet: only errors are reported. A malformed version id is one; the
	// null version of a key that has none is deleted (nothing to do).
	body = []byte(`<Delete><Quiet>true</Quiet><Object><Key>b</Key></Object>` +
		`<Object><Key>c</Key><VersionId>abc</VersionId></Object>` +
		`<Object><Key>d</Key><VersionId>null</VersionId></Object></Delete>`)
	resp, out = e.signed(t, http.MethodPost, "/bucket?delete", body, md5Header(body))
	wantStatus(t, resp, out, http.StatusOK)
	d = deleteDoc{}
	if err := xml.Unmarshal(out, &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Deleted) != 0 || len(d.Error) != 1 || d.Error[0].Key != "c" || d.Error[0].Code != "InvalidArgument" || d.Error[0].VersionId != "abc" {
		t.Errorf("quiet result = %+v\n%s", d, out)
	}
	// Without Content-MD5 (verified only when present).
	body = deleteBody(true, "c")
	resp, out = e.signed(t, http.MethodPost, "/bucket?delete", body, nil)
	wantStatus(t, resp, out, http.StatusOK)

	list := e.list(t, "bucket", nil)
	if len(list.Contents) != 0 {
		t.Errorf("left over: %q", list.keys())
	}

	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%04d", i)
	}
	body = deleteBody(true, keys...)
	resp, out = e.signed(t, http.MethodPost, "/bucket?delete", body, md5Header(body))
	wantStatus(t, resp, out, http.StatusOK)

	for _, tc := range []struct {
		name   string
		body   []byte
		hdr    map[string]string
		status int
		code   string
	}{
		{"1001 keys", deleteBody(true, append(keys, "one-more")...), nil, http.StatusBadRequest, "MalformedXML"},
		{"no keys", deleteBody(true), nil, http.StatusBadRequest, "MalformedXML"},
		{"empty body", nil, nil, http.StatusBadRequest, "MalformedXML"},
		{"not XML", []byte("<Delete><Object>"), nil, http.StatusBadRequest, "MalformedXML"},
		{"wrong root", []byte("<Remove><Object><Key>a</Key></Object></Remove>"), nil, http.StatusBadRequest, "MalformedXML"},
		{"bad digest", deleteBody(true, "a"), md5Header([]byte("other")), http.StatusBadRequest, "BadDigest"},
		{"invalid digest", deleteBody(true, "a"), map[string]string{"Content-MD5": "zzz"}, http.StatusBadRequest, "InvalidDigest"},
		{"too big", []byte("<Delete>" + strings.Repeat(" ", 1<<20) + "</Delete>"), nil, http.StatusBadRequest, "MaxMessageLengthExceeded"},
	} {
		resp, out := e.signed(t, http.MethodPost, "/bucket?delete", tc.body, tc.hdr)
		t.Run(tc.name, func(t *testing.T) { wantError(t, resp, out, tc.status, tc.code) })
	}

	// Other tenants and missing buckets.
	body = deleteBody(false, "a")
	resp, out = e.do(t, signV2(e.request(t, http.MethodPost, "/bucket?delete", strings.NewReader(string(body))), bobKey, bobSecret))
	wantError(t, resp, out, http.StatusForbidden, "AccessDenied")
	resp, out = e.signed(t, http.MethodPost, "/nobucket?delete", body, nil)
	wantError(t, resp, out, http.StatusNotFound, "NoSuchBucket")
}
