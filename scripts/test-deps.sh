#!/usr/bin/env bash
# Make sure the tools the end-to-end tests drive are present: a JDK 17 and
# Maven (for the local Cassandra node) and s3cmd (the seed quick start).
# As root on Debian it installs what is missing; otherwise it says what to install.
set -euo pipefail
missing=()
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
command -v s3cmd >/dev/null 2>&1 || missing+=(s3cmd)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "test-deps: installing ${missing[*]}"
	apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
	echo "test-deps: missing ${missing[*]}: install them (Debian: sudo apt-get install ${missing[*]})" >&2
	exit 1
fi
