package cassandra

import (
	"crypto/md5"
	"hash"
)

// md5s hands out the MD5 hash of each upload: crypto/md5, in the
// request's own goroutine, over each block once it is read (blob_write.go).
//
// MD5 is the largest CPU cost of a PUT (S3 clients check the ETag, so it
// cannot go). Uploads used to hash in minio/md5-simd's SIMD lanes when
// they overlapped. Measured on the 2-core benchmark machine that cost
// more CPU per byte, not less (docs/benchmarks.md, "Frontend CPU per
// stored byte"): network-paced uploads rarely have blocks ready at the
// same moment, so most rounds hashed one or two lanes (1.7-1.8 CPU s/GiB
// against crypto/md5's 1.13) on top of a channel send and a copy per
// 32 KiB; and md5-simd v1.1.2 never forgets a closed hash (its server
// deletes the zero uid of a closed channel), so every round scanned every
// upload since the process started: after 26,000 uploads, 36 CPU s/GiB.
type md5s struct{}

func newMD5s() *md5s { return &md5s{} }

// get returns a fresh MD5 hash and the function that releases it (call it
// once the sum is taken).
func (m *md5s) get() (hash.Hash, func()) { return md5.New(), func() {} }

func (m *md5s) close() {}
