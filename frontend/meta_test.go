package frontend

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

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
