#!/usr/bin/env bash
# make run: serve Amphora on a local Cassandra for development.
#
# With CONFIG=FILE it simply serves that file. Otherwise it writes
# .local/amphora.toml (hosts from CASSANDRA_HOSTS, or a local node started by
# scripts/cassandra.sh), with an access key pair generated once and kept in
# .local/credentials, and prints the endpoint and the keys for .s3cfg.
#
# Environment: CONFIG, CASSANDRA_HOSTS (comma-separated), LISTEN (default 127.0.0.1:8080),
# METRICS_LISTEN (metrics and health checks, default 127.0.0.1:9100),
# CONSOLE_LISTEN (the web console, default 127.0.0.1:9001; empty: none),
# DOMAIN (virtual-host domain, default localhost), BIN (default bin/amphora).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/amphora}

if [ -n "${CONFIG:-}" ]; then
	exec "$BIN" serve -config "$CONFIG"
fi

LISTEN=${LISTEN:-127.0.0.1:8080}
METRICS_LISTEN=${METRICS_LISTEN:-127.0.0.1:9100}
CONSOLE_LISTEN=${CONSOLE_LISTEN-127.0.0.1:9001}
DOMAIN=${DOMAIN:-localhost}

# banner prints the endpoint, the keys and a ~/.s3cfg that s3cmd takes as
# is: the lines from [default] to the blank line, pasted unchanged
# (integration TestMakeRunS3cfg feeds exactly them to s3cmd).
banner() {
	cat <<BANNER

  Amphora S3 endpoint: http://$LISTEN   (config: .local/amphora.toml)
  metrics: http://$METRICS_LISTEN/metrics   health: http://$METRICS_LISTEN/health/ready${CONSOLE_LISTEN:+
  web console: http://$CONSOLE_LISTEN   (sign in with the key pair below)}
  access key: $access_key
  secret key: $secret_key

  s3cmd: save the lines from [default] to the blank line as ~/.s3cfg
  (Signature V2, as in the Exoscale SOS guide; signature_v2 = False for V4)
[default]
host_base = $LISTEN
host_bucket = $LISTEN
access_key = $access_key
secret_key = $secret_key
use_https = False
signature_v2 = True
bucket_location = us-east-1

  aws cli / boto3 / rclone: endpoint http://$LISTEN, region us-east-1, path-style
    AWS_ACCESS_KEY_ID=$access_key AWS_SECRET_ACCESS_KEY=... \\
    aws --endpoint-url http://$LISTEN --region us-east-1 s3 ls

BANNER
}

# BANNER_ONLY=1 prints the banner for AMPHORA_ACCESS_KEY / AMPHORA_SECRET_KEY
# and exits (the tests check what it prints).
if [ -n "${BANNER_ONLY:-}" ]; then
	access_key=${AMPHORA_ACCESS_KEY:?} secret_key=${AMPHORA_SECRET_KEY:?}
	banner
	exit 0
fi
mkdir -p .local
if [ ! -f .local/credentials ]; then
	hex=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
	ak="AK${hex^^}"
	ak=${ak:0:20}
	sk=$(head -c 45 /dev/urandom | base64 | tr -d '\n/+=')
	sk=${sk:0:40}
	umask 077
	printf 'access_key=%s\nsecret_key=%s\n' "$ak" "$sk" >.local/credentials
fi
# shellcheck disable=SC1091
. .local/credentials

if [ -n "${CASSANDRA_HOSTS:-}" ]; then
	hosts=$(echo "$CASSANDRA_HOSTS" | sed 's/[[:space:]]//g; s/,/", "/g')
else
	scripts/cassandra.sh start
	hosts="127.0.0.1:${CASSANDRA_PORT:-9042}"
fi

umask 077
cat >.local/amphora.toml <<CONF
# Written by scripts/run-local.sh for local development: do not use in production.
[server]
listen = "$LISTEN"
region = "us-east-1"
virtual_host_domains = ["$DOMAIN"]

[log]
level = "info"
format = "console"

[cassandra]
hosts = ["$hosts"]
keyspace = "amphora"
consistency = "ONE"
serial_consistency = "SERIAL"
apply_schema = true

[cassandra.replication]
class = "SimpleStrategy"
factor = 1

[storage]
block_size = "1MiB"

[metrics]
listen = "$METRICS_LISTEN"

[console]
listen = "$CONSOLE_LISTEN"

[[credentials]]
access_key = "$access_key"
secret_key = "$secret_key"
tenant = "local"
display_name = "Local user"
CONF

banner
exec "$BIN" serve -config .local/amphora.toml
