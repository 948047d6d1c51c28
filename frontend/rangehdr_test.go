package frontend

import (
	"net/http"
	"strconv"
	"testing"
)

func TestParseRange(t *testing.T) {
	const size = 100
	for _, tc := range []struct {
		h       string
		size    int64
		partial bool
		off, n  int64
		err     bool // 416
	}{
		{"", size, false, 0, 0, false},
		{"bytes=0-9", size, true, 0, 10, false},
		{"bytes=10-19", size, true, 10, 10, false},
		{"bytes=90-", size, true, 90, 10, false},
		{"bytes=0-", size, true, 0, 100, false},
		{"bytes=95-200", size, true, 95, 5, false}, // end clamped
		{"bytes=99-99", size, true, 99, 1, false},
		{"bytes=-10", size, true, 90, 10, false}, // suffix
		{"bytes=-100", size, true, 0, 100, false},
		{"bytes=-1000", size, true, 0, 100, false}, // suffix longer than the object
		{"Bytes=1-2", size, true, 1, 2, false},     // unit case-insensitive
		{"bytes= 1 - 2 ", size, true, 1, 2, false},
		{"bytes=100-", size, false, 0, 0, true}, // first byte past the end
		{"bytes=100-200", size, false, 0, 0, true},
		{"bytes=1000-2000", size, false, 0, 0, true},
		{"bytes=-0", size, false, 0, 0, true},       // empty suffix
		{"bytes=0-0", 0, false, 0, 0, true},         // any range of an empty object
		{"bytes=-5", 0, false, 0, 0, false},         // suffix of an empty object: whole (empty) object
		{"bytes=10-5", size, false, 0, 0, false},    // last < first: ignored
		{"bytes=150-1", size, false, 0, 0, false},   // AWS ignores it even past the end
		{"bytes=0-1,5-6", size, false, 0, 0, false}, // multi-range: ignored
		{"bytes=abc", size, false, 0, 0, false},
		{"bytes=a-b", size, false, 0, 0, false},
		{"bytes=-", size, false, 0, 0, false},
		{"bytes=1-2-3", size, false, 0, 0, false},
		{"bytes=+1-2", size, false, 0, 0, false},
		{"bytes=-+5", size, false, 0, 0, false},
		{"items=0-1", size, false, 0, 0, false},
		{"0-1", size, false, 0, 0, false},
		{"bytes=99999999999999999999-", size, false, 0, 0, false}, // overflow: unparsable
	} {
		r, partial, err := parseRange(tc.h, tc.size)
		if (err != nil) != tc.err {
			t.Errorf("parseRange(%q, %d) err = %v, want 416 %v", tc.h, tc.size, err, tc.err)
			continue
		}
		if err != nil {
			e := s3Error(err)
			if e.Code != "InvalidRange" || e.Status != http.StatusRequestedRangeNotSatisfiable {
				t.Errorf("parseRange(%q) error %v", tc.h, e)
			}
			if want := "bytes */" + strconv.FormatInt(tc.size, 10); e.contentRange != want {
				t.Errorf("parseRange(%q) Content-Range %q, want %q", tc.h, e.contentRange, want)
			}
			continue
		}
		if partial != tc.partial || (partial && (r.off != tc.off || r.n != tc.n)) {
			t.Errorf("parseRange(%q, %d) = %+v partial %v, want off %d n %d partial %v", tc.h, tc.size, r, partial, tc.off, tc.n, tc.partial)
		}
	}
	if got := (byteRange{10, 5}).contentRange(100); got != "bytes 10-14/100" {
		t.Errorf("contentRange = %q", got)
	}
}
