// Package integration holds Amphora's end-to-end tests: the real amphora
// binary serving a fresh keyspace on a real Cassandra, driven by real,
// independent S3 clients (Debian's aws cli, s3cmd with signature V2 and V4,
// rclone and boto3; aws-sdk-go-v2 and minio-go with V2 and V4), so a
// signing bug and a verifying bug cannot cancel out. A client missing from
// the machine skips its test, except when CI=true, where it fails.
//
// The concurrency test runs for AMPHORA_STRESS_SECONDS (30 by default).
//
// Every test needs Cassandra (found by internal/testcassandra) and is
// skipped with -short. Run them with
//
//	go test -race -count=1 ./integration/
//
// Most tests share one server and keyspace (buckets are named per test);
// tests that count blocks in Cassandra or crash the server start their own.
// Every server binds 127.0.0.1 only and is stopped by its pid. Set
// AMPHORA_KEEP_KEYSPACE=1 to keep the keyspaces for inspection.
package integration
