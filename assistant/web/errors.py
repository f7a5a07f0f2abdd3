"""Errors only the HTTP door can raise; same hierarchy, same ``code``/German ``message`` contract."""

from __future__ import annotations

from assistant.errors import RevierlotseError


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
