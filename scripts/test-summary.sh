#!/usr/bin/env bash
# test-summary.sh LOG: after a failed `go test` run, repeat at the end of the
# output what a reader of its last lines needs: which tests were running when
# a package hit its deadline, and every failing test with its first lines.
# A timed-out package prints its list of running tests above thousands of
# lines of goroutine dumps, where a CI log's tail never reaches.
set -u
log=${1:?usage: test-summary.sh LOG}
[ -r "$log" ] || exit 0
echo
echo "==== test-summary: what failed (full output in $log) ===="
# "panic: test timed out after 30m0s" is followed by "running tests:" and
# one line per test still running, then a blank line.
awk '/^panic: test timed out/ {show = 1} show && /^$/ {show = 0; print "----"} show' "$log"
# Each failing test with the lines it printed, bounded.
grep -n -A12 -E '^\s*--- FAIL' "$log" | head -300
grep -E '^(FAIL|panic:)' "$log" | sort -u
