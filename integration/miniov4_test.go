package integration

import (
	"bytes"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// minio-go with its default signer, V4. Over plain HTTP its single PUT is
// aws-chunked with every chunk signed (STREAMING-AWS4-HMAC-SHA256-PAYLOAD);
// with trailing headers enabled and a checksum asked for, the checksum
// follows in a signed trailer (...-PAYLOAD-TRAILER); with
// DisableContentSha256 the body is UNSIGNED-PAYLOAD, or
// STREAMING-UNSIGNED-PAYLOAD-TRAILER with a checksum. Uploads of unknown
// size (-1) are always multipart in minio-go, so they are not here.
func TestMinioV4(t *testing.T) {
	s := shared(t)
	ctx := testContext(t, 5*time.Minute)
	plain := s.minioClient(t, tenantA, minioOpts{V4: true})
	trailing := s.minioClient(t, tenantA, minioOpts{V4: true, Trailing: true})
	const bucket = "minio-v4"
	makeBucket(t, plain, bucket)

	small := payloadBytes(t, 1300, 70<<10+1)
	big := payloadBytes(t, 1301, 20<<20)
	for _, tc := range []struct {
		name     string
		c        *minio.Client
		checksum minio.ChecksumType
		unsigned bool // DisableContentSha256
	}{
		{name: "streaming-signed", c: plain},
		{name: "streaming-signed-trailer-crc32c", c: trailing, checksum: minio.ChecksumCRC32C},
		{name: "streaming-signed-trailer-crc32", c: trailing, checksum: minio.ChecksumCRC32},
		{name: "streaming-signed-trailer-sha256", c: trailing, checksum: minio.ChecksumSHA256},
		{name: "streaming-signed-trailer-crc64nvme", c: trailing, checksum: minio.ChecksumCRC64NVME},
		{name: "unsigned-payload", c: plain, unsigned: true},
		{name: "unsigned-trailer-crc32c", c: trailing, checksum: minio.ChecksumCRC32C, unsigned: true},
		{name: "unsigned-trailer-sha1", c: trailing, checksum: minio.ChecksumSHA1, unsigned: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, data := range [][]byte{small, big} {
				key := tc.name + "/" + md5Hex(data)[:8]
				up, err := tc.c.PutObject(ctx, bucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{
					ContentType:          "application/x-minio-v4",
					UserMetadata:         map[string]string{"color": "blue"},
					DisableMultipart:     true,
					Checksum:             tc.checksum,
					DisableContentSha256: tc.unsigned,
				})
				if err != nil {
					t.Errorf("PutObject %s (%d bytes): %v", key, len(data), err)
					continue
				}
				if up.ETag != md5Hex(data) || up.Size != int64(len(data)) {
					t.Errorf("PutObject %s = ETag %s size %d, want %s %d", key, up.ETag, up.Size, md5Hex(data), len(data))
				}
				st, err := tc.c.StatObject(ctx, bucket, key, minio.StatObjectOptions{Checksum: true})
				if err != nil {
					t.Errorf("StatObject %s: %v", key, err)
					continue
				}
				if st.Size != int64(len(data)) || st.ContentType != "application/x-minio-v4" || st.UserMetadata["Color"] != "blue" {
					t.Errorf("StatObject %s: size %d type %q user %v", key, st.Size, st.ContentType, st.UserMetadata)
				}
				if tc.checksum.IsSet() {
					want := checksumOf(t, tc.checksum.String(), data)
					got := map[minio.ChecksumType]string{
						minio.ChecksumCRC32: st.ChecksumCRC32, minio.ChecksumCRC32C: st.ChecksumCRC32C, minio.ChecksumSHA1: st.ChecksumSHA1,
						minio.ChecksumSHA256: st.ChecksumSHA256, minio.ChecksumCRC64NVME: st.ChecksumCRC64NVME,
					}[tc.checksum]
					if got != want {
						t.Errorf("StatObject %s with x-amz-checksum-mode ENABLED: %s %q, want %s", key, tc.checksum, got, want)
					}
				}
				if got, err := getBytes(ctx, tc.c, bucket, key, minio.GetObjectOptions{Checksum: tc.checksum.IsSet()}); err != nil || !bytes.Equal(got, data) {
					t.Errorf("GetObject %s: %d bytes (want %d), %v", key, len(got), len(data), err)
				}
			}
		})
	}

	// Listing, ranges and deletes signed V4.
	sizes := map[string]int64{"streaming-signed/" + md5Hex(small)[:8]: int64(len(small)), "streaming-signed/" + md5Hex(big)[:8]: int64(len(big))}
	if l := list(t, plain, bucket, minio.ListObjectsOptions{Prefix: "streaming-signed/", Recursive: true}, sizes); len(l.Keys) != 2 {
		t.Errorf("V4 ListObjects streaming-signed/: %v", l)
	}
	key := "streaming-signed/" + md5Hex(big)[:8]
	opts := minio.GetObjectOptions{}
	if err := opts.SetRange(1000, 1999); err != nil {
		t.Fatal(err)
	}
	if got, err := getBytes(ctx, plain, bucket, key, opts); err != nil || !bytes.Equal(got, big[1000:2000]) {
		t.Errorf("V4 ranged GetObject: %d bytes, %v", len(got), err)
	}

	// Presigned V4 GET (with response overrides) and PUT, fetched with net/http.
	u, err := plain.PresignedGetObject(ctx, bucket, key, 10*time.Minute, url.Values{"response-content-type": {"application/x-download"}})
	if err != nil {
		t.Fatal(err)
	}
	if u.Query().Get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" {
		t.Fatalf("presigned URL %s is not V4", u)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if r := s.do(t, req); r.Status != 200 || !bytes.Equal(r.Body, big) || r.Header.Get("Content-Type") != "application/x-download" {
		t.Errorf("presigned V4 GET: %d, %d bytes, type %q\n%.300s", r.Status, len(r.Body), r.Header.Get("Content-Type"), r.Body)
	}
	pu, err := plain.PresignedPutObject(ctx, bucket, "presigned/put.bin", 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequestWithContext(ctx, http.MethodPut, pu.String(), bytes.NewReader(small))
	if r := s.do(t, req); r.Status != 200 {
		t.Errorf("presigned V4 PUT: %d\n%.300s", r.Status, r.Body)
	} else if got, err := getBytes(ctx, plain, bucket, "presigned/put.bin", minio.GetObjectOptions{}); err != nil || !bytes.Equal(got, small) {
		t.Errorf("object written by the presigned PUT: %d bytes, %v", len(got), err)
	}
	// A changed signature is refused.
	q := u.Query()
	q.Set("X-Amz-Expires", "601")
	u.RawQuery = q.Encode()
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if r := s.do(t, req); r.Status != 403 || r.Code() != "SignatureDoesNotMatch" {
		t.Errorf("presigned V4 URL with a changed X-Amz-Expires: %d %q, want 403 SignatureDoesNotMatch", r.Status, r.Code())
	}

	// Virtual-host style, V4.
	vh := s.minioClient(t, tenantA, minioOpts{V4: true, VirtualHost: true})
	if _, err := vh.PutObject(ctx, bucket, "vhost/obj", bytes.NewReader(small), int64(len(small)), minio.PutObjectOptions{DisableMultipart: true}); err != nil {
		t.Errorf("V4 virtual-host PutObject: %v", err)
	} else if got, err := getBytes(ctx, vh, bucket, "vhost/obj", minio.GetObjectOptions{}); err != nil || !bytes.Equal(got, small) {
		t.Errorf("V4 virtual-host GetObject: %d bytes, %v", len(got), err)
	}
	if u, err := vh.PresignedGetObject(ctx, bucket, "vhost/obj", 10*time.Minute, nil); err != nil {
		t.Error(err)
	} else {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if r := s.do(t, req); r.Status != 200 || !bytes.Equal(r.Body, small) {
			t.Errorf("V4 virtual-host presigned GET %s: %d\n%.300s", u, r.Status, r.Body)
		}
	}

	// Wrong secret, V4.
	wrong := s.minioClient(t, tenantA, minioOpts{V4: true, Secret: "not-the-secret-0123456789abcdefghijklmno"})
	_, err = getBytes(ctx, wrong, bucket, key, minio.GetObjectOptions{})
	wantErrorCode(t, "V4 GetObject with a wrong secret", err, 403, "SignatureDoesNotMatch")
	_, err = wrong.PutObject(ctx, bucket, "wrong", bytes.NewReader(small), int64(len(small)), minio.PutObjectOptions{DisableMultipart: true})
	wantErrorCode(t, "V4 streaming PutObject with a wrong secret", err, 403, "SignatureDoesNotMatch")
}
