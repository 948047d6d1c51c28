#!/usr/bin/env bash
# Copy what the Go fuzzer found (its cache, $GOCACHE/fuzz) into each fuzz
# target's committed corpus, testdata/fuzz/<Target>/, at most
# FUZZ_CORPUS_MAX inputs per target (default 32), so that plain `go test`
# replays them and a fresh clone starts fuzzing from them. Run it after
# `make fuzz`; files already in testdata are kept.
#
#   scripts/fuzz-corpus.sh pkg:Target...     (the FUZZ_TARGETS of the Makefile)
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
MAX=${FUZZ_CORPUS_MAX:-32}
module=$($GO list -m)
cache=$($GO env GOCACHE)/fuzz
for spec in "$@"; do
	pkg=${spec%%:*} target=${spec##*:}
	src=$cache/$module/${pkg#./}/$target
	dst=${pkg#./}/testdata/fuzz/$target
	[ -d "$src" ] || { echo "fuzz-corpus: nothing cached for $spec"; continue; }
	mkdir -p "$dst"
	have=$(find "$dst" -type f | wc -l)
	added=0
	for f in $(ls "$src" | sort | head -n "$MAX"); do
		[ "$have" -ge "$MAX" ] && break
		[ -e "$dst/$f" ] && continue
		cp "$src/$f" "$dst/$f"
		have=$((have + 1)) added=$((added + 1))
	done
	echo "fuzz-corpus: $spec: $added added, $have in $dst"
done
