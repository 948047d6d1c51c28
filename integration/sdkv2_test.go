package integration

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// sdkErr describes an SDK error with the HTTP status and S3 code.
func sdkErr(err error) string {
	var re interface{ HTTPStatusCode() int }
	var ae smithy.APIError
	status, code := 0, ""
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	return fmt.Sprintf("%d %s: %v", status, code, err)
}

// nonSeekable hides a reader's Seek, as a pipe or socket would.
type nonSeekable struct{ io.Reader }

// sdkChecksum is the output's checksum for algo.
func sdkChecksum(algo types.ChecksumAlgorithm, crc32, crc32c, crc64, sha1, sha256 *string) string {
	return aws.ToString(map[types.ChecksumAlgorithm]*string{
		types.ChecksumAlgorithmCrc32: crc32, types.ChecksumAlgorithmCrc32c: crc32c, types.ChecksumAlgorithmCrc64nvme: crc64,
		types.ChecksumAlgorithmSha1: sha1, types.ChecksumAlgorithmSha256: sha256,
	}[algo])
}

// TestSDKv2 drives aws-sdk-go-v2 (latest, default checksum settings) over
// plain HTTP, where the SDK sends its default CRC32 (or the requested
// algorithm) as an x-amz-checksum-* header beside a signed payload hash.
// tls_test.go runs the same scenario over https, where the SDK sends
// STREAMING-UNSIGNED-PAYLOAD-TRAILER with the checksum in a trailer.
func TestSDKv2(t *testing.T) {
	s := shared(t)
	sdkScenario(t, s.sdkClient(t, tenantA, sdkOpts{}), "sdkv2-http", nil)
}

// sdkScenario: create bucket; PutObject small (content type, metadata) and
// 20 MiB, with the default checksum and with CRC32C, SHA1, SHA256 and
// CRC64NVME; GetObject with ChecksumMode ENABLED (the SDK validates the
// checksum returned); HeadObject; ListObjectsV2; presigned GET and PUT
// through plain net/http; DeleteObject, DeleteObjects, DeleteBucket.
// Over https (rootCAs set) also 20 MiB from a non-seekable reader, which
// the SDK can only send with a trailing checksum.
func sdkScenario(t *testing.T, c *s3.Client, bucket string, rootCAs *x509.CertPool) {
	ctx := testContext(t, 5*time.Minute)
	https := rootCAs != nil
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket: %s", sdkErr(err))
	}
	lb, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil || !slices.ContainsFunc(lb.Buckets, func(b types.Bucket) bool { return aws.ToString(b.Name) == bucket }) {
		t.Fatalf("ListBuckets after CreateBucket: %v, %s", lb, sdkErr(err))
	}

	type obj struct {
		key  string
		data []byte
		algo types.ChecksumAlgorithm // "" = the SDK's default (CRC32)
		body func() io.Reader        // nil = bytes.Reader (seekable)
	}
	small := payloadBytes(t, 1200, 3333)
	big := payloadBytes(t, 1201, 20<<20)
	objs := []obj{
		{key: "small.txt", data: small},
		{key: "dir/big.bin", data: big},
	}
	for _, a := range []types.ChecksumAlgorithm{types.ChecksumAlgorithmCrc32c, types.ChecksumAlgorithmSha1, types.ChecksumAlgorithmSha256, types.ChecksumAlgorithmCrc64nvme} {
		objs = append(objs, obj{key: "sums/" + string(a), data: small, algo: a}, obj{key: "sums/big-" + string(a), data: big, algo: a})
	}
	if https {
		objs = append(objs,
			obj{key: "stream/big.bin", data: big, body: func() io.Reader { return nonSeekable{bytes.NewReader(big)} }},
			obj{key: "stream/big-sha256", data: big, algo: types.ChecksumAlgorithmSha256, body: func() io.Reader { return nonSeekable{bytes.NewReader(big)} }},
		)
	}
	for i, o := range objs {
		in := &s3.PutObjectInput{
			Bucket: aws.String(bucket), Key: aws.String(o.key), Body: bytes.NewReader(o.data),
			ContentType: aws.String(fmt.Sprintf("application/x-sdk-%d", i)),
			Metadata:    map[string]string{"color": "blue", "index": fmt.Sprint(i)},
		}
		if o.algo != "" {
			in.ChecksumAlgorithm = o.algo
		}
		if o.body != nil {
			in.Body, in.ContentLength = o.body(), aws.Int64(int64(len(o.data)))
		}
		algo := o.algo
		if algo == "" {
			algo = types.ChecksumAlgorithmCrc32
		}
		want := checksumOf(t, string(algo), o.data)
		out, err := c.PutObject(ctx, in)
		if err != nil {
			t.Errorf("PutObject %s (%d bytes, checksum %s): %s", o.key, len(o.data), algo, sdkErr(err))
			continue
		}
		if aws.ToString(out.ETag) != `"`+md5Hex(o.data)+`"` {
			t.Errorf("PutObject %s: ETag %s, want %q", o.key, aws.ToString(out.ETag), md5Hex(o.data))
		}
		if got := sdkChecksum(algo, out.ChecksumCRC32, out.ChecksumCRC32C, out.ChecksumCRC64NVME, out.ChecksumSHA1, out.ChecksumSHA256); got != want {
			t.Errorf("PutObject %s: response Checksum%s %q, want %s", o.key, algo, got, want)
		}

		h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(o.key), ChecksumMode: types.ChecksumModeEnabled})
		if err != nil {
			t.Errorf("HeadObject %s: %s", o.key, sdkErr(err))
			continue
		}
		if aws.ToInt64(h.ContentLength) != int64(len(o.data)) || aws.ToString(h.ContentType) != *in.ContentType ||
			h.Metadata["color"] != "blue" || h.Metadata["index"] != fmt.Sprint(i) {
			t.Errorf("HeadObject %s: length %d, type %q, metadata %v", o.key, aws.ToInt64(h.ContentLength), aws.ToString(h.ContentType), h.Metadata)
		}
		if got := sdkChecksum(algo, h.ChecksumCRC32, h.ChecksumCRC32C, h.ChecksumCRC64NVME, h.ChecksumSHA1, h.ChecksumSHA256); got != want {
			t.Errorf("HeadObject %s ChecksumMode ENABLED: Checksum%s %q, want %s", o.key, algo, got, want)
		}

		g, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(o.key), ChecksumMode: types.ChecksumModeEnabled})
		if err != nil {
			t.Errorf("GetObject %s: %s", o.key, sdkErr(err))
			continue
		}
		got, err := io.ReadAll(g.Body) // the SDK checks the checksum at EOF
		g.Body.Close()
		if err != nil || !bytes.Equal(got, o.data) {
			t.Errorf("GetObject %s: %d bytes (want %d), equal %t, read error %v", o.key, len(got), len(o.data), bytes.Equal(got, o.data), err)
		}
		if gs := sdkChecksum(algo, g.ChecksumCRC32, g.ChecksumCRC32C, g.ChecksumCRC64NVME, g.ChecksumSHA1, g.ChecksumSHA256); gs != want {
			t.Errorf("GetObject %s ChecksumMode ENABLED: Checksum%s %q, want %s", o.key, algo, gs, want)
		}
		if aws.ToString(g.ContentType) != *in.ContentType || g.Metadata["index"] != fmt.Sprint(i) {
			t.Errorf("GetObject %s: type %q, metadata %v", o.key, aws.ToString(g.ContentType), g.Metadata)
		}
	}

	// A ranged GET: no full-object checksum to validate.
	g, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("dir/big.bin"), Range: aws.String("bytes=100-199")})
	if err != nil {
		t.Errorf("GetObject Range: %s", sdkErr(err))
	} else {
		got, err := io.ReadAll(g.Body)
		g.Body.Close()
		if err != nil || !bytes.Equal(got, big[100:200]) || aws.ToString(g.ContentRange) != fmt.Sprintf("bytes 100-199/%d", len(big)) {
			t.Errorf("GetObject Range bytes=100-199: %d bytes, %q, %v", len(got), aws.ToString(g.ContentRange), err)
		}
	}

	var keys []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(4)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListObjectsV2: %s", sdkErr(err))
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	var want []string
	for _, o := range objs {
		want = append(want, o.key)
	}
	slices.Sort(want)
	if !slices.Equal(keys, want) {
		t.Errorf("ListObjectsV2 (pages of 4) = %v, want %v", keys, want)
	}
	d, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Delimiter: aws.String("/")})
	if err != nil {
		t.Errorf("ListObjectsV2 Delimiter /: %s", sdkErr(err))
	} else if len(d.Contents) != 1 || aws.ToString(d.Contents[0].Key) != "small.txt" || len(d.CommonPrefixes) < 2 {
		t.Errorf("ListObjectsV2 Delimiter /: %d keys, %d prefixes", len(d.Contents), len(d.CommonPrefixes))
	}

	// Presigned GET and PUT, sent by plain net/http.
	hc := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: rootCAs}}}
	pc := s3.NewPresignClient(c, s3.WithPresignExpires(10*time.Minute))
	pg, err := pc.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("dir/big.bin")})
	if err != nil {
		t.Fatalf("PresignGetObject: %v", err)
	}
	if r := plainDo(t, hc, pg.Method, pg.URL, pg.SignedHeader, nil); r.Status != 200 || !bytes.Equal(r.Body, big) {
		t.Errorf("presigned GET %s: %d, %d bytes\n%.300s", pg.URL, r.Status, len(r.Body), r.Body)
	}
	pp, err := pc.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("presigned/put.bin")})
	if err != nil {
		t.Fatalf("PresignPutObject: %v", err)
	}
	if r := plainDo(t, hc, pp.Method, pp.URL, pp.SignedHeader, small); r.Status != 200 {
		t.Errorf("presigned PUT %s (signed headers %v): %d\n%.300s", pp.URL, pp.SignedHeader, r.Status, r.Body)
	} else if g, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("presigned/put.bin")}); err != nil {
		t.Errorf("GetObject of the presigned PUT: %s", sdkErr(err))
	} else {
		got, _ := io.ReadAll(g.Body)
		g.Body.Close()
		if !bytes.Equal(got, small) {
			t.Errorf("presigned PUT read back %d bytes, want %d", len(got), len(small))
		}
	}

	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("small.txt")}); err != nil {
		t.Errorf("DeleteObject: %s", sdkErr(err))
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("small.txt")}); err == nil {
		t.Errorf("HeadObject after DeleteObject succeeded")
	}
	var ids []types.ObjectIdentifier
	for _, k := range append(want, "presigned/put.bin") {
		if k != "small.txt" {
			ids = append(ids, types.ObjectIdentifier{Key: aws.String(k)})
		}
	}
	// DeleteObjects needs a request checksum: the SDK sends its default (CRC32).
	do, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(bucket), Delete: &types.Delete{Objects: ids}})
	if err != nil {
		t.Errorf("DeleteObjects: %s", sdkErr(err))
	} else if len(do.Deleted) != len(ids) || len(do.Errors) != 0 {
		t.Errorf("DeleteObjects: %d deleted, errors %+v", len(do.Deleted), do.Errors)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Errorf("DeleteBucket: %s", sdkErr(err))
	}
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)}); err == nil {
		t.Errorf("HeadBucket after DeleteBucket succeeded")
	}
}

// plainDo sends a presigned request with net/http.
func plainDo(t *testing.T, hc *http.Client, method, url string, hdr http.Header, body []byte) response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range hdr {
		if k != "Host" {
			req.Header[k] = vs
		}
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}
