package main

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"text/tabwriter"

	"github.com/amphora-s3/amphora/keyring"
)

// SSEAB is one operation at one size and concurrency measured on plain
// objects and on objects encrypted with SSE-C and SSE-S3 (-sse-ab), the
// three sides in turn on one server, rounds times each in a rotating
// order, so that the node's and the machine's drift weigh on all alike.
type SSEAB struct {
	Op        string             `json:"op"` // PUT or GET
	Size      int64              `json:"size"`
	SizeLabel string             `json:"size_label"`
	Conc      int                `json:"concurrency"`
	Sides     map[string][]Cell  `json:"sides"`      // plain, sse-c, sse-s3
	MeanOps   map[string]float64 `json:"mean_ops_s"` // by side
	Ratio     map[string]float64 `json:"ratio"`      // side / plain
}

var sseSides = []string{"plain", "sse-c", "sse-s3"}

// sseABOrder rotates the sides' order each round.
func sseABOrder(round int) []string {
	out := make([]string, len(sseSides))
	for i := range sseSides {
		out[i] = sseSides[(i+round)%len(sseSides)]
	}
	return out
}

// sseHeaders are the request headers of each side's PUT and GET.
func sseHeaders() (put, get map[string]map[string]string, err error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, nil, err
	}
	sum := md5.Sum(key)
	ssec := map[string]string{
		"X-Amz-Server-Side-Encryption-Customer-Algorithm": "AES256",
		"X-Amz-Server-Side-Encryption-Customer-Key":       base64.StdEncoding.EncodeToString(key),
		"X-Amz-Server-Side-Encryption-Customer-Key-Md5":   base64.StdEncoding.EncodeToString(sum[:]),
	}
	put = map[string]map[string]string{"plain": nil, "sse-c": ssec, "sse-s3": {"X-Amz-Server-Side-Encryption": "AES256"}}
	get = map[string]map[string]string{"plain": nil, "sse-c": ssec, "sse-s3": nil}
	return put, get, nil
}

// runSSEAB measures PUT then GET at every size and concurrency on the
// three sides, through a server of its own with a key file (SSE-S3);
// every bench server takes SSE-C over plain HTTP (server.go).
func runSSEAB(ctx context.Context, o options, e *env) ([]SSEAB, error) {
	putHdr, getHdr, err := sseHeaders()
	if err != nil {
		return nil, err
	}
	secret, err := keyring.NewSecret()
	if err != nil {
		return nil, err
	}
	keyFile := filepath.Join(e.dir, "keys.toml")
	if err := os.WriteFile(keyFile, []byte("[[key]]\nid = \"bench\"\nsecret = \""+secret+"\"\n"), 0o600); err != nil {
		return nil, err
	}
	srv, err := e.startServerWith(ctx, o, "sse", fmt.Sprintf("\n[encryption]\nkey_file = %q\n", keyFile))
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	base := "http://" + srv.addr
	client := func(h map[string]string) *s3client {
		c := newS3Client(base, e.ak, e.sk)
		c.hdr = h
		return c
	}
	const bucket = "bench-sse-ab"
	if err := client(nil).createBucket(ctx, bucket); err != nil {
		return nil, fmt.Errorf("create bucket: %w", err)
	}
	var out []SSEAB
	for _, size := range o.sizes {
		for _, conc := range o.concs {
			label := sizeLabel(size)
			bufs := make([][]byte, conc)
			for i := range bufs {
				bufs[i] = make([]byte, 256<<10)
			}
			var (
				mu   sync.Mutex
				keys = map[string][]string{}
				seq  atomic.Int64
			)
			put := func(side string) opFunc {
				c := client(putHdr[side])
				return func(ctx context.Context, _, _ int) (int64, error) {
					key := fmt.Sprintf("sse/%s/%s/c%d/%08d", side, label, conc, seq.Add(1))
					if err := c.put(ctx, bucket, key, size, e.raw.pattern); err != nil {
						return 0, err
					}
					mu.Lock()
					keys[side] = append(keys[side], key)
					mu.Unlock()
					return size, nil
				}
			}
			get := func(side string) opFunc {
				c := client(getHdr[side])
				return func(ctx context.Context, w, i int) (int64, error) {
					ks := keys[side]
					return size, c.get(ctx, bucket, ks[i%len(ks)], size, bufs[w])
				}
			}
			for _, step := range []struct {
				name string
				op   func(string) opFunc
			}{{"PUT", put}, {"GET", get}} {
				ab := SSEAB{Op: step.name, Size: size, SizeLabel: label, Conc: conc,
					Sides: map[string][]Cell{}, MeanOps: map[string]float64{}, Ratio: map[string]float64{}}
				for _, side := range sseSides { // unmeasured: every path warm
					measure(ctx, conc, o.duration, 0, step.op(side))
				}
				for round := range o.sseABRounds {
					for _, side := range sseABOrder(round) {
						op := step.op(side)
						if o.warmup > 0 {
							measure(ctx, conc, o.warmup, warmOps(size), op)
						}
						c := measureMin(ctx, conc, o.duration, minRounds*conc, 0, op)
						c.Op, c.Size, c.SizeLabel = step.name, size, label
						logf("%-4s %7s c=%-3d %-6s %6d ops %8.1f ops/s %8.1f MB/s p50 %6.2f ms%s",
							c.Op, label, conc, side, c.Ops, c.OpsPerSec, c.MBPerSec, c.P50Ms, errNote(c))
						ab.Sides[side] = append(ab.Sides[side], c)
						if ctx.Err() != nil {
							return out, ctx.Err()
						}
					}
				}
				for _, side := range sseSides {
					ab.MeanOps[side], _ = meanCells(ab.Sides[side])
				}
				for _, side := range sseSides[1:] {
					if ab.MeanOps["plain"] > 0 {
						ab.Ratio[side] = ab.MeanOps[side] / ab.MeanOps["plain"]
					}
				}
				logf("%-4s %7s c=%-3d SSE-C / plain %.3f, SSE-S3 / plain %.3f", ab.Op, label, conc, ab.Ratio["sse-c"], ab.Ratio["sse-s3"])
				out = append(out, ab)
			}
		}
	}
	return out, nil
}

func printSSEAB(w io.Writer, abs []SSEAB) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\nencryption\tsize\tconc\tplain MB/s\tSSE-C MB/s\tSSE-S3 MB/s\tSSE-C / plain\tSSE-S3 / plain\t")
	for _, a := range abs {
		mb := func(side string) float64 { return a.MeanOps[side] * float64(a.Size) / 1e6 }
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f\t%.1f\t%.1f\t%.3f\t%.3f\t\n", a.Op, a.SizeLabel, a.Conc,
			mb("plain"), mb("sse-c"), mb("sse-s3"), a.Ratio["sse-c"], a.Ratio["sse-s3"])
	}
	tw.Flush()
}
