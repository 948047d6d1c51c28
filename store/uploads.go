package store

import "context"

// UploadCursor walks a bucket's uploads in progress ordered by key, then
// by initiation. Stores implement it over their upload index;
// ListUploads turns it into S3 pages.
type UploadCursor interface {
	// Next returns the next upload, or ok=false at the end or on error.
	Next(ctx context.Context) (u Upload, ok bool)
	// SkipPrefix drops every remaining upload whose key starts with p.
	SkipPrefix(ctx context.Context, p string)
	// Err reports the error that ended iteration, if any.
	Err() error
}

// ListUploads builds one page of ListMultipartUploads from c, which must
// yield exactly the uploads whose key starts with in.Prefix and that come
// after the markers (key > KeyMarker, or key == KeyMarker and initiated
// after UploadIDMarker when it is set). Common prefixes count towards
// MaxUploads like uploads, as in S3. NextKeyMarker and NextUploadIDMarker
// name the page's last entry (a common prefix has no upload id).
func ListUploads(ctx context.Context, c UploadCursor, in ListUploadsInput) (ListUploadsResult, error) {
	var res ListUploadsResult
	if in.MaxUploads <= 0 {
		return res, nil
	}
	if cp := CommonPrefix(in.KeyMarker, in.Prefix, in.Delimiter); cp != "" && cp == in.KeyMarker {
		c.SkipPrefix(ctx, cp)
	}
	n := 0
	for {
		u, ok := c.Next(ctx)
		if !ok {
			break
		}
		if n == in.MaxUploads {
			res.IsTruncated = true
			break
		}
		if cp := CommonPrefix(u.Key, in.Prefix, in.Delimiter); cp != "" {
			res.CommonPrefixes = append(res.CommonPrefixes, cp)
			res.NextKeyMarker, res.NextUploadIDMarker = cp, ""
			c.SkipPrefix(ctx, cp)
		} else {
			res.Uploads = append(res.Uploads, u)
			res.NextKeyMarker, res.NextUploadIDMarker = u.Key, u.UploadID
		}
		n++
	}
	if err := c.Err(); err != nil {
		return ListUploadsResult{}, err
	}
	return res, nil
}
