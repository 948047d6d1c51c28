#!/usr/bin/env bash
# Start, stop and query a real Apache Cassandra node built from Maven Central jars.
#
#   scripts/cassandra.sh start   fetch jars once, start node N, wait until CQL answers (no-op if up)
#   scripts/cassandra.sh stop    stop node N by its pid (SIGTERM, then SIGKILL after a timeout)
#   scripts/cassandra.sh status  print whether node N answers CQL
#   scripts/cassandra.sh fetch   only fetch the jars
#   scripts/cassandra.sh tls-env print the CA and client certificate files of a
#                                CASSANDRA_TLS=1 node (AMPHORA_TLS_CASSANDRA_* lines)
#   scripts/cassandra.sh ring-start / ring-stop
#                                a three-node ring on 127.0.0.1-3 (data under
#                                ~/.local/share/amphora/cassandra-ring unless
#                                CASSANDRA_HOME_DIR says otherwise), started one
#                                node at a time, stopped in reverse order
#   scripts/cassandra.sh dc-start / dc-stop
#                                two datacenters of two nodes each: dc1 is nodes 1-2,
#                                dc2 nodes 3-4, on 127.0.0.(N+offset) (51-54 with
#                                CASSANDRA_ADDR_OFFSET=50), GossipingPropertyFileSnitch,
#                                a seed in each (data under
#                                ~/.local/share/amphora/cassandra-dc unless
#                                CASSANDRA_HOME_DIR says otherwise)
#
# Settings (environment):
#   CASSANDRA_VERSION    5.0.8
#   CASSANDRA_CACHE      ~/.cache/amphora       jars go to $CASSANDRA_CACHE/cassandra-$VERSION/lib
#   CASSANDRA_HOME_DIR   ~/.local/share/amphora/cassandra   per-node data, logs, pid, yaml
#   CASSANDRA_NODE       1        node number; node N binds 127.0.0.(N+offset) (a ring is nodes 1..3)
#   CASSANDRA_NODES      1        ring size used for tokens and seeds (1, 3, or 4: dc-start)
#   CASSANDRA_DC         unset    the node's datacenter (dc-start sets dc1 or dc2):
#                                 GossipingPropertyFileSnitch, rack1
#   CASSANDRA_ADDR_OFFSET 0       added to the node number in its address: 3 puts a
#                                 single node on 127.0.0.4, 10 a ring on 127.0.0.11-13,
#                                 beside the usual node or ring (give it its own
#                                 CASSANDRA_HOME_DIR); a single node is its own seed,
#                                 a ring's seed is its node 1
#   CASSANDRA_PORT       9042     CQL port
#   CASSANDRA_HEAP       1G       -Xms/-Xmx
#   CASSANDRA_START_TIMEOUT 180   seconds to wait for CQL
#   CASSANDRA_BENCH      unset    when 1: benchmark settings (raise request in-flight limits)
#   CASSANDRA_MEMTABLE   trie     memtable implementation: trie (TrieMemtable) or skiplist
#   CASSANDRA_SSTABLE_FORMAT bti  sstable format: bti or big (Cassandra 4's)
#   CASSANDRA_YAML_EXTRA unset    cassandra.yaml lines appended as they are (keys the
#                                 script does not write; scripts/bench-settings.sh)
#   CASSANDRA_TLS        unset    when 1: client_encryption_options on, with a throwaway CA,
#                                 node certificates (SAN IP 127.0.0.x, localhost) and a client
#                                 certificate made with openssl and keytool under
#                                 $CASSANDRA_HOME_DIR/tls (shared by a ring's nodes; kept
#                                 across restarts; `tls-env` prints the settings)
#   CASSANDRA_CLIENT_AUTH unset   when 1 (with CASSANDRA_TLS): require_client_auth
#   CASSANDRA_AUTH       unset    when 1: PasswordAuthenticator; the default superuser
#                                 cassandra / cassandra is created at startup
#   CASSANDRA_TEST_RING  unset    when 1: settings for tests that put different bytes on one
#                                 replica (scrub): hinted handoff off (no hint replays the
#                                 good copy), dynamic snitch off and GossipingPropertyFileSnitch
#                                 (datacenter1, rack1), so a node coordinating a read at ONE
#                                 reads its own copy
set -euo pipefail

VERSION=${CASSANDRA_VERSION:-5.0.8}
CACHE=${CASSANDRA_CACHE:-$HOME/.cache/amphora}
LIB=$CACHE/cassandra-$VERSION/lib
NODE=${CASSANDRA_NODE:-1}
NODES=${CASSANDRA_NODES:-1}
OFFSET=${CASSANDRA_ADDR_OFFSET:-0}
ADDR=127.0.0.$((NODE + OFFSET))
PORT=${CASSANDRA_PORT:-9042}
HEAP=${CASSANDRA_HEAP:-1G}
TIMEOUT=${CASSANDRA_START_TIMEOUT:-180}
BASE=${CASSANDRA_HOME_DIR:-$HOME/.local/share/amphora/cassandra}
DIR=$BASE/node$NODE
TLSDIR=$BASE/tls
TLS_PASS=amphora-test
PIDFILE=$DIR/cassandra.pid

die() { echo "cassandra.sh: $*" >&2; exit 1; }

need_java() {
	command -v java >/dev/null 2>&1 || die "java not found: install a JDK 17 (Debian: apt-get install -y openjdk-17-jdk-headless)"
	local v
	v=$(java -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')
	case "$v" in
	17*|21*) ;;
	*) die "Cassandra $VERSION needs JDK 17 (found java $v)" ;;
	esac
}

fetch() {
	if [ -f "$LIB/cassandra-all-$VERSION.jar" ]; then return 0; fi
	command -v mvn >/dev/null 2>&1 || die "mvn not found: Maven fetches the Cassandra jars (Debian: apt-get install -y maven)"
	echo "cassandra.sh: fetching cassandra-all $VERSION and its jars from Maven Central into $LIB"
	local tmp
	tmp=$(mktemp -d)
	cat >"$tmp/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>amphora</groupId><artifactId>cassandra-fetch</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.cassandra</groupId><artifactId>cassandra-all</artifactId><version>$VERSION</version>
    </dependency>
  </dependencies>
</project>
EOF
	mkdir -p "$LIB.partial"
	(cd "$tmp" && mvn -q -B -Dstyle.color=never dependency:copy-dependencies -DoutputDirectory="$LIB.partial") ||
		die "maven could not fetch cassandra-all $VERSION"
	rm -rf "$LIB" "$tmp"
	mv "$LIB.partial" "$LIB"
}

# cql_up returns 0 when the native protocol port accepts connections and the
# node has written its "listening for CQL clients" line.
cql_up() {
	(exec 3<>"/dev/tcp/$ADDR/$PORT") 2>/dev/null || return 1
	[ -f "$DIR/logs/system.log" ] && grep -q "Startup complete\|Starting listening for CQL clients" "$DIR/logs/system.log"
}

running_pid() {
	[ -f "$PIDFILE" ] || return 1
	local pid
	pid=$(cat "$PIDFILE")
	kill -0 "$pid" 2>/dev/null || return 1
	echo "$pid"
}

token_for() {
	if [ "$NODES" = 1 ]; then echo 0; return; fi
	case "$1" in
	1) echo -9223372036854775808 ;;
	2) echo -3074457345618258603 ;;
	3) echo 3074457345618258602 ;;
	4) echo 100 ;; # dc-start's node 4 (dc2)
	*) die "rings larger than 3 nodes need tokens: node $1" ;;
	esac
}

write_conf() {
	mkdir -p "$DIR/conf" "$DIR/data" "$DIR/logs"
	local bootstrap=true extra=""
	[ "$NODE" != 1 ] && bootstrap=false
	if [ "${CASSANDRA_BENCH:-}" = 1 ]; then
		extra="native_transport_max_request_data_in_flight_per_ip: 2GiB
native_transport_max_request_data_in_flight: 2GiB"
	fi
	# Trie memtables and BTI sstables (Cassandra 5): measured faster for
	# Amphora's blocks than the older defaults (docs/benchmarks.md,
	# "Cassandra settings"); CASSANDRA_MEMTABLE=skiplist and
	# CASSANDRA_SSTABLE_FORMAT=big bring those back.
	local memtable=trie
	[ "${CASSANDRA_MEMTABLE:-trie}" = skiplist ] && memtable=skiplist
	extra="$extra
memtable:
  configurations:
    skiplist:
      class_name: SkipListMemtable
    trie:
      class_name: TrieMemtable
    default:
      inherits: $memtable
sstable:
  selected_format: ${CASSANDRA_SSTABLE_FORMAT:-bti}"
	if [ -n "${CASSANDRA_YAML_EXTRA:-}" ]; then
		extra="$extra
$CASSANDRA_YAML_EXTRA"
	fi
	# A single node is its own seed, so that one beside another single
	# node never gossips with it; a ring's seed is its node 1.
	local seed=$ADDR
	[ "$NODES" != 1 ] && seed=127.0.0.$((1 + OFFSET))
	[ "$NODES" = 4 ] && seed="$seed:7000,127.0.0.$((3 + OFFSET))"
	if [ "${CASSANDRA_TLS:-}" = 1 ]; then
		local client_auth=false
		[ "${CASSANDRA_CLIENT_AUTH:-}" = 1 ] && client_auth=true
		extra="$extra
client_encryption_options:
  enabled: true
  optional: false
  keystore: $TLSDIR/node$NODE.p12
  keystore_password: $TLS_PASS
  truststore: $TLSDIR/truststore.p12
  truststore_password: $TLS_PASS
  store_type: PKCS12
  require_client_auth: $client_auth"
	fi
	if [ "${CASSANDRA_AUTH:-}" = 1 ]; then
		extra="$extra
authenticator: PasswordAuthenticator
role_manager: CassandraRoleManager"
	fi
	local snitch=SimpleSnitch
	if [ "${CASSANDRA_TEST_RING:-}" = 1 ]; then
		snitch=GossipingPropertyFileSnitch
		printf 'dc=datacenter1\nrack=rack1\n' >"$DIR/conf/cassandra-rackdc.properties"
		extra="$extra
hinted_handoff_enabled: false
dynamic_snitch: false"
	fi
	if [ -n "${CASSANDRA_DC:-}" ]; then
		snitch=GossipingPropertyFileSnitch
		printf 'dc=%s\nrack=rack1\n' "$CASSANDRA_DC" >"$DIR/conf/cassandra-rackdc.properties"
	fi
	cat >"$DIR/conf/cassandra.yaml" <<EOF
cluster_name: amphora-local
num_tokens: 1
initial_token: $(token_for "$NODE")
auto_bootstrap: $bootstrap
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: $snitch
commitlog_sync: periodic
commitlog_sync_period: 10000ms
# 1 MiB block mutations: larger segments measured 1.13-1.18x raw writes, GET 1.06-1.14x (docs/benchmarks.md)
commitlog_segment_size: 128MiB
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "$seed:7000"
listen_address: $ADDR
rpc_address: $ADDR
native_transport_port: $PORT
start_native_transport: true
auto_snapshot: false
storage_compatibility_mode: NONE
concurrent_compactors: 1
memtable_flush_writers: 1
data_file_directories:
  - $DIR/data/data
commitlog_directory: $DIR/data/commitlog
saved_caches_directory: $DIR/data/saved_caches
hints_directory: $DIR/data/hints
cdc_raw_directory: $DIR/data/cdc_raw
$extra
EOF
	cat >"$DIR/conf/logback.xml" <<EOF
<configuration scan="false">
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>$DIR/logs/system.log</file>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="FILE"/></root>
  <logger name="org.apache.cassandra" level="INFO"/>
</configuration>
EOF
}

# tls_files makes, once, the throwaway CA (ca.pem, ca.key), the client
# certificate (client.pem, client.key), the truststore holding the CA and
# this node's keystore (node$NODE.p12: a certificate for its address).
tls_files() {
	command -v openssl >/dev/null 2>&1 || die "openssl not found (Debian: apt-get install -y openssl)"
	command -v keytool >/dev/null 2>&1 || die "keytool not found: it comes with the JDK 17"
	mkdir -p "$TLSDIR"
	(
		cd "$TLSDIR"
		umask 077
		if [ ! -f ca.pem ]; then
			openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=amphora throwaway test CA" \
				-keyout ca.key -out ca.pem 2>/dev/null || die "openssl: CA"
			rm -f truststore.p12 client.pem node*.p12
		fi
		if [ ! -f truststore.p12 ]; then
			keytool -importcert -noprompt -alias amphora-ca -file ca.pem -keystore truststore.p12 \
				-storetype PKCS12 -storepass "$TLS_PASS" >/dev/null 2>&1 || die "keytool: truststore"
		fi
		if [ ! -f client.pem ]; then
			openssl req -newkey rsa:2048 -nodes -subj "/CN=amphora" -keyout client.key -out client.csr 2>/dev/null &&
				printf 'extendedKeyUsage=clientAuth\n' >client.ext &&
				openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
					-extfile client.ext -out client.pem 2>/dev/null || die "openssl: client certificate"
			rm -f client.csr client.ext
		fi
		if [ ! -f "node$NODE.p12" ] || ! grep -qx "$ADDR" "node$NODE.addr" 2>/dev/null; then
			openssl req -newkey rsa:2048 -nodes -subj "/CN=$ADDR" -keyout "node$NODE.key" -out "node$NODE.csr" 2>/dev/null &&
				printf 'subjectAltName=IP:%s,DNS:localhost,DNS:node%s.amphora.test\nextendedKeyUsage=serverAuth,clientAuth\n' \
					"$ADDR" "$NODE" >"node$NODE.ext" &&
				openssl x509 -req -in "node$NODE.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
					-extfile "node$NODE.ext" -out "node$NODE.pem" 2>/dev/null &&
				openssl pkcs12 -export -name "node$NODE" -in "node$NODE.pem" -inkey "node$NODE.key" -certfile ca.pem \
					-out "node$NODE.p12" -passout "pass:$TLS_PASS" || die "openssl: node $NODE certificate"
			echo "$ADDR" >"node$NODE.addr"
			rm -f "node$NODE.csr" "node$NODE.ext"
		fi
		chmod 644 ca.pem client.pem
	)
}

# tls_env prints the settings a client needs for the node(s) under $BASE.
tls_env() {
	[ -f "$TLSDIR/ca.pem" ] || die "no TLS files in $TLSDIR: start with CASSANDRA_TLS=1"
	echo "AMPHORA_TLS_CASSANDRA_CA=$TLSDIR/ca.pem"
	echo "AMPHORA_TLS_CASSANDRA_CERT=$TLSDIR/client.pem"
	echo "AMPHORA_TLS_CASSANDRA_KEY=$TLSDIR/client.key"
}

start() {
	# One start at a time per node: two JVMs on one data directory corrupt
	# it (seen when two test runs started the node at the same moment).
	mkdir -p "$DIR"
	exec 9>"$DIR/start.lock"
	if command -v flock >/dev/null 2>&1; then flock 9; fi
	if pid=$(running_pid); then
		if cql_up; then
			echo "cassandra.sh: node $NODE already up on $ADDR:$PORT (pid $pid)"
			return 0
		fi
	fi
	need_java
	fetch
	if [ "${CASSANDRA_TLS:-}" = 1 ]; then tls_files; fi
	write_conf
	: >"$DIR/logs/system.log"
	local cpus
	cpus=$(nproc 2>/dev/null || echo 2)
	local jamm
	jamm=$(ls "$LIB"/jamm-*.jar | head -1)
	local opts=(
		-Xms"$HEAP" -Xmx"$HEAP" -Xss256k -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -XX:ActiveProcessorCount="$cpus"
		-Djava.net.preferIPv4Stack=true -Dchronicle.analytics.disable=true
		-Djdk.attach.allowAttachSelf=true -javaagent:"$jamm" -Dio.netty.tryReflectionSetAccessible=true
		-Dcassandra-foreground=yes
		-Dcassandra.config="file://$DIR/conf/cassandra.yaml"
		-Dcassandra.storagedir="$DIR/data"
		-Dcassandra.logdir="$DIR/logs"
		-Dlogback.configurationFile="$DIR/conf/logback.xml"
		-Dcassandra.skip_wait_for_gossip_to_settle=0
		-Dcassandra.superuser_setup_delay_ms=0
		--add-exports java.base/jdk.internal.misc=ALL-UNNAMED
		--add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED
		--add-exports java.management/com.sun.jmx.remote.security=ALL-UNNAMED
		--add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED
		--add-exports java.rmi/sun.rmi.server=ALL-UNNAMED
		--add-exports java.sql/java.sql=ALL-UNNAMED
		--add-exports java.base/java.lang.ref=ALL-UNNAMED
		--add-exports jdk.unsupported/sun.misc=ALL-UNNAMED
		--add-opens java.base/java.lang.module=ALL-UNNAMED
		--add-opens java.base/jdk.internal.loader=ALL-UNNAMED
		--add-opens java.base/jdk.internal.ref=ALL-UNNAMED
		--add-opens java.base/jdk.internal.reflect=ALL-UNNAMED
		--add-opens java.base/jdk.internal.math=ALL-UNNAMED
		--add-opens java.base/jdk.internal.module=ALL-UNNAMED
		--add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED
		--add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED
		--add-opens java.base/sun.nio.ch=ALL-UNNAMED
		--add-opens java.base/java.io=ALL-UNNAMED
		--add-opens java.base/java.lang.reflect=ALL-UNNAMED
		--add-opens java.base/java.lang=ALL-UNNAMED
		--add-opens java.base/java.util=ALL-UNNAMED
		--add-opens java.base/java.nio=ALL-UNNAMED
	)
	echo "cassandra.sh: starting Cassandra $VERSION node $NODE on $ADDR:$PORT (data in $DIR)"
	nohup java "${opts[@]}" -cp "$DIR/conf:$LIB/*" org.apache.cassandra.service.CassandraDaemon \
		>"$DIR/logs/stdout.log" 2>&1 </dev/null 9>&- &
	echo $! >"$PIDFILE"
	local pid=$! waited=0
	until cql_up; do
		if ! kill -0 "$pid" 2>/dev/null; then
			tail -n 30 "$DIR/logs/stdout.log" >&2 || true
			grep -E "ERROR|Exception" "$DIR/logs/system.log" | tail -n 10 >&2 || true
			die "node $NODE exited during startup (logs in $DIR/logs)"
		fi
		if [ "$waited" -ge "$TIMEOUT" ]; then
			die "node $NODE did not answer CQL within ${TIMEOUT}s (logs in $DIR/logs)"
		fi
		sleep 1
		waited=$((waited + 1))
	done
	echo "cassandra.sh: node $NODE up on $ADDR:$PORT after ${waited}s (pid $pid)"
	# With PasswordAuthenticator a login works once the default superuser
	# exists; a ring's node 1 alone may not own its row yet.
	if [ "${CASSANDRA_AUTH:-}" = 1 ] && [ "$NODES" = 1 ]; then wait_superuser "$BASE" "$DIR/logs/system.log"; fi
	if [ "${CASSANDRA_TLS:-}" = 1 ]; then
		echo "cassandra.sh: TLS on (require_client_auth: ${CASSANDRA_CLIENT_AUTH:-0}); client files:"
		tls_env | sed 's/^/  /'
	fi
}

# wait_superuser waits until one of the logs (after the folder $1) says
# the default superuser role was created; a restart does not log it again,
# so the first success leaves a mark in $1.
wait_superuser() {
	local mark=$1/.superuser-created waited=0
	shift
	if [ -f "$mark" ]; then
		echo "cassandra.sh: PasswordAuthenticator on: superuser cassandra / cassandra"
		return 0
	fi
	until grep -q "Created default superuser role" "$@" 2>/dev/null; do
		if [ "$waited" -ge 60 ]; then
			echo "cassandra.sh: no 'Created default superuser role' in the log after 60s (logins may fail until it is)" >&2
			return 0
		fi
		sleep 1
		waited=$((waited + 1))
	done
	: >"$mark"
	echo "cassandra.sh: PasswordAuthenticator on: superuser cassandra / cassandra"
}

stop() {
	local pid
	if ! pid=$(running_pid); then
		echo "cassandra.sh: node $NODE is not running"
		rm -f "$PIDFILE"
		return 0
	fi
	kill -TERM "$pid"
	for _ in $(seq 1 60); do
		kill -0 "$pid" 2>/dev/null || { rm -f "$PIDFILE"; echo "cassandra.sh: node $NODE stopped"; return 0; }
		sleep 1
	done
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$PIDFILE"
	echo "cassandra.sh: node $NODE killed after 60s"
}

status() {
	if pid=$(running_pid) && cql_up; then
		echo "cassandra.sh: node $NODE up on $ADDR:$PORT (pid $pid)"
	else
		echo "cassandra.sh: node $NODE down"
		return 1
	fi
}

# gossip_up reports whether node log $1 shows every address in $2...
# up: since the node last started (its "Node configuration" line), the
# last "is now UP" or "is now DOWN" it logged of each says UP.
gossip_up() {
	local log=$1
	shift
	[ -f "$log" ] || return 1
	awk -v peers="$*" '
		BEGIN { n = split(peers, p, " ") }
		/Node configuration:\[/ { split("", up) }
		/ is now (UP|DOWN)/ { for (i = 1; i <= n; i++) if (index($0, "/" p[i] ":")) up[p[i]] = ($0 ~ / is now UP/) }
		END { for (i = 1; i <= n; i++) if (!up[p[i]]) exit 1 }
	' "$log"
}

# wait_gossip waits until each of the $2 nodes under folder $1 (addresses
# from 127.0.0.$3 on) sees every other one up. A node answers CQL before
# gossip has told it of its peers; a client connecting then would find
# them down (QUORUM unavailable) for a few seconds.
wait_gossip() {
	local home=$1 count=$2 first=$3 waited=0 n m peers
	for n in $(seq 1 "$count"); do
		peers=""
		for m in $(seq 1 "$count"); do
			[ "$m" = "$n" ] || peers="$peers 127.0.0.$((first + m - 1))"
		done
		until gossip_up "$home/node$n/logs/system.log" $peers; do
			if [ "$waited" -ge "$TIMEOUT" ]; then
				die "node $n does not see every peer up after ${TIMEOUT}s (logs in $home/node$n/logs)"
			fi
			sleep 1
			waited=$((waited + 1))
		done
	done
	echo "cassandra.sh: every node sees its $((count - 1)) peers up (gossip settled after ${waited}s more)"
}

# ring runs this script for nodes 1..3 of a three-node ring.
ring() {
	local action=$1 nodes
	nodes="1 2 3"
	[ "$action" = stop ] && nodes="3 2 1"
	local home=${CASSANDRA_HOME_DIR:-$HOME/.local/share/amphora/cassandra-ring}
	for n in $nodes; do
		CASSANDRA_HOME_DIR=$home CASSANDRA_NODES=3 CASSANDRA_NODE=$n "$0" "$action"
	done
	if [ "$action" = start ]; then
		local a=$((1 + OFFSET))
		wait_gossip "$home" 3 "$a"
		if [ "${CASSANDRA_AUTH:-}" = 1 ]; then wait_superuser "$home" "$home"/node*/logs/system.log; fi
		echo "cassandra.sh: ring up: hosts = [\"127.0.0.$a:$PORT\", \"127.0.0.$((a + 1)):$PORT\", \"127.0.0.$((a + 2)):$PORT\"] (SimpleSnitch datacenter: datacenter1)"
	fi
}

# dc runs this script for nodes 1..4 of two datacenters: dc1 is nodes
# 1-2, dc2 nodes 3-4, seeds 1 and 3. Tokens only need to differ: with a
# replication factor of 2 in a datacenter of two, each node holds all of
# its datacenter's data.
dc() {
	local action=$1 nodes
	nodes="1 2 3 4"
	[ "$action" = stop ] && nodes="4 3 2 1"
	local home=${CASSANDRA_HOME_DIR:-$HOME/.local/share/amphora/cassandra-dc}
	for n in $nodes; do
		local name=dc1
		[ "$n" -ge 3 ] && name=dc2
		CASSANDRA_HOME_DIR=$home CASSANDRA_NODES=4 CASSANDRA_NODE=$n CASSANDRA_DC=$name "$0" "$action"
	done
	if [ "$action" = start ]; then
		local a=$((1 + OFFSET))
		wait_gossip "$home" 4 "$a"
		echo "cassandra.sh: datacenters up: dc1 = 127.0.0.$a:$PORT, 127.0.0.$((a + 1)):$PORT; dc2 = 127.0.0.$((a + 2)):$PORT, 127.0.0.$((a + 3)):$PORT"
	fi
}

case "${1:-}" in
start) start ;;
ring-start) ring start ;;
ring-stop) ring stop ;;
dc-start) dc start ;;
dc-stop) dc stop ;;
stop) stop ;;
status) status ;;
fetch) need_java; fetch ;;
tls-env) tls_env ;;
*) echo "usage: $0 start|stop|status|fetch|tls-env|ring-start|ring-stop|dc-start|dc-stop" >&2; exit 2 ;;
esac
