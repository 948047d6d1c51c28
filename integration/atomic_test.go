package integration

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// While a key is overwritten again and again, every read sees one whole
// version, never a mix of two.
func TestOverwriteIsAtomicForReaders(t *testing.T) {
	s := shared(t)
	ctx := testContext(t, time.Minute)
	c := s.minioClient(t, tenantA, minioOpts{})
	const bucket, key = "atomic-overwrite", "k"
	makeBucket(t, c, bucket)
	size := 4*s.Options.BlockSize + 3 // same size for both: only the bytes tell them apart
	seeds := [2]uint64{700, 701}
	var whole [2]digests
	var middle [2][]byte // a range across two block boundaries
	from, to := s.Options.BlockSize-10, 3*s.Options.BlockSize+10
	for i, sd := range seeds {
		whole[i] = payloadDigest(t, sd, size)
		middle[i] = payloadRange(t, sd, from, to-from+1)
	}
	if _, err := c.PutObject(ctx, bucket, key, payload(seeds[0], size), size, minio.PutObjectOptions{DisableMultipart: true}); err != nil {
		t.Fatal(err)
	}

	const runFor, maxWrites = 4 * time.Second, 60
	runCtx, stop := context.WithTimeout(ctx, runFor)
	defer stop()
	var wg sync.WaitGroup
	var mu sync.Mutex
	reads, writes := 0, 0
	wg.Add(1)
	go func() { // the writer
		defer wg.Done()
		defer stop()
		for i := 1; i <= maxWrites && runCtx.Err() == nil; i++ {
			sd := seeds[i%2]
			if _, err := c.PutObject(ctx, bucket, key, payload(sd, size), size, minio.PutObjectOptions{DisableMultipart: true}); err != nil {
				t.Errorf("overwrite %d: %v", i, err)
				return
			}
			mu.Lock()
			writes++
			mu.Unlock()
		}
	}()
	for r := range 3 {
		wg.Add(1)
		go func() { // readers: whole objects, ranges and HEADs
			defer wg.Done()
			for i := 0; runCtx.Err() == nil && i < 1000; i++ {
				switch (i + r) % 3 {
				case 0:
					o, err := c.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
					if err != nil {
						t.Errorf("GET: %v", err)
						return
					}
					got := digestOfReader(o)
					o.Close()
					if got != whole[0] && got != whole[1] {
						t.Errorf("GET during overwrites = %+v, neither version", got)
						return
					}
				case 1:
					opts := minio.GetObjectOptions{}
					opts.SetRange(from, to)
					got, err := getBytes(ctx, c, bucket, key, opts)
					if err != nil || (!bytes.Equal(got, middle[0]) && !bytes.Equal(got, middle[1])) {
						t.Errorf("ranged GET during overwrites: %d bytes, %v; neither version", len(got), err)
						return
					}
				case 2:
					st, err := c.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
					if err != nil || st.Size != size || (st.ETag != whole[0].MD5 && st.ETag != whole[1].MD5) {
						t.Errorf("HEAD during overwrites: size %d etag %s, %v", st.Size, st.ETag, err)
						return
					}
				}
				mu.Lock()
				reads++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("%d reads during %d overwrites", reads, writes)
	if writes < 2 || reads < 6 {
		t.Errorf("only %d reads during %d overwrites: too few to show anything", reads, writes)
	}
}
