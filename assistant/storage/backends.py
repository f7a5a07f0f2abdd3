"""Choose the storage backend from the settings: snapshots on disk, or PostgreSQL."""

from __future__ import annotations

from assistant.config import Settings
from assistant.errors import ConfigurationError
from assistant.storage.snapshot_backend import SnapshotBackend
from assistant.storage.store import Backend

_SCHEMES = ("postgresql://", "postgres://")


def open_backend(settings: Settings) -> Backend:
    """The backend ``settings`` name; PostgreSQL is imported only when configured."""
    if settings.store_url is None or not settings.store_url.get_secret_value().strip():
        return SnapshotBackend(settings.index_dir, settings.embedding_cache_path, settings.ivf_threshold)
    url = settings.store_url.get_secret_value().strip()
    if not url.startswith(_SCHEMES):
        raise ConfigurationError(
            "REVIERLOTSE_STORE_URL muss mit postgresql:// beginnen, z. B. "
            "postgresql://revierlotse@db.example:5432/revierlotse. Ohne die Variable liegt der Index unter "
            "REVIERLOTSE_INDEX_DIR."
        )
    from assistant.storage.postgres.backend import PostgresBackend

    return PostgresBackend(
        url,
        pool_size=settings.pg_pool_size,
        ef_search=settings.pg_ef_search,
        build_memory=settings.pg_build_memory,
    )
