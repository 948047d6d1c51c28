package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/amphora-s3/amphora/store"
)

// sliceCursor is a store.Cursor over a sorted slice of keys. It counts the
// keys it hands out and the SkipPrefix calls it gets, so tests can check
// that List never reads the keys under a common prefix.
type sliceCursor struct {
	keys  []string // keys with the listing's prefix, after After, sorted
	i     int
	reads int
	skips int
	// failAt makes Next fail with err once reads reaches it (0: never).
	failAt int
	err    error
}

// newCursor returns a cursor yielding exactly the keys List expects: those
// starting with prefix and sorting strictly after after.
func newCursor(all []string, prefix, after string) *sliceCursor {
	var keys []string
	for _, k := range all {
		if strings.HasPrefix(k, prefix) && k > after {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys) // Go compares strings bytewise: S3 key order
	return &sliceCursor{keys: keys}
}

func (c *sliceCursor) Next(context.Context) (store.Object, bool) {
	if c.failAt > 0 && c.reads == c.failAt {
		c.err = errors.New("cursor broke")
		return store.Object{}, false
	}
	if c.i >= len(c.keys) {
		return store.Object{}, false
	}
	k := c.keys[c.i]
	c.i++
	c.reads++
	return store.Object{Key: k, Size: int64(len(k))}, true
}

// SkipPrefix seeks to PrefixEnd(p) by binary search, as a store's range
// query would: no key under p is read.
func (c *sliceCursor) SkipPrefix(_ context.Context, p string) {
	c.skips++
	end := store.PrefixEnd(p)
	if end == "" {
		c.i = len(c.keys)
		return
	}
	if j := sort.SearchStrings(c.keys, end); j > c.i {
		c.i = j
	}
}

func (c *sliceCursor) Err() error   { return c.err }
func (c *sliceCursor) Close() error { return nil }

// entries merges a page's objects and common prefixes in key order.
func entries(res store.ListResult) []string {
	var out []string
	for _, o := range res.Objects {
		out = append(out, o.Key)
	}
	out = append(out, res.CommonPrefixes...)
	sort.Strings(out)
	return out
}

func objectKeys(res store.ListResult) []string {
	var out []string
	for _, o := range res.Objects {
		out = append(out, o.Key)
	}
	return out
}

// listKeys are chosen so "/" and "::" both split them in different places,
// with a key ("/root") whose remainder starts with the delimiter.
var listKeys = []string{
	"a", "a/", "a/b", "a/b/c", "a/c", "a::b", "a::c::d", "ab", "b", "b/x", "/root", "c::",
}

func TestList(t *testing.T) {
	tests := []struct {
		name              string
		keys              []string // default listKeys
		in                store.ListInput
		objects, prefixes []string
		truncated         bool
		nextAfter         string
		reads, skips      int // -1: not checked
	}{
		{
			name:      "everything",
			in:        store.ListInput{MaxKeys: 1000},
			objects:   []string{"/root", "a", "a/", "a/b", "a/b/c", "a/c", "a::b", "a::c::d", "ab", "b", "b/x", "c::"},
			nextAfter: "c::", reads: 12, skips: 0,
		},
		{
			name:      "prefix",
			in:        store.ListInput{Prefix: "a/", MaxKeys: 1000},
			objects:   []string{"a/", "a/b", "a/b/c", "a/c"},
			nextAfter: "a/c", reads: 4, skips: 0,
		},
		{
			name:      "prefix and delimiter",
			in:        store.ListInput{Prefix: "a/", Delimiter: "/", MaxKeys: 1000},
			objects:   []string{"a/", "a/b", "a/c"},
			prefixes:  []string{"a/b/"},
			nextAfter: "a/c", reads: 4, skips: 1,
		},
		{
			name:      "slash delimiter, one key starting with it",
			in:        store.ListInput{Delimiter: "/", MaxKeys: 1000},
			objects:   []string{"a", "a::b", "a::c::d", "ab", "b", "c::"},
			prefixes:  []string{"/", "a/", "b/"},
			nextAfter: "c::", reads: 9, skips: 3,
		},
		{
			name:      "multi-char delimiter",
			in:        store.ListInput{Delimiter: "::", MaxKeys: 1000},
			objects:   []string{"/root", "a", "a/", "a/b", "a/b/c", "a/c", "ab", "b", "b/x"},
			prefixes:  []string{"a::", "c::"},
			nextAfter: "c::", reads: 11, skips: 2,
		},
		{
			name:      "delimiter at the start of the remainder",
			in:        store.ListInput{Prefix: "a", Delimiter: "/", MaxKeys: 1000},
			objects:   []string{"a", "a::b", "a::c::d", "ab"},
			prefixes:  []string{"a/"},
			nextAfter: "ab", reads: 5, skips: 1,
		},
		{
			name:      "multi-char delimiter under a prefix",
			in:        store.ListInput{Prefix: "a::", Delimiter: "::", MaxKeys: 1000},
			objects:   []string{"a::b"},
			prefixes:  []string{"a::c::"},
			nextAfter: "a::c::", reads: 2, skips: 1,
		},
		{
			name:      "after a plain key",
			in:        store.ListInput{After: "a/b", MaxKeys: 1000},
			objects:   []string{"a/b/c", "a/c", "a::b", "a::c::d", "ab", "b", "b/x", "c::"},
			nextAfter: "c::", reads: 8, skips: 0,
		},
		{
			// S3 returns a common prefix again when the marker is a key
			// inside it: later keys still roll up into it.
			name:      "after a key inside a common prefix",
			in:        store.ListInput{Delimiter: "/", After: "a/b", MaxKeys: 1000},
			objects:   []string{"a::b", "a::c::d", "ab", "b", "c::"},
			prefixes:  []string{"a/", "b/"},
			nextAfter: "c::", reads: 7, skips: 2,
		},
		{
			name:      "after a common prefix resumes after all of it",
			in:        store.ListInput{Delimiter: "/", After: "a/", MaxKeys: 1000},
			objects:   []string{"a::b", "a::c::d", "ab", "b", "c::"},
			prefixes:  []string{"b/"},
			nextAfter: "c::", reads: 6, skips: 2,
		},
		{
			name:      "after a common prefix equal to the delimiter",
			in:        store.ListInput{Delimiter: "/", After: "/", MaxKeys: 1000},
			objects:   []string{"a", "a::b", "a::c::d", "ab", "b", "c::"},
			prefixes:  []string{"a/", "b/"},
			nextAfter: "c::", reads: 8, skips: 3,
		},
		{
			// After equal to Prefix is not a common prefix: the remainder
			// is empty, so nothing may be skipped.
			name:      "after equal to the prefix",
			in:        store.ListInput{Prefix: "a/", Delimiter: "/", After: "a/", MaxKeys: 1000},
			objects:   []string{"a/b", "a/c"},
			prefixes:  []string{"a/b/"},
			nextAfter: "a/c", reads: 3, skips: 1,
		},
		{
			name:  "max-keys 0 is an empty page",
			in:    store.ListInput{Delimiter: "/", After: "a/", MaxKeys: 0},
			reads: 0, skips: 0,
		},
		{
			name:      "truncated",
			in:        store.ListInput{MaxKeys: 3},
			objects:   []string{"/root", "a", "a/"},
			truncated: true, nextAfter: "a/", reads: 4, skips: 0,
		},
		{
			name:      "truncated with prefixes",
			in:        store.ListInput{Delimiter: "/", MaxKeys: 3},
			objects:   []string{"a"},
			prefixes:  []string{"/", "a/"},
			truncated: true, nextAfter: "a/", reads: 4, skips: 2,
		},
		{
			name:      "exactly max-keys left is not truncated",
			in:        store.ListInput{Prefix: "a/", MaxKeys: 4},
			objects:   []string{"a/", "a/b", "a/b/c", "a/c"},
			nextAfter: "a/c", reads: 4, skips: 0,
		},
		{
			name:      "one more than max-keys left is truncated",
			in:        store.ListInput{Prefix: "a/", MaxKeys: 3},
			objects:   []string{"a/", "a/b", "a/b/c"},
			truncated: true, nextAfter: "a/b/c", reads: 4, skips: 0,
		},
		{
			name:      "exactly max-keys entries with prefixes",
			in:        store.ListInput{Delimiter: "/", MaxKeys: 9},
			objects:   []string{"a", "a::b", "a::c::d", "ab", "b", "c::"},
			prefixes:  []string{"/", "a/", "b/"},
			nextAfter: "c::", reads: 9, skips: 3,
		},
		{
			name:      "page ending on a prefix with keys after it",
			in:        store.ListInput{Delimiter: "/", MaxKeys: 8},
			objects:   []string{"a", "a::b", "a::c::d", "ab", "b"},
			prefixes:  []string{"/", "a/", "b/"},
			truncated: true, nextAfter: "b/", reads: 9, skips: 3,
		},
		{
			name:      "page ending on the last prefix",
			keys:      []string{"a", "x/1", "x/2"},
			in:        store.ListInput{Delimiter: "/", MaxKeys: 2},
			objects:   []string{"a"},
			prefixes:  []string{"x/"},
			nextAfter: "x/", reads: 2, skips: 1,
		},
		{
			name:  "prefix matching nothing",
			in:    store.ListInput{Prefix: "zz", Delimiter: "/", MaxKeys: 1000},
			reads: 0, skips: 0,
		},
		{
			name:  "after the last key",
			in:    store.ListInput{After: "c::", MaxKeys: 1000},
			reads: 0, skips: 0,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			keys := tc.keys
			if keys == nil {
				keys = listKeys
			}
			c := newCursor(keys, tc.in.Prefix, tc.in.After)
			res, err := store.List(t.Context(), c, tc.in)
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if got := objectKeys(res); !slices.Equal(got, tc.objects) {
				t.Errorf("objects = %q, want %q", got, tc.objects)
			}
			if !slices.Equal(res.CommonPrefixes, tc.prefixes) {
				t.Errorf("common prefixes = %q, want %q", res.CommonPrefixes, tc.prefixes)
			}
			if res.IsTruncated != tc.truncated {
				t.Errorf("IsTruncated = %v, want %v", res.IsTruncated, tc.truncated)
			}
			if res.NextAfter != tc.nextAfter {
				t.Errorf("NextAfter = %q, want %q", res.NextAfter, tc.nextAfter)
			}
			if c.reads != tc.reads {
				t.Errorf("cursor reads = %d, want %d", c.reads, tc.reads)
			}
			if c.skips != tc.skips {
				t.Errorf("SkipPrefix calls = %d, want %d", c.skips, tc.skips)
			}
		})
	}
}

// TestListPaging checks that following NextAfter page by page yields
// exactly the one-page listing, whatever the page size.
func TestListPaging(t *testing.T) {
	keys := append(slices.Clone(listKeys), "x/1", "x/2", "x/3/4", "y", "日本/語", "日本語", "é", "é/1")
	for _, sel := range []struct{ prefix, delim string }{
		{"", ""}, {"", "/"}, {"", "::"}, {"a", "/"}, {"a/", "/"}, {"x/", "/"}, {"é", "/"},
	} {
		c := newCursor(keys, sel.prefix, "")
		full, err := store.List(t.Context(), c, store.ListInput{Prefix: sel.prefix, Delimiter: sel.delim, MaxKeys: 1000})
		if err != nil {
			t.Fatal(err)
		}
		want := entries(full)
		if full.IsTruncated || len(want) == 0 {
			t.Fatalf("%+v: full listing truncated=%v with %d entries", sel, full.IsTruncated, len(want))
		}
		for _, max := range []int{1, 2, 3, 5} {
			t.Run(fmt.Sprintf("prefix=%q/delim=%q/max=%d", sel.prefix, sel.delim, max), func(t *testing.T) {
				var got []string
				after := ""
				for page := 0; ; page++ {
					if page > len(keys) {
						t.Fatalf("no end after %d pages", page)
					}
					in := store.ListInput{Prefix: sel.prefix, Delimiter: sel.delim, After: after, MaxKeys: max}
					res, err := store.List(t.Context(), newCursor(keys, sel.prefix, after), in)
					if err != nil {
						t.Fatal(err)
					}
					e := entries(res)
					if len(e) > max || (res.IsTruncated && len(e) != max) {
						t.Fatalf("page %d: %d entries with max-keys %d, truncated=%v", page, len(e), max, res.IsTruncated)
					}
					if len(e) > 0 && res.NextAfter != e[len(e)-1] {
						t.Fatalf("page %d: NextAfter = %q, want last entry %q", page, res.NextAfter, e[len(e)-1])
					}
					got = append(got, e...)
					if !res.IsTruncated {
						break
					}
					after = res.NextAfter
				}
				if !slices.Equal(got, want) {
					t.Errorf("paged listing\n%q\nwant\n%q", got, want)
				}
			})
		}
	}
}

// TestListSkipsBigPrefix checks the cost that makes delimiter listings of
// huge buckets cheap: a common prefix over 10,000 keys is one SkipPrefix.
func TestListSkipsBigPrefix(t *testing.T) {
	keys := []string{"aaa", "zzz"}
	for i := range 10000 {
		keys = append(keys, fmt.Sprintf("big/%05d", i))
	}
	c := newCursor(keys, "", "")
	res, err := store.List(t.Context(), c, store.ListInput{Delimiter: "/", MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if got := entries(res); !slices.Equal(got, []string{"aaa", "big/", "zzz"}) || res.IsTruncated {
		t.Fatalf("entries = %q truncated=%v", got, res.IsTruncated)
	}
	if c.reads != 3 || c.skips != 1 {
		t.Errorf("reads = %d, skips = %d; want 3 reads (aaa, big/00000, zzz) and 1 skip", c.reads, c.skips)
	}

	// Resuming after the prefix must not read under it either.
	c = newCursor(keys, "", "big/")
	res, err = store.List(t.Context(), c, store.ListInput{Delimiter: "/", After: "big/", MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if got := entries(res); !slices.Equal(got, []string{"zzz"}) {
		t.Fatalf("entries after big/ = %q", got)
	}
	if c.reads != 1 || c.skips != 1 {
		t.Errorf("reads = %d, skips = %d; want 1 read and 1 skip", c.reads, c.skips)
	}
}

func TestListCursorError(t *testing.T) {
	c := newCursor(listKeys, "", "")
	c.failAt = 2
	res, err := store.List(t.Context(), c, store.ListInput{MaxKeys: 1000})
	if err == nil || err.Error() != "cursor broke" {
		t.Fatalf("err = %v, want the cursor's error", err)
	}
	if len(res.Objects) != 0 || len(res.CommonPrefixes) != 0 || res.IsTruncated || res.NextAfter != "" {
		t.Errorf("a failed listing returned a partial page: %+v", res)
	}
}

func TestCommonPrefix(t *testing.T) {
	tests := []struct{ key, prefix, delim, want string }{
		{"a/b/c", "", "/", "a/"},
		{"a/b/c", "a/", "/", "a/b/"},
		{"a/b", "a/", "/", ""},
		{"a/", "a/", "/", ""},
		{"a/", "", "/", "a/"},
		{"/lead", "", "/", "/"},
		{"a//b", "a/", "/", "a//"},
		{"a/b", "", "", ""},
		{"a/b", "b", "/", ""},
		{"a::b::c", "", "::", "a::"},
		{"a:b::c", "", "::", "a:b::"},
		{"a:::b", "", "::", "a::"},
		{"日本/語", "", "/", "日本/"},
		{"日本語", "日", "本", "日本"},
		{"x\xffy\xffz", "x", "\xff", "x\xff"},
		{"x\xffy\xffz", "x\xff", "\xff", "x\xffy\xff"},
	}
	for _, tc := range tests {
		if got := store.CommonPrefix(tc.key, tc.prefix, tc.delim); got != tc.want {
			t.Errorf("CommonPrefix(%q, %q, %q) = %q, want %q", tc.key, tc.prefix, tc.delim, got, tc.want)
		}
	}
}

func TestPrefixEnd(t *testing.T) {
	tests := []struct{ p, want string }{
		{"", ""},
		{"a", "b"},
		{"a/", "a0"},
		{"ab", "ac"},
		{"a\xff", "b"},
		{"a\xff\xff", "b"},
		{"ab\xffc", "ab\xffd"},
		{"\xff", ""},
		{"\xff\xff\xff", ""},
		{"\xfe\xff", "\xff"},
		{"é", "\xc3\xaa"},     // U+00E9 is C3 A9
		{"日", "\xe6\x97\xa6"}, // U+65E5 is E6 97 A5
		{"\U0010FFFF", "\xf4\x8f\xbf\xc0"},
	}
	for _, tc := range tests {
		if got := store.PrefixEnd(tc.p); got != tc.want {
			t.Errorf("PrefixEnd(%q) = %q, want %q", tc.p, got, tc.want)
		}
	}
}

// TestPrefixEndRange checks the documented property on keys mixing ASCII,
// multi-byte UTF-8 and 0xff bytes: k has prefix p exactly when
// p <= k < PrefixEnd(p) in byte order (no upper bound when it is "").
func TestPrefixEndRange(t *testing.T) {
	alphabet := []string{"a", "b", "/", "\x00", "\x7f", "é", "日", "\U0010FFFF", "\xff", "\xfe"}
	rng := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		var b strings.Builder
		for range rng.IntN(5) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	for range 20000 {
		p, k := word(), word()
		if rng.IntN(3) == 0 {
			k = p + k // make matches common
		}
		end := store.PrefixEnd(p)
		inRange := p <= k && (end == "" || k < end)
		if inRange != strings.HasPrefix(k, p) {
			t.Fatalf("p=%q k=%q end=%q: in range %v, has prefix %v", p, k, end, inRange, !inRange)
		}
	}
}
