package cassandra

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// blockCodec turns a blob's plain bytes into what its rows store and
// back, one block (or an inline version's bytes) at a time. It is the
// only place of the blob layer that knows about encryption: the block
// writer seals each block before its INSERT and the block reader opens
// each after its CRC-32C (which covers the stored bytes) checks out.
type blockCodec interface {
	// seal returns the stored form of block idx; it may reuse plain's
	// backing array (whose capacity must allow overhead more bytes).
	seal(idx int, plain []byte) []byte
	// open returns the plain bytes of stored block idx, in place.
	// A block that fails authentication wraps store.ErrCorrupt.
	open(idx int, stored []byte) ([]byte, error)
	// overhead is how many bytes a stored block has beyond its plain ones.
	overhead() int
}

// maxCodecOverhead bounds overhead() of every codec: block buffers have
// that much spare capacity, so sealing and opening never allocate.
const maxCodecOverhead = 16

// inlineIdx is the block index (nonce) under which an inline version's
// bytes are sealed: never a block index, so never a nonce reused.
const inlineIdx = -1

// plainCodec stores bytes as they are.
type plainCodec struct{}

func (plainCodec) seal(_ int, plain []byte) []byte           { return plain }
func (plainCodec) open(_ int, stored []byte) ([]byte, error) { return stored, nil }
func (plainCodec) overhead() int                             { return 0 }

// gcmCodec is SSE-C, SSE-S3 and SSE-KMS: AES-256-GCM under a key of its
// own per blob, HKDF-SHA256(customer key or data key, salt = the blob's
// inode), so the nonce can be the block index: (key, nonce) pairs never
// repeat. Stored blocks are ciphertext and a 16-byte tag.
type gcmCodec struct{ aead cipher.AEAD }

// newCodec is the codec of blob inode for a customer key or an unwrapped
// data key (nil: plain).
func newCodec(key *store.SSE, inode gocql.UUID) (blockCodec, error) {
	if key == nil {
		return plainCodec{}, nil
	}
	if len(key.Key) != store.SSEKeySize {
		return nil, fmt.Errorf("sse-c key of %d bytes, want %d", len(key.Key), store.SSEKeySize)
	}
	k, err := hkdf.Key(sha256.New, key.Key, inode[:], "amphora sse-c block", 32)
	if err != nil {
		return nil, fmt.Errorf("derive blob key: %w", err)
	}
	blk, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(blk)
	if err != nil {
		return nil, err
	}
	return gcmCodec{aead: aead}, nil
}

func blockNonce(idx int) []byte {
	n := make([]byte, 12)
	if idx == inlineIdx {
		for i := range n {
			n[i] = 0xff
		}
		return n
	}
	binary.BigEndian.PutUint64(n[4:], uint64(idx))
	return n
}

func (c gcmCodec) seal(idx int, plain []byte) []byte {
	return c.aead.Seal(plain[:0], blockNonce(idx), plain, nil)
}

func (c gcmCodec) open(idx int, stored []byte) ([]byte, error) {
	p, err := c.aead.Open(stored[:0], blockNonce(idx), stored, nil)
	if err != nil {
		return nil, fmt.Errorf("block %d fails authentication: %w", idx, store.ErrCorrupt)
	}
	return p, nil
}

// gcmOverhead is the GCM tag a sealed block carries.
const gcmOverhead = 16

func (gcmCodec) overhead() int { return gcmOverhead }

// readCodec is the codec for reading blob inode of a version with SSE
// record sse, after checking the reader's key against it.
func readCodec(sse string, key *store.SSE, inode gocql.UUID) (blockCodec, error) {
	if err := store.CheckSSE(sse, key); err != nil {
		return nil, err
	}
	if sse == "" {
		return plainCodec{}, nil
	}
	return newCodec(key, inode)
}
