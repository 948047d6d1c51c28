package storetest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/amphora-s3/amphora/store"
)

// listingKeys is a tree of about 300 keys with the shapes clients trip
// on: unicode (including the highest code point), spaces, '+', '%', '?',
// empty path segments ("a//b", "//lead"), keys that are prefixes of
// others and a key equal to a common prefix ("photos/"). "¿" (C2 BF) and
// DEL (7F) end in bytes whose byte-wise successor is not valid UTF-8, so
// a store that binds store.PrefixEnd of them to a text column fails here.
func listingKeys() []string {
	keys := []string{
		"a", "a/", "a/b", "a/b/c", "a/b/c/d", "a//b", "a//b/c", "a-b", "a.b", "a0",
		"//lead", "/x", "ab", "abc", "abc/def",
		"日本/語", "日本/語/x", "日本語", "é", "é/1", "e", "e/1", "z", "Z", "\U0010FFFF-last",
		"dir with space/file 1", "dir with space/file 2", "plus+sign", "plus+sign/x",
		"pct%20x", "pct%2Fy", "q?x=1&y=2", "~tilde", "photos/",
		"¿/1", "¿/2", "¿x", "a¿b", "a¿c/d", "ÿ", "del\x7f/1", "del\x7f/2", "del\x7fx",
	}
	for m := 1; m <= 2; m++ {
		for d := 1; d <= 28; d++ {
			keys = append(keys, fmt.Sprintf("logs/2024/%02d/day-%02d.txt", m, d))
		}
	}
	for i := range 100 {
		keys = append(keys, fmt.Sprintf("photos/a/img-%03d.jpg", i))
	}
	for i := range 50 {
		keys = append(keys, fmt.Sprintf("photos/b/img-%03d.jpg", i))
	}
	for i := range 40 {
		keys = append(keys, fmt.Sprintf("top-%02d", i))
	}
	slices.Sort(keys) // Go orders strings by bytes: S3's UTF-8 byte order
	return keys
}

// page is what one ListObjects call must return.
type page struct {
	objects, prefixes []string
	truncated         bool
	nextAfter         string
}

// expectPage computes a page directly from the sorted keys, in plain Go and
// independently of store.List and its cursors: filter, roll up, cut.
func expectPage(keys []string, in store.ListInput) page {
	var p page
	if in.MaxKeys <= 0 {
		return p
	}
	// rollup is the common prefix key falls under, or "".
	rollup := func(key string) string {
		if in.Delimiter == "" || !strings.HasPrefix(key, in.Prefix) {
			return ""
		}
		rest := key[len(in.Prefix):]
		if i := strings.Index(rest, in.Delimiter); i >= 0 {
			return in.Prefix + rest[:i+len(in.Delimiter)]
		}
		return ""
	}
	// A continuation naming a common prefix excludes all of it.
	skip := ""
	if r := rollup(in.After); r != "" && r == in.After {
		skip = in.After
	}
	type entry struct {
		name     string
		isPrefix bool
	}
	var all []entry
	for _, k := range keys {
		if !strings.HasPrefix(k, in.Prefix) || k <= in.After || (skip != "" && strings.HasPrefix(k, skip)) {
			continue
		}
		if r := rollup(k); r != "" {
			if n := len(all); n > 0 && all[n-1].name == r {
				continue
			}
			all = append(all, entry{r, true})
		} else {
			all = append(all, entry{k, false})
		}
	}
	if len(all) > in.MaxKeys {
		all, p.truncated = all[:in.MaxKeys], true
	}
	for _, e := range all {
		if e.isPrefix {
			p.prefixes = append(p.prefixes, e.name)
		} else {
			p.objects = append(p.objects, e.name)
		}
		p.nextAfter = e.name
	}
	return p
}

// testListing: listings of a ~300-key tree match expectPage for prefixes,
// delimiters, continuations and page sizes, and paging to the end yields
// the one-page listing.
func (s *suite) testListing(t *testing.T) {
	st, b := s.setup(t, "listing")
	ctx := t.Context()
	keys := listingKeys()
	objs := s.putKeys(t, st, b, keys)

	// Overwritten keys are listed once, as their new version; deleted
	// ones not at all.
	objs["a/b"] = put(t, st, b, "a/b", []byte("overwritten a/b"), store.Meta{})
	put(t, st, b, "deleted/x", []byte("gone"), store.Meta{})
	put(t, st, b, "a/b/deleted", []byte("gone"), store.Meta{})
	for _, k := range []string{"deleted/x", "a/b/deleted"} {
		if _, err := st.DeleteObject(ctx, b, k); err != nil {
			t.Fatal(err)
		}
	}

	check := func(t *testing.T, in store.ListInput) store.ListResult {
		t.Helper()
		in.Bucket = b
		res, err := st.ListObjects(ctx, in)
		if err != nil {
			t.Fatalf("ListObjects(%+v): %v", in, err)
		}
		want := expectPage(keys, in)
		got := page{prefixes: res.CommonPrefixes, truncated: res.IsTruncated, nextAfter: res.NextAfter}
		for _, o := range res.Objects {
			got.objects = append(got.objects, o.Key)
			w, ok := objs[o.Key]
			if !ok {
				t.Errorf("listed unknown key %q", o.Key)
				continue
			}
			if o.Bucket != b || o.Size != w.Size || o.ETag != w.ETag || !o.LastModified.Equal(w.LastModified) {
				t.Errorf("listed %s\nwant fields of %s", describe(o), describe(w))
			}
		}
		if !slices.Equal(got.objects, want.objects) || !slices.Equal(got.prefixes, want.prefixes) ||
			got.truncated != want.truncated || got.nextAfter != want.nextAfter {
			t.Errorf("ListObjects(prefix=%q delimiter=%q after=%q max=%d):\n got %+v\nwant %+v",
				in.Prefix, in.Delimiter, in.After, in.MaxKeys, got, want)
		}
		return res
	}

	cases := []store.ListInput{
		{MaxKeys: 1000},
		{Delimiter: "/", MaxKeys: 1000},
		{Delimiter: "//", MaxKeys: 1000},
		{Delimiter: "-", MaxKeys: 1000},
		{Prefix: "a", Delimiter: "/", MaxKeys: 1000},
		{Prefix: "a/", Delimiter: "/", MaxKeys: 1000},
		{Prefix: "a/", MaxKeys: 1000},
		{Prefix: "photos/", Delimiter: "/", MaxKeys: 1000},
		{Prefix: "photos/a/", MaxKeys: 1000},
		{Prefix: "logs/2024/", Delimiter: "/", MaxKeys: 1000},
		{Prefix: "日本", Delimiter: "/", MaxKeys: 1000},
		{Prefix: "é", MaxKeys: 1000},
		{Prefix: "dir with space/", Delimiter: "/", MaxKeys: 1000},
		{Prefix: "plus+", Delimiter: "/", MaxKeys: 1000},
		{Prefix: "pct%2", MaxKeys: 1000},
		{Prefix: "nomatch", Delimiter: "/", MaxKeys: 1000},
		{Prefix: "¿", Delimiter: "/", MaxKeys: 1000},
		{Prefix: "¿", MaxKeys: 1000},
		{Delimiter: "¿", MaxKeys: 1000},
		{Delimiter: "¿", After: "a¿", MaxKeys: 1000},
		{Prefix: "del\x7f", Delimiter: "/", MaxKeys: 1000},
		{Delimiter: "\x7f", MaxKeys: 1000},
		{Delimiter: "\x7f", After: "del\x7f", MaxKeys: 1000},
		{After: "m", MaxKeys: 1000},
		{After: "top-05", MaxKeys: 1000},
		{After: "\U0010FFFF-last", MaxKeys: 1000},
		{Delimiter: "/", After: "logs/", MaxKeys: 1000},
		{Delimiter: "/", After: "photos/a/img-010.jpg", MaxKeys: 1000},
		{Prefix: "photos/", Delimiter: "/", After: "photos/a/", MaxKeys: 1000},
		{Prefix: "photos/", Delimiter: "/", After: "photos/", MaxKeys: 1000},
		{Delimiter: "//", After: "//", MaxKeys: 1000},
		{Delimiter: "/", MaxKeys: 0},
		{Delimiter: "/", After: "a/", MaxKeys: 0},
		{MaxKeys: 5},
		{Delimiter: "/", MaxKeys: 3},
		{Prefix: "photos/b/", MaxKeys: 50},
		{Prefix: "photos/b/", MaxKeys: 49},
	}
	for _, in := range cases {
		check(t, in)
	}

	// Every object listed matches HeadObject.
	for _, o := range mustList(t, st, b, store.ListInput{MaxKeys: 1000}).Objects {
		h := head(t, st, b, o.Key)
		if o.Size != h.Size || o.ETag != h.ETag || !o.LastModified.Equal(h.LastModified) {
			t.Errorf("listed %s\n  head %s", describe(o), describe(h))
		}
	}

	for _, sel := range []store.ListInput{
		{}, {Delimiter: "/"}, {Delimiter: "//"}, {Prefix: "photos/", Delimiter: "/"},
		{Prefix: "logs/"}, {Prefix: "photos/a/", Delimiter: "/"}, {Delimiter: "¿"},
	} {
		whole := expectPage(keys, store.ListInput{Prefix: sel.Prefix, Delimiter: sel.Delimiter, MaxKeys: len(keys) + 1})
		want := slices.Sorted(slices.Values(append(slices.Clone(whole.objects), whole.prefixes...)))
		for _, max := range []int{1, 7, 1000} {
			t.Run(fmt.Sprintf("paging prefix=%q delimiter=%q max=%d", sel.Prefix, sel.Delimiter, max), func(t *testing.T) {
				var got []string
				in := sel
				in.MaxKeys = max
				for range len(keys) + 1 {
					res := check(t, in)
					got = append(got, entryNames(res)...)
					if !res.IsTruncated {
						break
					}
					in.After = res.NextAfter
				}
				if !slices.Equal(got, want) {
					t.Errorf("paged listing has %d entries, want %d:\n got %q\nwant %q", len(got), len(want), got, want)
				}
			})
		}
	}

	// An empty bucket lists nothing.
	empty := s.newBucket(t, st, "listing-empty", s.owner("main"))
	res := mustList(t, st, empty, store.ListInput{Delimiter: "/", MaxKeys: 1000})
	if len(res.Objects)+len(res.CommonPrefixes) != 0 || res.IsTruncated || res.NextAfter != "" {
		t.Errorf("listing of an empty bucket = %+v", res)
	}
}

// putKeys stores each key with its own name as body, eight at a time.
func (s *suite) putKeys(t *testing.T, st store.Store, bucket string, keys []string) map[string]store.Object {
	objs := make(map[string]store.Object, len(keys))
	var mu sync.Mutex
	var wg sync.WaitGroup
	work := make(chan string)
	for range 8 {
		wg.Go(func() {
			for k := range work {
				obj, err := st.PutObject(t.Context(), store.PutInput{Bucket: bucket, Key: k, Owner: "writer",
					Size: int64(len(k)), ContentMD5: md5raw([]byte(k)), Body: strings.NewReader(k)})
				if err != nil {
					t.Errorf("PutObject(%q): %v", k, err)
					continue
				}
				if obj.ETag != md5hex([]byte(k)) {
					t.Errorf("PutObject(%q): ETag %q", k, obj.ETag)
				}
				mu.Lock()
				objs[k] = obj
				mu.Unlock()
			}
		})
	}
	for _, k := range keys {
		work <- k
	}
	close(work)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return objs
}

func mustList(t *testing.T, st store.Store, bucket string, in store.ListInput) store.ListResult {
	t.Helper()
	in.Bucket = bucket
	res, err := st.ListObjects(t.Context(), in)
	if err != nil {
		t.Fatalf("ListObjects(%+v): %v", in, err)
	}
	return res
}

// entryNames merges a page's object keys and common prefixes in key order.
func entryNames(res store.ListResult) []string {
	var names []string
	for _, o := range res.Objects {
		names = append(names, o.Key)
	}
	return slices.Sorted(slices.Values(append(names, res.CommonPrefixes...)))
}
