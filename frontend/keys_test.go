package frontend

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/signer"
)

// awkwardKeys are keys that break servers which re-encode, clean or
// query-unescape paths.
var awkwardKeys = []string{
	"unicode/ünïcødé-€-日本語.txt",
	"with space/and more spaces",
	"plus+sign+key",
	"percent%literal%25and%2Fescape",
	"double//slash",
	"/leading-slash",
	"trailing-slash/",
	"dots/./and/../parent",
	"query?like=this&x",
	"hash#frag",
	"semi;colon,comma'quote\"",
	"tilde~star*paren(1)",
	"caret^back\\slash",
	"angle<tag>&amp;",
}

func TestAwkwardKeysMinio(t *testing.T) {
	for _, vhost := range []bool{false, true} {
		e := newEnv(t)
		ctx := context.Background()
		c := e.minio(t, aliceKey, aliceSecret, vhost)
		if err := c.MakeBucket(ctx, "keys", minio.MakeBucketOptions{}); err != nil {
			t.Fatal(err)
		}
		for _, k := range awkwardKeys {
			if _, err := c.PutObject(ctx, "keys", k, strings.NewReader("v:"+k), int64(len("v:"+k)), minio.PutObjectOptions{}); err != nil {
				t.Fatalf("vhost %v put %q: %v", vhost, k, err)
			}
		}
		for _, v1 := range []bool{false, true} {
			var listed []string
			for o := range c.ListObjects(ctx, "keys", minio.ListObjectsOptions{Recursive: true, UseV1: v1}) {
				if o.Err != nil {
					t.Fatal(o.Err)
				}
				listed = append(listed, o.Key)
			}
			want := slices.Clone(awkwardKeys)
			slices.Sort(want)
			if !slices.Equal(listed, want) {
				t.Errorf("vhost %v v1 %v: listed\n%q\nwant\n%q", vhost, v1, listed, want)
			}
		}
		for _, k := range awkwardKeys {
			got, err := getAll(c, "keys", k)
			if err != nil || got != "v:"+k {
				t.Errorf("vhost %v get %q = %q, %v", vhost, k, got, err)
			}
			if _, err := c.StatObject(ctx, "keys", k, minio.StatObjectOptions{}); err != nil {
				t.Errorf("vhost %v stat %q: %v", vhost, k, err)
			}
			if err := c.RemoveObject(ctx, "keys", k, minio.RemoveObjectOptions{}); err != nil {
				t.Errorf("vhost %v remove %q: %v", vhost, k, err)
			}
		}
		if err := c.RemoveBucket(ctx, "keys"); err != nil {
			t.Errorf("vhost %v: bucket not empty after deletes: %v", vhost, err)
		}
	}
}

// TestKeyEscaping checks by hand that the key is the path unescaped once:
// "%2F" is a slash, "%252F" is a literal "%2F", "+" is a plus.
func TestKeyEscaping(t *testing.T) {
	e := newEnv(t)
	e.mustCreate(t, "bucket")
	put := func(rawPath string, data string) {
		t.Helper()
		resp, body := e.signed(t, http.MethodPut, rawPath, []byte(data), nil)
		wantStatus(t, resp, body, http.StatusOK)
	}
	get := func(rawPath string) string {
		t.Helper()
		resp, body := e.signed(t, http.MethodGet, rawPath, nil, nil)
		if resp.StatusCode != http.StatusOK {
			return resp.Status
		}
		return string(body)
	}
	put("/bucket/x%2Fy", "slash")
	put("/bucket/lit%252Fkey", "literal")
	put("/bucket/a+b", "plus")
	put("/bucket/a%20b", "space")
	for path, want := range map[string]string{
		"/bucket/x/y":         "slash",
		"/bucket/x%2Fy":       "slash",
		"/bucket/lit%252Fkey": "literal",
		"/bucket/a%2Bb":       "plus",
		"/bucket/a+b":         "plus",
		"/bucket/a%20b":       "space",
	} {
		if got := get(path); got != want {
			t.Errorf("GET %s = %q, want %q", path, got, want)
		}
	}
	if got := get("/bucket/lit/key"); got == "literal" {
		t.Error("%252F was unescaped twice")
	}
	d := e.list(t, "bucket", url.Values{})
	if want := []string{"a b", "a+b", "lit%2Fkey", "x/y"}; !slices.Equal(d.keys(), want) {
		t.Errorf("keys = %q, want %q", d.keys(), want)
	}
	// Virtual-hosted style reaches the same keys.
	req, _ := http.NewRequest(http.MethodGet, "http://bucket."+testDomain+"/lit%252Fkey", nil)
	req = signer.SignV2(*req, aliceKey, aliceSecret, true)
	resp, body := e.do(t, req)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, []byte("literal")) {
		t.Errorf("vhost GET: %d %q", resp.StatusCode, body)
	}
}
