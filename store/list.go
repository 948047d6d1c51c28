package store

import (
	"context"
	"strings"
)

// Cursor walks a bucket's current objects in key (byte) order. Stores
// implement it over their listing index; List turns it into S3 pages.
type Cursor interface {
	// Next returns the next object, or ok=false at the end or on error.
	Next(ctx context.Context) (obj Object, ok bool)
	// SkipPrefix drops every remaining key that starts with p. Stores
	// should do this with one new range query (per shard) from
	// PrefixEnd(p), never by reading the keys under p.
	SkipPrefix(ctx context.Context, p string)
	// Err reports the error that ended iteration, if any.
	Err() error
	Close() error
}

// List builds one page of a listing from c, which must yield exactly the
// keys that start with in.Prefix and sort after in.After. It groups keys
// into common prefixes when in.Delimiter is set, skipping each whole
// prefix with one SkipPrefix call.
func List(ctx context.Context, c Cursor, in ListInput) (ListResult, error) {
	var res ListResult
	if in.MaxKeys <= 0 {
		return res, nil
	}
	// A continuation that names a common prefix resumes after all of it.
	if cp := CommonPrefix(in.After, in.Prefix, in.Delimiter); cp != "" && cp == in.After {
		c.SkipPrefix(ctx, cp)
	}
	n := 0
	for {
		obj, ok := c.Next(ctx)
		if !ok {
			break
		}
		if n == in.MaxKeys {
			res.IsTruncated = true
			break
		}
		if cp := CommonPrefix(obj.Key, in.Prefix, in.Delimiter); cp != "" {
			res.CommonPrefixes = append(res.CommonPrefixes, cp)
			res.NextAfter = cp
			c.SkipPrefix(ctx, cp)
		} else {
			res.Objects = append(res.Objects, obj)
			res.NextAfter = obj.Key
		}
		n++
	}
	if err := c.Err(); err != nil {
		return ListResult{}, err
	}
	return res, nil
}

// CommonPrefix returns the common prefix key rolls up into under prefix
// and delimiter: prefix plus everything up to and including the first
// delimiter after it. It returns "" when key is listed as itself.
func CommonPrefix(key, prefix, delimiter string) string {
	if delimiter == "" || !strings.HasPrefix(key, prefix) {
		return ""
	}
	i := strings.Index(key[len(prefix):], delimiter)
	if i < 0 {
		return ""
	}
	return key[:len(prefix)+i+len(delimiter)]
}

// PrefixEnd returns the smallest string greater than every string that
// starts with p, or "" when there is none (p empty or all 0xff bytes).
// Keys in [p, PrefixEnd(p)) are exactly the keys with prefix p.
func PrefixEnd(p string) string {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return ""
}
