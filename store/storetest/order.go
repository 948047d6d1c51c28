package storetest

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/store"
)

// gatedReader yields data but its last byte only once gate is closed;
// waiting is closed when it has handed out everything else.
type gatedReader struct {
	data    []byte
	off     int
	gate    chan struct{}
	waiting chan struct{}
}

func (r *gatedReader) Read(p []byte) (int, error) {
	if r.off == len(r.data) {
		return 0, io.EOF
	}
	if r.off == len(r.data)-1 {
		close(r.waiting)
		<-r.gate
	}
	end := min(len(r.data)-1, r.off+len(p))
	if r.off == len(r.data)-1 {
		end = len(r.data)
	}
	n := copy(p, r.data[r.off:end])
	r.off += n
	return n, nil
}

// testCompletionOrder: of two PUTs of one key, the one that completes
// last is current, whatever their start order: PUT A starts, PUT B starts
// and completes while A's last byte is held back, then A completes. A is
// current; in a versioned bucket both are kept, A listed first (version
// order is completion order); in a bucket never versioned B is gone.
func (s *suite) testCompletionOrder(t *testing.T) {
	for _, versioned := range []bool{false, true} {
		for _, size := range []int{10, 2*s.bs + 3} { // inline and blocks
			t.Run(fmt.Sprintf("versioned=%t/%d", versioned, size), func(t *testing.T) {
				st, b := s.setup(t, "completion-order")
				ctx := t.Context()
				if versioned {
					setVersioning(t, st, b, store.VersioningEnabled)
				}
				dataA, dataB := payload(size, 1), payload(size, 2)
				gr := &gatedReader{data: dataA, gate: make(chan struct{}), waiting: make(chan struct{})}
				type result struct {
					obj store.Object
					err error
				}
				done := make(chan result, 1)
				go func() {
					obj, err := st.PutObject(ctx, store.PutInput{Bucket: b, Key: "k", Owner: "writer",
						Size: int64(size), Body: gr})
					done <- result{obj, err}
				}()
				select {
				case <-gr.waiting:
				case <-time.After(30 * time.Second):
					t.Fatal("PUT A never read its body")
				}
				objB := put(t, st, b, "k", dataB, store.Meta{})
				close(gr.gate)
				resA := <-done
				if resA.err != nil {
					t.Fatalf("PUT A: %v", resA.err)
				}
				cur := head(t, st, b, "k")
				if cur.ETag != md5hex(dataA) {
					t.Fatalf("current version is B's (ETag %s): the PUT that completed last must be current", cur.ETag)
				}
				checkBytes(t, "current", read(t, st, cur, 0, -1), dataA)
				vs := versionsOf(t, st, b, "k")
				if versioned {
					if len(vs) != 2 || vs[0].VersionID != resA.obj.VersionID || vs[1].VersionID != objB.VersionID || !vs[0].IsLatest {
						t.Fatalf("versions %v, want A (%s) then B (%s)", ids(vs), resA.obj.VersionID, objB.VersionID)
					}
					if !resA.obj.LastModified.After(objB.LastModified) && !resA.obj.LastModified.Equal(objB.LastModified) {
						t.Errorf("A's LastModified %v before B's %v", resA.obj.LastModified, objB.LastModified)
					}
					old, err := st.HeadVersion(ctx, b, "k", objB.VersionID)
					if err != nil {
						t.Fatal(err)
					}
					checkBytes(t, "B, not current", read(t, st, old, 0, -1), dataB)
				} else if len(vs) != 1 || vs[0].ETag != md5hex(dataA) {
					t.Fatalf("versions %v, want A's only", ids(vs))
				}
				res := mustList(t, st, b, store.ListInput{MaxKeys: 10})
				if len(res.Objects) != 1 || res.Objects[0].ETag != md5hex(dataA) {
					t.Errorf("listing: %+v, want A's object", res.Objects)
				}
			})
		}
	}
}
