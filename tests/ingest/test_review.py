"""Which documents the review list names, and why (no index needed)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from assistant.config import Settings
from assistant.domain.documents import DocumentMetadata
from assistant.ingest.review import document_reviews, pending_checks
from assistant.storage.records import DocumentRecord
from assistant.storage.usage_log import UsageLog

TODAY = dt.date(2026, 12, 3)
SETTINGS = Settings(_env_file=None)


def _record(doc_id: str, **meta) -> DocumentRecord:
    base = {"title": doc_id, "type": "foerderprogramm", "status": "offen", "stand": dt.date(2026, 11, 1),
            "source_url": f"https://example.org/programme/{doc_id}"}
    return DocumentRecord(doc_id, f"/kb/corpus/{doc_id}.md", doc_id, DocumentMetadata(**(base | meta)), "h", "markdown")


def _kinds(records: list[DocumentRecord], state: dict | None = None) -> dict[str, list[str]]:
    return {d.doc_id: [r.kind for r in d.reasons] for d in document_reviews(records, SETTINGS, TODAY, state or {})}


def test_reasons_per_document() -> None:
    kinds = _kinds([
        _record("frisch"),
        _record("alt", stand=dt.date(2025, 11, 1)),
        _record("startseite", source_url="https://www.sab.sachsen.de/"),
        _record("endet", gueltig_bis=dt.date(2027, 1, 15)),
        _record("offen-vorbei", gueltig_bis=dt.date(2026, 6, 30)),
        _record("geschlossen-vorbei", status="geschlossen", gueltig_bis=dt.date(2026, 6, 30)),
        _record("ohne-status-vorbei", type="strategie", status=None, frist="bis 31.10.2026"),
        _record("erledigt", status="ausgelaufen", gueltig_bis=dt.date(2024, 12, 31)),
        _record("geschlossen", status="geschlossen"),
    ])
    assert kinds == {
        "alt": ["stand_alt"],
        "startseite": ["angaben"],
        "endet": ["laeuft_aus"],
        "offen-vorbei": ["angaben"],  # "status: offen, aber gueltig_bis ist vorbei"
        "geschlossen-vorbei": ["abgelaufen"],
        "ohne-status-vorbei": ["abgelaufen"],
    }


def test_review_age_and_soon_window_come_from_the_settings() -> None:
    strict = Settings(_env_file=None, review_after_months=1, ending_soon_days=10)
    docs = document_reviews([_record("a", gueltig_bis=dt.date(2027, 1, 15))], strict, TODAY, {})
    assert [r.kind for r in docs[0].reasons] == ["stand_alt"]  # 32 days old; ends in 43 days > 10


def test_a_changed_source_flags_every_document_citing_it(tmp_path: Path) -> None:
    sidecar = tmp_path / "quelle-x.meta.yaml"
    sidecar.write_text("source_url: https://example.org/programme/a\ninhalt_hash: sha256:alt\n", "utf-8")
    check = {"status": "geaendert", "sidecar": str(sidecar), "path": "/kb/corpus/quellen/quelle-x.html",
             "checked_at": "2026-12-02T08:00:00+00:00", "message": "Text geändert", "new_hash": "sha256:neu"}
    state = {"https://example.org/programme/a": check}
    kinds = _kinds([_record("a"), _record("b")], state)
    assert kinds == {"a": ["quelle_geaendert"]}
    # fetched again since (the sidecar holds the new hash), or applied: nothing pending any more
    sidecar.write_text("source_url: https://example.org/programme/a\ninhalt_hash: sha256:neu\n", "utf-8")
    assert pending_checks(state) == {}
    assert pending_checks({"u": check | {"applied": True}}) == {}
    sidecar.unlink()
    assert pending_checks({"u": check | {"status": "verschwunden"}}) == {}  # archived


def test_usage_log_collects_declined_and_unhelpful_questions(tmp_path: Path) -> None:
    log = UsageLog(tmp_path / "usage.sqlite")
    for text in ("Gibt es Geld für Dorfläden?", " gibt es geld für dorfläden? "):
        log.record_query(channel="bot", kind="ask", query=text, abstained=True, answer_id=None)
    log.record_query(channel="api", kind="ask", query="Wie hoch ist STARK?", abstained=False, answer_id="a1")
    log.record_query(channel="api", kind="search", query="STARK", abstained=None)
    log.record_feedback(answer_id="a1", helpful=False, comment="Quote fehlt", channel="api")
    log.record_feedback(answer_id="a1", helpful=False, comment="Quote fehlt", channel="bot")
    log.record_feedback(answer_id="a1", helpful=True, comment=None, channel="api")
    questions = {q.question.casefold(): q for q in log.questions_for_review(days=30)}
    log.close()
    assert questions["gibt es geld für dorfläden?"].declined == 2
    stark = questions["wie hoch ist stark?"]
    assert (stark.declined, stark.not_helpful, stark.comments) == (0, 2, ["Quote fehlt"])
    assert "stark" not in questions  # searches are not questions
