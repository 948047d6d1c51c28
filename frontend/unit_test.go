package frontend

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestValidBucketName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"abc", true},
		{"my-bucket.example-1", true},
		{"a.b-c", true},
		{strings.Repeat("a", 63), true},
		{"1bucket9", true},
		{"192.168.5", true},    // three groups: not an address
		{"1234.1.1.1", true},   // a group too long for IPv4
		{"xn-bucket", true},    // xn- alone is fine
		{"my-s3alias-x", true}, // only the suffix is reserved
		{"ab", false},          // too short
		{strings.Repeat("a", 64), false},
		{"", false},
		{"MyBucket", false},    // upper case
		{"my_bucket", false},   // underscore
		{"my bucket", false},   // space
		{"-bucket", false},     // starts with '-'
		{"bucket-", false},     // ends with '-'
		{".bucket", false},     // starts with '.'
		{"bucket.", false},     // ends with '.'
		{"my..bucket", false},  // adjacent periods
		{"192.168.5.4", false}, // IPv4 shaped
		{"10.0.0.1", false},    // IPv4 shaped
		{"xn--bucket", false},  // reserved prefix
		{"sthree-bucket", false},
		{"amzn-s3-demo-bucket", false},
		{"bucket-s3alias", false}, // reserved suffixes
		{"bucket--ol-s3", false},
		{"bucket.mrap", false},
		{"bucket--x-s3", false},
		{"bucket--table-s3", false},
		{"bücket", false}, // non-ASCII
		{"a/b", false},
	} {
		if got := validBucketName(tc.name); got != tc.ok {
			t.Errorf("validBucketName(%q) = %v, want %v", tc.name, got, tc.ok)
		}
	}
}

func TestParseRange(t *testing.T) {
	const size = 100
	for _, tc := range []struct {
		h       string
		size    int64
		partial bool
		off, n  int64
		err     bool // 416
	}{
		{"", size, false, 0, 0, false},
		{"bytes=0-9", size, true, 0, 10, false},
		{"bytes=10-19", size, true, 10, 10, false},
		{"bytes=90-", size, true, 90, 10, false},
		{"bytes=0-", size, true, 0, 100, false},
		{"bytes=95-200", size, true, 95, 5, false}, // end clamped
		{"bytes=99-99", size, true, 99, 1, false},
		{"bytes=-10", size, true, 90, 10, false}, // suffix
		{"bytes=-100", size, true, 0, 100, false},
		{"bytes=-1000", size, true, 0, 100, false}, // suffix longer than the object
		{"Bytes=1-2", size, true, 1, 2, false},     // unit case-insensitive
		{"bytes= 1 - 2 ", size, true, 1, 2, false},
		{"bytes=100-", size, false, 0, 0, true}, // first byte past the end
		{"bytes=100-200", size, false, 0, 0, true},
		{"bytes=1000-2000", size, false, 0, 0, true},
		{"bytes=-0", size, false, 0, 0, true},       // empty suffix
		{"bytes=0-0", 0, false, 0, 0, true},         // any range of an empty object
		{"bytes=-5", 0, false, 0, 0, false},         // suffix of an empty object: whole (empty) object
		{"bytes=10-5", size, false, 0, 0, false},    // last < first: ignored
		{"bytes=150-1", size, false, 0, 0, false},   // AWS ignores it even past the end
		{"bytes=0-1,5-6", size, false, 0, 0, false}, // multi-range: ignored
		{"bytes=abc", size, false, 0, 0, false},
		{"bytes=a-b", size, false, 0, 0, false},
		{"bytes=-", size, false, 0, 0, false},
		{"bytes=1-2-3", size, false, 0, 0, false},
		{"bytes=+1-2", size, false, 0, 0, false},
		{"bytes=-+5", size, false, 0, 0, false},
		{"items=0-1", size, false, 0, 0, false},
		{"0-1", size, false, 0, 0, false},
		{"bytes=99999999999999999999-", size, false, 0, 0, false}, // overflow: unparsable
	} {
		r, partial, err := parseRange(tc.h, tc.size)
		if (err != nil) != tc.err {
			t.Errorf("parseRange(%q, %d) err = %v, want 416 %v", tc.h, tc.size, err, tc.err)
			continue
		}
		if err != nil {
			e := s3Error(err)
			if e.Code != "InvalidRange" || e.Status != http.StatusRequestedRangeNotSatisfiable {
				t.Errorf("parseRange(%q) error %v", tc.h, e)
			}
			if want := "bytes */" + strconv.FormatInt(tc.size, 10); e.contentRange != want {
				t.Errorf("parseRange(%q) Content-Range %q, want %q", tc.h, e.contentRange, want)
			}
			continue
		}
		if partial != tc.partial || (partial && (r.off != tc.off || r.n != tc.n)) {
			t.Errorf("parseRange(%q, %d) = %+v partial %v, want off %d n %d partial %v", tc.h, tc.size, r, partial, tc.off, tc.n, tc.partial)
		}
	}
	if got := (byteRange{10, 5}).contentRange(100); got != "bytes 10-14/100" {
		t.Errorf("contentRange = %q", got)
	}
}

func TestEvalConditions(t *testing.T) {
	const etag = "abc123"
	lm := time.Date(2024, 5, 1, 12, 0, 0, 500e6, time.UTC) // sub-second part ignored
	before, at, after := httpDateOf(lm.Add(-time.Hour)), httpDateOf(lm), httpDateOf(lm.Add(time.Hour))
	for _, tc := range []struct {
		name string
		h    map[string]string
		want condition
	}{
		{"none", nil, condProceed},
		{"if-match hit", map[string]string{"If-Match": `"abc123"`}, condProceed},
		{"if-match unquoted", map[string]string{"If-Match": `abc123`}, condProceed},
		{"if-match list", map[string]string{"If-Match": `"x", "abc123"`}, condProceed},
		{"if-match star", map[string]string{"If-Match": `*`}, condProceed},
		{"if-match miss", map[string]string{"If-Match": `"other"`}, condFailed},
		{"if-unmodified-since later", map[string]string{"If-Unmodified-Since": after}, condProceed},
		{"if-unmodified-since same second", map[string]string{"If-Unmodified-Since": at}, condProceed},
		{"if-unmodified-since earlier", map[string]string{"If-Unmodified-Since": before}, condFailed},
		{"if-unmodified-since garbage ignored", map[string]string{"If-Unmodified-Since": "yesterday"}, condProceed},
		// AWS: If-Match true and If-Unmodified-Since false -> 200.
		{"if-match true beats if-unmodified-since false", map[string]string{"If-Match": `"abc123"`, "If-Unmodified-Since": before}, condProceed},
		{"if-match false with if-unmodified-since true", map[string]string{"If-Match": `"x"`, "If-Unmodified-Since": after}, condFailed},
		{"if-none-match hit", map[string]string{"If-None-Match": `"abc123"`}, condNotModified},
		{"if-none-match weak hit", map[string]string{"If-None-Match": `W/"abc123"`}, condNotModified},
		{"if-none-match star", map[string]string{"If-None-Match": `*`}, condNotModified},
		{"if-none-match miss", map[string]string{"If-None-Match": `"other"`}, condProceed},
		{"if-modified-since earlier", map[string]string{"If-Modified-Since": before}, condProceed},
		{"if-modified-since same second", map[string]string{"If-Modified-Since": at}, condNotModified},
		{"if-modified-since later", map[string]string{"If-Modified-Since": after}, condNotModified},
		// AWS: If-None-Match false and If-Modified-Since true -> 304.
		{"if-none-match false beats if-modified-since true", map[string]string{"If-None-Match": `"abc123"`, "If-Modified-Since": before}, condNotModified},
		// If-None-Match true: If-Modified-Since is not consulted.
		{"if-none-match true ignores if-modified-since", map[string]string{"If-None-Match": `"other"`, "If-Modified-Since": after}, condProceed},
		// 412 wins over 304.
		{"if-match false and if-none-match hit", map[string]string{"If-Match": `"x"`, "If-None-Match": `"abc123"`}, condFailed},
		{"if-unmodified-since false and if-modified-since", map[string]string{"If-Unmodified-Since": before, "If-Modified-Since": after}, condFailed},
		{"if-match true and if-none-match hit", map[string]string{"If-Match": `"abc123"`, "If-None-Match": `"abc123"`}, condNotModified},
	} {
		h := http.Header{}
		for k, v := range tc.h {
			h.Set(k, v)
		}
		if got, _ := evalConditions(h, etag, lm); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestMetaFromHeaders(t *testing.T) {
	h := http.Header{}
	h.Set("X-Amz-Meta-Color", "blue")
	h.Add("X-Amz-Meta-Multi", "a")
	h.Add("X-Amz-Meta-Multi", "b")
	h.Set("Cache-Control", "no-cache")
	m, err := metaFromHeaders(h)
	if err != nil {
		t.Fatal(err)
	}
	if m.User["color"] != "blue" || m.User["multi"] != "a,b" || len(m.User) != 2 {
		t.Errorf("user meta = %v", m.User)
	}
	if m.ContentType != defaultContentType || m.CacheControl != "no-cache" {
		t.Errorf("meta = %+v", m)
	}

	// The limit counts names without the prefix plus values: 2048 is the
	// most allowed.
	for _, tc := range []struct {
		valueLen int
		ok       bool
	}{{2048 - 1, true}, {2048, false}} {
		h := http.Header{}
		h.Set("X-Amz-Meta-K", strings.Repeat("v", tc.valueLen)) // 1 + valueLen bytes
		_, err := metaFromHeaders(h)
		if (err == nil) != tc.ok {
			t.Errorf("value of %d bytes: err = %v, want ok %v", tc.valueLen, err, tc.ok)
		}
		if err != nil && s3Error(err).Code != "MetadataTooLarge" {
			t.Errorf("code = %s", s3Error(err).Code)
		}
	}
	// Many small entries add up.
	h = http.Header{}
	for i := 0; i < 100; i++ {
		h.Set("X-Amz-Meta-Key"+strconv.Itoa(i+100), strings.Repeat("x", 15)) // 6+15 = 21 bytes each
	}
	if _, err := metaFromHeaders(h); err == nil {
		t.Error("2100 bytes of metadata accepted")
	}
}

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

func TestURLEncodeKey(t *testing.T) {
	for in, want := range map[string]string{
		"plain/key.txt": "plain/key.txt",
		"a b":           "a%20b",
		"a+b":           "a%2Bb",
		"100%":          "100%25",
		"한/x":           "%ED%95%9C/x",
		"a&b=c?d":       "a%26b%3Dc%3Fd",
		"\x01":          "%01",
	} {
		if got := urlEncodeKey(in); got != want {
			t.Errorf("urlEncodeKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewValidatesOptions(t *testing.T) {
	_, err := New(Options{Credentials: []Credential{{AccessKey: "a"}, {AccessKey: "b:c", SecretKey: "s", Tenant: "t"}}, VirtualHostDomains: []string{"a:b"}})
	if err == nil {
		t.Fatal("New accepted bad options")
	}
	for _, want := range []string{"no store", "no region", "credential 0", "credential 1", "virtual host domain"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}
