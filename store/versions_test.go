package store

import (
	"slices"
	"testing"
)

func TestGarbageVersions(t *testing.T) {
	// N: a null version, V: a versioned one, L: a locked null version.
	facts := func(s string) []VersionFacts {
		var out []VersionFacts
		for _, c := range s {
			out = append(out, VersionFacts{Null: c != 'V', Locked: c == 'L'})
		}
		return out
	}
	for _, tc := range []struct {
		versions string
		want     []int
	}{
		{"", nil},
		{"N", nil},
		{"NNN", []int{1, 2}}, // never versioned: all but the newest
		{"VVN", nil},         // Enabled over an old null version: all kept
		{"NVN", []int{2}},    // Suspended: the new null replaces the old null
		{"VNVN", []int{3}},   // only the newest null survives
		{"NLN", []int{2}},    // a locked null version is never garbage
		{"NNL", []int{1}},    // wherever it is
		{"LNN", []int{1, 2}}, // and counts as the newest null when it is
	} {
		if got := GarbageVersions(facts(tc.versions)); !slices.Equal(got, tc.want) {
			t.Errorf("GarbageVersions(%s) = %v, want %v", tc.versions, got, tc.want)
		}
	}
}
