package sigv2

import (
	"errors"
	"testing"
	"time"
)

// The "Authentication examples" of
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html
// (the johnsmith edition, awsdocs/amazon-s3-developer-guide
// doc_source/RESTAuthentication.md): request, string to sign and signature are
// copied from the document. The newer edition renamed the bucket to
// awsexamplebucket1 but kept the johnsmith signatures, so only this one is
// self-consistent. The two illustrative requests at the top of the page
// (frJIUN8D..., vjbyPxyb...) are not reproducible with any bucket name and
// are left out.
var awsExamples = []struct {
	name         string
	raw          string // the request as the document shows it, without Authorization
	vhostBucket  string // bucket taken from the Host header, "" for path-style
	stringToSign string
	signature    string
}{
	{
		name: "object GET",
		raw: `GET /photos/puppy.jpg HTTP/1.1
Host: johnsmith.s3.amazonaws.com
Date: Tue, 27 Mar 2007 19:36:42 +0000
`,
		vhostBucket:  "johnsmith",
		stringToSign: "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg",
		signature:    "bWq2s1WEIj+Ydj0vQ697zp+IXMU=",
	},
	{
		name: "object PUT",
		raw: `PUT /photos/puppy.jpg HTTP/1.1
Content-Type: image/jpeg
Content-Length: 94328
Host: johnsmith.s3.amazonaws.com
Date: Tue, 27 Mar 2007 21:15:45 +0000
`,
		vhostBucket:  "johnsmith",
		stringToSign: "PUT\n\nimage/jpeg\nTue, 27 Mar 2007 21:15:45 +0000\n/johnsmith/photos/puppy.jpg",
		signature:    "MyyxeRY7whkBe+bq8fHCL/2kKUg=",
	},
	{
		name: "list",
		raw: `GET /?prefix=photos&max-keys=50&marker=puppy HTTP/1.1
User-Agent: Mozilla/5.0
Host: johnsmith.s3.amazonaws.com
Date: Tue, 27 Mar 2007 19:42:41 +0000
`,
		vhostBucket:  "johnsmith",
		stringToSign: "GET\n\n\nTue, 27 Mar 2007 19:42:41 +0000\n/johnsmith/",
		signature:    "htDYFYduRNen8P9ZfE/s9SuKy0U=",
	},
	{
		name: "fetch acl",
		raw: `GET /?acl HTTP/1.1
Host: johnsmith.s3.amazonaws.com
Date: Tue, 27 Mar 2007 19:44:46 +0000
`,
		vhostBucket:  "johnsmith",
		stringToSign: "GET\n\n\nTue, 27 Mar 2007 19:44:46 +0000\n/johnsmith/?acl",
		signature:    "c2WLPFtWHVgbEmeEG93a4cG37dM=",
	},
	{
		name: "upload with metadata and repeated headers",
		raw: `PUT /db-backup.dat.gz HTTP/1.1
User-Agent: curl/7.15.5
Host: static.johnsmith.net:8080
Date: Tue, 27 Mar 2007 21:06:08 +0000
x-amz-acl: public-read
content-type: application/x-download
Content-MD5: 4gJE4saaMU4BqNR0kLY+lw==
X-Amz-Meta-ReviewedBy: joe@johnsmith.net
X-Amz-Meta-ReviewedBy: jane@johnsmith.net
X-Amz-Meta-FileChecksum: 0x02661779
X-Amz-Meta-ChecksumAlgorithm: crc32
Content-Disposition: attachment; filename=database.dat
Content-Encoding: gzip
Content-Length: 5913339
`,
		vhostBucket: "static.johnsmith.net",
		stringToSign: "PUT\n4gJE4saaMU4BqNR0kLY+lw==\napplication/x-download\nTue, 27 Mar 2007 21:06:08 +0000\n" +
			"x-amz-acl:public-read\nx-amz-meta-checksumalgorithm:crc32\nx-amz-meta-filechecksum:0x02661779\n" +
			"x-amz-meta-reviewedby:joe@johnsmith.net,jane@johnsmith.net\n/static.johnsmith.net/db-backup.dat.gz",
		signature: "ilyl83RwaSoYIEdixDQcA4OnAnc=",
	},
	{
		name: "list all my buckets",
		raw: `GET / HTTP/1.1
Host: s3.amazonaws.com
Date: Wed, 28 Mar 2007 01:29:59 +0000
`,
		stringToSign: "GET\n\n\nWed, 28 Mar 2007 01:29:59 +0000\n/",
		signature:    "qGdzdERIC03wnaRNKh6OqZehG9s=",
	},
	{
		name: "unicode keys",
		raw: `GET /dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re HTTP/1.1
Host: s3.amazonaws.com
Date: Wed, 28 Mar 2007 01:49:49 +0000
`,
		stringToSign: "GET\n\n\nWed, 28 Mar 2007 01:49:49 +0000\n/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re",
		signature:    "DNEZGsoieTZ92F3bUfSPQcbGmlM=",
	},
}

func TestAWSExamples(t *testing.T) {
	for _, ex := range awsExamples {
		t.Run(ex.name, func(t *testing.T) {
			if got := Sign(exampleSecret, ex.stringToSign); got != ex.signature {
				t.Fatalf("Sign(document's string) = %s, want %s", got, ex.signature)
			}
			r := readRequest(t, ex.raw)
			rp := resourceOf(r, ex.vhostBucket)
			if got := StringToSign(r, rp, ""); got != ex.stringToSign {
				t.Fatalf("StringToSign = %q, want %q", got, ex.stringToSign)
			}
			r.Header.Set("Authorization", "AWS "+exampleAccessKey+":"+ex.signature)
			now := mustTime(t, r.Header.Get("Date")).Add(3 * time.Minute)
			res, err := Verify(r, rp, secrets, now)
			if err != nil {
				t.Fatalf("Verify: %v (computed %q)", err, res.StringToSign)
			}
			if res.AccessKey != exampleAccessKey || res.Presigned || res.StringToSign != ex.stringToSign {
				t.Fatalf("Result = %+v", res)
			}
		})
	}
}

// The document's "Delete" example contradicts its own rule: it puts the
// x-amz-date value on the Date line and leaves x-amz-date out of the amz
// headers, where "Time stamp requirement" says to leave the Date line empty
// (what boto and s3cmd do). StringToSign follows the rule; Verify also
// accepts the example's form (see the package doc).
func TestAWSExampleDelete(t *testing.T) {
	const (
		docString    = "DELETE\n\n\nTue, 27 Mar 2007 21:20:26 +0000\n/johnsmith/photos/puppy.jpg"
		docSignature = "lx3byBScXR6KzyMaifNkardMwNk="
		ruleString   = "DELETE\n\n\n\nx-amz-date:Tue, 27 Mar 2007 21:20:26 +0000\n/johnsmith/photos/puppy.jpg"
	)
	if got := Sign(exampleSecret, docString); got != docSignature {
		t.Fatalf("Sign(document's string) = %s, want %s", got, docSignature)
	}
	raw := `DELETE /johnsmith/photos/puppy.jpg HTTP/1.1
User-Agent: dotnet
Host: s3.amazonaws.com
Date: Tue, 27 Mar 2007 21:20:27 +0000
x-amz-date: Tue, 27 Mar 2007 21:20:26 +0000
`
	r := readRequest(t, raw)
	rp := resourceOf(r, "")
	if got := StringToSign(r, rp, ""); got != ruleString {
		t.Fatalf("StringToSign = %q, want %q", got, ruleString)
	}
	now := mustTime(t, "Tue, 27 Mar 2007 21:25:00 +0000")
	for _, sig := range []string{docSignature, Sign(exampleSecret, ruleString)} {
		r.Header.Set("Authorization", "AWS "+exampleAccessKey+":"+sig)
		res, err := Verify(r, rp, secrets, now)
		if err != nil {
			t.Fatalf("Verify with %s: %v", sig, err)
		}
		if !res.Date.Equal(mustTime(t, "Tue, 27 Mar 2007 21:20:26 +0000")) {
			t.Fatalf("request time %v, want the x-amz-date", res.Date)
		}
	}
}

// The document's query-string example: GET /photos/puppy.jpg pre-signed until
// 1175139620 (Thu, 29 Mar 2007 03:40:20 GMT).
func TestAWSExampleQueryString(t *testing.T) {
	const (
		stringToSign = "GET\n\n\n1175139620\n/johnsmith/photos/puppy.jpg"
		signature    = "NpgCjnDzrM+WFzoENXmpNDUsSn8="
	)
	if got := Sign(exampleSecret, stringToSign); got != signature {
		t.Fatalf("Sign = %s, want %s", got, signature)
	}
	raw := `GET /photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620 HTTP/1.1
Host: johnsmith.s3.amazonaws.com
`
	r := readRequest(t, raw)
	rp := resourceOf(r, "johnsmith")
	if !IsV2(r) {
		t.Fatal("IsV2 = false for a pre-signed URL")
	}
	if got := StringToSign(r, rp, "1175139620"); got != stringToSign {
		t.Fatalf("StringToSign = %q, want %q", got, stringToSign)
	}
	expires := time.Unix(1175139620, 0)
	res, err := Verify(r, rp, secrets, expires.Add(-time.Hour))
	if err != nil {
		t.Fatalf("Verify before expiry: %v", err)
	}
	if !res.Presigned || !res.Expires.Equal(expires) || res.StringToSign != stringToSign || res.AccessKey != exampleAccessKey {
		t.Fatalf("Result = %+v", res)
	}
	if _, err := Verify(r, rp, secrets, expires); err != nil {
		t.Fatalf("Verify at the Expires second: %v", err)
	}
	if _, err := Verify(r, rp, secrets, expires.Add(time.Second)); !errors.Is(err, ErrExpired) {
		t.Fatalf("Verify after expiry: %v, want ErrExpired", err)
	}
}
