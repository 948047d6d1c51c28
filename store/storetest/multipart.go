package storetest

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/amphora-s3/amphora/checksum"
	"github.com/amphora-s3/amphora/store"
)

// checksumOf returns data's checksum under algorithm, as Verify would.
func checksumOf(t *testing.T, algorithm string, data []byte) store.Checksum {
	t.Helper()
	a := checksum.Algorithm(algorithm)
	if !a.Valid() {
		t.Fatalf("unknown checksum algorithm %q", algorithm)
	}
	return store.Checksum{Algorithm: algorithm, Type: store.ChecksumFullObject, Value: checksum.Encode(a.Sum(data))}
}

func createUpload(t *testing.T, st store.Store, bucket, key string, m store.Meta, algorithm string) store.Upload {
	t.Helper()
	in := store.CreateUploadInput{Bucket: bucket, Key: key, Owner: "writer", Meta: m, ChecksumAlgorithm: algorithm}
	if algorithm != "" {
		in.ChecksumType = store.ChecksumComposite
	}
	u, err := st.CreateMultipartUpload(t.Context(), in)
	if err != nil {
		t.Fatalf("CreateMultipartUpload(%q): %v", key, err)
	}
	if u.UploadID == "" || u.Key != key || u.Bucket != bucket || u.Owner != "writer" || !metaEqual(u.Meta, m) ||
		u.ChecksumAlgorithm != in.ChecksumAlgorithm || u.ChecksumType != in.ChecksumType || u.Initiated.IsZero() {
		t.Fatalf("CreateMultipartUpload(%q) = %+v", key, u)
	}
	return u
}

// uploadPart uploads data as part n of u with a correct Content-MD5 and,
// when u asked for one, a checksum returned by Verify.
func uploadPart(t *testing.T, st store.Store, u store.Upload, n int, data []byte) store.Part {
	t.Helper()
	in := store.PartInput{Bucket: u.Bucket, Key: u.Key, UploadID: u.UploadID, PartNumber: n,
		Size: int64(len(data)), ContentMD5: md5raw(data), Body: bytes.NewReader(data)}
	var want store.Checksum
	if u.ChecksumAlgorithm != "" {
		want = checksumOf(t, u.ChecksumAlgorithm, data)
		in.Verify = func() (store.Checksum, error) { return want, nil }
	}
	p, err := st.UploadPart(t.Context(), in)
	if err != nil {
		t.Fatalf("UploadPart(%q, %d): %v", u.Key, n, err)
	}
	if p.PartNumber != n || p.Size != int64(len(data)) || p.ETag != md5hex(data) || p.Checksum != want || p.LastModified.IsZero() {
		t.Fatalf("UploadPart(%q, %d) = %+v", u.Key, n, p)
	}
	return p
}

func completed(parts ...store.Part) []store.CompletedPart {
	out := make([]store.CompletedPart, len(parts))
	for i, p := range parts {
		out[i] = store.CompletedPart{PartNumber: p.PartNumber, ETag: p.ETag, Checksum: p.Checksum.Value}
	}
	return out
}

// multipartETag computes the expected ETag from the parts' bytes.
func multipartETag(datas ...[]byte) string {
	h := md5.New()
	for _, d := range datas {
		h.Write(md5raw(d))
	}
	return hex.EncodeToString(h.Sum(nil)) + "-" + strconv.Itoa(len(datas))
}

func complete(t *testing.T, st store.Store, u store.Upload, parts ...store.Part) store.Object {
	t.Helper()
	obj, err := st.CompleteMultipartUpload(t.Context(), store.CompleteInput{Bucket: u.Bucket, Key: u.Key,
		UploadID: u.UploadID, Parts: completed(parts...)})
	if err != nil {
		t.Fatalf("CompleteMultipartUpload(%q): %v", u.Key, err)
	}
	return obj
}

// testMultipartRoundTrip: three parts (two of MinPartSize, the last odd),
// with a COMPOSITE CRC32C checksum, become one object: ETag, size, part
// count, checksum and metadata as S3 has them; whole and ranged reads
// (across part and block boundaries) return the parts' bytes; ObjectPart
// locates each part; a retried completion returns the same object; the
// upload is gone afterwards.
func (s *suite) testMultipartRoundTrip(t *testing.T) {
	st, b := s.setup(t, "mpu")
	ctx := t.Context()
	m := meta("mpu")
	u := createUpload(t, st, b, "big/object", m, store.ChecksumCRC32C)
	datas := [][]byte{payload(store.MinPartSize, 1), payload(store.MinPartSize, 2), payload(s.bs+s.bs/3, 3)}
	var parts []store.Part
	for i, d := range datas {
		parts = append(parts, uploadPart(t, st, u, i+1, d))
	}
	lp, err := st.ListParts(ctx, store.ListPartsInput{Bucket: b, Key: u.Key, UploadID: u.UploadID, MaxParts: 1000})
	if err != nil || len(lp.Parts) != 3 || lp.IsTruncated || lp.Upload.UploadID != u.UploadID {
		t.Fatalf("ListParts = %+v, %v", lp, err)
	}
	for i, p := range lp.Parts {
		if p != parts[i] && (p.PartNumber != parts[i].PartNumber || p.ETag != parts[i].ETag || p.Size != parts[i].Size || p.Checksum != parts[i].Checksum) {
			t.Errorf("ListParts part %d = %+v, UploadPart said %+v", i, p, parts[i])
		}
	}

	obj := complete(t, st, u, parts...)
	whole := bytes.Join(datas, nil)
	sums := []string{parts[0].Checksum.Value, parts[1].Checksum.Value, parts[2].Checksum.Value}
	wantSum, _ := store.CompositeChecksum(store.ChecksumCRC32C, sums)
	want := store.Object{Bucket: b, Key: u.Key, VersionID: obj.VersionID, Size: int64(len(whole)),
		ETag: multipartETag(datas...), LastModified: obj.LastModified, Owner: "writer", Meta: m}
	checkObject(t, "CompleteMultipartUpload result", obj, want)
	if obj.Parts != 3 || obj.Checksum != (store.Checksum{Algorithm: store.ChecksumCRC32C, Type: store.ChecksumComposite, Value: wantSum}) {
		t.Errorf("completed object: Parts %d, Checksum %+v; want 3, %s", obj.Parts, obj.Checksum, wantSum)
	}
	h := head(t, st, b, u.Key)
	checkObject(t, "HeadObject of a multipart object", h, want)
	if h.Parts != 3 || h.Checksum != obj.Checksum {
		t.Errorf("HeadObject: Parts %d, Checksum %+v; want 3, %+v", h.Parts, h.Checksum, obj.Checksum)
	}
	checkBytes(t, "whole multipart object", read(t, st, h, 0, -1), whole)
	p1, p2 := int64(len(datas[0])), int64(len(datas[0])+len(datas[1]))
	bs := int64(s.bs)
	for _, r := range [][2]int64{
		{p1 - 1, 2}, {p1 - 10, 20}, {p1, 1}, {p1 - bs - 3, bs + 10}, {p2 - 5, 10}, {p1 - 7, p2 - p1 + 14},
		{0, p1}, {p1, p2 - p1}, {p2, -1}, {p2 - 1, -1}, {int64(len(whole)) - 1, 1}, {int64(len(whole)), -1},
		{bs + 5, 3 * bs}, {p2 + bs, 1},
	} {
		end := int64(len(whole))
		if r[1] >= 0 {
			end = min(end, r[0]+r[1])
		}
		checkBytes(t, fmt.Sprintf("range [%d, +%d)", r[0], r[1]), read(t, st, h, r[0], r[1]), whole[r[0]:end])
	}
	for n, want := range [][2]int64{{0, p1}, {p1, p2 - p1}, {p2, int64(len(datas[2]))}} {
		off, size, err := st.ObjectPart(ctx, h, n+1)
		if err != nil || off != want[0] || size != want[1] {
			t.Errorf("ObjectPart(%d) = %d, %d, %v; want %d, %d", n+1, off, size, err, want[0], want[1])
		}
	}
	for _, n := range []int{0, 4, store.MaxPartNumber + 1} {
		_, _, err := st.ObjectPart(ctx, h, n)
		wantErr(t, fmt.Sprintf("ObjectPart(%d) of 3", n), err, store.ErrInvalidPart)
	}
	// A page of parts in one read, each with its own checksum (the
	// object's is COMPOSITE).
	if ps, err := st.ObjectParts(ctx, h, 2, 3); err != nil || len(ps) != 2 ||
		ps[0] != (store.PartInfo{Number: 2, Off: p1, Size: p2 - p1, Checksum: sums[1]}) ||
		ps[1] != (store.PartInfo{Number: 3, Off: p2, Size: int64(len(datas[2])), Checksum: sums[2]}) {
		t.Errorf("ObjectParts(2, 3) = %+v, %v", ps, err)
	}
	for _, r := range [][2]int{{0, 1}, {3, 4}, {3, 2}} {
		_, err := st.ObjectParts(ctx, h, r[0], r[1])
		wantErr(t, fmt.Sprintf("ObjectParts(%d, %d) of 3", r[0], r[1]), err, store.ErrInvalidPart)
	}

	again, err := st.CompleteMultipartUpload(ctx, store.CompleteInput{Bucket: b, Key: u.Key, UploadID: u.UploadID, Parts: completed(parts...)})
	if err != nil || again.VersionID != obj.VersionID || again.ETag != obj.ETag {
		t.Errorf("retried completion = %s, %v; want the same object", describe(again), err)
	}
	_, err = st.ListParts(ctx, store.ListPartsInput{Bucket: b, Key: u.Key, UploadID: u.UploadID, MaxParts: 10})
	wantErr(t, "ListParts after completion", err, store.ErrNoSuchUpload)
	_, err = st.UploadPart(ctx, store.PartInput{Bucket: b, Key: u.Key, UploadID: u.UploadID, PartNumber: 4, Size: 1, Body: bytes.NewReader([]byte("x"))})
	wantErr(t, "UploadPart after completion", err, store.ErrNoSuchUpload)
	wantErr(t, "AbortMultipartUpload after completion", st.AbortMultipartUpload(ctx, b, u.Key, u.UploadID), store.ErrNoSuchUpload)
	if lu, err := st.ListMultipartUploads(ctx, store.ListUploadsInput{Bucket: b, MaxUploads: 10}); err != nil || len(lu.Uploads) != 0 {
		t.Errorf("ListMultipartUploads after completion = %+v, %v", lu, err)
	}
	if got := listKeys(t, st, b, ""); !slices.Equal(got, []string{u.Key}) {
		t.Errorf("listing after completion = %q", got)
	}

	// A single PUT is one part.
	single := put(t, st, b, "single", []byte("hello"), store.Meta{})
	if off, size, err := st.ObjectPart(ctx, single, 1); err != nil || off != 0 || size != 5 {
		t.Errorf("ObjectPart(1) of a single PUT = %d, %d, %v", off, size, err)
	}
	_, _, err = st.ObjectPart(ctx, single, 2)
	wantErr(t, "ObjectPart(2) of a single PUT", err, store.ErrInvalidPart)
	if ps, err := st.ObjectParts(ctx, single, 1, 1); err != nil || len(ps) != 1 || ps[0] != (store.PartInfo{Number: 1, Size: 5}) {
		t.Errorf("ObjectParts(1, 1) of a single PUT = %+v, %v", ps, err)
	}

	// Overwriting the multipart object with a PUT, and the reverse.
	put(t, st, b, u.Key, []byte("small"), store.Meta{})
	checkBytes(t, "multipart object overwritten by a PUT", read(t, st, head(t, st, b, u.Key), 0, -1), []byte("small"))
	checkBytes(t, "the replaced multipart object via its Object", read(t, st, h, p1-3, 6), whole[p1-3:p1+3])
}

// testMultipartSmall: a single part under MinPartSize (the last part may
// be small), an empty single part, and a last part under MinPartSize.
func (s *suite) testMultipartSmall(t *testing.T) {
	st, b := s.setup(t, "mpu-small")
	u := createUpload(t, st, b, "one", store.Meta{}, "")
	d := payload(100, 10)
	obj := complete(t, st, u, uploadPart(t, st, u, 7, d))
	if obj.Parts != 1 || obj.Size != 100 || obj.ETag != multipartETag(d) || obj.Checksum != (store.Checksum{}) {
		t.Errorf("one small part: %s parts %d checksum %+v", describe(obj), obj.Parts, obj.Checksum)
	}
	checkBytes(t, "one small part", read(t, st, head(t, st, b, "one"), 0, -1), d)
	if off, size, err := s.newStoreObjectPart(t, st, obj, 1); err != nil || off != 0 || size != 100 {
		t.Errorf("ObjectPart(1) = %d, %d, %v", off, size, err)
	}

	u = createUpload(t, st, b, "empty", store.Meta{}, "")
	obj = complete(t, st, u, uploadPart(t, st, u, 1, nil))
	if obj.Size != 0 || obj.ETag != multipartETag(nil) {
		t.Errorf("empty part: %s", describe(obj))
	}
	if got := read(t, st, head(t, st, b, "empty"), 0, -1); len(got) != 0 {
		t.Errorf("empty multipart object reads %d bytes", len(got))
	}

	u = createUpload(t, st, b, "two", store.Meta{}, "")
	d1, d2 := payload(store.MinPartSize, 11), payload(5, 12)
	obj = complete(t, st, u, uploadPart(t, st, u, 1, d1), uploadPart(t, st, u, 2, d2))
	if obj.Parts != 2 || obj.ETag != multipartETag(d1, d2) {
		t.Errorf("small last part: %s", describe(obj))
	}
	checkBytes(t, "small last part", read(t, st, head(t, st, b, "two"), 0, -1), append(bytes.Clone(d1), d2...))
}

func (s *suite) newStoreObjectPart(t *testing.T, st store.Store, obj store.Object, n int) (int64, int64, error) {
	t.Helper()
	return st.ObjectPart(t.Context(), obj, n)
}

// testMultipartReupload: parts uploaded out of order, one uploaded again
// with other bytes, one left out of the completion. The object holds
// exactly the listed parts' latest bytes; the replaced part's ETag no
// longer completes.
func (s *suite) testMultipartReupload(t *testing.T) {
	st, b := s.setup(t, "mpu-reup")
	ctx := t.Context()
	u := createUpload(t, st, b, "k", store.Meta{}, store.ChecksumSHA256)
	d3 := payload(s.bs/2+1, 23)
	p3 := uploadPart(t, st, u, 3, d3)
	d2old := payload(store.MinPartSize, 21)
	p2old := uploadPart(t, st, u, 2, d2old)
	d1 := payload(store.MinPartSize, 20)
	p1 := uploadPart(t, st, u, 1, d1)
	d2 := payload(store.MinPartSize+s.bs, 22)
	p2 := uploadPart(t, st, u, 2, d2)
	d5 := payload(77, 25)
	uploadPart(t, st, u, 5, d5) // never listed

	lp, err := st.ListParts(ctx, store.ListPartsInput{Bucket: b, Key: "k", UploadID: u.UploadID, MaxParts: 100})
	if err != nil || len(lp.Parts) != 4 || lp.Parts[1].ETag != p2.ETag || lp.Parts[1].Size != p2.Size {
		t.Fatalf("ListParts after a re-upload = %+v, %v", lp.Parts, err)
	}
	_, err = st.CompleteMultipartUpload(ctx, store.CompleteInput{Bucket: b, Key: "k", UploadID: u.UploadID,
		Parts: completed(p1, p2old, p3)})
	wantErr(t, "completing with a replaced part's ETag", err, store.ErrInvalidPart)

	obj := complete(t, st, u, p1, p2, p3)
	whole := bytes.Join([][]byte{d1, d2, d3}, nil)
	if obj.ETag != multipartETag(d1, d2, d3) || obj.Size != int64(len(whole)) || obj.Parts != 3 {
		t.Errorf("re-uploaded part: %s", describe(obj))
	}
	checkBytes(t, "object with a re-uploaded part", read(t, st, head(t, st, b, "k"), 0, -1), whole)
	off, size, err := st.ObjectPart(ctx, obj, 2)
	if err != nil || off != int64(len(d1)) || size != int64(len(d2)) {
		t.Errorf("ObjectPart(2) = %d, %d, %v", off, size, err)
	}

	// Leaving a part out: parts 1 and 3 only.
	u = createUpload(t, st, b, "gap", store.Meta{}, "")
	q1 := uploadPart(t, st, u, 1, d1)
	uploadPart(t, st, u, 2, d2)
	q3 := uploadPart(t, st, u, 3, d3)
	obj = complete(t, st, u, q1, q3)
	if obj.ETag != multipartETag(d1, d3) || obj.Parts != 2 {
		t.Errorf("parts 1 and 3: %s, %d parts", describe(obj), obj.Parts)
	}
	checkBytes(t, "parts 1 and 3", read(t, st, head(t, st, b, "gap"), 0, -1), append(bytes.Clone(d1), d3...))
	if off, size, err := st.ObjectPart(ctx, obj, 2); err != nil || off != int64(len(d1)) || size != int64(len(d3)) {
		t.Errorf("ObjectPart(2) of parts 1 and 3 = %d, %d, %v", off, size, err)
	}
}

// testMultipartErrors: every error sentinel of the multipart API.
func (s *suite) testMultipartErrors(t *testing.T) {
	st, b := s.setup(t, "mpu-err")
	ctx := t.Context()
	missing := s.bucketName("mpu-missing")
	_, err := st.CreateMultipartUpload(ctx, store.CreateUploadInput{Bucket: missing, Key: "k", Owner: "o"})
	wantErr(t, "CreateMultipartUpload in a missing bucket", err, store.ErrNoSuchBucket)

	u := createUpload(t, st, b, "k", store.Meta{}, store.ChecksumCRC32)
	small := payload(1000, 30)
	big := payload(store.MinPartSize, 31)
	pBig := uploadPart(t, st, u, 1, big)
	pSmall := uploadPart(t, st, u, 2, small)
	pSmall3 := uploadPart(t, st, u, 3, small)

	// A part whose body fails leaves no part behind.
	for _, f := range []struct {
		name string
		in   store.PartInput
		want error
	}{
		{"bad digest", store.PartInput{ContentMD5: md5raw([]byte("other")), Body: bytes.NewReader(small)}, store.ErrBadDigest},
		{"short body", store.PartInput{Body: bytes.NewReader(small[:10])}, store.ErrIncompleteBody},
		{"verify", store.PartInput{Body: bytes.NewReader(small), Verify: func() (store.Checksum, error) { return store.Checksum{}, errVerify }}, errVerify},
	} {
		in := f.in
		in.Bucket, in.Key, in.UploadID, in.PartNumber, in.Size = b, "k", u.UploadID, 4, int64(len(small))
		_, err := st.UploadPart(ctx, in)
		wantErr(t, "UploadPart with "+f.name, err, f.want)
		// The same failure on an existing part number keeps the old part.
		in.PartNumber = 2
		in.Body = bytes.NewReader(small[:10])
		if f.want != store.ErrIncompleteBody {
			in.Body = bytes.NewReader(payload(len(small), 32))
		}
		_, err = st.UploadPart(ctx, in)
		if err == nil {
			t.Errorf("UploadPart over part 2 with %s succeeded", f.name)
		}
	}
	lp, err := st.ListParts(ctx, store.ListPartsInput{Bucket: b, Key: "k", UploadID: u.UploadID, MaxParts: 100})
	if err != nil || len(lp.Parts) != 3 || lp.Parts[1].ETag != pSmall.ETag {
		t.Errorf("parts after failed part uploads = %+v, %v", lp.Parts, err)
	}

	completeErr := func(what string, parts []store.CompletedPart, want error) {
		t.Helper()
		_, err := st.CompleteMultipartUpload(ctx, store.CompleteInput{Bucket: b, Key: "k", UploadID: u.UploadID, Parts: parts})
		wantErr(t, what, err, want)
	}
	completeErr("no parts", nil, store.ErrInvalidPart)
	completeErr("descending parts", completed(pSmall, pBig), store.ErrInvalidPartOrder)
	completeErr("repeated part", completed(pBig, pBig), store.ErrInvalidPartOrder)
	completeErr("part never uploaded", completed(pBig, store.Part{PartNumber: 9, ETag: pSmall.ETag}), store.ErrInvalidPart)
	wrong := completed(pBig, pSmall)
	wrong[1].ETag = md5hex([]byte("nope"))
	completeErr("wrong etag", wrong, store.ErrInvalidPart)
	wrong = completed(pBig, pSmall)
	wrong[1].Checksum = checksumOf(t, store.ChecksumCRC32, []byte("nope")).Value
	completeErr("wrong checksum", wrong, store.ErrInvalidPart)
	completeErr("small part before the last", completed(pBig, pSmall, pSmall3), store.ErrEntityTooSmall)
	// The failures left the upload as it was.
	obj := complete(t, st, u, pBig, pSmall)
	checkBytes(t, "completion after failed completions", read(t, st, obj, 0, -1), append(bytes.Clone(big), small...))

	// Unknown uploads, and known ones under another key.
	u2 := createUpload(t, st, b, "k2", store.Meta{}, "")
	for _, c := range []struct{ key, id string }{{"k2", "bogus-" + u2.UploadID}, {"other", u2.UploadID}, {"k", u.UploadID}} {
		what := fmt.Sprintf("upload %q of %q", c.id, c.key)
		_, err := st.UploadPart(ctx, store.PartInput{Bucket: b, Key: c.key, UploadID: c.id, PartNumber: 1, Size: 1, Body: bytes.NewReader([]byte("x"))})
		wantErr(t, "UploadPart to "+what, err, store.ErrNoSuchUpload)
		_, err = st.ListParts(ctx, store.ListPartsInput{Bucket: b, Key: c.key, UploadID: c.id, MaxParts: 10})
		wantErr(t, "ListParts of "+what, err, store.ErrNoSuchUpload)
		if c.key != "k" {
			_, err = st.CompleteMultipartUpload(ctx, store.CompleteInput{Bucket: b, Key: c.key, UploadID: c.id, Parts: completed(pBig)})
			wantErr(t, "CompleteMultipartUpload of "+what, err, store.ErrNoSuchUpload)
		}
		wantErr(t, "AbortMultipartUpload of "+what, st.AbortMultipartUpload(ctx, b, c.key, c.id), store.ErrNoSuchUpload)
	}
	// Missing bucket everywhere.
	_, err = st.UploadPart(ctx, store.PartInput{Bucket: missing, Key: "k2", UploadID: u2.UploadID, PartNumber: 1, Size: 1, Body: bytes.NewReader([]byte("x"))})
	wantErr(t, "UploadPart in a missing bucket", err, store.ErrNoSuchBucket)
	_, err = st.ListParts(ctx, store.ListPartsInput{Bucket: missing, Key: "k2", UploadID: u2.UploadID, MaxParts: 10})
	wantErr(t, "ListParts in a missing bucket", err, store.ErrNoSuchBucket)
	_, err = st.CompleteMultipartUpload(ctx, store.CompleteInput{Bucket: missing, Key: "k2", UploadID: u2.UploadID, Parts: completed(pBig)})
	wantErr(t, "CompleteMultipartUpload in a missing bucket", err, store.ErrNoSuchBucket)
	wantErr(t, "AbortMultipartUpload in a missing bucket", st.AbortMultipartUpload(ctx, missing, "k2", u2.UploadID), store.ErrNoSuchBucket)
	_, err = st.ListMultipartUploads(ctx, store.ListUploadsInput{Bucket: missing, MaxUploads: 10})
	wantErr(t, "ListMultipartUploads in a missing bucket", err, store.ErrNoSuchBucket)

	// Aborted: gone for every call; the bucket holds an upload until then.
	uploadPart(t, st, u2, 1, small)
	if _, err := st.DeleteObject(ctx, b, "k"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "DeleteBucket with an upload in progress", st.DeleteBucket(ctx, b), store.ErrBucketNotEmpty)
	if err := st.AbortMultipartUpload(ctx, b, "k2", u2.UploadID); err != nil {
		t.Fatalf("AbortMultipartUpload: %v", err)
	}
	_, err = st.ListParts(ctx, store.ListPartsInput{Bucket: b, Key: "k2", UploadID: u2.UploadID, MaxParts: 10})
	wantErr(t, "ListParts after abort", err, store.ErrNoSuchUpload)
	_, err = st.CompleteMultipartUpload(ctx, store.CompleteInput{Bucket: b, Key: "k2", UploadID: u2.UploadID, Parts: completed(pBig)})
	wantErr(t, "CompleteMultipartUpload after abort", err, store.ErrNoSuchUpload)
	wantErr(t, "AbortMultipartUpload twice", st.AbortMultipartUpload(ctx, b, "k2", u2.UploadID), store.ErrNoSuchUpload)
	if _, err := st.HeadObject(ctx, b, "k2"); !errors.Is(err, store.ErrNoSuchKey) {
		t.Errorf("HeadObject of an aborted upload's key: %v", err)
	}
	if err := st.DeleteBucket(ctx, b); err != nil {
		t.Errorf("DeleteBucket after the abort: %v", err)
	}
}

// testListUploads: ListMultipartUploads orders by key, then initiation,
// and pages with prefix, delimiter and both markers; ListParts pages by
// part number.
func (s *suite) testListUploads(t *testing.T) {
	st, b := s.setup(t, "mpu-list")
	ctx := t.Context()
	keys := []string{"b/2", "a", "c", "b/1", "a", "b/1/x", "ab"}
	var ups []store.Upload
	for _, k := range keys {
		ups = append(ups, createUpload(t, st, b, k, store.Meta{}, ""))
	}
	// Expected order: by key, then creation order.
	order := []int{1, 4, 6, 3, 5, 0, 2}
	var all []store.Upload
	for pages, in := 0, (store.ListUploadsInput{Bucket: b, MaxUploads: 2}); ; pages++ {
		res, err := st.ListMultipartUploads(ctx, in)
		if err != nil || pages > 10 {
			t.Fatalf("ListMultipartUploads(%+v) = %+v, %v", in, res, err)
		}
		all = append(all, res.Uploads...)
		if !res.IsTruncated {
			break
		}
		if len(res.Uploads) != 2 {
			t.Fatalf("truncated page of %d uploads", len(res.Uploads))
		}
		in.KeyMarker, in.UploadIDMarker = res.NextKeyMarker, res.NextUploadIDMarker
	}
	if len(all) != len(order) {
		t.Fatalf("paged listing has %d uploads, want %d", len(all), len(order))
	}
	for i, j := range order {
		if all[i].UploadID != ups[j].UploadID || all[i].Key != keys[j] || !all[i].Initiated.Equal(ups[j].Initiated) || all[i].Owner != "writer" {
			t.Errorf("upload %d = %q %q, want %q %q", i, all[i].Key, all[i].UploadID, keys[j], ups[j].UploadID)
		}
	}

	res, err := st.ListMultipartUploads(ctx, store.ListUploadsInput{Bucket: b, Delimiter: "/", MaxUploads: 10})
	if err != nil || len(res.Uploads) != 4 || !slices.Equal(res.CommonPrefixes, []string{"b/"}) || res.IsTruncated {
		t.Errorf("delimiter listing = %+v, %v", res, err)
	}
	res, err = st.ListMultipartUploads(ctx, store.ListUploadsInput{Bucket: b, Prefix: "b/", Delimiter: "/", MaxUploads: 10})
	if err != nil || len(res.Uploads) != 2 || res.Uploads[0].Key != "b/1" || res.Uploads[1].Key != "b/2" || !slices.Equal(res.CommonPrefixes, []string{"b/1/"}) {
		t.Errorf("prefix b/ delimiter listing = %+v, %v", res, err)
	}
	res, err = st.ListMultipartUploads(ctx, store.ListUploadsInput{Bucket: b, Delimiter: "/", MaxUploads: 4})
	if err != nil || !res.IsTruncated || res.NextKeyMarker != "b/" || len(res.CommonPrefixes) != 1 {
		t.Fatalf("delimiter page ending in a prefix = %+v, %v", res, err)
	}
	res, err = st.ListMultipartUploads(ctx, store.ListUploadsInput{Bucket: b, Delimiter: "/", MaxUploads: 4, KeyMarker: "b/"})
	if err != nil || len(res.Uploads) != 1 || res.Uploads[0].Key != "c" || len(res.CommonPrefixes) != 0 {
		t.Errorf("after the prefix marker b/ = %+v, %v", res, err)
	}
	// Key marker alone: keys after it; with the upload id marker: that
	// key's later uploads too.
	res, err = st.ListMultipartUploads(ctx, store.ListUploadsInput{Bucket: b, KeyMarker: "a", MaxUploads: 10})
	if err != nil || len(res.Uploads) != 5 || res.Uploads[0].Key != "ab" {
		t.Errorf("after key a = %+v, %v", res.Uploads, err)
	}
	res, err = st.ListMultipartUploads(ctx, store.ListUploadsInput{Bucket: b, KeyMarker: "a", UploadIDMarker: ups[1].UploadID, MaxUploads: 10})
	if err != nil || len(res.Uploads) != 6 || res.Uploads[0].UploadID != ups[4].UploadID {
		t.Errorf("after key a, upload %s = %+v, %v", ups[1].UploadID, res.Uploads, err)
	}
	if res, err := st.ListMultipartUploads(ctx, store.ListUploadsInput{Bucket: b, MaxUploads: 0}); err != nil || len(res.Uploads) != 0 {
		t.Errorf("MaxUploads 0 = %+v, %v", res, err)
	}

	// ListParts paging.
	u := ups[2]
	for _, n := range []int{5, 1, 3, 10, 2} {
		uploadPart(t, st, u, n, []byte(strconv.Itoa(n)))
	}
	var nums []int
	in := store.ListPartsInput{Bucket: b, Key: u.Key, UploadID: u.UploadID, MaxParts: 2}
	for pages := 0; ; pages++ {
		res, err := st.ListParts(ctx, in)
		if err != nil || pages > 5 || res.Upload.UploadID != u.UploadID {
			t.Fatalf("ListParts(%+v) = %+v, %v", in, res, err)
		}
		for _, p := range res.Parts {
			nums = append(nums, p.PartNumber)
		}
		if !res.IsTruncated {
			break
		}
		in.After = res.NextAfter
	}
	if !slices.Equal(nums, []int{1, 2, 3, 5, 10}) {
		t.Errorf("ListParts pages gave parts %v", nums)
	}
	res2, err := st.ListParts(ctx, store.ListPartsInput{Bucket: b, Key: u.Key, UploadID: u.UploadID, After: 3, MaxParts: 10})
	if err != nil || len(res2.Parts) != 2 || res2.Parts[0].PartNumber != 5 || res2.IsTruncated {
		t.Errorf("ListParts after 3 = %+v, %v", res2, err)
	}
}

var errVerify = errors.New("storetest: checksum mismatch")
