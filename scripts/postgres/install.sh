#!/usr/bin/env bash
# Make PostgreSQL 15 (server) and pgvector available on Debian 12 (bookworm), as root.
#
#   scripts/postgres/install.sh
#
# PostgreSQL comes from Debian's own packages. pgvector is not in bookworm: it is built
# from the Debian source package of the next release (trixie, pgvector 0.8.x), which
# carries Debian's patch against -march=native, so the build runs on any x86-64/arm64.
# Only Debian's package archive is used. Safe to run again: it does nothing when the
# server binaries and the vector extension are already installed.
# See docs/decisions/postgres-setup.md for why this route and what it costs (~1 min).
set -euo pipefail

PG_MAJOR="${PG_MAJOR:-15}"
PGVECTOR_SUITE="${PGVECTOR_SUITE:-trixie}"
PG_BIN="/usr/lib/postgresql/$PG_MAJOR/bin"
EXT_DIR="/usr/share/postgresql/$PG_MAJOR/extension"
LIB_DIR="/usr/lib/postgresql/$PG_MAJOR/lib"
SRC_LIST="/etc/apt/sources.list.d/revierlotse-${PGVECTOR_SUITE}-src.sources"

say() { echo "[pg-install] $*"; }
die() { echo "[pg-install] ERROR: $*" >&2; exit 1; }

installed() {
    [ -x "$PG_BIN/postgres" ] && [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] \
        && [ -f "$EXT_DIR/vector.control" ] && [ -f "$LIB_DIR/vector.so" ]
}

if installed; then
    ver=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$EXT_DIR/vector.control")
    say "already installed: $("$PG_BIN/postgres" --version), pgvector $ver"
    exit 0
fi

[ "$(id -u)" = 0 ] || die "must run as root (uses apt-get and writes to /usr); try: sudo $0"
command -v apt-get >/dev/null || die "apt-get not found: this script supports Debian/Ubuntu only"
[ -r /etc/debian_version ] || die "not a Debian system (/etc/debian_version missing)"

export DEBIAN_FRONTEND=noninteractive
start=$(date +%s)

# Undo what this script adds to the system's configuration, whatever happens.
POLICY=/usr/sbin/policy-rc.d
made_policy=0 made_src=0 build=""
cleanup() {
    [ "$made_policy" = 1 ] && rm -f "$POLICY"
    [ "$made_src" = 1 ] && rm -f "$SRC_LIST"
    [ -n "$build" ] && rm -rf "$build"
    return 0
}
trap cleanup EXIT

# A package upgrade must not start the distribution's own cluster (port 5432): tell
# invoke-rc.d "no" for the duration of this script, unless the admin set a policy.
if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$POLICY"
    chmod 755 "$POLICY"
    made_policy=1
fi

# deb-src of the next release, for pgvector's source package only, and only while this
# script runs. No binary package comes from it (Types: deb-src): the system stays bookworm.
if [ ! -e "$SRC_LIST" ]; then
    say "adding deb-src for $PGVECTOR_SUITE while building ($SRC_LIST)"
    cat >"$SRC_LIST" <<SRC
# Added by revierlotse scripts/postgres/install.sh: source packages only (pgvector).
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $PGVECTOR_SUITE
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    made_src=1
fi

say "apt-get update"
apt-get update -qq

say "installing postgresql-$PG_MAJOR, postgresql-server-dev-$PG_MAJOR and build tools"
apt-get install -y -qq --no-install-recommends \
    "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" postgresql-contrib \
    build-essential dpkg-dev ca-certificates >/dev/null

build=$(mktemp -d /tmp/pgvector-build.XXXXXX)
chmod 755 "$build"
say "fetching pgvector source package from $PGVECTOR_SUITE"
# _apt cannot write into root's temp dir, so apt warns that it downloads as root: expected.
if ! (cd "$build" && apt-get source -qq "pgvector/$PGVECTOR_SUITE" 2>&1 | { grep -v "unsandboxed as root" || true; }); then
    die "apt-get source pgvector/$PGVECTOR_SUITE failed (is the $PGVECTOR_SUITE deb-src reachable?)"
fi
src=$(find "$build" -maxdepth 1 -mindepth 1 -type d -name 'pgvector-*' | head -n 1)
[ -n "$src" ] || die "apt-get source pgvector/$PGVECTOR_SUITE produced no source tree"
say "building $(basename "$src") against $("$PG_BIN/pg_config" --version)"
# with_llvm=no: skip the JIT bitcode (clang); pgvector has nothing for the JIT to inline.
make -s -C "$src" -j"$(nproc)" PG_CONFIG="$PG_BIN/pg_config" with_llvm=no >/dev/null
make -s -C "$src" install PG_CONFIG="$PG_BIN/pg_config" with_llvm=no >/dev/null

installed || die "install finished but $EXT_DIR/vector.control or $LIB_DIR/vector.so is missing"
ver=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$EXT_DIR/vector.control")
say "done in $(( $(date +%s) - start )) s: $("$PG_BIN/postgres" --version), pgvector $ver"
