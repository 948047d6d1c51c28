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

// BenchmarkSSE compares PUT and GET of plain and SSE-C objects (the
// store's cost of AES-256-GCM and the second MD5; no TLS).
func BenchmarkSSE(b *testing.B) {
	s := newStore(b, func(c *Config) { c.BlockSize = DefaultBlockSize })
	mustCreateBucket(b, s, "bench")
	key := &store.SSE{Key: bytes.Repeat([]byte{9}, store.SSEKeySize)}
	for _, size := range []int{1 << 10, 1 << 20, 8 << 20} {
		data := randomBytes(b, size)
		for _, mode := range []string{"plain", "ssec"} {
			var k *store.SSE
			if mode == "ssec" {
				k = key
			}
			b.Run(fmt.Sprintf("put/%d/%s", size, mode), func(b *testing.B) {
				b.SetBytes(int64(size))
				for i := 0; b.Loop(); i++ {
					_, err := s.PutObject(context.Background(), store.PutInput{Bucket: "bench", Key: fmt.Sprint(mode, size, "-", i%16),
						Owner: "o", Size: int64(size), Body: bytes.NewReader(data), SSE: k})
					if err != nil {
						b.Fatal(err)
					}
				}
			})
			obj, err := s.PutObject(context.Background(), store.PutInput{Bucket: "bench", Key: fmt.Sprint("get", mode, size),
				Owner: "o", Size: int64(size), Body: bytes.NewReader(data), SSE: k})
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("get/%d/%s", size, mode), func(b *testing.B) {
				b.SetBytes(int64(size))
				for b.Loop() {
					h, err := s.HeadObject(context.Background(), "bench", obj.Key)
					if err != nil {
						b.Fatal(err)
					}
					h.SSEKey = k
					rc, err := s.ReadObject(context.Background(), h, 0, -1)
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
}
