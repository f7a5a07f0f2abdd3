"""Chunker: token budget, sentence overlap, heading/page boundaries, offsets, properties."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.domain.documents import Document, DocumentMetadata, Section
from assistant.ingest.chunker import chunk_document
from assistant.text.sentences import split_sentences

from .builders import count_words


def make_doc(*sections: Section, title: str = "STARK-Richtlinie", doc_id: str = "stark") -> Document:
    return Document(
        doc_id=doc_id,
        source_path=Path(f"{doc_id}.md"),
        title=title,
        metadata=DocumentMetadata(title=title),
        sections=list(sections),
        content_hash="0" * 64,
        file_type="markdown",
    )


def numbered_sentences(n: int, words: int = 6) -> str:
    filler = " ".join(["Förderung"] * (words - 2))
    return " ".join(f"Satz{i} {filler} endet." for i in range(n))


def test_budget_overlap_and_ids() -> None:
    doc = make_doc(Section(text=numbered_sentences(30), heading_path=("Förderquote",)))
    chunks = chunk_document(doc, max_tokens=20, overlap_tokens=6, count_tokens=count_words)
    assert len(chunks) > 5
    assert [c.position for c in chunks] == list(range(len(chunks)))
    assert all(c.chunk_id == f"stark#{c.position}" for c in chunks)
    assert all(count_words(c.text) <= 20 for c in chunks)
    for prev, nxt in zip(chunks, chunks[1:], strict=False):
        last_sentence = split_sentences(prev.text)[-1]
        assert nxt.text.startswith(last_sentence), "the next chunk repeats the previous chunk's last sentence"
        assert nxt.char_start < prev.char_end


def test_no_overlap_when_zero() -> None:
    doc = make_doc(Section(text=numbered_sentences(12)))
    chunks = chunk_document(doc, max_tokens=20, overlap_tokens=0, count_tokens=count_words)
    for prev, nxt in zip(chunks, chunks[1:], strict=False):
        assert nxt.char_start >= prev.char_end


def test_chunks_never_cross_sections_or_pages() -> None:
    doc = make_doc(
        Section(text="Kurz. Zwei Sätze.", heading_path=("A",)),
        Section(text=numbered_sentences(5), heading_path=("A", "B")),
        Section(text="Seite drei. Noch ein Satz.", page=3, printed_page="7"),
    )
    chunks = chunk_document(doc, max_tokens=50, overlap_tokens=10, count_tokens=count_words)
    assert [c.heading_path for c in chunks] == [("A",), ("A", "B"), ()]
    for chunk, section in zip(chunks, doc.sections, strict=True):
        assert section.text[chunk.char_start:chunk.char_end] == chunk.text
    assert (chunks[-1].page, chunks[-1].printed_page) == (3, "7")
    assert chunks[0].page is None


def test_embed_text_prefix() -> None:
    doc = make_doc(
        Section(text="Ohne Überschrift."),
        Section(text="Mit Pfad.", heading_path=("Förderung", "Quote")),
        Section(text="Titel doppelt.", heading_path=("STARK-Richtlinie", "Antrag")),
    )
    chunks = chunk_document(doc, max_tokens=50, overlap_tokens=0, count_tokens=count_words)
    assert chunks[0].embed_text == "STARK-Richtlinie\nOhne Überschrift."
    assert chunks[1].embed_text == "STARK-Richtlinie — Förderung › Quote\nMit Pfad."
    assert chunks[2].embed_text == "STARK-Richtlinie — Antrag\nTitel doppelt."


def test_long_sentence_split_at_word_boundaries() -> None:
    words = [f"Wort{i}" for i in range(95)]
    text = " ".join(words) + "."
    chunks = chunk_document(make_doc(Section(text=text)), max_tokens=10, overlap_tokens=3, count_tokens=count_words)
    assert all(1 <= count_words(c.text) <= 10 for c in chunks)
    seen = [w for c in chunks for w in c.text.split()]
    assert [w.rstrip(".") for w in dict.fromkeys(seen)] == words
    for c in chunks:
        assert text[c.char_start:c.char_end] == c.text
        assert c.char_start == 0 or text[c.char_start - 1] == " "


def test_giant_word_split_by_characters() -> None:
    url = "https://example.org/" + "x" * 500

    def count_chars(text: str) -> int:  # a tokenizer where long words cost many tokens
        return max(1, len(text) // 10)

    chunks = chunk_document(make_doc(Section(text=f"Siehe {url} bitte.")), max_tokens=20, overlap_tokens=0,
                            count_tokens=count_chars)
    assert all(count_chars(c.text) <= 20 for c in chunks)
    assert "".join(c.text for c in chunks).replace(" ", "") == f"Siehe{url}bitte."


def test_no_empty_chunks_from_blank_sections() -> None:
    doc = make_doc(Section(text="   \n "), Section(text="Inhalt."))
    chunks = chunk_document(doc, max_tokens=10, overlap_tokens=2, count_tokens=count_words)
    assert [c.text for c in chunks] == ["Inhalt."]


def test_exact_count_is_enforced_even_if_sum_of_sentences_underestimates() -> None:
    def count_with_joins(text: str) -> int:  # joining costs an extra token per line break
        return len(text.split()) + text.count("\n") * 3

    text = "\n".join(f"Zeile {i} endet hier." for i in range(20))
    chunks = chunk_document(make_doc(Section(text=text)), max_tokens=12, overlap_tokens=4,
                            count_tokens=count_with_joins)
    assert all(count_with_joins(c.text) <= 12 for c in chunks)
    assert all(c.text.strip() for c in chunks)


def test_invalid_budget() -> None:
    with pytest.raises(ValueError):
        chunk_document(make_doc(Section(text="x")), max_tokens=0, overlap_tokens=0, count_tokens=count_words)


# --- properties -------------------------------------------------------------

_WORD = st.sampled_from(["Förderung", "Kommune", "Lausitz", "z. B.", "Abs. 2", "Nr. 3", "90 %", "Revier",
                         "Strukturwandel", "am 16. Juli 2020", "bzw.", "Verein", "SAB", "ca. 5 Mio. Euro"])
_SENTENCE = st.builds(lambda ws, end: " ".join(ws) + end,
                      st.lists(_WORD, min_size=1, max_size=25),
                      st.sampled_from([".", "!", "?"]))
_SECTION_TEXT = st.lists(_SENTENCE, min_size=1, max_size=20).map(
    lambda ss: "".join(s + (" " if i % 4 else "\n\n") for i, s in enumerate(ss)).strip()
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    texts=st.lists(_SECTION_TEXT, min_size=1, max_size=4),
    max_tokens=st.integers(min_value=3, max_value=60),
    overlap=st.integers(min_value=0, max_value=20),
)
def test_property_chunks(texts: list[str], max_tokens: int, overlap: int) -> None:
    sections = [Section(text=t, heading_path=(f"H{i}",), page=i + 1) for i, t in enumerate(texts)]
    doc = make_doc(*sections)
    chunks = chunk_document(doc, max_tokens=max_tokens, overlap_tokens=overlap, count_tokens=count_words)
    by_heading = {s.heading_path: s for s in sections}
    for chunk in chunks:
        assert chunk.text.strip() and chunk.text == chunk.text.strip()
        assert count_words(chunk.text) <= max_tokens
        section = by_heading[chunk.heading_path]
        assert section.text[chunk.char_start:chunk.char_end] == chunk.text
        assert chunk.page == section.page
    for section in sections:
        own = [c.text for c in chunks if c.heading_path == section.heading_path]
        for sentence in split_sentences(section.text):
            if count_words(sentence) <= max_tokens:
                assert any(sentence in text for text in own), sentence
        words_in_chunks = {w for text in own for w in text.split()}
        assert set(section.text.split()) <= words_in_chunks


def test_special_token_overhead_counted_once_per_chunk() -> None:
    def count_with_specials(text: str) -> int:  # like a BERT tokenizer: [CLS] ... [SEP]
        return len(text.split()) + 2

    doc = make_doc(Section(text=" ".join(f"Satz{i} endet." for i in range(40))))
    chunks = chunk_document(doc, max_tokens=22, overlap_tokens=0, count_tokens=count_with_specials)
    assert all(count_with_specials(c.text) <= 22 for c in chunks)
    assert all(count_with_specials(c.text) == 22 for c in chunks[:-1])  # 10 two-word sentences + 2
