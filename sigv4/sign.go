package sigv4

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// This file is the client side: it signs requests and encodes aws-chunked
// bodies the way the AWS SDKs do, for tests and tools. The S3 frontend
// never calls it; the web console (package console) signs its in-process
// S3 requests and its pre-signed links with it.

// chunkSign returns the signature of a chunk whose data hashes to dataHash.
func chunkSign(r Result, prev, dataHash string) string {
	return signHex(r.SigningKey, "AWS4-HMAC-SHA256-PAYLOAD\n"+r.AmzDate+"\n"+r.Scope+"\n"+prev+"\n"+EmptySHA256+"\n"+dataHash)
}

// trailerSign returns the signature of a trailer section whose canonical
// form ("name:value\n" per trailer) is canon.
func trailerSign(r Result, prev, canon string) string {
	return signHex(r.SigningKey, "AWS4-HMAC-SHA256-TRAILER\n"+r.AmzDate+"\n"+r.Scope+"\n"+prev+"\n"+hexSHA256([]byte(canon)))
}

// signedNames returns the headers a client signs: host, every x-amz-* header
// of r, and Content-Type, Content-MD5, Content-Encoding and Content-Length
// when they are in r.Header; lower case, sorted, without duplicates.
func signedNames(r *http.Request) []string {
	set := map[string]bool{"host": true}
	for k := range r.Header {
		lk := strings.ToLower(k)
		switch {
		case strings.HasPrefix(lk, "x-amz-"), lk == "content-type", lk == "content-md5",
			lk == "content-encoding", lk == "content-length":
			set[lk] = true
		}
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// SignRequest signs r with header authentication, as an AWS SDK does for S3:
// it sets X-Amz-Date (t), X-Amz-Content-Sha256 (payloadHash; "" means the
// hash of an empty body) and Authorization over the headers signedNames
// picks. The host signed is r.Host, else r.URL.Host. It returns what Verify
// would return for the request; its SigningKey, AmzDate, Scope and Signature
// are the seed EncodeChunked needs.
func SignRequest(r *http.Request, accessKey, secret, region string, t time.Time, payloadHash string) Result {
	if payloadHash == "" {
		payloadHash = EmptySHA256
	}
	res := Result{AccessKey: accessKey, Region: region, Service: "s3", Date: t.UTC().Truncate(time.Second), PayloadHash: payloadHash}
	res.AmzDate = res.Date.Format(AmzDateFormat)
	res.Scope = Scope(res.AmzDate[:8], region, "s3")
	r.Header.Set("X-Amz-Date", res.AmzDate)
	r.Header.Set("X-Amz-Content-Sha256", payloadHash)
	r.Header.Del("Authorization")
	res.SignedHeaders = signedNames(r)
	res.CanonicalRequest = canonicalRequest(r, res.SignedHeaders, "", payloadHash, false)
	res.StringToSign = stringToSign(res.AmzDate, res.Scope, res.CanonicalRequest)
	res.SigningKey = SigningKey(secret, res.AmzDate[:8], region, "s3")
	res.Signature = signHex(res.SigningKey, res.StringToSign)
	r.Header.Set("Authorization", Algorithm+" Credential="+accessKey+"/"+res.Scope+
		", SignedHeaders="+strings.Join(res.SignedHeaders, ";")+", Signature="+res.Signature)
	return res
}

// Presign turns r into a pre-signed request valid for expires from t, as
// the AWS SDKs' presigners do: it rewrites r.URL.RawQuery, adding
// X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires,
// X-Amz-SignedHeaders and X-Amz-Signature (replacing any already there).
// The signed headers are those SignRequest would sign, usually just host;
// the payload is UNSIGNED-PAYLOAD unless r has X-Amz-Content-Sha256.
func Presign(r *http.Request, accessKey, secret, region string, t time.Time, expires time.Duration) Result {
	res := Result{AccessKey: accessKey, Region: region, Service: "s3", Presigned: true, Date: t.UTC().Truncate(time.Second)}
	res.AmzDate = res.Date.Format(AmzDateFormat)
	res.Scope = Scope(res.AmzDate[:8], region, "s3")
	res.Expires = res.Date.Add(expires)
	res.PayloadHash = UnsignedPayload
	if v := r.Header.Values("X-Amz-Content-Sha256"); len(v) > 0 {
		res.PayloadHash = v[0]
	}
	res.SignedHeaders = signedNames(r)

	var kept []string
	for _, seg := range strings.Split(r.URL.RawQuery, "&") {
		name, _, _ := strings.Cut(seg, "=")
		switch percentDecode(name) {
		case "", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature":
			continue
		}
		kept = append(kept, seg)
	}
	for _, p := range [][2]string{
		{"X-Amz-Algorithm", Algorithm},
		{"X-Amz-Credential", accessKey + "/" + res.Scope},
		{"X-Amz-Date", res.AmzDate},
		{"X-Amz-Expires", strconv.FormatInt(int64(expires/time.Second), 10)},
		{"X-Amz-SignedHeaders", strings.Join(res.SignedHeaders, ";")},
	} {
		kept = append(kept, p[0]+"="+awsEncode(p[1], false))
	}
	r.URL.RawQuery = strings.Join(kept, "&")
	r.URL.ForceQuery = false
	res.CanonicalRequest = canonicalRequest(r, res.SignedHeaders, "", res.PayloadHash, true)
	res.StringToSign = stringToSign(res.AmzDate, res.Scope, res.CanonicalRequest)
	res.SigningKey = SigningKey(secret, res.AmzDate[:8], region, "s3")
	res.Signature = signHex(res.SigningKey, res.StringToSign)
	r.URL.RawQuery += "&X-Amz-Signature=" + res.Signature
	return res
}

// EncodeChunked writes data to w as an aws-chunked body of the given mode,
// in chunks of chunkSize bytes (0 means 64 KiB), the way the AWS SDKs
// (aws-sdk-go-v2, botocore, the Java and Rust SDKs) frame it:
//
//	Signed:          size;chunk-signature=sig\r\n data \r\n ... 0;chunk-signature=sig\r\n \r\n
//	SignedTrailer:   ... 0;chunk-signature=sig\r\n name:value\r\n x-amz-trailer-signature:sig\r\n \r\n
//	UnsignedTrailer: size\r\n data \r\n ... 0\r\n name:value\r\n \r\n
//
// seed is the SignRequest result of the request (its SigningKey, AmzDate,
// Scope and Signature; unused for UnsignedTrailer). Trailers are written
// lower case, sorted by name, first value only; the request must announce
// them in X-Amz-Trailer.
func EncodeChunked(w io.Writer, data []byte, chunkSize int, mode ChunkMode, seed Result, trailers http.Header) error {
	if chunkSize <= 0 {
		chunkSize = 64 << 10
	}
	bw := bufio.NewWriter(w)
	prev := seed.Signature
	writeChunk := func(chunk []byte) {
		if mode.signed() {
			prev = chunkSign(seed, prev, hexSHA256(chunk))
			fmt.Fprintf(bw, "%x;chunk-signature=%s\r\n", len(chunk), prev)
		} else {
			fmt.Fprintf(bw, "%x\r\n", len(chunk))
		}
		bw.Write(chunk)
	}
	for off := 0; off < len(data); off += chunkSize {
		writeChunk(data[off:min(off+chunkSize, len(data))])
		bw.WriteString("\r\n")
	}
	writeChunk(nil)
	if mode.trailer() {
		names := make([]string, 0, len(trailers))
		for k := range trailers {
			names = append(names, strings.ToLower(k))
		}
		sort.Strings(names)
		var canon strings.Builder
		for _, n := range names {
			line := n + ":" + strings.TrimSpace(trailers.Get(n))
			if len(trailers.Values(n)) == 0 { // a non-canonical key
				for k, v := range trailers {
					if strings.EqualFold(k, n) && len(v) > 0 {
						line = n + ":" + strings.TrimSpace(v[0])
					}
				}
			}
			bw.WriteString(line + "\r\n")
			canon.WriteString(line + "\n")
		}
		if mode == SignedTrailer {
			bw.WriteString("x-amz-trailer-signature:" + trailerSign(seed, prev, canon.String()) + "\r\n")
		}
	}
	bw.WriteString("\r\n")
	return bw.Flush()
}
