#!/usr/bin/env bash
# Make sure the tools the end-to-end tests drive are present: a JDK 17 and
# Maven (for the local Cassandra node), s3cmd (the seed quick start), and the
# SigV4 clients: the AWS CLI, rclone, restic and boto3 (with requests), and
# chromium for the browser tests. The clients are the Debian
# packages (/usr/bin/aws, /usr/bin/rclone, /usr/bin/python3 with boto3), so a
# pip or pyenv install earlier in PATH does not count.
# As root on Debian it installs what is missing; otherwise it says what to install.
set -euo pipefail
missing=()
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
command -v s3cmd >/dev/null 2>&1 || missing+=(s3cmd)
[ -x /usr/bin/aws ] || missing+=(awscli)
[ -x /usr/bin/rclone ] || missing+=(rclone)
[ -x /usr/bin/restic ] || missing+=(restic)
# Headless browser for the CORS and form-upload tests (driven by chromedp).
[ -x /usr/bin/chromium ] || missing+=(chromium)
# openssl makes the throwaway certificates of the TLS test node (make test-tls).
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
{ [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import boto3' >/dev/null 2>&1; } || missing+=(python3-boto3)
{ [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import requests' >/dev/null 2>&1; } || missing+=(python3-requests)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "test-deps: installing ${missing[*]}"
	# Quiet unless something fails; then apt-get's output is shown.
	if ! out=$(apt-get update -qq 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" 2>&1); then
		echo "$out" >&2
		exit 1
	fi
else
	echo "test-deps: missing ${missing[*]}: install them (Debian: sudo apt-get install ${missing[*]})" >&2
	exit 1
fi
