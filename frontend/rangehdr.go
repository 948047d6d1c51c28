package frontend

import (
	"strconv"
	"strings"
)

// byteRange is a satisfiable range of an object: n bytes from off.
type byteRange struct{ off, n int64 }

// contentRange is the Content-Range header value of r in an object of size.
func (r byteRange) contentRange(size int64) string {
	return "bytes " + strconv.FormatInt(r.off, 10) + "-" + strconv.FormatInt(r.off+r.n-1, 10) + "/" + strconv.FormatInt(size, 10)
}

// parseRange interprets a Range header against an object of size bytes
// the way S3 does, which is more forgiving than RFC 9110:
//
//   - no header, another unit, several ranges, anything that does not
//     parse, or "a-b" with b < a: ignored, the whole object is served
//     (ok = false, err = nil);
//   - "a-b", "a-": from a to b (clamped to the end) or to the end;
//   - "-n": the last n bytes (all of them when n >= size; ignored on an
//     empty object);
//   - a >= size, or "-0": unsatisfiable, InvalidRange (416) with
//     Content-Range "bytes */size".
func parseRange(h string, size int64) (r byteRange, ok bool, err error) {
	spec, found := cutPrefixFold(strings.TrimSpace(h), "bytes=")
	if !found || strings.Contains(spec, ",") {
		return r, false, nil
	}
	first, last, found := strings.Cut(spec, "-")
	if !found {
		return r, false, nil
	}
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	switch {
	case first == "" && last == "":
		return r, false, nil
	case first == "": // suffix range
		n, perr := parseDigits(last)
		if perr {
			return r, false, nil
		}
		if n == 0 {
			return r, false, unsatisfiable(h, size)
		}
		if size == 0 {
			return r, false, nil
		}
		n = min(n, size)
		return byteRange{size - n, n}, true, nil
	}
	a, perr := parseDigits(first)
	if perr {
		return r, false, nil
	}
	end := size - 1
	if last != "" {
		b, perr := parseDigits(last)
		if perr || b < a {
			return r, false, nil
		}
		end = min(b, size-1)
	}
	if a >= size {
		return r, false, unsatisfiable(h, size)
	}
	return byteRange{a, end - a + 1}, true, nil
}

func unsatisfiable(h string, size int64) *Error {
	e := errInvalidRange.with(field{"RangeRequested", h}, field{"ActualObjectSize", strconv.FormatInt(size, 10)})
	e.contentRange = "bytes */" + strconv.FormatInt(size, 10)
	return e
}

// parseDigits parses a non-negative decimal; bad is true for anything
// else, including signs and values beyond int64.
func parseDigits(s string) (n int64, bad bool) {
	if s == "" {
		return 0, true
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, true
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err != nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}
