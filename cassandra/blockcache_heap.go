//go:build !unix

package cassandra

// allocSlab allocates the slab on the Go heap where anonymous mappings
// are not available.
func allocSlab(n int) ([]byte, func() error, error) {
	return make([]byte, n), func() error { return nil }, nil
}
