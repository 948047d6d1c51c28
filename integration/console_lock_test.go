package integration

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestConsoleLockedBucketUpload: in a bucket with a default retention,
// where S3 refuses a PutObject or UploadPart without Content-MD5 or a
// checksum, the console's uploads (one PUT, and a multipart upload) go
// through with the CRC-32 of their bytes, and their objects are locked.
func TestConsoleLockedBucketUpload(t *testing.T) {
	if testing.Short() {
		t.Skip("starts chromium")
	}
	s := shared(t)
	ctx := testContext(t, 5*time.Minute)
	const bucket = "console-locked"
	var accounts []struct {
		ID string `json:"id"`
	}
	s.admin(t, &accounts, "account", "create", "-name", "Console Lock", "-email", "console-lock@example.com")
	if len(accounts) != 1 {
		t.Fatalf("account create printed %+v", accounts)
	}
	key := s.newKey(t, accounts[0].ID)
	sdk := s.sdkClient(t, key, sdkOpts{})
	if _, err := sdk.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket), ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
		t.Fatalf("CreateBucket: %s", sdkErr(err))
	}
	t.Cleanup(func() { deleteLocked(t, sdk, bucket) })
	if _, err := sdk.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: aws.String(bucket),
		ObjectLockConfiguration: &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled,
			Rule: &types.ObjectLockRule{DefaultRetention: &types.DefaultRetention{Mode: types.ObjectLockRetentionModeGovernance, Days: aws.Int32(1)}}}}); err != nil {
		t.Fatalf("PutObjectLockConfiguration: %s", sdkErr(err))
	}

	b := newBrowser(t)
	navigate(t, b, s.ConsoleURL()+"/")
	waitJS(t, b, `!!document.querySelector("#signin-form")`, 30*time.Second)
	typeInto(t, b, "#access-key", key.AccessKey)
	typeInto(t, b, "#secret-key", key.SecretKey)
	click(t, b, "#signin-button")
	waitJS(t, b, fmt.Sprintf(`!!document.querySelector('tr[data-bucket=%q] a.bucket-link')`, bucket), 30*time.Second)
	click(t, b, fmt.Sprintf(`tr[data-bucket=%q] a.bucket-link`, bucket))
	waitJS(t, b, `!!document.querySelector("#dropzone") && !!document.querySelector("#object-table thead")`, 30*time.Second)

	const size = 20 << 20 // above the console's multipart threshold
	dropFiles(t, b, "small.txt", "parts.bin", size)
	states := droppedStates(t, b, 3*time.Minute)
	if states["small.txt"] != "done " || states["parts.bin"] != "done " {
		t.Fatalf("uploads into a bucket with a default retention: %v", states)
	}

	big := make([]byte, size)
	for i := range big {
		big[i] = bigByte(i)
	}
	for name, want := range map[string][]byte{"small.txt": []byte(smallText), "parts.bin": big} {
		out, err := sdk.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(name), ChecksumMode: types.ChecksumModeEnabled})
		if err != nil {
			t.Fatalf("GetObject %s: %s", name, sdkErr(err))
		}
		got, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes read (%v), want the %d uploaded", name, len(got), err, len(want))
		}
		if out.ObjectLockMode != types.ObjectLockModeGovernance {
			t.Errorf("%s: lock mode %q, want the default GOVERNANCE", name, out.ObjectLockMode)
		}
		if name == "small.txt" && aws.ToString(out.ChecksumCRC32) != crc32Of(want) {
			t.Errorf("%s: CRC32 %q, want %q (the one the console sent)", name, aws.ToString(out.ChecksumCRC32), crc32Of(want))
		}
	}
}

// crc32Of is S3's x-amz-checksum-crc32 of data.
func crc32Of(data []byte) string {
	return base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(data)))
}

// deleteLocked removes every version of a bucket whose versions are
// under GOVERNANCE retention (bypassing it), then the bucket.
func deleteLocked(t *testing.T, c *s3.Client, bucket string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	vs, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Errorf("list versions of %s: %s", bucket, sdkErr(err))
		return
	}
	for _, v := range vs.Versions {
		if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: v.Key, VersionId: v.VersionId,
			BypassGovernanceRetention: aws.Bool(true)}); err != nil {
			t.Errorf("delete %s: %s", aws.ToString(v.Key), sdkErr(err))
		}
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Errorf("delete bucket %s: %s", bucket, sdkErr(err))
	}
}
