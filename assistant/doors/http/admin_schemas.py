"""Request and response models of the admin routes (uploads, deletions, jobs, usage statistics)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.doors.http.schemas import ErrorOut
from assistant.ingest.indexer import FileOutcome, IndexReport


class FileOutcomeOut(BaseModel):
    file: str = Field(description="File name as stored (after sanitising).")
    original_name: str | None = None
    status: str = Field(description="added, updated, unchanged, removed or failed.")
    doc_id: str | None = None
    chunks: int = 0
    reason: str | None = None
    warnings: list[str] = Field(default_factory=list)

    @classmethod
    def of_upload(cls, name: str, original: str | None, outcome: FileOutcome | None) -> FileOutcomeOut:
        if outcome is None or outcome.status == "failed":
            reason = outcome.reason if outcome else "Die Datei wurde nicht indexiert."
            return cls(file=name, original_name=original, status="failed", reason=reason)
        return cls(
            file=name, original_name=original, status=outcome.status, doc_id=outcome.doc_id,
            chunks=outcome.chunks, warnings=outcome.warnings,
        )


class IndexReportOut(BaseModel):
    generation: str | None
    changed: bool
    documents: int
    chunks: int
    seconds: float
    counts: dict[str, int]
    files: list[FileOutcomeOut] = Field(description="Files that did not stay unchanged.")

    @classmethod
    def of(cls, report: IndexReport) -> IndexReportOut:
        return cls(
            generation=report.generation, changed=report.changed, documents=report.documents,
            chunks=report.chunks, seconds=round(report.seconds, 2), counts=report.counts,
            files=[
                FileOutcomeOut(file=o.path, status=o.status, doc_id=o.doc_id, chunks=o.chunks, reason=o.reason,
                               warnings=o.warnings)
                for o in report.outcomes
                if o.status != "unchanged"
            ],
        )


class UploadOut(BaseModel):
    files: list[FileOutcomeOut]
    generation: str | None
    documents: int
    chunks: int


class DeleteOut(BaseModel):
    doc_id: str
    generation: str | None
    file_deleted: bool
    notice: str | None = None


# --- jobs and stats -----------------------------------------------------------


class JobOut(BaseModel):
    job_id: str
    kind: str
    state: Literal["queued", "running", "done", "failed"]
    files_done: int
    files_total: int | None
    chunks_done: int
    chunks_total: int | None
    statements_done: int = Field(0, description="Answer sentences prepared after the switch (speeds up answers).")
    statements_total: int | None = None
    started_at: str
    finished_at: str | None
    report: IndexReportOut | None = None
    error: ErrorOut | None = None
    files: list[FileOutcomeOut] | None = Field(None, description="Upload-Aufträge: was aus jeder Datei wurde.")

    @classmethod
    def of(cls, job: Any) -> JobOut:
        """From an ``assistant.doors.http.jobs.Job``."""
        return cls(
            job_id=job.job_id, kind=job.kind, state=job.state, files_done=job.files_done,
            files_total=job.files_total, chunks_done=job.chunks_done, chunks_total=job.chunks_total,
            statements_done=job.statements_done, statements_total=job.statements_total,
            started_at=job.started_at, finished_at=job.finished_at,
            report=IndexReportOut.of(job.report) if job.report else None,
            error=ErrorOut(**job.error) if job.error else None,
            files=[FileOutcomeOut(**f) for f in job.files] if job.files is not None else None,
        )


class UsageStatsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    days: int
    queries_per_day: dict[str, int]
    total_queries: int
    abstention_rate: float
    top_unanswered: list[tuple[str, int]]
    feedback_helpful: int
    feedback_not_helpful: int
    recent_comments: list[str]
    notice: str | None = Field(None, description="Why the figures are missing (e.g. the usage log cannot be written).")


class UploadEntryOut(BaseModel):
    file: str = Field(description="File name in the upload folder.")
    original_name: str | None = None
    state: Literal["pending", "failed"] = Field(
        description="pending: stored, not indexed yet (indexed at the next start or run); failed: see reason."
    )
    attempts: int = Field(description="Index runs that began reading the file and did not finish.")
    received_at: str
    reason: str | None = Field(None, description="Why it failed (German).")
    failed_at: str | None = None


class UploadsOut(BaseModel):
    uploads: list[UploadEntryOut]


class DiscardOut(BaseModel):
    file: str
    state: Literal["discarded"] = "discarded"
