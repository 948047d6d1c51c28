package sigv4

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// maxLine bounds a chunk size line or a trailer line (the buffer of the
// bufio.Reader the decoder reads through).
const maxLine = 4096

// maxTrailerLines bounds the lines of a trailer section.
const maxTrailerLines = 16

// ChunkParams describes an aws-chunked body for NewChunkedReader.
type ChunkParams struct {
	// Mode is the variant, from ParseChunkMode(x-amz-content-sha256).
	Mode ChunkMode
	// DecodedLength is x-amz-decoded-content-length: the payload length.
	DecodedLength int64
	// Result is the successful Verify result of the request; the signed
	// modes use its SigningKey, AmzDate, Scope and Signature (the seed).
	Result Result
	// Trailers are the trailer names announced in x-amz-trailer, lower case.
	Trailers []string
}

// ChunkedReader decodes an aws-chunked body, verifying chunk and trailer
// signatures as it streams. It never holds more than its 4 KiB line buffer:
// chunk data is hashed as it passes through.
//
// The Read that would return the final payload byte first reads and checks
// everything after it: the end of that chunk and its signature, the final
// zero-length chunk and its signature, the trailers and their signature, the
// terminating empty line and the end of the body. If anything is wrong, that
// Read returns the error instead of the bytes. A chunk's signature is checked
// likewise by the Read that would return the chunk's last byte. So a consumer
// reading exactly DecodedLength bytes (io.ReadFull) gets every error before
// it has the whole payload; it must not commit anything before then.
//
// The framing is strict where every client agrees (CRLF line ends,
// "hex-size;chunk-signature=<64 lower-case hex>") and lenient only where real
// clients differ, in the trailer section: trailer lines may end with a bare
// LF and one empty line may precede x-amz-trailer-signature (minio-go writes
// "name:value\n\r\nx-amz-trailer-signature:sig\r\n\r\n"), one extra CRLF
// may follow the end (minio-go's unsigned trailer ends "\n\r\n\r\n"), and in
// UnsignedTrailer mode the body may end instead of the final empty line
// (aws-sdk-js-v3 without a checksum ends with "0\r\n"). Trailer values are
// trimmed; the trailer signature covers "name:value\n" per trailer, name in
// lower case, in the order received.
//
// Errors are sticky. Besides the sentinels (ErrMalformedChunk,
// ErrChunkSignatureMismatch, ErrDecodedLengthMismatch, ErrTrailer), a body
// that ends early gives an error wrapping io.ErrUnexpectedEOF, and errors of
// the underlying body (a network error, *http.MaxBytesError) are returned
// wrapped.
type ChunkedReader struct {
	br   *bufio.Reader
	p    ChunkParams
	prev string    // previous signature (seed, then each chunk's)
	h    hash.Hash // SHA-256 of the current chunk's data

	inChunk   bool
	chunkLeft int64  // data bytes of the current chunk not read yet
	chunkSig  string // signature announced for the current chunk
	left      int64  // payload bytes not delivered yet

	done     bool
	err      error
	trailers http.Header
}

// NewChunkedReader returns a reader of the payload of the aws-chunked body.
func NewChunkedReader(body io.Reader, p ChunkParams) *ChunkedReader {
	return &ChunkedReader{
		br:       bufio.NewReaderSize(body, maxLine),
		p:        p,
		prev:     p.Result.Signature,
		h:        sha256.New(),
		left:     p.DecodedLength,
		trailers: http.Header{},
	}
}

// Trailers returns the trailers received, keyed canonically (use Get), once
// the final payload byte has been delivered; nil before.
func (c *ChunkedReader) Trailers() http.Header {
	if !c.done {
		return nil
	}
	return c.trailers
}

// Finish returns nil once the whole body has been read and verified: call
// it after reading DecodedLength bytes, before committing. It matters for an
// empty payload, where io.ReadFull of zero bytes never calls Read: Finish
// then reads and checks the final chunk and trailers. Called before the
// payload has been fully read, it reads nothing and reports
// ErrDecodedLengthMismatch. It returns the reader's error if there was one.
func (c *ChunkedReader) Finish() error {
	switch {
	case c.err != nil:
		return c.err
	case c.done:
		return nil
	case c.left == 0 && !c.inChunk:
		_, err := c.Read(nil)
		if err == io.EOF {
			return nil
		}
		return err
	}
	return fmt.Errorf("%d of %d payload bytes not read yet: %w", c.left, c.p.DecodedLength, ErrDecodedLengthMismatch)
}

// Read implements io.Reader over the decoded payload.
func (c *ChunkedReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.done {
		return 0, io.EOF
	}
	switch {
	case c.p.Mode != Signed && c.p.Mode != SignedTrailer && c.p.Mode != UnsignedTrailer:
		return 0, c.fail(fmt.Errorf("unknown aws-chunked mode %d: %w", c.p.Mode, ErrMalformedChunk))
	case c.p.DecodedLength < 0:
		return 0, c.fail(fmt.Errorf("negative x-amz-decoded-content-length: %w", ErrDecodedLengthMismatch))
	}
	if !c.inChunk && c.left == 0 {
		// Empty payload: the first Read checks the rest and reports EOF.
		if err := c.finish(); err != nil {
			return 0, c.fail(err)
		}
		c.done = true
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if !c.inChunk {
		size, sig, err := c.readChunkHeader()
		if err != nil {
			return 0, c.fail(err)
		}
		got := c.p.DecodedLength - c.left
		switch {
		case size == 0:
			return 0, c.fail(fmt.Errorf("the chunks end after %d bytes, x-amz-decoded-content-length is %d: %w", got, c.p.DecodedLength, ErrDecodedLengthMismatch))
		case size > c.left:
			return 0, c.fail(fmt.Errorf("a chunk of %d bytes after %d bytes exceeds x-amz-decoded-content-length %d: %w", size, got, c.p.DecodedLength, ErrDecodedLengthMismatch))
		}
		c.inChunk, c.chunkLeft, c.chunkSig = true, size, sig
		c.h.Reset()
	}

	if int64(len(p)) > c.chunkLeft {
		p = p[:c.chunkLeft]
	}
	n, err := c.br.Read(p)
	if c.p.Mode.signed() {
		c.h.Write(p[:n])
	}
	c.chunkLeft -= int64(n)
	c.left -= int64(n)
	if n == 0 {
		if err == nil {
			return 0, nil
		}
		return 0, c.fail(fmt.Errorf("reading chunk data (%d bytes missing): %w", c.chunkLeft, eofIsUnexpected(err)))
	}
	if c.chunkLeft > 0 {
		return n, nil
	}

	// The chunk's last byte: check its end and signature before returning it.
	if err := c.endChunk(); err != nil {
		return 0, c.fail(err)
	}
	if c.left == 0 {
		// The payload's last byte: check everything that follows.
		if err := c.finish(); err != nil {
			return 0, c.fail(err)
		}
		c.done = true
	}
	return n, nil
}

func (c *ChunkedReader) fail(err error) error {
	c.err = err
	return err
}

// endChunk reads the CRLF after a chunk's data and verifies its signature.
func (c *ChunkedReader) endChunk() error {
	line, err := c.readLine(true)
	if err != nil {
		return fmt.Errorf("after chunk data: %w", eofIsUnexpected(err))
	}
	if line != "" {
		return fmt.Errorf("chunk data is not followed by CRLF: %w", ErrMalformedChunk)
	}
	c.inChunk = false
	return c.verifyChunk(hex.EncodeToString(c.h.Sum(nil)))
}

// verifyChunk checks the current chunk signature given the hex SHA-256 of
// its data, and makes it the previous signature.
func (c *ChunkedReader) verifyChunk(dataHash string) error {
	if !c.p.Mode.signed() {
		return nil
	}
	want := chunkSign(c.p.Result, c.prev, dataHash)
	if len(c.p.Result.SigningKey) == 0 || !hmac.Equal([]byte(want), []byte(c.chunkSig)) {
		return fmt.Errorf("chunk ending at byte %d: %w", c.p.DecodedLength-c.left, ErrChunkSignatureMismatch)
	}
	c.prev = want
	return nil
}

// finish reads and checks what follows the payload: the final zero-length
// chunk, the trailer section or empty line, and the end of the body.
func (c *ChunkedReader) finish() error {
	size, sig, err := c.readChunkHeader()
	if err != nil {
		return err
	}
	if size != 0 {
		return fmt.Errorf("more data than x-amz-decoded-content-length %d: %w", c.p.DecodedLength, ErrDecodedLengthMismatch)
	}
	c.chunkSig = sig
	if err := c.verifyChunk(EmptySHA256); err != nil {
		return err
	}
	if c.p.Mode.trailer() {
		if err := c.readTrailers(); err != nil {
			return err
		}
	} else {
		line, err := c.readLine(true)
		if err != nil {
			return fmt.Errorf("after the final chunk: %w", eofIsUnexpected(err))
		}
		if line != "" {
			return fmt.Errorf("the final chunk is not followed by CRLF: %w", ErrMalformedChunk)
		}
	}
	return c.expectEOF()
}

// expectEOF checks that the body ends here. One extra CRLF is tolerated:
// minio-go's STREAMING-UNSIGNED-PAYLOAD-TRAILER encoder writes
// "name:value\n\r\n\r\n" (and counts it in Content-Length).
func (c *ChunkedReader) expectEOF() error {
	var b [3]byte
	n, err := io.ReadFull(c.br, b[:])
	switch {
	case n == 0 && err == io.EOF:
		return nil
	case n == 2 && err == io.ErrUnexpectedEOF && string(b[:2]) == "\r\n":
		return nil
	case err != nil && err != io.EOF && err != io.ErrUnexpectedEOF:
		return fmt.Errorf("after the aws-chunked body: %w", err)
	}
	return fmt.Errorf("data after the end of the aws-chunked body: %w", ErrMalformedChunk)
}

// readChunkHeader reads "hex-size;chunk-signature=sig\r\n" (signed modes) or
// "hex-size\r\n" (UnsignedTrailer).
func (c *ChunkedReader) readChunkHeader() (int64, string, error) {
	line, err := c.readLine(true)
	if err != nil {
		return 0, "", fmt.Errorf("reading a chunk header: %w", eofIsUnexpected(err))
	}
	sizeStr, sig := line, ""
	if c.p.Mode.signed() {
		var ext string
		var ok bool
		sizeStr, ext, ok = strings.Cut(line, ";")
		sig, _ = strings.CutPrefix(ext, "chunk-signature=")
		if !ok || len(sig) == len(ext) || len(sig) != 64 || strings.ToLower(sig) != sig || !IsSHA256Hex(sig) {
			return 0, "", fmt.Errorf("chunk header %.100q is not hex-size;chunk-signature=<64 hex digits>: %w", line, ErrMalformedChunk)
		}
	}
	if sizeStr == "" || len(sizeStr) > 16 || strings.Trim(sizeStr, "0123456789abcdefABCDEF") != "" {
		return 0, "", fmt.Errorf("chunk size %.100q is not hexadecimal: %w", sizeStr, ErrMalformedChunk)
	}
	size, err := strconv.ParseInt(sizeStr, 16, 64)
	if err != nil {
		return 0, "", fmt.Errorf("chunk size %q is too large: %w", sizeStr, ErrMalformedChunk)
	}
	return size, sig, nil
}

// readTrailers reads the trailer section after the final chunk:
//
//	name:value\r\n ... [x-amz-trailer-signature:sig\r\n] \r\n
//
// The signature line is required in SignedTrailer mode and refused in
// UnsignedTrailer mode. Leniency, for real clients: trailer lines may end
// with a bare LF and one empty line may precede the signature line
// (minio-go writes "name:value\n\r\nx-amz-trailer-signature:sig\r\n\r\n");
// in UnsignedTrailer mode the body may end instead of the final empty line
// (aws-sdk-js-v3 without a checksum sends just "0\r\n").
//
// The trailer signature covers "name:value\n" for each trailer, name lower
// case and value trimmed, in the order received.
func (c *ChunkedReader) readTrailers() error {
	var canon strings.Builder
	var sig string
	signed := c.p.Mode == SignedTrailer
	sawSig, sawBlank := false, false
	for lines := 0; ; lines++ {
		if lines > maxTrailerLines {
			return fmt.Errorf("more than %d trailer lines: %w", maxTrailerLines, ErrTrailer)
		}
		line, err := c.readLine(false)
		if err == io.EOF && !signed {
			break
		}
		if err == io.EOF && !sawSig {
			return fmt.Errorf("no x-amz-trailer-signature: %w", ErrTrailer)
		}
		if err != nil {
			if errors.Is(err, ErrMalformedChunk) {
				return fmt.Errorf("trailer line too long: %w", ErrTrailer)
			}
			return fmt.Errorf("reading trailers: %w", eofIsUnexpected(err))
		}
		if line == "" {
			if !signed || sawSig {
				break
			}
			if sawBlank {
				return fmt.Errorf("empty trailer line: %w", ErrTrailer)
			}
			sawBlank = true
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		name, value = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(value)
		switch {
		case sawSig:
			return fmt.Errorf("trailer line %.100q after x-amz-trailer-signature: %w", line, ErrTrailer)
		case !ok || name == "":
			return fmt.Errorf("trailer line %.100q is not name:value: %w", line, ErrTrailer)
		case name == "x-amz-trailer-signature" && signed:
			sig, sawSig = value, true
			continue
		case sawBlank:
			return fmt.Errorf("trailer line %.100q after an empty line: %w", line, ErrTrailer)
		case !slices.Contains(c.p.Trailers, name):
			return fmt.Errorf("trailer %q was not announced in x-amz-trailer: %w", name, ErrTrailer)
		case len(c.trailers.Values(name)) > 0:
			return fmt.Errorf("trailer %q is repeated: %w", name, ErrTrailer)
		}
		c.trailers.Set(name, value)
		canon.WriteString(name + ":" + value + "\n")
	}
	if signed {
		want := trailerSign(c.p.Result, c.prev, canon.String())
		if len(c.p.Result.SigningKey) == 0 || !hmac.Equal([]byte(want), []byte(sig)) {
			return fmt.Errorf("x-amz-trailer-signature: %w", ErrChunkSignatureMismatch)
		}
		c.prev = want
	}
	for _, name := range c.p.Trailers {
		if len(c.trailers.Values(name)) == 0 {
			return fmt.Errorf("trailer %q announced in x-amz-trailer is missing: %w", name, ErrTrailer)
		}
	}
	return nil
}

// readLine reads a line and returns it without its terminator. With crlf,
// the line must end with CRLF; otherwise a bare LF is accepted too. A body
// ending before the line starts gives io.EOF, inside it io.ErrUnexpectedEOF;
// a line longer than maxLine is ErrMalformedChunk.
func (c *ChunkedReader) readLine(crlf bool) (string, error) {
	b, err := c.br.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull:
		return "", fmt.Errorf("line longer than %d bytes: %w", maxLine, ErrMalformedChunk)
	case err == io.EOF && len(b) == 0:
		return "", io.EOF
	case err == io.EOF:
		return "", io.ErrUnexpectedEOF
	case err != nil:
		return "", err
	}
	b = b[:len(b)-1]
	if len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	} else if crlf {
		return "", fmt.Errorf("line %.100q ends with LF, not CRLF: %w", b, ErrMalformedChunk)
	}
	return string(b), nil
}

// eofIsUnexpected turns io.EOF into io.ErrUnexpectedEOF: the body ended
// where the encoding needs more.
func eofIsUnexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
