"""What every route needs from the running app: the Assistant, the settings, the job runner, limiters."""

from __future__ import annotations

from dataclasses import dataclass

from anyio import CapacityLimiter
from fastapi import Request

from assistant.config import Settings
from assistant.doors.http.jobs import JobRunner
from assistant.doors.http.security import check_admin
from assistant.service import Assistant


@dataclass
class AppState:
    """Held in ``app.state.door``; built once by ``create_app``.

    Requests run in a small thread pool (``request_threads``): searches are mostly
    GIL-bound Python, and Starlette's default of 40 threads fighting for the GIL served
    a third fewer searches than 2 (bench/load.py).  Work that mostly waits — indexing
    an upload or a deletion, and answers from an LLM server — has limiters of its own,
    so it cannot hold every search thread for minutes.
    """

    assistant: Assistant
    settings: Settings
    jobs: JobRunner
    writes: CapacityLimiter
    answers: CapacityLimiter

    @property
    def llm_configured(self) -> bool:
        return bool(self.settings.llm_base_url)


def door(request: Request) -> AppState:
    return request.app.state.door


def admin(request: Request) -> None:
    """Dependency of every admin route: a valid bearer token (or 401/403)."""
    check_admin(door(request).settings, request)
