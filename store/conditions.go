package store

import "fmt"

// CheckWrite decides a conditional write's If-None-Match and If-Match
// (each "" for none, "*" for any current version, or an ETag without
// quotes) against the key's current version: exists, with ETag etag.
// Every store decides them here, at its commit.
//
//	If-None-Match: *     the key has no current version
//	If-None-Match: etag  the current version, if any, has another ETag
//	If-Match: *          the key has a current version (else ErrNoSuchKey)
//	If-Match: etag       the current version has this ETag (else ErrNoSuchKey
//	                     when there is none)
//
// A failed If-None-Match is ErrIfNoneMatchFailed, a failed If-Match
// ErrPreconditionFailed; both are ErrPreconditionFailed to errors.Is.
func CheckWrite(ifNoneMatch, ifMatch string, exists bool, etag string) error {
	switch {
	case ifNoneMatch == "*" && exists:
		return fmt.Errorf("key exists: %w", ErrIfNoneMatchFailed)
	case ifNoneMatch != "" && exists && etag == ifNoneMatch:
		return fmt.Errorf("current etag %q: %w", etag, ErrIfNoneMatchFailed)
	case ifMatch != "" && !exists:
		return fmt.Errorf("if-match: %w", ErrNoSuchKey)
	case ifMatch != "" && ifMatch != "*" && etag != ifMatch:
		return fmt.Errorf("if-match: etag %q, current %q: %w", ifMatch, etag, ErrPreconditionFailed)
	}
	return nil
}
