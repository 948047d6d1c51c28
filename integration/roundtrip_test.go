package integration

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// Byte-exact round trips at the sizes where block arithmetic goes wrong,
// and a 50 MiB object streamed both ways without being held in memory.
func TestRoundTrips(t *testing.T) {
	s := shared(t)
	ctx := testContext(t, 3*time.Minute)
	c := s.minioClient(t, tenantA, minioOpts{})
	const bucket = "round-trips"
	makeBucket(t, c, bucket)
	block := s.Options.BlockSize
	sizes := map[string]int64{}
	for i, size := range []int64{0, 1, block - 1, block, block + 1, 3*block + 7, 50 << 20} {
		key := fmt.Sprintf("size-%d", size)
		sizes[key] = size
		seed := uint64(100 + i)
		t.Run(key, func(t *testing.T) {
			sh, mh := sha256.New(), md5.New()
			body := io.TeeReader(payload(seed, size), io.MultiWriter(sh, mh))
			up, err := c.PutObject(ctx, bucket, key, body, size, minio.PutObjectOptions{DisableMultipart: true})
			if err != nil {
				t.Fatalf("PutObject: %v", err)
			}
			want := digests{SHA256: hex.EncodeToString(sh.Sum(nil)), MD5: hex.EncodeToString(mh.Sum(nil)), Size: size}
			if up.ETag != want.MD5 || up.Size != size {
				t.Errorf("PutObject = ETag %s size %d, want %s %d", up.ETag, up.Size, want.MD5, size)
			}
			o, err := c.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			st, err := o.Stat() // before reading: minio-go's Stat reports the size left to read
			got := digestOf(t, o)
			o.Close()
			if got != want {
				t.Errorf("GetObject = %+v, want %+v", got, want)
			}
			if err != nil || st.ETag != want.MD5 || st.Size != size {
				t.Errorf("GET headers: ETag %s size %d err %v; want %s %d", st.ETag, st.Size, err, want.MD5, size)
			}
		})
	}
	if l := list(t, c, bucket, minio.ListObjectsOptions{Recursive: true}, sizes); len(l.Keys) != len(sizes) {
		t.Errorf("listing has %d objects, want %d: %v", len(l.Keys), len(sizes), l)
	}

	// Ranges across block boundaries of the 50 MiB object (seed 106).
	const big, bigSeed = 50 << 20, 106
	for _, r := range [][2]int64{
		{0, block - 1},                  // exactly the first block
		{block - 1, block},              // the last byte of one block and the first of the next
		{7 * block, 8*block - 1},        // one whole block, aligned
		{3*block - 5, 5*block + 5},      // three boundaries
		{25<<20 - 100, 25<<20 + 100},    // the middle
		{big - block - 3, big - 1},      // into the last block, to the end
		{big - 1, big - 1},              // the last byte
		{block + 17, 20*block + 17 - 1}, // many blocks, unaligned
	} {
		opts := minio.GetObjectOptions{}
		if err := opts.SetRange(r[0], r[1]); err != nil {
			t.Fatal(err)
		}
		got, err := getBytes(ctx, c, bucket, fmt.Sprintf("size-%d", big), opts)
		if want := payloadRange(t, bigSeed, r[0], r[1]-r[0]+1); err != nil || !bytes.Equal(got, want) {
			t.Errorf("bytes=%d-%d of the 50 MiB object: %d bytes, err %v; want %d exact bytes", r[0], r[1], len(got), err, len(want))
		}
	}
}
