package cassandra

import (
	"crypto/md5"
	"math/rand/v2"
	"sync"
	"testing"
)

// TestMD5s: hashes handed out while others are in use and alone give
// crypto/md5's sums, for odd sizes and writes.
func TestMD5s(t *testing.T) {
	m := newMD5s()
	defer m.close()
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Go(func() {
			data := make([]byte, 1<<20+i*4099)
			for j := range data {
				data[j] = byte(rand.Uint32())
			}
			h, release := m.get()
			defer release()
			for rest := data; len(rest) > 0; {
				n := min(len(rest), 1+rand.IntN(300000))
				h.Write(rest[:n])
				rest = rest[n:]
			}
			if got, want := h.Sum(nil), md5.Sum(data); string(got) != string(want[:]) {
				t.Errorf("stream %d: md5 %x, want %x", i, got, want)
			}
		})
	}
	wg.Wait()
}
