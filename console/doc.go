// Package console is Amphora's web console: a page (HTML, CSS and plain
// JavaScript embedded in the binary) and a small API that `amphora serve`
// serves on a listener of its own ([console] listen).
//
// Sign-in takes an access key and its secret, checked with the key
// lookup S3 uses (config file keys, then the accounts in Cassandra). The
// session is a stateless cookie MACed with a key derived from that
// secret (session.go), so any frontend serves it and a disabled key ends
// its sessions. Every state-changing call must carry the session's CSRF
// token and come from the console's own origin.
//
// The console never touches the store for buckets and objects: every
// action is an S3 request signed by the session's key and served by the
// S3 handler in-process (proxy.go), so ACLs, bucket policies, Block
// Public Access and bucket-restricted keys decide it as they decide any
// client's. Uploads stream through that path; downloads and share links
// are pre-signed URLs of the S3 endpoint (presign.go). Only the account
// pages (admin.go), for which S3 has no API, call the account store, and
// only for administrators.
package console
