# shellcheck shell=bash
# Shared by install.sh, start.sh, stop.sh and status.sh: where things live and how to tell that a server runs.
# Sourced, never run.

LOCAL_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$LOCAL_SRC/../.." && pwd)
# Absolute, since the servers run from their own folders.
STATE=$(realpath -m -- "${VIGIE_LOCAL_DIR:-$REPO/.local}")
# Seconds start.sh waits for a server to answer before it gives up and shows the log.
START_TIMEOUT=${VIGIE_START_TIMEOUT:-120}

CH_DIR=$STATE/clickhouse
CH_PID=$CH_DIR/clickhouse.pid
CH_HOST=127.0.0.1
CH_TCP_PORT=9000
CH_HTTP_PORT=8123

KAFKA_DIR=$STATE/kafka
KAFKA_LIBS=$KAFKA_DIR/libs
KAFKA_PID=$KAFKA_DIR/kafka.pid
KAFKA_HOST=127.0.0.1
KAFKA_PORT=9092
KAFKA_CONTROLLER_PORT=9093
KAFKA_HEAP=${VIGIE_KAFKA_HEAP:--Xms256m -Xmx512m}

SERVERS=(clickhouse kafka)

say() { printf 'vigie-local: %s\n' "$*"; }
die() {
	printf 'vigie-local: error: %s\n' "$*" >&2
	exit 1
}

# pick_servers NAME... sets PICKED to the servers named (all when none), rejecting unknown names.
pick_servers() {
	PICKED=()
	if [ $# -eq 0 ]; then
		PICKED=("${SERVERS[@]}")
		return
	fi
	local s
	for s in "$@"; do
		case $s in
		clickhouse | kafka) PICKED+=("$s") ;;
		-h | --help)
			echo "usage: $(basename "$0") [clickhouse] [kafka]   (no argument: both)"
			exit 0
			;;
		*) die "unknown server '$s'; use clickhouse, kafka, or nothing for both" ;;
		esac
	done
}

# port_open HOST PORT: something accepts TCP connections there.
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# pid_of PIDFILE NEEDLE prints the pid recorded in PIDFILE when that process is alive and its command line
# contains NEEDLE (a pid reused by another program after a reboot does not count).
pid_of() {
	local pid
	[ -s "$1" ] || return 1
	pid=$(<"$1")
	[ -r "/proc/$pid/cmdline" ] || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$2" || return 1
	echo "$pid"
}

ch_pid() { pid_of "$CH_PID" "$CH_DIR/config.xml"; }
kafka_pid() { pid_of "$KAFKA_PID" "$KAFKA_DIR/server.properties"; }

ch_answers() {
	[ "$(clickhouse-client --host "$CH_HOST" --port "$CH_TCP_PORT" --connect_timeout 2 --query 'SELECT 1' 2>/dev/null)" = 1 ]
}

# java_bin prints the Java 17+ to run Kafka with (JAVA_HOME first, then PATH).
java_bin() {
	local java=java
	[ -n "${JAVA_HOME:-}" ] && java=$JAVA_HOME/bin/java
	command -v "$java" >/dev/null 2>&1 || return 1
	local major
	major=$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')
	[ -n "$major" ] && [ "$major" -ge 17 ] || return 1
	echo "$java"
}

kafka_classpath() { echo "$KAFKA_LIBS/*"; }

# listener_pid PORT prints the pid of the process listening on 127.0.0.1:PORT (needs root, or the same user).
listener_pid() {
	ss -ltnpH "sport = :$1" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n 1 | grep .
}

# other_stack_pid PORT NEEDLE prints the pid listening on PORT when it is a server of another Vigie local stack
# (another clone or VIGIE_LOCAL_DIR: its command line has NEEDLE, e.g. /clickhouse/config.xml).
other_stack_pid() {
	local pid
	pid=$(listener_pid "$1") || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2" || return 1
	echo "$pid"
}

# stop_pid NAME PID: SIGTERM, then SIGKILL after VIGIE_STOP_TIMEOUT seconds (default 60); waits until gone.
stop_pid() {
	local name=$1 pid=$2 deadline=$((SECONDS + ${VIGIE_STOP_TIMEOUT:-60}))
	kill -TERM "$pid" 2>/dev/null || return 0
	while kill -0 "$pid" 2>/dev/null; do
		if [ $SECONDS -ge $deadline ]; then
			say "$name: still running ${VIGIE_STOP_TIMEOUT:-60}s after SIGTERM; killing pid $pid"
			kill -KILL "$pid" 2>/dev/null || true
		fi
		sleep 0.1
	done
}

# render TEMPLATE DEST DIR copies a config template, replacing @STATE@ with DIR.
render() { sed "s|@STATE@|$3|g" "$1" >"$2"; }
