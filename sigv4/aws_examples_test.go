package sigv4

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The examples of the AWS S3 API reference, request time 20130524T000000Z,
// us-east-1, the example credentials:
//   - sig-v4-header-based-auth.html (GET Object, PUT Object, GET Bucket
//     Lifecycle, GET Bucket (List Objects));
//   - sigv4-query-string-auth.html (the pre-signed GET of test.txt);
//   - sigv4-streaming.html and sigv4-streaming-trailers.html (the seed
//     signatures of the chunked PUTs; the chunks are in TestAWSChunkedExamples).
var awsHeaderExamples = []struct {
	name, head, body string
	stringToSign     string // optional: the hash line of the documented string to sign
}{
	{
		name: "GET object",
		head: `GET /test.txt HTTP/1.1
Host: examplebucket.s3.amazonaws.com
Range: bytes=0-9
x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
x-amz-date: 20130524T000000Z
Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41`,
		stringToSign: "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972",
	},
	{
		name: "PUT object, '$' sent literally",
		head: `PUT /test$file.text HTTP/1.1
Host: examplebucket.s3.amazonaws.com
Date: Fri, 24 May 2013 00:00:00 GMT
x-amz-date: 20130524T000000Z
x-amz-storage-class: REDUCED_REDUNDANCY
x-amz-content-sha256: 44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072
Content-Length: 21
Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd`,
		body:         "Welcome to Amazon S3.",
		stringToSign: "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d",
	},
	{
		name: "PUT object, '$' escaped",
		head: `PUT /test%24file.text HTTP/1.1
Host: examplebucket.s3.amazonaws.com
Date: Fri, 24 May 2013 00:00:00 GMT
x-amz-date: 20130524T000000Z
x-amz-storage-class: REDUCED_REDUNDANCY
x-amz-content-sha256: 44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072
Content-Length: 21
Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd`,
		body: "Welcome to Amazon S3.",
	},
	{
		name: "GET bucket lifecycle",
		head: `GET /?lifecycle HTTP/1.1
Host: examplebucket.s3.amazonaws.com
x-amz-date: 20130524T000000Z
x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543`,
	},
	{
		name: "GET bucket (list objects)",
		head: `GET /?max-keys=2&prefix=J HTTP/1.1
Host: examplebucket.s3.amazonaws.com
x-amz-date: 20130524T000000Z
x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7`,
	},
	{
		name: "chunked PUT seed",
		head: `PUT /examplebucket/chunkObject.txt HTTP/1.1
Host: s3.amazonaws.com
x-amz-date: 20130524T000000Z
x-amz-storage-class: REDUCED_REDUNDANCY
x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD
Content-Encoding: aws-chunked
x-amz-decoded-content-length: 66560
Content-Length: 66824
Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9`,
		stringToSign: "cee3fed04b70f867d036f722359b0b1f2f0e5dc0efadbc082b76c4c60e316455",
	},
	{
		name: "chunked PUT with trailer seed",
		head: `PUT /examplebucket/chunkObject.txt HTTP/1.1
Host: s3.amazonaws.com
x-amz-date: 20130524T000000Z
x-amz-storage-class: REDUCED_REDUNDANCY
x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
Content-Encoding: aws-chunked
x-amz-decoded-content-length: 66560
x-amz-trailer: x-amz-checksum-crc32c
Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer,Signature=106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e`,
		stringToSign: "44d48b8c2f70eae815a0198cc73d7a546a73a93359c070abbaa5e6c7de112559",
	},
}

func TestAWSHeaderExamples(t *testing.T) {
	for _, ex := range awsHeaderExamples {
		r := readRequest(t, ex.head, ex.body)
		res, err := Verify(r, exampleOptions(exampleTime.Add(5*time.Minute)))
		if err != nil {
			t.Errorf("%s: %v\ncanonical request:\n%s", ex.name, err, res.CanonicalRequest)
			continue
		}
		if ex.stringToSign != "" && !strings.HasSuffix(res.StringToSign, "\n"+ex.stringToSign) {
			t.Errorf("%s: string to sign\n%s\nwant hash line %s", ex.name, res.StringToSign, ex.stringToSign)
		}
		if res.AccessKey != exampleAccessKey || res.Scope != "20130524/us-east-1/s3/aws4_request" ||
			res.AmzDate != "20130524T000000Z" || !res.Date.Equal(exampleTime) || res.Presigned {
			t.Errorf("%s: Result %+v", ex.name, res)
		}
		want := hex.EncodeToString(SigningKey(exampleSecret, "20130524", "us-east-1", "s3"))
		if hex.EncodeToString(res.SigningKey) != want {
			t.Errorf("%s: SigningKey %x", ex.name, res.SigningKey)
		}
		if IsSHA256Hex(res.PayloadHash) {
			hb := NewHashedBody(r.Body, res.PayloadHash)
			if _, err := io.ReadAll(hb); err != nil {
				t.Fatal(err)
			}
			if err := hb.Check(); err != nil {
				t.Errorf("%s: body: %v", ex.name, err)
			}
		}

		// Mutating any signed byte breaks it.
		for _, mutate := range []func(*http.Request){
			func(r *http.Request) { r.Header.Set("X-Amz-Date", "20130524T000001Z") },
			func(r *http.Request) { r.Host = "examplebucket.s3.amazonaws.co" },
			func(r *http.Request) { r.URL.Path += "x"; r.URL.RawPath = "" },
			func(r *http.Request) { r.URL.RawQuery += "&x" },
			func(r *http.Request) { r.Method = "POST" },
		} {
			m := readRequest(t, ex.head, ex.body)
			mutate(m)
			if _, err := Verify(m, exampleOptions(exampleTime)); err != ErrSignatureDoesNotMatch {
				t.Errorf("%s: mutated request: %v", ex.name, err)
			}
		}
	}
}

// TestAWSPresignedExample is the pre-signed GET of sigv4-query-string-auth.html.
func TestAWSPresignedExample(t *testing.T) {
	const head = `GET /test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404 HTTP/1.1
Host: examplebucket.s3.amazonaws.com`
	const wantCanonical = "GET\n/test.txt\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\nhost:examplebucket.s3.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD"
	r := readRequest(t, head, "")
	res, err := Verify(r, exampleOptions(exampleTime.Add(23*time.Hour)))
	if err != nil {
		t.Fatalf("%v\n%s", err, res.CanonicalRequest)
	}
	if res.CanonicalRequest != wantCanonical {
		t.Errorf("canonical request\n%s\nwant\n%s", res.CanonicalRequest, wantCanonical)
	}
	if !strings.HasSuffix(res.StringToSign, "\n3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04") {
		t.Errorf("string to sign %s", res.StringToSign)
	}
	if !res.Presigned || !res.Expires.Equal(exampleTime.Add(24*time.Hour)) || res.PayloadHash != UnsignedPayload {
		t.Errorf("Result %+v", res)
	}
	if _, err := Verify(r, exampleOptions(exampleTime.Add(24*time.Hour+time.Second))); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("a day and a second later: %v", err)
	}

	// Our presigner reproduces the URL.
	c, _ := http.NewRequest("GET", "https://examplebucket.s3.amazonaws.com/test.txt", nil)
	p := Presign(c, exampleAccessKey, exampleSecret, "us-east-1", exampleTime, 24*time.Hour)
	if p.Signature != "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404" ||
		c.URL.String() != "https://examplebucket.s3.amazonaws.com"+strings.TrimPrefix(strings.Fields(head)[1], "") {
		t.Errorf("Presign gives %s (%s)", c.URL, p.Signature)
	}
}

// The chunks of the AWS streaming examples: 65536 and 1024 bytes of 'a'.
const (
	awsChunk1    = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
	awsChunk2    = "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"
	awsChunkLast = "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"

	awsTrailerChunk1    = "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2"
	awsTrailerChunk2    = "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7"
	awsTrailerChunkLast = "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992"
	awsTrailerSignature = "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435"
)

// awsChunkedBody is the body of the AWS streaming example (trailer "" ) or
// of the trailer example.
func awsChunkedBody(trailer bool) []byte {
	sigs := []string{awsChunk1, awsChunk2, awsChunkLast}
	if trailer {
		sigs = []string{awsTrailerChunk1, awsTrailerChunk2, awsTrailerChunkLast}
	}
	var b bytes.Buffer
	b.WriteString("10000;chunk-signature=" + sigs[0] + "\r\n" + strings.Repeat("a", 65536) + "\r\n")
	b.WriteString("400;chunk-signature=" + sigs[1] + "\r\n" + strings.Repeat("a", 1024) + "\r\n")
	b.WriteString("0;chunk-signature=" + sigs[2] + "\r\n")
	if trailer {
		b.WriteString("x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:" + awsTrailerSignature + "\r\n")
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// awsSeed verifies the seed request of the streaming example and returns
// its Result, as the frontend would.
func awsSeed(t *testing.T, trailer bool) Result {
	t.Helper()
	ex := awsHeaderExamples[5]
	if trailer {
		ex = awsHeaderExamples[6]
	}
	res, err := Verify(readRequest(t, ex.head, ""), exampleOptions(exampleTime))
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	return res
}

func TestAWSChunkedExamples(t *testing.T) {
	want := bytes.Repeat([]byte("a"), 66560)
	for _, trailer := range []bool{false, true} {
		seed := awsSeed(t, trailer)
		p := ChunkParams{Mode: Signed, DecodedLength: 66560, Result: seed}
		if trailer {
			p.Mode, p.Trailers = SignedTrailer, []string{"x-amz-checksum-crc32c"}
		}
		body := awsChunkedBody(trailer)
		if !trailer && len(body) != 66824 {
			t.Fatalf("example body is %d bytes, the example's Content-Length is 66824", len(body))
		}
		cr := NewChunkedReader(bytes.NewReader(body), p)
		got := make([]byte, 66560)
		if _, err := io.ReadFull(cr, got); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("trailer %v: %v", trailer, err)
		}
		if trailer && cr.Trailers().Get("x-amz-checksum-crc32c") != "sOO8/Q==" {
			t.Errorf("trailers %v", cr.Trailers())
		}
		if n, err := cr.Read(got); n != 0 || err != io.EOF {
			t.Errorf("after the payload: %d, %v", n, err)
		}

		// Our encoder reproduces the body byte for byte.
		var enc bytes.Buffer
		var tr http.Header
		if trailer {
			tr = http.Header{"X-Amz-Checksum-Crc32c": {"sOO8/Q=="}}
		}
		if err := EncodeChunked(&enc, want, 65536, p.Mode, seed, tr); err != nil || !bytes.Equal(enc.Bytes(), body) {
			t.Errorf("trailer %v: EncodeChunked differs from the AWS example (%v)", trailer, err)
		}
	}
}

// TestAWSChunkStringToSign checks the documented first chunk string to sign.
func TestAWSChunkStringToSign(t *testing.T) {
	seed := awsSeed(t, false)
	h := sha256.Sum256(bytes.Repeat([]byte("a"), 65536))
	if hex.EncodeToString(h[:]) != "bf718b6f653bebc184e1479f1935b8da974d701b893afcf49e701f3e2f9f9c5a" {
		t.Fatal("chunk hash")
	}
	if got := chunkSign(seed, seed.Signature, hex.EncodeToString(h[:])); got != awsChunk1 {
		t.Errorf("first chunk signature %s", got)
	}
}
