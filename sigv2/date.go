package sigv2

import (
	"strings"
	"time"
)

// MaxSkew is how far the Date or x-amz-date of a header-signed request may be
// from the server time: AWS allows 15 minutes either way to limit replays.
const MaxSkew = 15 * time.Minute

// dateLayouts are the RFC 2616 date formats AWS accepts (RFC 1123 with "GMT"
// or a numeric zone such as the "+0000" of the AWS examples and s3cmd, RFC
// 850, asctime), a one-digit-day RFC 1123 variant, and the ISO 8601 basic
// form some clients put in x-amz-date.
var dateLayouts = []string{
	time.RFC1123,
	time.RFC1123Z,
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04:05 -0700",
	time.RFC850,
	time.ANSIC,
	"20060102T150405Z",
}

// parseDate parses a Date or x-amz-date value. Dates before 1970 are refused,
// as AWS answers them with AccessDenied rather than RequestTimeTooSkewed.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range dateLayouts {
		t, err := time.Parse(layout, s)
		if err == nil {
			if t.Year() < 1970 {
				return time.Time{}, false
			}
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// skewed reports whether t is more than MaxSkew away from now.
func skewed(t, now time.Time) bool {
	d := now.Sub(t)
	return d > MaxSkew || d < -MaxSkew
}
