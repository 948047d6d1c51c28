package frontend

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzPutBucketCors sets the fuzzed CORSConfiguration, then sends a
// preflight and a GET from the fuzzed origin, method and requested
// headers. Every answer is a clean one (checkFuzzAnswer). A document
// taken reads back with at most 100 rules, each with an origin and a
// method S3 allows, and is taken again as it reads back; a preflight is
// 200 only with the CORS headers, and never names another origin.
func FuzzPutBucketCors(f *testing.F) {
	rule := func(inner string) string { return "<CORSRule>" + inner + "</CORSRule>" }
	for _, s := range []string{
		string(siteCORS),
		`<CORSConfiguration>` + rule(`<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>`) + `</CORSConfiguration>`,
		`<CORSConfiguration>` + rule(`<ID>x</ID><AllowedOrigin>http://*.a.test</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>5</MaxAgeSeconds>`) + `</CORSConfiguration>`,
		`<CORSConfiguration>` + rule(`<AllowedOrigin></AllowedOrigin><AllowedMethod>DELETE</AllowedMethod>`) + `</CORSConfiguration>`,
		`<CORSConfiguration>` + rule(`<AllowedOrigin>*a*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>`) + `</CORSConfiguration>`,
		`<CORSConfiguration>` + rule(`<AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod>`) + `</CORSConfiguration>`,
		`<CORSConfiguration>` + rule(`<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>-1</MaxAgeSeconds><Foo/>`) + `</CORSConfiguration>`,
		`<CORSConfiguration>` + rule(`<AllowedOrigin>*</AllowedOrigin>`) + `</CORSConfiguration>`,
		`<CORSConfiguration>` + strings.Repeat(rule(`<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>`), 101) + `</CORSConfiguration>`,
		`<CORSConfiguration></CORSConfiguration>`,
	} {
		f.Add([]byte(s), "https://app.example", "PUT", "content-type,x-amz-date")
		f.Add([]byte(s), "http://b.a.test", "GET", "")
	}
	for _, s := range hostileXML("CORSConfiguration") {
		f.Add([]byte(s), "", "", "")
	}
	f.Fuzz(func(t *testing.T, body []byte, origin, method, headers string) {
		h := aclFuzzServer(t)
		rec := serveSigned(h, http.MethodPut, "/bucket?cors", body)
		checkFuzzAnswer(t, http.MethodPut, rec, body)
		if rec.Code == http.StatusOK {
			got := serveSigned(h, http.MethodGet, "/bucket?cors", nil)
			var doc corsRulesDoc
			if err := xml.Unmarshal(got.Body.Bytes(), &doc); got.Code != http.StatusOK || err != nil ||
				len(doc.Rules) == 0 || len(doc.Rules) > maxCORSRules {
				t.Fatalf("GET ?cors after a PUT taken: %d %v %s\nbody %q", got.Code, err, got.Body, body)
			}
			for _, r := range doc.Rules {
				if len(r.AllowedOrigin) == 0 || len(r.AllowedMethod) == 0 {
					t.Fatalf("rule without origin or method read back: %+v\nbody %q", r, body)
				}
				for _, m := range r.AllowedMethod {
					if !corsMethods[m] {
						t.Fatalf("method %q read back\nbody %q", m, body)
					}
				}
			}
			if again := serveSigned(h, http.MethodPut, "/bucket?cors", got.Body.Bytes()); again.Code != http.StatusOK {
				t.Fatalf("the configuration read back is refused: %d %s\nread back %s\nbody %q", again.Code, again.Body, got.Body, body)
			}
		}

		pre := httptest.NewRequest(http.MethodOptions, "http://127.0.0.1:9000/bucket/k", nil)
		pre.Header["Origin"] = []string{origin}
		pre.Header["Access-Control-Request-Method"] = []string{method}
		pre.Header["Access-Control-Request-Headers"] = []string{headers}
		prec := httptest.NewRecorder()
		h.ServeHTTP(prec, pre)
		checkFuzzAnswer(t, http.MethodOptions, prec, body, origin, method, headers)
		allow := prec.Header().Get("Access-Control-Allow-Origin")
		if prec.Code == http.StatusOK && (allow != origin && allow != "*" || prec.Header().Get("Access-Control-Allow-Methods") == "") {
			t.Fatalf("preflight 200 with Allow-Origin %q, methods %q for origin %q", allow, prec.Header().Get("Access-Control-Allow-Methods"), origin)
		}
		if prec.Code != http.StatusOK && allow != "" {
			t.Fatalf("preflight %d with Allow-Origin %q", prec.Code, allow)
		}

		get := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:9000/bucket/missing", nil)
		get = signV2(get, aliceKey, aliceSecret)
		get.Header["Origin"] = []string{origin}
		grec := httptest.NewRecorder()
		h.ServeHTTP(grec, get)
		checkFuzzAnswer(t, http.MethodGet, grec, body, origin)
		if a := grec.Header().Get("Access-Control-Allow-Origin"); a != "" && a != origin && a != "*" {
			t.Fatalf("GET answered Allow-Origin %q for origin %q", a, origin)
		}
		if bytes.Contains(grec.Body.Bytes(), []byte("InternalError")) {
			t.Fatalf("GET: %s", grec.Body)
		}
	})
}
