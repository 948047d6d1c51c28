package cassandra

import (
	"container/list"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// The block cache.
//
// Blocks never change (an inode is random and written once), so a
// frontend may keep the blocks it read with no invalidation at all: a
// deleted or overwritten object's version row is gone, and the version
// row is still read at the configured consistency on every GET, so a GET
// never reaches a stale block and read-after-write holds.
//
// The cache keeps the stored bytes (an SSE-C block sealed, as in
// Cassandra) with their CRC-32C, keyed by (inode, block index). A hit is
// copied into the reader's own block buffer, which is then checked and
// opened exactly like a block fresh from Cassandra, so a hit never
// bypasses the SSE-C key check or the checksum, and the cache never holds
// plaintext of an encrypted object.
//
// Memory is one slab of fixed slots of BlockSize + maxCodecOverhead bytes,
// mapped outside the Go heap when the platform allows (blockcache_mmap.go):
// the garbage collector neither scans it nor sizes its heap goal by it, and
// only slots that have held a block are resident. So the cache costs at
// most BlockCacheSize of RSS on top of the usual bound, whatever the
// traffic, and evicting a block frees no garbage: its slot takes the next
// block. A block smaller than a slot (an object's last block, an object
// under one block) still takes a whole slot; a block larger (written with
// a larger block_size before) is not cached.
//
// The slots are split among shards, each an LRU under its own mutex;
// a block's bytes are copied in and out under that mutex.

// blockKey names a block: the blob's inode and the block's index.
type blockKey struct {
	inode gocql.UUID
	idx   int
}

// blockCache is a byte-bounded, sharded LRU of stored blocks; nil is off.
type blockCache struct {
	slotSize int
	slab     []byte
	free     func() error // unmaps slab
	shards   []cacheShard

	hits, misses, evictions atomic.Uint64
}

// cacheShard is an LRU over slots [first, first+n) of the slab.
type cacheShard struct {
	mu    sync.Mutex
	m     map[blockKey]*list.Element // of *cacheEntry
	lru   list.List                  // front: most recently used
	free  []int                      // unused slots
	bytes int64                      // stored bytes held
}

type cacheEntry struct {
	key  blockKey
	slot int
	n    int
	crc  int32
}

// maxCacheShards bounds the shards; each has at least minShardSlots, so
// that keys hashing unevenly across shards seldom evict from a shard
// while others have room (a hit copies at most a block under the lock).
const (
	maxCacheShards = 8
	minShardSlots  = 32
)

// newBlockCache returns a cache of at most size bytes of blocks of up to
// blockSize+maxCodecOverhead bytes; nil when size is 0.
func newBlockCache(size int64, blockSize int) (*blockCache, error) {
	if size <= 0 {
		return nil, nil
	}
	slotSize := blockSize + maxCodecOverhead
	slots := int(size / int64(slotSize))
	if slots < 1 {
		return nil, fmt.Errorf("block cache of %d bytes holds no block of %d bytes", size, slotSize)
	}
	slab, free, err := allocSlab(slots * slotSize)
	if err != nil {
		return nil, fmt.Errorf("block cache of %d bytes: %w", size, err)
	}
	n := max(1, min(maxCacheShards, slots/minShardSlots))
	c := &blockCache{slotSize: slotSize, slab: slab, free: free, shards: make([]cacheShard, n)}
	for i := range slots {
		sh := &c.shards[i%n]
		sh.free = append(sh.free, i)
	}
	for i := range c.shards {
		c.shards[i].m = make(map[blockKey]*list.Element, len(c.shards[i].free))
	}
	return c, nil
}

// close releases the slab; the cache must not be used after it.
func (c *blockCache) close() {
	if c == nil || c.free == nil {
		return
	}
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		sh.m, sh.free = nil, nil
		sh.lru.Init()
		sh.mu.Unlock()
	}
	_ = c.free()
	c.free = nil
}

func (c *blockCache) shard(k blockKey) *cacheShard {
	h := binary.LittleEndian.Uint64(k.inode[:8]) ^ binary.LittleEndian.Uint64(k.inode[8:]) ^ uint64(k.idx)*0x9e3779b97f4a7c15
	h ^= h >> 29
	return &c.shards[h%uint64(len(c.shards))]
}

func (c *blockCache) slot(i, n int) []byte { return c.slab[i*c.slotSize : i*c.slotSize+n] }

// get copies block k into buf (whose capacity must hold it) and returns
// buf's bytes and the block's CRC-32C; false on a miss.
func (c *blockCache) get(k blockKey, buf []byte) ([]byte, int32, bool) {
	sh := c.shard(k)
	sh.mu.Lock()
	el, ok := sh.m[k]
	if !ok {
		sh.mu.Unlock()
		c.misses.Add(1)
		return nil, 0, false
	}
	e := el.Value.(*cacheEntry)
	if e.n > cap(buf) {
		sh.mu.Unlock()
		c.misses.Add(1)
		return nil, 0, false
	}
	sh.lru.MoveToFront(el)
	b := append(buf[:0], c.slot(e.slot, e.n)...)
	crc := e.crc
	sh.mu.Unlock()
	c.hits.Add(1)
	return b, crc, true
}

// add copies stored (block k, checked against crc) into the cache,
// evicting the least recently used blocks of its shard as needed. It
// reports whether k was added (false: already cached, too large, or the
// cache is closed).
func (c *blockCache) add(k blockKey, stored []byte, crc int32) bool {
	if c == nil || len(stored) > c.slotSize {
		return false
	}
	sh := c.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.m == nil {
		return false
	}
	if el, ok := sh.m[k]; ok {
		sh.lru.MoveToFront(el)
		return false
	}
	var slot int
	if n := len(sh.free); n > 0 {
		slot = sh.free[n-1]
		sh.free = sh.free[:n-1]
	} else {
		el := sh.lru.Back()
		if el == nil {
			return false
		}
		old := sh.lru.Remove(el).(*cacheEntry)
		delete(sh.m, old.key)
		sh.bytes -= int64(old.n)
		slot = old.slot
		c.evictions.Add(1)
	}
	copy(c.slot(slot, len(stored)), stored)
	sh.m[k] = sh.lru.PushFront(&cacheEntry{key: k, slot: slot, n: len(stored), crc: crc})
	sh.bytes += int64(len(stored))
	return true
}

// remove drops block k (a cached copy that failed its checks).
func (c *blockCache) remove(k blockKey) {
	if c == nil {
		return
	}
	sh := c.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if el, ok := sh.m[k]; ok {
		e := sh.lru.Remove(el).(*cacheEntry)
		delete(sh.m, k)
		sh.bytes -= int64(e.n)
		sh.free = append(sh.free, e.slot)
	}
}

// BlockCacheStats reports the block cache since the Store opened.
type BlockCacheStats struct {
	Hits, Misses, Evictions uint64
	Blocks                  int   // blocks held now
	Bytes                   int64 // their stored bytes
	SlotBytes               int64 // slots in use x slot size: what they take of the cache
	Capacity                int64 // the cache's size in whole slots (0: off)
}

func (c *blockCache) stats() BlockCacheStats {
	if c == nil {
		return BlockCacheStats{}
	}
	st := BlockCacheStats{Hits: c.hits.Load(), Misses: c.misses.Load(), Evictions: c.evictions.Load(),
		Capacity: int64(len(c.slab))}
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		st.Blocks += len(sh.m)
		st.Bytes += sh.bytes
		sh.mu.Unlock()
	}
	st.SlotBytes = int64(st.Blocks) * int64(c.slotSize)
	return st
}

// BlockCacheStats reports the block cache (all zero when it is off).
func (s *Store) BlockCacheStats() BlockCacheStats { return s.cache.stats() }
