package integration

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/signer"
)

// A self-describing object: a header naming its writer, sequence number,
// kind and length, then payload bytes derived from them, so a reader can
// tell a whole version from a torn one without knowing who wrote last.
const (
	tornMagic  = "AMPHTORN"
	tornHeader = 8 + 4 + 4 + 8 + 8 // magic, writer, kind, seq, length
	kindSingle = 0
	kindMulti  = 1 // two parts: minPart bytes, then the rest
)

func tornSeed(writer, seq uint64) uint64 { return 1<<62 | writer<<40 | seq }

// tornObject builds the object writer's seq-th write of kind and size.
func tornObject(tb testing.TB, writer, kind uint32, seq uint64, size int) []byte {
	b := make([]byte, tornHeader, size)
	copy(b, tornMagic)
	binary.BigEndian.PutUint32(b[8:], writer)
	binary.BigEndian.PutUint32(b[12:], kind)
	binary.BigEndian.PutUint64(b[16:], seq)
	binary.BigEndian.PutUint64(b[24:], uint64(size))
	return append(b, payloadBytes(tb, tornSeed(uint64(writer), seq), int64(size-tornHeader))...)
}

// checkTorn verifies that b is exactly one version as tornObject made it
// and that etag is that version's; it returns the version's kind.
func checkTorn(b []byte, etag string) (kind uint32, err error) {
	if len(b) < tornHeader || string(b[:8]) != tornMagic {
		return 0, fmt.Errorf("%d bytes without a header (starts %q)", len(b), b[:min(len(b), 16)])
	}
	writer, kind := binary.BigEndian.Uint32(b[8:]), binary.BigEndian.Uint32(b[12:])
	seq, size := binary.BigEndian.Uint64(b[16:]), binary.BigEndian.Uint64(b[24:])
	if uint64(len(b)) != size {
		return kind, fmt.Errorf("writer %d seq %d: %d bytes, its header says %d", writer, seq, len(b), size)
	}
	want, err := io.ReadAll(payload(tornSeed(uint64(writer), seq), int64(size)-tornHeader))
	if err != nil {
		return kind, err
	}
	if !bytes.Equal(b[tornHeader:], want) {
		return kind, fmt.Errorf("writer %d seq %d (%d bytes): torn body%s", writer, seq, size, firstDiff(b[tornHeader:], want))
	}
	wantETag := md5Hex(b)
	if kind == kindMulti {
		wantETag = mpETagOf(b[:minPart], b[minPart:])
	}
	if trimETag(etag) != wantETag {
		return kind, fmt.Errorf("writer %d seq %d (%d bytes, kind %d): ETag %s, want %s", writer, seq, size, kind, etag, wantETag)
	}
	return kind, nil
}

// tornBlocks is how many block rows the version in b occupies.
func tornBlocks(b []byte, bs int64) int64 {
	if binary.BigEndian.Uint32(b[12:]) == kindMulti {
		return blocksFor(minPart, bs) + blocksFor(int64(len(b))-minPart, bs)
	}
	return blocksFor(int64(len(b)), bs)
}

// stressDuration is how long the concurrency test hammers one key:
// 30 s, or AMPHORA_STRESS_SECONDS.
func stressDuration(t *testing.T) time.Duration {
	if v := os.Getenv("AMPHORA_STRESS_SECONDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			t.Fatalf("AMPHORA_STRESS_SECONDS=%q: want a positive number of seconds", v)
		}
		return time.Duration(n) * time.Second
	}
	return 30 * time.Second
}

// 8 writers of single PUTs of varying sizes, 2 more writing multipart
// uploads, and 8 readers on one key: every read returns exactly one whole version with
// its own ETag, and no request fails. Afterwards, once the sweeper has
// had its grace period, the only block rows left are the last version's.
func TestConcurrentWritersReadersOneKey(t *testing.T) {
	o := defaultOptions() // 256 KiB blocks, 10 s grace, sweeper every second
	s := newServer(t, o)
	db := cqlSession(t, s)
	d := stressDuration(t)
	ctx := testContext(t, d+5*time.Minute)
	c := s.minioClient(t, tenantA, minioOpts{})
	core := minio.Core{Client: c}
	bs := o.BlockSize
	const bucket, key = "stress", "one/hot key"
	if err := c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	first := tornObject(t, 99, kindSingle, 0, 1000)
	if _, err := c.PutObject(ctx, bucket, key, bytes.NewReader(first), int64(len(first)), minio.PutObjectOptions{DisableMultipart: true}); err != nil {
		t.Fatal(err)
	}
	// Sizes from a few bytes to several blocks, on and off block boundaries.
	sizes := []int{tornHeader, 1000, int(bs) - 1, int(bs), int(bs) + 1, 700 << 10, 1<<20 + 7, 3*int(bs) + 5, 2<<20 - 3}

	var (
		mu       sync.Mutex
		failures []string
		writes   [2]atomic.Int64 // by kind
		reads    [2]atomic.Int64
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(failures) < 20 {
			failures = append(failures, time.Now().Format("15:04:05.000")+" "+fmt.Sprintf(format, args...))
		}
	}
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for w := range uint32(10) { // 0 and 1 multipart, 2 to 9 single PUTs
		wg.Go(func() {
			for seq := uint64(1); time.Now().Before(stop); seq++ {
				if w < 2 { // multipart: a minimum part then a small one
					b := tornObject(t, w, kindMulti, seq, minPart+sizes[int(seq)%len(sizes)])
					if err := tornMultipart(ctx, core, bucket, key, b); err != nil {
						fail("writer %d seq %d multipart: %v", w, seq, err)
						continue
					}
					writes[kindMulti].Add(1)
					continue
				}
				b := tornObject(t, w, kindSingle, seq, sizes[(int(w)+int(seq))%len(sizes)])
				info, err := c.PutObject(ctx, bucket, key, bytes.NewReader(b), int64(len(b)), minio.PutObjectOptions{DisableMultipart: true})
				if err != nil {
					fail("writer %d seq %d PUT of %d bytes: %v", w, seq, len(b), err)
					continue
				}
				if info.ETag != md5Hex(b) {
					fail("writer %d seq %d PUT: ETag %s, want %s", w, seq, info.ETag, md5Hex(b))
				}
				writes[kindSingle].Add(1)
			}
		})
	}
	for r := range 8 {
		wg.Go(func() {
			for time.Now().Before(stop) {
				// One GET: its headers and its body (minio.Client's
				// GetObject would HEAD first, then GET with If-Match).
				o, st, _, err := core.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
				if err != nil {
					fail("reader %d GET: %v", r, err)
					continue
				}
				b, err := io.ReadAll(o)
				o.Close()
				if err != nil {
					fail("reader %d GET: read after %d bytes: %v", r, len(b), err)
					continue
				}
				kind, err := checkTorn(b, st.ETag)
				if err != nil {
					fail("reader %d: %v", r, err)
					continue
				}
				reads[kind].Add(1)
			}
		})
	}
	wg.Wait()
	t.Logf("%s: %d single PUTs and %d multipart completions, %d whole reads of single-PUT versions and %d of multipart ones",
		d, writes[kindSingle].Load(), writes[kindMulti].Load(), reads[kindSingle].Load(), reads[kindMulti].Load())
	if len(failures) > 0 {
		t.Errorf("%d+ failures:\n%s", len(failures), strings.Join(failures, "\n"))
	}
	if writes[kindSingle].Load() == 0 || writes[kindMulti].Load() == 0 || reads[0].Load()+reads[1].Load() == 0 {
		t.Errorf("not enough traffic to prove anything")
	}

	// The survivor, and nothing but its blocks once the grace has passed.
	final, err := getBytes(ctx, c, bucket, key, minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := checkTorn(final, st.ETag); err != nil {
		t.Fatalf("final version: %v", err)
	}
	lu, err := core.ListMultipartUploads(ctx, bucket, "", "", "", "", 1000)
	if err != nil || len(lu.Uploads) != 0 {
		t.Errorf("ListMultipartUploads after the run: %+v (%v), want none", lu.Uploads, err)
	}
	want := tornBlocks(final, bs)
	t.Logf("final version: writer %d seq %d, %d bytes, ETag %s: %d blocks",
		binary.BigEndian.Uint32(final[8:]), binary.BigEndian.Uint64(final[16:]), len(final), st.ETag, want)
	waitBlocks(t, db, want, 6*o.GCGrace+time.Minute, "after the stress run")
	stillBlocks(t, s, db, want, "after the stress run")
	checkObject(t, ctx, c, bucket, key, final, trimETag(st.ETag))
}

// tornMultipart writes b as a two-part upload (minPart, then the rest).
func tornMultipart(ctx context.Context, core minio.Core, bucket, key string, b []byte) error {
	id, err := core.NewMultipartUpload(ctx, bucket, key, minio.PutObjectOptions{})
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	var parts []minio.CompletePart
	for i, p := range [][]byte{b[:minPart], b[minPart:]} {
		op, err := core.PutObjectPart(ctx, bucket, key, id, i+1, bytes.NewReader(p), int64(len(p)), minio.PutObjectPartOptions{})
		if err != nil {
			return fmt.Errorf("part %d: %w", i+1, err)
		}
		parts = append(parts, minio.CompletePart{PartNumber: i + 1, ETag: op.ETag})
	}
	info, err := core.CompleteMultipartUpload(ctx, bucket, key, id, parts, minio.PutObjectOptions{})
	if err != nil {
		return fmt.Errorf("complete: %w", err)
	}
	if want := mpETagOf(b[:minPart], b[minPart:]); trimETag(info.ETag) != want {
		return fmt.Errorf("complete: ETag %s, want %s", info.ETag, want)
	}
	return nil
}

// rawDo is server.do for goroutines: errors are returned, not fatal.
func (s *server) rawDo(req *http.Request) (response, error) {
	c := &http.Client{Transport: s.transport(), Timeout: 2 * time.Minute}
	resp, err := c.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}, err
}

// conditionalPut is a V2-signed PUT of body with extra headers.
func (s *server) conditionalPut(tn tenant, path string, body []byte, hdr map[string]string) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPut, s.URL()+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	sum := md5.Sum(body)
	req.Header.Set("Content-Md5", base64.StdEncoding.EncodeToString(sum[:]))
	return signer.SignV2(*req, tn.AccessKey, tn.SecretKey, false), nil
}

// Conditional writes end to end: two PUTs with If-None-Match: * racing
// for a new key, 20 times: exactly one wins (200), the other gets 412 or
// 409, and the key holds the winner's bytes. Then If-Match with the
// current ETag succeeds and with a stale one fails with 412, on PUT and
// on CompleteMultipartUpload.
func TestConditionalWritesRace(t *testing.T) {
	s := shared(t)
	ctx := testContext(t, 4*time.Minute)
	c := s.minioClient(t, tenantA, minioOpts{})
	core := minio.Core{Client: c}
	const bucket = "conditional-race"
	makeBucket(t, c, bucket)

	var winners412, winners409 int
	for round := range 20 {
		path := fmt.Sprintf("/%s/race-%02d", bucket, round)
		bodies := [2][]byte{payloadBytes(t, uint64(8000+2*round), 300<<10+int64(round)), payloadBytes(t, uint64(8001+2*round), 200<<10)}
		var resps [2]response
		var errs [2]error
		reqs := [2]*http.Request{}
		for i := range 2 {
			var err error
			if reqs[i], err = s.conditionalPut(tenantA, path, bodies[i], map[string]string{"If-None-Match": "*"}); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		gate := make(chan struct{})
		for i := range 2 {
			wg.Go(func() {
				<-gate
				resps[i], errs[i] = s.rawDo(reqs[i])
			})
		}
		close(gate)
		wg.Wait()
		for i := range 2 {
			if errs[i] != nil {
				t.Fatalf("round %d: PUT %d: %v", round, i, errs[i])
			}
		}
		ok, lost := -1, -1
		for i, r := range resps {
			switch {
			case r.Status == http.StatusOK && ok < 0:
				ok = i
			case r.Status == http.StatusPreconditionFailed && r.Code() == "PreconditionFailed":
				lost, winners412 = i, winners412+1
			case r.Status == http.StatusConflict && r.Code() == "ConditionalRequestConflict":
				lost, winners409 = i, winners409+1
			}
		}
		if ok < 0 || lost < 0 {
			t.Errorf("round %d: responses %d %s / %d %s, want one 200 and one 412 or 409\n%s\n%s",
				round, resps[0].Status, resps[0].Code(), resps[1].Status, resps[1].Code(), resps[0].Body, resps[1].Body)
			continue
		}
		if got, err := getBytes(ctx, c, bucket, path[len(bucket)+2:], minio.GetObjectOptions{}); err != nil || !bytes.Equal(got, bodies[ok]) {
			t.Errorf("round %d: the key holds %d bytes (%v), not the winner's %d", round, len(got), err, len(bodies[ok]))
		}
	}
	t.Logf("20 rounds: the loser got 412 %d times and 409 %d times", winners412, winners409)

	// If-Match.
	const key = "if-match"
	path := "/" + bucket + "/" + key
	v1, v2, v3 := payloadBytes(t, 8100, 1000), payloadBytes(t, 8101, 2000), payloadBytes(t, 8102, 3000)
	put := func(body []byte, hdr map[string]string) response {
		t.Helper()
		req, err := s.conditionalPut(tenantA, path, body, hdr)
		if err != nil {
			t.Fatal(err)
		}
		return s.do(t, req)
	}
	if r := put(v1, map[string]string{"If-Match": `"` + md5Hex(v1) + `"`}); r.Status != http.StatusNotFound || r.Code() != "NoSuchKey" {
		t.Errorf("If-Match on a missing key: %d %s, want 404 NoSuchKey", r.Status, r.Code())
	}
	if r := put(v1, map[string]string{"If-None-Match": "*"}); r.Status != http.StatusOK {
		t.Fatalf("If-None-Match: * on a new key: %d %s", r.Status, r.Body)
	}
	if r := put(v2, map[string]string{"If-Match": `"` + md5Hex(v1) + `"`}); r.Status != http.StatusOK || trimETag(r.Header.Get("ETag")) != md5Hex(v2) {
		t.Errorf("If-Match with the current ETag: %d %s, ETag %s", r.Status, r.Body, r.Header.Get("ETag"))
	}
	if r := put(v3, map[string]string{"If-Match": `"` + md5Hex(v1) + `"`}); r.Status != http.StatusPreconditionFailed || r.Code() != "PreconditionFailed" {
		t.Errorf("If-Match with a stale ETag: %d %s, want 412 PreconditionFailed", r.Status, r.Code())
	}
	if r := put(v3, map[string]string{"If-None-Match": "*"}); r.Status != http.StatusPreconditionFailed {
		t.Errorf("If-None-Match: * on an existing key: %d %s, want 412", r.Status, r.Code())
	}
	checkObject(t, ctx, c, bucket, key, v2, md5Hex(v2))

	// The same conditions on a completion.
	p := payloadBytes(t, 8103, 4000)
	complete := func(cond map[string]string) response {
		t.Helper()
		id, err := core.NewMultipartUpload(ctx, bucket, key, minio.PutObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cp := putPart(t, ctx, core, bucket, key, id, 1, p)
		doc := fmt.Sprintf("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>%s</ETag></Part></CompleteMultipartUpload>", cp.ETag)
		hdr := map[string]string{"Content-Type": "application/xml"}
		for k, v := range cond {
			hdr[k] = v
		}
		r := s.do(t, s.signedRequest(t, tenantA, http.MethodPost, path+"?uploadId="+id, doc, hdr))
		if r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte("<CompleteMultipartUploadResult")) {
			core.AbortMultipartUpload(ctx, bucket, key, id)
		}
		return r
	}
	if r := complete(map[string]string{"If-None-Match": "*"}); r.Status != http.StatusPreconditionFailed || r.Code() != "PreconditionFailed" {
		t.Errorf("completion with If-None-Match: * on an existing key: %d %s\n%s", r.Status, r.Code(), r.Body)
	}
	if r := complete(map[string]string{"If-Match": `"` + md5Hex(v1) + `"`}); r.Status != http.StatusPreconditionFailed || r.Code() != "PreconditionFailed" {
		t.Errorf("completion with a stale If-Match: %d %s\n%s", r.Status, r.Code(), r.Body)
	}
	checkObject(t, ctx, c, bucket, key, v2, md5Hex(v2))
	if r := complete(map[string]string{"If-Match": `"` + md5Hex(v2) + `"`}); r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte(mpETagOf(p))) {
		t.Errorf("completion with the current If-Match: %d\n%s", r.Status, r.Body)
	}
	checkObject(t, ctx, c, bucket, key, p, mpETagOf(p))
}
