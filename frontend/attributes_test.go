package frontend

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/xml"
	"hash/crc32"
	"net/http"
	"testing"
)

type attributesDoc struct {
	ETag     string
	Checksum struct {
		ChecksumCRC32C string
		ChecksumType   string
	}
	ObjectParts struct {
		IsTruncated          bool
		MaxParts             int
		NextPartNumberMarker int
		PartNumberMarker     int
		PartsCount           int
		Parts                []struct {
			PartNumber     int
			Size           int64
			ChecksumCRC32C string
		} `xml:"Part"`
	}
	StorageClass string
	ObjectSize   int64
}

func TestGetObjectAttributes(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "attrs")
	resp, body := e.signed(t, http.MethodPut, "/attrs/one", []byte("hello"), map[string]string{"X-Amz-Checksum-Crc32c": "mnG7TA=="})
	wantStatus(t, resp, body, http.StatusOK)
	get := func(path string, hdr map[string]string) attributesDoc {
		t.Helper()
		resp, body := e.signed(t, http.MethodGet, path+"?attributes", nil, hdr)
		wantStatus(t, resp, body, http.StatusOK)
		var doc attributesDoc
		if err := xml.Unmarshal(body, &doc); err != nil {
			t.Fatalf("%v\n%s", err, body)
		}
		return doc
	}
	doc := get("/attrs/one", map[string]string{"X-Amz-Object-Attributes": "ETag,Checksum,StorageClass,ObjectSize,ObjectParts"})
	if doc.ETag != "5d41402abc4b2a76b9719d911017c592" || doc.ObjectSize != 5 || doc.StorageClass != "STANDARD" ||
		doc.Checksum.ChecksumCRC32C != "mnG7TA==" || doc.ObjectParts.PartsCount != 0 {
		t.Errorf("attributes of a single PUT: %+v", doc)
	}
	doc = get("/attrs/one", map[string]string{"X-Amz-Object-Attributes": "ObjectSize"})
	if doc.ETag != "" || doc.ObjectSize != 5 {
		t.Errorf("only ObjectSize asked: %+v", doc)
	}

	// A multipart object of three parts with a COMPOSITE CRC32C, paged
	// two at a time, each part with its checksum.
	resp, body = e.signed(t, http.MethodPost, "/attrs/mp?uploads", nil, map[string]string{"X-Amz-Checksum-Algorithm": "CRC32C"})
	wantStatus(t, resp, body, http.StatusOK)
	var init struct{ UploadId string }
	if err := xml.Unmarshal(body, &init); err != nil {
		t.Fatal(err)
	}
	sizes := []int{5 << 20, 5 << 20, 7}
	var (
		complete bytes.Buffer
		partSums []string
	)
	complete.WriteString("<CompleteMultipartUpload>")
	for i, n := range sizes {
		num := string(rune('1' + i))
		data := bytes.Repeat([]byte{'a' + byte(i)}, n)
		sum := crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli))
		partSums = append(partSums, base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, sum)))
		resp, body := e.signed(t, http.MethodPut, "/attrs/mp?partNumber="+num+"&uploadId="+init.UploadId, data,
			map[string]string{"X-Amz-Checksum-Crc32c": partSums[i]})
		wantStatus(t, resp, body, http.StatusOK)
		complete.WriteString("<Part><PartNumber>" + num + "</PartNumber><ETag>" + resp.Header.Get("ETag") + "</ETag><ChecksumCRC32C>" + partSums[i] + "</ChecksumCRC32C></Part>")
	}
	complete.WriteString("</CompleteMultipartUpload>")
	resp, body = e.signed(t, http.MethodPost, "/attrs/mp?uploadId="+init.UploadId, complete.Bytes(), nil)
	wantStatus(t, resp, body, http.StatusOK)
	doc = get("/attrs/mp", map[string]string{"X-Amz-Object-Attributes": "ObjectParts", "X-Amz-Max-Parts": "2"})
	p := doc.ObjectParts
	if p.PartsCount != 3 || !p.IsTruncated || p.NextPartNumberMarker != 2 || len(p.Parts) != 2 || p.Parts[1].Size != 5<<20 ||
		p.Parts[0].ChecksumCRC32C != partSums[0] || p.Parts[1].ChecksumCRC32C != partSums[1] {
		t.Errorf("first page of parts: %+v (part checksums %v)", p, partSums)
	}
	doc = get("/attrs/mp", map[string]string{"X-Amz-Object-Attributes": "ObjectParts", "X-Amz-Max-Parts": "2", "X-Amz-Part-Number-Marker": "2"})
	p = doc.ObjectParts
	if p.IsTruncated || len(p.Parts) != 1 || p.Parts[0].PartNumber != 3 || p.Parts[0].Size != 7 || p.PartNumberMarker != 2 {
		t.Errorf("second page of parts: %+v", p)
	}

	for _, hdr := range []map[string]string{nil, {"X-Amz-Object-Attributes": "Size"}, {"X-Amz-Object-Attributes": "ETag", "X-Amz-Max-Parts": "-1"}} {
		resp, body := e.signed(t, http.MethodGet, "/attrs/mp?attributes", nil, hdr)
		if hdr != nil && hdr["X-Amz-Max-Parts"] != "" {
			wantStatus(t, resp, body, http.StatusOK) // max-parts only matters with ObjectParts
			continue
		}
		wantError(t, resp, body, http.StatusBadRequest, "InvalidArgument")
	}
	resp, body = e.signed(t, http.MethodGet, "/attrs/missing?attributes", nil, map[string]string{"X-Amz-Object-Attributes": "ETag"})
	wantError(t, resp, body, http.StatusNotFound, "NoSuchKey")
	resp, body = e.asBob(t, http.MethodGet, "/attrs/one?attributes", nil, map[string]string{"X-Amz-Object-Attributes": "ETag"})
	wantError(t, resp, body, http.StatusForbidden, "AccessDenied")
}
