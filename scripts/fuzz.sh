#!/usr/bin/env bash
# Runs each Go fuzz target (pkg:Name) for FUZZTIME. A target fails on a
# real finding. Go's fuzz coordinator can also fail a target with a bare
# "context deadline exceeded" right at the -fuzztime boundary on a busy
# machine (golang/go#75804, fixed in Go 1.27): no failing input is written
# then. Such a run is retried once, and counted as a flake if it happens
# again; anything else that fails, fails.
set -uo pipefail
: "${GO:=go}" "${FUZZTIME:=1m}"
flaky() { # the log of a run that failed only on the coordinator's deadline race
	! grep -qE 'Failing input written|panic:' "$1" &&
		[ "$(awk '/^--- FAIL:/ {f=1; next} f && /^FAIL|^exit status/ {f=0} f {sub(/^[ \t]+/, ""); print}' "$1" | sort -u)" = "context deadline exceeded" ]
}
failed=0 flakes=0
for t in "$@"; do
	pkg=${t%%:*} name=${t##*:}
	for try in 1 2; do
		echo "== fuzz $pkg $name ($FUZZTIME)"
		log=$(mktemp)
		if "$GO" test -run '^$' -fuzz "^$name\$" -fuzztime "$FUZZTIME" "$pkg" 2>&1 | tee "$log"; then
			rm -f "$log"
			break
		fi
		if flaky "$log"; then
			rm -f "$log"
			if [ "$try" = 1 ]; then
				echo "== fuzz $pkg $name: the fuzz coordinator's deadline race (golang/go#75804), no finding: once more"
				continue
			fi
			echo "== fuzz $pkg $name: the deadline race again, no finding: counted as a flake"
			flakes=$((flakes + 1))
			break
		fi
		rm -f "$log"
		failed=$((failed + 1))
		break
	done
done
echo "== fuzz: $# targets, $failed failed, $flakes deadline flakes"
[ "$failed" = 0 ]
