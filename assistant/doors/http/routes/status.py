"""Health and facets: is the index usable, and which filter values exist."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from assistant.doors.http import schemas as s
from assistant.doors.http.deps import AppState, door
from assistant.domain.regions import LANDS, REVIERE
from assistant.errors import RevierlotseError

router = APIRouter()


@router.get(
    "/health", response_model=s.HealthOut, response_model_exclude_none=True, tags=["Status"],
    responses={503: {"model": s.HealthOut}},
    summary="Zustand des Index",
    description="Indexstand, Anzahl der Dokumente und Abschnitte, Embedding-Modell und ob ein Sprachmodell eingerichtet ist; 503 ohne nutzbaren Index.",
)
def health(d: Annotated[AppState, Depends(door)]) -> s.HealthOut | JSONResponse:
    """Status of the index and the models."""
    try:
        st = d.assistant.stats()
    except RevierlotseError as exc:
        out = s.HealthOut(
            status="unavailable", embedder=d.settings.embedder, llm_configured=d.llm_configured,
            code=exc.code, message=exc.message,
        )
        return JSONResponse(out.model_dump(exclude_none=True), status_code=503)
    degraded = {}
    if st.fallback_from:
        degraded = {
            "status": "degraded", "code": "serving_fallback",
            "message": f"Der Index-Stand {st.fallback_from} ist beschädigt; es wird der ältere Stand "
            f"{st.generation} verwendet. Bitte mit 'revierlotse index' einen neuen Stand erzeugen.",
        }
    return s.HealthOut(
        **{"status": "ok", **degraded}, generation=st.generation, created_at=st.created_at, documents=st.documents,
        chunks=st.chunks, embedder=st.embedder, llm_configured=d.llm_configured,
    )


@router.get(
    "/api/facets", response_model=s.FacetsOut, tags=["Suche"],
    summary="Filterwerte",
    description="Die Filterwerte (Typ, Region, Land, Programm), die im Wissensbestand vorkommen, für Filtermenüs.",
)
def facets(d: Annotated[AppState, Depends(door)]) -> s.FacetsOut:
    """Filter values for menus."""
    return s.FacetsOut(**d.assistant.stats().facets, check_regions=[*REVIERE, *LANDS])
