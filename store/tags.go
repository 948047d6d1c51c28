package store

import (
	"net/url"
	"slices"
	"strings"
)

// Tag is one object or bucket tag.
type Tag struct{ Key, Value string }

// Tags is a tag set, sorted by key (keys are unique: the frontend
// refuses duplicates). nil and empty are equivalent.
type Tags []Tag

// Sorted returns t sorted by key (a copy).
func (t Tags) Sorted() Tags {
	out := slices.Clone(t)
	slices.SortFunc(out, func(a, b Tag) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// Encode renders t as S3's x-amz-tagging header does ("k1=v1&k2=v2",
// URL-encoded), "" for no tags. Stores keep this form.
func (t Tags) Encode() string {
	var sb strings.Builder
	for i, tg := range t.Sorted() {
		if i > 0 {
			sb.WriteByte('&')
		}
		sb.WriteString(url.QueryEscape(tg.Key))
		sb.WriteByte('=')
		sb.WriteString(url.QueryEscape(tg.Value))
	}
	return sb.String()
}

// DecodeTags reads what Encode wrote (and any x-amz-tagging value):
// pairs in order, duplicates kept for the caller to refuse.
func DecodeTags(s string) (Tags, error) {
	if s == "" {
		return nil, nil
	}
	var out Tags
	for pair := range strings.SplitSeq(s, "&") {
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return nil, err
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			return nil, err
		}
		out = append(out, Tag{key, val})
	}
	return out, nil
}
