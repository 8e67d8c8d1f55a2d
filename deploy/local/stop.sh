#!/usr/bin/env bash
# Stops the servers started by start.sh (their pid files are in the state directory), cleanly: SIGTERM,
# then SIGKILL after VIGIE_STOP_TIMEOUT seconds (default 60). Safe to run when nothing runs.
#
#   deploy/local/stop.sh              both
#   deploy/local/stop.sh clickhouse   one of them (also: kafka)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
pick_servers "$@"

# stop NAME PIDFILE PID HOST PORT
stop() {
	local name=$1 pidfile=$2 pid=$3 host=$4 port=$5
	if [ -z "$pid" ]; then
		rm -f "$pidfile"
		if port_open "$host" "$port"; then
			say "$name: not started from $STATE, but something listens on $host:$port; leaving it alone"
		else
			say "$name: not running"
		fi
		return
	fi
	stop_pid "$name" "$pid"
	rm -f "$pidfile"
	say "$name: stopped (pid $pid)"
}

for s in "${PICKED[@]}"; do
	case $s in
	clickhouse) stop ClickHouse "$CH_PID" "$(ch_pid || true)" "$CH_HOST" "$CH_TCP_PORT" ;;
	kafka) stop Kafka "$KAFKA_PID" "$(kafka_pid || true)" "$KAFKA_HOST" "$KAFKA_PORT" ;;
	esac
done
