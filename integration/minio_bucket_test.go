package integration

import (
	"bytes"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

func TestMinioBuckets(t *testing.T) {
	s := shared(t)
	ctx := testContext(t, 2*time.Minute)
	a := s.minioClient(t, tenantA, minioOpts{})
	b := s.minioClient(t, tenantB, minioOpts{})
	const plain, withRegion, ofB = "minio-buckets-plain", "minio-buckets-region", "minio-buckets-of-b"
	before := time.Now().Add(-time.Minute)

	if err := a.MakeBucket(ctx, plain, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("MakeBucket: %v", err)
	}
	if err := a.MakeBucket(ctx, withRegion, minio.MakeBucketOptions{Region: region}); err != nil {
		t.Fatalf("MakeBucket with region %s: %v", region, err)
	}
	if err := b.MakeBucket(ctx, ofB, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("MakeBucket as tenant B: %v", err)
	}
	wantErrorCode(t, "MakeBucket of an owned name", a.MakeBucket(ctx, plain, minio.MakeBucketOptions{}), 409, "BucketAlreadyOwnedByYou")
	wantErrorCode(t, "MakeBucket of another tenant's name", b.MakeBucket(ctx, plain, minio.MakeBucketOptions{}), 409, "BucketAlreadyExists")

	// A LocationConstraint other than the server's region is refused.
	err := a.MakeBucket(ctx, "minio-buckets-elsewhere", minio.MakeBucketOptions{Region: "eu-west-1"})
	if er := minio.ToErrorResponse(err); er.StatusCode != 400 ||
		(er.Code != "IllegalLocationConstraintException" && er.Code != "InvalidLocationConstraint") {
		t.Errorf("MakeBucket in eu-west-1 on a %s server: got %d %q (%v), want 400 IllegalLocationConstraintException", region, er.StatusCode, er.Code, err)
	}

	// ListBuckets: one's own buckets only, sorted, with creation dates.
	list, err := a.ListBuckets(ctx)
	if err != nil {
		t.Fatalf("ListBuckets: %v", err)
	}
	var names []string
	for _, bk := range list {
		names = append(names, bk.Name)
		if (bk.Name == plain || bk.Name == withRegion) && (bk.CreationDate.Before(before) || bk.CreationDate.After(time.Now().Add(time.Minute))) {
			t.Errorf("bucket %s CreationDate %v, want about now", bk.Name, bk.CreationDate)
		}
	}
	if !slices.Contains(names, plain) || !slices.Contains(names, withRegion) || slices.Contains(names, ofB) ||
		slices.Contains(names, "minio-buckets-elsewhere") || !slices.IsSorted(names) {
		t.Errorf("tenant A's ListBuckets = %q, want its own buckets %s and %s sorted, not %s", names, plain, withRegion, ofB)
	}

	// HeadBucket.
	for _, c := range []struct {
		name string
		want bool
	}{{plain, true}, {withRegion, true}, {"minio-buckets-missing", false}} {
		ok, err := a.BucketExists(ctx, c.name)
		if err != nil || ok != c.want {
			t.Errorf("BucketExists(%s) = %v, %v; want %v", c.name, ok, err, c.want)
		}
	}

	// GetBucketLocation: a client without a region asks the server.
	fresh := s.minioClient(t, tenantA, minioOpts{NoRegion: true})
	for _, name := range []string{plain, withRegion} {
		loc, err := fresh.GetBucketLocation(ctx, name)
		if err != nil || loc != region {
			t.Errorf("GetBucketLocation(%s) = %q, %v; want %s", name, loc, err, region)
		}
	}
	_, err = fresh.GetBucketLocation(ctx, "minio-buckets-missing")
	wantErrorCode(t, "GetBucketLocation of a missing bucket", err, 404, "NoSuchBucket")

	// RemoveBucket: missing, non-empty, empty.
	wantErrorCode(t, "RemoveBucket of a missing bucket", a.RemoveBucket(ctx, "minio-buckets-missing"), 404, "NoSuchBucket")
	if _, err := a.PutObject(ctx, plain, "k", bytes.NewReader([]byte("x")), 1, minio.PutObjectOptions{DisableMultipart: true}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	wantErrorCode(t, "RemoveBucket of a non-empty bucket", a.RemoveBucket(ctx, plain), 409, "BucketNotEmpty")
	if err := a.RemoveObject(ctx, plain, "k", minio.RemoveObjectOptions{}); err != nil {
		t.Fatalf("RemoveObject: %v", err)
	}
	for _, name := range []string{plain, withRegion} {
		if err := a.RemoveBucket(ctx, name); err != nil {
			t.Fatalf("RemoveBucket(%s): %v", name, err)
		}
		if ok, err := a.BucketExists(ctx, name); ok || err != nil {
			t.Errorf("after RemoveBucket, BucketExists(%s) = %v, %v", name, ok, err)
		}
	}
	// A freed name can be claimed again, by anyone.
	if err := b.MakeBucket(ctx, plain, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("MakeBucket of a freed name by tenant B: %v", err)
	}
	for _, name := range []string{plain, ofB} {
		if err := b.RemoveBucket(ctx, name); err != nil {
			t.Errorf("RemoveBucket(%s): %v", name, err)
		}
	}
}

// Invalid names never reach the store: minio-go refuses to send them, so
// these are raw requests signed by minio-go's V2 signer.
func TestInvalidBucketNames(t *testing.T) {
	s := shared(t)
	for _, name := range []string{"ab", "Upper-Case", "a..b", "192.168.1.1", "-dash", "dash-", "xn--punycode", "under_score", "bucket-s3alias", string(bytes.Repeat([]byte("a"), 64))} {
		r := s.do(t, s.signedRequest(t, tenantA, http.MethodPut, "/"+name, "", nil))
		if r.Status != 400 || r.Code() != "InvalidBucketName" {
			t.Errorf("PUT /%s: got %d %q, want 400 InvalidBucketName\n%s", name, r.Status, r.Code(), r.Body)
		}
	}
}
