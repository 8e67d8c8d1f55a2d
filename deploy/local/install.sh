#!/usr/bin/env bash
# Installs what the local stack needs on a Debian machine: ClickHouse (server and client) from Debian,
# promtool and amtool (Debian's prometheus and prometheus-alertmanager, used by the deploy tests), Java 17 and
# Maven when absent, then Apache Kafka's jars from Maven Central into the state directory
# (default .local/kafka/libs). Safe to run again: it only does what is missing.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

packages=(clickhouse-server clickhouse-client prometheus prometheus-alertmanager)
java_bin >/dev/null || packages+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || packages+=(maven)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	command -v apt-get >/dev/null 2>&1 ||
		die "missing ${missing[*]} and this is not a Debian machine (no apt-get); install them by hand, or use docker-compose.yml"
	[ "$(id -u)" -eq 0 ] || die "missing ${missing[*]}; run this script as root (sudo $0) so it can apt-get install them"
	say "apt-get update"
	apt-get update -q
	say "apt-get install ${missing[*]}"
	# No recommends: prometheus would pull node-exporter and its timers. Services are not started by the
	# packages on a machine without systemd, and start.sh runs its own servers anyway.
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
	say "Debian packages present: ${packages[*]}"
fi

command -v clickhouse-server >/dev/null || die "clickhouse-server is not on PATH after installing it"
java_bin >/dev/null || die "no Java 17 or newer found (JAVA_HOME or PATH); install openjdk-17-jre-headless"
command -v mvn >/dev/null || die "Maven (mvn) is not on PATH; install the maven package"

# Kafka jars: fetched again only when the pom changed (it pins the Kafka version).
pom=$LOCAL_SRC/kafka/pom.xml
stamp=$(sha256sum "$pom" | cut -d' ' -f1)
if [ -f "$KAFKA_LIBS/.pom.sha256" ] && [ "$(<"$KAFKA_LIBS/.pom.sha256")" = "$stamp" ]; then
	say "Kafka jars present in $KAFKA_LIBS"
else
	say "fetching Kafka jars with Maven into $KAFKA_LIBS"
	mkdir -p "$KAFKA_DIR"
	tmp=$(mktemp -d "$KAFKA_DIR/libs.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	# sed: Maven 3.8 prints terminal color resets even in batch mode.
	mvn -B -q -Dstyle.color=never -f "$pom" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" 2>&1 |
		sed 's/\x1b\[[0-9;]*m//g' ||
		die "Maven could not fetch Kafka (see its output above); check that Maven Central is reachable"
	ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || die "Maven ran but no kafka_2.13 jar is in $tmp"
	echo "$stamp" >"$tmp/.pom.sha256"
	rm -rf "$KAFKA_LIBS"
	mv "$tmp" "$KAFKA_LIBS"
	trap - EXIT
fi
say "installed; start the servers with deploy/local/start.sh"
