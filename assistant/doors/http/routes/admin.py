"""Admin routes (bearer token): upload (at once or as a job with progress), delete, re-index, usage statistics."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.doors.http import admin_schemas as a
from assistant.doors.http.deps import AppState, admin, door
from assistant.doors.http.uploads import (
    MAX_FILES_PER_REQUEST,
    UPLOAD_OPENAPI,
    limited_receive,
    request_too_large,
)
from assistant.errors import TooManyFiles, UploadError
from assistant.ingest.indexer import Progress
from assistant.ingest.uploads import (
    IncomingFile,
    check_size,
    check_suffix,
    parse_metadata,
    safe_filename,
)
from assistant.service import UploadResult

router = APIRouter(dependencies=[Depends(admin)], tags=["Verwaltung"])
Door = Annotated[AppState, Depends(door)]


@router.post(
    "/api/documents", response_model=a.UploadOut, status_code=201, openapi_extra=UPLOAD_OPENAPI,
    responses={202: {"model": a.JobOut, "description": "Mit `background=true`: der Auftrag, dessen Fortschritt "
                     "`GET /api/jobs/{job_id}` liefert."}},
    summary="Dateien hochladen",
    description="Dateien (Formularfeld `files`, mehrfach) mit optionalen Metadaten hochladen und indexieren. Alles oder "
    "nichts: scheitert die Indexierung, wird nichts gespeichert. Mit `background=true` antwortet die Route sofort mit "
    "202 und einem Auftrag; sein Fortschritt (Dateien gelesen, Abschnitte eingebettet) und am Ende das Ergebnis je "
    "Datei kommen von `GET /api/jobs/{job_id}`.",
)
async def upload_documents(
    request: Request,
    d: Door,
    background: Annotated[bool, Query(description="Im Hintergrund indexieren und sofort einen Auftrag zurückgeben.")] = False,
) -> a.UploadOut | JSONResponse:
    """Upload and index files (all or nothing)."""
    max_file = int(d.settings.max_upload_mb * 1024 * 1024)
    limit = max_file * MAX_FILES_PER_REQUEST + 1024 * 1024
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise request_too_large(limit)
    try:
        form = await Request(request.scope, limited_receive(request.receive, limit)).form(
            max_files=MAX_FILES_PER_REQUEST, max_fields=100
        )
    except StarletteHTTPException as exc:  # malformed multipart or too many parts: our 413/422, documented
        if "too many files" in str(exc.detail).lower():
            raise TooManyFiles(
                f"Es wurden mehr als {MAX_FILES_PER_REQUEST} Dateien in einer Anfrage gesendet; erlaubt sind "
                f"höchstens {MAX_FILES_PER_REQUEST}. Es wurde nichts gespeichert. Bitte auf mehrere Anfragen verteilen."
            ) from exc
        raise UploadError(
            f"Das Formular konnte nicht gelesen werden ({exc.detail}). Höchstens {MAX_FILES_PER_REQUEST} "
            "Dateien pro Anfrage im Feld 'files' senden."
        ) from exc
    try:
        uploads = [v for key in ("files", "file") for v in form.getlist(key) if isinstance(v, UploadFile)]
        if not uploads:
            raise UploadError("Es wurde keine Datei empfangen. Bitte Dateien im Formularfeld 'files' senden.")
        text_fields = {key: [v for v in form.getlist(key) if isinstance(v, str)] for key in form.keys()}
        metadata = parse_metadata((text_fields.get("metadata") or [None])[-1], text_fields)
        incoming = []
        for upload in uploads:
            name = safe_filename(upload.filename)
            check_suffix(name, upload.filename)
            check_size(upload.size or 0, upload.filename or name, max_file)
            incoming.append(IncomingFile(name, upload.filename, upload.file))
        if background:
            return await _upload_in_background(d, incoming, metadata)
        result = await to_thread.run_sync(d.assistant.upload, incoming, metadata, limiter=d.writes)
    finally:
        await form.close()
    report = result.report
    files = [a.FileOutcomeOut(**f.to_dict()) for f in result.files]
    return a.UploadOut(files=files, generation=report.generation, documents=report.documents, chunks=report.chunks)


async def _upload_in_background(d: AppState, incoming: list[IncomingFile], metadata: dict | None) -> JSONResponse:
    """Copy the request's files (they close with the request) and index them in a job the page polls."""
    copies = await to_thread.run_sync(_spool, incoming)

    def work(progress: Progress) -> UploadResult:
        try:
            return d.assistant.upload(copies, metadata, progress=progress)
        finally:
            for f in copies:
                f.data.close()

    try:
        job = d.jobs.start("upload", work)
    except BaseException:
        for f in copies:
            f.data.close()
        raise
    return JSONResponse(
        a.JobOut.of(job).model_dump(mode="json"), status_code=202, headers={"Location": f"/api/jobs/{job.job_id}"}
    )


def _spool(incoming: list[IncomingFile]) -> list[IncomingFile]:
    copies = []
    for f in incoming:
        copy = tempfile.TemporaryFile()
        f.data.seek(0)
        shutil.copyfileobj(f.data, copy)
        copy.seek(0)
        copies.append(IncomingFile(f.name, f.original_name, copy))
    return copies


@router.delete(
    "/api/documents/{doc_id}", response_model=a.DeleteOut,
    summary="Dokument entfernen",
    description="Ein Dokument aus dem Index entfernen; eine hochgeladene Datei wird mitgelöscht.",
)
async def delete_document(doc_id: str, d: Door) -> a.DeleteOut:
    """Remove a document (and its uploaded file)."""
    result = await to_thread.run_sync(d.assistant.delete_document, doc_id, limiter=d.writes)
    return a.DeleteOut(**asdict(result))


@router.post(
    "/api/reindex", response_model=a.JobOut, status_code=202,
    summary="Neu einlesen",
    description="Den Wissensbestand im Hintergrund neu einlesen; den Fortschritt liefert `GET /api/jobs/{job_id}`. Suchen funktionieren währenddessen weiter.",
)
def reindex(d: Door) -> JSONResponse:
    """Re-read the corpus in the background."""
    job = d.jobs.start("reindex", lambda progress: d.assistant.reindex(progress=progress))
    return JSONResponse(
        a.JobOut.of(job).model_dump(mode="json"), status_code=202, headers={"Location": f"/api/jobs/{job.job_id}"}
    )


@router.get(
    "/api/jobs/{job_id}", response_model=a.JobOut,
    summary="Fortschritt eines Auftrags",
    description="Zustand, erledigte Dateien und Abschnitte und der Abschlussbericht eines Hintergrundauftrags.",
)
def job_status(job_id: str, d: Door) -> a.JobOut:
    """Progress of a background job."""
    return a.JobOut.of(d.jobs.get(job_id))


@router.get(
    "/api/stats", response_model=a.UsageStatsOut,
    summary="Nutzungsstatistik",
    description="Anfragen pro Tag, Enthaltungsquote, häufigste unbeantwortete Fragen und Rückmeldungen.",
)
def usage(d: Door, days: Annotated[int, Query(ge=1, le=365)] = 30) -> a.UsageStatsOut:
    """Usage statistics."""
    return a.UsageStatsOut(days=days, **asdict(d.assistant.usage_stats(days=days)))


@router.get(
    "/api/uploads", response_model=a.UploadsOut,
    summary="Ausstehende und fehlgeschlagene Uploads",
    description="Hochgeladene Dateien, die (noch) nicht im Index sind: `pending` wird beim nächsten Start oder "
    "Indexlauf aufgenommen, `failed` mit Grund (z. B. Absturz beim Lesen, Zeitbudget überschritten) und wird "
    "nicht erneut versucht.",
)
def uploads(d: Door) -> a.UploadsOut:
    """Pending and failed uploads."""
    return a.UploadsOut(uploads=[a.UploadEntryOut(**e.to_dict()) for e in d.assistant.uploads.entries()])


@router.delete(
    "/api/uploads/{name}", response_model=a.DiscardOut,
    summary="Upload verwerfen",
    description="Einen ausstehenden oder fehlgeschlagenen Upload samt Datei löschen.",
)
async def discard_upload(name: str, d: Door) -> a.DiscardOut:
    """Discard a pending or failed upload."""
    entry = await to_thread.run_sync(d.assistant.uploads.discard, name, limiter=d.writes)
    return a.DiscardOut(file=entry.file)
