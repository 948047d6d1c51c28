package frontend

import (
	"fmt"
	"net/http"
	"sync"

	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/lifecycle"
	"github.com/amphora-s3/amphora/store"
)

// Bucket lifecycle configuration: Put/Get/DeleteBucketLifecycleConfiguration
// and the x-amz-expiration header. The rules are kept in the bucket's
// settings (store.SettingLifecycle, lifecycle.Config.Encode); package
// lifecycle reads and writes S3's XML form, checks it as S3 does, and
// decides what each rule does; its worker applies them.
//
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLifecycleConfiguration.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketLifecycle.html

// maxLifecycleBody bounds a configuration document: 1000 rules of long
// IDs, prefixes and tags fit.
const maxLifecycleBody = 2 << 20

var errNoSuchLifecycle = &Error{"NoSuchLifecycleConfiguration", http.StatusNotFound, "The lifecycle configuration does not exist", nil, ""}

func (s *server) getBucketLifecycle(w http.ResponseWriter, r *http.Request) error {
	b := info(r).bucket
	c, ok, err := s.lifecycles.of(b)
	if err != nil {
		return err
	}
	if !ok {
		return errNoSuchLifecycle.with(field{"BucketName", b.Name})
	}
	doc, err := c.Document()
	if err != nil {
		return fmt.Errorf("stored lifecycle configuration of %s: %w", b.Name, err)
	}
	writeXML(w, http.StatusOK, doc)
	return nil
}

// putBucketLifecycle replaces the bucket's lifecycle configuration.
// Content-MD5 is checked when sent (an x-amz-checksum-* header or trailer
// is checked by the payload as the body is read).
func (s *server) putBucketLifecycle(w http.ResponseWriter, r *http.Request) error {
	data, err := readConfigBody(r, maxLifecycleBody)
	if err != nil {
		return err
	}
	c, err := lifecycle.Parse(data)
	if err != nil {
		return err
	}
	if err := s.store.SetBucketSetting(r.Context(), info(r).bucket.Name, store.SettingLifecycle, c.Encode()); err != nil {
		return fmt.Errorf("put bucket lifecycle: %w", err)
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *server) deleteBucketLifecycle(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.SetBucketSetting(r.Context(), info(r).bucket.Name, store.SettingLifecycle, ""); err != nil {
		return fmt.Errorf("delete bucket lifecycle: %w", err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// setExpiration adds x-amz-expiration to a PUT, GET or HEAD of obj, the
// current version of its key in b, when an Expiration rule (by Days or
// Date) of b's configuration will expire it:
// `expiry-date="Fri, 23 Dec 2012 00:00:00 GMT", rule-id="picture-deletion-rule"`.
// A configuration that cannot be read adds nothing (and is logged): the
// header is advice, the request itself succeeded.
func (s *server) setExpiration(h http.Header, r *http.Request, b store.Bucket, obj store.Object) {
	if f, ok := s.expirationField(r, b, obj); ok {
		h.Set(f.Name, f.Value)
	}
}

// expirationField is the x-amz-expiration header setExpiration adds, as
// a field for the responses that carry their headers with their result
// (CopyObject and CompleteMultipartUpload, under respondLong).
func (s *server) expirationField(r *http.Request, b store.Bucket, obj store.Object) (field, bool) {
	c, ok, err := s.lifecycles.of(b)
	if err != nil {
		zerolog.Ctx(r.Context()).Error().Err(err).Msg("x-amz-expiration")
		return field{}, false
	}
	if !ok {
		return field{}, false
	}
	at, id := c.CurrentExpiry(s.lifecycleClock, obj)
	if at.IsZero() {
		return field{}, false
	}
	return field{"X-Amz-Expiration", fmt.Sprintf(`expiry-date="%s", rule-id="%s"`, at.UTC().Format(http.TimeFormat), id)}, true
}

// lifecycleCache holds parsed configurations by their stored text. A
// bucket's settings are cached with the bucket; this keeps the decode
// from being repeated on every read of an object in it.
type lifecycleCache struct {
	mu sync.Mutex
	m  map[string]lifecycle.Config
}

// maxCachedLifecycles bounds the cache; it is emptied when full
// (configurations change rarely, and a decode is cheap).
const maxCachedLifecycles = 1024

// of is b's lifecycle configuration; ok is false when none is set.
func (c *lifecycleCache) of(b store.Bucket) (lifecycle.Config, bool, error) {
	enc := b.Settings[store.SettingLifecycle]
	if enc == "" {
		return lifecycle.Config{}, false, nil
	}
	c.mu.Lock()
	cfg, ok := c.m[enc]
	c.mu.Unlock()
	if ok {
		return cfg, true, nil
	}
	cfg, ok, err := lifecycle.Of(b)
	if err != nil || !ok {
		return cfg, ok, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedLifecycles {
		c.m = make(map[string]lifecycle.Config)
	}
	c.m[enc] = cfg
	return cfg, true, nil
}
