package frontend

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/amphora-s3/amphora/keyring"
	"github.com/amphora-s3/amphora/store"
	"github.com/amphora-s3/amphora/store/memstore"
)

func testRing(t *testing.T, def string, ids ...string) *keyring.Local {
	t.Helper()
	f := keyring.File{Default: def}
	for _, id := range ids {
		sec, err := keyring.NewSecret()
		if err != nil {
			t.Fatal(err)
		}
		f.Keys = append(f.Keys, keyring.FileKey{ID: id, Secret: sec})
	}
	r, err := keyring.New(f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func managedEnv(t *testing.T, st store.Store, ring keyring.Ring) *env {
	e := newEnv(t, func(o *Options) {
		o.Store = st
		if ring != nil {
			o.KeyRing = ring
		}
		o.AllowSSECOverHTTP = true
	})
	if resp, body := e.signed(t, http.MethodPut, "/bucket", nil, nil); resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusConflict {
		t.Fatalf("create bucket: %d %s", resp.StatusCode, body)
	}
	return e
}

// TestSSEManagedObject: SSE-S3 and SSE-KMS on PUT, GET, HEAD, copy and
// multipart, with the headers and ETags S3 gives, and the record never
// holding the data key in the clear.
func TestSSEManagedObject(t *testing.T) {
	st := memstore.New()
	ring := testRing(t, "k1", "k1", "k2")
	e := managedEnv(t, st, ring)
	data := bytes.Repeat([]byte("managed plain "), 700)
	dsum := md5.Sum(data)

	// SSE-S3: the ETag is the MD5 of the plain bytes, as in S3.
	resp, body := e.signed(t, http.MethodPut, "/bucket/s3", data, map[string]string{hdrSSE: "AES256"})
	wantStatus(t, resp, body, http.StatusOK)
	if resp.Header.Get(hdrSSE) != "AES256" || resp.Header.Get("ETag") != `"`+hex.EncodeToString(dsum[:])+`"` {
		t.Errorf("SSE-S3 PUT headers: %v", resp.Header)
	}
	// SSE-KMS with a named key (as an ARN): the ETag is no MD5 of the bytes.
	resp, body = e.signed(t, http.MethodPut, "/bucket/kms", data, map[string]string{
		hdrSSE: "aws:kms", hdrSSEKMSKeyID: "arn:aws:kms:us-east-1:123456789012:key/k2", hdrSSEBucketKey: "true"})
	wantStatus(t, resp, body, http.StatusOK)
	if resp.Header.Get(hdrSSE) != "aws:kms" || resp.Header.Get(hdrSSEKMSKeyID) != "k2" || resp.Header.Get(hdrSSEBucketKey) != "true" {
		t.Errorf("SSE-KMS PUT headers: %v", resp.Header)
	}
	if strings.Contains(resp.Header.Get("ETag"), hex.EncodeToString(dsum[:])) {
		t.Errorf("SSE-KMS ETag is the MD5 of the bytes")
	}
	for key, want := range map[string][2]string{"s3": {"AES256", ""}, "kms": {"aws:kms", "k2"}} {
		resp, body = e.signed(t, http.MethodGet, "/bucket/"+key, nil, nil)
		wantStatus(t, resp, body, http.StatusOK)
		if !bytes.Equal(body, data) || resp.Header.Get(hdrSSE) != want[0] || resp.Header.Get(hdrSSEKMSKeyID) != want[1] {
			t.Errorf("GET %s: %d bytes, headers %v", key, len(body), resp.Header)
		}
		resp, body = e.signed(t, http.MethodGet, "/bucket/"+key, nil, map[string]string{"Range": "bytes=100-2099"})
		wantStatus(t, resp, body, http.StatusPartialContent)
		if !bytes.Equal(body, data[100:2100]) {
			t.Errorf("ranged GET %s: wrong bytes", key)
		}
		resp, body = e.signed(t, http.MethodHead, "/bucket/"+key, nil, nil)
		wantStatus(t, resp, body, http.StatusOK)
		if resp.Header.Get(hdrSSE) != want[0] {
			t.Errorf("HEAD %s headers: %v", key, resp.Header)
		}
		// A customer key on a managed object is refused.
		resp, body = e.signed(t, http.MethodGet, "/bucket/"+key, nil, ssecHeaders("x-amz-", bytes.Repeat([]byte("k"), 32)))
		wantError(t, resp, body, http.StatusBadRequest, "InvalidRequest")
		// The stored record holds the wrapped data key only.
		obj, err := st.HeadObject(t.Context(), "bucket", key)
		if err != nil {
			t.Fatal(err)
		}
		m, ok, err := store.ParseManagedSSE(obj.SSE)
		if !ok || err != nil || m.KeyID != cmpOr(want[1], "k1") {
			t.Fatalf("record of %s: %q %v", key, obj.SSE, err)
		}
	}

	// Copy: a managed source is read without any header; the copy gets a
	// data key of its own, or none.
	resp, body = e.signed(t, http.MethodPut, "/bucket/copy-plain", nil, map[string]string{"X-Amz-Copy-Source": "/bucket/kms"})
	wantStatus(t, resp, body, http.StatusOK)
	if resp.Header.Get(hdrSSE) != "" {
		t.Errorf("plain copy of a managed object: %v", resp.Header)
	}
	resp, body = e.signed(t, http.MethodPut, "/bucket/copy-s3", nil, map[string]string{"X-Amz-Copy-Source": "/bucket/kms", hdrSSE: "AES256"})
	wantStatus(t, resp, body, http.StatusOK)
	if resp.Header.Get(hdrSSE) != "AES256" {
		t.Errorf("SSE-S3 copy headers: %v", resp.Header)
	}
	// In place, changing the encryption only: allowed, as in S3.
	resp, body = e.signed(t, http.MethodPut, "/bucket/s3", nil, map[string]string{"X-Amz-Copy-Source": "/bucket/s3", hdrSSE: "aws:kms"})
	wantStatus(t, resp, body, http.StatusOK)
	for _, key := range []string{"copy-plain", "copy-s3", "s3"} {
		resp, body = e.signed(t, http.MethodGet, "/bucket/"+key, nil, nil)
		wantStatus(t, resp, body, http.StatusOK)
		if !bytes.Equal(body, data) {
			t.Errorf("GET %s after copy: wrong bytes", key)
		}
	}

	// Multipart: the upload's key holds for every part, given once.
	id := e.createUpload(t, "bucket", "mp", map[string]string{hdrSSE: "aws:kms"})
	part1 := bytes.Repeat([]byte("1"), 5<<20)
	resp, body = e.signed(t, http.MethodPut, partPath("bucket", "mp", id, 1), part1, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if resp.Header.Get(hdrSSE) != "aws:kms" {
		t.Errorf("UploadPart headers: %v", resp.Header)
	}
	etag1 := resp.Header.Get("ETag")
	resp, body = e.signed(t, http.MethodPut, partPath("bucket", "mp", id, 2), []byte("tail"), map[string]string{hdrSSE: "aws:kms"})
	wantError(t, resp, body, http.StatusBadRequest, "InvalidArgument")
	resp, body = e.signed(t, http.MethodPut, partPath("bucket", "mp", id, 2), []byte("tail"), ssecHeaders("x-amz-", bytes.Repeat([]byte("k"), 32)))
	wantError(t, resp, body, http.StatusBadRequest, "InvalidRequest")
	resp, body = e.signed(t, http.MethodPut, partPath("bucket", "mp", id, 2), []byte("tail"), nil)
	wantStatus(t, resp, body, http.StatusOK)
	etag2 := resp.Header.Get("ETag")
	resp, body = e.signed(t, http.MethodPost, "/bucket/mp?uploadId="+id, completeBody([]string{etag1, etag2}), nil)
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodGet, "/bucket/mp", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if !bytes.Equal(body, append(bytes.Clone(part1), "tail"...)) || resp.Header.Get(hdrSSE) != "aws:kms" {
		t.Errorf("GET completed upload: %d bytes, %v", len(body), resp.Header)
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TestSSEManagedRefused: every malformed or impossible request is an
// error as S3 gives it, and nothing is stored.
func TestSSEManagedRefused(t *testing.T) {
	e := managedEnv(t, memstore.New(), testRing(t, "k1", "k1"))
	for _, c := range []struct {
		name   string
		hdr    map[string]string
		status int
		code   string
	}{
		{"unknown method", map[string]string{hdrSSE: "AES128"}, 400, "InvalidArgument"},
		{"dsse", map[string]string{hdrSSE: "aws:kms:dsse"}, 501, "NotImplemented"},
		{"key id without kms", map[string]string{hdrSSEKMSKeyID: "k1"}, 400, "InvalidArgument"},
		{"key id with AES256", map[string]string{hdrSSE: "AES256", hdrSSEKMSKeyID: "k1"}, 400, "InvalidArgument"},
		{"unknown key id", map[string]string{hdrSSE: "aws:kms", hdrSSEKMSKeyID: "nope"}, 400, "KMS.NotFoundException"},
		{"bad ARN", map[string]string{hdrSSE: "aws:kms", hdrSSEKMSKeyID: "arn:aws:kms"}, 400, "KMS.NotFoundException"},
		{"with SSE-C", merge(map[string]string{hdrSSE: "AES256"}, ssecHeaders("x-amz-", bytes.Repeat([]byte("k"), 32))), 400, "InvalidArgument"},
		{"bucket key without kms", map[string]string{hdrSSEBucketKey: "true"}, 400, "InvalidArgument"},
		{"bucket key not a boolean", map[string]string{hdrSSE: "aws:kms", hdrSSEBucketKey: "yes"}, 400, "InvalidArgument"},
		{"context", map[string]string{hdrSSE: "aws:kms", "X-Amz-Server-Side-Encryption-Context": "e30="}, 501, "NotImplemented"},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := e.signed(t, http.MethodPut, "/bucket/refused", []byte("data"), c.hdr)
			wantError(t, resp, body, c.status, c.code)
			resp, body = e.signed(t, http.MethodHead, "/bucket/refused", nil, nil)
			wantStatus(t, resp, body, http.StatusNotFound)
		})
	}
	// Without a key ring, managed encryption is not configured: 501, and
	// no bucket default can be set.
	plain := managedEnv(t, memstore.New(), nil)
	resp, body := plain.signed(t, http.MethodPut, "/bucket/x", []byte("data"), map[string]string{hdrSSE: "AES256"})
	wantError(t, resp, body, http.StatusNotImplemented, "NotImplemented")
	resp, body = plain.signed(t, http.MethodPut, "/bucket?encryption", []byte(encryptionXML("AES256", "", false)), nil)
	wantError(t, resp, body, http.StatusNotImplemented, "NotImplemented")
}

func encryptionXML(alg, kid string, bucketKey bool) string {
	s := `<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>` + alg + `</SSEAlgorithm>`
	if kid != "" {
		s += `<KMSMasterKeyID>` + kid + `</KMSMasterKeyID>`
	}
	s += `</ApplyServerSideEncryptionByDefault>`
	if bucketKey {
		s += `<BucketKeyEnabled>true</BucketKeyEnabled>`
	}
	return s + `</Rule></ServerSideEncryptionConfiguration>`
}

// TestBucketEncryption: Put/Get/DeleteBucketEncryption, and the default
// applying to every write that asks for no encryption of its own.
func TestBucketEncryption(t *testing.T) {
	e := managedEnv(t, memstore.New(), testRing(t, "k1", "k1", "k2"))
	resp, body := e.signed(t, http.MethodGet, "/bucket?encryption", nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "ServerSideEncryptionConfigurationNotFoundError")

	for _, c := range []struct {
		name, doc string
		status    int
		code      string
	}{
		{"bad algorithm", encryptionXML("AES128", "", false), 400, "MalformedXML"},
		{"dsse", encryptionXML("aws:kms:dsse", "", false), 501, "NotImplemented"},
		{"key id with AES256", encryptionXML("AES256", "k1", false), 400, "InvalidArgument"},
		{"unknown key", encryptionXML("aws:kms", "nope", false), 400, "KMS.NotFoundException"},
		{"two rules", strings.Replace(encryptionXML("AES256", "", false), "</Rule>", "</Rule><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule>", 1), 400, "MalformedXML"},
		{"unknown element", strings.Replace(encryptionXML("AES256", "", false), "<Rule>", "<Rule><Blah/>", 1), 400, "MalformedXML"},
		{"empty", "", 400, "MalformedXML"},
	} {
		resp, body := e.signed(t, http.MethodPut, "/bucket?encryption", []byte(c.doc), nil)
		if resp.StatusCode != c.status {
			t.Errorf("%s: %d %s", c.name, resp.StatusCode, body)
			continue
		}
		wantError(t, resp, body, c.status, c.code)
	}

	resp, body = e.signed(t, http.MethodPut, "/bucket?encryption", []byte(encryptionXML("aws:kms", "k2", true)), nil)
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = e.signed(t, http.MethodGet, "/bucket?encryption", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	for _, want := range []string{"<SSEAlgorithm>aws:kms</SSEAlgorithm>", "<KMSMasterKeyID>k2</KMSMasterKeyID>", "<BucketKeyEnabled>true</BucketKeyEnabled>"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("GetBucketEncryption lacks %s: %s", want, body)
		}
	}
	// The default applies to PUT, POST-less writes, copies and uploads.
	resp, body = e.signed(t, http.MethodPut, "/bucket/dflt", []byte("data"), nil)
	wantStatus(t, resp, body, http.StatusOK)
	if resp.Header.Get(hdrSSE) != "aws:kms" || resp.Header.Get(hdrSSEKMSKeyID) != "k2" {
		t.Errorf("PUT under the default: %v", resp.Header)
	}
	resp, body = e.signed(t, http.MethodPost, "/bucket/dflt-mp?uploads", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if resp.Header.Get(hdrSSE) != "aws:kms" {
		t.Errorf("CreateMultipartUpload under the default: %v", resp.Header)
	}
	// A request's own encryption wins over the default, SSE-C included.
	resp, body = e.signed(t, http.MethodPut, "/bucket/own", []byte("data"), map[string]string{hdrSSE: "AES256"})
	wantStatus(t, resp, body, http.StatusOK)
	if resp.Header.Get(hdrSSE) != "AES256" {
		t.Errorf("PUT with its own SSE-S3: %v", resp.Header)
	}
	resp, body = e.signed(t, http.MethodPut, "/bucket/ssec", []byte("data"), ssecHeaders("x-amz-", bytes.Repeat([]byte("k"), 32)))
	wantStatus(t, resp, body, http.StatusOK)
	if resp.Header.Get(hdrSSE) != "" || resp.Header.Get(hdrSSECAlgorithm) != "AES256" {
		t.Errorf("SSE-C PUT under a default: %v", resp.Header)
	}

	resp, body = e.signed(t, http.MethodDelete, "/bucket?encryption", nil, nil)
	wantStatus(t, resp, body, http.StatusNoContent)
	resp, body = e.signed(t, http.MethodGet, "/bucket?encryption", nil, nil)
	wantError(t, resp, body, http.StatusNotFound, "ServerSideEncryptionConfigurationNotFoundError")
	resp, body = e.signed(t, http.MethodPut, "/bucket/after", []byte("data"), nil)
	wantStatus(t, resp, body, http.StatusOK)
	if resp.Header.Get(hdrSSE) != "" {
		t.Errorf("PUT after DeleteBucketEncryption: %v", resp.Header)
	}
	// What was written under the default stays readable.
	resp, body = e.signed(t, http.MethodGet, "/bucket/dflt", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if string(body) != "data" {
		t.Errorf("GET dflt: %q", body)
	}
}

// TestSSEManagedRotation: objects written under an older master key stay
// readable once a new default is in the ring; a ring without their key
// cannot read them (500) and says which key is missing only in the log.
func TestSSEManagedRotation(t *testing.T) {
	st := memstore.New()
	sec1, _ := keyring.NewSecret()
	sec2, _ := keyring.NewSecret()
	old, err := keyring.New(keyring.File{Keys: []keyring.FileKey{{ID: "2026-11", Secret: sec1}}})
	if err != nil {
		t.Fatal(err)
	}
	e := managedEnv(t, st, old)
	resp, body := e.signed(t, http.MethodPut, "/bucket/old", []byte("old data"), map[string]string{hdrSSE: "AES256"})
	wantStatus(t, resp, body, http.StatusOK)

	rotated, err := keyring.New(keyring.File{Default: "2026-12", Keys: []keyring.FileKey{{ID: "2026-11", Secret: sec1}, {ID: "2026-12", Secret: sec2}}})
	if err != nil {
		t.Fatal(err)
	}
	e2 := managedEnv(t, st, rotated)
	resp, body = e2.signed(t, http.MethodGet, "/bucket/old", nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if string(body) != "old data" {
		t.Fatalf("old object after rotation: %q", body)
	}
	resp, body = e2.signed(t, http.MethodPut, "/bucket/new", []byte("new data"), map[string]string{hdrSSE: "aws:kms"})
	wantStatus(t, resp, body, http.StatusOK)
	if resp.Header.Get(hdrSSEKMSKeyID) != "2026-12" {
		t.Errorf("new object's key: %v", resp.Header)
	}

	// A ring that lost the old key fails the read, and never serves bytes.
	lost, _ := keyring.New(keyring.File{Keys: []keyring.FileKey{{ID: "2026-12", Secret: sec2}}})
	e3 := managedEnv(t, st, lost)
	resp, body = e3.signed(t, http.MethodGet, "/bucket/old", nil, nil)
	wantError(t, resp, body, http.StatusInternalServerError, "InternalError")
	if !strings.Contains(e3.logs.String(), "2026-11") {
		t.Errorf("log does not name the missing key: %s", e3.logs.String())
	}
	for _, l := range []*env{e, e2, e3} {
		for _, s := range []string{sec1, sec2} {
			if strings.Contains(l.logs.String(), s) {
				t.Fatal("a master key secret is in the log")
			}
		}
	}
}
