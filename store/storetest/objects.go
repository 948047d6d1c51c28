package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/amphora-s3/amphora/store"
)

// sizes are object sizes on and around block boundaries: empty, one
// byte, one short of a block, one block, one past it, and several blocks
// plus a tail.
func (s *suite) sizes() []int {
	bs := s.bs
	return []int{0, 1, bs - 1, bs, bs + 1, 3*bs + 7}
}

// testRoundTrip: bytes, ETag, size and every metadata field come back
// exactly, from PutObject's result, HeadObject and ReadObject.
func (s *suite) testRoundTrip(t *testing.T) {
	st, b := s.setup(t, "roundtrip")
	for i, size := range s.sizes() {
		key := fmt.Sprintf("size/%d", size)
		data := payload(size, uint64(i+1))
		m := meta(fmt.Sprint("rt", size))
		obj := put(t, st, b, key, data, m)
		if size == 0 && obj.ETag != "d41d8cd98f00b204e9800998ecf8427e" {
			t.Errorf("ETag of an empty object = %q", obj.ETag)
		}
		h := head(t, st, b, key)
		checkObject(t, "HeadObject after PutObject", h, obj)
		checkBytes(t, key+" read via HeadObject", read(t, st, h, 0, -1), data)
		checkBytes(t, key+" read via PutObject's Object", read(t, st, obj, 0, -1), data)
		checkBytes(t, key+" read with n = size", read(t, st, h, 0, int64(size)), data)
	}
	// In a bucket never versioned every version is the null version.
	a := put(t, st, b, "same/a", []byte("same"), store.Meta{})
	if a.VersionID != store.NullVersion {
		t.Errorf("a PUT into a bucket never versioned has VersionID %q", a.VersionID)
	}

	// The caller's metadata map is copied, not kept.
	m := meta("alias")
	obj := put(t, st, b, "alias", []byte("x"), m)
	m.User["tag"] = "changed after put"
	obj.Meta.User["tag"] = "changed in the result"
	if h := head(t, st, b, "alias"); h.Meta.User["tag"] != "alias" {
		t.Errorf("stored user metadata changed with the caller's map: %q", h.Meta.User["tag"])
	}
}

// testRanges: ReadObject returns exactly [off, off+n) for ranges placed
// on, inside and across blocks.
func (s *suite) testRanges(t *testing.T) {
	st, b := s.setup(t, "ranges")
	bs := int64(s.bs)
	data := payload(int(3*bs+7), 42)
	size := int64(len(data))
	obj := put(t, st, b, "ranges/obj", data, store.Meta{})

	ranges := []struct {
		name   string
		off, n int64
	}{
		{"first byte", 0, 1},
		{"first block", 0, bs},
		{"second block", bs, bs},
		{"last full block", 2 * bs, bs},
		{"tail block", 3 * bs, 7},
		{"straddling the first boundary", bs - 1, 2},
		{"inside one block", bs + 5, 10},
		{"inside one block to its end", bs + 5, bs - 5},
		{"across three blocks", bs - 3, bs + 6},
		{"across all blocks", 1, size - 2},
		{"from a boundary to the end", 2 * bs, -1},
		{"from inside a block to the end", bs + 1, -1},
		{"last byte", size - 1, 1},
		{"last byte, n < 0", size - 1, -1},
		{"whole object, n < 0", 0, -1},
		{"whole object, n = size", 0, size},
		{"zero length at 0", 0, 0},
		{"zero length at a boundary", bs, 0},
		{"zero length at the last byte", size - 1, 0},
	}
	for _, r := range ranges {
		end := size
		if r.n >= 0 {
			end = r.off + r.n
		}
		got := read(t, st, obj, r.off, r.n)
		checkBytes(t, fmt.Sprintf("%s [%d, +%d)", r.name, r.off, r.n), got, data[r.off:end])
	}

	// A reader closed early must not hang or fail its Close.
	rc, err := st.ReadObject(t.Context(), obj, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 10)
	if _, err := rc.Read(buf); err != nil {
		t.Errorf("first Read: %v", err)
	}
	if err := rc.Close(); err != nil {
		t.Errorf("Close after a partial read: %v", err)
	}
}

// testOverwrite: a new PUT replaces content, ETag and metadata; readers of
// the old version, opened before or just after the overwrite, still get
// its bytes in full. Stores keep replaced bytes readable for a grace
// period (the Cassandra store's GC sweeps them later), because a GET's
// HeadObject and ReadObject are two calls an overwrite can fall between.
func (s *suite) testOverwrite(t *testing.T) {
	st, b := s.setup(t, "overwrite")
	bs := s.bs
	const key = "over/write"
	old := payload(bs+bs/2, 1)
	m1 := meta("one")
	v1 := put(t, st, b, key, old, m1)
	h1 := head(t, st, b, key)

	whole, err := st.ReadObject(t.Context(), h1, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	part, err := st.ReadObject(t.Context(), h1, int64(bs-10), 20)
	if err != nil {
		t.Fatal(err)
	}

	data := payload(2*bs+3, 2)
	m2 := store.Meta{ContentType: "text/plain", User: map[string]string{"only-in-two": "yes"}}
	v2 := put(t, st, b, key, data, m2)
	if v2.ETag == v1.ETag {
		t.Errorf("overwrite kept ETag %q", v1.ETag)
	}
	h2 := head(t, st, b, key)
	checkObject(t, "HeadObject after overwrite", h2, v2)

	checkBytes(t, "reader opened before the overwrite", readClose(t, whole, key), old)
	checkBytes(t, "range reader opened before the overwrite", readClose(t, part, key), old[bs-10:bs+10])
	checkBytes(t, "old version opened after the overwrite", read(t, st, h1, 0, -1), old)
	checkBytes(t, "new version", read(t, st, h2, 0, -1), data)

	res, err := st.ListObjects(t.Context(), store.ListInput{Bucket: b, Prefix: key, MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Objects) != 1 || res.Objects[0].ETag != v2.ETag || res.Objects[0].Size != v2.Size {
		t.Errorf("listing after overwrite = %+v, want one object with ETag %q size %d", res.Objects, v2.ETag, v2.Size)
	}

	// Shrinking to nothing is an overwrite like any other.
	v3 := put(t, st, b, key, nil, store.Meta{})
	checkObject(t, "HeadObject after overwrite with an empty body", head(t, st, b, key), v3)
	checkBytes(t, "empty version", read(t, st, v3, 0, -1), nil)
}

// testDelete: a deleted key is gone from HeadObject and listings, its
// neighbours are untouched, deleting it again is fine and a new PUT brings
// it back.
func (s *suite) testDelete(t *testing.T) {
	st, b := s.setup(t, "delete")
	ctx := t.Context()
	data := payload(s.bs+1, 7)
	for _, k := range []string{"k", "k/x", "k2", "j"} {
		put(t, st, b, k, data, store.Meta{})
	}
	if _, err := st.DeleteObject(ctx, b, "k"); err != nil {
		t.Fatalf("DeleteObject: %v", err)
	}
	_, err := st.HeadObject(ctx, b, "k")
	wantErr(t, "HeadObject after delete", err, store.ErrNoSuchKey)
	if got, want := listKeys(t, st, b, ""), []string{"j", "k/x", "k2"}; !slices.Equal(got, want) {
		t.Errorf("listing after delete = %q, want %q", got, want)
	}
	checkBytes(t, "neighbour after delete", read(t, st, head(t, st, b, "k/x"), 0, -1), data)

	if _, err := st.DeleteObject(ctx, b, "k"); err != nil {
		t.Errorf("deleting a deleted key: %v", err)
	}
	if _, err := st.DeleteObject(ctx, b, "never-there"); err != nil {
		t.Errorf("deleting a missing key: %v", err)
	}
	_, err = st.HeadObject(ctx, b, "never-there")
	wantErr(t, "HeadObject of a missing key", err, store.ErrNoSuchKey)

	again := put(t, st, b, "k", []byte("back"), meta("back"))
	checkObject(t, "HeadObject after re-put", head(t, st, b, "k"), again)
	checkBytes(t, "re-put bytes", read(t, st, again, 0, -1), []byte("back"))
	if got, want := listKeys(t, st, b, ""), []string{"j", "k", "k/x", "k2"}; !slices.Equal(got, want) {
		t.Errorf("listing after re-put = %q, want %q", got, want)
	}
}
