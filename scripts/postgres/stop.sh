#!/usr/bin/env bash
# Stop the cluster that scripts/postgres/start.sh started. Keeps the data.
#
#   scripts/postgres/stop.sh [DATA_DIR]     (default: .pgdata)
#
# Safe to run again: a stopped or missing cluster is reported, not an error.
set -euo pipefail
# shellcheck source=scripts/postgres/common.sh
. "$(dirname "$0")/common.sh"

DATA_DIR="$(abspath "${1:-.pgdata}")"

if [ ! -f "$DATA_DIR/PG_VERSION" ]; then
    say "no cluster in $DATA_DIR: nothing to stop"
    exit 0
fi
need_binaries
if ! is_running "$DATA_DIR"; then
    say "not running ($DATA_DIR)"
    exit 0
fi
say "stopping $DATA_DIR"
# fast: roll back open transactions and disconnect clients instead of waiting for them.
as_owner "$PG_BIN/pg_ctl" stop -D "$DATA_DIR" -m fast -w -t 60 >/dev/null
say "stopped"
