package frontend

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/amphora-s3/amphora/store"
)

// Deciding a cross-origin request on a bucket's CORS rules. S3 uses the
// first rule that matches:
//   - the request's Origin matches one of its AllowedOrigin patterns:
//     "*" alone matches every origin, one "*" elsewhere matches any run
//     of characters (none included), anything else only itself. Origins
//     compare case-sensitively, as the Fetch standard defines them (a
//     browser sends scheme and host in lower case);
//   - the method (a preflight's Access-Control-Request-Method) is one of
//     its AllowedMethod values, compared exactly;
//   - every header a preflight names in Access-Control-Request-Headers
//     matches one of its AllowedHeader patterns (one "*" each), without
//     regard to case. A rule without AllowedHeader allows none. An
//     actual request's headers are not checked.

// corsConfig is a bucket's rules, parsed once and ready to match.
type corsConfig struct {
	rules   []corsRule
	headers [][]string // each rule's AllowedHeader patterns, lower-cased
}

func newCORSConfig(rules []corsRule) *corsConfig {
	c := &corsConfig{rules: rules, headers: make([][]string, len(rules))}
	for i, rule := range rules {
		for _, h := range rule.Headers {
			c.headers[i] = append(c.headers[i], strings.ToLower(h))
		}
	}
	return c
}

// match returns the first rule allowing origin to use method with the
// (lower-case) headers, nil when none does.
func (c *corsConfig) match(origin, method string, headers []string) *corsRule {
	for i := range c.rules {
		rule := &c.rules[i]
		if anyOrigin(rule.Origins, origin) && slices.Contains(rule.Methods, method) && allHeaders(c.headers[i], headers) {
			return rule
		}
	}
	return nil
}

func anyOrigin(patterns []string, origin string) bool {
	for _, p := range patterns {
		if wildcardMatch(p, origin) {
			return true
		}
	}
	return false
}

func allHeaders(patterns, headers []string) bool {
	for _, h := range headers {
		ok := false
		for _, p := range patterns {
			if wildcardMatch(p, h) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// wildcardMatch matches s against pattern, in which the first "*" stands
// for any run of characters (a configuration has at most one).
func wildcardMatch(pattern, s string) bool {
	prefix, suffix, wild := strings.Cut(pattern, "*")
	if !wild {
		return pattern == s
	}
	return len(s) >= len(prefix)+len(suffix) && strings.HasPrefix(s, prefix) && strings.HasSuffix(s, suffix)
}

// requestedHeaders splits an Access-Control-Request-Headers value into
// lower-case names, skipping empty elements (RFC 9110 lists).
func requestedHeaders(v string) []string {
	var names []string
	for _, h := range strings.Split(v, ",") {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			names = append(names, h)
		}
	}
	return names
}

// setCORSHeaders writes the headers S3 answers a request rule allowed
// from origin with: the origin (or "*" when the rule allows every
// origin, then without credentials), the rule's methods, exposed headers
// and max age, and Vary, since the answer depends on those request
// headers.
func setCORSHeaders(h http.Header, rule *corsRule, origin string) {
	if slices.Contains(rule.Origins, "*") {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Set("Access-Control-Allow-Methods", strings.Join(rule.Methods, ", "))
	if len(rule.Expose) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(rule.Expose, ", "))
	}
	if rule.MaxAge != nil {
		h.Set("Access-Control-Max-Age", strconv.FormatInt(*rule.MaxAge, 10))
	}
	h.Set("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method")
}

// corsCache holds parsed configurations by their stored text. A bucket's
// settings are cached with the bucket; this keeps the decode from being
// repeated on every cross-origin request.
type corsCache struct {
	mu sync.Mutex
	m  map[string]*corsConfig
}

// maxCachedCORS bounds the cache; it is emptied when full
// (configurations change rarely, and a decode is cheap).
const maxCachedCORS = 4096

// of is b's CORS configuration, nil when it has none.
func (c *corsCache) of(b store.Bucket) (*corsConfig, error) {
	enc := b.Settings[store.SettingCORS]
	if enc == "" {
		return nil, nil
	}
	c.mu.Lock()
	cfg, ok := c.m[enc]
	c.mu.Unlock()
	if ok {
		return cfg, nil
	}
	rules, err := decodeCORS(enc)
	if err != nil {
		return nil, err
	}
	cfg = newCORSConfig(rules)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedCORS {
		c.m = make(map[string]*corsConfig)
	}
	c.m[enc] = cfg
	return cfg, nil
}
