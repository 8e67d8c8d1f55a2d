#!/usr/bin/env bash
# Runs every store migration, including those that need a newer server than Debian's 18.16, on a current
# ClickHouse engine: chDB (ClickHouse in-process, from PyPI) in a virtualenv under the state directory.
# Not part of CI (it downloads a few hundred MB once); run it after changing store/migrations.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
venv=$STATE/chdb-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import chdb' 2>/dev/null; then
	say "installing chdb into $venv"
	python3 -m venv "$venv" || die "python3 -m venv failed; install python3-venv"
	"$venv/bin/pip" install -q chdb || die "pip could not install chdb"
fi
exec "$venv/bin/python" "$LOCAL_SRC/check_modern_schema.py" "$REPO"/store/migrations/*.sql
