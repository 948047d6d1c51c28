package cassandra

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/amphora-s3/amphora/store"
)

// go test -run '^$' -bench . ./cassandra/ (against the test node)
func BenchmarkPut(b *testing.B) {
	s := newStore(b, func(c *Config) { c.BlockSize = DefaultBlockSize })
	mustCreateBucket(b, s, "bench")
	for _, size := range []int{1 << 10, 1 << 20, 8 << 20} {
		data := randomBytes(b, size)
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			b.SetBytes(int64(size))
			for i := 0; b.Loop(); i++ {
				_, err := s.PutObject(context.Background(), store.PutInput{Bucket: "bench", Key: fmt.Sprint("k", i%16),
					Owner: "o", Size: int64(size), Body: bytes.NewReader(data)})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkGet(b *testing.B) {
	s := newStore(b, func(c *Config) { c.BlockSize = DefaultBlockSize })
	mustCreateBucket(b, s, "bench")
	for _, size := range []int{1 << 10, 1 << 20, 8 << 20} {
		key := fmt.Sprint("k", size)
		mustPut(b, s, "bench", key, randomBytes(b, size))
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			b.SetBytes(int64(size))
			for b.Loop() {
				obj, err := s.HeadObject(context.Background(), "bench", key)
				if err != nil {
					b.Fatal(err)
				}
				rc, err := s.ReadObject(context.Background(), obj, 0, -1)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, rc); err != nil {
					b.Fatal(err)
				}
				rc.Close()
			}
		})
	}
}
