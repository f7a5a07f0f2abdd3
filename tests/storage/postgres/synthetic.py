"""Synthetic generations for the PostgreSQL tests and benchmarks: documents with facets, clustered vectors.

Documents get a Land from a skewed list, so that one Land ("Thüringen") is a selective
filter (about 1 % of documents) and another ("Sachsen") a broad one (about 40 %).
"""

from __future__ import annotations

import numpy as np

from assistant.domain.documents import Chunk, DocumentMetadata
from assistant.storage.records import DocumentRecord
from assistant.storage.store import GenerationContent

LANDS = ["Sachsen"] * 40 + ["Brandenburg"] * 35 + ["Sachsen-Anhalt"] * 24 + ["Thüringen"]
WORDS = ("Förderung Wasserstoff Lausitz Revier Kommune Breitband Kita Strukturwandel Innovation Zuschuss "
         "Antrag Frist Unternehmen Gründung Forschung Energie Speicher Tourismus Schiene Bildung").split()


def clustered_vectors(n: int, dim: int, rng: np.random.Generator, spread: float = 0.35) -> np.ndarray:
    centers = rng.normal(size=(max(16, n // 500), dim)).astype(np.float32)
    out = centers[rng.integers(0, len(centers), n)] + spread * rng.normal(size=(n, dim)).astype(np.float32)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def synthetic_content(n_docs: int, chunks_per_doc: int, dim: int = 384, seed: int = 0,
                      vectors: np.ndarray | None = None) -> GenerationContent:
    rng = np.random.default_rng(seed)
    n = n_docs * chunks_per_doc
    documents, chunks = [], []
    for d in range(n_docs):
        land = LANDS[int(rng.integers(0, len(LANDS)))]
        meta = DocumentMetadata(title=f"Dokument {d}", type="foerderprogramm" if d % 3 else "projekt", land=[land],
                                region=["Lausitz" if d % 2 else "Mitteldeutsches Revier"])
        doc_id = f"doc-{d:07d}"
        documents.append(DocumentRecord(doc_id, f"synthetic/{doc_id}.md", f"Dokument {d}", meta, "0" * 64, "markdown",
                                        [], chunks_per_doc))
        for p in range(chunks_per_doc):
            text = " ".join(rng.choice(WORDS, 12)) + f" Abschnitt {d}-{p}"
            chunks.append(Chunk(f"{doc_id}#{p}", doc_id, p, text, f"Dokument {d}\n{text}"))
    if vectors is None:
        vectors = clustered_vectors(n, dim, rng)
    return GenerationContent(documents, chunks, np.ascontiguousarray(vectors[:n], dtype=np.float32), "synthetic", dim)
