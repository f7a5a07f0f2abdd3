"""One exception hierarchy for everything a user can cause or meet.

Every error carries a stable machine-readable ``code`` (used by the API and in
tests) and a German ``message`` that tells the reader what happened and what to
do.  The doors map these to HTTP status codes or chat replies; nothing else
should need to know which concrete class was raised.
"""

from __future__ import annotations


class RevierlotseError(Exception):
    """Base class: a problem we can explain to the user."""

    code = "error"
    http_status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- documents -------------------------------------------------------------


class DocumentError(RevierlotseError):
    """A file could not be turned into a document; indexing skips it and goes on."""

    code = "document_error"
    http_status = 422


class UnsupportedFileType(DocumentError):
    code = "unsupported_file_type"
    http_status = 415


class EmptyDocument(DocumentError):
    code = "empty_document"


class EncryptedDocument(DocumentError):
    code = "encrypted_document"


class CorruptDocument(DocumentError):
    code = "corrupt_document"


class NeedsOCR(DocumentError):
    code = "needs_ocr"


class FileTooLarge(DocumentError):
    code = "file_too_large"
    http_status = 413


class TextEncodingError(DocumentError):
    code = "text_encoding"


class MetadataError(DocumentError):
    code = "metadata_error"


# --- index -----------------------------------------------------------------


class IndexError_(RevierlotseError):
    """Problems with the on-disk snapshot (named with a trailing _ to not shadow the builtin)."""

    code = "index_error"
    http_status = 503


class IndexMissing(IndexError_):
    code = "index_missing"


class IndexIncompatible(IndexError_):
    code = "index_incompatible"


class IndexCorrupt(IndexError_):
    code = "index_corrupt"


class IndexLocked(IndexError_):
    """Another index run holds the writer lock (the same words whichever backend holds it)."""

    code = "index_locked"
    http_status = 409

    def __init__(
        self,
        message: str = "Der Index wird gerade von einem anderen Vorgang aktualisiert. "
        "Bitte warten, bis dieser fertig ist, und dann erneut versuchen.",
    ) -> None:
        super().__init__(message)


class StoreUnavailable(IndexError_):
    """The database behind REVIERLOTSE_STORE_URL cannot be reached or used."""

    code = "store_unavailable"


class StoreNotEmpty(IndexError_):
    """``revierlotse migrate`` into a database that already has an index (without --replace)."""

    code = "store_not_empty"
    http_status = 409


class DocumentNotFound(RevierlotseError):
    code = "document_not_found"
    http_status = 404


# --- queries ---------------------------------------------------------------


class QueryError(RevierlotseError):
    code = "bad_query"
    http_status = 422


class EmptyQuery(QueryError):
    code = "empty_query"


class QueryTooLong(QueryError):
    code = "query_too_long"


class UnknownFilter(QueryError):
    code = "unknown_filter"


# --- models ----------------------------------------------------------------


class EmbedderError(RevierlotseError):
    """The embedding model could not be loaded or failed while embedding."""

    code = "embedder_error"
    http_status = 503


class LLMError(RevierlotseError):
    """The optional generative model failed; callers fall back to extractive answers."""

    code = "llm_error"
    http_status = 502


# --- doors: access, jobs, uploads -------------------------------------------


class AdminDisabled(RevierlotseError):
    code = "admin_disabled"
    http_status = 403


class NotAuthenticated(RevierlotseError):
    """Missing or wrong bearer token; the handler adds ``WWW-Authenticate``."""

    code = "unauthorized"
    http_status = 401
    headers = {"WWW-Authenticate": 'Bearer realm="revierlotse"'}


class RateLimited(RevierlotseError):
    code = "rate_limited"
    http_status = 429

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(max(1, retry_after_s))}


class JobNotFound(RevierlotseError):
    code = "job_not_found"
    http_status = 404


class JobRunning(RevierlotseError):
    code = "job_running"
    http_status = 409

    def __init__(self, message: str, job_id: str) -> None:
        super().__init__(message)
        self.details = {"job_id": job_id}


class UploadError(RevierlotseError):
    """The multipart request itself is unusable (no files, too many files, bad metadata JSON)."""

    code = "bad_upload"
    http_status = 422


class UploadFailed(RevierlotseError):
    """Every uploaded file failed to load; the per-file reasons are in ``details``."""

    code = "upload_failed"
    http_status = 422

    def __init__(self, message: str, files: list[dict]) -> None:
        super().__init__(message)
        self.details = {"files": files}


class ConfigurationError(RevierlotseError):
    """A setting or an editable data file is invalid."""

    code = "configuration_error"
    http_status = 500
