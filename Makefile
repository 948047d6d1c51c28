# Amphora: the two commands are `make run` and `make test`.
SHELL := /bin/bash
GO ?= go
BIN := bin/amphora
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
# Tests run against this Cassandra; empty means the local node from scripts/cassandra.sh.
CASSANDRA_HOSTS ?=
TEST_TIMEOUT ?= 30m
# make test keeps its whole output here; on a failure it repeats what failed at the end (scripts/test-summary.sh).
TEST_LOG ?= test-results/test.log
# make bench: heap of the node it starts, results file, extra flags (go run ./cmd/amphora-bench -h).
BENCH_HEAP ?= 2G
BENCH_JSON ?= bench-results/bench.json
BENCH_FLAGS ?=

.PHONY: all build release run test test-tls test-unit screenshots check fuzz fuzz-corpus bench bench-quick cassandra cassandra-stop cassandra-status cassandra-ring cassandra-ring-stop fault test-faults test-faults-short test-dc test-ring clean

all: build

build:
	$(GO) build -trimpath -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/amphora

## release: a static, stripped binary for GOOS/GOARCH in RELEASE_DIR (what the Dockerfile runs; CI checks it)
GOOS ?= $(shell $(GO) env GOOS)
GOARCH ?= $(shell $(GO) env GOARCH)
RELEASE_DIR ?= dist
release:
	CGO_ENABLED=0 GOOS=$(GOOS) GOARCH=$(GOARCH) $(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" \
		-o $(RELEASE_DIR)/amphora-$(GOOS)-$(GOARCH) ./cmd/amphora
	@$(RELEASE_DIR)/amphora-$(GOOS)-$(GOARCH) version 2>/dev/null || true

## run: serve http://127.0.0.1:8080 (web console on :9001), starting a local Cassandra node unless CASSANDRA_HOSTS or CONFIG is set
run: build
	@CASSANDRA_HOSTS="$(CASSANDRA_HOSTS)" BIN=$(BIN) scripts/run-local.sh

## test: the whole suite (unit, conformance on memory and Cassandra, end to end with s3cmd) on a real Cassandra
test: check
	@scripts/test-deps.sh
	@if [ -z "$(CASSANDRA_HOSTS)" ]; then scripts/cassandra.sh start; fi
	@mkdir -p $(dir $(TEST_LOG)); set -o pipefail; \
	CASSANDRA_HOSTS="$${CASSANDRA_HOSTS:-127.0.0.1:$${CASSANDRA_PORT:-9042}}" \
		$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./... 2>&1 | tee $(TEST_LOG) || \
		{ rc=$$?; scripts/test-summary.sh $(TEST_LOG); exit $$rc; }

## test-tls: the s3cmd quick start over TLS (mutual) and a login to a three-node ring of its own, started
## on TLS_CASSANDRA_ADDR_OFFSET (127.0.0.4-6):TLS_CASSANDRA_PORT with CASSANDRA_TLS=1 CASSANDRA_CLIENT_AUTH=1
## CASSANDRA_AUTH=1 (RF 3, QUORUM) and stopped by its pids afterwards; the usual node is left alone
## (docs/operations.md)
TLS_CASSANDRA_HOME ?= $(if $(TMPDIR),$(TMPDIR),/tmp)/amphora-tls-cassandra
TLS_CASSANDRA_ADDR_OFFSET ?= 3
TLS_CASSANDRA_PORT ?= 9142
TLS_CASSANDRA_HEAP ?= 512M
test-tls:
	@scripts/test-deps.sh
	@export CASSANDRA_HOME_DIR=$(TLS_CASSANDRA_HOME) CASSANDRA_ADDR_OFFSET=$(TLS_CASSANDRA_ADDR_OFFSET) \
		CASSANDRA_PORT=$(TLS_CASSANDRA_PORT) CASSANDRA_HEAP=$(TLS_CASSANDRA_HEAP) \
		CASSANDRA_TLS=1 CASSANDRA_CLIENT_AUTH=1 CASSANDRA_AUTH=1; \
	trap 'scripts/cassandra.sh ring-stop' EXIT; \
	scripts/cassandra.sh ring-start || exit 1; \
	eval "$$(scripts/cassandra.sh tls-env | sed 's/^/export /')"; \
	a=$$((1 + $(TLS_CASSANDRA_ADDR_OFFSET))); \
	AMPHORA_TLS_CASSANDRA_HOSTS=127.0.0.$$a:$(TLS_CASSANDRA_PORT),127.0.0.$$((a + 1)):$(TLS_CASSANDRA_PORT),127.0.0.$$((a + 2)):$(TLS_CASSANDRA_PORT) \
	AMPHORA_TLS_CASSANDRA_USER=cassandra AMPHORA_TLS_CASSANDRA_PASSWORD=cassandra AMPHORA_TLS_CASSANDRA_CLIENT_AUTH=1 \
		$(GO) test -race -count=1 -timeout 10m -run '^TestCassandraTLS$$' -v ./integration/

## test-unit: fast tests only (no Cassandra, no external clients)
test-unit:
	$(GO) test -race -count=1 -short ./...

## screenshots: refresh the console screenshots the README shows (docs/console), with its browser test
screenshots:
	@scripts/test-deps.sh
	@if [ -z "$(CASSANDRA_HOSTS)" ]; then scripts/cassandra.sh start; fi
	AMPHORA_SCREENSHOTS=$(CURDIR)/docs/console CASSANDRA_HOSTS="$${CASSANDRA_HOSTS:-127.0.0.1:$${CASSANDRA_PORT:-9042}}" \
		$(GO) test -count=1 -run '^TestConsole$$' ./integration/

## fuzz: every Go fuzz target for FUZZTIME each (default 1m; CI runs 4s each)
FUZZTIME ?= 1m
FUZZ_TARGETS = ./policy:FuzzParse ./policy:FuzzWildcard ./frontend:FuzzPutBucketACL ./frontend:FuzzPutBucketPolicy \
	./frontend:FuzzCompleteMultipartUpload ./frontend:FuzzDeleteObjects ./frontend:FuzzCreateBucketConfiguration \
	./frontend:FuzzPutBucketOwnershipControls ./frontend:FuzzPutTagging ./frontend:FuzzPutPublicAccessBlock ./frontend:FuzzPutBucketCors \
	./frontend:FuzzListObjects ./frontend:FuzzMultipartParams ./frontend:FuzzParseRange ./frontend:FuzzGetObjectHeaders \
	./frontend:FuzzTaggingHeader ./frontend:FuzzParseAddress ./frontend:FuzzRequestTarget ./frontend:FuzzPostPolicy ./frontend:FuzzPostForm \
	./lifecycle:FuzzParseLifecycle \
	./sigv2:FuzzVerify ./sigv2:FuzzVerifyPresigned ./sigv4:FuzzVerify ./sigv4:FuzzVerifyPresigned ./sigv4:FuzzChunkedReader
fuzz:
	@GO=$(GO) FUZZTIME=$(FUZZTIME) scripts/fuzz.sh $(FUZZ_TARGETS)

## fuzz-corpus: copy up to 32 inputs per target that the fuzzer found (its cache) into testdata/fuzz,
## the committed corpora plain `go test` replays (run after make fuzz)
fuzz-corpus:
	@GO=$(GO) scripts/fuzz-corpus.sh $(FUZZ_TARGETS)

## check: formatting and vet
check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
		if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

## bench: raw Cassandra ceiling vs Amphora, RSS and listing (docs/benchmarks.md; < 15 min on 2 cores)
## Starts a node with CASSANDRA_BENCH=1 unless CASSANDRA_HOSTS is set (a node already up is reused as is).
bench:
	@if [ -z "$(CASSANDRA_HOSTS)" ]; then CASSANDRA_BENCH=1 CASSANDRA_HEAP=$${CASSANDRA_HEAP:-$(BENCH_HEAP)} scripts/cassandra.sh start; fi
	@mkdir -p $(dir $(BENCH_JSON))
	CASSANDRA_HOSTS="$${CASSANDRA_HOSTS:-127.0.0.1:$${CASSANDRA_PORT:-9042}}" \
		$(GO) run ./cmd/amphora-bench -json $(BENCH_JSON) $(BENCH_FLAGS)

## bench-quick: the same, small and short (CI, < 2 min)
bench-quick:
	@$(MAKE) --no-print-directory bench BENCH_JSON=$(patsubst %.json,%-quick.json,$(BENCH_JSON)) BENCH_FLAGS="-quick $(BENCH_FLAGS)"

cassandra:
	@scripts/cassandra.sh start

cassandra-stop:
	@scripts/cassandra.sh stop

cassandra-status:
	@scripts/cassandra.sh status

## cassandra-ring: a three-node ring on 127.0.0.1-3 (stop the single node first: they share 127.0.0.1)
cassandra-ring:
	@scripts/cassandra.sh ring-start

cassandra-ring-stop:
	@scripts/cassandra.sh ring-stop

## test-faults: the fault suite (integration/fault*_test.go, docs/reliability.md) on a three-node ring of
## its own on 127.0.0.21-23 (FAULT_CASSANDRA_HOME, small heaps), stopped by its pids afterwards and its data
## thrown away (so the test keeps its keyspace: AMPHORA_KEEP_KEYSPACE); the usual node is left alone.
## `make fault` is the same. test-faults-short: its short form (one node kill under a one-minute load,
## 512 MiB heaps; CI, about 3-4 minutes with the ring's start and stop on 2 cores, docs/reliability.md).
FAULT_CASSANDRA_HOME ?= $(if $(TMPDIR),$(TMPDIR),/tmp)/amphora-fault-ring
FAULT_CASSANDRA_ADDR_OFFSET ?= 20
FAULT_CASSANDRA_HEAP ?= 768M
FAULT_ENV ?=
test-faults:
	@export CASSANDRA_HOME_DIR=$(FAULT_CASSANDRA_HOME) CASSANDRA_ADDR_OFFSET=$(FAULT_CASSANDRA_ADDR_OFFSET) \
		CASSANDRA_HEAP=$(FAULT_CASSANDRA_HEAP); \
	trap 'scripts/cassandra.sh ring-stop; rm -rf $(FAULT_CASSANDRA_HOME)/node[123]/data' EXIT; \
	scripts/cassandra.sh ring-start || exit 1; \
	a=$$((1 + $(FAULT_CASSANDRA_ADDR_OFFSET))); \
	$(FAULT_ENV) AMPHORA_KEEP_KEYSPACE=1 AMPHORA_FAULT_RING=127.0.0.$$a:9042,127.0.0.$$((a + 1)):9042,127.0.0.$$((a + 2)):9042 \
		$(GO) test -count=1 -timeout 20m -run '^TestFaults$$' -v ./integration/

fault: test-faults

test-faults-short:
	@$(MAKE) --no-print-directory test-faults FAULT_CASSANDRA_HEAP=512M FAULT_ENV=AMPHORA_FAULT_SHORT=1

## test-dc: two datacenters (integration/dc_test.go, TestTwoDatacenters): dc1 on 127.0.0.51-52 and dc2 on
## 127.0.0.53-54 (scripts/cassandra.sh dc-start, DC_CASSANDRA_HOME, 512 MiB heaps), stopped by their pids
## afterwards and their data thrown away; about 4-5 minutes on 2 cores
DC_CASSANDRA_HOME ?= $(if $(TMPDIR),$(TMPDIR),/tmp)/amphora-dc-ring
DC_CASSANDRA_ADDR_OFFSET ?= 50
DC_CASSANDRA_HEAP ?= 512M
test-dc:
	@export CASSANDRA_HOME_DIR=$(DC_CASSANDRA_HOME) CASSANDRA_ADDR_OFFSET=$(DC_CASSANDRA_ADDR_OFFSET) \
		CASSANDRA_HEAP=$(DC_CASSANDRA_HEAP); \
	trap 'scripts/cassandra.sh dc-stop; rm -rf $(DC_CASSANDRA_HOME)/node[1234]/data' EXIT; \
	scripts/cassandra.sh dc-start || exit 1; \
	a=$$((1 + $(DC_CASSANDRA_ADDR_OFFSET))); \
	AMPHORA_KEEP_KEYSPACE=1 AMPHORA_DC_RING=127.0.0.$$a:9042,127.0.0.$$((a + 1)):9042,127.0.0.$$((a + 2)):9042,127.0.0.$$((a + 3)):9042 \
		$(GO) test -count=1 -timeout 20m -run '^TestTwoDatacenters$$' -v ./integration/

## test-ring: the ring tests, every test whose name has Ring in ./cassandra and ./integration (the
## scrubber's TestScrubRing, the block reads' TestRingBlockReadOne), on a three-node ring of its own on
## 127.0.0.31-33 (RING_CASSANDRA_HOME, 768 MiB heaps) started with CASSANDRA_TEST_RING=1 (hinted handoff
## and the dynamic snitch off, GossipingPropertyFileSnitch: a test can put other bytes on one replica,
## and a node asked at ONE reads its own copy), stopped by its pids afterwards and its data thrown away;
## the usual node is left alone. Tests find the hosts in AMPHORA_RING (comma-separated) and the ring's
## directory (nodeN/cassandra.pid) in AMPHORA_RING_HOME, and skip without them; about 4 minutes
RING_CASSANDRA_HOME ?= $(if $(TMPDIR),$(TMPDIR),/tmp)/amphora-test-ring
RING_CASSANDRA_ADDR_OFFSET ?= 30
RING_CASSANDRA_HEAP ?= 768M
test-ring:
	@export CASSANDRA_HOME_DIR=$(RING_CASSANDRA_HOME) CASSANDRA_ADDR_OFFSET=$(RING_CASSANDRA_ADDR_OFFSET) \
		CASSANDRA_HEAP=$(RING_CASSANDRA_HEAP) CASSANDRA_TEST_RING=1; \
	trap 'scripts/cassandra.sh ring-stop; rm -rf $(RING_CASSANDRA_HOME)/node[123]/data' EXIT; \
	scripts/cassandra.sh ring-start || exit 1; \
	a=$$((1 + $(RING_CASSANDRA_ADDR_OFFSET))); \
	AMPHORA_RING=127.0.0.$$a:9042,127.0.0.$$((a + 1)):9042,127.0.0.$$((a + 2)):9042 \
	AMPHORA_RING_HOME=$(RING_CASSANDRA_HOME) \
		$(GO) test -count=1 -timeout 15m -run 'Ring' -v ./cassandra/ ./integration/

clean:
	rm -rf bin
