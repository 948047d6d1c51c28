package integration

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/signer"
)

// Tenant B reaches none of tenant A's bucket: 403 AccessDenied for every
// operation, and A's data is untouched afterwards.
func TestTenantIsolation(t *testing.T) {
	s := shared(t)
	ctx := testContext(t, 2*time.Minute)
	a := s.minioClient(t, tenantA, minioOpts{})
	b := s.minioClient(t, tenantB, minioOpts{})
	const bucket, key = "tenancy-of-a", "secret.txt"
	secret := []byte("tenant A's secret")
	makeBucket(t, a, bucket)
	if _, err := a.PutObject(ctx, bucket, key, bytes.NewReader(secret), int64(len(secret)), minio.PutObjectOptions{DisableMultipart: true}); err != nil {
		t.Fatal(err)
	}

	for o := range b.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
		wantErrorCode(t, "B lists A's bucket (V2)", o.Err, 403, "AccessDenied")
		break
	}
	for o := range b.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true, UseV1: true}) {
		wantErrorCode(t, "B lists A's bucket (V1)", o.Err, 403, "AccessDenied")
		break
	}
	_, err := getBytes(ctx, b, bucket, key, minio.GetObjectOptions{})
	wantErrorCode(t, "B reads A's object", err, 403, "AccessDenied")
	_, err = getBytes(ctx, b, bucket, "missing", minio.GetObjectOptions{})
	wantErrorCode(t, "B reads a missing key of A's bucket", err, 403, "AccessDenied")
	_, err = b.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
	wantErrorCode(t, "B heads A's object", err, 403, "AccessDenied")
	for _, k := range []string{key, "new-key"} {
		_, err = b.PutObject(ctx, bucket, k, bytes.NewReader([]byte("B was here")), 10, minio.PutObjectOptions{DisableMultipart: true})
		wantErrorCode(t, "B writes "+k+" into A's bucket", err, 403, "AccessDenied")
	}
	wantErrorCode(t, "B deletes A's object", b.RemoveObject(ctx, bucket, key, minio.RemoveObjectOptions{}), 403, "AccessDenied")
	objs := make(chan minio.ObjectInfo, 1)
	objs <- minio.ObjectInfo{Key: key}
	close(objs)
	n := 0
	for e := range b.RemoveObjects(ctx, bucket, objs, minio.RemoveObjectsOptions{}) {
		n++
		wantErrorCode(t, "B batch-deletes A's object", e.Err, 403, "AccessDenied")
	}
	if n != 1 {
		t.Errorf("B's RemoveObjects on A's bucket reported %d errors, want 1", n)
	}
	wantErrorCode(t, "B removes A's bucket", b.RemoveBucket(ctx, bucket), 403, "AccessDenied")
	ok, err := b.BucketExists(ctx, bucket)
	if ok {
		t.Errorf("B's HeadBucket on A's bucket succeeded")
	}
	wantErrorCode(t, "B heads A's bucket", err, 403, "AccessDenied")
	if bs, err := b.ListBuckets(ctx); err != nil || slices.ContainsFunc(bs, func(bi minio.BucketInfo) bool { return bi.Name == bucket }) {
		t.Errorf("B's ListBuckets = %v, %v; must not show %s", bs, err, bucket)
	}

	// A's bucket is exactly as A left it.
	got, err := getBytes(ctx, a, bucket, key, minio.GetObjectOptions{})
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("A reads its object: %q, %v", got, err)
	}
	if l := list(t, a, bucket, minio.ListObjectsOptions{Recursive: true}, map[string]int64{key: int64(len(secret))}); l.String() != (listing{Keys: []string{key}}).String() {
		t.Fatalf("A's listing after B's attempts: %v", l)
	}
}

// Requests without a signature are anonymous, and anonymous users own nothing.
func TestUnsignedRequestsDenied(t *testing.T) {
	s := shared(t)
	a := s.minioClient(t, tenantA, minioOpts{})
	const bucket = "unsigned-denied"
	makeBucket(t, a, bucket)
	ctx := testContext(t, time.Minute)
	if _, err := a.PutObject(ctx, bucket, "k", bytes.NewReader([]byte("v")), 1, minio.PutObjectOptions{DisableMultipart: true}); err != nil {
		t.Fatal(err)
	}
	for _, rq := range []struct{ method, path, body string }{
		{http.MethodGet, "/", ""},
		{http.MethodGet, "/" + bucket, ""},
		{http.MethodGet, "/" + bucket + "/k", ""},
		{http.MethodPut, "/" + bucket + "/k2", "anonymous"},
		{http.MethodDelete, "/" + bucket + "/k", ""},
		{http.MethodPut, "/unsigned-new-bucket", ""},
	} {
		req, err := http.NewRequest(rq.method, s.URL()+rq.path, strings.NewReader(rq.body))
		if err != nil {
			t.Fatal(err)
		}
		r := s.do(t, req)
		if r.Status != 403 || r.Code() != "AccessDenied" {
			t.Errorf("unsigned %s %s: got %d %q, want 403 AccessDenied\n%s", rq.method, rq.path, r.Status, r.Code(), r.Body)
		}
	}
	if got, err := getBytes(ctx, a, bucket, "k", minio.GetObjectOptions{}); err != nil || string(got) != "v" {
		t.Fatalf("object after anonymous attempts: %q, %v", got, err)
	}
}

func TestBadCredentials(t *testing.T) {
	s := shared(t)
	a := s.minioClient(t, tenantA, minioOpts{})
	const bucket = "bad-credentials"
	makeBucket(t, a, bucket)
	ctx := testContext(t, time.Minute)

	wrong := s.minioClient(t, tenantA, minioOpts{Secret: "not-the-secret-0123456789abcdefghijklmno"})
	_, err := wrong.ListBuckets(ctx)
	wantErrorCode(t, "ListBuckets with a wrong secret", err, 403, "SignatureDoesNotMatch")
	_, err = wrong.PutObject(ctx, bucket, "k", bytes.NewReader([]byte("v")), 1, minio.PutObjectOptions{DisableMultipart: true})
	wantErrorCode(t, "PutObject with a wrong secret", err, 403, "SignatureDoesNotMatch")
	_, err = getBytes(ctx, wrong, bucket, "k", minio.GetObjectOptions{})
	wantErrorCode(t, "GetObject with a wrong secret", err, 403, "SignatureDoesNotMatch")

	unknown := s.minioClient(t, tenantA, minioOpts{AccessKey: "AKIAUNKNOWNKEY000000"})
	_, err = unknown.ListBuckets(ctx)
	wantErrorCode(t, "ListBuckets with an unknown access key", err, 403, "InvalidAccessKeyId")

	// Dates more than 15 minutes off are refused even when correctly signed.
	for _, skew := range []time.Duration{-time.Hour, time.Hour} {
		req, _ := http.NewRequest(http.MethodGet, s.URL()+"/", nil)
		req.Header.Set("Date", time.Now().Add(skew).UTC().Format(http.TimeFormat))
		r := s.do(t, signer.SignV2(*req, tenantA.AccessKey, tenantA.SecretKey, false))
		if r.Status != 403 || r.Code() != "RequestTimeTooSkewed" {
			t.Errorf("request dated %v from now: got %d %q, want 403 RequestTimeTooSkewed\n%s", skew, r.Status, r.Code(), r.Body)
		}
	}
	if _, err := a.StatObject(ctx, bucket, "k", minio.StatObjectOptions{}); minio.ToErrorResponse(err).StatusCode != 404 {
		t.Fatalf("an object was written with bad credentials: %v", err)
	}
}

func TestPresignedURLs(t *testing.T) {
	s := shared(t)
	ctx := testContext(t, time.Minute)
	a := s.minioClient(t, tenantA, minioOpts{})
	const bucket = "presigned"
	makeBucket(t, a, bucket)
	data := payloadBytes(t, 20, 300<<10)
	key := "dir/photo 1+2.jpg"
	if _, err := a.PutObject(ctx, bucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{ContentType: "image/jpeg", DisableMultipart: true}); err != nil {
		t.Fatal(err)
	}
	plainGet := func(u string) response {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		return s.do(t, req)
	}

	u, err := a.PresignedGetObject(ctx, bucket, key, 10*time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := plainGet(u.String()); r.Status != 200 || !bytes.Equal(r.Body, data) || r.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("presigned GET %s: %d, %d bytes (want %d), type %q\n%.300s", u, r.Status, len(r.Body), len(data), r.Header.Get("Content-Type"), r.Body)
	}

	// response-* overrides are part of what V2 signs.
	u, err = a.PresignedGetObject(ctx, bucket, key, 10*time.Minute, url.Values{
		"response-content-type":        {"application/x-download"},
		"response-content-disposition": {`attachment; filename="p.jpg"`},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := plainGet(u.String()); r.Status != 200 || r.Header.Get("Content-Type") != "application/x-download" ||
		r.Header.Get("Content-Disposition") != `attachment; filename="p.jpg"` || !bytes.Equal(r.Body, data) {
		t.Errorf("presigned GET with overrides: %d type %q disposition %q\n%.300s", r.Status, r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"), r.Body)
	}

	// Tampering with the signed URL breaks the signature.
	u, _ = a.PresignedGetObject(ctx, bucket, key, 10*time.Minute, nil)
	q := u.Query()
	exp, err := strconv.ParseInt(q.Get("Expires"), 10, 64)
	if err != nil {
		t.Fatalf("presigned URL %s: Expires: %v", u, err)
	}
	q.Set("Expires", strconv.FormatInt(exp+1, 10))
	u.RawQuery = q.Encode()
	if r := plainGet(u.String()); r.Status != 403 || r.Code() != "SignatureDoesNotMatch" {
		t.Errorf("presigned URL with a changed Expires: %d %q, want 403 SignatureDoesNotMatch", r.Status, r.Code())
	}

	// Expired a minute ago, signed by minio-go's V2 presigner; the same URL
	// expiring in ten minutes works, so the 403 is the expiry's.
	presign := func(expires int64) string {
		req, err := http.NewRequest(http.MethodGet, s.URL()+"/"+bucket+"/dir/photo%201%2B2.jpg", nil)
		if err != nil {
			t.Fatal(err)
		}
		return signer.PreSignV2(*req, tenantA.AccessKey, tenantA.SecretKey, expires, false).URL.String()
	}
	if r := plainGet(presign(-60)); r.Status != 403 || r.Code() != "AccessDenied" {
		t.Errorf("expired presigned URL: got %d %q, want 403 AccessDenied\n%s", r.Status, r.Code(), r.Body)
	}
	if r := plainGet(presign(600)); r.Status != 200 || !bytes.Equal(r.Body, data) {
		t.Errorf("presigned URL expiring in 10 minutes: %d\n%.300s", r.Status, r.Body)
	}
}
