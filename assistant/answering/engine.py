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
from assistant.answering.answer_confidence import AnswerConfidence
from assistant.answering.citations import SourceList, cite, make_source
from assistant.answering.contacts import contacts_sentence, find_contacts
from assistant.answering.conversation import (
    Conversation,
    ConversationStore,
    FollowUp,
    FollowUpResolver,
    Turn,
    put_subject_first,
)
from assistant.answering.dates import past_date_notices
from assistant.answering.freshness import Closing, closing_lines
from assistant.answering.generated import GeneratedAnswer
from assistant.answering.llm import LLMClient
from assistant.answering.models import Answer, Contact, Source
from assistant.answering.selection import (
    Candidate,
    SentenceSelector,
    candidates,
    document_labels,
    labelled_text,
    reading_order,
    whole_documents,
)
from assistant.answering.sentence_model import load_sentence_model
from assistant.config import Settings
from assistant.domain.places import locate
from assistant.domain.regions import Location
from assistant.embedding.embedders import Embedder
from assistant.search.filters import Filters
from assistant.search.params import SearchParams
from assistant.search.result import SearchResult
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
    follow: FollowUp | None
    conversation: Conversation | None
    result: SearchResult
    location: Location
    text: str = ""
    sources: list[Source] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    abstained: bool = False
    generator: str = "extractive"
    fallback_reason: str | None = None
    abstain_reason: str | None = None
    confidence: float | None = None  # of the answer (search signals and the best statement)
    quoted: list[tuple[str, int]] = field(default_factory=list)  # (statement, source number) as quoted


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
    def answer_confidence(self) -> AnswerConfidence:
        s = self.settings
        return AnswerConfidence.load(s.fitted_params, self.host.search_params.confidence_model, s.abstain_threshold)

    @property
    def abstain_threshold(self) -> float:
        """Confidence below which the answer is "weiß ich nicht" (fitted, or the deployment's setting)."""
        return self.answer_confidence.threshold

    @property
    def selector(self) -> SentenceSelector:
        model = load_sentence_model(self.settings.fitted_params)
        return SentenceSelector(self.host.embedder, self.statement_vectors, self.analyzer, model)

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
                generated = GeneratedAnswer(client, draft.resolved, draft.result.hits)
                yield from generated.pieces(stream)
                if generated.text:
                    draft.text, draft.sources, draft.generator = generated.text, generated.sources, "llm"
                else:
                    draft.fallback_reason = generated.fallback_reason
        yield self._finish(draft, channel)

    # --- steps ----------------------------------------------------------------------

    def _conversation(self, conversation: str | Conversation | None) -> Conversation | None:
        if isinstance(conversation, Conversation):
            return conversation
        return self.host.conversations.get(conversation) if conversation else None

    def follow_up(self, question: str, conversation: str | Conversation | None) -> FollowUp | None:
        """How ``question`` continues the conversation (None: it stands on its own)."""
        conv = self._conversation(conversation)
        previous = conv.last if conv else None
        follow = self.resolver.resolve(question, previous) if previous else None
        if follow is None or len(follow.query) > self.settings.max_query_chars:
            return None
        return follow

    def _retrieve(self, question: str, conversation: str | Conversation | None, filters: Filters | None) -> _Draft:
        conv = self._conversation(conversation)
        follow = self.follow_up(question, conv)
        result = self.host.search(follow.query if follow else question, k=SEARCH_DOCUMENTS, filters=filters)
        if follow and follow.subject_doc_id and result.hits:
            host = self.host
            put_subject_first(result, host.snapshot, host.embedder, host.search_params, follow.subject_doc_id)
        draft = _Draft(question.strip(), result.query, follow, conv, result, locate(result.query))
        if not result.hits:
            draft.abstain_reason = "no_results"
        elif self.answer_confidence.off_topic(result, self.analyzer.words(result.query)):
            draft.abstain_reason = "off_topic"
        draft.abstained = draft.abstain_reason is not None
        return draft

    def scored_statements(
        self, question: str, conversation: str | Conversation | None = None, *, limit: int | None = None
    ) -> tuple[SearchResult, list[Candidate]]:
        """The search and the scored answer candidates for ``question`` (``limit=0``: all of them).

        The answer path below uses the same steps; the sentence model is fitted on these.
        """
        draft = self._retrieve(question, conversation, None)
        return draft.result, self._scored(draft, self.selector, limit)

    def _scored(self, draft: _Draft, selector: SentenceSelector, limit: int | None = None) -> list[Candidate]:
        hits = whole_documents(draft.result.hits, self.host.snapshot, WHOLE_DOCUMENTS)
        cands = candidates(hits, self.settings.answer_max_chars)
        weights = self.host.snapshot.lexical.term_weights(draft.resolved)
        return selector.score(draft.resolved, cands, qvec=draft.result.query_vector, weights=weights, limit=limit)

    def _extract(self, draft: _Draft) -> None:
        max_chars = self.settings.answer_max_chars
        selector = self.selector
        ranked = self._scored(draft, selector)
        sure = self.answer_confidence
        draft.confidence = sure.of(draft.result, ranked)
        if draft.confidence < sure.threshold:
            draft.abstain_reason = "low_confidence"
            self._abstain(draft)
            return
        labels = document_labels(draft.question, draft.result.hits, self.analyzer)
        chosen = selector.select(ranked, max_chars, labels=labels)
        if chosen and not covered(draft.question, chosen, self.analyzer, self.host.snapshot.lexical.known_terms):
            # "Wie hoch …?" answered without an amount: the best statements of the two best documents
            # that have one (the answer check below still demands that they are about the question).
            wanted = wanted_kinds(draft.question)
            with_fact = [c for c in ranked if fact_kinds(c.text) & wanted and c.doc_rank < WHOLE_DOCUMENTS]
            chosen = selector.select(with_fact, max_chars, labels=labels) if with_fact else []
        if not chosen or not covered(draft.question, chosen, self.analyzer, self.host.snapshot.lexical.known_terms):
            draft.abstain_reason = "fact_not_found" if chosen or ranked else "no_statement"
            self._abstain(draft)
            return
        numbers = SourceList()
        ordered = reading_order(chosen)
        draft.quoted = [(c.text, numbers.number_for(c.hit, c.passage)) for c in ordered]
        cited = [cite(text, number) for text, number in draft.quoted]
        draft.text = labelled_text(ordered, cited, labels, self.analyzer)
        draft.sources = numbers.sources

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

    def _finish(self, draft: _Draft, channel: str | None) -> Answer:
        closing = Closing()  # notices and the binding note (freshness.py); none for an abstention
        if not draft.abstained:
            s = self.settings
            closing = closing_lines(
                draft.text, draft.sources, self.host.snapshot.documents, today=self.today(),
                stale_after_months=s.stale_after_months, soon_days=s.ending_soon_days,
            )
            closing.notices += past_date_notices(draft.quoted, self.today())
        notices, text = closing.notices, closing.append_to(draft.text)
        answer = Answer(
            answer_id=uuid.uuid4().hex,
            question=draft.question,
            resolved_question=draft.resolved,
            text=text,
            sources=draft.sources,
            confidence=round(float(draft.confidence if draft.confidence is not None else draft.result.confidence), 4),
            abstained=draft.abstained,
            notices=notices,
            contacts=draft.contacts,
            generator=draft.generator,
            fallback_reason=draft.fallback_reason,
            abstain_reason=draft.abstain_reason if draft.abstained else None,
            conversation_id=draft.conversation.id if draft.conversation else None,
            follow_up=draft.follow is not None,
            binding_note=closing.binding_note,
        )
        if draft.conversation is not None:
            previous = draft.conversation.last
            if draft.follow and draft.follow.subject_doc_id and previous is not None:
                # A follow-up on the same subject keeps the subject it was resolved against.
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
