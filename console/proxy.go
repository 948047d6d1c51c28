package console

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/amphora-s3/amphora/sigv4"
)

// The console acts through S3 and nothing else: the page sends S3
// requests (path style) to /api/s3/BUCKET/KEY?QUERY, and proxyS3 turns
// each into the same request signed with SigV4 by the session's key and
// serves it with the S3 handler in-process, the response streamed back
// as S3 wrote it. Authentication, ACLs, bucket policies, Block Public
// Access and keys restricted to buckets decide every console action
// exactly as they decide the same request from any S3 client, because it
// is one.
//
// Bodies: an object's bytes (PutObject, UploadPart) stream from the
// browser into the S3 handler as they arrive, signed UNSIGNED-PAYLOAD
// (the memory of an upload is the S3 handler's, bounded by its block
// budget, whatever the file's size), and S3's deadlines for slow clients
// apply to the browser's connection. Any other body (XML documents,
// DeleteObjects' key list, a policy) is small: it is read first, up to
// maxSmallBody, and its SHA-256 signed.

// innerHost is the Host of in-process requests: without a dot, it can
// never be taken for a virtual-hosted bucket.
const innerHost = "amphora-console"

// maxSmallBody bounds the bodies read before signing: DeleteObjects' 1000
// keys of up to 1 KiB each fit.
const maxSmallBody = 2 << 20

// forwardedHeaders are the request headers a page may set on an S3
// request, besides x-amz-* ones (forwardAmz).
var forwardedHeaders = []string{
	"Content-Type", "Content-MD5", "Content-Encoding", "Content-Language", "Content-Disposition",
	"Cache-Control", "Expires", "Range", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since",
}

// forwardAmz reports whether an x-amz-* header passes: every one but
// those that belong to the signature and the payload's framing, which
// the console sets itself.
func forwardAmz(name string) bool {
	switch strings.ToLower(name) {
	case "x-amz-date", "x-amz-content-sha256", "x-amz-security-token", "x-amz-decoded-content-length", "x-amz-trailer":
		return false
	}
	return strings.HasPrefix(strings.ToLower(name), "x-amz-")
}

// signatureParams are query parameters of pre-signed URLs: a page may
// not make its request a pre-signed one (of another key).
func signatureParam(name string) bool {
	n := strings.ToLower(name)
	return strings.HasPrefix(n, "x-amz-") || n == "awsaccesskeyid" || n == "signature" || n == "expires"
}

// proxyS3 serves one S3 request of the page; see the comment above.
func (c *Console) proxyS3(w http.ResponseWriter, r *http.Request, s session) {
	path := strings.TrimPrefix(r.URL.EscapedPath(), strings.TrimSuffix(s3Prefix, "/"))
	if path == "" {
		path = "/"
	}
	query, err := innerQuery(r.URL.RawQuery)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); r.Method == http.MethodPost && mt == "multipart/form-data" {
		// A form upload (POST object) is authenticated by its own policy
		// fields, not by the console's signature.
		writeError(w, http.StatusBadRequest, "form uploads are not taken through the console")
		return
	}
	target := "http://" + innerHost + path
	if query != "" {
		target += "?" + query
	}
	inner, err := http.NewRequestWithContext(r.Context(), r.Method, target, nil)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad S3 path: "+err.Error())
		return
	}
	inner.Host = innerHost
	inner.RequestURI = path
	if query != "" {
		inner.RequestURI += "?" + query
	}
	// The browser's address, connection and agent are the request's, for
	// the policy conditions that test them (aws:SourceIp,
	// aws:SecureTransport, aws:UserAgent).
	inner.RemoteAddr, inner.TLS = r.RemoteAddr, r.TLS
	if ua := r.Header.Get("User-Agent"); ua != "" {
		inner.Header.Set("User-Agent", ua)
	}
	for _, name := range forwardedHeaders {
		if v := r.Header.Values(name); len(v) > 0 {
			inner.Header[name] = v
		}
	}
	for name, v := range r.Header {
		if forwardAmz(name) {
			inner.Header[name] = v
		}
	}

	payloadHash := sigv4.EmptySHA256
	inner.Body = http.NoBody
	switch {
	case r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody:
	case streamsObject(r, path, query):
		if r.ContentLength < 0 {
			writeError(w, http.StatusLengthRequired, "an upload needs a Content-Length")
			return
		}
		inner.Body, inner.ContentLength = r.Body, r.ContentLength
		payloadHash = sigv4.UnsignedPayload
	default:
		b, err := io.ReadAll(io.LimitReader(r.Body, maxSmallBody+1))
		if err != nil {
			writeError(w, http.StatusBadRequest, "read the request body: "+err.Error())
			return
		}
		if len(b) > maxSmallBody {
			writeError(w, http.StatusRequestEntityTooLarge, "a request body other than an object's is at most 2 MiB")
			return
		}
		sum := sha256.Sum256(b)
		inner.Body, inner.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		payloadHash = hex.EncodeToString(sum[:])
	}
	if inner.ContentLength > 0 || r.Method == http.MethodPut || r.Method == http.MethodPost {
		// S3 reads the length a client declared from the header.
		inner.Header.Set("Content-Length", strconv.FormatInt(inner.ContentLength, 10))
	}
	sigv4.SignRequest(inner, s.key.ID, s.key.Secret, c.region, c.now(), payloadHash)
	// The answer's Cache-Control is the object's, if it has one: the
	// page reads it as such (and fetches with cache: "no-store").
	w.Header().Del("Cache-Control")
	c.s3.ServeHTTP(w, inner)
}

// innerQuery is the page's query without pre-signing parameters, kept
// in its own escaping otherwise.
func innerQuery(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	var kept []string
	for _, seg := range strings.Split(raw, "&") {
		if seg == "" {
			continue
		}
		name, _, _ := strings.Cut(seg, "=")
		n, err := url.QueryUnescape(name)
		if err != nil {
			return "", err
		}
		if signatureParam(n) {
			continue
		}
		kept = append(kept, seg)
	}
	return strings.Join(kept, "&"), nil
}

// streamsObject reports whether r carries an object's bytes: PutObject
// or UploadPart (a PUT on an object whose query is at most partNumber and
// uploadId, and that is not a copy).
func streamsObject(r *http.Request, path, query string) bool {
	if r.Method != http.MethodPut || r.Header.Get("X-Amz-Copy-Source") != "" {
		return false
	}
	bucket, key, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if bucket == "" || key == "" {
		return false
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return false
	}
	for name := range q {
		if name != "partNumber" && name != "uploadId" {
			return false
		}
	}
	return true
}
