package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/amphora-s3/amphora/store"
)

// appendTo appends data to key at pos and checks the result's size.
func appendTo(t *testing.T, st store.Store, bucket, key string, pos int64, data []byte, m store.Meta) store.Object {
	t.Helper()
	obj, err := st.AppendObject(t.Context(), store.AppendInput{Bucket: bucket, Key: key, Owner: "writer",
		Position: pos, Size: int64(len(data)), Meta: m, ContentMD5: md5raw(data), Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatalf("AppendObject(%q at %d, %d bytes): %v", key, pos, len(data), err)
	}
	if !obj.Appendable || obj.Size != pos+int64(len(data)) {
		t.Fatalf("AppendObject(%q at %d, %d bytes) = appendable %v, size %d", key, pos, len(data), obj.Appendable, obj.Size)
	}
	return obj
}

// wantPosition fails unless err is a *store.PositionError naming length.
func wantPosition(t *testing.T, what string, err error, length int64) {
	t.Helper()
	var pe *store.PositionError
	if !errors.As(err, &pe) || !errors.Is(err, store.ErrPositionNotEqualToLength) || pe.Length != length {
		t.Errorf("%s: error %v, want a PositionError with length %d", what, err, length)
	}
}

// testAppend: appends create an appendable object at position 0 and grow
// it at its length (across block boundaries, with exact bytes, ranges
// across segments and a running "-N" ETag); a wrong position fails with
// the length; a normal object is never appendable; a PUT replaces an
// appendable object and DELETE removes it; versioned buckets refuse
// appends.
func (s *suite) testAppend(t *testing.T) {
	st, b := s.setup(t, "append")
	ctx := t.Context()
	bs := s.bs
	m := meta("append")

	var want []byte
	var etags []string
	for i, n := range []int{bs / 2, bs, 1, 2*bs + 3, 0, 7} {
		data := payload(n, uint64(500+i))
		var mm store.Meta
		if i == 0 {
			mm = m
		}
		obj := appendTo(t, st, b, "log", int64(len(want)), data, mm)
		want = append(want, data...)
		if !strings.HasSuffix(obj.ETag, fmt.Sprintf("-%d", i+1)) || obj.Parts != 0 {
			t.Errorf("append %d: etag %q parts %d, want a -%d etag and no parts", i+1, obj.ETag, obj.Parts, i+1)
		}
		for _, e := range etags {
			if e == obj.ETag {
				t.Errorf("append %d: etag %q repeats an earlier one", i+1, obj.ETag)
			}
		}
		etags = append(etags, obj.ETag)
		h := head(t, st, b, "log")
		if !h.Appendable || h.Size != int64(len(want)) || h.ETag != obj.ETag || !metaEqual(h.Meta, m) {
			t.Fatalf("HeadObject after append %d: appendable %v size %d etag %q meta %+v; want size %d etag %q meta %+v",
				i+1, h.Appendable, h.Size, h.ETag, h.Meta, len(want), obj.ETag, m)
		}
		checkBytes(t, fmt.Sprintf("read after append %d", i+1), read(t, st, h, 0, -1), want)
		checkBytes(t, fmt.Sprintf("read of append %d's own result", i+1), read(t, st, obj, 0, -1), want)
	}
	h := head(t, st, b, "log")
	for _, r := range [][2]int64{{0, 1}, {int64(bs/2 - 1), 3}, {int64(bs / 2), int64(bs)}, {int64(len(want) - 8), 8}, {1, int64(len(want) - 2)}} {
		checkBytes(t, fmt.Sprintf("range %d+%d", r[0], r[1]), read(t, st, h, r[0], r[1]), want[r[0]:r[0]+r[1]])
	}
	if off, size, err := st.ObjectPart(ctx, h, 1); err != nil || off != 0 || size != h.Size {
		t.Errorf("ObjectPart(1) of an appendable object = %d, %d, %v; want the whole object", off, size, err)
	}
	if _, _, err := st.ObjectPart(ctx, h, 2); !errors.Is(err, store.ErrInvalidPart) {
		t.Errorf("ObjectPart(2) of an appendable object: %v, want ErrInvalidPart", err)
	}
	res := mustList(t, st, b, store.ListInput{Bucket: b, MaxKeys: 10})
	if len(res.Objects) != 1 || res.Objects[0].Size != h.Size || res.Objects[0].ETag != h.ETag {
		t.Errorf("listing: %+v, want log with size %d etag %q", res.Objects, h.Size, h.ETag)
	}

	// Wrong positions, before and after the end, and the body unread.
	for _, pos := range []int64{0, int64(len(want)) - 1, int64(len(want)) + 1} {
		_, err := st.AppendObject(ctx, store.AppendInput{Bucket: b, Key: "log", Owner: "writer", Position: pos, Size: 3, Body: strings.NewReader("abc")})
		wantPosition(t, fmt.Sprintf("append at %d of %d", pos, len(want)), err, int64(len(want)))
	}
	_, err := st.AppendObject(ctx, store.AppendInput{Bucket: b, Key: "missing", Owner: "writer", Position: 5, Size: 3, Body: strings.NewReader("abc")})
	wantPosition(t, "append at 5 to a missing key", err, 0)
	if _, err := st.HeadObject(ctx, b, "missing"); !errors.Is(err, store.ErrNoSuchKey) {
		t.Errorf("a refused append created the key: %v", err)
	}
	// A failed body leaves the object as it was.
	_, err = st.AppendObject(ctx, store.AppendInput{Bucket: b, Key: "log", Owner: "writer", Position: int64(len(want)), Size: 10, Body: strings.NewReader("short")})
	wantErr(t, "append with a short body", err, store.ErrIncompleteBody)
	_, err = st.AppendObject(ctx, store.AppendInput{Bucket: b, Key: "log", Owner: "writer", Position: int64(len(want)), Size: 3,
		ContentMD5: md5raw([]byte("xyz")), Body: strings.NewReader("abc")})
	wantErr(t, "append with a wrong Content-MD5", err, store.ErrBadDigest)
	if h2 := head(t, st, b, "log"); h2.Size != h.Size || h2.ETag != h.ETag {
		t.Errorf("failed appends changed the object: size %d etag %q, was %d %q", h2.Size, h2.ETag, h.Size, h.ETag)
	}

	// A normal object is never appendable.
	put(t, st, b, "plain", []byte("plain bytes"), store.Meta{})
	_, err = st.AppendObject(ctx, store.AppendInput{Bucket: b, Key: "plain", Owner: "writer", Position: 11, Size: 1, Body: strings.NewReader("x")})
	wantErr(t, "append to a normal object", err, store.ErrObjectNotAppendable)
	_, err = st.AppendObject(ctx, store.AppendInput{Bucket: b, Key: "plain", Owner: "writer", Position: 0, Size: 1, Body: strings.NewReader("x")})
	wantErr(t, "append at 0 to a normal object", err, store.ErrObjectNotAppendable)

	// A PUT replaces an appendable object; it is then not appendable.
	appendTo(t, st, b, "replaced", 0, []byte("first"), store.Meta{})
	appendTo(t, st, b, "replaced", 5, []byte("second"), store.Meta{})
	put(t, st, b, "replaced", []byte("a normal object"), store.Meta{})
	if h := head(t, st, b, "replaced"); h.Appendable {
		t.Errorf("PUT over an appendable object left it appendable")
	}
	checkBytes(t, "PUT over an appendable object", read(t, st, head(t, st, b, "replaced"), 0, -1), []byte("a normal object"))
	_, err = st.AppendObject(ctx, store.AppendInput{Bucket: b, Key: "replaced", Owner: "writer", Position: 15, Size: 1, Body: strings.NewReader("x")})
	wantErr(t, "append after a PUT replaced it", err, store.ErrObjectNotAppendable)

	// DELETE removes it; an append at 0 then starts afresh.
	appendTo(t, st, b, "deleted", 0, []byte("doomed"), store.Meta{})
	if _, err := st.DeleteObject(ctx, b, "deleted"); err != nil {
		t.Fatalf("DeleteObject: %v", err)
	}
	if _, err := st.HeadObject(ctx, b, "deleted"); !errors.Is(err, store.ErrNoSuchKey) {
		t.Errorf("HeadObject after DELETE of an appendable object: %v, want ErrNoSuchKey", err)
	}
	_, err = st.AppendObject(ctx, store.AppendInput{Bucket: b, Key: "deleted", Owner: "writer", Position: 6, Size: 1, Body: strings.NewReader("x")})
	wantPosition(t, "append at the old length after DELETE", err, 0)
	obj := appendTo(t, st, b, "deleted", 0, []byte("anew"), store.Meta{})
	checkBytes(t, "re-created after DELETE", read(t, st, obj, 0, -1), []byte("anew"))
	if !strings.HasSuffix(obj.ETag, "-1") {
		t.Errorf("re-created appendable object: etag %q, want -1", obj.ETag)
	}

	// Versioned buckets refuse appends, Enabled or Suspended.
	for _, state := range []string{store.VersioningEnabled, store.VersioningSuspended} {
		vb := s.newBucket(t, st, "appendv", s.owner("main"))
		setVersioning(t, st, vb, state)
		_, err := st.AppendObject(ctx, store.AppendInput{Bucket: vb, Key: "k", Owner: "writer", Position: 0, Size: 1, Body: strings.NewReader("x")})
		wantErr(t, "append in a bucket with versioning "+state, err, store.ErrAppendNotSupported)
	}
	// Past MaxObjectSize in all: refused before the body is read.
	_, err = st.AppendObject(ctx, store.AppendInput{Bucket: b, Key: "huge", Owner: "writer", Position: 0,
		Size: store.MaxObjectSize + 1, Body: &failingReader{err: errors.New("the body of a refused append was read")}})
	wantErr(t, "append over MaxObjectSize", err, store.ErrEntityTooLarge)
	_, err = st.AppendObject(ctx, store.AppendInput{Bucket: s.bucketName("nobucket"), Key: "k", Owner: "writer", Position: 0, Size: 1, Body: strings.NewReader("x")})
	wantErr(t, "append in a missing bucket", err, store.ErrNoSuchBucket)
}

// testAppendRace: appenders racing at one position, at the creation and
// on an existing object: exactly one wins, every other gets the
// PositionError naming the winner's new length, and the object holds the
// winner's bytes only.
func (s *suite) testAppendRace(t *testing.T) {
	st, b := s.setup(t, "appendrace")
	const racers = 4
	for round, pos := range []int64{0, 0} {
		key := fmt.Sprintf("race-%d", round)
		if round == 1 {
			appendTo(t, st, b, key, 0, []byte("base-"), store.Meta{})
			pos = 5
		}
		var (
			wg   sync.WaitGroup
			errs = make([]error, racers)
			objs = make([]store.Object, racers)
		)
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				data := []byte(fmt.Sprintf("racer-%d-of-%d", i, racers))
				objs[i], errs[i] = st.AppendObject(t.Context(), store.AppendInput{Bucket: b, Key: key, Owner: "writer",
					Position: pos, Size: int64(len(data)), Body: bytes.NewReader(data)})
			}()
		}
		wg.Wait()
		winner := -1
		for i, err := range errs {
			if err == nil {
				if winner >= 0 {
					t.Errorf("%s: racers %d and %d both won at %d", key, winner, i, pos)
				}
				winner = i
			}
		}
		if winner < 0 {
			t.Fatalf("%s: no racer won: %v", key, errs)
		}
		end := objs[winner].Size
		for i, err := range errs {
			if i != winner {
				wantPosition(t, fmt.Sprintf("%s: racer %d", key, i), err, end)
			}
		}
		h := head(t, st, b, key)
		if h.Size != end || h.ETag != objs[winner].ETag {
			t.Errorf("%s: HeadObject size %d etag %q, the winner's %d %q", key, h.Size, h.ETag, end, objs[winner].ETag)
		}
		wantBytes := []byte(fmt.Sprintf("racer-%d-of-%d", winner, racers))
		if round == 1 {
			wantBytes = append([]byte("base-"), wantBytes...)
		}
		checkBytes(t, key+": the winner's bytes", read(t, st, h, 0, -1), wantBytes)
	}
}
