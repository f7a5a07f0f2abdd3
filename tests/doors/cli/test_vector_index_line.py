"""`revierlotse stats` names the vector index and, for IVF, the recall measured when it was built."""

from __future__ import annotations

import pytest

from assistant.doors.cli.index_cmds import _vector_index_line

pytestmark = pytest.mark.unit


def test_flat_and_ivf_lines() -> None:
    assert _vector_index_line({"kind": "flat"}) == "flat"
    assert _vector_index_line({}) == "unbekannt"
    line = _vector_index_line({"kind": "ivf", "nlist": 1264, "nprobe": 96, "measured_recall": 0.9812})
    assert line == "IVF (1264 Zellen, 96 durchsucht, gemessene Trefferquote (Recall@10) 0,981)"
    assert _vector_index_line({"kind": "ivf", "nlist": 8, "nprobe": 2}) == "IVF (8 Zellen, 2 durchsucht)"
