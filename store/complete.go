package store

import (
	"fmt"
	"strings"
)

// ValidateParts checks a completion's part list against the stored parts
// (lookup returns the current part numbered n) and returns the stored
// parts in list order. Errors: ErrInvalidPart (empty list, a part not
// uploaded, or whose ETag or checksum differs), ErrInvalidPartOrder,
// ErrEntityTooSmall (a part but the last under minPart bytes).
func ValidateParts(list []CompletedPart, lookup func(n int) (Part, bool), minPart int64) ([]Part, error) {
	if len(list) == 0 {
		return nil, fmt.Errorf("no parts listed: %w", ErrInvalidPart)
	}
	out := make([]Part, len(list))
	for i, c := range list {
		if i > 0 && c.PartNumber <= list[i-1].PartNumber {
			return nil, fmt.Errorf("part %d after part %d: %w", c.PartNumber, list[i-1].PartNumber, ErrInvalidPartOrder)
		}
	}
	for i, c := range list {
		p, ok := lookup(c.PartNumber)
		switch {
		case !ok:
			return nil, fmt.Errorf("part %d was not uploaded: %w", c.PartNumber, ErrInvalidPart)
		case !strings.EqualFold(strings.Trim(c.ETag, `"`), p.ETag):
			return nil, fmt.Errorf("part %d: etag %q, uploaded %q: %w", c.PartNumber, c.ETag, p.ETag, ErrInvalidPart)
		case c.Checksum != "" && c.Checksum != p.Checksum.Value:
			return nil, fmt.Errorf("part %d: checksum %q, uploaded %q: %w", c.PartNumber, c.Checksum, p.Checksum.Value, ErrInvalidPart)
		}
		out[i] = p
	}
	for i, p := range out[:len(out)-1] {
		if p.Size < minPart {
			return nil, fmt.Errorf("part %d has %d bytes, under %d: %w", list[i].PartNumber, p.Size, minPart, ErrEntityTooSmall)
		}
	}
	return out, nil
}
