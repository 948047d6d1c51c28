package frontend

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
)

// listDoc decodes both listing versions, independently of list.go's types.
type listDoc struct {
	Name, Prefix, Marker, NextMarker, Delimiter, EncodingType string
	StartAfter, ContinuationToken, NextContinuationToken      string
	MaxKeys, KeyCount                                         int
	IsTruncated                                               bool
	Contents                                                  []struct {
		Key, ETag, LastModified, StorageClass string
		Size                                  int64
		Owner                                 *struct{ ID, DisplayName string }
	}
	CommonPrefixes []struct{ Prefix string }
	// Present reports which optional elements the document has.
	raw string
}

func (d listDoc) keys() []string {
	var ks []string
	for _, c := range d.Contents {
		ks = append(ks, c.Key)
	}
	return ks
}

func (d listDoc) prefixes() []string {
	var ps []string
	for _, p := range d.CommonPrefixes {
		ps = append(ps, p.Prefix)
	}
	return ps
}

func (e *env) list(t *testing.T, bucket string, q url.Values) listDoc {
	t.Helper()
	path := "/" + bucket
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	resp, body := e.signed(t, http.MethodGet, path, nil, nil)
	wantStatus(t, resp, body, http.StatusOK)
	var d listDoc
	if err := xml.Unmarshal(body, &d); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, body)
	}
	d.raw = string(body)
	return d
}

func TestListObjects(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	all := []string{"a/1", "a/2", "a/3", "b/1", "b/2", "c", "d/x/y", "e"}
	for _, k := range all {
		e.mustPut(t, "bucket", k, []byte(k))
	}

	t.Run("v1 full", func(t *testing.T) {
		d := e.list(t, "bucket", nil)
		if !slices.Equal(d.keys(), all) || d.IsTruncated || d.MaxKeys != 1000 || d.Name != "bucket" {
			t.Errorf("list = %+v", d)
		}
		c := d.Contents[0]
		if c.Owner == nil || c.Owner.ID != "tenant-alice" || c.Owner.DisplayName != "Alice" || c.StorageClass != "STANDARD" ||
			c.Size != 3 || len(c.ETag) != 34 || c.LastModified == "" {
			t.Errorf("entry = %+v", c)
		}
	})
	t.Run("v1 paging without delimiter", func(t *testing.T) {
		var got []string
		marker := ""
		for range 10 {
			d := e.list(t, "bucket", url.Values{"max-keys": {"3"}, "marker": {marker}})
			if d.NextMarker != "" {
				t.Errorf("NextMarker %q without a delimiter", d.NextMarker)
			}
			got = append(got, d.keys()...)
			if !d.IsTruncated {
				break
			}
			marker = d.Contents[len(d.Contents)-1].Key
		}
		if !slices.Equal(got, all) {
			t.Errorf("paged keys = %q", got)
		}
	})
	t.Run("v1 paging with delimiter", func(t *testing.T) {
		var keys, prefixes []string
		marker := ""
		for range 10 {
			d := e.list(t, "bucket", url.Values{"max-keys": {"2"}, "marker": {marker}, "delimiter": {"/"}})
			keys = append(keys, d.keys()...)
			prefixes = append(prefixes, d.prefixes()...)
			if d.Delimiter != "/" {
				t.Errorf("Delimiter = %q", d.Delimiter)
			}
			if !d.IsTruncated {
				if d.NextMarker != "" {
					t.Errorf("NextMarker on the last page")
				}
				break
			}
			if d.NextMarker == "" {
				t.Fatalf("truncated page without NextMarker: %s", d.raw)
			}
			marker = d.NextMarker
		}
		if !slices.Equal(keys, []string{"c", "e"}) || !slices.Equal(prefixes, []string{"a/", "b/", "d/"}) {
			t.Errorf("keys %q prefixes %q", keys, prefixes)
		}
	})
	t.Run("v1 prefix", func(t *testing.T) {
		d := e.list(t, "bucket", url.Values{"prefix": {"a/"}})
		if !slices.Equal(d.keys(), []string{"a/1", "a/2", "a/3"}) || d.Prefix != "a/" {
			t.Errorf("list = %+v", d)
		}
		// s3cmd ls s3://bucket/exact-key lists by prefix and must find the key.
		d = e.list(t, "bucket", url.Values{"prefix": {"c"}, "delimiter": {"/"}})
		if !slices.Equal(d.keys(), []string{"c"}) {
			t.Errorf("exact key prefix = %+v", d)
		}
	})
	t.Run("v2 paging with continuation tokens", func(t *testing.T) {
		for _, delim := range []string{"", "/"} {
			var keys, prefixes []string
			token := ""
			pages := 0
			for ; pages < 10; pages++ {
				q := url.Values{"list-type": {"2"}, "max-keys": {"2"}}
				if delim != "" {
					q.Set("delimiter", delim)
				}
				if token != "" {
					q.Set("continuation-token", token)
				}
				d := e.list(t, "bucket", q)
				if d.ContinuationToken != token {
					t.Errorf("ContinuationToken echoed %q, sent %q", d.ContinuationToken, token)
				}
				if d.KeyCount != len(d.Contents)+len(d.CommonPrefixes) {
					t.Errorf("KeyCount %d for %d+%d", d.KeyCount, len(d.Contents), len(d.CommonPrefixes))
				}
				if len(d.Contents) > 0 && d.Contents[0].Owner != nil {
					t.Errorf("Owner without fetch-owner")
				}
				keys = append(keys, d.keys()...)
				prefixes = append(prefixes, d.prefixes()...)
				if !d.IsTruncated {
					if d.NextContinuationToken != "" {
						t.Errorf("NextContinuationToken on the last page")
					}
					break
				}
				token = d.NextContinuationToken
				if token == "" {
					t.Fatalf("truncated without NextContinuationToken: %s", d.raw)
				}
			}
			wantKeys, wantPrefixes := all, []string(nil)
			if delim != "" {
				wantKeys, wantPrefixes = []string{"c", "e"}, []string{"a/", "b/", "d/"}
			}
			if !slices.Equal(keys, wantKeys) || !slices.Equal(prefixes, wantPrefixes) {
				t.Errorf("delimiter %q: keys %q prefixes %q", delim, keys, prefixes)
			}
		}
	})
	t.Run("v2 start-after and fetch-owner", func(t *testing.T) {
		d := e.list(t, "bucket", url.Values{"list-type": {"2"}, "start-after": {"b/1"}, "fetch-owner": {"true"}})
		if !slices.Equal(d.keys(), []string{"b/2", "c", "d/x/y", "e"}) || d.StartAfter != "b/1" {
			t.Errorf("start-after: %+v", d)
		}
		if d.Contents[0].Owner == nil || d.Contents[0].Owner.ID != "tenant-alice" {
			t.Errorf("fetch-owner: no Owner")
		}
	})
	t.Run("max-keys=0", func(t *testing.T) {
		for _, q := range []url.Values{{"max-keys": {"0"}}, {"list-type": {"2"}, "max-keys": {"0"}}} {
			d := e.list(t, "bucket", q)
			if len(d.Contents) != 0 || len(d.CommonPrefixes) != 0 || d.MaxKeys != 0 {
				t.Errorf("max-keys=0: %s", d.raw)
			}
		}
	})
	t.Run("max-keys capped", func(t *testing.T) {
		d := e.list(t, "bucket", url.Values{"max-keys": {"5000"}})
		if d.MaxKeys != 1000 || len(d.Contents) != len(all) {
			t.Errorf("max-keys=5000: %s", d.raw)
		}
	})
	t.Run("bad arguments", func(t *testing.T) {
		for _, q := range []string{
			"max-keys=abc", "max-keys=-1", "max-keys=99999999999", "encoding-type=base64",
			"list-type=2&max-keys=x", "list-type=2&continuation-token=%21%21%21",
		} {
			resp, body := e.signed(t, http.MethodGet, "/bucket?"+q, nil, nil)
			wantError(t, resp, body, http.StatusBadRequest, "InvalidArgument")
		}
	})
	t.Run("no such bucket", func(t *testing.T) {
		for _, q := range []string{"", "?list-type=2"} {
			resp, body := e.signed(t, http.MethodGet, "/nobucket"+q, nil, nil)
			wantError(t, resp, body, http.StatusNotFound, "NoSuchBucket")
		}
	})
}

func TestListEncodingTypeURL(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	for _, k := range []string{"a b/x", "a+b/x", "100%", "ü/1", "plain"} {
		e.mustPut(t, "bucket", k, []byte("x"))
	}
	for _, v := range []string{"1", "2"} {
		q := url.Values{"encoding-type": {"url"}, "delimiter": {"/"}, "prefix": {""}}
		if v == "2" {
			q.Set("list-type", "2")
			q.Set("start-after", "0 0")
		} else {
			q.Set("marker", "0 0")
		}
		d := e.list(t, "bucket", q)
		if d.EncodingType != "url" {
			t.Errorf("v%s: EncodingType = %q", v, d.EncodingType)
		}
		if want := []string{"100%25", "plain"}; !slices.Equal(d.keys(), want) {
			t.Errorf("v%s: keys %q, want %q", v, d.keys(), want)
		}
		if want := []string{"a%20b/", "a%2Bb/", "%C3%BC/"}; !slices.Equal(d.prefixes(), want) {
			t.Errorf("v%s: prefixes %q, want %q", v, d.prefixes(), want)
		}
		if d.Delimiter != "%2F" && d.Delimiter != "/" {
			t.Errorf("v%s: delimiter %q", v, d.Delimiter)
		}
		if v == "1" && d.Marker != "0%200" || v == "2" && d.StartAfter != "0%200" {
			t.Errorf("v%s: marker/start-after not encoded: %s", v, d.raw)
		}
	}
	// Without encoding-type the keys are raw.
	d := e.list(t, "bucket", url.Values{"prefix": {"a"}})
	if want := []string{"a b/x", "a+b/x"}; !slices.Equal(d.keys(), want) {
		t.Errorf("raw keys %q", d.keys())
	}
}

func TestListLargeBucket(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	for i := range 1005 {
		e.mustPut(t, "bucket", "k"+strconv.Itoa(10000+i), nil)
	}
	d := e.list(t, "bucket", nil)
	if len(d.Contents) != 1000 || !d.IsTruncated {
		t.Errorf("page of %d, truncated %v", len(d.Contents), d.IsTruncated)
	}
	d = e.list(t, "bucket", url.Values{"marker": {d.Contents[999].Key}})
	if len(d.Contents) != 5 || d.IsTruncated {
		t.Errorf("second page of %d, truncated %v", len(d.Contents), d.IsTruncated)
	}
}

func TestURLEncodeKey(t *testing.T) {
	for in, want := range map[string]string{
		"plain/key.txt": "plain/key.txt",
		"a b":           "a%20b",
		"a+b":           "a%2Bb",
		"100%":          "100%25",
		"한/x":           "%ED%95%9C/x",
		"a&b=c?d":       "a%26b%3Dc%3Fd",
		"\x01":          "%01",
	} {
		if got := urlEncodeKey(in); got != want {
			t.Errorf("urlEncodeKey(%q) = %q, want %q", in, got, want)
		}
	}
}
