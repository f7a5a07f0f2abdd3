"""Throw-away PostgreSQL + pgvector clusters for tests (helpers only, no tests here).

    from tests.pg_server import pg_server, postgres_available

    ok, why = postgres_available()
    if not ok:
        pytest.skip(why)
    with pg_server(tmp_path) as url:      # postgresql://postgres@127.0.0.1:PORT/revierlotse
        ...

Each cluster is made with the installed server binaries (`make pg-install`; Debian's
/usr/lib/postgresql/15/bin, or any bin dir named by REVIERLOTSE_PG_BIN), listens on a free
127.0.0.1 port only (no unix socket), trusts loopback connections, and is stopped and
deleted afterwards. initdb refuses to run as root, so as root the cluster belongs to the OS
user `postgres` (runuser, or su). Durability is switched off (fsync, synchronous_commit,
full_page_writes), and so is JIT. The first cluster of a process is initdb'd into a template;
later ones copy it, in /dev/shm when that is a tmpfs. Measured on the 2-core machine
(docs/decisions/postgres-setup.md): 0.17 s to a ready database with the vector extension
(0.85 s for the first of a process), 0.12 s to stop and delete. For many tests, share one
cluster per session and give each test its own database (`create_database`, 0.035 s in RAM).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

PG_MAJOR = 15
DATABASE = "revierlotse"
SUPERUSER = "postgres"
OS_USER_WHEN_ROOT = "postgres"
_BIN_ENV = "REVIERLOTSE_PG_BIN"
_TOOLS = ("initdb", "pg_ctl", "postgres", "psql")
_SERVER_OPTIONS = (
    "-h 127.0.0.1 -k '' "  # loopback TCP only, no unix socket (no path-length or permission trouble)
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
    "-c max_connections=50 -c maintenance_work_mem=256MB "
    "-c jit=off"  # JIT added ~80 ms to a 0.3 ms BM25 query (docs/decisions/postgres-setup.md)
)
_running: dict[Path, Path] = {}  # data dir -> bin dir, stopped at exit if a test fails to clean up


def pg_bin_dir() -> Path | None:
    """The directory with initdb/pg_ctl/postgres/psql, or None."""
    candidates = []
    if os.environ.get(_BIN_ENV):
        candidates.append(Path(os.environ[_BIN_ENV]))
    candidates.append(Path(f"/usr/lib/postgresql/{PG_MAJOR}/bin"))
    for directory in candidates:
        if all(os.access(directory / tool, os.X_OK) for tool in _TOOLS):
            return directory
    return None


@functools.lru_cache(maxsize=4)
def _pg_dirs(bin_dir: Path) -> tuple[Path, Path]:
    """(sharedir, pkglibdir) of the installation in bin_dir."""
    try:
        out = subprocess.run([str(bin_dir / "pg_config"), "--sharedir", "--pkglibdir"],
                             capture_output=True, text=True, check=True, timeout=10).stdout.split("\n")
        return Path(out[0]), Path(out[1])
    except (OSError, subprocess.SubprocessError, IndexError):
        return Path(f"/usr/share/postgresql/{PG_MAJOR}"), bin_dir.parent / "lib"  # Debian's layout


def _as_owner_prefix() -> list[str]:
    """Command prefix that runs the server tools as a non-root user (empty when not root)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("runuser"):
        return ["runuser", "-u", OS_USER_WHEN_ROOT, "--"]
    return ["su", OS_USER_WHEN_ROOT, "-s", "/bin/sh", "-c"]  # the command follows as one string


def _owner_cmd(cmd: list[str]) -> list[str]:
    prefix = _as_owner_prefix()
    if prefix[:1] == ["su"]:
        return [*prefix, shlex.join(cmd)]
    return [*prefix, *cmd]


@functools.lru_cache(maxsize=1)
def postgres_available() -> tuple[bool, str]:
    """Whether pg_server() can work here, and if not, why (for pytest.skip)."""
    bin_dir = pg_bin_dir()
    if bin_dir is None:
        looked = f"${_BIN_ENV} or /usr/lib/postgresql/{PG_MAJOR}/bin"
        return False, f"PostgreSQL server binaries ({', '.join(_TOOLS)}) not found in {looked}: run `make pg-install` as root"
    share, lib = _pg_dirs(bin_dir)
    if not (share / "extension/vector.control").is_file():
        return False, f"pgvector is not installed for {bin_dir} ({share}/extension/vector.control missing): run `make pg-install` as root"
    if not any(lib.glob("vector.*")):
        return False, f"pgvector's library is missing in {lib}: run `make pg-install` as root"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(OS_USER_WHEN_ROOT)
        except KeyError:
            return False, (f"running as root, and initdb refuses root, but there is no OS user "
                           f"'{OS_USER_WHEN_ROOT}' to run the cluster as (Debian's postgresql-common makes it)")
        if not (shutil.which("runuser") or shutil.which("su")):
            return False, "running as root, and initdb refuses root, but neither runuser nor su is available"
    return True, f"PostgreSQL binaries in {bin_dir}, pgvector in {share}/extension"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ram_dir(min_free: int = 1 << 30) -> Path | None:
    """/dev/shm when it is a writable tmpfs with min_free bytes free (copies there take 0.05 s
    instead of 0.6 s on ext4), else None."""
    shm = Path("/dev/shm")
    try:
        st = os.statvfs(shm)
    except OSError:
        return None
    if not os.access(shm, os.W_OK | os.X_OK) or st.f_bavail * st.f_frsize < min_free:
        return None
    return shm


def _reachable_by_owner(directory: Path) -> bool:
    if os.geteuid() != 0:
        return os.access(directory, os.W_OK | os.X_OK)
    return subprocess.run(_owner_cmd(["test", "-x", str(directory)]), check=False, capture_output=True).returncode == 0


def _run(cmd: list[str], what: str, log: Path | None = None) -> None:
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        extra = ""
        if log is not None and log.exists():
            extra = "\n--- server log ---\n" + log.read_text(errors="replace")[-4000:]
        raise RuntimeError(f"{what} failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}{extra}")


def psql(url: str, sql: str) -> str:
    """Run SQL with the installation's psql (no Python driver needed); returns unaligned output."""
    bin_dir = pg_bin_dir()
    assert bin_dir is not None
    proc = subprocess.run([str(bin_dir / "psql"), "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                          check=False, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"psql failed: {proc.stderr.strip()}")
    return proc.stdout.strip()


def _psql_script(url: str, script: str) -> None:
    bin_dir = pg_bin_dir()
    assert bin_dir is not None
    proc = subprocess.run([str(bin_dir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", "-"],
                          check=False, input=script, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"psql failed: {proc.stderr.strip()}")


def create_database(url: str, name: str, template: str = "template1") -> str:
    """A new empty database on the server of `url` (with the extensions pg_server installed); its URL.

    Copies template1 by default: a database with open connections (such as the one in `url`)
    cannot serve as a template.
    """
    if not name.replace("_", "").isalnum():
        raise ValueError(f"database name must be [A-Za-z0-9_]: {name!r}")
    base, _, _ = url.rpartition("/")
    psql(f"{base}/template1" if template != "template1" else url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return f"{base}/{name}"


def _stop(data_dir: Path, bin_dir: Path, mode: str = "immediate") -> None:
    # immediate: no shutdown checkpoint; a throw-away cluster is deleted next anyway.
    subprocess.run(_owner_cmd([str(bin_dir / "pg_ctl"), "stop", "-D", str(data_dir), "-m", mode, "-w", "-t", "30"]),
                   check=False, capture_output=True, timeout=60)
    _running.pop(data_dir, None)


_templates: list[Path] = []


@atexit.register
def _stop_leftovers() -> None:
    for data_dir, bin_dir in list(_running.items()):
        _stop(data_dir, bin_dir)
    for root in _templates:
        shutil.rmtree(root, ignore_errors=True)


def _new_root(parent: Path) -> Path:
    """A fresh folder under parent, owned by the cluster's OS user, with an empty `data` in it."""
    root = Path(tempfile.mkdtemp(prefix="pg-", dir=parent))
    root.chmod(0o755)
    (root / "data").mkdir(mode=0o700)
    if os.geteuid() == 0:
        entry = pwd.getpwnam(OS_USER_WHEN_ROOT)
        for path in (root, root / "data"):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    return root


def _initdb(bin_dir: Path, data_dir: Path) -> None:
    # german, not pg_catalog.german: initdb prefixes pg_catalog. itself, and the doubled
    # name (pg_catalog.pg_catalog.german) is invalid in every session and parallel worker.
    _run(_owner_cmd([str(bin_dir / "initdb"), "-D", str(data_dir), "--no-sync", f"--username={SUPERUSER}",
                     "--encoding=UTF8", "--locale=C.UTF-8", "--text-search-config=german", "--wal-segsize=1",
                     "--auth-local=trust", "--auth-host=trust"]), "initdb")
    (data_dir / "pg_hba.conf").write_text("host all all 127.0.0.1/32 trust\n")


def _start(bin_dir: Path, data_dir: Path, log: Path, attempts: int = 3) -> int:
    """Start on a free loopback port; returns the port."""
    for attempt in range(1, attempts + 1):  # another process may take the port between pick and bind
        port = free_port()
        try:
            _run(_owner_cmd([str(bin_dir / "pg_ctl"), "start", "-D", str(data_dir), "-w", "-t", "30",
                             "-l", str(log), "-o", f"-p {port} {_SERVER_OPTIONS}"]),
                 f"pg_ctl start on 127.0.0.1:{port}", log)
            _running[data_dir] = bin_dir
            return port
        except RuntimeError:
            if attempt == attempts:
                raise
            time.sleep(0.1)
    raise AssertionError("unreachable")


def _prepare(base: str, database: str, extensions: tuple[str, ...]) -> None:
    """Extensions into template1 (every later CREATE DATABASE copies them), then initdb's
    `postgres` database renamed to ours and given them too, in one psql run. Renaming is
    instant; CREATE DATABASE costs ~0.35 s even with fsync off."""
    create = "".join(f'CREATE EXTENSION IF NOT EXISTS "{ext}";\n' for ext in extensions)
    script = create
    if database != "template1":
        if database != "postgres":
            script += f'ALTER DATABASE postgres RENAME TO "{database}";\n'
        script += f'\\connect "{database}"\n' + create
    _psql_script(f"{base}/template1", script)


@functools.lru_cache(maxsize=8)
def _template(bin_dir: Path, database: str, extensions: tuple[str, ...]) -> Path:
    """A prepared, cleanly stopped data dir made once per process; clusters start as copies."""
    root = _new_root(ram_dir() or Path(tempfile.gettempdir()))
    _templates.append(root)
    data_dir = root / "data"
    _initdb(bin_dir, data_dir)
    port = _start(bin_dir, data_dir, root / "server.log")
    _prepare(f"postgresql://{SUPERUSER}@127.0.0.1:{port}", database, extensions)
    _stop(data_dir, bin_dir, mode="fast")  # fast = clean shutdown: copies need no crash recovery
    (root / "server.log").unlink(missing_ok=True)
    return data_dir


@contextlib.contextmanager
def pg_server(tmp_dir: Path | str, *, database: str = DATABASE, extensions: tuple[str, ...] = ("vector",),
              from_template: bool = True, in_ram: bool = True) -> Iterator[str]:
    """Start a throw-away cluster; yield its URL; stop and delete it afterwards.

    The cluster lives in a fresh folder under /dev/shm (in_ram, when it is a tmpfs with 1 GiB
    free), else under tmp_dir, else (when the OS user `postgres` cannot reach tmp_dir, as with
    pytest's tmp_path below a 0700 folder) under the system temp dir. The first cluster of a
    process is made by initdb into a template that later clusters copy (from_template=False
    runs initdb every time).
    """
    ok, why = postgres_available()
    if not ok:
        raise RuntimeError(f"PostgreSQL is not available: {why}")
    bin_dir = pg_bin_dir()
    assert bin_dir is not None
    tmp_dir = Path(tmp_dir)
    tmp_dir.mkdir(parents=True, exist_ok=True)
    parent = (in_ram and ram_dir()) or (tmp_dir if _reachable_by_owner(tmp_dir) else Path(tempfile.gettempdir()))
    root = _new_root(parent)
    data_dir = root / "data"
    try:
        if from_template:
            template = _template(bin_dir, database, tuple(extensions))
            data_dir.rmdir()
            # cp -a keeps owner and mode (0700), which the server insists on.
            _run(["cp", "-a", str(template), str(data_dir)], "copying the template cluster")
        else:
            _initdb(bin_dir, data_dir)
        port = _start(bin_dir, data_dir, root / "server.log")
        base = f"postgresql://{SUPERUSER}@127.0.0.1:{port}"
        if not from_template:
            _prepare(base, database, tuple(extensions))
        yield f"{base}/{database}"
    finally:
        if data_dir in _running:
            _stop(data_dir, bin_dir)
        shutil.rmtree(root, ignore_errors=True)
