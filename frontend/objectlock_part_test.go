package frontend

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/checksum"
)

// lockedPart uploads part n of upload id with its Content-MD5, as a part
// of an object that will be locked must carry, and returns its ETag.
func (e *env) lockedPart(t *testing.T, bucket, key, id string, n int, data []byte) string {
	t.Helper()
	resp, body := e.signed(t, http.MethodPut, partPath(bucket, key, id, n), data, map[string]string{"Content-MD5": md5Of(data)})
	wantStatus(t, resp, body, http.StatusOK)
	return resp.Header.Get("ETag")
}

// TestObjectLockPartChecksum: a part of an upload that will give its
// object a lock (lock headers at creation, or the bucket's default
// retention) must carry Content-MD5 or an additional checksum, as S3
// wants (400 InvalidRequest, and nothing stored); other parts need none.
func TestObjectLockPartChecksum(t *testing.T) {
	e := newEnv(t)
	e.mustCreateLocked(t, "locked")
	e.mustCreate(t, "plain")
	e.mustCreateLocked(t, "dflt")
	resp, body := e.signed(t, http.MethodPut, "/dflt?object-lock", lockConfigXML(defaultRule("GOVERNANCE", "<Days>1</Days>")), nil)
	wantStatus(t, resp, body, http.StatusOK)

	data := []byte("a part")
	later := until(time.Hour)
	uploads := map[string]string{
		"locked/headers": e.createUpload(t, "locked", "headers", map[string]string{"X-Amz-Object-Lock-Mode": "GOVERNANCE", "X-Amz-Object-Lock-Retain-Until-Date": later}),
		"locked/hold":    e.createUpload(t, "locked", "hold", map[string]string{"X-Amz-Object-Lock-Legal-Hold": "ON"}),
		"locked/none":    e.createUpload(t, "locked", "none", nil),
		"dflt/none":      e.createUpload(t, "dflt", "none", nil),
		"plain/none":     e.createUpload(t, "plain", "none", nil),
	}
	md5 := map[string]string{"Content-MD5": md5Of(data)}
	crc := map[string]string{"X-Amz-Checksum-Crc32": checksum.Encode(checksum.CRC32.Sum(data))}
	for _, c := range []struct {
		upload string
		hdr    map[string]string
		ok     bool
	}{
		{"locked/headers", nil, false},
		{"locked/headers", md5, true},
		{"locked/headers", crc, true},
		{"locked/hold", nil, false},
		{"locked/hold", md5, true},
		{"locked/none", nil, true},
		{"dflt/none", nil, false},
		{"dflt/none", crc, true},
		{"plain/none", nil, true},
	} {
		bucket, key, _ := strings.Cut(c.upload, "/")
		id := uploads[c.upload]
		resp, body := e.signed(t, http.MethodPut, partPath(bucket, key, id, 2), data, c.hdr)
		if c.ok {
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s with %v: %d %s", c.upload, c.hdr, resp.StatusCode, body)
			}
			continue
		}
		wantError(t, resp, body, http.StatusBadRequest, "InvalidRequest")
		if !strings.Contains(string(body), "Put Part requests with Object Lock parameters") {
			t.Errorf("%s without a checksum: %s", c.upload, body)
		}
	}
	// The refused parts were not stored: part 1 of the upload with lock
	// headers is still unknown.
	resp, body = e.signed(t, http.MethodPut, partPath("locked", "headers", uploads["locked/headers"], 1), data, nil)
	wantError(t, resp, body, http.StatusBadRequest, "InvalidRequest")
	resp, body = e.signed(t, http.MethodGet, objectPath("locked", "headers")+"?uploadId="+uploads["locked/headers"], nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	if strings.Contains(string(body), "<PartNumber>1</PartNumber>") {
		t.Errorf("a refused part is listed: %s", body)
	}
}
