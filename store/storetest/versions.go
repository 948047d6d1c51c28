package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/amphora-s3/amphora/store"
)

func setVersioning(t *testing.T, st store.Store, b, state string) {
	t.Helper()
	if err := st.SetBucketSetting(t.Context(), b, store.SettingVersioning, state); err != nil {
		t.Fatal(err)
	}
}

// versionsOf lists key's versions as "id:marker/bytes-tag" strings,
// newest first, with the latest flagged.
func versionsOf(t *testing.T, st store.Store, b, key string) []store.Object {
	t.Helper()
	res, err := st.ListVersions(t.Context(), store.ListVersionsInput{Bucket: b, Prefix: key, MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Object
	for _, v := range res.Versions {
		if v.Key == key {
			out = append(out, v)
		}
	}
	return out
}

func ids(vs []store.Object) []string {
	var out []string
	for _, v := range vs {
		s := v.VersionID
		if v.DeleteMarker {
			s += "(marker)"
		}
		if v.IsLatest {
			s += "*"
		}
		out = append(out, s)
	}
	return out
}

// testVersioning walks a key through S3's versioning states: versions
// kept while Enabled, the null version from before kept beside them,
// delete markers, deleting versions and markers by id (the next older
// one becoming current), Suspended writes and deletes replacing only the
// null version, and a bucket with versions left refusing to be deleted.
func (s *suite) testVersioning(t *testing.T) {
	st, b := s.setup(t, "versioning")
	ctx := t.Context()
	sizes := []int{10, s.bs + 5} // inline and blocks
	for n, size := range sizes {
		key := fmt.Sprintf("k%d", n)
		data := func(i int) []byte { return payload(size, uint64(100*n+i)) }
		if n > 0 {
			setVersioning(t, st, b, store.VersioningSuspended) // writes null versions again
		}
		v0 := put(t, st, b, key, data(0), store.Meta{})
		if v0.VersionID != store.NullVersion {
			t.Fatalf("before versioning: VersionID %q", v0.VersionID)
		}
		setVersioning(t, st, b, store.VersioningEnabled)
		v1 := put(t, st, b, key, data(1), store.Meta{})
		v2 := put(t, st, b, key, data(2), store.Meta{})
		if v1.VersionID == store.NullVersion || v1.VersionID == v2.VersionID {
			t.Fatalf("Enabled: version ids %q, %q", v1.VersionID, v2.VersionID)
		}
		cur := head(t, st, b, key)
		checkBytes(t, "current", read(t, st, cur, 0, -1), data(2))
		want := []string{v2.VersionID + "*", v1.VersionID, store.NullVersion}
		if got := ids(versionsOf(t, st, b, key)); !slices.Equal(got, want) {
			t.Errorf("%d bytes: versions %v, want %v", size, got, want)
		}
		for i, v := range []store.Object{v0, v1, v2} {
			h, err := st.HeadVersion(ctx, b, key, v.VersionID)
			if err != nil {
				t.Fatalf("HeadVersion(%s): %v", v.VersionID, err)
			}
			checkBytes(t, "version "+v.VersionID, read(t, st, h, 0, -1), data(i))
		}

		// A delete marker hides the key; removing it brings v2 back.
		del, err := st.DeleteObject(ctx, b, key)
		if err != nil || !del.DeleteMarker || del.VersionID == "" || del.VersionID == store.NullVersion {
			t.Fatalf("DeleteObject while Enabled: %+v, %v", del, err)
		}
		_, err = st.HeadObject(ctx, b, key)
		var dm *store.DeleteMarkerError
		if !errors.Is(err, store.ErrNoSuchKey) || !errors.As(err, &dm) || dm.VersionID != del.VersionID {
			t.Errorf("HeadObject behind a delete marker: %v", err)
		}
		if m, err := st.HeadVersion(ctx, b, key, del.VersionID); err != nil || !m.DeleteMarker {
			t.Errorf("HeadVersion of the marker: %+v, %v", m, err)
		}
		if keys := listKeys(t, st, b, key); len(keys) != 0 {
			t.Errorf("a key behind a delete marker is listed: %v", keys)
		}
		want = []string{del.VersionID + "(marker)*", v2.VersionID, v1.VersionID, store.NullVersion}
		if got := ids(versionsOf(t, st, b, key)); !slices.Equal(got, want) {
			t.Errorf("%d bytes: versions after delete %v, want %v", size, got, want)
		}
		if r, err := st.DeleteVersion(ctx, b, key, del.VersionID, false); err != nil || !r.DeleteMarker {
			t.Errorf("DeleteVersion of the marker: %+v, %v", r, err)
		}
		checkBytes(t, "current once the marker is gone", read(t, st, head(t, st, b, key), 0, -1), data(2))
		if keys := listKeys(t, st, b, key); len(keys) != 1 {
			t.Errorf("listing once the marker is gone: %v", keys)
		}
		// Deleting the current version makes the next older one current.
		if _, err := st.DeleteVersion(ctx, b, key, v2.VersionID, false); err != nil {
			t.Fatal(err)
		}
		checkBytes(t, "v1 current", read(t, st, head(t, st, b, key), 0, -1), data(1))
		// Tags on a version that is not current.
		if err := st.PutObjectTags(ctx, v0, store.Tags{{Key: "old", Value: "yes"}}); err != nil {
			t.Errorf("PutObjectTags on the null version: %v", err)
		}
		if h, err := st.HeadVersion(ctx, b, key, store.NullVersion); err != nil || len(h.Tags) != 1 {
			t.Errorf("tags of the null version: %+v, %v", h.Tags, err)
		}

		// Suspended: a write replaces the null version, and only it.
		setVersioning(t, st, b, store.VersioningSuspended)
		v3 := put(t, st, b, key, data(3), store.Meta{})
		if v3.VersionID != store.NullVersion {
			t.Errorf("Suspended: VersionID %q", v3.VersionID)
		}
		want = []string{store.NullVersion + "*", v1.VersionID}
		if got := ids(versionsOf(t, st, b, key)); !slices.Equal(got, want) {
			t.Errorf("%d bytes: versions after a Suspended write %v, want %v", size, got, want)
		}
		h, err := st.HeadVersion(ctx, b, key, store.NullVersion)
		if err != nil {
			t.Fatal(err)
		}
		checkBytes(t, "the new null version", read(t, st, h, 0, -1), data(3))
		// A Suspended delete makes a null marker in place of the null version.
		del, err = st.DeleteObject(ctx, b, key)
		if err != nil || !del.DeleteMarker || del.VersionID != store.NullVersion {
			t.Fatalf("DeleteObject while Suspended: %+v, %v", del, err)
		}
		want = []string{store.NullVersion + "(marker)*", v1.VersionID}
		if got := ids(versionsOf(t, st, b, key)); !slices.Equal(got, want) {
			t.Errorf("%d bytes: versions after a Suspended delete %v, want %v", size, got, want)
		}
		if _, err := st.DeleteVersion(ctx, b, key, store.NullVersion, false); err != nil {
			t.Fatal(err)
		}
		checkBytes(t, "v1 current again", read(t, st, head(t, st, b, key), 0, -1), data(1))

		// Unknown ids; deleting a version that is not there is fine.
		_, err = st.HeadVersion(ctx, b, key, v2.VersionID)
		wantErr(t, "HeadVersion of a deleted version", err, store.ErrNoSuchVersion)
		if _, err := st.DeleteVersion(ctx, b, key, v2.VersionID, false); err != nil {
			t.Errorf("DeleteVersion of a deleted version: %v", err)
		}
		_, err = st.HeadVersion(ctx, b, key, "not-a-version")
		wantErr(t, "HeadVersion of a malformed id", err, store.ErrNoSuchVersion)

		// A bucket with versions left is not empty.
		err = st.DeleteBucket(ctx, b)
		wantErr(t, "DeleteBucket with versions left", err, store.ErrBucketNotEmpty)
		if _, err := st.DeleteVersion(ctx, b, key, v1.VersionID, false); err != nil {
			t.Fatal(err)
		}
		_, err = st.HeadObject(ctx, b, key)
		if !errors.Is(err, store.ErrNoSuchKey) || errors.As(err, &dm) {
			t.Errorf("HeadObject once every version is gone: %v", err)
		}
		if vs := versionsOf(t, st, b, key); len(vs) != 0 {
			t.Errorf("versions once every version is gone: %v", ids(vs))
		}
		setVersioning(t, st, b, store.VersioningEnabled)
	}

	// A completed multipart upload is a version like any other.
	first := put(t, st, b, "mp", []byte("first"), store.Meta{})
	u, err := st.CreateMultipartUpload(ctx, store.CreateUploadInput{Bucket: b, Key: "mp", Owner: "writer"})
	if err != nil {
		t.Fatal(err)
	}
	p := uploadPart(t, st, u, 1, []byte("part"))
	obj, err := st.CompleteMultipartUpload(ctx, store.CompleteInput{Bucket: b, Key: "mp", UploadID: u.UploadID, Parts: completed(p)})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(versionsOf(t, st, b, "mp")); !slices.Equal(got, []string{obj.VersionID + "*", first.VersionID}) {
		t.Errorf("versions after a completion: %v", got)
	}
}

// testListVersions pages through many keys with several versions and
// markers each, with and without a delimiter, and checks every page
// against the expected sequence: keys in order, versions newest first,
// IsLatest on the first of each key, common prefixes once.
func (s *suite) testListVersions(t *testing.T) {
	st, b := s.setup(t, "list-versions")
	ctx := t.Context()
	setVersioning(t, st, b, store.VersioningEnabled)
	type entry struct{ key, id string }
	var want []entry // newest first within a key
	keys := []string{"a/1", "a/2", "b", "c/x/1", "d"}
	for _, k := range keys {
		var vs []entry
		for i := range 3 {
			o := put(t, st, b, k, []byte(fmt.Sprintf("%s-%d", k, i)), store.Meta{})
			vs = append([]entry{{k, o.VersionID}}, vs...)
		}
		if k == "b" || k == "d" {
			del, err := st.DeleteObject(ctx, b, k)
			if err != nil {
				t.Fatal(err)
			}
			vs = append([]entry{{k, del.VersionID}}, vs...)
		}
		want = append(want, vs...)
	}
	for _, max := range []int{1, 2, 3, 7, 1000} {
		var got []entry
		in := store.ListVersionsInput{Bucket: b, MaxKeys: max}
		for pages := 0; ; pages++ {
			if pages > 100 {
				t.Fatalf("max %d: no end", max)
			}
			res, err := st.ListVersions(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Versions) > max {
				t.Fatalf("max %d: page of %d", max, len(res.Versions))
			}
			for _, v := range res.Versions {
				latest := len(got) == 0 || got[len(got)-1].key != v.Key
				if v.IsLatest != latest {
					t.Errorf("max %d: %s %s IsLatest %v", max, v.Key, v.VersionID, v.IsLatest)
				}
				got = append(got, entry{v.Key, v.VersionID})
			}
			if !res.IsTruncated {
				break
			}
			in.KeyMarker, in.VersionIDMarker = res.NextKeyMarker, res.NextVersionIDMarker
		}
		if !slices.Equal(got, want) {
			t.Errorf("max %d: listed %v\nwant %v", max, got, want)
		}
	}
	// With a delimiter: a/ and c/ are common prefixes, listed once.
	var prefixes, flat []string
	in := store.ListVersionsInput{Bucket: b, Delimiter: "/", MaxKeys: 2}
	for {
		res, err := st.ListVersions(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		prefixes = append(prefixes, res.CommonPrefixes...)
		for _, v := range res.Versions {
			flat = append(flat, v.Key)
		}
		if !res.IsTruncated {
			break
		}
		in.KeyMarker, in.VersionIDMarker = res.NextKeyMarker, res.NextVersionIDMarker
	}
	if !slices.Equal(prefixes, []string{"a/", "c/"}) || strings.Join(flat, ",") != "b,b,b,b,d,d,d,d" {
		t.Errorf("delimiter listing: prefixes %v, versions of %v", prefixes, flat)
	}
	// The current listing shows the keys whose current version is not a
	// marker.
	if got := listKeys(t, st, b, ""); !slices.Equal(got, []string{"a/1", "a/2", "c/x/1"}) {
		t.Errorf("ListObjects in a versioned bucket: %v", got)
	}
}
