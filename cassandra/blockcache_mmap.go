//go:build unix

package cassandra

import (
	"fmt"
	"syscall"
)

// allocSlab maps n bytes of anonymous memory outside the Go heap: the
// garbage collector neither scans it nor counts it toward its heap goal,
// and a page is resident only once a block was copied into it.
func allocSlab(n int) ([]byte, func() error, error) {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil, nil, fmt.Errorf("mmap %d bytes: %w", n, err)
	}
	return b, func() error { return syscall.Munmap(b) }, nil
}
