#!/usr/bin/env bash
# Start, stop and query a real Apache Cassandra node built from Maven Central jars.
#
#   scripts/cassandra.sh start   fetch jars once, start node N, wait until CQL answers (no-op if up)
#   scripts/cassandra.sh stop    stop node N by its pid (SIGTERM, then SIGKILL after a timeout)
#   scripts/cassandra.sh status  print whether node N answers CQL
#   scripts/cassandra.sh fetch   only fetch the jars
#   scripts/cassandra.sh ring-start / ring-stop
#                                a three-node ring on 127.0.0.1-3 (data under
#                                ~/.local/share/amphora/cassandra-ring unless
#                                CASSANDRA_HOME_DIR says otherwise), started one
#                                node at a time, stopped in reverse order
#
# Settings (environment):
#   CASSANDRA_VERSION    5.0.8
#   CASSANDRA_CACHE      ~/.cache/amphora       jars go to $CASSANDRA_CACHE/cassandra-$VERSION/lib
#   CASSANDRA_HOME_DIR   ~/.local/share/amphora/cassandra   per-node data, logs, pid, yaml
#   CASSANDRA_NODE       1        node number; node N binds 127.0.0.N (a ring is nodes 1..3)
#   CASSANDRA_NODES      1        ring size used for tokens and seeds (1 or 3)
#   CASSANDRA_PORT       9042     CQL port
#   CASSANDRA_HEAP       1G       -Xms/-Xmx
#   CASSANDRA_START_TIMEOUT 180   seconds to wait for CQL
#   CASSANDRA_BENCH      unset    when 1: benchmark settings (raise request in-flight limits)
set -euo pipefail

VERSION=${CASSANDRA_VERSION:-5.0.8}
CACHE=${CASSANDRA_CACHE:-$HOME/.cache/amphora}
LIB=$CACHE/cassandra-$VERSION/lib
NODE=${CASSANDRA_NODE:-1}
NODES=${CASSANDRA_NODES:-1}
ADDR=127.0.0.$NODE
PORT=${CASSANDRA_PORT:-9042}
HEAP=${CASSANDRA_HEAP:-1G}
TIMEOUT=${CASSANDRA_START_TIMEOUT:-180}
BASE=${CASSANDRA_HOME_DIR:-$HOME/.local/share/amphora/cassandra}
DIR=$BASE/node$NODE
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
	cat >"$DIR/conf/cassandra.yaml" <<EOF
cluster_name: amphora-local
num_tokens: 1
initial_token: $(token_for "$NODE")
auto_bootstrap: $bootstrap
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
commitlog_sync: periodic
commitlog_sync_period: 10000ms
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "127.0.0.1:7000"
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

# ring runs this script for nodes 1..3 of a three-node ring.
ring() {
	local action=$1 nodes
	nodes="1 2 3"
	[ "$action" = stop ] && nodes="3 2 1"
	for n in $nodes; do
		CASSANDRA_HOME_DIR=${CASSANDRA_HOME_DIR:-$HOME/.local/share/amphora/cassandra-ring} \
			CASSANDRA_NODES=3 CASSANDRA_NODE=$n "$0" "$action"
	done
	if [ "$action" = start ]; then
		echo "cassandra.sh: ring up: hosts = [\"127.0.0.1\", \"127.0.0.2\", \"127.0.0.3\"] (SimpleSnitch datacenter: datacenter1)"
	fi
}

case "${1:-}" in
start) start ;;
ring-start) ring start ;;
ring-stop) ring stop ;;
stop) stop ;;
status) status ;;
fetch) need_java; fetch ;;
*) echo "usage: $0 start|stop|status|fetch|ring-start|ring-stop" >&2; exit 2 ;;
esac
