#!/usr/bin/env bash
# Starts the local ClickHouse (127.0.0.1:9000 native, :8123 HTTP) and Kafka in KRaft mode (127.0.0.1:9092,
# controller :9093) as background processes, with config, data and logs under the state directory
# (default .local, or VIGIE_LOCAL_DIR). A server already running is left alone. A server of another Vigie
# local stack (another clone, another VIGIE_LOCAL_DIR) on the same ports is stopped first, so stop.sh and
# start.sh of this one manage what runs (the integration tests stop and restart ClickHouse).
#
#   deploy/local/start.sh              both
#   deploy/local/start.sh clickhouse   one of them (also: kafka)
#
# Returns once every server answers, or fails after VIGIE_START_TIMEOUT seconds (default 120) showing its log.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
pick_servers "$@"

# Each start_* launches without waiting, so both servers boot at the same time; wait_* then checks them.
start_clickhouse() {
	command -v clickhouse-server >/dev/null 2>&1 || die "ClickHouse is not installed; run deploy/local/install.sh (as root)"
	local pid
	if pid=$(ch_pid); then
		say "ClickHouse already running (pid $pid)"
		return
	fi
	if pid=$(other_stack_pid "$CH_TCP_PORT" /clickhouse/config.xml); then
		say "ClickHouse of another Vigie local stack (pid $pid) holds $CH_HOST:$CH_TCP_PORT; stopping it to start this one"
		stop_pid ClickHouse "$pid"
	fi
	if port_open "$CH_HOST" "$CH_TCP_PORT"; then
		ch_answers || die "something that is not ClickHouse listens on $CH_HOST:$CH_TCP_PORT; stop it first"
		say "a ClickHouse not started from $STATE already answers on $CH_HOST:$CH_TCP_PORT; using it"
		CH_EXTERNAL=1
		return
	fi
	mkdir -p "$CH_DIR"/{data,tmp,user_files,format_schemas,logs}
	render "$LOCAL_SRC/clickhouse/config.xml" "$CH_DIR/config.xml" "$CH_DIR"
	render "$LOCAL_SRC/clickhouse/users.xml" "$CH_DIR/users.xml" "$CH_DIR"
	# setsid: the server outlives this script and is not hit by a Ctrl-C sent to the caller's terminal.
	(cd "$CH_DIR" && exec setsid clickhouse-server --config-file="$CH_DIR/config.xml" \
		</dev/null >>"$CH_DIR/logs/stdout.log" 2>&1) &
	echo $! >"$CH_PID"
	say "ClickHouse starting (pid $!), logs in $CH_DIR/logs"
}

wait_clickhouse() {
	[ "${CH_EXTERNAL:-0}" = 1 ] && return
	local deadline=$((SECONDS + START_TIMEOUT))
	until ch_answers; do
		if ! ch_pid >/dev/null; then
			tail -n 30 "$CH_DIR/logs/clickhouse-server.err.log" "$CH_DIR/logs/stdout.log" >&2 2>/dev/null || true
			die "ClickHouse exited during start; logs: $CH_DIR/logs"
		fi
		if [ $SECONDS -ge $deadline ]; then
			tail -n 30 "$CH_DIR/logs/clickhouse-server.err.log" >&2 2>/dev/null || true
			die "ClickHouse did not answer SELECT 1 on $CH_HOST:$CH_TCP_PORT within ${START_TIMEOUT}s; logs: $CH_DIR/logs"
		fi
		sleep 0.2
	done
	say "ClickHouse $(clickhouse-client --host "$CH_HOST" --port "$CH_TCP_PORT" --query 'SELECT version()') ready: native $CH_HOST:$CH_TCP_PORT, HTTP http://$CH_HOST:$CH_HTTP_PORT"
}

start_kafka() {
	local java pid
	java=$(java_bin) || die "Kafka needs Java 17 or newer (JAVA_HOME or PATH); run deploy/local/install.sh"
	ls "$KAFKA_LIBS"/kafka_2.13-*.jar >/dev/null 2>&1 || die "Kafka jars are missing in $KAFKA_LIBS; run deploy/local/install.sh"
	if pid=$(kafka_pid); then
		say "Kafka already running (pid $pid)"
		return
	fi
	if pid=$(other_stack_pid "$KAFKA_PORT" /kafka/server.properties); then
		say "Kafka of another Vigie local stack (pid $pid) holds $KAFKA_HOST:$KAFKA_PORT; stopping it to start this one"
		stop_pid Kafka "$pid"
	fi
	if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
		say "something not started from $STATE already listens on $KAFKA_HOST:$KAFKA_PORT; using it as Kafka"
		KAFKA_EXTERNAL=1
		return
	fi
	mkdir -p "$KAFKA_DIR"/{data,logs}
	render "$LOCAL_SRC/kafka/server.properties" "$KAFKA_DIR/server.properties" "$KAFKA_DIR"
	local jvm=(-Djava.awt.headless=true -Dkafka.logs.dir="$KAFKA_DIR/logs"
		-Dlog4j2.configurationFile="$LOCAL_SRC/kafka/log4j2.properties" -cp "$(kafka_classpath)")
	if [ ! -f "$KAFKA_DIR/data/meta.properties" ]; then
		local id
		id=$("$java" "${jvm[@]}" kafka.tools.StorageTool random-uuid)
		say "formatting Kafka storage (cluster id $id)"
		"$java" "${jvm[@]}" kafka.tools.StorageTool format -t "$id" -c "$KAFKA_DIR/server.properties" >>"$KAFKA_DIR/logs/format.log" 2>&1 ||
			{ tail -n 20 "$KAFKA_DIR/logs/format.log" >&2; die "formatting Kafka storage failed; log: $KAFKA_DIR/logs/format.log"; }
	fi
	# Where this start's log begins, so wait_kafka does not take an earlier run's "started" line for this one.
	KAFKA_LOG_FROM=$(($(stat -c %s "$KAFKA_DIR/logs/server.log" 2>/dev/null || echo 0) + 1))
	# shellcheck disable=SC2086 # KAFKA_HEAP holds several JVM options
	(exec setsid "$java" $KAFKA_HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 "${jvm[@]}" \
		kafka.Kafka "$KAFKA_DIR/server.properties" </dev/null >>"$KAFKA_DIR/logs/stdout.log" 2>&1) &
	echo $! >"$KAFKA_PID"
	say "Kafka starting (pid $!), logs in $KAFKA_DIR/logs"
}

wait_kafka() {
	[ "${KAFKA_EXTERNAL:-0}" = 1 ] && return
	local deadline=$((SECONDS + START_TIMEOUT))
	until port_open "$KAFKA_HOST" "$KAFKA_PORT" &&
		{ [ -z "${KAFKA_LOG_FROM:-}" ] || tail -c "+$KAFKA_LOG_FROM" "$KAFKA_DIR/logs/server.log" 2>/dev/null | grep -q 'Kafka Server started'; }; do
		if ! kafka_pid >/dev/null; then
			tail -n 30 "$KAFKA_DIR/logs/stdout.log" "$KAFKA_DIR/logs/server.log" >&2 2>/dev/null || true
			die "Kafka exited during start; logs: $KAFKA_DIR/logs"
		fi
		if [ $SECONDS -ge $deadline ]; then
			tail -n 30 "$KAFKA_DIR/logs/server.log" >&2 2>/dev/null || true
			die "Kafka did not start on $KAFKA_HOST:$KAFKA_PORT within ${START_TIMEOUT}s; logs: $KAFKA_DIR/logs"
		fi
		sleep 0.3
	done
	say "Kafka ready: bootstrap $KAFKA_HOST:$KAFKA_PORT (controller $KAFKA_HOST:$KAFKA_CONTROLLER_PORT)"
}

for s in "${PICKED[@]}"; do "start_$s"; done
for s in "${PICKED[@]}"; do "wait_$s"; done
