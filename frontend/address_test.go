package frontend

import (
	"strings"
	"testing"
)

func TestParseAddress(t *testing.T) {
	domains := []string{"s3.example.com", "example.com", "localhost"}
	for _, tc := range []struct {
		host, path  string
		bucket, key string
		vhost       bool
		resource    string
		errCode     string
	}{
		{"127.0.0.1:9000", "/", "", "", false, "/", ""},
		{"127.0.0.1:9000", "/bucket", "bucket", "", false, "/bucket", ""},
		{"127.0.0.1:9000", "/bucket/", "bucket", "", false, "/bucket/", ""},
		{"127.0.0.1:9000", "/bucket/key", "bucket", "key", false, "/bucket/key", ""},
		{"127.0.0.1:9000", "/bucket/a/b/c.txt", "bucket", "a/b/c.txt", false, "/bucket/a/b/c.txt", ""},
		{"s3.example.com", "/bucket/key", "bucket", "key", false, "/bucket/key", ""},
		{"s3.example.com:8080", "/bucket/key", "bucket", "key", false, "/bucket/key", ""},
		{"bucket.s3.example.com", "/key", "bucket", "key", true, "/bucket/key", ""},
		{"bucket.s3.example.com:8080", "/key", "bucket", "key", true, "/bucket/key", ""},
		{"Bucket.S3.Example.COM", "/key", "bucket", "key", true, "/bucket/key", ""},
		{"bucket.s3.example.com", "/", "bucket", "", true, "/bucket/", ""},
		{"my.dotted.bucket.s3.example.com", "/k", "my.dotted.bucket", "k", true, "/my.dotted.bucket/k", ""},
		// Nested domains: the longest configured domain wins.
		{"b.example.com", "/k", "b", "k", true, "/b/k", ""},
		{"example.com", "/b/k", "b", "k", false, "/b/k", ""}, // a configured domain is path-style
		{"s3.example.com", "/", "", "", false, "/", ""},
		{"x.other.org", "/b/k", "b", "k", false, "/b/k", ""},
		{"notexample.com", "/b/k", "b", "k", false, "/b/k", ""},
		{"localhost:9000", "/b/k", "b", "k", false, "/b/k", ""},
		{"b.localhost:9000", "/k", "b", "k", true, "/b/k", ""},
		{"other.org", "/b/k", "b", "k", false, "/b/k", ""},
		{"[::1]:9000", "/b/k", "b", "k", false, "/b/k", ""},
		{"bucket.s3.example.com.", "/k", "bucket", "k", true, "/bucket/k", ""},
		// Keys keep escapes, slashes and plus signs.
		{"h", "/b/a%2Fb", "b", "a/b", false, "/b/a%2Fb", ""},
		{"h", "/b/a//b", "b", "a//b", false, "/b/a//b", ""},
		{"h", "/b//lead", "b", "/lead", false, "/b//lead", ""},
		{"h", "/b/a+b", "b", "a+b", false, "/b/a+b", ""},
		{"h", "/b/a%2Bb", "b", "a+b", false, "/b/a%2Bb", ""},
		{"h", "/b/a%20b", "b", "a b", false, "/b/a%20b", ""},
		{"h", "/b/100%25", "b", "100%", false, "/b/100%25", ""},
		{"h", "/b/%E2%82%AC", "b", "€", false, "/b/%E2%82%AC", ""},
		{"h", "/b/dir/./../x", "b", "dir/./../x", false, "/b/dir/./../x", ""},
		{"bucket.s3.example.com", "//k", "bucket", "/k", true, "/bucket//k", ""},
		{"bucket.s3.example.com", "/a%2Fb", "bucket", "a/b", true, "/bucket/a%2Fb", ""},
		// Errors.
		{"h", "/b/%zz", "", "", false, "", "InvalidURI"},
		{"h", "/b/%FF", "", "", false, "", "InvalidURI"},
		{"h", "/b/" + strings.Repeat("k", 1025), "", "", false, "", "KeyTooLongError"},
		{"h", "/b/" + strings.Repeat("k", 1024), "b", strings.Repeat("k", 1024), false, "/b/" + strings.Repeat("k", 1024), ""},
		{"h", "*", "", "", false, "", "InvalidURI"},
		{"h", "//b/k", "", "", false, "", "InvalidURI"}, // a key without a bucket (found by FuzzParseAddress)
	} {
		a, err := parseAddress(tc.host, tc.path, domains)
		if tc.errCode != "" {
			if err == nil || s3Error(err).Code != tc.errCode {
				t.Errorf("parseAddress(%q, %q) err = %v, want %s", tc.host, tc.path, err, tc.errCode)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseAddress(%q, %q): %v", tc.host, tc.path, err)
			continue
		}
		if a.Bucket != tc.bucket || a.Key != tc.key || a.VirtualHost != tc.vhost || a.ResourcePath != tc.resource {
			t.Errorf("parseAddress(%q, %q) = %+v, want bucket %q key %q vhost %v resource %q",
				tc.host, tc.path, a, tc.bucket, tc.key, tc.vhost, tc.resource)
		}
	}
}
