#!/usr/bin/env bash
# Start (and on first use create) a local PostgreSQL cluster with pgvector.
#
#   scripts/postgres/start.sh [DATA_DIR [PORT]]     (defaults: .pgdata 55432)
#
# Listens on 127.0.0.1:PORT only (plus a unix socket inside DATA_DIR); loopback connections
# are trusted (no password): this is a development/test cluster, never expose it. Creates the
# database `revierlotse` with the `vector` extension and prints its connection URL last.
# Safe to run again: an existing cluster is reused, a running one is left running.
set -euo pipefail
# shellcheck source=scripts/postgres/common.sh
. "$(dirname "$0")/common.sh"

DATA_DIR="$(abspath "${1:-.pgdata}")"
PORT="${2:-55432}"
DB=revierlotse
URL="postgresql://postgres@127.0.0.1:$PORT/$DB"
case "$PORT" in '' | *[!0-9]*) die "PORT must be a number, got '$PORT'" ;; esac
case "$DATA_DIR" in *[[:space:]\'\"]*) die "DATA_DIR must not contain spaces or quotes: '$DATA_DIR'" ;; esac
# A unix socket path is limited to 107 bytes; past that, serve TCP on 127.0.0.1 only.
SOCKET_DIR="$DATA_DIR"
[ "${#DATA_DIR}" -le 90 ] || SOCKET_DIR=""

need_binaries
SHAREDIR="$("$PG_BIN/pg_config" --sharedir 2>/dev/null || echo "/usr/share/postgresql/$PG_MAJOR")"
[ -f "$SHAREDIR/extension/vector.control" ] \
    || die "pgvector is not installed for PostgreSQL $PG_MAJOR ($SHAREDIR/extension/vector.control missing): run 'make pg-install' as root"

if [ ! -f "$DATA_DIR/PG_VERSION" ]; then
    if [ -d "$DATA_DIR" ] && [ -n "$(ls -A "$DATA_DIR")" ]; then
        die "$DATA_DIR exists, is not empty and holds no cluster (no PG_VERSION): remove it or pick another DATA_DIR"
    fi
    created=0
    [ -d "$DATA_DIR" ] || { mkdir -p "$DATA_DIR"; created=1; }
    if [ "$(id -u)" = 0 ]; then
        chown "$PG_OS_USER:" "$DATA_DIR"
        if ! as_owner test -w "$DATA_DIR"; then
            [ "$created" = 1 ] && rmdir "$DATA_DIR"
            die "OS user '$PG_OS_USER' cannot reach $DATA_DIR (a parent folder is not traversable, e.g. /root is 0700); use a DATA_DIR outside it, e.g. /var/tmp/revierlotse-pgdata"
        fi
    fi
    chmod 700 "$DATA_DIR"
    say "initdb in $DATA_DIR (owner $PG_OS_USER, UTF8, C.UTF-8, text search config german)"
    # german, not pg_catalog.german: the schema-qualified name breaks parallel HNSW builds.
    log="$(mktemp)"
    as_owner "$PG_BIN/initdb" -D "$DATA_DIR" --username=postgres --encoding=UTF8 --locale=C.UTF-8 \
        --text-search-config=german --auth-local=trust --auth-host=trust >"$log" 2>&1 \
        || { cat "$log" >&2; rm -f "$log"; die "initdb failed"; }
    rm -f "$log"
    # Loopback only, socket in the data dir (never /var/run/postgresql, which belongs to the
    # distribution's cluster). Later lines win over initdb's defaults.
    as_owner tee -a "$DATA_DIR/postgresql.conf" >/dev/null <<CONF

# --- revierlotse (scripts/postgres/start.sh) ---
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCKET_DIR'
maintenance_work_mem = '256MB'
# JIT compiles any plan whose cost estimate passes jit_above_cost: ~80 ms added to a 0.3 ms
# BM25 query (docs/decisions/postgres-setup.md). Our queries are short; never worth it.
jit = off
logging_collector = off
CONF
    # Drop the IPv6 loopback and replication lines: only 127.0.0.1 and the socket remain.
    as_owner sh -c "printf '%s\n' 'local all all trust' 'host all all 127.0.0.1/32 trust' >'$DATA_DIR/pg_hba.conf'"
fi

if is_running "$DATA_DIR"; then
    running_port="$(sed -n 4p "$DATA_DIR/postmaster.pid" 2>/dev/null || true)"
    [ "$running_port" = "$PORT" ] \
        || die "a server is already running on $DATA_DIR with port $running_port, not $PORT: stop it first (scripts/postgres/stop.sh $DATA_DIR)"
    say "already running on 127.0.0.1:$PORT ($DATA_DIR)"
else
    say "starting on 127.0.0.1:$PORT (log: $DATA_DIR/server.log)"
    if ! as_owner "$PG_BIN/pg_ctl" start -D "$DATA_DIR" -w -t 30 -l "$DATA_DIR/server.log" \
            -o "-p $PORT -h 127.0.0.1 -k '$SOCKET_DIR'" >/dev/null; then
        tail -n 20 "$DATA_DIR/server.log" >&2 || true
        die "server did not start (port $PORT taken by another program? see $DATA_DIR/server.log)"
    fi
fi

psql_q() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres "$@"; }
if [ "$(psql_q -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
    say "creating database $DB"
    psql_q -d postgres -c "CREATE DATABASE $DB"
fi
psql_q -d "$DB" -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS vector"
say "ready: $(psql_q -d "$DB" -tAc "SELECT 'PostgreSQL ' || current_setting('server_version') || ', pgvector ' || extversion FROM pg_extension WHERE extname = 'vector'")"
echo "$URL"
