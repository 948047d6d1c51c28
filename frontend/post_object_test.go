package frontend

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// keyAny is the condition that lets any key through.
const keyAny = `["starts-with", "$key", ""]`

// TestPostObjectV4 uploads with a SigV4 policy into a private bucket:
// the key, Content-Type, metadata, ACL and tags the form gives are
// stored, and success_action_status 201 answers S3's PostResponse.
func TestPostObjectV4(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "forms")
	data := []byte("hello from a form")
	tagging := `<Tagging><TagSet><Tag><Key>project</Key><Value>amphora</Value></Tag></TagSet></Tagging>`
	f := testForm{
		fields: fields([]formField{
			{"key", "uploads/${filename}"},
			{"Content-Type", "text/plain"},
			{"x-amz-meta-color", "blue"},
			{"acl", "public-read"},
			{"tagging", tagging},
			{"success_action_status", "201"},
			{"Cache-Control", "max-age=60"},
		}, v4Fields(aliceKey, aliceSecret, time.Now(),
			`{"bucket": "forms"}`, `["starts-with", "$key", "uploads/"]`, `["starts-with", "$Content-Type", "text/"]`,
			`{"x-amz-meta-color": "blue"}`, `["eq", "$acl", "public-read"]`, `["starts-with", "$tagging", ""]`,
			`{"success_action_status": "201"}`, `["starts-with", "$cache-control", "max-age"]`,
			`["content-length-range", 1, 1024]`)),
		filename: `C:\Users\mary\hello.txt`,
		file:     data,
	}
	resp, body := e.post(t, "forms", f)
	wantStatus(t, resp, body, http.StatusCreated)
	var pr struct {
		XMLName                     xml.Name
		Location, Bucket, Key, ETag string
	}
	if err := xml.Unmarshal(body, &pr); err != nil {
		t.Fatalf("201 body: %v\n%s", err, body)
	}
	etag := `"` + md5hex(data) + `"`
	if pr.XMLName.Local != "PostResponse" || pr.XMLName.Space != "" || pr.Bucket != "forms" || pr.Key != "uploads/hello.txt" || pr.ETag != etag ||
		pr.Location != "http://"+e.addr+"/forms/uploads%2Fhello.txt" {
		t.Errorf("PostResponse = %+v\n%s", pr, body)
	}
	if resp.Header.Get("ETag") != etag || resp.Header.Get("Location") != pr.Location {
		t.Errorf("headers ETag %q Location %q", resp.Header.Get("ETag"), resp.Header.Get("Location"))
	}
	resp, got := e.getObject(t, "forms", "uploads/hello.txt")
	wantStatus(t, resp, got, http.StatusOK)
	if !bytes.Equal(got, data) || resp.Header.Get("Content-Type") != "text/plain" || resp.Header.Get("X-Amz-Meta-Color") != "blue" ||
		resp.Header.Get("Cache-Control") != "max-age=60" || resp.Header.Get("ETag") != etag {
		t.Errorf("GET: %q %v", got, resp.Header)
	}
	if tags := e.tagsOf(t, "/forms/uploads/hello.txt"); tags != "project=amphora" {
		t.Errorf("tags %q", tags)
	}
	// public-read: anyone reads it.
	resp, got = e.do(t, e.request(t, http.MethodGet, "/forms/uploads/hello.txt", nil))
	wantStatus(t, resp, got, http.StatusOK)
}

// TestPostObjectV2 uploads with a SigV2 policy: 204 with the ETag and
// the object's Location, by default.
func TestPostObjectV2(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "forms")
	data := bytes.Repeat([]byte("v2"), 1000)
	doc := policyJSON(time.Now().Add(time.Hour), `{"bucket": "forms"}`, `{"key": "v2.bin"}`)
	resp, body := e.post(t, "forms", testForm{fields: fields([]formField{{"key", "v2.bin"}}, v2Fields(aliceKey, aliceSecret, doc)), filename: "x", file: data})
	wantStatus(t, resp, body, http.StatusNoContent)
	if len(body) != 0 || resp.Header.Get("ETag") != `"`+md5hex(data)+`"` || resp.Header.Get("Location") != "http://"+e.addr+"/forms/v2.bin" {
		t.Errorf("204: %q %v", body, resp.Header)
	}
	resp, got := e.getObject(t, "forms", "v2.bin")
	if !bytes.Equal(got, data) || resp.Header.Get("Content-Type") != defaultContentType {
		t.Errorf("GET: %d bytes, %v", len(got), resp.Header)
	}
}

// TestPostSignatureErrors: the answers to forms whose credentials do not
// hold, each as S3 gives it.
func TestPostSignatureErrors(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "forms")
	now := time.Now()
	v4 := func(edit func([]formField)) []formField {
		fs := v4Fields(aliceKey, aliceSecret, now, keyAny)
		edit(fs)
		return fs
	}
	without := func(fs []formField, name string) []formField {
		var out []formField
		for _, f := range fs {
			if f.name != name {
				out = append(out, f)
			}
		}
		return out
	}
	good := v4Fields(aliceKey, aliceSecret, now, keyAny)
	doc := policyJSON(now.Add(time.Hour), keyAny)
	for _, c := range []struct {
		name   string
		fields []formField
		status int
		code   string
		check  func(t *testing.T, body string)
	}{
		{"V4 bad signature", v4(func(fs []formField) { fs[4].value = strings.Repeat("0", 64) }), 403, "SignatureDoesNotMatch", func(t *testing.T, body string) {
			if !contains(body, "<StringToSign>"+good[3].value+"</StringToSign>") || !contains(body, "<AWSAccessKeyId>"+aliceKey+"</AWSAccessKeyId>") {
				t.Errorf("body %s", body)
			}
		}},
		{"V4 unknown key", v4Fields("AKNOBODY", aliceSecret, now, keyAny), 403, "InvalidAccessKeyId", nil},
		{"V4 another region", v4(func(fs []formField) {
			fs[1].value = strings.Replace(fs[1].value, testRegion, "eu-west-1", 1)
		}), 400, "InvalidArgument", func(t *testing.T, body string) {
			if !contains(body, "<Region>"+testRegion+"</Region>") || !contains(body, "<ArgumentName>X-Amz-Credential</ArgumentName>") {
				t.Errorf("body %s", body)
			}
		}},
		{"V4 no signature", without(good, "x-amz-signature"), 400, "InvalidArgument", func(t *testing.T, body string) {
			if !contains(body, "Bucket POST must contain a field named &#39;X-Amz-Signature&#39;.  If it is specified, please check the order of the fields.") {
				t.Errorf("body %s", body)
			}
		}},
		{"V4 no algorithm", without(good, "x-amz-algorithm"), 400, "InvalidArgument", func(t *testing.T, body string) {
			if !contains(body, "<ArgumentName>X-Amz-Algorithm</ArgumentName>") {
				t.Errorf("body %s", body)
			}
		}},
		{"V4 no policy", without(good, "policy"), 400, "InvalidArgument", nil},
		{"V2 bad signature", func() []formField {
			fs := v2Fields(aliceKey, aliceSecret, doc)
			fs[2].value = base64.StdEncoding.EncodeToString(make([]byte, 20))
			return fs
		}(), 403, "SignatureDoesNotMatch", nil},
		{"V2 other secret", v2Fields(aliceKey, bobSecret, doc), 403, "SignatureDoesNotMatch", nil},
		{"V2 unknown key", v2Fields("AKNOBODY", aliceSecret, doc), 403, "InvalidAccessKeyId", nil},
		{"V2 no AWSAccessKeyId", without(v2Fields(aliceKey, aliceSecret, doc), "AWSAccessKeyId"), 400, "InvalidArgument", func(t *testing.T, body string) {
			if !contains(body, "<ArgumentName>AWSAccessKeyId</ArgumentName>") {
				t.Errorf("body %s", body)
			}
		}},
		{"V2 and V4", fields(good, v2Fields(aliceKey, aliceSecret, doc)[:1]), 400, "InvalidArgument", nil},
		{"session token", fields(good, []formField{{"x-amz-security-token", "tok"}}), 501, "NotImplemented", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := e.post(t, "forms", testForm{fields: fields([]formField{{"key", "k"}}, c.fields), filename: "k", file: []byte("x")})
			wantError(t, resp, body, c.status, c.code)
			if c.check != nil {
				c.check(t, string(body))
			}
		})
	}
	// A POST that also carries an Authorization header is refused.
	body, ct := testForm{fields: fields([]formField{{"key", "k"}}, good), filename: "k", file: []byte("x")}.encode(t)
	req := e.request(t, http.MethodPost, "/forms", bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	resp, rb := e.do(t, signV2(req, aliceKey, aliceSecret))
	wantError(t, resp, rb, 400, "InvalidRequest")
}

// TestPostFormLimits: the form's own rules (multipart, the 20 KB before
// the file, one file, a key) and sizing the file.
func TestPostFormLimits(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "pub")
	resp, body := e.signed(t, http.MethodPut, "/pub?acl", nil, map[string]string{"X-Amz-Acl": "public-read-write"})
	wantStatus(t, resp, body, http.StatusOK)
	anon := func(fs ...formField) []formField { return append([]formField{{"key", "k"}}, fs...) }

	// Not multipart: 412 with S3's Condition.
	resp, body = e.postRaw(t, "/pub", []byte("key=k"), "application/x-www-form-urlencoded")
	if doc := wantError(t, resp, body, 412, "PreconditionFailed"); doc.Condition != "Bucket POST must be of the enclosure-type multipart/form-data" {
		t.Errorf("Condition %q", doc.Condition)
	}
	resp, body = e.postRaw(t, "/pub", []byte("--x\r\n"), "multipart/form-data")
	wantError(t, resp, body, 400, "MalformedPOSTRequest")
	resp, body = e.postRaw(t, "/pub", []byte("garbage"), "multipart/form-data; boundary=xyz")
	wantError(t, resp, body, 400, "MalformedPOSTRequest")

	// The fields before the file: 20480 bytes, boundaries and part heads
	// included.
	fill := func(total int) []formField {
		base, _ := testForm{fields: anon(formField{"x-ignore-pad", ""}), filename: "f"}.encode(t)
		// base is the fields and the file part's head plus its closing; find
		// the pre-file length with an empty pad, then pad to total.
		pre := bytes.Index(base, []byte("application/octet-stream\r\n\r\n")) + len("application/octet-stream\r\n\r\n")
		return anon(formField{"x-ignore-pad", strings.Repeat("p", total-pre)})
	}
	resp, body = e.post(t, "pub", testForm{fields: fill(maxPostPreData), filename: "f", file: []byte("ok")})
	wantStatus(t, resp, body, http.StatusNoContent)
	resp, body = e.post(t, "pub", testForm{fields: fill(maxPostPreData + 1), filename: "f", file: []byte("no")})
	if wantError(t, resp, body, 400, "MaxPostPreDataLengthExceeded"); !contains(string(body), "<MaxPostPreDataLengthBytes>20480</MaxPostPreDataLengthBytes>") {
		t.Errorf("body %s", body)
	}
	// A huge field is cut off at the limit, not read whole.
	resp, body = e.post(t, "pub", testForm{fields: anon(formField{"x-ignore-big", strings.Repeat("b", 4<<20)}), filename: "f", file: []byte("no")})
	wantError(t, resp, body, 400, "MaxPostPreDataLengthExceeded")

	// No file; the key missing or after the file.
	resp, body = e.post(t, "pub", testForm{fields: anon(), noFile: true})
	if doc := wantError(t, resp, body, 400, "InvalidArgument"); doc.Message != "POST requires exactly one file upload per request." {
		t.Errorf("no file: %q", doc.Message)
	}
	resp, body = e.post(t, "pub", testForm{filename: "f", file: []byte("x"), after: anon()})
	if doc := wantError(t, resp, body, 400, "InvalidArgument"); !strings.HasPrefix(doc.Message, "Bucket POST must contain a field named 'key'.") {
		t.Errorf("key after the file: %q", doc.Message)
	}
	resp, body = e.post(t, "pub", testForm{fields: []formField{{"key", strings.Repeat("k", 1025)}}, filename: "f", file: []byte("x")})
	wantError(t, resp, body, 400, "KeyTooLongError")

	// Files of every size around the point where they stop being read
	// into memory first, with and without fields after them.
	for _, n := range []int{0, 1, postFilePrefix - 1, postFilePrefix, postFilePrefix + 1, 3 << 20} {
		data := bytes.Repeat([]byte{byte(n)}, n)
		key := "size-" + strings.Repeat("x", n%7)
		resp, body = e.post(t, "pub", testForm{fields: []formField{{"key", key}}, filename: "f", file: data})
		wantStatus(t, resp, body, http.StatusNoContent)
		if _, got := e.getObject(t, "pub", key); !bytes.Equal(got, data) {
			t.Errorf("%d bytes: read back %d bytes", n, len(got))
		}
		resp, body = e.post(t, "pub", testForm{fields: []formField{{"key", "after"}}, filename: "f", file: data, after: []formField{{"submit", "Upload"}}})
		wantStatus(t, resp, body, http.StatusNoContent) // fields after the file are ignored, whatever its size
		if _, got := e.getObject(t, "pub", "after"); !bytes.Equal(got, data) {
			t.Errorf("%d bytes, then a field: read back %d bytes", n, len(got))
		}
	}
	// A body without Content-Length (chunked): any size, the file read
	// to the end of its part.
	for _, n := range []int{10, postFilePrefix + 10} {
		data := bytes.Repeat([]byte{'c'}, n)
		b, ct := testForm{fields: []formField{{"key", "chunked"}}, filename: "f", file: data, after: []formField{{"submit", "Upload"}}}.encode(t)
		req := e.request(t, http.MethodPost, "/pub", struct{ *bytes.Reader }{bytes.NewReader(b)})
		req.Header.Set("Content-Type", ct)
		resp, body := e.do(t, req)
		wantStatus(t, resp, body, http.StatusNoContent)
		if _, got := e.getObject(t, "pub", "chunked"); !bytes.Equal(got, data) {
			t.Errorf("chunked, %d bytes: read back %d bytes", n, len(got))
		}
	}
}

// TestPostSuccessActions: success_action_status and the redirects.
func TestPostSuccessActions(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "pub")
	resp, body := e.signed(t, http.MethodPut, "/pub?acl", nil, map[string]string{"X-Amz-Acl": "public-read-write"})
	wantStatus(t, resp, body, http.StatusOK)
	data := []byte("redirected")
	etag := md5hex(data)
	for _, c := range []struct {
		fields   []formField
		status   int
		location string
	}{
		{[]formField{{"success_action_status", "200"}}, 200, ""},
		{[]formField{{"success_action_status", "204"}}, 204, ""},
		{[]formField{{"success_action_status", "404"}}, 204, ""},
		{[]formField{{"success_action_redirect", "https://app.example/done"}}, 303,
			"https://app.example/done?bucket=pub&key=dir%2Fa+b.txt&etag=%22" + etag + "%22"},
		{[]formField{{"success_action_redirect", "http://app.example/done?u=1"}, {"success_action_status", "201"}}, 303,
			"http://app.example/done?u=1&bucket=pub&key=dir%2Fa+b.txt&etag=%22" + etag + "%22"},
		{[]formField{{"redirect", "http://app.example/old"}}, 303,
			"http://app.example/old?bucket=pub&key=dir%2Fa+b.txt&etag=%22" + etag + "%22"},
		{[]formField{{"success_action_redirect", "/relative"}}, 204, ""},
	} {
		resp, body := e.post(t, "pub", testForm{fields: append([]formField{{"key", "dir/a b.txt"}}, c.fields...), filename: "f", file: data})
		if resp.StatusCode != c.status {
			t.Errorf("%v: %d, want %d\n%s", c.fields, resp.StatusCode, c.status, body)
			continue
		}
		if c.location != "" && resp.Header.Get("Location") != c.location {
			t.Errorf("%v: Location %q, want %q", c.fields, resp.Header.Get("Location"), c.location)
		}
		if c.status != 303 && resp.Header.Get("Location") != "http://"+e.addr+"/pub/dir%2Fa%20b.txt" {
			t.Errorf("%v: Location %q", c.fields, resp.Header.Get("Location"))
		}
		if len(body) != 0 {
			t.Errorf("%v: body %q", c.fields, body)
		}
		if u, err := url.Parse(resp.Header.Get("Location")); c.status == 303 && (err != nil || u.Query().Get("key") != "dir/a b.txt") {
			t.Errorf("redirect key: %v %v", u, err)
		}
	}
}

// TestPostAnonymous: a form without signature fields is anonymous:
// taken by a bucket that grants public write (the object is then the
// bucket owner's), refused by a private one.
func TestPostAnonymous(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "private")
	e.mustCreate(t, "pub")
	resp, body := e.signed(t, http.MethodPut, "/pub?acl", nil, map[string]string{"X-Amz-Acl": "public-read-write"})
	wantStatus(t, resp, body, http.StatusOK)
	f := testForm{fields: []formField{{"key", "anon.txt"}, {"Content-Type", "text/plain"}}, filename: "a", file: []byte("anonymous")}
	resp, body = e.post(t, "private", f)
	wantError(t, resp, body, 403, "AccessDenied")
	resp, body = e.post(t, "pub", f)
	wantStatus(t, resp, body, http.StatusNoContent)
	resp, body = e.signed(t, http.MethodGet, "/pub/anon.txt?acl", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if !contains(string(body), "<ID>tenant-alice</ID>") {
		t.Errorf("the anonymous upload is not the bucket owner's: %s", body)
	}
	// An unsigned policy still binds the form.
	resp, body = e.post(t, "pub", testForm{fields: []formField{{"key", "anon.txt"},
		{"policy", base64.StdEncoding.EncodeToString([]byte(policyJSON(time.Now().Add(-time.Hour), keyAny)))}}, filename: "a", file: []byte("x")})
	wantError(t, resp, body, 403, "AccessDenied")
}

// TestPostFilename: ${filename} is the file part's file name without its
// directories, in every field; without a filename parameter it stays.
func TestPostFilename(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "pub")
	resp, body := e.signed(t, http.MethodPut, "/pub?acl", nil, map[string]string{"X-Amz-Acl": "public-read-write"})
	wantStatus(t, resp, body, http.StatusOK)
	for _, c := range []struct{ filename, key string }{
		{"photo.jpg", "u/photo.jpg"},
		{`C:\Users\Mary\photo.jpg`, "u/photo.jpg"},
		{"/home/mary/ph oto.jpg", "u/ph oto.jpg"},
		{noFilename, "u/${filename}"},
	} {
		resp, body := e.post(t, "pub", testForm{fields: []formField{{"key", "u/${filename}"}, {"x-amz-meta-name", "${filename}"}}, filename: c.filename, file: []byte("p")})
		wantStatus(t, resp, body, http.StatusNoContent)
		resp, got := e.getObject(t, "pub", c.key)
		if resp.StatusCode != 200 || string(got) != "p" {
			t.Errorf("%q: GET %s: %d", c.filename, c.key, resp.StatusCode)
		}
		if want := strings.TrimPrefix(c.key, "u/"); resp.Header.Get("X-Amz-Meta-Name") != want {
			t.Errorf("%q: x-amz-meta-name %q, want %q", c.filename, resp.Header.Get("X-Amz-Meta-Name"), want)
		}
	}
}

// TestPostFields: the fields that ask for what Amphora lacks are
// refused; checksums and Content-MD5 are checked; a versioned bucket
// answers the version id.
func TestPostFields(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "pub")
	resp, body := e.signed(t, http.MethodPut, "/pub?acl", nil, map[string]string{"X-Amz-Acl": "public-read-write"})
	wantStatus(t, resp, body, http.StatusOK)
	data := []byte("checked bytes")
	sum := md5.Sum(data)
	for _, c := range []struct {
		fields []formField
		status int
		code   string
	}{
		{[]formField{{"x-amz-server-side-encryption", "AES256"}}, 501, "NotImplemented"},
		{[]formField{{"x-amz-server-side-encryption-customer-algorithm", "AES256"}}, 400, "InvalidRequest"}, // SSE-C over plain HTTP
		{[]formField{{"x-amz-website-redirect-location", "/x"}}, 501, "NotImplemented"},
		{[]formField{{"x-amz-storage-class", "GLACIER"}}, 400, "InvalidStorageClass"},
		{[]formField{{"x-amz-storage-class", "STANDARD"}}, 204, ""},
		{[]formField{{"acl", "no-such-acl"}}, 400, "InvalidArgument"},
		{[]formField{{"Content-MD5", base64.StdEncoding.EncodeToString(sum[:])}}, 204, ""},
		{[]formField{{"Content-MD5", base64.StdEncoding.EncodeToString(make([]byte, 16))}}, 400, "BadDigest"},
		{[]formField{{"x-amz-checksum-crc32", "dGVzdA=="}}, 400, "BadDigest"},
		{[]formField{{"x-amz-checksum-algorithm", "SHA256"}}, 204, ""},
		{[]formField{{"x-amz-meta-big", strings.Repeat("m", 2100)}}, 400, "MetadataTooLarge"},
		{[]formField{{"tagging", "not xml"}}, 400, "MalformedXML"},
		{[]formField{{"tagging", "<Tagging><TagSet><Tag><Key>aws:x</Key><Value>1</Value></Tag></TagSet></Tagging>"}}, 400, "InvalidTag"},
		{[]formField{{"bucket", "another"}}, 400, "InvalidArgument"},
	} {
		resp, body := e.post(t, "pub", testForm{fields: append([]formField{{"key", "f"}}, c.fields...), filename: "f", file: data})
		if c.status < 300 {
			if resp.StatusCode != c.status {
				t.Errorf("%v: %d\n%s", c.fields, resp.StatusCode, body)
			}
			continue
		}
		t.Run(c.fields[0].name, func(t *testing.T) { wantError(t, resp, body, c.status, c.code) })
	}
	// The checksum the form asks for is computed and answered.
	resp, body = e.post(t, "pub", testForm{fields: []formField{{"key", "sum"}, {"x-amz-checksum-algorithm", "CRC32"}}, filename: "f", file: data})
	wantStatus(t, resp, body, http.StatusNoContent)
	if resp.Header.Get("X-Amz-Checksum-Crc32") == "" {
		t.Errorf("no x-amz-checksum-crc32: %v", resp.Header)
	}
	// A header of the request and a field that disagree.
	b, ct := testForm{fields: []formField{{"key", "f"}, {"acl", "private"}}, filename: "f", file: data}.encode(t)
	req := e.request(t, http.MethodPost, "/pub", bytes.NewReader(b))
	req.Header.Set("Content-Type", ct)
	req.Header.Set("X-Amz-Acl", "public-read")
	resp, body = e.do(t, req)
	wantError(t, resp, body, 400, "InvalidRequest")

	// Versioned: the version id comes back.
	resp, body = e.signed(t, http.MethodPut, "/pub?versioning", []byte(`<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`), nil)
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.post(t, "pub", testForm{fields: []formField{{"key", "v"}}, filename: "f", file: data})
	wantStatus(t, resp, body, http.StatusNoContent)
	id := resp.Header.Get("X-Amz-Version-Id")
	if id == "" || id == "null" {
		t.Fatalf("x-amz-version-id %q", id)
	}
	resp, got := e.signed(t, http.MethodGet, "/pub/v?versionId="+id, nil, nil)
	if resp.StatusCode != 200 || !bytes.Equal(got, data) {
		t.Errorf("GET by version id: %d %q", resp.StatusCode, got)
	}
}

// TestPostObjectLock: in a bucket with object lock, a form's upload gets
// the x-amz-object-lock-* fields it carries, else the bucket's default
// retention, and like a PUT it then needs Content-MD5 or a checksum.
func TestPostObjectLock(t *testing.T) {
	e := newEnv(t)
	resp, body := e.signed(t, http.MethodPut, "/locked", nil, map[string]string{"X-Amz-Bucket-Object-Lock-Enabled": "true"})
	wantStatus(t, resp, body, http.StatusOK)
	cfg := []byte(`<ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ObjectLockEnabled>Enabled</ObjectLockEnabled>` +
		`<Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days></DefaultRetention></Rule></ObjectLockConfiguration>`)
	resp, body = e.signed(t, http.MethodPut, "/locked?object-lock", cfg, nil)
	wantStatus(t, resp, body, http.StatusOK)
	data := []byte("locked by a form")
	sum := md5.Sum(data)
	md5field := formField{"Content-MD5", base64.StdEncoding.EncodeToString(sum[:])}
	until := time.Now().Add(3 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
	for _, c := range []struct {
		key    string
		fields []formField
		status int
		mode   string
	}{
		{"default", []formField{md5field}, 204, "GOVERNANCE"},
		{"no-sum", nil, 400, ""},
		{"own", []formField{md5field, {"x-amz-object-lock-mode", "COMPLIANCE"}, {"x-amz-object-lock-retain-until-date", until}}, 204, "COMPLIANCE"},
	} {
		conds := []string{keyAny}
		for _, f := range c.fields {
			conds = append(conds, `["starts-with", "$`+f.name+`", ""]`)
		}
		f := testForm{fields: fields([]formField{{"key", c.key}}, c.fields, v4Fields(aliceKey, aliceSecret, time.Now(), conds...)), filename: "f", file: data}
		resp, body := e.post(t, "locked", f)
		if c.status != 204 {
			wantError(t, resp, body, c.status, "InvalidRequest")
			continue
		}
		wantStatus(t, resp, body, c.status)
		resp, body = e.signed(t, http.MethodHead, "/locked/"+c.key, nil, nil)
		wantStatus(t, resp, body, http.StatusOK)
		if got := resp.Header.Get("X-Amz-Object-Lock-Mode"); got != c.mode {
			t.Errorf("%s: lock mode %q, want %q", c.key, got, c.mode)
		}
	}
}
