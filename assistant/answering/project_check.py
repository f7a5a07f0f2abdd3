"""Project check: which programmes, strategy fields and contacts fit a described project.

A sponsor pastes 3–15 sentences.  One embedding of the whole text blurs a
description that mixes topics ("Wasserstoff-Tankstelle" and "Weiterbildung"),
while single sentences miss the overall purpose, so we search with both: the
whole description (cut at a sentence boundary to ``max_query_chars``) and each
sentence, and merge per document as ``MIX_WHOLE * whole + (1 - MIX_WHOLE) *
mean of the document's two best sentence scores``.

Measured on the 19 "project" questions of tests/eval/questions.jsonl (25 type lists
with a relevant document; found = a relevant document in the list, first = ranked first):

    signal/merge   whole   mix    max    (mean was worst for both signals)
    fused          19/14   19/16  15/11
    dense          17/11   16/11  16/9

"fused" is the retriever's per-query score (min-max scaled, dense + BM25), "dense"
the raw cosine of the document's best passage.  So the default is fused + mix.
(On the tiny test fixture dense ranked one strategy better; the shipped corpus decides.)

Who may apply and where (session 3, ``bench/project_check_quality.py``, later retrieval):
programmes whose ``zielgruppe`` admits none of the sponsor types the description
names ("gemeinnütziger Verein" and a founders' grant; ``eligibility.py``) score
× ``ELIGIBILITY_PENALTY`` and carry a note; programmes and contacts of Länder other
than the one the description is in ("Verein in Weißwasser" → Sachsen) × the region
penalty, as an explicit region does — strategies elsewhere may still be a model.
found / first 23/16 → 23/17 (eligibility; 9, 4 and 0 of 95 listed programmes for other
target groups at 0.9, 0.8 and 0.7) → 25/17 (places; with strategies too: 24/16).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

from assistant.answering.contacts import Searcher
from assistant.answering.freshness import ENDING_SOON_DAYS, document_notices
from assistant.answering.models import Evidence, Match, ProjectCheck
from assistant.answering.selection import SentenceSelector, candidates
from assistant.domain import vocabulary
from assistant.domain.doctypes import DocType
from assistant.domain.eligibility import eligibility_note, eligible, sponsor_groups
from assistant.domain.places import locate
from assistant.domain.provenance import Availability, availability, german_date
from assistant.domain.regions import Location
from assistant.errors import EmptyQuery
from assistant.search.result import DocumentHit
from assistant.storage.records import DocumentRecord
from assistant.text.sentences import split_sentences
from assistant.text.statements import (
    PROJECT_EVIDENCE_CHARS,
    clean_sentence,
    short_title,
)

Merge = Literal["whole", "max", "mean", "mix"]
Signal = Literal["dense", "fused"]
MIX_WHOLE = 0.5
MAX_SENTENCES = 20
MIN_SENTENCE_CHARS = 15
LIMITS = {DocType.FOERDERPROGRAMM: 5, DocType.STRATEGIE: 3, DocType.AKTEUR: 3}
CLOSED_LIMIT = 3  # fitting programmes without applications now, listed apart so nobody plans on them
MIN_RELATIVE = 0.5  # fused: a match must reach half the best score of its kind
MAX_GAP = 0.06  # dense: within this cosine of the best one (e5 cosines sit in 0.75–0.9)
# A programme whose target groups admit none of the sponsor types named (a Verein and a founders'
# grant): demoted, and listed with a note if it still ranks (bench/project_check_quality.py).
ELIGIBILITY_PENALTY = 0.7
# A sentence saying who or what is *not* funded is no reason why a programme fits (data/project_check.yaml).
_EXCLUSION = re.compile(
    rf"\b(?:{'|'.join(vocabulary.words('project_check.yaml', 'exclusion_patterns'))})\b", re.IGNORECASE
)
_HISTORICAL = re.compile(
    rf"\b(?:{'|'.join(vocabulary.words('project_check.yaml', 'historical_patterns'))})\b", re.IGNORECASE
)


@dataclass
class _DocScores:
    record: DocumentRecord
    whole: float = 0.0
    by_sentence: dict[int, float] = field(default_factory=dict)
    hits: dict[int, DocumentHit] = field(default_factory=dict)  # query index → hit (with passages)

    def merged(self, merge: Merge) -> float:
        sents = sorted(self.by_sentence.values(), reverse=True)
        if merge == "whole" or not sents:
            return self.whole
        if merge == "max":
            return sents[0]
        if merge == "mean":
            return sum(sents) / len(sents)
        top = sents[:2] + [0.0] * (2 - len(sents[:2]))
        return MIX_WHOLE * self.whole + (1 - MIX_WHOLE) * sum(top) / 2


def description_sentences(description: str) -> list[str]:
    """Cleaned sentences of the description long enough to carry meaning."""
    out = []
    for raw in split_sentences(description):
        text = clean_sentence(raw) or raw.strip()
        if len(text) >= MIN_SENTENCE_CHARS:
            out.append(text)
    return out[:MAX_SENTENCES]


def truncate(description: str, max_chars: int) -> str:
    """The description cut to ``max_chars`` at a sentence (else word) boundary."""
    text = " ".join(description.split())
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
    if end > max_chars // 2:
        return cut[: end + 1]
    return cut.rsplit(" ", 1)[0]


class ProjectChecker:
    def __init__(self, searcher: Searcher, selector: SentenceSelector, *, max_query_chars: int) -> None:
        self.searcher = searcher
        self.selector = selector
        self.max_query_chars = max_query_chars

    def check(
        self,
        description: str,
        region: str | None = None,
        *,
        merge: Merge = "mix",
        signal: Signal = "fused",
        today: dt.date | None = None,
        stale_after_months: int = 18,
        soon_days: int = ENDING_SOON_DAYS,
    ) -> ProjectCheck:
        if not description or not description.strip():
            raise EmptyQuery("Die Projektbeschreibung ist leer. Bitte das Vorhaben in einigen Sätzen beschreiben.")
        whole = truncate(description, self.max_query_chars)
        sentences = description_sentences(description)
        queries = [whole] + (sentences if len(sentences) > 1 else [])
        scores: dict[str, _DocScores] = {}
        # "Verein in Weißwasser": Saxon programmes, not Sachsen-Anhalt's; every sentence searches from there.
        location = locate(description) | Location.named([region] if region else [])
        for qi, query in enumerate(queries):
            result = self.searcher.search(query[: self.max_query_chars], k=100, near=location, cut_tail=False)
            for hit in result.hits:
                entry = scores.setdefault(hit.document.doc_id, _DocScores(hit.document))
                entry.hits[qi] = hit
                value = hit.score if signal == "fused" else max(p.dense for p in hit.passages)
                if qi == 0:
                    entry.whole = value
                else:
                    entry.by_sentence[qi] = value
        groups = sponsor_groups(description)
        by_type: dict[str, list[tuple[float, _DocScores]]] = defaultdict(list)
        for entry in scores.values():
            meta = entry.record.metadata
            if entry.record.doc_type != DocType.STRATEGIE and location.excludes(meta.land, meta.region):
                continue  # a programme or an office of another Land or Revier is no use; a strategy may be a model
            score = entry.merged(merge)
            if entry.record.doc_type == DocType.FOERDERPROGRAMM and not eligible(entry.record.metadata, groups):
                score *= ELIGIBILITY_PENALTY
            by_type[entry.record.doc_type].append((score, entry))
        today = today or dt.date.today()
        picked: dict[str, list[Match]] = {}
        closed: list[Match] = []
        for doc_type, limit in LIMITS.items():
            # Programmes the sponsor may apply for come first; the others follow with their note.
            ranked = sorted(
                by_type.get(doc_type, []),
                key=lambda x: (doc_type == DocType.FOERDERPROGRAMM and not eligible(x[1].record.metadata, groups), -x[0]),
            )
            best = ranked[0][0] if ranked else 0.0
            floor = best - MAX_GAP if signal == "dense" else MIN_RELATIVE * best
            ranked = [(s, e) for s, e in ranked if s >= floor]
            if doc_type == DocType.FOERDERPROGRAMM:
                # Never recommended as open: programmes without applications now are listed apart.
                shut = [(s, e, st) for s, e in ranked if (st := availability(e.record.metadata, today)).closed]
                closed = [self._match(s, e, queries, 1, groups, state) for s, e, state in shut[:CLOSED_LIMIT]]
                ranked = [(s, e) for s, e in ranked if not availability(e.record.metadata, today).closed]
            picked[doc_type] = [
                self._match(s, e, queries, evidence=2 if doc_type != DocType.AKTEUR else 1, groups=groups)
                for s, e in ranked[:limit]
            ]
        notices: list[str] = []
        for m in picked[DocType.FOERDERPROGRAMM]:
            notices.extend(
                document_notices(
                    scores[m.doc_id].record, number=None, today=today, stale_after_months=stale_after_months,
                    soon_days=soon_days,
                )
            )
        check = ProjectCheck(
            description=description.strip(),
            region=region,
            programmes=picked[DocType.FOERDERPROGRAMM],
            strategies=picked[DocType.STRATEGIE],
            contacts=picked[DocType.AKTEUR],
            notices=notices,
            closed_programmes=closed,
        )
        check.summary = summary_text(check)
        return check

    def _match(
        self,
        score: float,
        entry: _DocScores,
        queries: list[str],
        evidence: int,
        groups: frozenset[str],
        closed: Availability | None = None,
    ) -> Match:
        record = entry.record
        # The description sentences this document matched best (the whole text when there is only one).
        order = sorted(entry.by_sentence, key=lambda qi: -entry.by_sentence[qi]) or [0]
        found: list[Evidence] = []
        seen: set[str] = set()
        for qi in order[:3]:
            hit = entry.hits.get(qi) or entry.hits.get(0)
            if hit is None:
                continue
            cands = candidates([hit], PROJECT_EVIDENCE_CHARS)
            ranked = self.selector.score(queries[qi], cands, limit=10)
            asked = set(self.selector.analyzer.analyze(queries[qi]))
            for c in ranked:
                # A reason shares a word with the description: "Nicht rückzahlbarer Zuschuss." explains nothing.
                relevant = bool(asked & set(self.selector.analyzer.analyze(c.text)))
                if relevant and c.text not in seen and not _EXCLUSION.search(c.text) and not _HISTORICAL.search(c.text):
                    seen.add(c.text)
                    found.append(
                        Evidence(queries[qi], c.text, " › ".join(c.passage.chunk.heading_path), round(c.score, 4))
                    )
                    break
            if len(found) >= evidence:
                break
        meta = record.metadata
        return Match(
            doc_id=record.doc_id,
            title=record.title,
            doc_type=record.doc_type,
            score=round(score, 4),
            source_url=meta.source_url,
            source_path=record.source_path,
            stand=meta.stand,
            region=tuple(meta.region),
            land=tuple(meta.land),
            evidence=tuple(found),
            foerderart=meta.foerderart,
            frist=meta.frist,
            eligibility_note=eligibility_note(record.metadata, groups),
            status=meta.status,
            gueltig_bis=meta.gueltig_bis,
            availability_note=f"Keine Anträge möglich: laut Wissensbestand {closed.reason}." if closed else None,
        )


def summary_text(check: ProjectCheck) -> str:
    """German plain-text summary for chat doors and the CLI."""
    lines: list[str] = []
    if check.programmes:
        lines.append("Passende Förderprogramme:")
        for i, m in enumerate(check.programmes, 1):
            extra = f" ({m.foerderart})" if m.foerderart else ""
            lines.append(f"{i}. {m.title}{extra}")
            lines.append(f"   Quelle:{_provenance(m)}")
            for ev in m.evidence[:1]:
                lines.append(f"   Warum: „{ev.document_sentence}“")
            if m.eligibility_note:
                lines.append(f"   Achtung: {m.eligibility_note}")
    else:
        lines.append("Zu dieser Beschreibung passt kein offenes Förderprogramm im Wissensbestand.")
    if check.closed_programmes:
        lines.append("Passend, aber derzeit keine Anträge möglich:")
        for m in check.closed_programmes:
            lines.append(f"- {m.title} – {m.availability_note}{_provenance(m)}")
    if check.strategies:
        lines.append("Passt zu diesen Strategien und Zukunftsfeldern:")
        for m in check.strategies:
            why = f": „{m.evidence[0].document_sentence}“" if m.evidence else ""
            lines.append(f"- {short_title(m.title)}{why}")
    if check.contacts:
        lines.append("Ansprechpartner:")
        for m in check.contacts:
            lines.append(f"- {m.title}" + (f", {m.source_url}" if m.source_url else ""))
    lines.extend(check.notices)
    lines.append(
        "Das ist eine erste Einordnung aus dem Wissensbestand, keine Förderzusage; "
        "bitte die Bedingungen beim Fördergeber prüfen."
    )
    return "\n".join(lines)


def _provenance(m: Match) -> str:
    """" Stand 03.12.2026, https://…" — where a listed programme's facts come from and how old they are."""
    stand = f"Stand {german_date(m.stand)}" if m.stand else "ohne Stand"
    return f" {stand}, {m.source_url or m.source_path}"
