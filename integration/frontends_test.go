package integration

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// Frontends are stateless: a second server on the same keyspace sees every
// write of the first at once, and two tenants racing for one bucket name
// through different frontends never both get it.
func TestTwoFrontends(t *testing.T) {
	one := shared(t)
	two, err := startServer(amphoraBinary(t), one.Hosts, one.Keyspace, one.Options, t.TempDir())
	if err != nil {
		t.Fatalf("second frontend: %v", err)
	}
	t.Cleanup(func() {
		if err := two.Stop(); err != nil {
			t.Errorf("stop second frontend: %v", err)
		}
	})
	two.showLogOnFailure(t)
	ctx := testContext(t, 2*time.Minute)
	a1, a2 := one.minioClient(t, tenantA, minioOpts{}), two.minioClient(t, tenantA, minioOpts{})
	const bucket, key = "two-frontends", "k"
	makeBucket(t, a1, bucket)
	for i, c := range []struct{ put, get *minio.Client }{{a2, a1}, {a1, a2}, {a2, a1}} {
		data := payloadBytes(t, uint64(900+i), 300<<10+int64(i))
		if _, err := c.put.PutObject(ctx, bucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{DisableMultipart: true}); err != nil {
			t.Fatalf("put #%d: %v", i, err)
		}
		if got, err := getBytes(ctx, c.get, bucket, key, minio.GetObjectOptions{}); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("read #%d through the other frontend: %d bytes, %v; want version %d (%d bytes)", i, len(got), err, i, len(data))
		}
	}
	if err := a2.RemoveObject(ctx, bucket, key, minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = a1.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
	wantErrorCode(t, "HEAD through one frontend after DELETE through the other", err, 404, "NoSuchKey")

	// Bucket-name races: A through one frontend, B through the other.
	b2 := two.minioClient(t, tenantB, minioOpts{})
	for round := range 8 {
		name := fmt.Sprintf("name-race-%d", round)
		var wg sync.WaitGroup
		var errA, errB error
		wg.Add(2)
		go func() { defer wg.Done(); errA = a1.MakeBucket(ctx, name, minio.MakeBucketOptions{}) }()
		go func() { defer wg.Done(); errB = b2.MakeBucket(ctx, name, minio.MakeBucketOptions{}) }()
		wg.Wait()
		winner, loserErr := a1, errB
		switch {
		case errA == nil && errB == nil:
			t.Fatalf("%s: both tenants created it", name)
		case errA != nil && errB != nil:
			t.Fatalf("%s: neither tenant created it: %v; %v", name, errA, errB)
		case errB == nil:
			winner, loserErr = b2, errA
		}
		wantErrorCode(t, name+": the losing tenant", loserErr, 409, "BucketAlreadyExists")
		if err := winner.RemoveBucket(ctx, name); err != nil {
			t.Errorf("%s: the winner cannot remove it: %v", name, err)
		}
	}
}
