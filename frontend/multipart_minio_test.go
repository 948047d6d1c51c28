package frontend

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/amphora-s3/amphora/store"
)

// TestMinioMultipart drives multipart uploads, copies and part reads
// with minio-go (Signature V2): its multipart PutObject, CopyObject,
// ComposeObject (UploadPartCopy with ranges), the incomplete-upload
// listing and removal, and the Core multipart calls.
func TestMinioMultipart(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.minio(t, aliceKey, aliceSecret, true)
	const bucket = "media"
	if err := c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}

	data := fill('z', 2*store.MinPartSize+12345)
	info, err := c.PutObject(ctx, bucket, "big.bin", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{
		PartSize:     store.MinPartSize,
		ContentType:  "application/x-big",
		UserMetadata: map[string]string{"Origin": "test"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(info.ETag, "-3") || info.Size != int64(len(data)) {
		t.Errorf("PutObject = %+v, want a 3-part upload", info)
	}
	st, err := c.StatObject(ctx, bucket, "big.bin", minio.StatObjectOptions{})
	if err != nil || st.ETag != info.ETag || st.Size != int64(len(data)) || st.ContentType != "application/x-big" || st.UserMetadata["Origin"] != "test" {
		t.Errorf("StatObject = %+v, %v", st, err)
	}
	if got, err := getAll(c, bucket, "big.bin"); err != nil || got != string(data) {
		t.Errorf("GetObject: %d bytes, %v", len(got), err)
	}
	obj, err := c.GetObject(ctx, bucket, "big.bin", minio.GetObjectOptions{PartNumber: 3})
	if err != nil {
		t.Fatal(err)
	}
	part, err := io.ReadAll(obj)
	obj.Close()
	if err != nil || !bytes.Equal(part, data[2*store.MinPartSize:]) {
		t.Errorf("GetObject part 3: %d bytes, %v", len(part), err)
	}

	// CopyObject, keeping and replacing metadata.
	cp, err := c.CopyObject(ctx, minio.CopyDestOptions{Bucket: bucket, Object: "copy/of big"}, minio.CopySrcOptions{Bucket: bucket, Object: "big.bin"})
	if err != nil {
		t.Fatal(err)
	}
	st, err = c.StatObject(ctx, bucket, "copy/of big", minio.StatObjectOptions{})
	if err != nil || st.ETag != cp.ETag || st.ContentType != "application/x-big" || st.UserMetadata["Origin"] != "test" {
		t.Errorf("copy: %+v %+v, %v", cp, st, err)
	}
	_, err = c.CopyObject(ctx, minio.CopyDestOptions{
		Bucket: bucket, Object: "copy2", ReplaceMetadata: true, UserMetadata: map[string]string{"Kind": "replaced"},
	}, minio.CopySrcOptions{Bucket: bucket, Object: "big.bin", MatchETag: info.ETag})
	if err != nil {
		t.Fatal(err)
	}
	st, err = c.StatObject(ctx, bucket, "copy2", minio.StatObjectOptions{})
	if err != nil || st.UserMetadata["Kind"] != "replaced" || st.UserMetadata["Origin"] != "" {
		t.Errorf("copy with REPLACE: %+v, %v", st.UserMetadata, err)
	}
	_, err = c.CopyObject(ctx, minio.CopyDestOptions{Bucket: bucket, Object: "copy3"},
		minio.CopySrcOptions{Bucket: bucket, Object: "big.bin", MatchETag: "nope"})
	if code := minio.ToErrorResponse(err).Code; code != "PreconditionFailed" {
		t.Errorf("copy with a false condition: %v", err)
	}

	// ComposeObject: a range of the big object, then a small one.
	if _, err := c.PutObject(ctx, bucket, "small", strings.NewReader("small tail"), 10, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = c.ComposeObject(ctx, minio.CopyDestOptions{Bucket: bucket, Object: "composed"},
		minio.CopySrcOptions{Bucket: bucket, Object: "big.bin", MatchRange: true, Start: 100, End: 100 + store.MinPartSize - 1},
		minio.CopySrcOptions{Bucket: bucket, Object: "small"})
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Concat(data[100:100+store.MinPartSize], []byte("small tail"))
	if got, err := getAll(c, bucket, "composed"); err != nil || got != string(want) {
		t.Errorf("composed: %d bytes, %v", len(got), err)
	}

	// Core multipart calls and the incomplete-upload listing.
	core := minio.Core{Client: c}
	id, err := core.NewMultipartUpload(ctx, bucket, "pending/obj", minio.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := core.PutObjectPart(ctx, bucket, "pending/obj", id, 2, strings.NewReader("part two"), 8, minio.PutObjectPartOptions{})
	if err != nil || p.PartNumber != 2 || p.Size != 8 || p.ETag == "" {
		t.Errorf("PutObjectPart = %+v, %v", p, err)
	}
	lp, err := core.ListObjectParts(ctx, bucket, "pending/obj", id, 0, 100)
	if err != nil || len(lp.ObjectParts) != 1 || strings.Trim(lp.ObjectParts[0].ETag, `"`) != p.ETag || lp.UploadID != id {
		t.Errorf("ListObjectParts = %+v, %v", lp, err)
	}
	lu, err := core.ListMultipartUploads(ctx, bucket, "pending/", "", "", "/", 10)
	if err != nil || len(lu.Uploads) != 1 || lu.Uploads[0].Key != "pending/obj" || lu.Uploads[0].UploadID != id {
		t.Errorf("ListMultipartUploads = %+v, %v", lu, err)
	}
	var incomplete []string
	for u := range c.ListIncompleteUploads(ctx, bucket, "", true) {
		if u.Err != nil {
			t.Fatal(u.Err)
		}
		incomplete = append(incomplete, u.Key)
	}
	if !slices.Equal(incomplete, []string{"pending/obj"}) {
		t.Errorf("ListIncompleteUploads = %q", incomplete)
	}
	_, err = core.CompleteMultipartUpload(ctx, bucket, "pending/obj", id, []minio.CompletePart{{PartNumber: 1, ETag: p.ETag}}, minio.PutObjectOptions{})
	if code := minio.ToErrorResponse(err).Code; code != "InvalidPart" {
		t.Errorf("completing with a part not uploaded: %v", err)
	}
	if err := c.RemoveIncompleteUpload(ctx, bucket, "pending/obj"); err != nil {
		t.Fatal(err)
	}
	err = core.AbortMultipartUpload(ctx, bucket, "pending/obj", id)
	if code := minio.ToErrorResponse(err).Code; code != "NoSuchUpload" {
		t.Errorf("abort after removal: %v", err)
	}
}
