"""Every error leaves the API as ``{"code": ..., "message": <German>}`` with a fitting status."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from assistant.doors.validation_de import problem as _problem
from assistant.errors import RevierlotseError
from assistant.text.clean import scrub_surrogates

log = logging.getLogger(__name__)

_LOCATIONS = {"query": "Parameter", "body": "Feld", "path": "Pfadteil", "header": "Header", "form": "Feld"}


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict | None = None
) -> JSONResponse:
    """The error JSON; messages may quote user input, so lone surrogates are replaced (they cannot be sent)."""
    body: dict[str, Any] = {"code": code, "message": scrub_surrogates(message)}
    if details:
        body["details"] = json.loads(scrub_surrogates(json.dumps(details, ensure_ascii=False, default=str)))
    return JSONResponse(body, status_code=status, headers=headers)


def _field(loc: tuple | list) -> str:
    parts = [str(p) for p in loc]
    where = _LOCATIONS.get(parts[0], "") if parts else ""
    name = ".".join(parts[1:]) or "Anfrageinhalt"
    return f"{where} '{name}'".strip()


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(RevierlotseError)
    async def revierlotse_error(request: Request, exc: RevierlotseError) -> JSONResponse:
        if exc.http_status >= 500:
            log.warning("%s %s -> %s: %s", request.method, request.url.path, exc.code, exc.message)
        return error_response(
            exc.http_status, exc.code, exc.message, getattr(exc, "details", None), getattr(exc, "headers", None)
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field(e.get("loc", ())), "problem": _problem(e)} for e in exc.errors()]
        summary = "; ".join(f"{e['field']} {e['problem']}" for e in errors[:5])
        return error_response(
            422, "invalid_request", f"Die Anfrage ist ungültig: {summary}.", {"errors": errors}
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            return error_response(
                404,
                "not_found",
                f"Die Adresse '{request.url.path}' gibt es nicht. Die API ist unter /docs beschrieben.",
            )
        if exc.status_code == 405:
            return error_response(
                405,
                "method_not_allowed",
                f"{request.method} ist für '{request.url.path}' nicht erlaubt.",
                headers=exc.headers,
            )
        if exc.status_code == 400:
            return error_response(
                400, "invalid_request", f"Der Anfrageinhalt konnte nicht gelesen werden ({exc.detail})."
            )
        return error_response(exc.status_code, "http_error", str(exc.detail), headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(
            500,
            "internal_error",
            "Ein unerwarteter Fehler ist aufgetreten. Bitte später erneut versuchen; Details stehen im Server-Log.",
        )
