"""Extractive answers on a real index: sentence choice, whole sentences, citations, length."""

from __future__ import annotations

import re

import numpy as np

from assistant.answering.citations import CITATION
from assistant.answering.selection import candidates, whole_documents
from assistant.search.filters import Filters
from assistant.storage.embedding_cache import EmbeddingCache, StatementVectors
from tests.conftest import CountingEmbedder


def statements(text: str) -> list[tuple[str, list[int]]]:
    """Split answer text into (statement without markers, cited numbers)."""
    body = text.split("\n\n")[0]
    out = []
    for m in re.finditer(r"(.+?)((?:\s?\[\d+\])+)([.!?]?)(?=\s|$)", body):
        statement = _LABEL.sub("", (m.group(1) + m.group(3)).strip())
        out.append((statement, [int(n) for n in re.findall(r"\d+", m.group(2))]))
    return out


_LABEL = re.compile(r"^„.*?“: ")  # the document name put before a document's first statement


# --- facts ------------------------------------------------------------------------------








def test_a_how_many_question_is_answered_with_the_count(answerer) -> None:
    # Until "wie viele" was its own kind it asked for an amount, and this abstained for want of one.
    answer = answerer.ask("Wie viele Fachleute arbeiten in den Werkstätten der Wirtschaftsregion Lausitz mit?")
    assert not answer.abstained, answer.text
    assert "rund 120 Fachleute" in answer.text




# --- answers ------------------------------------------------------------------------------


def test_amount_question_gets_the_percentage_sentence_with_a_citation(answerer) -> None:
    answer = answerer.ask("Wie hoch ist die Förderung bei STARK?")
    assert not answer.abstained
    assert "90 Prozent" in answer.text
    assert answer.sources[0].doc_id == "stark"
    assert answer.sources[0].heading.endswith("Förderhöhe")
    assert answer.generator == "extractive"
    assert len(answer.answer_id) == 32 and int(answer.answer_id, 16) >= 0


def test_sentence_with_abbreviations_is_cited_whole(answerer) -> None:
    answer = answerer.ask("Wer ist nach § 4 Abs. 2 der Revierwerkstatt-Richtlinie antragsberechtigt?")
    assert not answer.abstained
    assert "Antragsberechtigt sind z. B. Vereine, Kommunen u. a. gemeinnützige Träger nach § 4 Abs. 2" in answer.text


def test_citations_are_consecutive_each_has_a_source_and_sources_follow_first_citation(answerer) -> None:
    answer = answerer.ask("Wie viel Geld gibt der Bund nach dem InvKG und wie hoch ist die STARK-Förderquote?")
    cited = [int(n) for n in CITATION.findall(answer.text)]
    assert cited, answer.text
    numbers = [s.number for s in answer.sources]
    assert numbers == list(range(1, len(numbers) + 1))
    first_order = list(dict.fromkeys(cited))
    assert first_order == numbers  # numbered by first citation, every source cited
    assert set(cited) <= set(numbers)
    for source in answer.sources:
        assert source.title and source.doc_type and source.source_path and source.passage
        assert source.source_url and source.stand is not None


def test_every_statement_is_a_whole_sentence_of_its_source(answerer) -> None:
    answer = answerer.ask("Wie hoch ist die Förderquote der Revierwerkstatt und wie lange dauern Modellvorhaben?")
    by_number = {s.number: s for s in answer.sources}
    parts = statements(answer.text)
    assert parts, answer.text
    for sentence, numbers in parts:
        passage = " ".join(by_number[numbers[0]].passage.split())
        assert sentence.rstrip(".") in passage
        assert sentence[0].isupper()


def test_length_limit_is_kept_without_cutting_a_sentence(answer_settings, embedder) -> None:
    from assistant.service import Assistant

    assistant = Assistant(answer_settings(answer_max_chars=130), embedder)
    answer = assistant.ask("Was fördert die Wasserstoff-Modellregion Lausitz und wie hoch ist der Zuschuss?")
    body = answer.text.split("\n\n")[0]
    assert len(body) <= 130
    for sentence, _ in statements(body):
        assert sentence.endswith((".", "!", "?", ":"))
    wide = Assistant(answer_settings(answer_max_chars=600), embedder).ask(
        "Was fördert die Wasserstoff-Modellregion Lausitz und wie hoch ist der Zuschuss?"
    )
    assert len(wide.text.split("\n\n")[0]) >= len(body)


def test_filters_restrict_the_answer_and_usage_is_logged(answerer) -> None:
    before = answerer.usage_stats().total_queries
    answer = answerer.ask(
        "Wer berät Projektträger in der Lausitz?", filters=Filters(types=("akteur",)), channel="test"
    )
    assert {s.doc_type for s in answer.sources} == {"akteur"}
    assert answerer.usage_stats().total_queries == before + 1


def test_answer_statements_are_embedded_at_index_time(answerer) -> None:
    """After indexing, scoring every candidate of an answer needs no model call at all."""
    counting = CountingEmbedder(answerer.embedder)
    vectors = StatementVectors(counting, answerer.backend.vector_cache)
    result = answerer.search("Wie hoch ist die Förderung bei STARK?", k=5)
    hits = whole_documents(result.hits, answerer.snapshot, 2)
    cands = candidates(hits, answerer.settings.answer_max_chars)
    assert len(cands) >= 3
    got = vectors.get([c.embed_text for c in cands])
    assert counting.embedded == []
    assert got.shape == (len(cands), answerer.embedder.dim)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-3)


def test_a_statement_the_index_did_not_prepare_is_embedded_once_and_kept(answerer, tmp_path) -> None:
    text = f"STARK – Neu: Ein Satz, den es beim Indexieren nicht gab ({tmp_path.name})."
    first = CountingEmbedder(answerer.embedder)
    vectors = StatementVectors(first, answerer.backend.vector_cache)
    vectors.get([text, text])
    vectors.get([text])
    assert first.embedded == [text]  # duplicates and repeats cost one embedding
    later = CountingEmbedder(answerer.embedder)  # e.g. after a server restart
    StatementVectors(later, answerer.backend.vector_cache).get([text])
    assert later.embedded == []


def test_an_unusable_embedding_cache_only_costs_speed(answerer, tmp_path) -> None:
    (tmp_path / "cache-is-a-folder").mkdir()
    counting = CountingEmbedder(answerer.embedder)
    vectors = StatementVectors(counting, lambda: EmbeddingCache(tmp_path / "cache-is-a-folder"))
    got = vectors.get(["STARK: Die Förderquote beträgt bis zu 90 Prozent."])
    assert got.shape == (1, answerer.embedder.dim) and len(counting.embedded) == 1














def _hit(doc_id: str, title: str):
    """A one-passage document hit built in memory, for the ordering and labelling rules."""
    from assistant.domain.documents import Chunk
    from assistant.ingest.metadata import DocumentMetadata
    from assistant.search.result import DocumentHit, Passage
    from assistant.storage.records import DocumentRecord

    record = DocumentRecord(doc_id, f"{doc_id}.md", title, DocumentMetadata(type="foerderprogramm"), "0" * 64,
                            "markdown", [], 1)
    chunk = Chunk(f"{doc_id}#0", doc_id, 0, "Text.", "Text.")
    return DocumentHit(record, 1.0, [Passage(0, chunk, 1.0, 1.0, 0.0)])


def test_each_document_opens_with_its_best_statement_then_reads_in_order() -> None:
    from assistant.answering.selection import Candidate, reading_order

    a, b = _hit("a", "Programm A"), _hit("b", "Programm B")
    a0, a1, a2 = (Candidate(f"A{i}.", a, a.passages[0], (0, i)) for i in range(3))
    b0 = Candidate("B0.", b, b.passages[0], (0, 0))
    best_first = [a2, b0, a0, a1]  # as select() returns them
    assert [c.text for c in reading_order(best_first)] == ["A2.", "A0.", "A1.", "B0."]


def test_statements_are_labelled_with_their_document_unless_it_is_named() -> None:
    from assistant.answering.selection import Candidate, document_labels, labelled_text
    from assistant.text.analyzer import GermanAnalyzer

    analyzer = GermanAnalyzer()
    hit = _hit

    kfw = hit("kfw", "KfW-Investitionskredite für kommunale Infrastruktur (IKK 208)")
    stark = hit("stark", "STARK – Stärkung der Transformationsdynamik und Aufbruch in den Revieren und an den Standorten "
                         "der Steinkohlekraftwerke (Förderrichtlinie)")  # longer than MAX_LABEL_CHARS: its head
    labels = document_labels("Wohin mit unserer Schulsanierung?", [kfw, stark], analyzer)
    assert labels == {"kfw": "KfW-Investitionskredite für kommunale Infrastruktur (IKK 208)", "stark": "STARK"}
    assert document_labels("Wie hoch ist die Förderquote bei STARK?", [stark], analyzer) == {}

    plain = Candidate("Die KfW bietet Kommunen langfristige Kredite.", kfw, kfw.passages[0], (0, 0))
    second = Candidate("Der Zins ist fest.", kfw, kfw.passages[0], (0, 1))
    named = Candidate("STARK fördert Vorhaben in den Revieren.", stark, stark.passages[0], (0, 0))
    text = labelled_text(
        [plain, second, named], ["Die KfW bietet Kommunen langfristige Kredite [1].", "Der Zins ist fest [1].",
                                 "STARK fördert Vorhaben in den Revieren [2]."], labels, analyzer
    )
    assert text == (
        "„KfW-Investitionskredite für kommunale Infrastruktur (IKK 208)“: Die KfW bietet Kommunen langfristige "
        "Kredite [1]. Der Zins ist fest [1]. STARK fördert Vorhaben in den Revieren [2]."
    )


def test_the_retrievers_passage_score_breaks_ties_between_statements(embedder, tmp_path) -> None:
    """The same sentence in the passage the retriever ranked first and in an unretrieved section:
    only the passage prior tells them apart, and it prefers the retrieved one."""
    from assistant.answering.selection import Candidate, SentenceSelector
    from assistant.search.result import Passage

    hit = _hit("grw", "GRW – Gemeinschaftsaufgabe")
    retrieved = hit.passages[0]
    unretrieved = Passage(1, retrieved.chunk, 0.0, 0.0, 0.0)
    text = "Bund und Länder finanzieren die Mittel je zur Hälfte."
    cands = [Candidate(text, hit, unretrieved, (1, 0)), Candidate(text, hit, retrieved, (0, 0))]
    selector = SentenceSelector(embedder, StatementVectors(embedder, lambda: EmbeddingCache(tmp_path / "cache.sqlite")))
    ranked = selector.score("Wer finanziert die GRW?", cands)
    assert [c.passage for c in ranked] == [retrieved, unretrieved]
    assert abs(ranked[0].score - ranked[1].score - selector.model.weights["passage_prior"]) < 1e-6


def test_a_fact_match_does_not_crowd_out_statements_on_the_topic() -> None:
    """"GRW Finanzierung Bund Länder Art. 91a GG": the Art. 91a sentence gets the fact boost, and
    the financing sentence, as close to the topic, must still be quoted."""
    from assistant.answering.selection import Candidate, SentenceSelector
    from assistant.text.analyzer import GermanAnalyzer

    hit = _hit("grw", "GRW – Gemeinschaftsaufgabe")
    texts = (
        "Die GRW ist eine gemeinsame Aufgabe von Bund und Ländern nach Art. 91a Grundgesetz.",
        "Bund und Länder finanzieren die Mittel je zur Hälfte.",
        "Anträge stellen Unternehmen bei der Förderbank ihres Landes.",
    )
    article, halves, apply = (Candidate(t, hit, hit.passages[0], (0, i)) for i, t in enumerate(texts))
    article.score, article.topical = 1.14, 0.94  # wins by its fact feature
    halves.score = halves.topical = 0.88
    apply.score = apply.topical = 0.6
    selector = SentenceSelector(None, None, GermanAnalyzer())  # type: ignore[arg-type]  # select() embeds nothing
    assert selector.select([article, halves, apply], max_chars=600) == [article, halves]
