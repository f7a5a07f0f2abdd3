"""The ask flow: follow-up resolution → retrieval → extractive (or LLM) answer → notices → memory.

Why a separate object and not code in service.py: the doors talk to
``Assistant.ask``; this keeps the facade small and lets the answering steps be
read top to bottom in one place.  It needs only what :class:`AnswerHost`
describes (the Assistant provides it), so nothing here imports the service.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from assistant.answering.answer_check import covered
from assistant.answering.citations import SourceList, cite, make_source, renumber
from assistant.answering.contacts import contacts_sentence, find_contacts
from assistant.answering.conversation import (
    Conversation,
    ConversationStore,
    FollowUpResolver,
    Turn,
    put_subject_first,
)
from assistant.answering.freshness import notices_for
from assistant.answering.llm import LLMClient, build_messages
from assistant.answering.models import Answer, Contact, Source
from assistant.answering.selection import (
    SentenceSelector,
    candidates,
    document_labels,
    labelled_text,
    reading_order,
)
from assistant.config import Settings
from assistant.domain.places import locate
from assistant.domain.regions import Location
from assistant.embedding.embedders import Embedder
from assistant.errors import LLMError
from assistant.search.filters import Filters
from assistant.search.params import SearchParams
from assistant.search.result import DocumentHit, Passage, SearchResult
from assistant.storage.embedding_cache import StatementVectors
from assistant.storage.store import Backend, Store
from assistant.storage.usage_log import UsageLog
from assistant.text.analyzer import GermanAnalyzer
from assistant.text.facts import (
    fact_kinds,
    wanted_kinds,
)
from assistant.text.statements import short_title

log = logging.getLogger(__name__)

SEARCH_DOCUMENTS = 5
LLM_PASSAGES = 6
RESELECT_MARGIN = 0.15  # how far below the best statement one with the asked-for fact may score
WHOLE_DOCUMENTS = 2  # the answer may quote any section of the best documents, not only the retrieved passages


class AnswerHost(Protocol):
    """What the engine needs from the service (``assistant.service.Assistant`` provides it)."""

    settings: Settings

    @property
    def embedder(self) -> Embedder: ...

    @property
    def snapshot(self) -> Store: ...

    @property
    def backend(self) -> Backend: ...

    @property
    def usage(self) -> UsageLog: ...

    @property
    def conversations(self) -> ConversationStore: ...

    @property
    def search_params(self) -> SearchParams: ...

    def search(self, query: str, *, k: int = 10, filters: Filters | None = None) -> SearchResult: ...


@dataclass
class _Draft:
    """An answer under construction."""

    question: str
    resolved: str
    follow_up: bool
    conversation: Conversation | None
    result: SearchResult
    location: Location
    text: str = ""
    sources: list[Source] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    abstained: bool = False
    generator: str = "extractive"
    fallback_reason: str | None = None


class AnswerEngine:
    """Builds :class:`Answer` objects; one per Assistant, safe to share between threads."""

    def __init__(self, host: AnswerHost, *, today: Callable[[], dt.date] = dt.date.today) -> None:
        self.host = host
        self.today = today
        self.analyzer = GermanAnalyzer()
        self._statements: StatementVectors | None = None
        self._statements_lock = threading.Lock()
        self.resolver = FollowUpResolver()

    @property
    def settings(self) -> Settings:
        return self.host.settings

    @property
    def selector(self) -> SentenceSelector:
        return SentenceSelector(self.host.embedder, self.statement_vectors, self.analyzer)

    def close(self) -> None:
        with self._statements_lock:
            if self._statements is not None:
                self._statements.close()
                self._statements = None

    @property
    def statement_vectors(self) -> StatementVectors:
        """Answer-statement vectors, mostly precomputed by the indexer (one store per embedder)."""
        embedder = self.host.embedder
        with self._statements_lock:
            if self._statements is None or self._statements.embedder is not embedder:
                self._statements = StatementVectors(embedder, self.host.backend.vector_cache)
            return self._statements

    def llm(self) -> LLMClient | None:
        s = self.settings
        if not s.llm_base_url:
            return None
        return LLMClient(s.llm_base_url, s.llm_model, s.llm_api_key, s.llm_timeout_s)

    # --- public -------------------------------------------------------------------

    def ask(
        self,
        question: str,
        conversation: str | Conversation | None = None,
        filters: Filters | None = None,
        channel: str | None = None,
        on_delta: Callable[[str], None] | None = None,
    ) -> Answer:
        """Answer ``question``; ``on_delta`` receives generated text pieces when an LLM streams."""
        answer: Answer | None = None
        for item in self.ask_stream(question, conversation, filters, channel, stream=on_delta is not None):
            if isinstance(item, Answer):
                answer = item
            elif on_delta is not None:
                on_delta(item)
        assert answer is not None
        return answer

    def ask_stream(
        self,
        question: str,
        conversation: str | Conversation | None = None,
        filters: Filters | None = None,
        channel: str | None = None,
        *,
        stream: bool = True,
    ) -> Iterator[str | Answer]:
        """Yield generated text pieces (LLM only), then the final, checked :class:`Answer`.

        The streamed pieces are a preview: invalid citations are removed and failures
        fall back to the extractive answer only in the final Answer, which doors
        should show in place of the preview.
        """
        draft = self._retrieve(question, conversation, filters)
        if draft.abstained:
            self._abstain(draft)
        else:
            self._extract(draft)
            client = self.llm() if not draft.abstained else None
            if client is not None:
                yield from self._generate(draft, client, stream)
        yield self._finish(draft, channel)

    # --- steps ----------------------------------------------------------------------

    def _retrieve(self, question: str, conversation: str | Conversation | None, filters: Filters | None) -> _Draft:
        conv: Conversation | None
        if isinstance(conversation, Conversation):
            conv = conversation
        elif conversation:
            conv = self.host.conversations.get(conversation)
        else:
            conv = None
        location = locate(question)
        previous = conv.last if conv else None
        places = {*location.lands, *location.regions}
        resolved = self.resolver.resolve(question, previous, places) if previous else None
        if resolved and len(resolved) > self.settings.max_query_chars:
            resolved = None
        result = self.host.search(resolved or question, k=SEARCH_DOCUMENTS, filters=filters)
        if resolved:
            location = location | locate(resolved)
        if resolved and previous and previous.subject_doc_ids and result.hits:
            put_subject_first(result, self.host.snapshot, self.host.embedder, self.host.search_params, previous.subject_doc_ids[0])
        draft = _Draft(question.strip(), resolved or result.query, bool(resolved), conv, result, location)
        draft.abstained = not result.hits or result.confidence < self.settings.abstain_threshold
        return draft

    def _extract(self, draft: _Draft) -> None:
        max_chars = self.settings.answer_max_chars
        cands = candidates(self._whole_documents(draft.result.hits), max_chars)
        selector = self.selector
        weights = self.host.snapshot.lexical.term_weights(draft.resolved)
        ranked = selector.score(draft.resolved, cands, qvec=draft.result.query_vector, weights=weights)
        labels = document_labels(draft.question, draft.result.hits, self.analyzer)
        chosen = selector.select(ranked, max_chars, labels=labels)
        if chosen and not covered(draft.question, chosen, self.analyzer, self._known_terms):
            # "Wie hoch …?" answered without an amount: try the best statements that have one.
            wanted = wanted_kinds(draft.question)
            best = ranked[0].score
            with_fact = [c for c in ranked if fact_kinds(c.text) & wanted and c.score >= best - RESELECT_MARGIN]
            chosen = selector.select(with_fact, max_chars, labels=labels) if with_fact else []
        if not chosen or not covered(draft.question, chosen, self.analyzer, self._known_terms):
            self._abstain(draft)
            return
        numbers = SourceList()
        ordered = reading_order(chosen)
        cited = [cite(c.text, numbers.number_for(c.hit, c.passage)) for c in ordered]
        draft.text = labelled_text(ordered, cited, labels, self.analyzer)
        draft.sources = numbers.sources

    def _known_terms(self, terms: set[str]) -> set[str]:
        return set(self.host.snapshot.lexical.known_terms(sorted(terms)))

    def _whole_documents(self, hits: list[DocumentHit]) -> list[DocumentHit]:
        """The hits with *all* sections of the best documents as passages (retrieved ones first).

        Why: the fact is often in a section of the right document that retrieval did
        not return ("Antragsfrist" below "Fördergegenstand"); a document has a handful
        of sections, so reading all of them is cheap.  The draft's hits stay as they are.
        """
        snap = self.host.snapshot
        out: list[DocumentHit] = []
        for rank, hit in enumerate(hits):
            if rank >= WHOLE_DOCUMENTS:
                out.append(hit)
                continue
            have = {p.row for p in hit.passages}
            extra = [
                Passage(c.row, c.chunk, 0.0, 0.0, 0.0) for c in snap.document_chunks(hit.document.doc_id) if c.row not in have
            ]
            out.append(DocumentHit(hit.document, hit.score, [*hit.passages, *extra]))
        return out

    def _abstain(self, draft: _Draft) -> None:
        draft.abstained = True
        hits = draft.result.hits[:3]
        draft.sources = [make_source(i, h, h.passages[0]) for i, h in enumerate(hits, 1) if h.passages]
        draft.contacts = find_contacts(self.host, draft.resolved, location=draft.location, hits=draft.result.hits)
        text = "Dazu finde ich im Wissensbestand keine verlässliche Antwort."
        if draft.sources:
            listed = "; ".join(f"„{s.title}“ [{s.number}]" for s in draft.sources)
            text += f" Am nächsten kommen diese Quellen, sie beantworten die Frage aber nicht sicher: {listed}."
        draft.text = f"{text} {contacts_sentence(draft.contacts)}"

    def _generate(self, draft: _Draft, client: LLMClient, stream: bool) -> Iterator[str]:
        given = self._llm_sources(draft.result.hits)
        messages = build_messages(draft.resolved, given)
        try:
            if stream:
                pieces: list[str] = []
                for piece in client.stream(messages):
                    pieces.append(piece)
                    yield piece
                generated = "".join(pieces)
            else:
                generated = client.complete(messages)
        except LLMError as exc:
            log.warning("LLM answer failed, using the extractive one: %s", exc.code)
            draft.fallback_reason = exc.message
            return
        text, sources, invalid = renumber(generated, given)
        if invalid:
            log.info("removed invalid citations %s from the LLM answer", invalid)
        if not text or not sources:
            draft.fallback_reason = (
                "Die Antwort des Sprachmodells enthielt keine gültige Quellenangabe; "
                "deshalb wird die aus den Quellen zitierte Antwort gezeigt."
            )
            return
        draft.text, draft.sources, draft.generator = text, sources, "llm"

    def _llm_sources(self, hits: list[DocumentHit]) -> list[Source]:
        numbers = SourceList()
        for round_ in range(3):  # best passage of each document first, then the second best …
            for hit in hits:
                if round_ < len(hit.passages) and len(numbers.sources) < LLM_PASSAGES:
                    numbers.number_for(hit, hit.passages[round_])
        return numbers.sources

    def _finish(self, draft: _Draft, channel: str | None) -> Answer:
        notices: list[str] = []
        if not draft.abstained:
            notices = notices_for(
                draft.sources,
                self.host.snapshot.documents,
                today=self.today(),
                stale_after_months=self.settings.stale_after_months,
            )
        text = draft.text + ("\n\n" + "\n".join(notices) if notices else "")
        answer = Answer(
            answer_id=uuid.uuid4().hex,
            question=draft.question,
            resolved_question=draft.resolved,
            text=text,
            sources=draft.sources,
            confidence=round(float(draft.result.confidence), 4),
            abstained=draft.abstained,
            notices=notices,
            contacts=draft.contacts,
            generator=draft.generator,
            fallback_reason=draft.fallback_reason,
            conversation_id=draft.conversation.id if draft.conversation else None,
            follow_up=draft.follow_up,
        )
        if draft.conversation is not None:
            previous = draft.conversation.last
            if draft.follow_up and previous is not None and (previous.subject_doc_ids or previous.subject_titles):
                # A follow-up does not change the topic: keep the subject it was resolved against.
                subject = list(zip(previous.subject_doc_ids, previous.subject_titles))
            else:
                subject = [] if draft.abstained else _subject(draft.sources)
            self.host.conversations.add_turn(
                draft.conversation,
                Turn(
                    question=draft.question,
                    resolved_question=draft.resolved,
                    subject_doc_ids=[doc_id for doc_id, _ in subject],
                    subject_titles=[title for _, title in subject],
                    answer_id=answer.answer_id,
                ),
            )
        if channel:
            self.host.usage.record_query(
                channel=channel,
                kind="ask",
                query=draft.question,
                abstained=answer.abstained,
                confidence=answer.confidence,
                answer_id=answer.answer_id,
            )
        return answer








def _subject(sources: list[Source]) -> list[tuple[str, str]]:
    """(doc id, short title) of the cited documents in citation order."""
    out: list[tuple[str, str]] = []
    for s in sources:
        if s.doc_id not in (d for d, _ in out):
            out.append((s.doc_id, short_title(s.title)))
    return out
