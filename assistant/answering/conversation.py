"""Per-chat memory so short follow-up questions are understood.

"Und bis wann kann ich den Antrag stellen?" means nothing to a search engine on
its own.  We keep the last few turns per conversation (a chat id, an API session
id), detect follow-ups by their shape — short, a pronoun or "dort"/"dafür", no
subject of their own — and resolve them against the previous question: its subject
is carried over, and a place the follow-up names replaces the previous place.

The store is bounded (count of conversations, LRU), forgets conversations after
a TTL, and is thread-safe: the API and the bot serve chats concurrently.  Only
questions and document ids are kept, in memory, never on disk.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from assistant.domain import vocabulary
from assistant.domain.places import locate, mentions
from assistant.embedding.embedders import Embedder
from assistant.search.fusion import fuse, rescale_dense, rescale_lexical
from assistant.search.params import SearchParams
from assistant.search.result import DocumentHit, Passage, SearchResult
from assistant.storage.store import Store
from assistant.text.analyzer import GermanAnalyzer, fold_umlauts

MAX_FOLLOW_UP_WORDS = 14

# Words that point back ("dort", "dafür") and words that ask without naming a subject (data/conversation.yaml).
_DEICTIC = frozenset(vocabulary.words("conversation.yaml", "deictic"))
_GENERIC = vocabulary.words("conversation.yaml", "generic")
_CLOSING_PRONOUNS = frozenset(vocabulary.words("conversation.yaml", "closing_pronouns"))


@dataclass
class Turn:
    """One question and what its answer was about."""

    question: str
    resolved_question: str
    subject_doc_ids: list[str]
    subject_titles: list[str]  # short titles, best first
    answer_id: str | None = None
    at: float = 0.0


@dataclass
class Conversation:
    """The last turns of one chat; mutate only through ``add`` (it locks)."""

    id: str
    max_turns: int = 5
    turns: deque[Turn] = field(default_factory=deque)
    updated: float = 0.0

    def __post_init__(self) -> None:
        self.turns = deque(self.turns, maxlen=self.max_turns)
        self._lock = threading.Lock()

    def add(self, turn: Turn) -> None:
        with self._lock:
            self.turns.append(turn)
            self.updated = turn.at

    @property
    def last(self) -> Turn | None:
        with self._lock:
            return self.turns[-1] if self.turns else None


class ConversationStore:
    """Bounded, expiring, thread-safe map from conversation id to :class:`Conversation`."""

    def __init__(
        self,
        max_conversations: int = 10_000,
        max_turns: int = 5,
        ttl_s: float = 2 * 3600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_conversations = max_conversations
        self.max_turns = max_turns
        self.ttl_s = ttl_s
        self._clock = clock
        self._items: OrderedDict[str, Conversation] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            self._expire()
            return len(self._items)

    def get(self, conversation_id: str | None = None) -> Conversation:
        """The live conversation with this id, or a fresh one (also after expiry); None → new id."""
        cid = conversation_id or uuid.uuid4().hex
        now = self._clock()
        with self._lock:
            self._expire()
            conv = self._items.get(cid)
            if conv is None:
                conv = Conversation(cid, self.max_turns, updated=now)
                self._items[cid] = conv
            conv.updated = now
            self._items.move_to_end(cid)
            while len(self._items) > self.max_conversations:
                self._items.popitem(last=False)
            return conv

    def add_turn(self, conversation: Conversation, turn: Turn) -> None:
        turn.at = self._clock()
        conversation.add(turn)
        with self._lock:
            if conversation.id in self._items:
                self._items.move_to_end(conversation.id)

    def drop(self, conversation_id: str) -> None:
        with self._lock:
            self._items.pop(conversation_id, None)

    def _expire(self) -> None:
        limit = self._clock() - self.ttl_s
        while self._items:
            cid, conv = next(iter(self._items.items()))
            if conv.updated >= limit:
                break
            self._items.popitem(last=False)


@dataclass(frozen=True)
class FollowUp:
    """A follow-up question made searchable: the previous subject carried over, what it replaces replaced."""

    query: str
    subject_doc_id: str | None  # the previous answer's document, when the subject stays the same


class FollowUpResolver:
    """Detects follow-up questions and carries the previous question's subject into them.

    "Und wie lange läuft das?" after "Wie hoch ist die Förderquote bei STARK?" searches
    "Wie lange läuft das? STARK": the subject (the words of the previous question that
    are not question words) is carried, its "Förderquote" is not.  "Und in der Lausitz?"
    after a question about Leipzig replaces the place: the previous question is asked
    again with Leipzig taken out and the Lausitz put in.
    """

    def __init__(self, analyzer: GermanAnalyzer | None = None) -> None:
        self.analyzer = analyzer or GermanAnalyzer(split_compounds=False)
        self._generic = set(self.analyzer.analyze(" ".join(_GENERIC)))

    def subject_terms(self, question: str, places: set[str] = frozenset()) -> set[str]:
        """Index terms that name a subject (not generic question words, not regions)."""
        place_terms = set(self.analyzer.analyze(" ".join(places))) if places else set()
        return {t for t in self.analyzer.analyze(question) if t not in self._generic and t not in place_terms}

    def is_follow_up(self, question: str, previous: Turn | None, places: set[str] = frozenset()) -> bool:
        if previous is None:
            return False
        words = self.analyzer.words(question)
        if not words or len(words) > MAX_FOLLOW_UP_WORDS:
            return False
        subject = self.subject_terms(question, places)
        points_back = (
            any(w in _DEICTIC or fold_umlauts(w) in _DEICTIC for w in words)
            or words[-1] in _CLOSING_PRONOUNS  # "… läuft das?"
            or bool(_CONNECTOR.match(question))  # "Und …", "Aber …"
        )
        return not subject or (points_back and len(subject) <= 1)

    def resolve(self, question: str, previous: Turn | None) -> FollowUp | None:
        """The follow-up made searchable, or None when ``question`` stands on its own."""
        here = locate(question)
        places = {*here.lands, *here.regions}
        if not self.is_follow_up(question, previous, places):
            return None
        assert previous is not None
        asked = _strip_connector(question)
        base = previous.resolved_question
        if here:  # "Und in der Lausitz?": the previous question, asked for the new place
            return FollowUp(f"{_without_places(base)} {asked}".strip(), None)
        subject = self.subject_phrase(base)
        query = f"{asked} {subject}".strip() if subject else f"{base} {asked}"
        return FollowUp(query, previous.subject_doc_ids[0] if previous.subject_doc_ids else None)

    def subject_phrase(self, question: str) -> str:
        """The words of ``question`` that name what it is about, in their order and spelling."""
        kept: list[str] = []
        for word in _WORD.findall(question):
            terms = self.analyzer.analyze(word)
            if terms and not all(t in self._generic for t in terms) and word not in kept:
                kept.append(word)
        return " ".join(kept)


_CONNECTOR = re.compile(r"^\s*(?:und|aber|oder)\b[\s,]*", re.IGNORECASE)
_WORD = re.compile(r"[^\W_][\w§.-]*[^\W_]|[^\W_]", re.UNICODE)
# A place with the preposition and article before it: "in Leipzig", "im Landkreis Görlitz", "für die Lausitz".
_PLACE_LEAD = re.compile(r"(?:\b(?:in|im|aus|für|bei|um|nach|von|der|dem|den|des|die|das|landkreis|kreis)\s+){0,3}$", re.I)


def _strip_connector(question: str) -> str:
    stripped = _CONNECTOR.sub("", question).strip()
    return (stripped[:1].upper() + stripped[1:]) if stripped else question


def _without_places(text: str) -> str:
    """``text`` with every place name (and the preposition before it) taken out."""
    out, cursor = [], 0
    for start, end in mentions(text):
        lead = _PLACE_LEAD.search(text[cursor:start])
        out.append(text[cursor : cursor + lead.start()] if lead else text[cursor:start])
        cursor = end
    out.append(text[cursor:])
    return " ".join("".join(out).split()).rstrip(" ?.!,")


def put_subject_first(
    result: SearchResult, store: Store, embedder: Embedder, params: SearchParams, doc_id: str
) -> None:
    """A follow-up is about the previous subject: answer from that document's best passages.

    Its passages are ranked against the resolved question over *all* its chunks
    (the deadline may sit in a section the general search did not return).
    """
    record = store.documents.get(doc_id)
    chunks = store.document_chunks(doc_id) if record else []
    if not chunks:
        return
    rows = np.array([c.row for c in chunks], dtype=np.int64)
    qvec = result.query_vector
    if qvec is None:
        qvec = embedder.embed_queries([result.query])[0]
    dense = store.vectors_of(rows) @ qvec
    lexical = store.lexical.scores(result.query)[rows]
    share = result.signals.get("known_share", 1.0)
    fused = fuse(rescale_dense(dense), rescale_lexical(lexical), share, params.dense_weight, "hybrid")
    order = np.argsort(-fused)[: params.passages_per_document]
    passages = [
        Passage(int(rows[i]), chunks[i].chunk, float(fused[i]), float(dense[i]), float(lexical[i])) for i in order
    ]
    top = result.hits[0].score
    result.hits[:] = [DocumentHit(record, top, passages)] + [h for h in result.hits if h.document.doc_id != doc_id]
