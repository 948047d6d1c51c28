package store

import (
	"slices"
	"testing"
)

func TestGarbageVersions(t *testing.T) {
	for _, tc := range []struct {
		isNull []bool
		want   []int
	}{
		{nil, nil},
		{[]bool{true}, nil},
		{[]bool{true, true, true}, []int{1, 2}},      // never versioned: all but the newest
		{[]bool{false, false, true}, nil},            // Enabled over an old null version: all kept
		{[]bool{true, false, true}, []int{2}},        // Suspended: the new null replaces the old null
		{[]bool{false, true, false, true}, []int{3}}, // only the newest null survives
	} {
		if got := GarbageVersions(tc.isNull); !slices.Equal(got, tc.want) {
			t.Errorf("GarbageVersions(%v) = %v, want %v", tc.isNull, got, tc.want)
		}
	}
}
