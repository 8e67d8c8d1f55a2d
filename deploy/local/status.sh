#!/usr/bin/env bash
# Shows which local servers run, where they listen and where their logs are. Exits 0 when every named server
# (default: both) answers, 1 otherwise, so scripts can test it.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
pick_servers "$@"

ok=0
for s in "${PICKED[@]}"; do
	case $s in
	clickhouse)
		pid=$(ch_pid || true)
		if ch_answers; then
			state="answers on $CH_HOST:$CH_TCP_PORT (HTTP :$CH_HTTP_PORT), version $(clickhouse-client --host "$CH_HOST" --port "$CH_TCP_PORT" --query 'SELECT version()')"
		else
			state="does not answer on $CH_HOST:$CH_TCP_PORT"
			ok=1
		fi
		echo "clickhouse: ${pid:+pid $pid, }$state; logs $CH_DIR/logs"
		;;
	kafka)
		pid=$(kafka_pid || true)
		if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
			state="listens on $KAFKA_HOST:$KAFKA_PORT (controller :$KAFKA_CONTROLLER_PORT)"
		else
			state="does not listen on $KAFKA_HOST:$KAFKA_PORT"
			ok=1
		fi
		echo "kafka:      ${pid:+pid $pid, }$state; logs $KAFKA_DIR/logs"
		;;
	esac
done
exit $ok
