package frontend

import (
	"net/http"
	"testing"
	"time"
)

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
