package cassandra

import (
	"sync"
	"time"
)

// bucketCache remembers bucket rows across requests for a short TTL, so
// that an object request costs no bucket read: a small PUT or GET is then
// one round trip. Only found buckets are cached, so a bucket created on
// any frontend is usable at once everywhere; a bucket deleted through
// another frontend stays visible here for up to ttl (see doc.go).
type bucketCache struct {
	ttl time.Duration // 0: no caching
	mu  sync.Mutex
	m   map[string]cachedBucket
}

type cachedBucket struct {
	b       bucketInfo
	expires time.Time
}

// maxCachedBuckets bounds the cache; past it, expired entries are
// dropped, and if none were, everything is.
const maxCachedBuckets = 10000

func (c *bucketCache) get(name string) (bucketInfo, bool) {
	if c.ttl <= 0 {
		return bucketInfo{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[name]
	if !ok || time.Now().After(e.expires) {
		return bucketInfo{}, false
	}
	return e.b, true
}

func (c *bucketCache) put(b bucketInfo) {
	if c.ttl <= 0 {
		return
	}
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]cachedBucket)
	}
	if len(c.m) >= maxCachedBuckets {
		for k, e := range c.m {
			if now.After(e.expires) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= maxCachedBuckets {
			clear(c.m)
		}
	}
	c.m[b.name] = cachedBucket{b: b, expires: now.Add(c.ttl)}
}

func (c *bucketCache) forget(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, name)
}
