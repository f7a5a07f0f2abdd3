"""Follow-up questions: detection, resolution against the previous subject, and the store's bounds."""

from __future__ import annotations

import threading

from assistant.answering.conversation import (
    Conversation,
    ConversationStore,
    FollowUpResolver,
    Turn,
)

PREVIOUS = Turn("Wie hoch ist die Förderung bei STARK?", "Wie hoch ist die Förderung bei STARK?", ["stark"], ["STARK"])


def test_follow_up_detection() -> None:
    r = FollowUpResolver()
    assert r.is_follow_up("Und bis wann kann ich den Antrag stellen?", PREVIOUS)
    assert r.is_follow_up("Gilt das auch für Thüringen?", PREVIOUS, {"Thüringen"})
    assert r.is_follow_up("Wie hoch ist die Förderung dort?", PREVIOUS)
    assert not r.is_follow_up("Was ist das Investitionsgesetz Kohleregionen?", PREVIOUS)
    assert not r.is_follow_up("Welche Förderung gibt es für Wasserstoff-Elektrolyseure in der Lausitz?", PREVIOUS)
    assert not r.is_follow_up("Und bis wann kann ich den Antrag stellen?", None)
    follow = r.resolve("Und bis wann kann ich den Antrag stellen?", PREVIOUS)
    assert follow is not None and follow.query == "Bis wann kann ich den Antrag stellen? STARK"
    assert follow.subject_doc_id == "stark"


def test_a_follow_up_carries_the_subject_not_the_question_words_nor_the_document_title() -> None:
    r = FollowUpResolver()
    rate = Turn("Wie hoch ist die Förderquote bei STARK?", "Wie hoch ist die Förderquote bei STARK?", ["stark"],
                ["STARK – Stärkung der Transformationsdynamik"])
    follow = r.resolve("Und wie lange läuft das?", rate)
    assert follow is not None and follow.query == "Wie lange läuft das? STARK"  # not "Förderquote", not the title
    hub = Turn("Welche Förderung gibt es für Smart-Infrastructure-Projekte in Leipzig?",
               "Welche Förderung gibt es für Smart-Infrastructure-Projekte in Leipzig?", ["hub-leipzig"], ["Hub"])
    lausitz = r.resolve("Und in der Lausitz?", hub)
    assert lausitz is not None and lausitz.subject_doc_id is None  # a new place: not the Leipzig document again
    assert lausitz.query == "Welche Förderung gibt es für Smart-Infrastructure-Projekte In der Lausitz?"
    assert "Leipzig" not in lausitz.query
    chained = Turn("x", lausitz.query, [], [])
    again = r.resolve("Und bis wann?", chained)
    assert again is not None and "Lausitz" in again.query and "Smart-Infrastructure-Projekte" in again.query


def test_follow_up_retrieves_the_previous_subject(answerer) -> None:
    first = answerer.ask("Wie hoch ist die Förderquote der Revierwerkstatt?", conversation="chat-1")
    assert first.sources[0].doc_id == "revierwerkstatt" and not first.follow_up
    follow = answerer.ask("Und bis wann kann ich den Antrag stellen?", conversation="chat-1")
    assert follow.follow_up
    assert "Revierwerkstatt" in follow.resolved_question
    assert not follow.abstained
    assert follow.sources[0].doc_id == "revierwerkstatt"
    assert "einzureichen" in follow.text  # the deadline sentence, cited
    assert follow.conversation_id == "chat-1"
    # Another chat does not share the memory.
    other = answerer.ask("Und bis wann kann ich den Antrag stellen?", conversation="chat-2")
    assert not other.follow_up


def test_follow_up_about_amount_keeps_the_subject(answerer) -> None:
    answerer.ask("Was fördert die Wasserstoff-Modellregion Lausitz?", conversation="c")
    follow = answerer.ask("Wie hoch ist die Förderung dort?", conversation="c")
    assert follow.follow_up
    assert follow.sources[0].doc_id == "wasserstoff-lausitz"
    assert "45 Prozent" in follow.text


def test_conversation_object_can_be_passed(answerer) -> None:
    conv = answerer.conversations.get("obj")
    answerer.ask("Wie hoch ist die Förderung bei STARK?", conversation=conv)
    assert conv.last is not None and conv.last.subject_doc_ids[0] == "stark"


def test_store_is_bounded_lru_and_expires() -> None:
    now = [0.0]
    store = ConversationStore(max_conversations=2, max_turns=2, ttl_s=10, clock=lambda: now[0])
    a, b = store.get("a"), store.get("b")
    store.get("a")  # a is now most recent
    store.get("c")  # evicts b
    assert len(store) == 2
    assert store.get("a") is a
    assert store.get("b") is not b
    for i in range(3):
        store.add_turn(a, Turn(f"q{i}", f"q{i}", [], []))
    assert [t.question for t in a.turns] == ["q1", "q2"]
    now[0] = 11.0
    assert len(store) == 0  # all expired
    assert store.get("a") is not a


def test_store_is_thread_safe() -> None:
    store = ConversationStore(max_conversations=50)

    def work(n: int) -> None:
        for i in range(200):
            conv = store.get(f"c{(n * 7 + i) % 80}")
            store.add_turn(conv, Turn("q", "q", [], []))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store) <= 50
    assert isinstance(store.get(None), Conversation)
