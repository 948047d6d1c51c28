package integration

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7/pkg/signer"

	"github.com/amphora-s3/amphora/sigv4"
)

// hostileReq is one malformed or hostile request, as raw bytes.
type hostileReq struct {
	kind string // its category, for the report
	raw  []byte // request line, headers and body as sent
	// short: the body sent is shorter than its framing announces; the
	// client then closes its sending side, as one that died would.
	short bool
	// noAnswer: HTTP has no request to answer (the head never ends), so
	// the server may close without a response.
	noAnswer bool
}

// hostileGen makes hostile requests for a server, deterministically from
// its seed. Requests target hostileBucket (which holds only hostileKeep)
// and the service; none of them is allowed to create or change anything:
// every request that could (PUT, POST, DELETE) is unsigned, badly or
// expiredly signed, or malformed, and the test checks that nothing
// changed.
type hostileGen struct {
	rng  *rand.Rand
	host string
}

const (
	hostileBucket = "hostile-target"
	hostileKeep   = "keep"
)

// hostileKinds are the categories, each a generator.
var hostileKinds = []struct {
	name string
	gen  func(g *hostileGen) hostileReq
}{
	{"oversized-headers", (*hostileGen).oversizedHeaders},
	{"bad-encoding", (*hostileGen).badEncoding},
	{"huge-xml", (*hostileGen).hugeXML},
	{"entities", (*hostileGen).entities},
	{"content-length", (*hostileGen).contentLength},
	{"transfer-encoding", (*hostileGen).transferEncoding},
	{"path-tricks", (*hostileGen).pathTricks},
	{"bad-signature", (*hostileGen).badSignature},
	{"expired", (*hostileGen).expired},
	{"sub-resources", (*hostileGen).subResources},
	{"methods", (*hostileGen).methods},
	{"garbage", (*hostileGen).garbage},
}

func (g *hostileGen) pick(options ...string) string { return options[g.rng.IntN(len(options))] }

// next is request i: the categories in turn, each variant drawn from the
// seeded generator.
func (g *hostileGen) next(i int) hostileReq {
	k := hostileKinds[i%len(hostileKinds)]
	r := k.gen(g)
	r.kind = k.name
	return r
}

// request assembles raw bytes: the request line, Host, the headers in
// order, and the body. Content-Length is whatever hdr says (nothing is
// added), so framing can lie.
func (g *hostileGen) request(method, target string, hdr [][2]string, body []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, target, g.host)
	for _, h := range hdr {
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	b.WriteString("Connection: close\r\n\r\n")
	b.Write(body)
	return b.Bytes()
}

// signed signs method target (a target url.Parse takes) as tenantA with
// minio-go's signer, V2 or V4 at random, and returns the headers to send
// (Content-Length included when body is not nil) and the target as
// signed. secret "" signs with tenantA's secret; at sets the time.
func (g *hostileGen) signed(method, target string, extra [][2]string, body []byte, secret string, at time.Time) (string, [][2]string, bool) {
	req, err := http.NewRequest(method, "http://"+g.host+target, nil)
	if err != nil {
		return target, extra, false
	}
	for _, h := range extra {
		req.Header.Add(h[0], h[1])
	}
	if secret == "" {
		secret = tenantA.SecretKey
	}
	var s *http.Request
	switch v4 := g.rng.IntN(2) == 0; {
	case v4 && !at.IsZero():
		// minio-go signs at the current time only.
		sigv4.SignRequest(req, tenantA.AccessKey, secret, region, at, sigv4.UnsignedPayload)
		s = req
	case v4:
		req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		s = signer.SignV4(*req, tenantA.AccessKey, secret, "", region)
	default:
		if !at.IsZero() {
			req.Header.Set("Date", at.UTC().Format(http.TimeFormat))
		}
		s = signer.SignV2(*req, tenantA.AccessKey, secret, false)
	}
	var hdr [][2]string
	for k, vs := range s.Header {
		for _, v := range vs {
			hdr = append(hdr, [2]string{k, v})
		}
	}
	if body != nil {
		hdr = append(hdr, [2]string{"Content-Length", strconv.Itoa(len(body))})
	}
	return s.URL.RequestURI(), hdr, true
}

// signedReq is a request signed by tenantA over a parseable target.
func (g *hostileGen) signedReq(method, target string, extra [][2]string, body []byte) []byte {
	t, hdr, _ := g.signed(method, target, extra, body, "", time.Time{})
	return g.request(method, t, hdr, body)
}

// badMD5 is a Content-MD5 that does not match any body the generator
// sends: a PUT carrying it can never store anything.
var badMD5 = base64.StdEncoding.EncodeToString(md5.New().Sum([]byte("never")))[:24]

func (g *hostileGen) oversizedHeaders() hostileReq {
	big := strings.Repeat("a", 64<<10+g.rng.IntN(64<<10))
	switch g.rng.IntN(4) {
	case 0:
		return hostileReq{raw: g.signedReq(http.MethodGet, "/"+hostileBucket+"/"+hostileKeep, [][2]string{{"X-Amz-Meta-Big", big}}, nil)}
	case 1:
		var hdr [][2]string
		for i := 0; i < 2000; i++ {
			hdr = append(hdr, [2]string{fmt.Sprintf("X-Amz-Meta-H%d", i), strings.Repeat("v", 40)})
		}
		return hostileReq{raw: g.request(http.MethodGet, "/"+hostileBucket, hdr, nil)}
	case 2:
		return hostileReq{raw: g.request(http.MethodGet, "/"+hostileBucket+"/"+big, nil, nil)}
	default:
		// Just under the limit: metadata far over S3's 2 KiB.
		meta := strings.Repeat("m", 60<<10)
		return hostileReq{raw: g.signedReq(http.MethodPut, "/"+hostileBucket+"/meta", [][2]string{{"X-Amz-Meta-M", meta}, {"Content-Md5", badMD5}}, []byte("x"))}
	}
}

func (g *hostileGen) badEncoding() hostileReq {
	paths := []string{
		"/" + hostileBucket + "/\xff\xfe", "/" + hostileBucket + "/%ff%fe", "/" + hostileBucket + "/%zz",
		"/" + hostileBucket + "/%", "/" + hostileBucket + "/%c0%af", "/" + hostileBucket + "/%ed%a0%80",
		"/" + hostileBucket + "/a%0", "/%ff" + hostileBucket, "/" + hostileBucket + "?prefix=%ff&delimiter=%zz",
		"/" + hostileBucket + "?list-type=2&continuation-token=%ff%00", "/" + hostileBucket + "/k?partNumber=%ff",
	}
	p := g.pick(paths...)
	method := g.pick(http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete)
	hdr := [][2]string{{"X-Amz-Meta-Bad", g.pick("\xff\xfe", "caf\xe9", "%ff", "\xc0\xaf")}, {"Content-Md5", badMD5}}
	body := []byte("x")
	if method == http.MethodGet || method == http.MethodHead {
		hdr, body = [][2]string{{"Range", g.pick("bytes=\xff-", "bytes=0-\x00", "bytes=%30-1")}}, nil
	}
	if g.rng.IntN(2) == 0 {
		secret := ""
		if method == http.MethodDelete { // a DELETE may not be validly signed: nothing may go
			secret = "wrong-secret"
		}
		if t, h, ok := g.signed(method, p, hdr, body, secret, time.Time{}); ok {
			return hostileReq{raw: g.request(method, t, h, body)}
		}
	}
	if body != nil {
		hdr = append(hdr, [2]string{"Content-Length", "1"})
	}
	return hostileReq{raw: g.request(method, p, hdr, body)}
}

func (g *hostileGen) hugeXML() hostileReq {
	n := 1<<20 + g.rng.IntN(2<<20)
	if g.rng.IntN(8) != 0 {
		n = 64<<10 + g.rng.IntN(1<<20) // mostly under the limits, still large
	}
	var body []byte
	target := "/" + hostileBucket
	switch g.rng.IntN(5) {
	case 0:
		target += "?delete"
		body = []byte("<Delete>" + strings.Repeat("<Object><Key>missing</Key></Object>", n/36) + "</Delete>")
	case 1:
		target += "/" + hostileKeep + "?uploadId=none"
		body = []byte("<CompleteMultipartUpload>" + strings.Repeat("<Part><PartNumber>1</PartNumber><ETag>x</ETag></Part>", n/55) + "</CompleteMultipartUpload>")
	case 2:
		target += "?tagging"
		body = []byte("<Tagging><TagSet>" + strings.Repeat("<Tag><Key>k</Key><Value>v</Value></Tag>", n/40) + "</TagSet></Tagging>")
	case 3:
		target += "?acl"
		body = []byte("<AccessControlPolicy>" + strings.Repeat("<a>", n/3))
	default:
		target = "/hostile-new-bucket"
		body = []byte("<CreateBucketConfiguration><LocationConstraint>" + strings.Repeat("x", n) + "</LocationConstraint></CreateBucketConfiguration>")
	}
	method := http.MethodPut
	if strings.Contains(target, "?delete") || strings.Contains(target, "uploadId") {
		method = http.MethodPost
	}
	// Signed with a wrong secret half of the time: refused either way.
	secret := ""
	if g.rng.IntN(2) == 0 {
		secret = "wrong-secret"
	}
	t, hdr, _ := g.signed(method, target, nil, body, secret, time.Time{})
	return hostileReq{raw: g.request(method, t, hdr, body)}
}

func (g *hostileGen) entities() hostileReq {
	lol := `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">` +
		`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">` +
		`<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">` +
		`<!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">]>`
	ext := `<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>`
	pre := g.pick(lol, ext)
	ent := "&lol9;"
	if pre == ext {
		ent = "&xxe;"
	}
	targets := []struct{ method, target, body string }{
		{http.MethodPost, "/" + hostileBucket + "?delete", "<Delete><Object><Key>" + ent + "</Key></Object></Delete>"},
		{http.MethodPut, "/" + hostileBucket + "?tagging", "<Tagging><TagSet><Tag><Key>" + ent + "</Key><Value>v</Value></Tag></TagSet></Tagging>"},
		{http.MethodPut, "/" + hostileBucket + "?acl", "<AccessControlPolicy><Owner><ID>" + ent + "</ID></Owner></AccessControlPolicy>"},
		{http.MethodPut, "/" + hostileBucket + "?ownershipControls", "<OwnershipControls><Rule><ObjectOwnership>" + ent + "</ObjectOwnership></Rule></OwnershipControls>"},
		{http.MethodPut, "/" + hostileBucket + "?publicAccessBlock", "<PublicAccessBlockConfiguration><BlockPublicAcls>" + ent + "</BlockPublicAcls></PublicAccessBlockConfiguration>"},
		{http.MethodPost, "/" + hostileBucket + "/" + hostileKeep + "?uploadId=x", "<CompleteMultipartUpload><Part><PartNumber>" + ent + "</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>"},
		{http.MethodPut, "/hostile-new-bucket", "<CreateBucketConfiguration><LocationConstraint>" + ent + "</LocationConstraint></CreateBucketConfiguration>"},
	}
	tg := targets[g.rng.IntN(len(targets))]
	body := []byte(pre + tg.body)
	return hostileReq{raw: g.signedReq(tg.method, tg.target, nil, body)}
}

func (g *hostileGen) contentLength() hostileReq {
	target := "/" + hostileBucket + "/cl"
	switch g.rng.IntN(7) {
	case 0:
		return hostileReq{raw: g.request(http.MethodPut, target, [][2]string{{"Content-Length", g.pick("-1", "-9223372036854775808", "1e3", "0x10", " 5", "5 ")}}, []byte("hello"))}
	case 1:
		return hostileReq{raw: g.request(http.MethodPut, target, [][2]string{{"Content-Length", g.pick("99999999999999999999", "18446744073709551616")}}, []byte("x"))}
	case 2:
		return hostileReq{raw: g.request(http.MethodPut, target, [][2]string{{"Content-Length", "5"}, {"Content-Length", "6"}}, []byte("hello!"))}
	case 3: // over 5 GiB, signed: EntityTooLarge before any body
		t, hdr, _ := g.signed(http.MethodPut, target, nil, nil, "", time.Time{})
		return hostileReq{raw: g.request(http.MethodPut, t, append(hdr, [2]string{"Content-Length", g.pick("5368709121", "9223372036854775807")}), []byte("x")), short: true}
	case 4: // declares more than it sends, then stops: IncompleteBody, nothing stored
		body := []byte(strings.Repeat("b", g.rng.IntN(300<<10)))
		t, hdr, _ := g.signed(http.MethodPut, target, nil, nil, "", time.Time{})
		return hostileReq{raw: g.request(http.MethodPut, t, append(hdr, [2]string{"Content-Length", strconv.Itoa(len(body) + 1 + g.rng.IntN(1<<20))}), body), short: true}
	case 5: // sends more than it declares
		t, hdr, _ := g.signed(http.MethodPut, target, [][2]string{{"Content-Md5", badMD5}}, nil, "", time.Time{})
		return hostileReq{raw: g.request(http.MethodPut, t, append(hdr, [2]string{"Content-Length", "3"}), []byte("abcdefgh"))}
	default: // a GET with a body
		t, hdr, _ := g.signed(http.MethodGet, "/"+hostileBucket+"/"+hostileKeep, nil, []byte("unexpected"), "", time.Time{})
		return hostileReq{raw: g.request(http.MethodGet, t, hdr, []byte("unexpected"))}
	}
}

func (g *hostileGen) transferEncoding() hostileReq {
	target := "/" + hostileBucket + "/te"
	te := g.pick("chunked", "gzip, chunked", "chunked, chunked", "identity", "xchunked", "chunked ", "\tchunked", "CHUNKED", "compress")
	chunks := g.pick("5\r\nhello\r\n0\r\n\r\n", "zz\r\nhello\r\n0\r\n\r\n", "5\r\nhel", "ffffffffffffffff\r\nx\r\n", "5;ext=\"a\r\nhello\r\n0\r\n\r\n", "-1\r\nx\r\n0\r\n\r\n")
	hdr := [][2]string{{"Transfer-Encoding", te}}
	if g.rng.IntN(3) == 0 {
		hdr = append(hdr, [2]string{"Content-Length", "5"}) // smuggling: both framings
	}
	if g.rng.IntN(2) == 0 {
		t, sh, ok := g.signed(http.MethodPut, target, [][2]string{{"Content-Md5", badMD5}}, nil, "", time.Time{})
		if ok {
			return hostileReq{raw: g.request(http.MethodPut, t, append(sh, hdr...), []byte(chunks)), short: true}
		}
	}
	return hostileReq{raw: g.request(g.pick(http.MethodPut, http.MethodPost), target, hdr, []byte(chunks)), short: true}
}

func (g *hostileGen) pathTricks() hostileReq {
	paths := []string{
		"/" + hostileBucket + "/../../etc/passwd", "/" + hostileBucket + "/%2e%2e/%2e%2e/etc/passwd",
		"/" + hostileBucket + "/..%2F..%2Fetc%2Fpasswd", "/" + hostileBucket + "//" + hostileKeep,
		"//" + hostileBucket + "//" + hostileKeep, "/" + hostileBucket + "/" + hostileKeep + "%00",
		"/" + hostileBucket + "/%00", "/" + hostileBucket + "/.", "/" + hostileBucket + "/./" + hostileKeep,
		"/" + hostileBucket + "%2F" + hostileKeep, "/%2F" + hostileBucket, "/..", "/../" + hostileBucket,
		"/" + hostileBucket + "/" + hostileKeep + "/..", "/" + hostileBucket + "/a/b/../../" + hostileKeep,
		"/" + hostileBucket + "/%5C..%5C" + hostileKeep, "/" + hostileBucket + "/;" + hostileKeep,
		"http://evil.example/" + hostileBucket + "/" + hostileKeep, "*", "/" + hostileBucket + "#frag",
	}
	p := g.pick(paths...)
	switch method := g.pick(http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodPost); method {
	case http.MethodGet, http.MethodHead:
		if g.rng.IntN(3) != 0 {
			if t, hdr, ok := g.signed(method, p, nil, nil, "", time.Time{}); ok {
				return hostileReq{raw: g.request(method, t, hdr, nil)}
			}
		}
		return hostileReq{raw: g.request(method, p, nil, nil)}
	default:
		// Writes with tricks are signed with a wrong secret, or carry a
		// digest that cannot match: never stored.
		extra := [][2]string{{"Content-Md5", badMD5}}
		secret := ""
		if method == http.MethodDelete || method == http.MethodPost {
			extra, secret = nil, "wrong-secret"
		}
		body := []byte("tricky")
		if t, hdr, ok := g.signed(method, p, extra, body, secret, time.Time{}); ok {
			return hostileReq{raw: g.request(method, t, hdr, body)}
		}
		return hostileReq{raw: g.request(method, p, [][2]string{{"Content-Length", "6"}}, body)}
	}
}

func (g *hostileGen) badSignature() hostileReq {
	method := g.pick(http.MethodGet, http.MethodPut, http.MethodDelete, http.MethodPost, http.MethodHead)
	target := g.pick("/"+hostileBucket+"/"+hostileKeep, "/"+hostileBucket, "/", "/"+hostileBucket+"/new?uploads")
	var body []byte
	if method == http.MethodPut || method == http.MethodPost {
		body = []byte("sneaky")
	}
	switch g.rng.IntN(4) {
	case 0: // a good signature with another secret
		t, hdr, _ := g.signed(method, target, nil, body, "wrong-secret", time.Time{})
		return hostileReq{raw: g.request(method, t, hdr, body)}
	case 1: // a good signature, then the request changed under it
		// (Not the body: neither V2 nor an unsigned V4 payload covers it.)
		t, hdr, _ := g.signed(method, target, nil, body, "", time.Time{})
		return hostileReq{raw: g.request(method, t+g.pick("x", "?acl", "/", "%20"), hdr, body)}
	default:
		auth := g.pick("AWS ", "AWS "+tenantA.AccessKey, "AWS "+tenantA.AccessKey+":", "AWS :sig", "AWS a:b:c",
			"AWS "+tenantA.AccessKey+":"+strings.Repeat("A", 10000), "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256 Credential=",
			"AWS4-HMAC-SHA256 Credential="+tenantA.AccessKey+"/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00",
			"AWS4-HMAC-SHA256 Credential=x/y, SignedHeaders=, Signature=", "Bearer token", "AWS \xff:\xfe", "Basic YTpi",
			"AWS4-HMAC-SHA256 Credential="+tenantA.AccessKey+"/20260101/moon-1/s3/aws4_request,SignedHeaders=host;x-amz-date,Signature="+strings.Repeat("0", 64))
		hdr := [][2]string{{"Authorization", auth}, {"Date", time.Now().UTC().Format(http.TimeFormat)}, {"X-Amz-Date", g.pick("", "20260101T000000Z", "garbage")}}
		if body != nil {
			hdr = append(hdr, [2]string{"Content-Length", strconv.Itoa(len(body))})
		}
		if g.rng.IntN(4) == 0 { // header and query authentication at once
			target += map[bool]string{true: "&", false: "?"}[strings.Contains(target, "?")] + "AWSAccessKeyId=" + tenantA.AccessKey + "&Signature=x&Expires=9999999999"
		}
		return hostileReq{raw: g.request(method, target, hdr, body)}
	}
}

func (g *hostileGen) expired() hostileReq {
	method := g.pick(http.MethodGet, http.MethodPut, http.MethodDelete)
	target := "/" + hostileBucket + "/" + g.pick(hostileKeep, "expired-new")
	var body []byte
	if method == http.MethodPut {
		body = []byte("late")
	}
	switch g.rng.IntN(3) {
	case 0: // a pre-signed URL past its expiry
		req, _ := http.NewRequest(method, "http://"+g.host+target, nil)
		var s *http.Request
		if g.rng.IntN(2) == 0 {
			s = signer.PreSignV2(*req, tenantA.AccessKey, tenantA.SecretKey, -int64(1+g.rng.IntN(100000)), false)
		} else {
			// Signed an hour ago, valid for a minute (minio-go presigns
			// at the current time only).
			sigv4.Presign(req, tenantA.AccessKey, tenantA.SecretKey, region, time.Now().Add(-time.Hour), time.Minute)
			s = req
		}
		hdr := [][2]string{}
		if body != nil {
			hdr = append(hdr, [2]string{"Content-Length", strconv.Itoa(len(body))})
		}
		return hostileReq{raw: g.request(method, s.URL.RequestURI(), hdr, body)}
	default: // a header signature far from now
		skew := time.Duration(16+g.rng.IntN(10000)) * time.Minute
		if g.rng.IntN(2) == 0 {
			skew = -skew
		}
		t, hdr, _ := g.signed(method, target, nil, body, "", time.Now().Add(skew))
		return hostileReq{raw: g.request(method, t, hdr, body)}
	}
}

func (g *hostileGen) subResources() hostileReq {
	sub := g.pick("website", "cors", "lifecycle", "replication", "logging", "notification", "requestPayment",
		"torrent", "restore", "select&select-type=2", "foo=bar", "accelerate", "analytics", "inventory",
		"metrics", "intelligent-tiering", "object-lock", "retention", "legal-hold", "encryption", "versioning",
		"versions", "uploads&uploadId=x", "acl&policy&tagging", "location=elsewhere", "x-id=GetObject", "attributes")
	target := g.pick("/"+hostileBucket+"?"+sub, "/"+hostileBucket+"/"+hostileKeep+"?"+sub, "/?"+sub)
	method := g.pick(http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodPost)
	if method == http.MethodGet || method == http.MethodHead {
		return hostileReq{raw: g.signedReq(method, target, nil, nil)}
	}
	// Changes are never validly signed here: nothing may change.
	body := []byte("<x/>")
	t, hdr, _ := g.signed(method, target, nil, body, "wrong-secret", time.Time{})
	return hostileReq{raw: g.request(method, t, hdr, body)}
}

func (g *hostileGen) methods() hostileReq {
	method := g.pick("PATCH", "PROPFIND", "TRACE", "OPTIONS", "get", "Put", "BREW", "M-SEARCH", strings.Repeat("X", 1000), "GET\x00", "MKCOL", "LOCK", "SEARCH")
	target := g.pick("/", "/"+hostileBucket, "/"+hostileBucket+"/"+hostileKeep, "/"+hostileBucket+"?delete", "/"+hostileBucket+"/k?uploads")
	if t, hdr, ok := g.signed(method, target, nil, nil, "", time.Time{}); ok && g.rng.IntN(2) == 0 {
		return hostileReq{raw: g.request(method, t, hdr, nil)}
	}
	return hostileReq{raw: g.request(method, target, nil, nil)}
}

func (g *hostileGen) garbage() hostileReq {
	switch g.rng.IntN(9) {
	case 0:
		b := make([]byte, 1+g.rng.IntN(4096))
		for i := range b {
			b[i] = byte(g.rng.IntN(256))
		}
		b = append(b, "\r\n\r\n"...)
		return hostileReq{raw: b}
	case 1:
		return hostileReq{raw: []byte("GET /\r\n\r\n")}
	case 2:
		return hostileReq{raw: []byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")}
	case 3:
		return hostileReq{raw: []byte("GET / HTTP/9.9\r\nHost: " + g.host + "\r\n\r\n")}
	case 4:
		return hostileReq{raw: []byte("GET / HTTP/1.1\r\nHost: " + g.host + "\r\nNo-Colon-Here\r\n\r\n")}
	case 5:
		return hostileReq{raw: []byte("GET / HTTP/1.1\r\nHost: " + g.host + "\r\nX-Folded: a\r\n  continued\r\n\r\n")}
	case 6:
		return hostileReq{raw: []byte("GET / HTTP/1.1\r\nHost: " + g.host + "\r\nX\x00Bad: v\r\n\r\n")}
	case 7:
		return hostileReq{raw: []byte("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")}
	default: // a head that never ends: nothing to answer
		return hostileReq{raw: []byte("GET /" + hostileBucket + " HTTP/1.1\r\nHost: " + g.host + "\r\nX-Partial: "), short: true, noAnswer: true}
	}
}
