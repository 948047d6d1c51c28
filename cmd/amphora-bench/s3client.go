package main

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/amphora-s3/amphora/sigv2"
)

// s3client is a minimal S3 client: path-style requests on raw net/http,
// signed with Signature V2 (HMAC-SHA1 of a short string: the client's cost
// per request is small and known). Keys must be unreserved characters and
// slashes, so they need no escaping.
type s3client struct {
	base   string // http://127.0.0.1:port
	ak, sk string
	hc     *http.Client
	hdr    map[string]string // sent (and signed) with every request
}

func newS3Client(base, ak, sk string) *s3client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        512,
		MaxIdleConnsPerHost: 512,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		WriteBufferSize:     256 << 10,
		ReadBufferSize:      256 << 10,
	}
	return &s3client{base: base, ak: ak, sk: sk, hc: &http.Client{Transport: tr}}
}

// do sends one signed request and returns the response when its status
// is 2xx; otherwise an error naming the status and the start of the body.
func (c *s3client) do(ctx context.Context, method, bucket, key, query string, body io.Reader, size int64) (*http.Response, error) {
	path := "/" + bucket
	if key != "" {
		path += "/" + key
	}
	u := c.base + path
	if query != "" {
		u += "?" + query
	}
	if body == nil && method == http.MethodPut {
		body = http.NoBody
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	if body != nil && body != http.NoBody {
		req.ContentLength = size
	}
	for k, v := range c.hdr {
		req.Header.Set(k, v)
	}
	req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	req.Header.Set("Authorization", "AWS "+c.ak+":"+sigv2.Sign(c.sk, sigv2.StringToSign(req, path, "")))
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(b)))
	}
	return resp, nil
}

// drain reads and closes a response body through buf, returning its length.
func drain(resp *http.Response, buf []byte) (int64, error) {
	defer resp.Body.Close()
	var n int64
	for {
		m, err := resp.Body.Read(buf)
		n += int64(m)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

func (c *s3client) createBucket(ctx context.Context, bucket string) error {
	resp, err := c.do(ctx, http.MethodPut, bucket, "", "", nil, 0)
	if err != nil {
		if strings.Contains(err.Error(), "BucketAlreadyOwnedByYou") {
			return nil
		}
		return err
	}
	_, err = drain(resp, make([]byte, 4096))
	return err
}

// put uploads size bytes of the pattern under key.
func (c *s3client) put(ctx context.Context, bucket, key string, size int64, pattern []byte) error {
	var body io.Reader
	if size > 0 {
		body = &patternReader{pattern: pattern, left: size}
	}
	resp, err := c.do(ctx, http.MethodPut, bucket, key, "", body, size)
	if err != nil {
		return err
	}
	_, err = drain(resp, make([]byte, 512))
	return err
}

// get reads key and discards it, checking its length.
func (c *s3client) get(ctx context.Context, bucket, key string, size int64, buf []byte) error {
	resp, err := c.do(ctx, http.MethodGet, bucket, key, "", nil, 0)
	if err != nil {
		return err
	}
	n, err := drain(resp, buf)
	if err == nil && n != size {
		err = fmt.Errorf("GET %s: %d bytes, want %d", key, n, size)
	}
	return err
}

func (c *s3client) head(ctx context.Context, bucket, key string, size int64) error {
	resp, err := c.do(ctx, http.MethodHead, bucket, key, "", nil, 0)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.ContentLength != size {
		return fmt.Errorf("HEAD %s: Content-Length %d, want %d", key, resp.ContentLength, size)
	}
	return nil
}

func (c *s3client) delete(ctx context.Context, bucket, key string) error {
	resp, err := c.do(ctx, http.MethodDelete, bucket, key, "", nil, 0)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// listResult is the part of a ListObjectsV2 answer the bench checks.
type listResult struct {
	KeyCount       int
	IsTruncated    bool
	Contents       []struct{ Key string }
	CommonPrefixes []struct{ Prefix string }
}

// list runs one ListObjectsV2 request (query without list-type) and
// returns the time until the last byte of the answer, parsed afterwards.
func (c *s3client) list(ctx context.Context, bucket, query string) (listResult, time.Duration, error) {
	var res listResult
	start := time.Now()
	resp, err := c.do(ctx, http.MethodGet, bucket, "", "list-type=2&"+query, nil, 0)
	if err != nil {
		return res, 0, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if err != nil {
		return res, took, err
	}
	if err := xml.Unmarshal(b, &res); err != nil {
		return res, took, fmt.Errorf("list answer: %w", err)
	}
	return res, took, nil
}

// patternReader yields left bytes by repeating pattern: an object body of
// any size generated on the fly, never held in memory.
type patternReader struct {
	pattern []byte
	off     int
	left    int64
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	n := 0
	for n < len(b) && p.left > 0 {
		m := copy(b[n:min(len(b), n+int(min(p.left, int64(len(p.pattern)-p.off))))], p.pattern[p.off:])
		n += m
		p.left -= int64(m)
		p.off = (p.off + m) % len(p.pattern)
	}
	return n, nil
}

// WriteTo hands the pattern to w in large slices without copying.
func (p *patternReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for p.left > 0 {
		chunk := p.pattern[p.off:]
		if int64(len(chunk)) > p.left {
			chunk = chunk[:p.left]
		}
		n, err := w.Write(chunk)
		total += int64(n)
		p.left -= int64(n)
		p.off = (p.off + n) % len(p.pattern)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}
