"""How one vector search of a generation becomes SQL: HNSW, HNSW with a filter, or exact.

A filter is a set of whole documents (``search.filters``; rare callers pass single
rows). Which path it takes is decided here from the exact number of rows it allows,
not left to the planner: estimating ``doc = ANY(…)`` over 40,000 documents cost the
planner hundreds of milliseconds per query at 1M chunks, and a plan cached without
the values picked the wrong path (docs/decisions/0005-postgres-backend.md).

* no filter: the HNSW index; ``hnsw.ef_search`` from the settings, or by the generation's
  size (``auto_ef_search``);
* at most ``EXACT_ROWS`` allowed rows: exact, the btree on ``doc`` (or the primary key
  for rows) finds them and every distance is computed; the ORDER BY is written so the
  HNSW index cannot serve it;
* more: the HNSW index with ``hnsw.iterative_scan = relaxed_order`` (set per session),
  the allowed documents as a bitmap (``get_bit``, no planning cost), sequential scans
  off for the statement, and ``hnsw.ef_search`` widened by the filter's share, since of
  ef candidates only that share survives the filter.

The outer ORDER BY re-sorts by distance: relaxed order may return rows slightly out of order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from psycopg import sql

EXACT_ROWS = 20_000  # up to this many allowed rows a filtered search is exact (cf. FAISS: 50,000)
MAX_EF_SEARCH = 1000  # pgvector's upper limit of hnsw.ef_search
_ALL = 0.95  # a filter allowing this share of rows or more is searched like no filter (then checked)


@dataclass(frozen=True)
class VectorQuery:
    """The statement, its parameters and the settings it runs with (transaction-local)."""

    statement: sql.Composed
    params: dict
    settings: dict[str, str] = field(default_factory=dict)
    path: str = "hnsw"  # "hnsw", "hnsw+filter" or "exact"


def vector_query(
    schema: str,
    queries: np.ndarray,
    k: int,
    allowed_rows: np.ndarray | None,
    *,
    row_doc: np.ndarray,
    doc_rows: np.ndarray,
    ef_search: int,
    session_ef_search: int,
) -> VectorQuery:
    """The SQL for the top-k rows by inner product of each query (rows of ``queries``) among ``allowed_rows``.

    One statement for all queries (a project description searches with one vector per
    sentence): the outer rows feed the index scan through LATERAL. ``ef_search`` is what this
    generation wants, ``session_ef_search`` what the connection has.
    """
    s = sql.Identifier(schema)
    vectors = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, queries.shape[-1])
    params: dict = {"qs": list(vectors), "k": int(k)}
    n_rows = len(row_doc)
    rows = None if allowed_rows is None else _sorted_unique(np.asarray(allowed_rows, dtype=np.int64))
    if rows is None or len(rows) >= _ALL * n_rows:
        where, path = sql.SQL(""), "hnsw"
        settings = {} if ef_search == session_ef_search else {"hnsw.ef_search": str(ef_search)}
        if rows is not None and len(rows) < n_rows:  # nearly everything: HNSW, then drop the few others
            where, path, settings = _bitmap_filter(rows, row_doc, doc_rows, params, len(rows) / n_rows, ef_search)
    elif len(rows) <= EXACT_ROWS:
        column, ids = _ids(rows, row_doc, doc_rows)
        params["ids"] = "{" + ",".join(map(str, ids.tolist())) + "}"  # text: psycopg adapts int lists slowly
        where, path, settings = sql.SQL("WHERE {} = ANY(%(ids)s::int[])").format(sql.Identifier(column)), "exact", {}
    else:
        where, path, settings = _bitmap_filter(rows, row_doc, doc_rows, params, len(rows) / n_rows, ef_search)
    order = sql.SQL("(embedding <#> q.v) + 0" if path == "exact" else "embedding <#> q.v")
    statement = sql.SQL(
        "SELECT q.i, n.row, n.distance FROM unnest(%(qs)s::vector[]) WITH ORDINALITY AS q(v, i)"
        " CROSS JOIN LATERAL (SELECT row, embedding <#> q.v AS distance FROM {s}.vectors {where}"
        " ORDER BY {order} LIMIT %(k)s) n ORDER BY q.i, n.distance, n.row"
    ).format(s=s, where=where, order=order)
    return VectorQuery(statement, params, settings, path)


def auto_ef_search(chunks: int) -> int:
    """hnsw.ef_search for a generation of this size: recall@10 of real questions ≥ 0.97 without a filter.

    Measured with bench/pg_scale.py (m 16, ef_construction 200, e5-shaped vectors): 100 gave
    0.970 at 100,000 chunks and 0.873 at 1,000,000, where 400 gave 0.978.
    """
    return 100 if chunks <= 200_000 else 400


def _ids(rows: np.ndarray, row_doc: np.ndarray, doc_rows: np.ndarray) -> tuple[str, np.ndarray]:
    """("doc", documents) when the rows are whole documents (the btree's column), else ("row", rows)."""
    docs = _sorted_unique(row_doc[rows])  # rows of a document are contiguous: sorted rows give sorted documents
    if int(doc_rows[docs].sum()) == len(rows):
        return "doc", docs
    return "row", rows


def _bitmap_filter(
    rows: np.ndarray, row_doc: np.ndarray, doc_rows: np.ndarray, params: dict, share: float, ef_search: int
) -> tuple[sql.Composable, str, dict[str, str]]:
    column, ids = _ids(rows, row_doc, doc_rows)
    size = len(doc_rows) if column == "doc" else len(row_doc)
    bits = np.zeros(size, dtype=bool)
    bits[ids] = True
    params["bits"] = np.packbits(bits, bitorder="little").tobytes()  # get_bit counts from the right of each byte
    ef = min(MAX_EF_SEARCH, max(ef_search, int(np.ceil(ef_search / max(share, 1e-6)))))
    where = sql.SQL("WHERE get_bit(%(bits)s::bytea, {}) = 1").format(sql.Identifier(column))
    return where, "hnsw+filter", {"hnsw.ef_search": str(ef), "enable_seqscan": "off"}


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique in O(n) for the usual case of sorted input (a filter's rows at 1M chunks: 2 ms, not 30)."""
    if len(values) < 2:
        return values
    steps = values[1:] != values[:-1]
    if np.all(values[1:] >= values[:-1]):
        return values[np.concatenate(([True], steps))]
    return np.unique(values)
