package store

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/amphora-s3/amphora/checksum"
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
	a := checksum.Algorithm(algorithm)
	if !a.Valid() {
		return "", fmt.Errorf("unknown checksum algorithm %q", algorithm)
	}
	raws := make([][]byte, len(partValues))
	for i, v := range partValues {
		raw, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(raw) == 0 {
			return "", fmt.Errorf("part checksum %q is not base64", v)
		}
		raws[i] = raw
	}
	return checksum.Composite(a, raws), nil
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
