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


class SnapshotDamaged(IndexCorrupt):
    """A read of an opened snapshot failed; the service marks ``generation`` damaged and falls back."""

    def __init__(self, message: str, generation: str) -> None:
        super().__init__(message)
        self.generation = generation


class IndexNotWritable(IndexError_):
    """The index or upload folder cannot be written (permissions, read-only file system); names the path."""

    code = "index_not_writable"


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


class GenerationReplaced(StoreUnavailable):
    """The generation a request read from was dropped by later index runs (PostgreSQL keeps two)."""


class StoreNotEmpty(IndexError_):
    """``revierlotse migrate`` into a database that already has an index (without --replace)."""

    code = "store_not_empty"
    http_status = 409


class DocumentNotFound(RevierlotseError):
    code = "document_not_found"
    http_status = 404


class DocumentTooBig(DocumentError):
    """Unpacked size, extracted characters or chunks of one document exceed a configured limit."""

    code = "document_too_big"
    http_status = 413


class DocumentTimeout(DocumentError):
    """Reading one file took longer than its time budget."""

    code = "document_timeout"


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


class UnknownRegion(UnknownFilter):
    """A project check for a place the knowledge base has no rule for (only its Länder and Reviere)."""

    code = "unknown_region"


class DescriptionTooShort(QueryError):
    code = "description_too_short"


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


class TooManyFiles(UploadError):
    code = "too_many_files"
    http_status = 413


class UploadNotFound(RevierlotseError):
    code = "upload_not_found"
    http_status = 404


class AnswerNotFound(RevierlotseError):
    """Feedback names an answer id this deployment never gave."""

    code = "answer_not_found"
    http_status = 404


class UploadFailed(RevierlotseError):
    """Every uploaded file failed to load; the per-file reasons are in ``details``."""

    code = "upload_failed"
    http_status = 422

    def __init__(self, message: str, files: list[dict]) -> None:
        super().__init__(message)
        self.details = {"files": files}


# --- official sources fetched by URL ------------------------------------------


class FetchError(RevierlotseError):
    """An official source could not be downloaded or read; the message names the cause."""

    code = "fetch_failed"
    http_status = 502


class BadSourceURL(FetchError):
    code = "bad_source_url"
    http_status = 422


class FetchTimeout(FetchError):
    code = "fetch_timeout"
    http_status = 504


class FetchRedirects(FetchError):
    code = "fetch_redirects"


class FetchTLSError(FetchError):
    code = "fetch_tls_error"


class FetchContentType(FetchError):
    code = "fetch_content_type"
    http_status = 415


class FetchTooLarge(FetchError):
    code = "fetch_too_large"
    http_status = 413


class SourceGone(FetchError):
    """The server says the page does not exist (404) or no longer exists (410)."""

    code = "source_gone"
    http_status = 422


class ConfigurationError(RevierlotseError):
    """A setting or an editable data file is invalid."""

    code = "configuration_error"
    http_status = 500
