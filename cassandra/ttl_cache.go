package cassandra

import (
	"sync"
	"sync/atomic"
	"time"
)

// ttlCache remembers values found in Cassandra across requests for a
// short TTL. Only what was found is cached, so something created on any
// frontend is usable at once everywhere; something deleted or changed
// through another frontend keeps its old face here for up to ttl.
//
// Buckets: an object request then costs no bucket read, so a small PUT
// or GET is one round trip (see doc.go). Access keys: a request costs no
// key read; a key disabled or deleted elsewhere stops working within ttl.
type ttlCache[V any] struct {
	ttl time.Duration // 0: no caching
	mu  sync.Mutex
	m   map[string]cached[V]

	hits, misses atomic.Uint64 // lookups answered, and not, from the cache
}

// CacheStats counts a cache's lookups since the Store opened. With the
// cache off every lookup is a miss.
type CacheStats struct {
	Hits, Misses uint64
}

func (c *ttlCache[V]) stats() CacheStats {
	return CacheStats{Hits: c.hits.Load(), Misses: c.misses.Load()}
}

type cached[V any] struct {
	v       V
	expires time.Time
}

// maxCached bounds a cache; past it, expired entries are dropped, and if
// none were, everything is.
const maxCached = 10000

func (c *ttlCache[V]) get(k string) (V, bool) {
	var zero V
	if c.ttl <= 0 {
		c.misses.Add(1)
		return zero, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || time.Now().After(e.expires) {
		c.misses.Add(1)
		return zero, false
	}
	c.hits.Add(1)
	return e.v, true
}

func (c *ttlCache[V]) put(k string, v V) {
	if c.ttl <= 0 {
		return
	}
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]cached[V])
	}
	if len(c.m) >= maxCached {
		for k, e := range c.m {
			if now.After(e.expires) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= maxCached {
			clear(c.m)
		}
	}
	c.m[k] = cached[V]{v: v, expires: now.Add(c.ttl)}
}

func (c *ttlCache[V]) forget(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, k)
}
