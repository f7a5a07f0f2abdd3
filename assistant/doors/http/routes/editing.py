"""Editor routes (bearer token): the review list, fetching official sources, rechecking them."""

from __future__ import annotations

from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from assistant.doors.http import schemas as s
from assistant.doors.http import schemas_editing as e
from assistant.doors.http.deps import AppState, admin, door

router = APIRouter(dependencies=[Depends(admin)], tags=["Redaktion"])
Door = Annotated[AppState, Depends(door)]
_FETCH_ERRORS = {code: {"model": s.ErrorOut} for code in (413, 415, 422, 502, 504)}


@router.get(
    "/api/review", responses={200: {"model": e.ReviewOut}},
    summary="Prüfliste für die Redaktion",
    description="Dokumente mit altem Stand, unvollständigen Angaben, abgelaufener oder bald endender Gültigkeit "
    "oder geänderter Quelle, und Fragen ohne gute Antwort, nach Thema gruppiert.",
)
def review(
    d: Door, days: Annotated[int, Query(ge=1, le=3650, description="Fragen der letzten N Tage.")] = 90
) -> JSONResponse:
    """The review list."""
    return JSONResponse(d.assistant.review(days=days).to_dict())


@router.get(
    "/api/sources", response_model=list[e.SourceInfoOut],
    summary="Abgerufene Quellen",
    description="Alle per URL abgerufenen amtlichen Quellen mit Abrufdatum und letztem Prüfergebnis.",
)
def sources(d: Door) -> list[e.SourceInfoOut]:
    """Fetched official sources."""
    return [e.SourceInfoOut(**item) for item in d.assistant.sources()]


@router.post(
    "/api/sources", status_code=201, responses={201: {"model": e.FetchOut}, **_FETCH_ERRORS},
    summary="Amtliche Quelle abrufen",
    description="Eine HTML-Seite oder ein PDF herunterladen, den Haupttext prüfen, unter `corpus/quellen/` mit "
    "Begleitdatei ablegen und indexieren. Eine schon abgerufene Adresse wird aktualisiert.",
)
async def fetch_source(body: e.FetchIn, d: Door) -> JSONResponse:
    """Fetch and index an official source."""
    result = await to_thread.run_sync(d.assistant.fetch_source, body.url, body.metadata(), limiter=d.writes)
    return JSONResponse(result.to_dict(), status_code=201)


@router.post(
    "/api/sources/recheck", responses={200: {"model": e.RecheckOut}},
    summary="Quellen neu prüfen",
    description="Alle abgerufenen Quellen neu laden und melden, welche sich geändert haben, verschwunden sind "
    "(404/410) oder nicht abrufbar waren. Ohne `apply=true` bleiben Korpus und Index unverändert.",
)
async def recheck(d: Door, apply: Annotated[bool, Query(description="Änderungen übernehmen.")] = False) -> JSONResponse:
    """Recheck every fetched source."""
    report = await to_thread.run_sync(lambda: d.assistant.recheck_sources(apply=apply), limiter=d.writes)
    return JSONResponse(report.to_dict())
