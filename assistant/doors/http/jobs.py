"""Background jobs (re-index, upload) with progress the staff page can poll.

One job at a time per app (the writer lock would refuse a second one anyway);
searches keep answering from the live snapshot while a job runs, because the
Assistant only switches to the new generation once it is published.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import JobNotFound, JobRunning, RevierlotseError
from assistant.ingest.indexer import IndexReport, Progress
from assistant.service import UploadResult

_KIND_NAMES = {"reindex": "eine Neuindexierung", "upload": "ein Upload"}

log = logging.getLogger(__name__)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class Job:
    job_id: str
    kind: str
    state: str = "queued"
    files_done: int = 0
    files_total: int | None = None
    chunks_done: int = 0
    chunks_total: int | None = None
    statements_done: int = 0
    statements_total: int | None = None
    started_at: str = field(default_factory=_now)
    finished_at: str | None = None
    report: IndexReport | None = None
    error: dict | None = None
    files: list[dict] | None = None  # upload jobs: what became of each file (UploadedFile.to_dict)


class _JobProgress(Progress):
    def __init__(self, job: Job) -> None:
        self.job = job

    def files_total(self, n: int) -> None:
        self.job.files_total = n

    def file_done(self, path: Path) -> None:
        self.job.files_done += 1

    def chunks_total(self, n: int) -> None:
        self.job.chunks_total = n

    def chunks_done(self, n: int) -> None:
        self.job.chunks_done += n

    def statements_total(self, n: int) -> None:
        self.job.statements_total = n

    def statements_done(self, n: int) -> None:
        self.job.statements_done += n


class JobRunner:
    """Starts jobs in daemon threads and keeps the last few for ``GET /api/jobs/{id}``."""

    _KEEP = 50

    def __init__(self) -> None:
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def start(self, kind: str, work: Callable[[Progress], IndexReport | UploadResult]) -> Job:
        with self._lock:
            for job in self._jobs.values():
                if job.state in ("queued", "running"):
                    raise JobRunning(
                        f"Es läuft bereits {_KIND_NAMES.get(job.kind, 'ein Auftrag')}. Der Fortschritt ist unter "
                        f"/api/jobs/{job.job_id} abrufbar; bitte warten, bis er fertig ist.",
                        job.job_id,
                    )
            job = Job(job_id=secrets.token_hex(8), kind=kind)
            self._jobs[job.job_id] = job
            while len(self._jobs) > self._KEEP:
                self._jobs.popitem(last=False)
        thread = threading.Thread(target=self._run, args=(job, work), name=f"job-{job.job_id}", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()
        return job

    def _run(self, job: Job, work: Callable[[Progress], IndexReport | UploadResult]) -> None:
        job.state = "running"
        try:
            result = work(_JobProgress(job))
            if isinstance(result, UploadResult):
                job.files = [f.to_dict() for f in result.files]
                result = result.report
            job.report = result
            job.state = "done"
        except RevierlotseError as exc:
            job.error = {"code": exc.code, "message": exc.message}
            if getattr(exc, "details", None):
                job.error["details"] = exc.details
            job.state = "failed"
        except Exception as exc:  # noqa: BLE001 - a job must always end in a state
            log.exception("job %s failed", job.job_id)
            job.error = {
                "code": "internal_error",
                "message": f"Der Auftrag ist mit einem unerwarteten Fehler abgebrochen ({type(exc).__name__}). "
                "Details stehen im Server-Log.",
            }
            job.state = "failed"
        finally:
            job.finished_at = _now()

    def get(self, job_id: str) -> Job:
        job = self._jobs.get(job_id)
        if job is None:
            raise JobNotFound(f"Einen Auftrag mit der ID '{job_id}' gibt es nicht (mehr).")
        return job

    def wait_all(self, timeout: float | None = None) -> None:
        """Join running job threads (used on shutdown and in tests)."""
        for thread in list(self._threads):
            thread.join(timeout)
