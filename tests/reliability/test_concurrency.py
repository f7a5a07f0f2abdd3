"""Concurrency at the service level: searches never fail or mix snapshots while the index changes.

Two threads search continuously through one shared Assistant while a third adds,
removes, re-adds, prunes and updates documents through the same Assistant (as the
API does).  Every search must succeed, every hit must come from one complete
generation that was live during the call, and the generation a thread sees only
ever moves forward.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest

from assistant.service import Assistant
from assistant.storage.snapshot import Snapshot
from tests.conftest import BACKENDS
from tests.pg_server import psql

QUERIES = [
    "Fernwärme in Hoyerswerda",
    "Wie hoch ist die Förderquote bei STARK?",
    "Können Vereine Anträge stellen?",
    "Werkstatt Innovation Lausitz",
]
EXTRA = "# Fernwärme Hoyerswerda\n\nDie Stadtwerke Hoyerswerda bauen ein Fernwärmenetz mit Großwärmepumpe.\n"


@dataclass
class Observation:
    before: str
    after: str
    served: str
    doc_ids: list[str]


def documents_of(assistant: Assistant, name: str) -> set[str]:
    """The documents of one generation, read straight from where it is stored."""
    settings = assistant.settings
    if settings.store_url is None:
        snap = Snapshot(settings.index_dir / name)
        try:
            return set(snap.documents)
        finally:
            snap.close()
    schema = name.replace("-", "_")
    return set(psql(settings.store_url.get_secret_value(), f"SELECT doc_id FROM {schema}.documents").split())


@pytest.mark.parametrize("store_url", BACKENDS, indirect=True)
def test_searches_during_index_remove_reindex_never_fail(small_assistant: Assistant) -> None:
    assistant = small_assistant
    settings = assistant.settings
    corpus = settings.corpus_dir
    live = assistant.backend.live_generation
    generations: dict[str, set[str]] = {}

    def record(name: str | None) -> None:
        generations[name] = documents_of(assistant, name)

    record(live())
    done = threading.Event()
    errors: list[BaseException] = []
    observations: list[list[Observation]] = [[], []]

    def writer() -> None:
        try:
            extra = corpus / "extra.md"
            extra.write_text(EXTRA, "utf-8")
            record(assistant.index([corpus]).generation)  # add
            record(assistant.remove(["extra"]).generation)  # remove (file stays)
            record(assistant.index([corpus]).generation)  # the file is still there: added again
            extra.unlink()
            record(assistant.reindex().generation)  # prune: gone for good
            stark = corpus / "foerderprogramm/stark.md"
            stark.write_text(stark.read_text("utf-8") + "\nNeu: Auch Vereine können Anträge stellen.\n", "utf-8")
            record(assistant.index([corpus]).generation)  # update
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            done.set()

    def reader(n: int) -> None:
        i = 0
        try:
            while not done.is_set() or i < 8:
                before = live()
                result = assistant.search(QUERIES[(i + n) % len(QUERIES)], k=5)
                after = live()
                served = assistant.snapshot.name
                for hit in result.hits:
                    assert hit.passages, hit
                    for p in hit.passages:
                        assert p.chunk is not None and p.chunk.doc_id == hit.document.doc_id and p.chunk.text
                observations[n].append(Observation(before, after, served, [h.document.doc_id for h in result.hits]))
                i += 1
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader, args=(n,)) for n in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert not errors, errors

    assert len(generations) == 6  # the writer published five new generations
    ordered = sorted(generations)
    seen_served: set[str] = set()
    for per_thread in observations:
        assert per_thread
        served = [o.served for o in per_thread]
        assert served == sorted(served), "a reader saw the generation move backwards"
        seen_served.update(served)
        for o in per_thread:
            window = [g for g in ordered if o.before <= g <= o.after]
            assert window, o
            # Every hit belongs to one generation that was live during the call.
            assert any(set(o.doc_ids) <= generations[g] for g in window), (o, {g: generations[g] for g in window})
    assert len(seen_served) >= 2, "the readers never saw a swap; the test proved nothing"
    # The last state is the one the writer left.
    assert "extra" not in assistant.snapshot.documents
    assert assistant.search("Können Vereine Anträge stellen?").hits[0].document.doc_id == "stark"
