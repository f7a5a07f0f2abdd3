# shellcheck shell=bash
# Shared by start.sh and stop.sh (sourced, not run).
# PG_BIN: where initdb/pg_ctl/postgres live (Debian: /usr/lib/postgresql/15/bin).
PG_MAJOR="${PG_MAJOR:-15}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/$PG_MAJOR/bin}"

say() { echo "[pg] $*"; }
die() { echo "[pg] ERROR: $*" >&2; exit 1; }

need_binaries() {
    local b
    for b in initdb pg_ctl postgres psql; do
        [ -x "$PG_BIN/$b" ] || die "$PG_BIN/$b not found: run 'make pg-install' (scripts/postgres/install.sh) as root first"
    done
}

# PostgreSQL refuses to run as root: as root, the cluster belongs to the OS user `postgres`.
if [ "$(id -u)" = 0 ]; then
    PG_OS_USER=postgres
    id -u "$PG_OS_USER" >/dev/null 2>&1 \
        || die "running as root but there is no OS user '$PG_OS_USER' (Debian's postgresql-common creates it: run 'make pg-install')"
    as_owner() { runuser -u "$PG_OS_USER" -- "$@"; }
else
    PG_OS_USER="$(id -un)"
    as_owner() { "$@"; }
fi

# Absolute path without requiring it to exist.
abspath() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }

is_running() { as_owner "$PG_BIN/pg_ctl" status -D "$1" >/dev/null 2>&1; }
