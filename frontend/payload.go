package frontend

import (
	"bytes"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/amphora-s3/amphora/checksum"
	"github.com/amphora-s3/amphora/sigv4"
	"github.com/amphora-s3/amphora/store"
)

// payload is a request body with its signature and transfer forms undone:
// the bytes the client means, how many there are, and the checks that can
// only run once every byte has been read. A request gets one, built right
// after authentication (see openPayload), whatever its operation.
//
// Forms, by x-amz-content-sha256 (SigV4 only; other requests are plain):
//
//	64 hex digits                        the SHA-256 of the body, checked at the end
//	UNSIGNED-PAYLOAD / absent            plain body
//	STREAMING-AWS4-HMAC-SHA256-PAYLOAD   aws-chunked, every chunk signed
//	STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER  ... plus signed trailers
//	STREAMING-UNSIGNED-PAYLOAD-TRAILER   aws-chunked, unsigned, with trailers
//
// Every form may carry one additional checksum (x-amz-checksum-<alg> as a
// header, or announced in x-amz-trailer and sent after the body), which is
// computed while the bytes stream and checked at the end. Nothing is ever
// buffered beyond the reader's own small buffers.
type payload struct {
	body io.Reader // decoded bytes
	// size is the decoded length: Content-Length, or
	// x-amz-decoded-content-length for aws-chunked bodies; -1 if unknown.
	size int64

	hashed *sigv4.HashedBody    // hex x-amz-content-sha256, else nil
	chunks *sigv4.ChunkedReader // aws-chunked, else nil

	alg      checksum.Algorithm // additional checksum; "" for none
	h        hash.Hash          // computes alg over the decoded bytes
	want     []byte             // the header's value; nil when it comes as a trailer or not at all
	trailer  bool               // the value arrives as a trailer
	finished bool
	result   store.Checksum
	err      error
}

// isStreaming reports whether an x-amz-content-sha256 value names one of
// the aws-chunked forms.
func isStreaming(contentSHA256 string) bool {
	return strings.HasPrefix(contentSHA256, "STREAMING-")
}

// openPayload works out r's payload form from its headers and the
// signature already verified (v4 is nil for other schemes). Errors are
// the S3 errors for malformed payload headers.
func openPayload(r *http.Request, v4 *sigv4.Result) (*payload, error) {
	p := &payload{body: r.Body, size: r.ContentLength}
	if r.Body == nil || r.Body == http.NoBody {
		p.body = http.NoBody
	}
	if _, ok := r.Header["Content-Length"]; !ok && !isStreaming(r.Header.Get("X-Amz-Content-Sha256")) {
		p.size = -1
	}
	trailers, err := announcedTrailers(r.Header)
	if err != nil {
		return nil, err
	}
	mode := ""
	if v4 != nil {
		mode = v4.PayloadHash
	}
	switch {
	case isStreaming(mode):
		cm, ok := sigv4.ParseChunkMode(mode)
		if !ok {
			return nil, errInvalidArgument.withMessage("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.").
				with(field{"ArgumentName", "x-amz-content-sha256"}, field{"ArgumentValue", mode})
		}
		dl, ok := r.Header["X-Amz-Decoded-Content-Length"]
		if !ok {
			return nil, errMissingContentLength
		}
		n, err := strconv.ParseInt(first(dl), 10, 64)
		if err != nil || n < 0 {
			return nil, errInvalidArgument.withMessage("x-amz-decoded-content-length is not a valid length").
				with(field{"ArgumentName", "x-amz-decoded-content-length"}, field{"ArgumentValue", first(dl)})
		}
		if len(trailers) > 0 && cm != sigv4.SignedTrailer && cm != sigv4.UnsignedTrailer {
			return nil, errInvalidRequest.withMessage("x-amz-trailer is only allowed with a STREAMING-...-TRAILER x-amz-content-sha256")
		}
		p.chunks = sigv4.NewChunkedReader(p.body, sigv4.ChunkParams{Mode: cm, DecodedLength: n, Result: *v4, Trailers: trailers})
		p.body, p.size = p.chunks, n
	case len(trailers) > 0:
		return nil, errInvalidRequest.withMessage("x-amz-trailer is only allowed with a STREAMING-...-TRAILER x-amz-content-sha256")
	case mode != "" && mode != sigv4.UnsignedPayload:
		// Verify accepted it, so it is a hex SHA-256.
		p.hashed = sigv4.NewHashedBody(p.body, mode)
		p.body = p.hashed
	}
	if err := p.chooseChecksum(r.Header, trailers); err != nil {
		return nil, err
	}
	if p.h != nil {
		p.body = io.TeeReader(p.body, p.h)
	}
	return p, nil
}

// announcedTrailers returns the lower-case names in x-amz-trailer. Only
// x-amz-checksum-* trailers exist in S3.
func announcedTrailers(h http.Header) ([]string, error) {
	var names []string
	for _, v := range h.Values("X-Amz-Trailer") {
		for _, n := range strings.Split(v, ",") {
			n = strings.ToLower(strings.TrimSpace(n))
			if n == "" {
				continue
			}
			if _, ok := checksum.FromHeader(n); !ok {
				return nil, errInvalidRequest.withMessage("The value specified in the x-amz-trailer header is not supported")
			}
			names = append(names, n)
		}
	}
	if len(names) > 1 {
		return nil, errInvalidRequest.withMessage("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
	}
	return names, nil
}

// chooseChecksum finds the additional checksum the client asks for: a
// value in a header, a value announced as a trailer, or just an algorithm
// (x-amz-sdk-checksum-algorithm / x-amz-checksum-algorithm), in which case
// the server computes and stores it.
func (p *payload) chooseChecksum(h http.Header, trailers []string) error {
	var found []checksum.Algorithm
	for _, a := range checksum.All() {
		if _, ok := h[http.CanonicalHeaderKey(a.Header())]; ok {
			found = append(found, a)
		}
	}
	if len(trailers) == 1 {
		a, _ := checksum.FromHeader(trailers[0])
		found = append(found, a)
		p.trailer = true
	}
	if len(found) > 1 {
		return errInvalidRequest.withMessage("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
	}
	named := h.Get("X-Amz-Sdk-Checksum-Algorithm")
	if named == "" {
		named = h.Get("X-Amz-Checksum-Algorithm")
	}
	if named != "" {
		a, ok := checksum.Parse(named)
		if !ok || (len(found) == 1 && found[0] != a) {
			return errInvalidRequest.withMessage("Value for x-amz-sdk-checksum-algorithm header is invalid.")
		}
		if len(found) == 0 {
			found = append(found, a)
		}
	}
	if len(found) == 0 {
		return nil
	}
	p.alg = found[0]
	p.h = p.alg.New()
	if !p.trailer {
		if v, ok := h[http.CanonicalHeaderKey(p.alg.Header())]; ok {
			want, err := p.alg.Decode(first(v))
			if err != nil {
				return errInvalidRequest.withMessage(fmt.Sprintf("Value for %s header is invalid.", p.alg.Header()))
			}
			p.want = want
		}
	}
	return nil
}

// finish checks every digest of the payload once its bytes have been read
// and returns the additional checksum to store with the object (zero when
// none was asked for). It may be called more than once.
func (p *payload) finish() (store.Checksum, error) {
	if p.finished {
		return p.result, p.err
	}
	p.finished = true
	p.result, p.err = p.check()
	return p.result, p.err
}

func (p *payload) check() (store.Checksum, error) {
	if p.chunks != nil {
		if err := p.chunks.Finish(); err != nil {
			return store.Checksum{}, err
		}
	}
	if p.hashed != nil {
		if err := p.hashed.Check(); err != nil {
			return store.Checksum{}, err
		}
	}
	if p.h == nil {
		return store.Checksum{}, nil
	}
	want := p.want
	if p.trailer {
		v := p.chunks.Trailers().Get(p.alg.Header())
		sum, err := p.alg.Decode(v)
		if err != nil {
			return store.Checksum{}, errInvalidRequest.withMessage(fmt.Sprintf("Value for %s trailing header is invalid.", p.alg.Header()))
		}
		want = sum
	}
	got := p.h.Sum(nil)
	if want != nil && !bytes.Equal(got, want) {
		return store.Checksum{}, errBadDigest.withMessage(fmt.Sprintf("The %s you specified did not match the calculated checksum.", p.alg))
	}
	return store.Checksum{Algorithm: string(p.alg), Type: "FULL_OBJECT", Value: checksum.Encode(got)}, nil
}

// eofChecked is the request body handlers that read to the end see (XML
// bodies): the payload's bytes, with its digests checked when the end is
// reached, so a bad digest is an error instead of io.EOF.
type eofChecked struct {
	p *payload
	io.Closer
}

func (e eofChecked) Read(b []byte) (int, error) {
	n, err := e.p.body.Read(b)
	if errors.Is(err, io.EOF) {
		if _, ferr := e.p.finish(); ferr != nil {
			return n, ferr
		}
	}
	return n, err
}

// uploadPayload is the payload of a request that stores its body (PUT
// object, UploadPart): its decoded length must be known and at most max.
func uploadPayload(r *http.Request, max int64) (*payload, error) {
	p := info(r).payload
	if p == nil || p.size < 0 {
		return nil, errMissingContentLength
	}
	if p.size > max {
		return nil, errEntityTooLarge.with(
			field{"ProposedSize", strconv.FormatInt(p.size, 10)},
			field{"MaxSizeAllowed", strconv.FormatInt(max, 10)})
	}
	return p, nil
}

// setChecksumHeaders sets x-amz-checksum-<alg> (and its type) for a
// stored checksum; nothing when there is none.
func setChecksumHeaders(h http.Header, c store.Checksum) {
	a, ok := checksum.Parse(c.Algorithm)
	if !ok || c.Value == "" {
		return
	}
	h.Set(a.Header(), c.Value)
	if c.Type != "" {
		h.Set("x-amz-checksum-type", c.Type)
	}
}
