// Package checksum implements the S3 additional checksums: the algorithms a
// client names in x-amz-checksum-algorithm / x-amz-sdk-checksum-algorithm, the
// x-amz-checksum-<algorithm> headers and trailers that carry their values, and
// the COMPOSITE value S3 reports for a multipart object.
//
// It is pure and imports only the standard library. Values on the wire are the
// standard base64 encoding of the raw digest; for the CRCs that digest is the
// big-endian CRC value (4 or 8 bytes), which is what hash/crc32 and hash/crc64
// append from Sum, so Encode(a.New() fed with the data .Sum(nil)) is exactly
// what S3 and the AWS SDKs send and return.
//
// The algorithms (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html):
//
//	CRC32      ISO-HDLC / IEEE 802.3 CRC-32 (hash/crc32.IEEE), 4 bytes
//	CRC32C     Castagnoli CRC-32C (hash/crc32.Castagnoli), 4 bytes
//	CRC64NVME  CRC-64/NVME: reflected polynomial 0x9a6c9329ac4bc9b5, initial
//	           value and final xor all ones (how hash/crc64 computes), 8 bytes
//	SHA1       SHA-1, 20 bytes
//	SHA256     SHA-256, 32 bytes
//
// The FULL_OBJECT checksum of a multipart upload (CRC combination) is not
// implemented; Composite gives the COMPOSITE one.
package checksum

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"strconv"
	"strings"
)

// Algorithm is an S3 checksum algorithm, spelled as S3 spells it in
// x-amz-checksum-algorithm and in ChecksumAlgorithm XML elements.
type Algorithm string

// The algorithms S3 supports.
const (
	CRC32     Algorithm = "CRC32"
	CRC32C    Algorithm = "CRC32C"
	CRC64NVME Algorithm = "CRC64NVME"
	SHA1      Algorithm = "SHA1"
	SHA256    Algorithm = "SHA256"
)

// HeaderPrefix starts the name of every checksum value header and trailer.
const HeaderPrefix = "x-amz-checksum-"

// ErrInvalid is returned by Decode for a value that is not the standard
// base64 encoding of a digest of the algorithm's size (S3: 400 InvalidRequest
// "Value for x-amz-checksum-crc32 header is invalid.").
var ErrInvalid = errors.New("checksum: invalid checksum value")

// crc64NVME is the table of the CRC-64/NVME polynomial in the reflected form
// hash/crc64 expects (bits.Reverse64(0xad93d23594c93659)).
var crc64NVME = crc64.MakeTable(0x9a6c9329ac4bc9b5)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// all lists the algorithms in a stable order.
var all = []Algorithm{CRC32, CRC32C, CRC64NVME, SHA1, SHA256}

// All returns every supported algorithm, in a stable order (a new slice).
func All() []Algorithm {
	return append([]Algorithm(nil), all...)
}

// Parse returns the algorithm named s, ignoring case ("crc32c" is CRC32C),
// and false if s names none.
func Parse(s string) (Algorithm, bool) {
	for _, a := range all {
		if strings.EqualFold(s, string(a)) {
			return a, true
		}
	}
	return "", false
}

// FromHeader returns the algorithm whose value header (or trailer) is name,
// ignoring case: "X-Amz-Checksum-Crc32c" is CRC32C. Other x-amz-checksum-*
// headers (-algorithm, -type, -mode) are not value headers and give false.
func FromHeader(name string) (Algorithm, bool) {
	if len(name) <= len(HeaderPrefix) || !strings.EqualFold(name[:len(HeaderPrefix)], HeaderPrefix) {
		return "", false
	}
	return Parse(name[len(HeaderPrefix):])
}

// Valid reports whether a is one of the supported algorithms.
func (a Algorithm) Valid() bool {
	b, ok := Parse(string(a))
	return ok && b == a
}

// Header returns the lower-case name of the header and trailer carrying a's
// value, e.g. "x-amz-checksum-crc32c".
func (a Algorithm) Header() string {
	return HeaderPrefix + strings.ToLower(string(a))
}

// New returns a new hash computing a; its Sum is the raw digest S3 encodes
// (big-endian for the CRCs). It returns nil for an unknown algorithm.
func (a Algorithm) New() hash.Hash {
	switch a {
	case CRC32:
		return crc32.NewIEEE()
	case CRC32C:
		return crc32.New(castagnoli)
	case CRC64NVME:
		return crc64.New(crc64NVME)
	case SHA1:
		return sha1.New()
	case SHA256:
		return sha256.New()
	}
	return nil
}

// Size returns the length of a's raw digest in bytes (4, 4, 8, 20, 32), or 0
// for an unknown algorithm.
func (a Algorithm) Size() int {
	switch a {
	case CRC32, CRC32C:
		return 4
	case CRC64NVME:
		return 8
	case SHA1:
		return sha1.Size
	case SHA256:
		return sha256.Size
	}
	return 0
}

// Sum returns the raw digest of data.
func (a Algorithm) Sum(data []byte) []byte {
	h := a.New()
	if h == nil {
		return nil
	}
	h.Write(data)
	return h.Sum(nil)
}

// Decode parses a header or trailer value: standard base64 with padding, no
// whitespace, decoding to exactly a.Size() bytes. Anything else is ErrInvalid.
func (a Algorithm) Decode(b64 string) ([]byte, error) {
	size := a.Size()
	if size == 0 {
		return nil, fmt.Errorf("unknown algorithm %q: %w", string(a), ErrInvalid)
	}
	if len(b64) != base64.StdEncoding.EncodedLen(size) {
		return nil, fmt.Errorf("%s value %q has the wrong length: %w", a, b64, ErrInvalid)
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(b64)
	if err != nil || len(raw) != size {
		return nil, fmt.Errorf("%s value %q is not base64: %w", a, b64, ErrInvalid)
	}
	return raw, nil
}

// Encode returns the standard base64 encoding of a raw digest, the form of
// the x-amz-checksum-* headers.
func Encode(sum []byte) string {
	return base64.StdEncoding.EncodeToString(sum)
}

// Composite returns the COMPOSITE checksum S3 reports for a multipart object
// whose parts have the raw checksums partSums, in part order:
// base64(a(concatenation of the raw part checksums)) + "-" + number of parts.
func Composite(a Algorithm, partSums [][]byte) string {
	h := a.New()
	if h == nil {
		return ""
	}
	for _, s := range partSums {
		h.Write(s)
	}
	return Encode(h.Sum(nil)) + "-" + strconv.Itoa(len(partSums))
}
