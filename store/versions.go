package store

// Versions. Every write of a key makes a version. While a bucket's
// versioning is Enabled a version has its own id; otherwise it is the
// key's "null" version, and a new null version replaces the previous one.
// A bucket never versioned thus only ever has null versions, and every
// write replaces the one before.

// NullVersion is the version id of a version written while the bucket's
// versioning was not Enabled.
const NullVersion = "null"

// GarbageVersions is the one rule that says which versions of a key are
// garbage. isNull holds, newest first, whether each version of the key
// (object or delete marker) is a null version: every null version but the
// newest is garbage, and nothing else is. So in a bucket never versioned
// all versions but the newest go; a write while Enabled replaces nothing;
// a write while Suspended replaces the null version only. A commit applies
// it with its own version first. It returns the indexes of the garbage
// versions, in order.
func GarbageVersions(isNull []bool) []int {
	var out []int
	seen := false
	for i, null := range isNull {
		if !null {
			continue
		}
		if seen {
			out = append(out, i)
		}
		seen = true
	}
	return out
}
