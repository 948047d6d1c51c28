package frontend

import (
	"slices"
	"testing"
)

// TestCORSWildcard: one "*" matches any run of characters, none
// included; a pattern is anchored at both ends; comparison is exact
// (case included) - callers lower-case headers, never origins.
func TestCORSWildcard(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*", "https://anything.example:8443", true},
		{"https://example.com", "https://example.com", true},
		{"https://example.com", "https://example.com/", false},
		{"https://example.com", "http://example.com", false},
		{"https://example.com", "https://example.com:443", false},
		{"https://example.com", "https://EXAMPLE.com", false},
		{"http://*.example.com", "http://www.example.com", true},
		{"http://*.example.com", "http://a.b.example.com", true},
		{"http://*.example.com", "http://.example.com", true}, // "*" matches nothing too
		{"http://*.example.com", "http://example.com", false},
		{"http://*.example.com", "https://www.example.com", false},
		{"http://*.example.com", "http://www.example.com.evil.test", false},
		{"start*end", "startend", true},
		{"start*end", "start12end", true},
		{"start*end", "0start12end", false},
		{"start*end", "startendx", false},
		{"abc*cba", "abcba", false}, // prefix and suffix may not overlap
		{"prefix*", "prefix", true},
		{"prefix*", "prefix.suffix", true},
		{"prefix*", "bla.prefix", false},
		{"*suffix", "foo.suffix", true},
		{"*suffix", "foo.suffix.get", false},
		{"x-amz-*", "x-amz-date", true},
		{"x-amz-*", "x-amz-", true},
		{"x-amz-*", "content-type", false},
		{"", "", true},
		{"", "x", false},
	} {
		if got := wildcardMatch(tc.pattern, tc.s); got != tc.want {
			t.Errorf("wildcardMatch(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

// TestCORSMatch decides requests on one configuration: the first rule
// whose origin, method and every requested header match wins.
func TestCORSMatch(t *testing.T) {
	age := int64(3000)
	cfg := newCORSConfig([]corsRule{
		{ID: "app", Origins: []string{"https://app.example.com", "http://*.dev.example.com"}, Methods: []string{"GET", "PUT"},
			Headers: []string{"Content-Type", "X-AMZ-*", "x-custom-header"}, Expose: []string{"ETag"}, MaxAge: &age},
		{ID: "uploads", Origins: []string{"https://up.example.com"}, Methods: []string{"POST", "DELETE"}},
		{ID: "read-anyone", Origins: []string{"*"}, Methods: []string{"GET", "HEAD"}, Headers: []string{"*"}},
	})
	for _, tc := range []struct {
		name, origin, method string
		headers              []string // already lower-cased, as requestedHeaders gives them
		want                 string   // the matching rule's ID, "" for none
	}{
		{"exact origin and method", "https://app.example.com", "PUT", nil, "app"},
		{"wildcard origin", "http://x.dev.example.com", "PUT", nil, "app"},
		{"wildcard origin, wrong scheme", "https://x.dev.example.com", "PUT", nil, ""},
		{"origin case differs", "https://APP.example.com", "PUT", nil, ""},
		{"trailing slash", "https://app.example.com/", "PUT", nil, ""},
		{"method not allowed by any rule", "https://app.example.com", "DELETE", nil, ""},
		{"method case differs", "https://app.example.com", "put", nil, ""},
		{"a later rule for the method", "https://app.example.com", "HEAD", nil, "read-anyone"},
		{"first rule wins", "https://app.example.com", "GET", nil, "app"},
		{"allowed header, any case in the rule", "https://app.example.com", "PUT", []string{"content-type"}, "app"},
		{"header wildcard", "https://app.example.com", "PUT", []string{"x-amz-date", "x-amz-content-sha256", "x-custom-header"}, "app"},
		{"one header not allowed", "https://app.example.com", "PUT", []string{"content-type", "authorization"}, ""},
		{"not allowed by the first, allowed by a later rule", "https://app.example.com", "GET", []string{"authorization"}, "read-anyone"},
		{"rule without AllowedHeader allows no header", "https://up.example.com", "POST", []string{"content-type"}, ""},
		{"rule without AllowedHeader, none asked", "https://up.example.com", "DELETE", nil, "uploads"},
		{"any origin", "null", "GET", nil, "read-anyone"},
		{"any origin, not its method", "https://elsewhere.test", "PUT", nil, ""},
		{"empty origin matches only * here", "", "GET", nil, "read-anyone"},
	} {
		got := ""
		if rule := cfg.match(tc.origin, tc.method, tc.headers); rule != nil {
			got = rule.ID
		}
		if got != tc.want {
			t.Errorf("%s: match(%q, %q, %q) = rule %q, want %q", tc.name, tc.origin, tc.method, tc.headers, got, tc.want)
		}
	}
}

// TestCORSRequestedHeaders: Access-Control-Request-Headers is a list of
// names with optional white space and empty elements; names compare
// without case.
func TestCORSRequestedHeaders(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"content-type", []string{"content-type"}},
		{"content-type,x-amz-date", []string{"content-type", "x-amz-date"}},
		{" X-AMZ-Expected-BUCKET-owner ,  x-amz-server-side-encryption", []string{"x-amz-expected-bucket-owner", "x-amz-server-side-encryption"}},
		{",, a ,\t,b,", []string{"a", "b"}},
	} {
		if got := requestedHeaders(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("requestedHeaders(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
