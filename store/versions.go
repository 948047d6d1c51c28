package store

import (
	"context"
	"errors"
	"fmt"
)

// Versions. Every write of a key makes a version. While a bucket's
// versioning is Enabled a version has its own id; otherwise it is the
// key's "null" version, and a new null version replaces the previous one.
// A bucket never versioned thus only ever has null versions, and every
// write replaces the one before.

// NullVersion is the version id of a version written while the bucket's
// versioning was not Enabled.
const NullVersion = "null"

// GarbageVersions is the one rule that says which versions of a key are
// garbage. vs describes, newest first, each version of the key (object or
// delete marker): every null version but the newest is garbage, and
// nothing else is, except that a version under object lock never is. So
// in a bucket never versioned all versions but the newest go; a write
// while Enabled replaces nothing; a write while Suspended replaces the
// null version only. A commit applies it with its own version first. It
// returns the indexes of the garbage versions, in order.
func GarbageVersions(vs []VersionFacts) []int {
	var out []int
	seen := false
	for i, v := range vs {
		if !v.Null {
			continue
		}
		if seen && !v.Locked {
			out = append(out, i)
		}
		seen = true
	}
	return out
}

// VersionFacts are what GarbageVersions knows of a version.
type VersionFacts struct {
	Null   bool // written while the bucket's versioning was not Enabled
	Locked bool // under object lock now (Lock.Active)
}

// SettingVersioning holds VersioningEnabled or VersioningSuspended;
// absent: never enabled.
const SettingVersioning = "versioning"

// Versioning states.
const (
	VersioningEnabled   = "Enabled"
	VersioningSuspended = "Suspended"
)

// Versioning is b's versioning state: "", VersioningEnabled or
// VersioningSuspended.
func (b Bucket) Versioning() string { return b.Settings[SettingVersioning] }

// Versioned reports whether versioning was ever enabled on b: versions
// other than the null one may then exist, and deletes leave markers.
func (b Bucket) Versioned() bool { return b.Versioning() != "" }

// Versions is the versioned side of a store: versions by id, deleting
// one version, and listing every version.
type Versions interface {
	// HeadVersion returns the version of key named versionID (NullVersion
	// for the null version), a delete marker included (Object.DeleteMarker).
	// Errors: ErrNoSuchBucket, ErrNoSuchVersion (no such version, or not a
	// version id this store makes).
	HeadVersion(ctx context.Context, bucket, key, versionID string) (Object, error)

	// DeleteVersion removes exactly the version (or delete marker) named
	// versionID, for good; deleting a version that is not there succeeds.
	// If it was current, the next older one becomes current. Its bytes
	// stay readable to readers that hold it for the GC grace period.
	// A version under object lock stays (Lock.CheckDelete, with
	// bypassGovernance).
	// Errors: ErrNoSuchBucket, ErrNoSuchVersion (not a version id this
	// store makes), ErrObjectLocked.
	DeleteVersion(ctx context.Context, bucket, key, versionID string, bypassGovernance bool) (DeleteResult, error)

	// ListVersions lists every version and delete marker, keys in byte
	// order and each key's versions newest first.
	// Errors: ErrNoSuchBucket, ErrNoSuchVersion (a VersionIDMarker this
	// store cannot have made).
	ListVersions(ctx context.Context, in ListVersionsInput) (ListVersionsResult, error)
}

// DeleteResult says what a delete did.
type DeleteResult struct {
	// VersionID is the delete marker made, or the version removed; "" when
	// a key was removed from a bucket never versioned.
	VersionID string
	// DeleteMarker: a delete marker was made, or the version removed was
	// one.
	DeleteMarker bool
}

// ErrNoSuchVersion: the version named does not exist.
var ErrNoSuchVersion = errors.New("no such version")

// DeleteMarkerError is the error HeadObject returns when the current
// version of a key is a delete marker: it is ErrNoSuchKey (errors.Is),
// and says which marker, for the x-amz-delete-marker and
// x-amz-version-id headers.
type DeleteMarkerError struct {
	Bucket, Key, VersionID string
}

func (e *DeleteMarkerError) Error() string {
	return fmt.Sprintf("%s/%s: current version %s is a delete marker: %v", e.Bucket, e.Key, e.VersionID, ErrNoSuchKey)
}

// Is makes a DeleteMarkerError an ErrNoSuchKey.
func (e *DeleteMarkerError) Is(target error) bool { return target == ErrNoSuchKey }

// ListVersionsInput selects a page of ListObjectVersions.
type ListVersionsInput struct {
	Bucket    string
	Prefix    string
	Delimiter string
	// KeyMarker and VersionIDMarker resume a listing: with both, after
	// that version of that key; with KeyMarker only, after every version
	// of that key (or after that common prefix).
	KeyMarker       string
	VersionIDMarker string
	MaxKeys         int // 0 returns an empty page; callers cap it at 1000
}

// ListVersionsResult is one page of ListObjectVersions: versions (delete
// markers among them, Object.DeleteMarker) and common prefixes, together
// at most MaxKeys entries.
type ListVersionsResult struct {
	Versions       []Object // IsLatest set
	CommonPrefixes []string
	IsTruncated    bool
	// NextKeyMarker and NextVersionIDMarker resume after this page when
	// IsTruncated (NextVersionIDMarker "" after a common prefix).
	NextKeyMarker, NextVersionIDMarker string
}

// KeyVersions is one key and its versions newest first, as a
// VersionCursor yields them.
type KeyVersions struct {
	Key      string
	Versions []Object
}

// VersionCursor walks a bucket's keys that have versions, in key (byte)
// order, with the versions of each. Stores implement it over their
// listing index; ListVersionsPage turns it into S3 pages.
type VersionCursor interface {
	// Next returns the next key and its versions (newest first; never
	// empty), or ok=false at the end or on error.
	Next(ctx context.Context) (kv KeyVersions, ok bool)
	// SkipPrefix drops every remaining key that starts with p.
	SkipPrefix(ctx context.Context, p string)
	// Err reports the error that ended iteration, if any.
	Err() error
	Close() error
}

// ListVersionsPage builds one page of ListObjectVersions from c, which
// must yield exactly the keys that start with in.Prefix and sort at or
// after in.KeyMarker (the marker key itself included, when it has
// versions: its versions after VersionIDMarker are listed first).
func ListVersionsPage(ctx context.Context, c VersionCursor, in ListVersionsInput) (ListVersionsResult, error) {
	var res ListVersionsResult
	if in.MaxKeys <= 0 {
		return res, nil
	}
	if cp := CommonPrefix(in.KeyMarker, in.Prefix, in.Delimiter); cp != "" && cp == in.KeyMarker {
		c.SkipPrefix(ctx, cp)
	}
	n := 0
	full := func() bool {
		if n == in.MaxKeys {
			res.IsTruncated = true
			return true
		}
		return false
	}
	for {
		kv, ok := c.Next(ctx)
		if !ok {
			break
		}
		vs := kv.Versions
		if kv.Key == in.KeyMarker {
			if in.VersionIDMarker == "" {
				continue // every version of the marker key was listed
			}
			i := 0
			for i < len(vs) && vs[i].VersionID != in.VersionIDMarker {
				i++
			}
			if i == len(vs) {
				continue // the marker version is gone: resume at the next key
			}
			vs = vs[i+1:]
		} else if kv.Key < in.KeyMarker {
			continue
		}
		if cp := CommonPrefix(kv.Key, in.Prefix, in.Delimiter); cp != "" {
			if full() {
				break
			}
			res.CommonPrefixes = append(res.CommonPrefixes, cp)
			res.NextKeyMarker, res.NextVersionIDMarker = cp, ""
			c.SkipPrefix(ctx, cp)
			n++
			continue
		}
		latest := len(vs) == len(kv.Versions) // the newest of the key is in this page
		stop := false
		for i, v := range vs {
			if full() {
				stop = true
				break
			}
			v.IsLatest = latest && i == 0
			res.Versions = append(res.Versions, v)
			res.NextKeyMarker, res.NextVersionIDMarker = kv.Key, v.VersionID
			n++
		}
		if stop {
			break
		}
	}
	if err := c.Err(); err != nil {
		return ListVersionsResult{}, err
	}
	if !res.IsTruncated {
		res.NextKeyMarker, res.NextVersionIDMarker = "", ""
	}
	return res, nil
}
