"""The tuned numbers of search, in one place: defaults from ``fitted.json``, overridable per deployment.

``fitted.json`` is written by ``revierlotse fit`` (and read here); it records how
each value was chosen.  ``Settings`` may override the fusion weight and the candidate
pool (``REVIERLOTSE_DENSE_WEIGHT``, ``REVIERLOTSE_CANDIDATES``).
"""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

FITTED = "fitted.json"


@dataclass(frozen=True)
class SearchParams:
    """Weights and sizes of the search stages; a weight of 0 switches its stage off."""

    dense_weight: float = 0.6  # share of the dense side in the fused score
    candidates: int = 100  # rows taken from each side before fusion
    passages_per_document: int = 3
    description_chars: int = 120  # queries this long with 2+ sentences are project descriptions
    description_sentences: int = 15  # at most this many sentences of a description search alone
    sentence_mix: float = 0.5  # description dense score: (1 - mix) · whole + mix · best sentence
    profile_weight: float = 0.2  # descriptions: match with the documents' zielgruppe and tags
    other_land_penalty: float = 0.2  # fused-score penalty for documents of other Länder
    other_land_penalty_description: float = 0.1
    feedback_passages: int = 5  # pseudo-relevance feedback from this many best passages
    feedback_weight: float = 0.3
    confidence_docs: int = 3  # documents whose sentences the fact coverage reads
    tail_ratio: float = 0.5  # list documents scoring at least this share of the best one (listing.py; 0 = all)
    tail_keep: int = 5  # … but never fewer than this many (the answer engine reads 5)
    confidence_model: dict[str, float] = field(default_factory=dict)  # logistic: bias + weight per signal

    def with_overrides(self, **values: object) -> SearchParams:
        """A copy with the given fields replaced; ``None`` values keep the current one."""
        return dataclasses.replace(self, **{k: v for k, v in values.items() if v is not None})


def packaged_fitted_path() -> Path:
    return Path(str(resources.files("assistant.search") / FITTED))


@functools.cache
def _read(path: str | None) -> dict:
    source = Path(path) if path else packaged_fitted_path()
    return json.loads(source.read_text(encoding="utf-8"))


def fitted_data(path: Path | None = None) -> dict:
    """The whole fitted file (search parameters, sentence model, abstain threshold, provenance)."""
    return _read(str(path) if path else None)


def load_params(path: Path | None = None) -> SearchParams:
    """The fitted search parameters (the packaged file unless ``path`` names another)."""
    known = {f.name for f in dataclasses.fields(SearchParams)}
    return SearchParams(**{k: v for k, v in fitted_data(path).get("params", {}).items() if k in known})
