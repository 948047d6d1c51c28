package frontend

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
)

// Fuzz targets for the XML request bodies: each sends the fuzzed body to
// its operation through the handler (checkFuzzAnswer: never a 5xx, every
// refusal an S3 error document) and, when the body is taken, reads back
// what it set. The seeds are documents S3 takes and ones it refuses,
// plus the hostile classics: entities, a DOCTYPE, invalid UTF-8, another
// namespace, an oversized body.

// hostileXML are bodies every XML operation must refuse cleanly.
func hostileXML(root string) []string {
	return []string{
		"",
		"   \n\t",
		"not xml at all",
		"<" + root,
		"<" + root + "><broken",
		`<!DOCTYPE a [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><` + root + `>&lol2;</` + root + `>`,
		`<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><` + root + `>&x;</` + root + `>`,
		"<" + root + ">\xff\xfe</" + root + ">",
		`<` + root + ` xmlns="http://example.com/other"></` + root + `>`,
		"<" + root + ">" + strings.Repeat("<a>", 10000) + "</" + root + ">",
		"<" + root + "/><" + root + "/>",
		"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><" + root + "/>",
		"<SomethingElse/>",
	}
}

// FuzzCompleteMultipartUpload completes an upload of one part with the
// fuzzed body. Taken: the object reads back as the part.
func FuzzCompleteMultipartUpload(f *testing.F) {
	part := `<Part><PartNumber>1</PartNumber><ETag>"%s"</ETag></Part>`
	for _, s := range []string{
		`<CompleteMultipartUpload>` + part + `</CompleteMultipartUpload>`,
		`<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` + part + `</CompleteMultipartUpload>`,
		`<CompleteMultipartUpload><Part><PartNumber> 1 </PartNumber><ETag>%s</ETag><ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part></CompleteMultipartUpload>`,
		`<CompleteMultipartUpload>` + part + part + `</CompleteMultipartUpload>`,
		`<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>"%s"</ETag></Part>` + part + `</CompleteMultipartUpload>`,
		`<CompleteMultipartUpload><Part><PartNumber>0</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>`,
		`<CompleteMultipartUpload><Part><PartNumber>99999999999999999999</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>`,
		`<CompleteMultipartUpload><Part><PartNumber>-1</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>`,
		`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>`,
		`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"wrong"</ETag></Part></CompleteMultipartUpload>`,
		`<CompleteMultipartUpload></CompleteMultipartUpload>`,
	} {
		f.Add([]byte(s))
	}
	for _, s := range hostileXML("CompleteMultipartUpload") {
		f.Add([]byte(s))
	}
	f.Add(bytes.Repeat([]byte(`<Part><PartNumber>1</PartNumber><ETag>x</ETag></Part>`), maxCompleteBody/40))
	data := []byte("the only part")
	f.Fuzz(func(t *testing.T, body []byte) {
		h := aclFuzzServer(t)
		id, etag := fuzzUpload(t, h, data)
		body = bytes.ReplaceAll(body, []byte("%s"), []byte(etag))
		rec := serveSigned(h, http.MethodPost, "/bucket/k?uploadId="+id, body)
		checkFuzzAnswer(t, http.MethodPost, rec, body)
		if rec.Code != http.StatusOK {
			return
		}
		if code := errorCode(rec); code != "" || bytes.Contains(rec.Body.Bytes(), []byte("<Error>")) {
			t.Fatalf("200 with an error %q for %q:\n%s", code, body, rec.Body)
		}
		got := serveSigned(h, http.MethodGet, "/bucket/k", nil)
		if got.Code != http.StatusOK || !bytes.Equal(got.Body.Bytes(), data) {
			t.Fatalf("GET after a completion taken: %d %q\nbody %q", got.Code, got.Body, body)
		}
	})
}

// fuzzUpload starts an upload of bucket/k with one part of data and
// returns its id and the part's ETag.
func fuzzUpload(t *testing.T, h http.Handler, data []byte) (id, etag string) {
	t.Helper()
	rec := serveSigned(h, http.MethodPost, "/bucket/k?uploads", nil)
	var res struct{ UploadId string }
	if err := xml.Unmarshal(rec.Body.Bytes(), &res); rec.Code != http.StatusOK || err != nil || res.UploadId == "" {
		t.Fatalf("CreateMultipartUpload: %d %s", rec.Code, rec.Body)
	}
	rec = serveSignedBody(h, http.MethodPut, "/bucket/k?partNumber=1&uploadId="+res.UploadId, data)
	if rec.Code != http.StatusOK {
		t.Fatalf("UploadPart: %d %s", rec.Code, rec.Body)
	}
	return res.UploadId, strings.Trim(rec.Header().Get("ETag"), `"`)
}

// FuzzDeleteObjects deletes the keys the fuzzed body names from a bucket
// holding a and b. Taken: a DeleteResult document, and a key reported
// deleted is gone.
func FuzzDeleteObjects(f *testing.F) {
	for _, s := range []string{
		`<Delete><Object><Key>a</Key></Object></Delete>`,
		`<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet><Object><Key>a</Key></Object><Object><Key>b</Key></Object></Delete>`,
		`<Delete><Object><Key>missing</Key></Object><Object><Key></Key></Object></Delete>`,
		`<Delete><Object><Key>a</Key><VersionId>v1</VersionId></Object></Delete>`,
		`<Delete><Quiet>maybe</Quiet><Object><Key>a</Key></Object></Delete>`,
		`<Delete><Object><Key>` + strings.Repeat("k", 1100) + `</Key></Object></Delete>`,
		`<Delete><Object><Key>&#xD800;</Key></Object></Delete>`,
		`<Delete></Delete>`,
		`<Delete>` + strings.Repeat(`<Object><Key>x</Key></Object>`, maxDeleteKeys+1) + `</Delete>`,
	} {
		f.Add([]byte(s))
	}
	for _, s := range hostileXML("Delete") {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		h := aclFuzzServer(t)
		putFuzzObject(t, h, "a", []byte("A"))
		putFuzzObject(t, h, "b", []byte("B"))
		rec := serveSigned(h, http.MethodPost, "/bucket?delete", body)
		checkFuzzAnswer(t, http.MethodPost, rec, body)
		if rec.Code != http.StatusOK {
			return
		}
		var res struct {
			XMLName xml.Name `xml:"DeleteResult"`
			Deleted []struct{ Key string }
			Error   []struct{ Key, Code string }
		}
		if err := xml.Unmarshal(rec.Body.Bytes(), &res); err != nil {
			t.Fatalf("DeleteResult: %v\n%s", err, rec.Body)
		}
		for _, e := range res.Error {
			if e.Code == "" || e.Code == "InternalError" {
				t.Fatalf("key %q: error %q for %q", e.Key, e.Code, body)
			}
		}
		for _, d := range res.Deleted {
			if d.Key == "a" || d.Key == "b" {
				if got := serveSigned(h, http.MethodHead, "/bucket/"+d.Key, nil); got.Code != http.StatusNotFound {
					t.Fatalf("%s reported deleted, HEAD %d", d.Key, got.Code)
				}
			}
		}
	})
}

// FuzzCreateBucketConfiguration creates a bucket with the fuzzed
// CreateBucketConfiguration. Taken: GetBucketLocation answers.
func FuzzCreateBucketConfiguration(f *testing.F) {
	for _, s := range []string{
		`<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>`,
		`<CreateBucketConfiguration><LocationConstraint></LocationConstraint></CreateBucketConfiguration>`,
		`<CreateBucketConfiguration><LocationConstraint>eu-west-3</LocationConstraint></CreateBucketConfiguration>`,
		`<CreateBucketConfiguration><LocationConstraint>EU</LocationConstraint></CreateBucketConfiguration>`,
		`<CreateBucketConfiguration><LocationConstraint>moon-base-1</LocationConstraint></CreateBucketConfiguration>`,
		`<CreateBucketConfiguration><LocationConstraint>` + strings.Repeat("x", 5000) + `</LocationConstraint></CreateBucketConfiguration>`,
		`<CreateBucketConfiguration><Bucket><Type>Directory</Type></Bucket></CreateBucketConfiguration>`,
	} {
		f.Add([]byte(s))
	}
	for _, s := range hostileXML("CreateBucketConfiguration") {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		h := aclFuzzServer(t)
		rec := serveSigned(h, http.MethodPut, "/new-bucket", body)
		checkFuzzAnswer(t, http.MethodPut, rec, body)
		if rec.Code != http.StatusOK {
			return
		}
		if got := serveSigned(h, http.MethodGet, "/new-bucket?location", nil); got.Code != http.StatusOK {
			t.Fatalf("GetBucketLocation after a creation taken: %d %s\nbody %q", got.Code, got.Body, body)
		}
	})
}

// FuzzPutBucketOwnershipControls sets the fuzzed OwnershipControls.
// Taken: GET reads back one of S3's three values.
func FuzzPutBucketOwnershipControls(f *testing.F) {
	for _, v := range []string{ownershipWriter, ownershipPreferred, ownershipEnforced, "objectwriter", "", "Nobody"} {
		f.Add([]byte(`<OwnershipControls xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ObjectOwnership>` + v + `</ObjectOwnership></Rule></OwnershipControls>`))
	}
	f.Add([]byte(`<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>`))
	f.Add([]byte(`<OwnershipControls></OwnershipControls>`))
	for _, s := range hostileXML("OwnershipControls") {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		h := aclFuzzServer(t)
		rec := serveSigned(h, http.MethodPut, "/bucket?ownershipControls", body)
		checkFuzzAnswer(t, http.MethodPut, rec, body)
		if rec.Code != http.StatusOK {
			return
		}
		got := serveSigned(h, http.MethodGet, "/bucket?ownershipControls", nil)
		var doc struct {
			Rule []struct{ ObjectOwnership string }
		}
		if err := xml.Unmarshal(got.Body.Bytes(), &doc); got.Code != http.StatusOK || err != nil ||
			len(doc.Rule) != 1 || !validOwnership(doc.Rule[0].ObjectOwnership) {
			t.Fatalf("GET ?ownershipControls after a PUT taken: %d %s\nbody %q", got.Code, got.Body, body)
		}
	})
}

// FuzzPutTagging sets the fuzzed Tagging on an object or on the bucket.
// Taken: GET ?tagging reads back at most the limit of tags.
func FuzzPutTagging(f *testing.F) {
	tag := func(k, v string) string { return `<Tag><Key>` + k + `</Key><Value>` + v + `</Value></Tag>` }
	for _, s := range []string{
		`<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>` + tag("a", "1") + tag("b", "") + `</TagSet></Tagging>`,
		`<Tagging><TagSet></TagSet></Tagging>`,
		`<Tagging><TagSet>` + tag("a", "1") + tag("a", "2") + `</TagSet></Tagging>`,
		`<Tagging><TagSet>` + tag("aws:x", "1") + `</TagSet></Tagging>`,
		`<Tagging><TagSet>` + tag(strings.Repeat("k", 129), "1") + `</TagSet></Tagging>`,
		`<Tagging><TagSet>` + tag("k", strings.Repeat("v", 257)) + `</TagSet></Tagging>`,
		`<Tagging><TagSet>` + strings.Repeat(tag("k", "v"), 11) + `</TagSet></Tagging>`,
		`<Tagging><TagSet>` + tag("", "v") + `</TagSet></Tagging>`,
		`<Tagging><TagSet>` + tag("&#xFFFF;", "&#x1;") + `</TagSet></Tagging>`,
		`<Tagging></Tagging>`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	for _, s := range hostileXML("Tagging") {
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, object bool) {
		h := aclFuzzServer(t)
		path, limit := "/bucket?tagging", maxBucketTags
		if object {
			putFuzzObject(t, h, "k", []byte("v"))
			path, limit = "/bucket/k?tagging", maxObjectTags
		}
		rec := serveSigned(h, http.MethodPut, path, body)
		checkFuzzAnswer(t, http.MethodPut, rec, body, object)
		if rec.Code >= 300 {
			return
		}
		got := serveSigned(h, http.MethodGet, path, nil)
		var doc struct {
			Tag []struct{ Key, Value string } `xml:"TagSet>Tag"`
		}
		if got.Code == http.StatusNotFound && errorCode(got) == "NoSuchTagSet" {
			return // an empty set on a bucket: none
		}
		if err := xml.Unmarshal(got.Body.Bytes(), &doc); got.Code != http.StatusOK || err != nil || len(doc.Tag) > limit {
			t.Fatalf("GET %s after a PUT taken: %d %s\nbody %q", path, got.Code, got.Body, body)
		}
	})
}

// FuzzPutPublicAccessBlock sets the fuzzed PublicAccessBlockConfiguration.
// Taken: GET reads back the four flags.
func FuzzPutPublicAccessBlock(f *testing.F) {
	for _, s := range []string{
		`<PublicAccessBlockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>false</IgnorePublicAcls><BlockPublicPolicy>TRUE</BlockPublicPolicy><RestrictPublicBuckets>1</RestrictPublicBuckets></PublicAccessBlockConfiguration>`,
		`<PublicAccessBlockConfiguration></PublicAccessBlockConfiguration>`,
		`<PublicAccessBlockConfiguration><BlockPublicAcls>yes</BlockPublicAcls></PublicAccessBlockConfiguration>`,
		`<PublicAccessBlockConfiguration><BlockPublicAcls> true </BlockPublicAcls><BlockPublicAcls>false</BlockPublicAcls></PublicAccessBlockConfiguration>`,
	} {
		f.Add([]byte(s))
	}
	for _, s := range hostileXML("PublicAccessBlockConfiguration") {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		h := aclFuzzServer(t)
		rec := serveSigned(h, http.MethodPut, "/bucket?publicAccessBlock", body)
		checkFuzzAnswer(t, http.MethodPut, rec, body)
		if rec.Code != http.StatusOK {
			return
		}
		got := serveSigned(h, http.MethodGet, "/bucket?publicAccessBlock", nil)
		var doc publicAccessBlockIn
		if err := xml.Unmarshal(got.Body.Bytes(), &doc); got.Code != http.StatusOK || err != nil ||
			doc.BlockPublicAcls == nil || doc.RestrictPublicBuckets == nil {
			t.Fatalf("GET ?publicAccessBlock after a PUT taken: %d %s\nbody %q", got.Code, got.Body, body)
		}
		// Whatever it says, the bucket stays usable by its owner.
		if got := serveSignedBody(h, http.MethodPut, "/bucket/after", []byte("x")); got.Code != http.StatusOK {
			t.Fatalf("PUT under public access block %q: %d %s", body, got.Code, got.Body)
		}
	})
}
