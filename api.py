"""HTTP door: JSON API + the staff search page, all translated onto :class:`assistant.service.Assistant`.

Run it with ``revierlotse serve`` (uvicorn, factory ``api:create_app``).  Every
route only converts HTTP ↔ service calls; errors leave as
``{"code": ..., "message": <German>}`` (see ``assistant/web/handlers.py``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Literal

from anyio import CapacityLimiter, to_thread
from fastapi import Depends, FastAPI, Query, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from swagger_ui_bundle import swagger_ui_path

from assistant.config import Settings
from assistant.doors.cli.index_cmds import search_payload
from assistant.doors.http import schemas as s
from assistant.doors.http.handlers import install_handlers
from assistant.doors.http.jobs import JobRunner
from assistant.doors.http.security import (
    RateLimitMiddleware,
    SecurityHeadersMiddleware,
    check_admin,
)
from assistant.doors.http.uploads import (
    MAX_FILES_PER_REQUEST,
    UPLOAD_OPENAPI,
    check_size,
    check_suffix,
    is_inside,
    limited_receive,
    parse_metadata,
    request_too_large,
    safe_filename,
    store_files,
)
from assistant.errors import RevierlotseError, UploadError, UploadFailed
from assistant.ingest.metadata import sidecar_path
from assistant.service import Assistant

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "assistant" / "doors" / "http" / "static"
_ERRORS = {status: {"model": s.ErrorOut} for status in (401, 403, 404, 409, 413, 415, 422, 429, 503)}


def create_app(settings: Settings | None = None, assistant: Assistant | None = None) -> FastAPI:
    """Build the app; tests pass their own settings/assistant, ``revierlotse serve`` passes none."""
    settings = settings or (assistant.settings if assistant else Settings())
    assistant = assistant or Assistant(settings)
    jobs = JobRunner()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        to_thread.current_default_thread_limiter().total_tokens = settings.request_threads
        try:  # load the model and the live snapshot now, not on the first user's request
            await to_thread.run_sync(assistant.retriever)
        except RevierlotseError as exc:
            log.warning("starting without a usable index: %s", exc.message)
        yield
        assistant.close()

    app = FastAPI(
        title="Revierlotse API",
        version="1.0",
        description="Suche, zitierte Antworten und Projekt-Check zu Förderung und Strukturwandel in den "
        "Kohleregionen. Fehler kommen als JSON `{code, message}`; Verwaltungsrouten brauchen "
        "`Authorization: Bearer <REVIERLOTSE_ADMIN_TOKEN>`.",
        lifespan=lifespan,
        responses=_ERRORS,
        docs_url=None,  # served below from the swagger-ui-bundle wheel: nothing is fetched from a CDN
    )
    app.state.assistant, app.state.jobs, app.state.settings = assistant, jobs, settings
    install_handlers(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(RateLimitMiddleware, per_minute=settings.rate_limit_per_minute, burst=settings.rate_limit_burst)
    app.add_middleware(SecurityHeadersMiddleware)

    def admin(request: Request) -> None:
        check_admin(settings, request)

    Admin = [Depends(admin)]
    llm_configured = bool(settings.llm_base_url)
    # Requests run in a small thread pool (``request_threads``, set in the lifespan): searches are
    # mostly GIL-bound Python, and Starlette's default of 40 threads fighting for the GIL served a
    # third fewer searches than 2 (bench/load.py).  Work that mostly waits — indexing an upload or
    # a deletion, and answers from an LLM server — has limiters of its own, so it cannot hold
    # every search thread for minutes.
    writes = CapacityLimiter(2)
    answers = CapacityLimiter(max(16, settings.request_threads) if llm_configured else settings.request_threads)

    # --- status ------------------------------------------------------------------

    @app.get(
        "/health", response_model=s.HealthOut, response_model_exclude_none=True, tags=["Status"],
        responses={503: {"model": s.HealthOut}},
    )
    def health() -> s.HealthOut | JSONResponse:
        """Index generation, counts, embedder, LLM configured or not; 503 without a usable index."""
        try:
            st = assistant.stats()
        except RevierlotseError as exc:
            out = s.HealthOut(
                status="unavailable", embedder=settings.embedder, llm_configured=llm_configured,
                code=exc.code, message=exc.message,
            )
            return JSONResponse(out.model_dump(exclude_none=True), status_code=503)
        return s.HealthOut(
            status="ok", generation=st.generation, created_at=st.created_at, documents=st.documents,
            chunks=st.chunks, embedder=st.embedder, llm_configured=llm_configured,
        )

    @app.get("/api/facets", response_model=s.FacetsOut, tags=["Suche"])
    def facets() -> s.FacetsOut:
        """The filter values that occur in the knowledge base (for filter menus)."""
        return s.FacetsOut(**assistant.stats().facets)

    # --- reading -----------------------------------------------------------------

    # The payload is built as plain JSON types by search_payload (its shape is the documented
    # SearchOut, checked by the schemathesis run); sending it as is skips a second validation
    # pass that cost ~1 ms per search.
    @app.get("/api/search", tags=["Suche"], responses={200: {"model": s.SearchOut}})
    def search(
        q: Annotated[str, Query(description="Frage oder Suchbegriffe.")] = "",
        k: Annotated[int, Query(ge=1, le=50, description="Dokumente pro Seite.")] = 10,
        page: Annotated[int, Query(ge=1, le=1000)] = 1,
        doc_type: Annotated[list[str], Query(alias="type", description="Dokumenttyp (mehrfach möglich).")] = [],  # noqa: B006
        region: Annotated[list[str], Query()] = [],  # noqa: B006
        land: Annotated[list[str], Query()] = [],  # noqa: B006
        programm: Annotated[list[str], Query()] = [],  # noqa: B006
        stand_after: Annotated[dt.date | None, Query(description="Nur Dokumente mit Stand ab JJJJ-MM-TT.")] = None,
        mode: Literal["hybrid", "dense", "lexical"] = "hybrid",
    ) -> JSONResponse:
        """Hybrid search; results grouped by document, best passages first."""
        filters = s.make_filters(doc_type, region, land, programm, stand_after)
        result = assistant.search(q, k=k, page=page, filters=filters, mode=mode, channel="api")
        return JSONResponse(search_payload(result) | {"page": page, "k": k, "query_terms": result.query_terms})

    @app.post("/api/ask", tags=["Antworten"], responses={200: {"model": s.AnswerOut}})
    async def ask(body: s.AskIn) -> JSONResponse:
        """A cited answer (or an honest "weiß ich nicht"); same conversation_id for follow-ups."""
        filters = body.filters.to_filters() if body.filters else None
        # API conversations get their own namespace so a client cannot continue a bot user's chat.
        conversation = f"api:{body.conversation_id}" if body.conversation_id else None

        def answer_dict() -> dict:
            return assistant.ask(body.question, conversation, filters=filters, channel="api").to_dict()

        answer = await to_thread.run_sync(answer_dict, limiter=answers)
        if conversation and answer.get("conversation_id") == conversation:
            answer["conversation_id"] = body.conversation_id
        return JSONResponse(answer)

    @app.post("/api/project-check", tags=["Antworten"], responses={200: {"model": s.ProjectCheckOut}})
    def project_check(body: s.ProjectCheckIn) -> JSONResponse:
        """Funding programmes, strategy fields and contacts that fit a described project."""
        return JSONResponse(assistant.check_project(body.description, body.region, channel="api").to_dict())

    @app.post("/api/feedback", response_model=s.FeedbackOut, tags=["Antworten"])
    def feedback(body: s.FeedbackIn) -> s.FeedbackOut:
        """Was an answer helpful? Feeds the usage statistics."""
        assistant.feedback(body.answer_id, body.helpful, body.comment, channel="api")
        return s.FeedbackOut()

    @app.get("/api/documents", response_model=s.DocumentListOut, tags=["Dokumente"])
    def list_documents(
        page: Annotated[int, Query(ge=1)] = 1,
        per_page: Annotated[int, Query(ge=1, le=200)] = 50,
        doc_type: Annotated[list[str], Query(alias="type")] = [],  # noqa: B006
    ) -> s.DocumentListOut:
        """All indexed documents with their metadata, sorted by title."""
        records = sorted(assistant.documents(), key=lambda r: (r.title.casefold(), r.doc_id))
        if doc_type:
            wanted = {t.casefold() for t in doc_type}
            records = [r for r in records if r.doc_type.casefold() in wanted]
        chosen = records[(page - 1) * per_page : page * per_page]
        return s.DocumentListOut(
            total=len(records), page=page, per_page=per_page,
            documents=[s.DocumentOut.of(r, is_inside(r.source_path, settings.upload_dir)) for r in chosen],
        )

    @app.get("/api/documents/{doc_id}", response_model=s.DocumentDetailOut, tags=["Dokumente"])
    def get_document(doc_id: str) -> s.DocumentDetailOut:
        """One document: metadata and all its passages in order."""
        record, chunks = assistant.document(doc_id)
        return s.DocumentDetailOut(
            document=s.DocumentOut.of(record, is_inside(record.source_path, settings.upload_dir)),
            metadata=record.metadata.model_dump(mode="json"),
            chunks=[s.ChunkOut.of(c) for c in chunks],
        )

    # --- writing (admin) --------------------------------------------------------------

    @app.post(
        "/api/documents", response_model=s.UploadOut, status_code=201, tags=["Verwaltung"],
        dependencies=Admin, openapi_extra=UPLOAD_OPENAPI,
    )
    async def upload_documents(request: Request) -> s.UploadOut:
        """Upload files (multipart field `files`, repeatable) with optional metadata, then index them."""
        max_file = int(settings.max_upload_mb * 1024 * 1024)
        limit = max_file * MAX_FILES_PER_REQUEST + 1024 * 1024
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            raise request_too_large(limit)
        try:
            form = await Request(request.scope, limited_receive(request.receive, limit)).form(
                max_files=MAX_FILES_PER_REQUEST, max_fields=100
            )
        except StarletteHTTPException as exc:  # malformed multipart or too many parts: our 422, documented
            raise UploadError(
                f"Das Formular konnte nicht gelesen werden ({exc.detail}). Höchstens {MAX_FILES_PER_REQUEST} "
                "Dateien pro Anfrage im Feld 'files' senden."
            ) from exc
        try:
            uploads = [v for key in ("files", "file") for v in form.getlist(key) if isinstance(v, UploadFile)]
            if not uploads:
                raise UploadError("Es wurde keine Datei empfangen. Bitte Dateien im Formularfeld 'files' senden.")
            text_fields = {key: [v for v in form.getlist(key) if isinstance(v, str)] for key in form.keys()}
            metadata_json = (text_fields.get("metadata") or [None])[-1]
            metadata = parse_metadata(metadata_json, text_fields)
            prepared = []
            for upload in uploads:
                name = safe_filename(upload.filename)
                check_suffix(name, upload.filename)
                check_size(upload.size or 0, upload.filename or name, max_file)
                prepared.append((name, upload.filename, upload.file))
            stored = await to_thread.run_sync(store_files, settings.upload_dir, prepared, metadata, limiter=writes)
        finally:
            await form.close()
        try:
            report = await to_thread.run_sync(assistant.index, [f.path for f in stored], limiter=writes)
        except BaseException:
            for f in stored:  # keep the request all-or-nothing (e.g. 409 while a re-index runs)
                f.delete()
            raise
        by_path = {o.path: o for o in report.outcomes}
        files = [s.FileOutcomeOut.of_upload(f.path.name, f.original_name, by_path.get(str(f.path))) for f in stored]
        for f, outcome in zip(stored, files, strict=True):
            if outcome.status == "failed":
                f.delete()  # it never entered the index and would fail again on every re-index
        if all(f.status == "failed" for f in files):
            raise UploadFailed(
                "Keine der Dateien konnte gelesen werden; es wurde nichts gespeichert. Gründe stehen je Datei "
                "unter details.files.",
                [f.model_dump() for f in files],
            )
        return s.UploadOut(files=files, generation=report.generation, documents=report.documents, chunks=report.chunks)

    @app.delete("/api/documents/{doc_id}", response_model=s.DeleteOut, tags=["Verwaltung"], dependencies=Admin)
    async def delete_document(doc_id: str) -> s.DeleteOut:
        """Remove a document from the index; its file is deleted too if it was uploaded."""
        return await to_thread.run_sync(remove_document, doc_id, limiter=writes)

    def remove_document(doc_id: str) -> s.DeleteOut:
        record, _ = assistant.document(doc_id)
        report = assistant.remove([doc_id])
        if is_inside(record.source_path, settings.upload_dir):
            Path(record.source_path).unlink(missing_ok=True)
            sidecar_path(Path(record.source_path)).unlink(missing_ok=True)
            return s.DeleteOut(doc_id=doc_id, generation=report.generation, file_deleted=True)
        return s.DeleteOut(
            doc_id=doc_id, generation=report.generation, file_deleted=False,
            notice=f"Die Datei {record.source_path} liegt nicht im Upload-Ordner und wurde nicht gelöscht. "
            "Beim nächsten Neuaufbau wird sie wieder aufgenommen, wenn sie nicht aus dem Korpus entfernt wird.",
        )

    @app.post("/api/reindex", response_model=s.JobOut, status_code=202, tags=["Verwaltung"], dependencies=Admin)
    def reindex() -> JSONResponse:
        """Re-read the corpus in the background; poll `GET /api/jobs/{job_id}`. Searches keep working."""
        job = jobs.start("reindex", lambda progress: assistant.reindex(progress=progress))
        return JSONResponse(
            s.JobOut.of(job).model_dump(mode="json"), status_code=202, headers={"Location": f"/api/jobs/{job.job_id}"}
        )

    @app.get("/api/jobs/{job_id}", response_model=s.JobOut, tags=["Verwaltung"], dependencies=Admin)
    def job_status(job_id: str) -> s.JobOut:
        """Progress of a background job: state, files and chunks done/total, final report."""
        return s.JobOut.of(jobs.get(job_id))

    @app.get("/api/stats", response_model=s.UsageStatsOut, tags=["Verwaltung"], dependencies=Admin)
    def usage(days: Annotated[int, Query(ge=1, le=365)] = 30) -> s.UsageStatsOut:
        """Queries per day, abstention rate, most frequent unanswered questions, feedback."""
        return s.UsageStatsOut(days=days, **asdict(assistant.usage_stats(days=days)))

    # --- staff page --------------------------------------------------------------------

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
    return app
