"""What every route needs from the running app: the Assistant, the settings, the job runner, limiters."""

from __future__ import annotations

from dataclasses import dataclass

from typing import Annotated

from anyio import CapacityLimiter
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

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


# Declares the bearer scheme in the OpenAPI description, so /docs offers "Authorize" for the admin
# routes; the check itself stays check_admin (German errors, constant-time compare, 403 when off).
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="Admin-Token",
    description="Der Wert von REVIERLOTSE_ADMIN_TOKEN; nötig für Verwaltung und Redaktion.",
)


def admin(request: Request, _: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)] = None) -> None:
    """Dependency of every admin route: a valid bearer token (or 401/403)."""
    check_admin(door(request).settings, request)
