"""The throw-away PostgreSQL helper: a working pgvector cluster on loopback, and gone afterwards.

Skipped, with the reason, where PostgreSQL or pgvector is not installed (`make pg-install`).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests import pg_server as pg
from tests.pg_server import create_database, pg_server, postgres_available, psql

available, why = postgres_available()
needs_postgres = pytest.mark.skipif(not available, reason=why)
pytestmark = pytest.mark.postgres


@needs_postgres
def test_cluster_has_vector_german_text_search_and_listens_on_loopback_only(tmp_path: Path) -> None:
    with pg_server(tmp_path) as url:
        assert url.startswith("postgresql://postgres@127.0.0.1:") and url.endswith("/revierlotse")
        assert psql(url, "SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        assert psql(url, "SELECT '[1,2,3]'::vector <-> '[1,2,4]'::vector") == "1"
        assert psql(url, "SHOW listen_addresses") == "127.0.0.1"
        assert psql(url, "SHOW default_text_search_config") == "pg_catalog.german"
        assert psql(url, "SELECT to_tsvector('Förderungen für die Lausitz')") == "'forder':1 'lausitz':4"
        other = create_database(url, "second")
        assert psql(other, "SELECT count(*) FROM pg_extension WHERE extname = 'vector'") == "1"
        data_dir = Path(psql(url, "SHOW data_directory"))
        assert data_dir.is_dir()
    assert not data_dir.exists()
    running = subprocess.run(["pgrep", "-f", "--", str(data_dir)], capture_output=True, check=False)
    assert running.returncode == 1, running.stdout


def test_unavailable_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    postgres_available.cache_clear()
    try:
        monkeypatch.setattr(pg, "pg_bin_dir", lambda: None)
        ok, reason = postgres_available()
        assert not ok and "make pg-install" in reason
        with pytest.raises(RuntimeError, match="not available"), pg_server("/tmp"):
            pass
    finally:
        monkeypatch.undo()
        postgres_available.cache_clear()
