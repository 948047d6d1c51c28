package store

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"strconv"
	"strings"
)

// Checksum algorithms as S3 names them.
const (
	ChecksumCRC32     = "CRC32"
	ChecksumCRC32C    = "CRC32C"
	ChecksumCRC64NVME = "CRC64NVME"
	ChecksumSHA1      = "SHA1"
	ChecksumSHA256    = "SHA256"

	ChecksumComposite  = "COMPOSITE"
	ChecksumFullObject = "FULL_OBJECT"
)

var (
	crc32cTable    = crc32.MakeTable(crc32.Castagnoli)
	crc64nvmeTable = crc64.MakeTable(0x9a6c9329ac4bc9b5) // reflected CRC-64/NVME polynomial
)

// NewChecksumHash returns a fresh hash for an S3 checksum algorithm.
func NewChecksumHash(algorithm string) (hash.Hash, error) {
	switch algorithm {
	case ChecksumCRC32:
		return crc32.NewIEEE(), nil
	case ChecksumCRC32C:
		return crc32.New(crc32cTable), nil
	case ChecksumCRC64NVME:
		return crc64.New(crc64nvmeTable), nil
	case ChecksumSHA1:
		return sha1.New(), nil
	case ChecksumSHA256:
		return sha256.New(), nil
	}
	return nil, fmt.Errorf("unknown checksum algorithm %q", algorithm)
}

// MultipartETag is the ETag of a multipart object: the hex MD5 of the
// concatenated binary MD5s of its parts, then "-" and the part count.
func MultipartETag(partETags []string) (string, error) {
	h := md5.New()
	for _, e := range partETags {
		raw, err := hex.DecodeString(e)
		if err != nil || len(raw) != md5.Size {
			return "", fmt.Errorf("part etag %q is not a hex md5", e)
		}
		h.Write(raw)
	}
	return hex.EncodeToString(h.Sum(nil)) + "-" + strconv.Itoa(len(partETags)), nil
}

// CompositeChecksum is a COMPOSITE multipart checksum: the base64 digest,
// under algorithm, of the concatenated binary part checksums (each given
// in base64), then "-" and the part count.
func CompositeChecksum(algorithm string, partValues []string) (string, error) {
	h, err := NewChecksumHash(algorithm)
	if err != nil {
		return "", err
	}
	for _, v := range partValues {
		raw, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(raw) == 0 {
			return "", fmt.Errorf("part checksum %q is not base64", v)
		}
		h.Write(raw)
	}
	return base64.StdEncoding.EncodeToString(h.Sum(nil)) + "-" + strconv.Itoa(len(partValues)), nil
}

// ObjectChecksum is the checksum a completed multipart upload stores:
// COMPOSITE over the parts' checksums when the upload asked for one and
// every part has one of that algorithm; zero otherwise (a FULL_OBJECT
// checksum of a multipart object is the frontend's to compute).
func ObjectChecksum(algorithm, typ string, parts []Checksum) (Checksum, error) {
	if algorithm == "" || !strings.EqualFold(typ, ChecksumComposite) && typ != "" {
		return Checksum{}, nil
	}
	vals := make([]string, len(parts))
	for i, p := range parts {
		if p.Algorithm != algorithm || p.Value == "" {
			return Checksum{}, nil
		}
		vals[i] = p.Value
	}
	v, err := CompositeChecksum(algorithm, vals)
	if err != nil {
		return Checksum{}, err
	}
	return Checksum{Algorithm: algorithm, Type: ChecksumComposite, Value: v}, nil
}
