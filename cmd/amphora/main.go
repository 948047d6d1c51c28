// Command amphora runs the Amphora S3 frontend over Apache Cassandra.
//
//	amphora serve  -config FILE   serve S3 over HTTP
//	amphora schema apply -config FILE   create or upgrade the keyspace and tables
//	amphora gc     -config FILE   run one garbage-collection sweep and exit
//	amphora lifecycle run -config FILE   apply the buckets' lifecycle rules once and exit
//	amphora scrub  -config FILE [-bucket B] [-rate MB] [-json]   verify and heal every block once (scrub.go)
//	amphora listing -config FILE -bucket B [-count] [-json]    a bucket's listing ranges (listing.go)
//	amphora config check -config FILE   validate a configuration file
//	amphora admin [-config FILE] [-json] COMMAND   manage accounts and keys (admin.go)
//	amphora keygen -id ID   print a new SSE-S3/SSE-KMS master key (encryption.go)
//	amphora version
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `usage:
  amphora serve -config FILE          serve S3 over HTTP
  amphora schema apply -config FILE   create or upgrade the keyspace and tables
  amphora gc -config FILE             run one garbage-collection sweep and exit
  amphora lifecycle run -config FILE  apply the buckets' lifecycle rules once and exit
  amphora scrub -config FILE [-bucket NAME] [-rate MB] [-json] [-dry-run]
                                      verify every block on every replica, heal bad copies
  amphora listing -config FILE -bucket NAME [-count] [-json]
                                      show a bucket's listing ranges (and count their rows)
  amphora config check -config FILE   validate a configuration file
  amphora admin [-config FILE] [-json] COMMAND
                                      manage accounts and access keys (amphora admin help)
  amphora keygen -id ID               print a new master key for the SSE key file
  amphora version
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "amphora:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return fmt.Errorf("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		cfg, err := parseConfigFlag("serve", rest)
		if err != nil {
			return err
		}
		return serve(ctx, cfg)
	case "schema":
		if len(rest) == 0 || rest[0] != "apply" {
			return fmt.Errorf("usage: amphora schema apply -config FILE")
		}
		cfg, err := parseConfigFlag("schema apply", rest[1:])
		if err != nil {
			return err
		}
		return schemaApply(ctx, cfg, stdout)
	case "gc":
		cfg, err := parseConfigFlag("gc", rest)
		if err != nil {
			return err
		}
		return gcOnce(ctx, cfg, stdout)
	case "lifecycle":
		if len(rest) == 0 || rest[0] != "run" {
			return fmt.Errorf("usage: amphora lifecycle run -config FILE")
		}
		cfg, err := parseConfigFlag("lifecycle run", rest[1:])
		if err != nil {
			return err
		}
		return lifecycleRun(ctx, cfg, stdout)
	case "scrub":
		return scrubCmd(ctx, rest, stdout)
	case "listing":
		return listingCmd(ctx, rest, stdout)
	case "config":
		if len(rest) == 0 || rest[0] != "check" {
			return fmt.Errorf("usage: amphora config check -config FILE")
		}
		if _, err := parseConfigFlag("config check", rest[1:]); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "config ok")
		return nil
	case "keygen":
		return keygen(rest, stdout)
	case "admin":
		if len(rest) > 0 && (rest[0] == "help" || rest[0] == "-h" || rest[0] == "--help") {
			fmt.Fprint(stdout, adminUsage)
			return nil
		}
		return admin(ctx, rest, stdout)
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, "amphora", version)
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(os.Stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

func parseConfigFlag(name string, args []string) (Config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	path := fs.String("config", "amphora.toml", "configuration file (TOML)")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("%s: unexpected arguments %q", name, fs.Args())
	}
	return loadConfig(*path)
}
