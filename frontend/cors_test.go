package frontend

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"strings"
	"testing"

	"github.com/amphora-s3/amphora/store"
	"github.com/amphora-s3/amphora/store/memstore"
)

// corsXML wraps rules in a CORSConfiguration in S3's namespace.
func corsXML(rules ...string) []byte {
	return []byte(`<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` + strings.Join(rules, "") + `</CORSConfiguration>`)
}

// siteCORS is the configuration most tests put on bucket "site": an
// application's origins (with a wildcard) that may read and write with
// some headers, and anyone who may read.
var siteCORS = corsXML(
	`<CORSRule><ID>app</ID><AllowedOrigin>https://app.example</AllowedOrigin><AllowedOrigin>http://*.dev.example</AllowedOrigin>`+
		`<AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedMethod>HEAD</AllowedMethod>`+
		`<AllowedHeader>Content-Type</AllowedHeader><AllowedHeader>x-amz-*</AllowedHeader>`+
		`<ExposeHeader>ETag</ExposeHeader><ExposeHeader>x-amz-meta-color</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds></CORSRule>`,
	`<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>`,
)

type corsRulesDoc struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CORSConfiguration"`
	Rules   []struct {
		ID                                                        string
		AllowedOrigin, AllowedMethod, AllowedHeader, ExposeHeader []string
		MaxAgeSeconds                                             *int
	} `xml:"CORSRule"`
}

// putCORS sets body as bucket's CORS configuration as alice.
func (e *env) putCORS(t *testing.T, bucket string, body []byte) {
	t.Helper()
	resp, out := e.signed(t, http.MethodPut, "/"+bucket+"?cors", body, nil)
	wantStatus(t, resp, out, http.StatusOK)
}

// unsigned sends an unsigned request with headers; host "" is the
// listener's (path style).
func (e *env) unsigned(t *testing.T, method, host, path string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req := e.request(t, method, path, nil)
	if host != "" {
		req.Host = host
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return e.do(t, req)
}

func TestBucketCors(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "site")
	resp, body := e.signed(t, http.MethodGet, "/site?cors", nil, nil)
	doc := wantError(t, resp, body, http.StatusNotFound, "NoSuchCORSConfiguration")
	if doc.Message != "The CORS configuration does not exist" || doc.BucketName != "site" {
		t.Errorf("NoSuchCORSConfiguration: %+v", doc)
	}
	resp, body = e.signed(t, http.MethodPut, "/site?cors", siteCORS, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if len(body) != 0 {
		t.Errorf("PutBucketCors body: %q", body)
	}
	resp, body = e.signed(t, http.MethodGet, "/site?cors", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	var got corsRulesDoc
	if err := xml.Unmarshal(body, &got); err != nil {
		t.Fatalf("GetBucketCors: %v\n%s", err, body)
	}
	if len(got.Rules) != 2 {
		t.Fatalf("GetBucketCors: %d rules\n%s", len(got.Rules), body)
	}
	r0, r1 := got.Rules[0], got.Rules[1]
	if r0.ID != "app" || strings.Join(r0.AllowedOrigin, " ") != "https://app.example http://*.dev.example" ||
		strings.Join(r0.AllowedMethod, " ") != "GET PUT HEAD" || strings.Join(r0.AllowedHeader, " ") != "Content-Type x-amz-*" ||
		strings.Join(r0.ExposeHeader, " ") != "ETag x-amz-meta-color" || r0.MaxAgeSeconds == nil || *r0.MaxAgeSeconds != 600 {
		t.Errorf("rule 1 read back: %+v\n%s", r0, body)
	}
	if r1.ID != "" || strings.Join(r1.AllowedOrigin, " ") != "*" || strings.Join(r1.AllowedMethod, " ") != "GET" ||
		r1.AllowedHeader != nil || r1.ExposeHeader != nil || r1.MaxAgeSeconds != nil {
		t.Errorf("rule 2 read back (only what was set): %+v\n%s", r1, body)
	}
	if bytes.Contains(body, []byte("<ID></ID>")) || bytes.Contains(body, []byte("<MaxAgeSeconds></MaxAgeSeconds>")) {
		t.Errorf("empty elements in %s", body)
	}

	// A PUT replaces the whole configuration; the document may come
	// without S3's namespace, with Content-MD5.
	one := []byte(`<CORSConfiguration><CORSRule><AllowedOrigin></AllowedOrigin><AllowedMethod>DELETE</AllowedMethod></CORSRule></CORSConfiguration>`)
	sum := md5.Sum(one)
	resp, body = e.signed(t, http.MethodPut, "/site?cors", one, map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(sum[:])})
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodGet, "/site?cors", nil, nil)
	got = corsRulesDoc{}
	if err := xml.Unmarshal(body, &got); err != nil || len(got.Rules) != 1 || len(got.Rules[0].AllowedOrigin) != 1 ||
		got.Rules[0].AllowedOrigin[0] != "" || got.Rules[0].AllowedMethod[0] != "DELETE" {
		t.Errorf("after replacing: %v %s", err, body)
	}
	other := md5.Sum([]byte("something else"))
	resp, body = e.signed(t, http.MethodPut, "/site?cors", siteCORS, map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(other[:])})
	wantError(t, resp, body, http.StatusBadRequest, "BadDigest")
	resp, body = e.signed(t, http.MethodPut, "/site?cors", siteCORS, map[string]string{"Content-MD5": "not-base64!"})
	wantError(t, resp, body, http.StatusBadRequest, "InvalidDigest")
	resp, body = e.signed(t, http.MethodGet, "/site?cors", nil, nil)
	if !bytes.Contains(body, []byte("<AllowedMethod>DELETE</AllowedMethod>")) || bytes.Contains(body, []byte("app")) {
		t.Errorf("a refused PUT changed the configuration: %s", body)
	}

	resp, body = e.signed(t, http.MethodDelete, "/site?cors", nil, nil)
	wantStatus(t, resp, body, http.StatusNoContent)
	resp, body = e.signed(t, http.MethodGet, "/site?cors", nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "NoSuchCORSConfiguration")
	resp, body = e.signed(t, http.MethodDelete, "/site?cors", nil, nil) // none: still 204
	wantStatus(t, resp, body, http.StatusNoContent)

	resp, body = e.signed(t, http.MethodGet, "/nope?cors", nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "NoSuchBucket")
	resp, body = e.signed(t, http.MethodPut, "/nope?cors", siteCORS, nil)
	wantError(t, resp, body, http.StatusNotFound, "NoSuchBucket")
	// cors is a bucket sub-resource: on an object it never falls through
	// to the plain object operations.
	e.mustPut(t, "site", "k", []byte("v"))
	resp, body = e.signed(t, http.MethodPut, "/site/k?cors", siteCORS, nil)
	wantError(t, resp, body, http.StatusNotImplemented, "NotImplemented")
	resp, body = e.signed(t, http.MethodGet, "/site/k", nil, nil)
	if string(body) != "v" {
		t.Errorf("PUT /site/k?cors changed the object: %q", body)
	}
}

// TestCORSValidation: documents S3 refuses, with its codes and messages,
// and the edges it takes.
func TestCORSValidation(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "site")
	rule := func(inner string) string { return "<CORSRule>" + inner + "</CORSRule>" }
	ok := `<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>`
	many := func(n int) []byte {
		rules := make([]string, n)
		for i := range rules {
			rules[i] = rule(ok)
		}
		return corsXML(rules...)
	}
	const malformed = "The XML you provided was not well-formed or did not validate against our published schema"
	for _, tc := range []struct {
		name    string
		body    []byte
		code    string
		message string
	}{
		{"empty body", nil, "MalformedXML", malformed},
		{"not XML", []byte(`{"CORSRules": []}`), "MalformedXML", malformed},
		{"no rule", corsXML(), "MalformedXML", malformed},
		{"101 rules", many(101), "MalformedXML", malformed},
		{"no origin", corsXML(rule(`<AllowedMethod>GET</AllowedMethod>`)), "MalformedXML", malformed},
		{"no method", corsXML(rule(`<AllowedOrigin>*</AllowedOrigin>`)), "MalformedXML", malformed},
		{"empty rule", corsXML(rule("")), "MalformedXML", malformed},
		{"two IDs", corsXML(rule(ok + `<ID>a</ID><ID>b</ID>`)), "MalformedXML", malformed},
		{"two MaxAgeSeconds", corsXML(rule(ok + `<MaxAgeSeconds>1</MaxAgeSeconds><MaxAgeSeconds>2</MaxAgeSeconds>`)), "MalformedXML", malformed},
		{"MaxAgeSeconds not a number", corsXML(rule(ok + `<MaxAgeSeconds>ten</MaxAgeSeconds>`)), "MalformedXML", malformed},
		{"MaxAgeSeconds past int", corsXML(rule(ok + `<MaxAgeSeconds>4294967296</MaxAgeSeconds>`)), "MalformedXML", malformed},
		{"unknown element in a rule", corsXML(rule(ok + `<AllowedMethods>GET</AllowedMethods>`)), "MalformedXML", malformed},
		{"unknown element in the document", corsXML(rule(ok), `<Rule/>`), "MalformedXML", malformed},
		{"other root", []byte(`<CORSRules>` + rule(ok) + `</CORSRules>`), "MalformedXML", malformed},
		{"other namespace", []byte(`<CORSConfiguration xmlns="http://example.com/">` + rule(ok) + `</CORSConfiguration>`), "MalformedXML", malformed},
		{"unsupported method", corsXML(rule(`<AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod>`)),
			"InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is PATCH"},
		{"OPTIONS is not a CORS method", corsXML(rule(`<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>OPTIONS</AllowedMethod>`)),
			"InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is OPTIONS"},
		{"lower-case method", corsXML(rule(`<AllowedOrigin>*</AllowedOrigin><AllowedMethod>get</AllowedMethod>`)),
			"InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is get"},
		{"empty method", corsXML(rule(`<AllowedOrigin>*</AllowedOrigin><AllowedMethod/>`)),
			"InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is "},
		{"two wildcards in an origin", corsXML(rule(ok), rule(`<AllowedOrigin>*example*.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod>`)),
			"InvalidRequest", `AllowedOrigin "*example*.com" can not have more than one wildcard.`},
		{"two wildcards in a header", corsXML(rule(ok + `<AllowedHeader>x-*-*</AllowedHeader>`)),
			"InvalidRequest", `AllowedHeader "x-*-*" can not have more than one wildcard.`},
		{"ID of 256 characters", corsXML(rule(ok + `<ID>` + strings.Repeat("é", 256) + `</ID>`)), "InvalidArgument", ""},
		{"over 64 KB", corsXML(rule(`<AllowedOrigin>` + strings.Repeat("o", 64<<10) + `</AllowedOrigin><AllowedMethod>GET</AllowedMethod>`)),
			"MaxMessageLengthExceeded", ""},
	} {
		resp, body := e.signed(t, http.MethodPut, "/site?cors", tc.body, nil)
		doc := wantError(t, resp, body, http.StatusBadRequest, tc.code)
		if tc.message != "" && doc.Message != tc.message {
			t.Errorf("%s: message %q, want %q", tc.name, doc.Message, tc.message)
		}
	}
	resp, body := e.signed(t, http.MethodGet, "/site?cors", nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "NoSuchCORSConfiguration") // nothing refused was stored

	for _, tc := range []struct {
		name string
		body []byte
	}{
		{"100 rules", many(100)},
		{"ID of 255 characters", corsXML(rule(ok + `<ID>` + strings.Repeat("é", 255) + `</ID>`))},
		{"every method", corsXML(rule(`<AllowedOrigin>https://a.test</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod>` +
			`<AllowedMethod>HEAD</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedMethod>DELETE</AllowedMethod>`))},
		{"white space around MaxAgeSeconds", corsXML(rule(ok + `<MaxAgeSeconds> 3000 </MaxAgeSeconds>`))},
		{"one wildcard in origin and header", corsXML(rule(`<AllowedOrigin>https://*.a.test</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedHeader>x-amz-*</AllowedHeader>`))},
		{"XML declaration", append([]byte(xml.Header), corsXML(rule(ok))...)},
	} {
		resp, body := e.signed(t, http.MethodPut, "/site?cors", tc.body, nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d %s", tc.name, resp.StatusCode, body)
		}
	}
}

// TestCORSPreflight answers OPTIONS without authentication, in S3's
// order: Origin, the bucket, its configuration, the method, the rules.
func TestCORSPreflight(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "site")
	e.mustCreate(t, "plain") // no CORS configuration
	e.putCORS(t, "site", siteCORS)
	_, port, _ := strings.Cut(e.addr, ":")
	vhost := "site." + testDomain + ":" + port
	const notAllowed = "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, " +
		"request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec."
	type h = map[string]string
	app := func(method string, more ...string) h {
		m := h{"Origin": "https://app.example", "Access-Control-Request-Method": method}
		if len(more) > 0 {
			m["Access-Control-Request-Headers"] = more[0]
		}
		return m
	}
	for _, tc := range []struct {
		name, host, path string
		hdr              h
		status           int
		code, message    string
		method, resType  string // the 403's Method and ResourceType
	}{
		{"no Origin", "", "/site/k", h{"Access-Control-Request-Method": "GET"}, 400, "BadRequest", "Insufficient information. Origin request header needed.", "", ""},
		{"no Origin, no bucket", "", "/nope/k", nil, 400, "BadRequest", "Insufficient information. Origin request header needed.", "", ""},
		{"no bucket", "", "/nope/k", app("PUT"), 403, "AccessForbidden", "CORSResponse: Bucket not found", "PUT", "BUCKET"},
		{"no bucket, no method", "", "/nope", h{"Origin": "https://app.example"}, 403, "AccessForbidden", "CORSResponse: Bucket not found", "OPTIONS", "BUCKET"},
		{"the service", "", "/", app("GET"), 403, "AccessForbidden", "CORSResponse: Bucket not found", "GET", "BUCKET"},
		{"no configuration", "", "/plain/k", app("PUT"), 403, "AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.", "PUT", "BUCKET"},
		{"no configuration, no method", "", "/plain/k", h{"Origin": "https://app.example"}, 403, "AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.", "OPTIONS", "BUCKET"},
		{"no method", "", "/site/k", h{"Origin": "https://app.example"}, 400, "BadRequest", "Invalid Access-Control-Request-Method: null", "", ""},
		{"not a CORS method", "", "/site/k", app("PATCH"), 400, "BadRequest", "Invalid Access-Control-Request-Method: PATCH", "", ""},
		{"origin not allowed", "", "/site/k", h{"Origin": "https://evil.example", "Access-Control-Request-Method": "PUT"}, 403, "AccessForbidden", notAllowed, "PUT", "OBJECT"},
		{"origin not allowed, bucket URL", "", "/site", h{"Origin": "https://evil.example", "Access-Control-Request-Method": "PUT"}, 403, "AccessForbidden", notAllowed, "PUT", "BUCKET"},
		{"method not allowed", "", "/site/k", app("DELETE"), 403, "AccessForbidden", notAllowed, "DELETE", "OBJECT"},
		{"header not allowed", "", "/site/k", app("PUT", "content-type,authorization"), 403, "AccessForbidden", notAllowed, "PUT", "OBJECT"},
		{"origin with a trailing slash", "", "/site/k", h{"Origin": "https://app.example/", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-amz-date"}, 403, "AccessForbidden", notAllowed, "GET", "OBJECT"},
		{"virtual host, not allowed", vhost, "/k", app("DELETE"), 403, "AccessForbidden", notAllowed, "DELETE", "OBJECT"},
	} {
		resp, body := e.unsigned(t, http.MethodOptions, tc.host, tc.path, tc.hdr)
		doc := wantError(t, resp, body, tc.status, tc.code)
		if doc.Message != tc.message {
			t.Errorf("%s: message %q, want %q", tc.name, doc.Message, tc.message)
		}
		var extra struct{ Method, ResourceType string }
		_ = xml.Unmarshal(body, &extra)
		if extra.Method != tc.method || extra.ResourceType != tc.resType {
			t.Errorf("%s: Method %q ResourceType %q, want %q %q", tc.name, extra.Method, extra.ResourceType, tc.method, tc.resType)
		}
		for k := range resp.Header {
			if strings.HasPrefix(k, "Access-Control-") || k == "Vary" {
				t.Errorf("%s: refused preflight with %s", tc.name, k)
			}
		}
	}

	vary := "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
	for _, tc := range []struct {
		name, host, path string
		hdr              h
		want             h // every Access-Control-* header and Vary; "" = absent
	}{
		{"object, path style", "", "/site/k", app("PUT", "Content-Type,X-Amz-Date, x-amz-meta-color"), h{
			"Access-Control-Allow-Origin": "https://app.example", "Access-Control-Allow-Credentials": "true",
			"Access-Control-Allow-Methods": "GET, PUT, HEAD", "Access-Control-Allow-Headers": "content-type, x-amz-date, x-amz-meta-color",
			"Access-Control-Expose-Headers": "ETag, x-amz-meta-color", "Access-Control-Max-Age": "600", "Vary": vary}},
		{"bucket, no headers asked", "", "/site", app("GET"), h{
			"Access-Control-Allow-Origin": "https://app.example", "Access-Control-Allow-Credentials": "true",
			"Access-Control-Allow-Methods": "GET, PUT, HEAD", "Access-Control-Allow-Headers": "",
			"Access-Control-Expose-Headers": "ETag, x-amz-meta-color", "Access-Control-Max-Age": "600", "Vary": vary}},
		{"wildcard origin of the rule", "", "/site/k", h{"Origin": "http://branch-7.dev.example", "Access-Control-Request-Method": "HEAD"}, h{
			"Access-Control-Allow-Origin": "http://branch-7.dev.example", "Access-Control-Allow-Credentials": "true",
			"Access-Control-Allow-Methods": "GET, PUT, HEAD", "Access-Control-Allow-Headers": "",
			"Access-Control-Expose-Headers": "ETag, x-amz-meta-color", "Access-Control-Max-Age": "600", "Vary": vary}},
		{"any origin: *, no credentials", "", "/site/k", h{"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}, h{
			"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Credentials": "",
			"Access-Control-Allow-Methods": "GET", "Access-Control-Allow-Headers": "",
			"Access-Control-Expose-Headers": "", "Access-Control-Max-Age": "", "Vary": vary}},
		{"virtual host", vhost, "/k", app("PUT", "content-type"), h{
			"Access-Control-Allow-Origin": "https://app.example", "Access-Control-Allow-Credentials": "true",
			"Access-Control-Allow-Methods": "GET, PUT, HEAD", "Access-Control-Allow-Headers": "content-type",
			"Access-Control-Expose-Headers": "ETag, x-amz-meta-color", "Access-Control-Max-Age": "600", "Vary": vary}},
		{"virtual host, bucket", vhost, "/", app("GET"), h{
			"Access-Control-Allow-Origin": "https://app.example", "Access-Control-Allow-Credentials": "true",
			"Access-Control-Allow-Methods": "GET, PUT, HEAD", "Access-Control-Allow-Headers": "",
			"Access-Control-Expose-Headers": "ETag, x-amz-meta-color", "Access-Control-Max-Age": "600", "Vary": vary}},
		// The query of a pre-signed URL, of an upload part or a version,
		// and a signature that would fail: none of it is looked at.
		{"pre-signed URL query", "", "/site/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=bad&partNumber=1&uploadId=x&versionId=y&acl",
			h{"Origin": "https://app.example", "Access-Control-Request-Method": "PUT", "Authorization": "AWS AKIANOBODY:bad"}, h{
				"Access-Control-Allow-Origin": "https://app.example", "Access-Control-Allow-Credentials": "true",
				"Access-Control-Allow-Methods": "GET, PUT, HEAD", "Access-Control-Allow-Headers": "",
				"Access-Control-Expose-Headers": "ETag, x-amz-meta-color", "Access-Control-Max-Age": "600", "Vary": vary}},
	} {
		resp, body := e.unsigned(t, http.MethodOptions, tc.host, tc.path, tc.hdr)
		wantStatus(t, resp, body, http.StatusOK)
		if len(body) != 0 || resp.Header.Get("Content-Length") != "0" {
			t.Errorf("%s: body %q, Content-Length %q", tc.name, body, resp.Header.Get("Content-Length"))
		}
		for k, v := range tc.want {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", tc.name, k, got, v)
			}
		}
	}
	// The object need not exist: a preflight does not look it up.
	resp, body := e.unsigned(t, http.MethodOptions, "", "/site/not/there", app("PUT"))
	wantStatus(t, resp, body, http.StatusOK)
}

// TestCORSActualResponses: a request with an allowed Origin gets the
// rule's headers on whatever it is answered, errors included; others get
// none.
func TestCORSActualResponses(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "site")
	e.mustCreate(t, "plain")
	e.putCORS(t, "site", siteCORS)
	big := bytes.Repeat([]byte("0123456789abcdef"), 256<<10) // 4 MiB, streamed
	e.mustPut(t, "site", "big", big)
	e.mustPut(t, "plain", "k", []byte("v"))

	appHeaders := map[string]string{
		"Access-Control-Allow-Origin": "https://app.example", "Access-Control-Allow-Credentials": "true",
		"Access-Control-Allow-Methods": "GET, PUT, HEAD", "Access-Control-Expose-Headers": "ETag, x-amz-meta-color",
		"Access-Control-Max-Age": "600", "Vary": "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
	}
	anyHeaders := map[string]string{
		"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET",
		"Vary": "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
	}
	sign := func(req *http.Request) *http.Request { return signV2(req, aliceKey, aliceSecret) }
	anonymous := func(req *http.Request) *http.Request { return req }
	badSig := func(req *http.Request) *http.Request { return signV2(req, aliceKey, "wrong-secret-0123456789") }
	presigned := func(req *http.Request) *http.Request { return presignV2(req, aliceKey, aliceSecret, 600) }
	for _, tc := range []struct {
		name, method, path, origin string
		hdr                        map[string]string
		body                       []byte
		auth                       func(*http.Request) *http.Request
		status                     int
		want                       map[string]string // nil: no CORS header at all
	}{
		{"GET, allowed", http.MethodGet, "/site/big", "https://app.example", nil, nil, sign, 200, appHeaders},
		{"GET, no Origin", http.MethodGet, "/site/big", "", nil, nil, sign, 200, nil},
		{"GET, any origin", http.MethodGet, "/site/big", "https://other.example", nil, nil, sign, 200, anyHeaders},
		{"HEAD, allowed", http.MethodHead, "/site/big", "http://pr-1.dev.example", nil, nil, sign, 200, map[string]string{
			"Access-Control-Allow-Origin": "http://pr-1.dev.example", "Access-Control-Allow-Methods": "GET, PUT, HEAD"}},
		{"HEAD, origin allowed only GET", http.MethodHead, "/site/big", "https://other.example", nil, nil, sign, 200, nil},
		{"GET naming PUT in Access-Control-Request-Method", http.MethodGet, "/site/big", "https://other.example",
			map[string]string{"Access-Control-Request-Method": "PUT"}, nil, sign, 200, nil},
		{"PUT pre-signed, allowed", http.MethodPut, "/site/up", "https://app.example", nil, []byte("uploaded"), presigned, 200, appHeaders},
		{"DELETE, no rule allows it", http.MethodDelete, "/site/up", "https://app.example", nil, nil, sign, 204, nil},
		{"404 NoSuchKey", http.MethodGet, "/site/missing", "https://app.example", nil, nil, sign, 404, appHeaders},
		{"404 on HEAD", http.MethodHead, "/site/missing", "https://app.example", nil, nil, sign, 404, appHeaders},
		{"403 AccessDenied, anonymous", http.MethodGet, "/site/big", "https://app.example", nil, nil, anonymous, 403, appHeaders},
		{"403 SignatureDoesNotMatch", http.MethodPut, "/site/x", "https://app.example", nil, []byte("x"), badSig, 403, appHeaders},
		{"400 on a bucket operation", http.MethodPut, "/site?tagging", "https://app.example", nil, []byte("<x/>"), sign, 400, appHeaders},
		{"bucket without CORS", http.MethodGet, "/plain/k", "https://app.example", nil, nil, sign, 200, nil},
		{"no such bucket", http.MethodGet, "/nope/k", "https://app.example", nil, nil, sign, 404, nil},
		{"the service", http.MethodGet, "/", "https://app.example", nil, nil, sign, 200, nil},
	} {
		var req *http.Request
		if tc.body != nil {
			req = e.request(t, tc.method, tc.path, bytes.NewReader(tc.body))
		} else {
			req = e.request(t, tc.method, tc.path, nil)
		}
		if tc.origin != "" {
			req.Header.Set("Origin", tc.origin)
		}
		for k, v := range tc.hdr {
			req.Header.Set(k, v)
		}
		resp, body := e.do(t, tc.auth(req))
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d\n%s", tc.name, resp.StatusCode, tc.status, body)
		}
		if tc.want == nil {
			for k := range resp.Header {
				if strings.HasPrefix(k, "Access-Control-") || k == "Vary" {
					t.Errorf("%s: %s = %q, want none", tc.name, k, resp.Header.Get(k))
				}
			}
		}
		for k, v := range tc.want {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", tc.name, k, got, v)
			}
		}
		if tc.status == 200 && tc.method == http.MethodGet && strings.HasPrefix(tc.path, "/site/big") && !bytes.Equal(body, big) {
			t.Errorf("%s: body of %d bytes, want the object's %d", tc.name, len(body), len(big))
		}
	}
	// The configuration's removal takes effect at once.
	resp, body := e.signed(t, http.MethodDelete, "/site?cors", nil, nil)
	wantStatus(t, resp, body, http.StatusNoContent)
	resp, _ = e.signed(t, http.MethodGet, "/site/big", nil, map[string]string{"Origin": "https://app.example"})
	if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "" {
		t.Errorf("after DeleteBucketCors: Access-Control-Allow-Origin %q", v)
	}
}

// TestCORSAccess decides who may read and change a bucket's CORS
// configuration: its owner, and whom a policy allows; no ACL grant gives
// it, a scoped key never has it, and an explicit Deny binds the owner
// too. The preflight needs no permission at all.
func TestCORSAccess(t *testing.T) {
	accts := memstore.NewAccounts()
	accts.AddAccount(store.Account{ID: "tenant-alice", DisplayName: "Alice"})
	accts.AddKey(store.AccessKey{ID: "AKSCOPED", Secret: "scoped-secret-0123456789", Account: "tenant-alice",
		Buckets: map[string]store.Permission{"shared": store.PermReadWrite}})
	e := newEnv(t, func(o *Options) { o.Accounts = accts })

	type principal struct{ key, secret string }
	principals := map[string]principal{
		"owner": {aliceKey, aliceSecret}, "bob": {bobKey, bobSecret},
		"scoped": {"AKSCOPED", "scoped-secret-0123456789"}, "anonymous": {},
	}
	as := func(p principal, method, path string, body []byte, hdr map[string]string) int {
		req := e.request(t, method, path, bytes.NewReader(body))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		if p.key != "" {
			req = signV2(req, p.key, p.secret)
		}
		resp, _ := e.do(t, req)
		return resp.StatusCode
	}
	owner := principals["owner"]
	rule := `<CORSRule><AllowedOrigin>https://app.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>`
	actions := []struct {
		name string
		run  func(p principal) int
	}{
		{"GetBucketCors", func(p principal) int { return as(p, http.MethodGet, "/shared?cors", nil, nil) }},
		{"PutBucketCors", func(p principal) int { return as(p, http.MethodPut, "/shared?cors", corsXML(rule), nil) }},
		{"DeleteBucketCors", func(p principal) int { return as(p, http.MethodDelete, "/shared?cors", nil, nil) }},
		{"preflight", func(p principal) int {
			return as(p, http.MethodOptions, "/shared/k", nil, map[string]string{"Origin": "https://app.example", "Access-Control-Request-Method": "GET"})
		}},
	}
	type step struct {
		method, path, body string
		hdr                map[string]string
	}
	policy := func(doc string) step { return step{http.MethodPut, "/shared?policy", doc, nil} }
	settings := []struct {
		name  string
		steps []step
	}{
		{"private", nil},
		{"bob FULL_CONTROL, public-read-write", []step{{http.MethodPut, "/shared?acl", "", map[string]string{
			"X-Amz-Grant-Full-Control": `id="tenant-bob", id="tenant-alice"`, "X-Amz-Grant-Read": `uri="http://acs.amazonaws.com/groups/global/AllUsers"`,
			"X-Amz-Grant-Write": `uri="http://acs.amazonaws.com/groups/global/AllUsers"`}}}},
		{"policy allows bob", []step{policy(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"tenant-bob"},
			"Action":["s3:GetBucketCORS","s3:PutBucketCORS"],"Resource":"arn:aws:s3:::shared"}]}`)}},
		{"policy allows anyone to read", []step{policy(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",
			"Action":"s3:GetBucketCors","Resource":"arn:aws:s3:::shared"}]}`)}},
		{"policy denies changes", []step{policy(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*",
			"Action":"s3:PutBucketCORS","Resource":"arn:aws:s3:::shared"}]}`)}},
	}
	const (
		ok  = http.StatusOK
		del = http.StatusNoContent
		no  = http.StatusForbidden
	)
	nobody := []int{no, no, no, ok}
	want := map[string]map[string][]int{
		"private":                             {"owner": {ok, ok, del, ok}, "bob": nobody, "scoped": nobody, "anonymous": nobody},
		"bob FULL_CONTROL, public-read-write": {"owner": {ok, ok, del, ok}, "bob": nobody, "scoped": nobody, "anonymous": nobody},
		"policy allows bob":                   {"owner": {ok, ok, del, ok}, "bob": {ok, ok, del, ok}, "scoped": nobody, "anonymous": nobody},
		"policy allows anyone to read":        {"owner": {ok, ok, del, ok}, "bob": {ok, no, no, ok}, "scoped": nobody, "anonymous": {ok, no, no, ok}},
		"policy denies changes":               {"owner": {ok, no, no, ok}, "bob": nobody, "scoped": nobody, "anonymous": nobody},
	}
	cells := 0
	for _, st := range settings {
		for _, who := range []string{"owner", "bob", "scoped", "anonymous"} {
			for i, a := range actions {
				// Reset: the bucket with a CORS rule and the setting.
				if s := as(owner, http.MethodPut, "/shared", nil, nil); s != ok && s != http.StatusConflict {
					t.Fatalf("reset: create bucket: %d", s)
				}
				if s := as(owner, http.MethodDelete, "/shared?policy", nil, nil); s != del {
					t.Fatalf("reset: delete policy: %d", s)
				}
				if s := as(owner, http.MethodPut, "/shared?acl", nil, map[string]string{"X-Amz-Acl": "private"}); s != ok {
					t.Fatalf("reset: acl: %d", s)
				}
				if s := as(owner, http.MethodPut, "/shared?cors", corsXML(rule), nil); s != ok {
					t.Fatalf("reset: cors: %d", s)
				}
				for _, sp := range st.steps {
					if s := as(owner, sp.method, sp.path, []byte(sp.body), sp.hdr); s != ok && s != del {
						t.Fatalf("reset: %s: %s %s: %d", st.name, sp.method, sp.path, s)
					}
				}
				if got, w := a.run(principals[who]), want[st.name][who][i]; got != w {
					t.Errorf("%s / %s / %s: %d, want %d", st.name, who, a.name, got, w)
				}
				cells++
			}
		}
	}
	t.Logf("%d cells", cells)
}
