"""The HTTP door: JSON API + staff search page, built around one :class:`Assistant`.

Routes only translate HTTP ↔ service calls (``routes/``); errors leave as
``{"code": ..., "message": <German>}`` (``handlers.py``).  ``revierlotse serve`` runs
``create_app`` with uvicorn.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from anyio import CapacityLimiter, to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from assistant.config import Settings
from assistant.doors.http import schemas as s
from assistant.doors.http.deps import AppState
from assistant.doors.http.handlers import install_handlers
from assistant.doors.http.jobs import JobRunner
from assistant.doors.http.routes import admin, editing, reading, status
from assistant.doors.http.security import RateLimitMiddleware, SecurityHeadersMiddleware
from assistant.doors.log_redaction import install_access_log_filter
from assistant.errors import RevierlotseError
from assistant.service import Assistant

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
PENDING_WAIT_S = 600.0  # a start-up run of pending uploads waits this long for another writer
_ERROR_TEXTS = {
    401: "Nicht angemeldet: Admin-Token fehlt oder ist falsch",
    403: "Verwaltung abgeschaltet (kein Admin-Token eingerichtet)",
    404: "Nicht gefunden",
    409: "Konflikt, z. B. läuft schon ein Auftrag",
    413: "Zu groß",
    415: "Dateityp nicht unterstützt",
    422: "Ungültige Anfrage (die Meldung sagt, was fehlt oder falsch ist)",
    429: "Zu viele Anfragen",
    503: "Kein nutzbarer Index",
}
_ERRORS = {code: {"model": s.ErrorOut, "description": text} for code, text in _ERROR_TEXTS.items()}
# FastAPI's own English response texts in /docs.
_RESPONSE_TEXTS = {"Successful Response": "Erfolg", "Validation Error": "Ungültige Anfrage",
                   "Not Found": "Nicht gefunden", "Bad Gateway": "Quelle nicht erreichbar",
                   "Gateway Timeout": "Quelle antwortet nicht"}
_DESCRIPTION = (
    "Suche, zitierte Antworten und Projekt-Check zu Förderung und Strukturwandel in den Kohleregionen. "
    "Fehler kommen als JSON `{code, message}`; Verwaltungsrouten brauchen "
    "`Authorization: Bearer <REVIERLOTSE_ADMIN_TOKEN>` (oben rechts „Authorize“)."
)


def create_app(settings: Settings | None = None, assistant: Assistant | None = None) -> FastAPI:
    """Build the app; tests pass their own settings/assistant, ``revierlotse serve`` passes none."""
    settings = settings or (assistant.settings if assistant else Settings())
    assistant = assistant or Assistant(settings)
    llm = bool(settings.llm_base_url)
    state = AppState(
        assistant=assistant,
        settings=settings,
        jobs=JobRunner(),
        writes=CapacityLimiter(2),
        answers=CapacityLimiter(max(16, settings.request_threads) if llm else settings.request_threads),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        to_thread.current_default_thread_limiter().total_tokens = settings.request_threads
        try:  # load the model and the live snapshot now, not on the first user's request
            await to_thread.run_sync(assistant.retriever)
        except RevierlotseError as exc:
            log.warning("starting without a usable index: %s", exc.message)
        except Exception:  # a damaged index must never stop the server: requests get a 503 instead
            log.exception("starting without a usable index")
        _index_pending_uploads(state)
        yield
        assistant.close()

    app = FastAPI(
        title="Revierlotse API",
        version="1.0",
        description=_DESCRIPTION,
        lifespan=lifespan,
        responses=_ERRORS,
        docs_url=None,  # served below from the swagger-ui-bundle wheel: nothing is fetched from a CDN
    )
    app.state.door = state
    app.openapi = lambda: _german_openapi(app)  # type: ignore[method-assign]
    install_handlers(app)
    install_access_log_filter()
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(RateLimitMiddleware, per_minute=settings.rate_limit_per_minute, burst=settings.rate_limit_burst)
    app.add_middleware(SecurityHeadersMiddleware)
    for router in (status.router, reading.router, admin.router, editing.router):
        app.include_router(router)
    _mount_pages(app)
    return app


def _german_openapi(app: FastAPI) -> dict:
    """The generated description with FastAPI's English response texts in German (built once)."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for response in operation.get("responses", {}).values():
                    text = response.get("description")
                    response["description"] = _RESPONSE_TEXTS.get(text, text)
        app.openapi_schema = schema
    return app.openapi_schema


def _index_pending_uploads(state: AppState) -> None:
    """Uploads a crash left pending are indexed in the background as soon as the server is up."""
    try:
        pending = [e for e in state.assistant.uploads.entries() if e.state == "pending"]
    except OSError as exc:
        log.warning("cannot read the upload journal: %s", exc)
        return
    if pending:
        log.warning("%d upload(s) were not indexed before the last stop; indexing them now", len(pending))
        state.jobs.start(
            "pending-uploads",
            lambda progress: state.assistant.uploads.index_pending(progress=progress, wait_s=PENDING_WAIT_S),
        )


def _mount_pages(app: FastAPI) -> None:
    """The staff page and the API description, both served from local files."""

    @app.get("/", include_in_schema=False)
    def staff_page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="Revierlotse API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon-32x32.png",
        )

    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")
