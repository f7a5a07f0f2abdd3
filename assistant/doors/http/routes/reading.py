"""Search, answers, project check, feedback and the document list: what every user may call."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from anyio import to_thread
from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from assistant.doors.http import schemas as s
from assistant.doors.http.deps import AppState, door
from assistant.ingest.uploads import is_inside
from assistant.search.listing import Sort

router = APIRouter()
Door = Annotated[AppState, Depends(door)]


# The payload is SearchResult.to_dict() as built (its shape is the documented SearchOut, checked by
# the schemathesis run); sending it as is skips a second validation pass that cost ~1 ms per search.
@router.get(
    "/api/search", tags=["Suche"], responses={200: {"model": s.SearchOut}},
    summary="Suchen",
    description="Hybride Suche (Bedeutung und Wortlaut); Treffer nach Dokument gruppiert, die passendsten Abschnitte "
    "zuerst. Gelistet werden Dokumente mit mindestens der Hälfte der Punktzahl des besten (mindestens fünf); "
    "`uncertain` heißt: unsichere Treffer, der Wissensbestand beantwortet die Anfrage wohl nicht.",
)
def search(
    d: Door,
    q: Annotated[str, Query(description="Frage oder Suchbegriffe.")] = "",
    k: Annotated[int, Query(ge=1, le=50, description="Dokumente pro Seite.")] = 10,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    doc_type: Annotated[list[str], Query(alias="type", description="Dokumenttyp (mehrfach möglich).")] = [],  # noqa: B006
    region: Annotated[list[str], Query()] = [],  # noqa: B006
    land: Annotated[list[str], Query()] = [],  # noqa: B006
    programm: Annotated[list[str], Query()] = [],  # noqa: B006
    stand_after: Annotated[dt.date | None, Query(description="Nur Dokumente mit Stand ab JJJJ-MM-TT.")] = None,
    mode: Annotated[Literal["hybrid", "dense", "lexical"], Query(description="Suchart: beides, nur Bedeutung, nur Wortlaut.")] = "hybrid",
    sort: Annotated[Sort, Query(description="Reihenfolge: relevance (Relevanz), stand (neuester Stand zuerst), title (Titel A–Z).")] = "relevance",
) -> JSONResponse:
    """Hybrid search, grouped by document."""
    filters = s.make_filters(doc_type, region, land, programm, stand_after)
    result = d.assistant.search(q, k=k, page=page, filters=filters, mode=mode, channel="api", sort=sort)
    return JSONResponse(result.to_dict() | {"page": page, "k": k})


@router.post(
    "/api/ask", tags=["Antworten"], responses={200: {"model": s.AnswerOut}},
    summary="Frage beantworten",
    description="Eine kurze Antwort mit nummerierten Quellen oder ein ehrliches „weiß ich nicht“ mit Ansprechpartnern. Dieselbe conversation_id verbindet Rückfragen.",
)
async def ask(body: s.AskIn, d: Door) -> JSONResponse:
    """A cited answer or an honest abstention."""
    filters = body.filters.to_filters() if body.filters else None
    # API conversations get their own namespace so a client cannot continue a bot user's chat.
    conversation = f"api:{body.conversation_id}" if body.conversation_id else None

    def answer_dict() -> dict:
        return d.assistant.ask(body.question, conversation, filters=filters, channel="api").to_dict()

    answer = await to_thread.run_sync(answer_dict, limiter=d.answers)
    if conversation and answer.get("conversation_id") == conversation:
        answer["conversation_id"] = body.conversation_id
    return JSONResponse(answer)


@router.post(
    "/api/project-check", tags=["Antworten"], responses={200: {"model": s.ProjectCheckOut}},
    summary="Projekt-Check",
    description="Förderprogramme, Strategiefelder und Ansprechpartner, die zu einem beschriebenen Vorhaben passen.",
)
def project_check(body: s.ProjectCheckIn, d: Door) -> JSONResponse:
    """Programmes, strategies and contacts for a project description."""
    return JSONResponse(d.assistant.check_project(body.description, body.region, channel="api").to_dict())


@router.post(
    "/api/feedback", response_model=s.FeedbackOut, response_model_exclude_none=True, tags=["Antworten"],
    summary="Rückmeldung zu einer Antwort",
    description="War eine Antwort hilfreich? Fließt in die Nutzungsstatistik ein. Nur zu einer `answer_id`, die "
    "`POST /api/ask` geliefert hat (sonst 404 `answer_not_found`).",
    responses={404: {"model": s.ErrorOut}},
)
def feedback(body: s.FeedbackIn, d: Door) -> s.FeedbackOut:
    """Feedback on an answer."""
    if d.assistant.feedback(body.answer_id, body.helpful, body.comment, channel="api"):
        return s.FeedbackOut()
    return s.FeedbackOut(
        status="not_recorded",
        message="Danke! Die Rückmeldung konnte gerade nicht gespeichert werden (Nutzungsprotokoll nicht verfügbar).",
    )


@router.get(
    "/api/documents", response_model=s.DocumentListOut, tags=["Dokumente"],
    summary="Dokumente auflisten",
    description="Alle indexierten Dokumente mit ihren Metadaten, nach Titel sortiert.",
)
def list_documents(
    d: Door,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
    doc_type: Annotated[list[str], Query(alias="type")] = [],  # noqa: B006
) -> s.DocumentListOut:
    """The document list."""
    records = sorted(d.assistant.documents(), key=lambda r: (r.title.casefold(), r.doc_id))
    if doc_type:
        wanted = {t.casefold() for t in doc_type}
        records = [r for r in records if r.doc_type.casefold() in wanted]
    chosen = records[(page - 1) * per_page : page * per_page]
    uploads = d.settings.upload_dir
    return s.DocumentListOut(
        total=len(records), page=page, per_page=per_page,
        documents=[s.DocumentOut.of(r, is_inside(r.source_path, uploads)) for r in chosen],
    )


@router.get(
    "/api/documents/{doc_id}", response_model=s.DocumentDetailOut, tags=["Dokumente"],
    summary="Dokument anzeigen",
    description="Ein Dokument mit Metadaten und allen Abschnitten in Reihenfolge.",
)
def get_document(doc_id: str, d: Door) -> s.DocumentDetailOut:
    """One document with all its passages."""
    record, chunks = d.assistant.document(doc_id)
    return s.DocumentDetailOut(
        document=s.DocumentOut.of(record, is_inside(record.source_path, d.settings.upload_dir)),
        metadata=record.metadata.model_dump(mode="json"),
        chunks=[s.ChunkOut.of(c) for c in chunks],
    )
