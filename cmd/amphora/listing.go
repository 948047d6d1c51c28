package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/amphora-s3/amphora/cassandra"
)

const listingUsage = `usage: amphora listing -bucket NAME [-config FILE] [-count] [-json]
  shows a bucket's listing ranges (docs/operations.md, "Listing ranges"):
  each range's first key, the Cassandra partition it is read from, whether it
  is moving, and with -count its rows and bytes (a read of every listing row)
`

// listingCmd is `amphora listing`: a bucket's listing ranges.
func listingCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("listing", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), listingUsage) }
	path := fs.String("config", "amphora.toml", "configuration file (TOML)")
	bucket := fs.String("bucket", "", "the bucket (required)")
	count := fs.Bool("count", false, "count each range's rows and bytes")
	asJSON := fs.Bool("json", false, "one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *bucket == "" {
		fs.Usage()
		return fmt.Errorf("listing: -bucket is required, and nothing else")
	}
	cfg, err := loadConfig(*path)
	if err != nil {
		return err
	}
	sc := storeConfig(cfg)
	sc.Logger = newLogger(cfg.Log, nil)
	st, err := cassandra.Open(ctx, sc)
	if err != nil {
		return err
	}
	defer st.Close()
	ranges, gen, err := st.ListingRanges(ctx, *bucket, *count)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(struct {
			Bucket string                   `json:"bucket"`
			Gen    int64                    `json:"gen"`
			Ranges []cassandra.ListingRange `json:"ranges"`
		}{*bucket, gen, ranges})
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "START\tPART\tMOVING\tROWS\tBYTES")
	var rows, bytes int64
	for _, r := range ranges {
		part := strconv.Itoa(r.Part)
		if r.Part < 0 {
			part = "hash shards"
		}
		n, b := "-", "-"
		if r.Rows >= 0 {
			n, b = strconv.FormatInt(r.Rows, 10), strconv.FormatInt(r.Bytes, 10)
			rows, bytes = rows+r.Rows, bytes+r.Bytes
		}
		fmt.Fprintf(tw, "%q\t%s\t%v\t%s\t%s\n", r.Start, part, r.Moving, n, b)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d ranges, map gen %d", *bucket, len(ranges), gen)
	if *count {
		fmt.Fprintf(stdout, ", %d rows, %d bytes", rows, bytes)
	}
	fmt.Fprintln(stdout)
	return nil
}
