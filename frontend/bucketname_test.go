package frontend

import (
	"strings"
	"testing"
)

func TestValidBucketName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"abc", true},
		{"my-bucket.example-1", true},
		{"a.b-c", true},
		{strings.Repeat("a", 63), true},
		{"1bucket9", true},
		{"192.168.5", true},    // three groups: not an address
		{"1234.1.1.1", true},   // a group too long for IPv4
		{"xn-bucket", true},    // xn- alone is fine
		{"my-s3alias-x", true}, // only the suffix is reserved
		{"ab", false},          // too short
		{strings.Repeat("a", 64), false},
		{"", false},
		{"MyBucket", false},    // upper case
		{"my_bucket", false},   // underscore
		{"my bucket", false},   // space
		{"-bucket", false},     // starts with '-'
		{"bucket-", false},     // ends with '-'
		{".bucket", false},     // starts with '.'
		{"bucket.", false},     // ends with '.'
		{"my..bucket", false},  // adjacent periods
		{"my-.bucket", false},  // a label ending with a dash
		{"my.-bucket", false},  // a label starting with a dash
		{"192.168.5.4", false}, // IPv4 shaped
		{"10.0.0.1", false},    // IPv4 shaped
		{"xn--bucket", false},  // reserved prefix
		{"sthree-bucket", false},
		{"amzn-s3-demo-bucket", false},
		{"bucket-s3alias", false}, // reserved suffixes
		{"bucket--ol-s3", false},
		{"bucket.mrap", false},
		{"bucket--x-s3", false},
		{"bucket--table-s3", false},
		{"bücket", false}, // non-ASCII
		{"a/b", false},
	} {
		if got := validBucketName(tc.name); got != tc.ok {
			t.Errorf("validBucketName(%q) = %v, want %v", tc.name, got, tc.ok)
		}
	}
}
