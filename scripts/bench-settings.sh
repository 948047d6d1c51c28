#!/usr/bin/env bash
# Measure Cassandra settings one at a time (issue 17 part 1): for each
# variant, a baseline node and a variant node run side by side on
# 127.0.0.(OFFSET+1) and 127.0.0.(OFFSET+2), and amphora-bench measures the
# raw ceiling and Amphora against each in turn (baseline, variant, variant,
# baseline), so that the machine's drift weighs on both alike. The ratios
# variant / baseline of each cell are printed and kept as JSON.
#
#   scripts/bench-settings.sh [variant...]     default: every variant below
#
# Settings (environment):
#   BENCH_SETTINGS_OUT     bench-results/settings   where the JSON goes
#   BENCH_SETTINGS_OFFSET  60                       nodes on 127.0.0.61 and .62
#   BENCH_SETTINGS_FLAGS   amphora-bench flags of each run
#   CASSANDRA_HEAP         1G                       both nodes' heap (variant heap2g: 2G)
#
# The usual node is not touched; the two nodes are stopped by their pids and
# their data thrown away after each variant.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${BENCH_SETTINGS_OUT:-bench-results/settings}
OFFSET=${BENCH_SETTINGS_OFFSET:-60}
FLAGS=${BENCH_SETTINGS_FLAGS:--sizes 1MiB,16MiB -conc 8 -duration 4s -warmup 1s -list-keys 0 -rss-size 0 -version-keys 0}
HEAP=${CASSANDRA_HEAP:-1G}
mkdir -p "$OUT"

# variant NAME: the cassandra.yaml lines (CASSANDRA_YAML_EXTRA) it adds; the
# heap and format variants change the heap or scripts/cassandra.sh's
# memtable and sstable format instead (legacy: skip-list memtables and BIG
# sstables, the defaults before trie and BTI were measured and adopted;
# before: that and the 32 MiB commit log segment, the whole node as it was
# before issue 17). The blocks-* variants leave the node alone and pass
# amphora-bench -blocks-compaction to the variant's runs: the blocks table's
# compaction (T4, tiered unified, in the schema) against size-tiered,
# T8 (fewer, larger compactions) and T2 (more, smaller).
yaml_of() {
	case "$1" in
	legacy | skiplist | big) ;;
	offheap) printf 'memtable_allocation_type: offheap_objects\n' ;;
	commitlog-direct) printf 'commitlog_disk_access_mode: direct\n' ;;
	commitlog-segment32) printf 'commitlog_segment_size: 32MiB\n' ;; # the default before 128MiB was adopted (scripts/cassandra.sh sets 128MiB)
	chunk-cache) printf 'file_cache_enabled: true\nfile_cache_size: 256MiB\n' ;;
	before) printf 'commitlog_segment_size: 32MiB\n' ;; # with skip-list and BIG below: the node before issue 17
	heap2g | blocks-stcs | blocks-t8 | blocks-t2) ;;
	*) echo "bench-settings.sh: unknown variant $1" >&2; exit 2 ;;
	esac
}
VARIANTS=("$@")
[ ${#VARIANTS[@]} -gt 0 ] || VARIANTS=(legacy before offheap chunk-cache commitlog-direct commitlog-segment32 heap2g blocks-stcs blocks-t8 blocks-t2)

GO=${GO:-go}
BIN=$(mktemp -d /tmp/amphora-bench-settings.XXXXXX)
trap 'rm -rf "$BIN"' EXIT
$GO build -o "$BIN/amphora" ./cmd/amphora
$GO build -o "$BIN/amphora-bench" ./cmd/amphora-bench

node() { # node ACTION N [yaml] [heap] [memtable] [sstable format]
	CASSANDRA_HOME_DIR=/tmp/amphora-bench-settings-node$2 CASSANDRA_ADDR_OFFSET=$((OFFSET + $2 - 1)) \
		CASSANDRA_BENCH=1 CASSANDRA_YAML_EXTRA="${3:-}" CASSANDRA_HEAP="${4:-$HEAP}" \
		CASSANDRA_MEMTABLE="${5:-trie}" CASSANDRA_SSTABLE_FORMAT="${6:-bti}" scripts/cassandra.sh "$1"
}

for v in "${VARIANTS[@]}"; do
	echo "== bench-settings: $v"
	yaml=$(yaml_of "$v")
	vheap=$HEAP vmem=trie vfmt=bti
	[ "$v" = heap2g ] && vheap=2G
	case "$v" in legacy | before) vmem=skiplist vfmt=big ;; skiplist) vmem=skiplist ;; big) vfmt=big ;; esac
	vflags=()
	case "$v" in
	blocks-stcs) vflags=(-blocks-compaction "{'class': 'SizeTieredCompactionStrategy'}") ;;
	blocks-t8) vflags=(-blocks-compaction "{'class': 'UnifiedCompactionStrategy', 'scaling_parameters': 'T8'}") ;;
	blocks-t2) vflags=(-blocks-compaction "{'class': 'UnifiedCompactionStrategy', 'scaling_parameters': 'T2'}") ;;
	esac
	rm -rf /tmp/amphora-bench-settings-node1 /tmp/amphora-bench-settings-node2
	node start 1 "" "$HEAP"
	node start 2 "$yaml" "$vheap" "$vmem" "$vfmt"
	for run in base1:1 var1:2 var2:2 base2:1; do
		name=${run%%:*} n=${run##*:}
		extra=()
		[ "$n" = 2 ] && extra=("${vflags[@]}")
		# shellcheck disable=SC2086
		"$BIN/amphora-bench" -amphora "$BIN/amphora" -hosts 127.0.0.$((OFFSET + n)):9042 $FLAGS "${extra[@]}" \
			-json "$OUT/$v-$name.json" >"$OUT/$v-$name.log" 2>&1 || { echo "run $name failed: $OUT/$v-$name.log"; tail -5 "$OUT/$v-$name.log"; }
	done
	node stop 2
	node stop 1
	rm -rf /tmp/amphora-bench-settings-node1/node1/data /tmp/amphora-bench-settings-node2/node1/data
	python3 - "$OUT" "$v" <<'PY'
import json, sys
out, v = sys.argv[1], sys.argv[2]
def cells(name):
    try:
        r = json.load(open(f"{out}/{v}-{name}.json"))
    except OSError:
        return {}
    return {(c["op"], c["size_label"], c["concurrency"]): c for c in r["cells"]}
b = [cells("base1"), cells("base2")]
x = [cells("var1"), cells("var2")]
rows = []
for key in sorted(set(b[0]) | set(b[1])):
    bs = [c[key]["mb_per_s"] if c.get(key) else None for c in b]
    xs = [c[key]["mb_per_s"] if c.get(key) else None for c in x]
    bs, xs = [s for s in bs if s], [s for s in xs if s]
    if not bs or not xs or key[0] in ("HEAD", "LIST", "DELETE"):
        continue
    bm, xm = sum(bs) / len(bs), sum(xs) / len(xs)
    rows.append({"op": key[0], "size": key[1], "conc": key[2], "base_mb_s": round(bm, 1), "variant_mb_s": round(xm, 1), "ratio": round(xm / bm, 3)})
    print(f"  {v:18s} {key[0]:9s} {key[1]:6s} c={key[2]:<3d} base {bm:8.1f} MB/s  variant {xm:8.1f} MB/s  ratio {xm / bm:.3f}")
json.dump(rows, open(f"{out}/{v}-summary.json", "w"), indent=1)
PY
done
