"""PostgreSQL + pgvector probe for the storage backend: HNSW build, filtered recall and
latency, and two ways to keep our own analyzer's tokens for lexical search.

Runs by hand, never in `make test`. Needs psycopg 3, the `pgvector` package and numpy,
which the project's venv does not have yet (bm25s, for the cross-check, it has):

    python3.11 -m venv /tmp/pgvenv
    /tmp/pgvenv/bin/pip install 'psycopg[binary]==3.3.9' pgvector==0.5.1 numpy==2.4.6 bm25s==0.3.16
    /tmp/pgvenv/bin/python bench/pg_setup_probe.py [--url URL] [--rows 20000] [--queries 100]

Without --url it starts a throw-away cluster through tests/pg_server.py (`make pg-install`
first); with --url it uses that database and drops its own `probe_*` tables afterwards.
Synthetic data: 384-d float32 vectors, normalised, in 40 topics x 10 sub-topics (random but
clustered); `land` and `doc_type` are assigned independently of the vectors, so a filter
keeps rows far from the query's cluster (the hard case for a filtered HNSW scan). Filters:
land = 'ST' (5 % of rows) and land = 'ST' AND doc_type = 'bescheid' (~0.3 %). Ground truth
is exact inner product in numpy. Prints medians (and p90) per configuration.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import psycopg
from pgvector.psycopg import register_vector

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DIM = 384
K = 10
K1, B = 1.2, 0.75  # as assistant/lexical.py (bm25s, method "lucene")
LANDS = {"ST": 0.05, "SN": 0.25, "BB": 0.25, "NW": 0.20, "BUND": 0.15, "TH": 0.10}
DOC_TYPES = {"bescheid": 0.06, "richtlinie": 0.30, "merkblatt": 0.30, "faq": 0.19, "projekt": 0.15}
FILTERS = {
    "none (100 %)": "",
    "land (5 %)": "WHERE land = 'ST'",
    "land+type (0.3 %)": "WHERE land = 'ST' AND doc_type = 'bescheid'",
}


def p90(values: list[float]) -> float:
    return float(np.percentile(values, 90))


def fmt_ms(values: list[float]) -> str:
    return f"{statistics.median(values):7.2f} ms (p90 {p90(values):6.2f})"


# --- data -------------------------------------------------------------------------------------

def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def clustered(rng: np.random.Generator, n: int, subtopics: np.ndarray) -> np.ndarray:
    pick = rng.integers(0, len(subtopics), n)
    return unit(subtopics[pick] + rng.normal(0, 0.035, (n, DIM)))


def make_vectors(rng: np.random.Generator, rows: int, queries: int) -> tuple[np.ndarray, np.ndarray]:
    topics = unit(rng.normal(0, 1, (40, DIM)))
    subtopics = unit(np.repeat(topics, 10, axis=0) + rng.normal(0, 0.045, (400, DIM)))
    return clustered(rng, rows, subtopics), clustered(rng, queries, subtopics)


def assign(rng: np.random.Generator, rows: int, shares: dict[str, float]) -> np.ndarray:
    counts = [round(rows * s) for s in shares.values()]
    counts[-1] = rows - sum(counts[:-1])
    return rng.permutation(np.repeat(np.array(list(shares)), counts))


def filter_mask(name: str, land: np.ndarray, doc_type: np.ndarray) -> np.ndarray:
    if name.startswith("none"):
        return np.ones(len(land), dtype=bool)
    if name.startswith("land+type"):
        return (land == "ST") & (doc_type == "bescheid")
    return land == "ST"


def exact_topk(base: np.ndarray, queries: np.ndarray, mask: np.ndarray) -> list[set[int]]:
    ids = np.flatnonzero(mask)
    sims = queries @ base[ids].T
    top = np.argsort(-sims, axis=1)[:, :K]
    return [set(ids[row].tolist()) for row in top]


# --- vectors --------------------------------------------------------------------------------

def load_vectors(conn: psycopg.Connection, base: np.ndarray, land: np.ndarray, doc_type: np.ndarray) -> None:
    conn.execute("DROP TABLE IF EXISTS probe_docs")
    conn.execute(f"CREATE TABLE probe_docs (id int PRIMARY KEY, land text NOT NULL, doc_type text NOT NULL, "
                 f"embedding vector({DIM}) NOT NULL)")
    t0 = time.perf_counter()
    with conn.cursor() as cur, cur.copy("COPY probe_docs (id, land, doc_type, embedding) FROM STDIN WITH (FORMAT BINARY)") as copy:
        copy.set_types(["int4", "text", "text", "vector"])
        for i, vec in enumerate(base):
            copy.write_row((i, str(land[i]), str(doc_type[i]), vec))
    conn.execute("VACUUM ANALYZE probe_docs")
    size = conn.execute("SELECT pg_size_pretty(pg_total_relation_size('probe_docs'))").fetchone()[0]
    print(f"loaded {len(base)} rows with COPY BINARY in {time.perf_counter() - t0:.2f} s; table {size}")


def build_hnsw(conn: psycopg.Connection, m: int, efc: int, workers: int) -> tuple[float, str, list[str]]:
    notices: list[str] = []

    def on_notice(diag: psycopg.errors.Diagnostic) -> None:
        notices.append(diag.message_primary or "")

    conn.add_notice_handler(on_notice)
    conn.execute("DROP INDEX IF EXISTS probe_docs_hnsw")
    conn.execute(f"SET max_parallel_maintenance_workers = {workers}")
    conn.execute("SET client_min_messages = debug1")  # "using N parallel workers" comes at DEBUG1
    t0 = time.perf_counter()
    conn.execute(f"CREATE INDEX probe_docs_hnsw ON probe_docs USING hnsw (embedding vector_ip_ops) "
                 f"WITH (m = {m}, ef_construction = {efc})")
    seconds = time.perf_counter() - t0
    conn.execute("RESET client_min_messages")
    conn.execute("RESET max_parallel_maintenance_workers")
    conn.remove_notice_handler(on_notice)
    size = conn.execute("SELECT pg_size_pretty(pg_relation_size('probe_docs_hnsw'))").fetchone()[0]
    return seconds, size, [n for n in notices if "parallel" in n or "maintenance_work_mem" in n]


def plan_node(conn: psycopg.Connection, where: str, q: np.ndarray) -> str:
    plan = conn.execute(f"EXPLAIN (FORMAT JSON) SELECT id FROM probe_docs {where} ORDER BY embedding <#> %s LIMIT {K}",
                        (q,)).fetchone()[0][0]["Plan"]
    nodes = []
    while plan:
        label = plan["Node Type"] + (f" {plan['Index Name']}" if "Index Name" in plan else "")
        nodes.append(label)
        plan = (plan.get("Plans") or [None])[0]
    return " > ".join(nodes)


def run_queries(conn: psycopg.Connection, where: str, queries: np.ndarray, truth: list[set[int]]) -> tuple[list[float], float, float]:
    sql = f"SELECT id FROM probe_docs {where} ORDER BY embedding <#> %s LIMIT {K}"
    lat, recall, returned = [], [], []
    with conn.cursor() as cur:
        for q, true in zip(queries, truth, strict=True):
            t0 = time.perf_counter()
            ids = [r[0] for r in cur.execute(sql, (q,), prepare=True).fetchall()]
            lat.append((time.perf_counter() - t0) * 1000)
            recall.append(len(true & set(ids)) / len(true))
            returned.append(len(ids))
    return lat, float(np.mean(recall)), float(np.mean(returned))


def vector_part(conn: psycopg.Connection, args: argparse.Namespace, rng: np.random.Generator) -> None:
    base, queries = make_vectors(rng, args.rows, args.queries)
    land, doc_type = assign(rng, args.rows, LANDS), assign(rng, args.rows, DOC_TYPES)
    load_vectors(conn, base, land, doc_type)
    truths = {}
    for name in FILTERS:
        mask = filter_mask(name, land, doc_type)
        truths[name] = exact_topk(base, queries, mask)
        print(f"filter {name:18s}: {mask.sum():6d} rows ({mask.mean() * 100:.2f} %)")

    print("\n## Exact search in PostgreSQL (sequential scan + top-N sort), for reference")
    conn.execute("SET enable_indexscan = off")
    for name, where in FILTERS.items():
        lat, rec, got = run_queries(conn, where, queries, truths[name])
        print(f"exact  {name:18s} {fmt_ms(lat)}  recall@10 {rec:.3f}")
    conn.execute("RESET enable_indexscan")

    settings = [(16, 64), (16, 200)] if not args.quick else [(16, 64)]
    for m, efc in settings:
        print(f"\n## HNSW m={m}, ef_construction={efc} (vector_ip_ops)")
        for workers in ([0, 1, 2] if (m, efc) == (16, 64) else [2]):
            secs = []
            for _ in range(args.build_repeat):
                seconds, size, notes = build_hnsw(conn, m, efc, workers)
                secs.append(seconds)
            print(f"build max_parallel_maintenance_workers={workers}: median {statistics.median(secs):.2f} s "
                  f"(runs {', '.join(f'{s:.2f}' for s in secs)}); index {size}; {'; '.join(notes) or 'serial'}")
        conn.execute("SET enable_seqscan = off")  # measure the HNSW scan, not the planner's fallback
        for name, where in FILTERS.items():
            print(f"plan {name}: {plan_node(conn, where, queries[0])}")
        print(f"{'filter':18s} {'iterative_scan':14s} {'ef':>4s}  {'latency median (p90)':24s} recall@10  rows")
        for name, where in FILTERS.items():
            for mode in ("off", "relaxed_order", "strict_order"):
                for ef in (40, 100, 200):
                    conn.execute(f"SET hnsw.iterative_scan = {mode}")
                    conn.execute(f"SET hnsw.ef_search = {ef}")
                    lat, rec, got = run_queries(conn, where, queries, truths[name])
                    print(f"{name:18s} {mode:14s} {ef:4d}  {fmt_ms(lat):24s} {rec:9.3f}  {got:4.1f}")
        for setting in ("enable_seqscan", "hnsw.iterative_scan", "hnsw.ef_search"):
            conn.execute(f"RESET {setting}")

    print("\n## Planner's own choice with a btree on (land, doc_type), iterative_scan relaxed_order, ef_search 40")
    conn.execute("CREATE INDEX probe_docs_land_type ON probe_docs (land, doc_type)")
    conn.execute("ANALYZE probe_docs")
    conn.execute("SET hnsw.iterative_scan = relaxed_order")
    for name, where in FILTERS.items():
        lat, rec, got = run_queries(conn, where, queries, truths[name])
        print(f"{name:18s} {fmt_ms(lat)}  recall@10 {rec:.3f}  rows {got:4.1f}  plan: {plan_node(conn, where, queries[0])}")
    conn.execute("RESET hnsw.iterative_scan")
    conn.execute("DROP TABLE probe_docs")


# --- lexical --------------------------------------------------------------------------------

def make_corpus(rng: np.random.Generator, rows: int, vocab: int = 30_000) -> list[list[str]]:
    """Zipf-distributed terms (exponent 1.0 over the vocabulary), 40-200 tokens a document."""
    ranks = np.arange(1, vocab + 1)
    p = 1.0 / ranks
    p /= p.sum()
    lengths = rng.integers(40, 200, rows)
    flat = rng.choice(vocab, size=int(lengths.sum()), p=p)
    docs, at = [], 0
    for n in lengths:
        docs.append([f"t{t}" for t in flat[at:at + n]])
        at += n
    return docs


def tsvector_literal(tokens: list[str]) -> str:
    """Our tokens verbatim, with positions (so ts_rank sees term frequencies), as tsvector input."""
    positions: dict[str, list[int]] = {}
    for i, tok in enumerate(tokens[:16383], start=1):  # tsvector positions stop at 16383
        positions.setdefault(tok, []).append(i)
    return " ".join("'" + tok.replace("'", "''") + "':" + ",".join(map(str, pos[:256])) for tok, pos in positions.items())


def python_bm25(tfs: list[Counter[str]], lengths: list[int], df: Counter[str], query: list[str]) -> list[tuple[int, float]]:
    """Plain BM25 (Lucene idf, as bm25s), the reference the SQL must reproduce."""
    n = len(tfs)
    avgdl = sum(lengths) / n
    scores = {}
    for i, tf in enumerate(tfs):
        s = 0.0
        for t in query:
            if t in tf:
                idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
                s += idf * tf[t] / (tf[t] + K1 * (1 - B + B * lengths[i] / avgdl))
        if s:
            scores[i] = s
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:K]


# Float constants typed as float8: a bare 0.5 is numeric in PostgreSQL, and numeric
# arithmetic over thousands of postings costs several times more.
F = "::float8"
BM25_SQL = f"""
WITH q AS MATERIALIZED (
    SELECT t.id, ln(1{F} + (s.n - t.df + 0.5{F}) / (t.df + 0.5{F})) AS idf
    FROM probe_terms t CROSS JOIN probe_corpus s
    WHERE t.term = ANY(%s::text[])
)
SELECT p.doc_id,
       sum(q.idf * p.tf / (p.tf + {K1}{F} * (1{F} - {B}{F} + {B}{F} * p.dl / s.avgdl))) AS score
FROM q
CROSS JOIN probe_corpus s
CROSS JOIN LATERAL (SELECT doc_id, tf, dl FROM probe_postings WHERE term_id = q.id) AS p
GROUP BY p.doc_id
ORDER BY score DESC, p.doc_id
LIMIT {K}
"""

# The same BM25 with each term's postings as one row of arrays (doc ids, tf, dl).
BM25_ARRAY_SQL = f"""
WITH q AS MATERIALIZED (
    SELECT t.id, ln(1{F} + (s.n - t.df + 0.5{F}) / (t.df + 0.5{F})) AS idf
    FROM probe_terms t CROSS JOIN probe_corpus s
    WHERE t.term = ANY(%s::text[])
)
SELECT p.doc_id,
       sum(q.idf * p.tf / (p.tf + {K1}{F} * (1{F} - {B}{F} + {B}{F} * p.dl / s.avgdl))) AS score
FROM q
JOIN probe_term_postings a ON a.term_id = q.id
CROSS JOIN probe_corpus s
CROSS JOIN LATERAL unnest(a.doc_ids, a.tfs, a.dls) AS p(doc_id, tf, dl)
GROUP BY p.doc_id
ORDER BY score DESC, p.doc_id
LIMIT {K}
"""

TSRANK_SQL = f"""
SELECT id, ts_rank(lex, query) AS score
FROM probe_lex, to_tsquery('simple', %s) AS query
WHERE lex @@ query
ORDER BY score DESC, id
LIMIT {K}
"""

# BM25 from the tsvector column alone: GIN finds the candidates, unnest() gives tf.
TSV_BM25_SQL = f"""
WITH q AS (
    SELECT t.term, ln(1{F} + (s.n - t.df + 0.5{F}) / (t.df + 0.5{F})) AS idf
    FROM probe_terms t, probe_corpus s
    WHERE t.term = ANY(%s::text[])
)
SELECT d.id,
       sum(q.idf * cardinality(u.positions)
           / (cardinality(u.positions) + {K1}{F} * (1{F} - {B}{F} + {B}{F} * d.len / s.avgdl))) AS score
FROM probe_lex d
CROSS JOIN LATERAL unnest(d.lex) AS u(lexeme, positions, weights)
JOIN q ON q.term = u.lexeme
CROSS JOIN probe_corpus s
WHERE d.lex @@ to_tsquery('simple', %s)
GROUP BY d.id
ORDER BY score DESC, d.id
LIMIT {K}
"""


LEX_TABLES = ("probe_postings", "probe_term_postings", "probe_terms", "probe_lex", "probe_corpus",
              "probe_corpus_unanalysed")


def lexical_part(conn: psycopg.Connection, args: argparse.Namespace, rng: np.random.Generator) -> None:
    docs = make_corpus(rng, args.rows)
    for table in LEX_TABLES:
        conn.execute(f"DROP TABLE IF EXISTS {table}")
    conn.execute("CREATE TABLE probe_lex (id int PRIMARY KEY, len int NOT NULL, lex tsvector NOT NULL)")
    conn.execute("CREATE TABLE probe_terms (id int PRIMARY KEY, term text NOT NULL UNIQUE, df int NOT NULL)")
    # dl (the document's token count) is copied into each posting: one index-only scan per
    # term then has all BM25 needs, no join to the documents.
    conn.execute("CREATE TABLE probe_postings (term_id int NOT NULL, doc_id int NOT NULL, tf int NOT NULL, "
                 "dl int NOT NULL, PRIMARY KEY (term_id, doc_id) INCLUDE (tf, dl))")
    conn.execute("CREATE TABLE probe_corpus (n int NOT NULL, avgdl float8 NOT NULL)")
    term_ids: dict[str, int] = {}
    df: Counter[str] = Counter()
    t0 = time.perf_counter()
    with conn.cursor() as cur:
        with cur.copy("COPY probe_lex (id, len, lex) FROM STDIN") as copy:
            for i, d in enumerate(docs):
                copy.write_row((i, len(d), tsvector_literal(d)))
        with cur.copy("COPY probe_postings (term_id, doc_id, tf, dl) FROM STDIN") as copy:
            for i, d in enumerate(docs):
                for term, tf in Counter(d).items():
                    tid = term_ids.setdefault(term, len(term_ids))
                    df[term] += 1
                    copy.write_row((tid, i, tf, len(d)))
        with cur.copy("COPY probe_terms (id, term, df) FROM STDIN") as copy:
            for term, tid in term_ids.items():
                copy.write_row((tid, term, df[term]))
    conn.execute("INSERT INTO probe_corpus SELECT count(*), avg(len) FROM probe_lex")
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    conn.execute("CREATE INDEX probe_lex_gin ON probe_lex USING gin (lex)")
    gin_s = time.perf_counter() - t0
    for table in ("probe_lex", "probe_postings", "probe_terms"):
        conn.execute(f"VACUUM ANALYZE {table}")  # also sets the visibility map: index-only scans
    conn.execute("ANALYZE probe_corpus")  # unanalysed, it is guessed at 2,040 rows and every plan is costed x2040
    print(f"\n## Lexical: {len(docs)} documents, {sum(map(len, docs))} tokens, {len(term_ids)} terms, "
          f"{sum(df.values())} postings")

    # Query terms: 10 distinct terms each, drawn by document frequency ** 0.5, so most queries
    # mix a few common terms (long posting lists, the costly part) with rarer ones.
    terms = np.array(list(df))
    weights = np.sqrt(np.array([df[t] for t in terms], dtype=float))
    weights /= weights.sum()
    queries = [list(rng.choice(terms, size=10, replace=False, p=weights)) for _ in range(args.queries)]
    postings_per_query = [sum(df[t] for t in q) for q in queries]
    print(f"query: 10 terms, postings touched median {statistics.median(postings_per_query):.0f} "
          f"(p90 {p90(postings_per_query):.0f})")

    tfs = [Counter(d) for d in docs]
    lengths = [len(d) for d in docs]
    reference = [python_bm25(tfs, lengths, df, q) for q in queries[: args.check]]
    try:
        import bm25s  # the project's lexical engine: same formula? checked on the first queries

        retriever = bm25s.BM25(k1=K1, b=B)
        retriever.index(docs, show_progress=False)
        for q, ref in zip(queries, reference, strict=False):
            sc = retriever.get_scores(q)
            assert abs(float(sc.max()) - ref[0][1]) < 1e-3, (float(sc.max()), ref[0])
        print(f"bm25s {bm25s.__version__} gives the reference's top score on all {len(reference)} checked queries")
    except ImportError:
        print("bm25s not installed: SQL checked against the Python BM25 reference only")

    jit = conn.execute("SHOW jit").fetchone()[0]
    other = "off" if jit == "on" else "on"

    def measure(label: str, sql: str, params: Callable[[list[str]], tuple], jit_setting: str = jit) -> None:
        lat, agree = [], []
        conn.execute(f"SET jit = {jit_setting}")
        with conn.cursor() as cur:
            for i, q in enumerate(queries):
                t0 = time.perf_counter()
                rows = cur.execute(sql, params(q), prepare=True).fetchall()
                lat.append((time.perf_counter() - t0) * 1000)
                if i < len(reference):
                    agree.append(len({r[0] for r in rows} & {d for d, _ in reference[i]}) / K)
                    if "BM25" in label and "not BM25" not in label and rows:
                        assert abs(float(rows[0][1]) - reference[i][0][1]) < 1e-6, (rows[0], reference[i][0])
        conn.execute("RESET jit")
        print(f"{label:50s} {fmt_ms(lat)}  top-10 overlap with BM25 reference {np.mean(agree):.2f}")

    def terms_only(q: list[str]) -> tuple:
        return (q,)

    measure("BM25, postings table in insertion order", BM25_SQL, terms_only)
    # Postings arrive document by document, so one term's rows are spread over the heap; a
    # batch-built index can store them in term order once (CLUSTER), or as one row per term.
    t0 = time.perf_counter()
    conn.execute("CLUSTER probe_postings USING probe_postings_pkey")
    conn.execute("VACUUM ANALYZE probe_postings")
    cluster_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    conn.execute("""CREATE TABLE probe_term_postings AS
                    SELECT term_id, array_agg(doc_id ORDER BY doc_id) AS doc_ids,
                           array_agg(tf ORDER BY doc_id) AS tfs, array_agg(dl ORDER BY doc_id) AS dls
                    FROM probe_postings GROUP BY term_id""")
    conn.execute("ALTER TABLE probe_term_postings ADD PRIMARY KEY (term_id)")
    conn.execute("VACUUM ANALYZE probe_term_postings")
    arrays_s = time.perf_counter() - t0
    measure("BM25, postings table CLUSTERed by term", BM25_SQL, terms_only)
    measure(f"  the same with jit = {other}", f"/*jit {other}*/" + BM25_SQL, terms_only, other)
    # A one-row table is never auto-analysed (autovacuum waits for 50 changed rows): the planner
    # then guesses 2,040 rows, costs the plan past jit_above_cost, and JIT compiles it.
    conn.execute("CREATE TABLE probe_corpus_unanalysed AS SELECT * FROM probe_corpus")
    unanalysed = BM25_SQL.replace("probe_corpus", "probe_corpus_unanalysed")
    measure("  the same, corpus row unanalysed, jit = off", "/*u*/" + unanalysed, terms_only, "off")
    measure("  the same, corpus row unanalysed, jit = on", "/*u jit*/" + unanalysed, terms_only, "on")
    measure("BM25, postings as one row of arrays per term", BM25_ARRAY_SQL, terms_only)
    measure("tsvector + GIN, ts_rank (not BM25)", TSRANK_SQL, lambda q: (" | ".join(q),))
    measure("tsvector + GIN, BM25 via unnest(tsvector)", TSV_BM25_SQL, lambda q: (q, " | ".join(q)))

    sizes = conn.execute("""SELECT pg_size_pretty(pg_total_relation_size('probe_postings')),
                                   pg_size_pretty(pg_total_relation_size('probe_term_postings')),
                                   pg_size_pretty(pg_total_relation_size('probe_terms')),
                                   pg_size_pretty(pg_table_size('probe_lex')),
                                   pg_size_pretty(pg_relation_size('probe_lex_gin'))""").fetchone()
    print(f"build: COPY of tsvectors + postings + terms {load_s:.2f} s; GIN {gin_s:.2f} s; CLUSTER postings "
          f"{cluster_s:.2f} s; postings as arrays {arrays_s:.2f} s")
    print(f"sizes: postings table+index {sizes[0]}, postings as arrays {sizes[1]}, term table {sizes[2]}, "
          f"tsvector column (table) {sizes[3]}, its GIN {sizes[4]}")
    with conn.cursor() as cur:
        plan = "\n".join(r[0] for r in cur.execute("EXPLAIN (ANALYZE) " + BM25_SQL, (queries[0],)).fetchall())
    print("plan of the term-statistics BM25 query (clustered postings):\n" + plan)
    for table in LEX_TABLES:
        conn.execute(f"DROP TABLE {table}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="existing database (default: a throw-away cluster from tests/pg_server.py)")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--build-repeat", type=int, default=3)
    parser.add_argument("--check", type=int, default=20, help="lexical queries checked against a Python BM25")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="one HNSW setting only")
    parser.add_argument("--skip-vectors", action="store_true")
    parser.add_argument("--skip-lexical", action="store_true")
    args = parser.parse_args()

    with contextlib.ExitStack() as stack:
        url = args.url
        if url is None:
            from tests.pg_server import pg_server, postgres_available

            ok, why = postgres_available()
            if not ok:
                sys.exit(f"no PostgreSQL: {why}")
            t0 = time.perf_counter()
            url = stack.enter_context(pg_server(Path("/tmp"), in_ram=False))
            print(f"throw-away cluster up in {time.perf_counter() - t0:.2f} s: {url}")
        conn = stack.enter_context(psycopg.connect(url, autocommit=True))
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        register_vector(conn)
        version = conn.execute("SELECT current_setting('server_version'), extversion FROM pg_extension "
                               "WHERE extname = 'vector'").fetchone()
        print(f"PostgreSQL {version[0]}, pgvector {version[1]}, psycopg {psycopg.__version__}; "
              f"jit {conn.execute('SHOW jit').fetchone()[0]}, "
              f"maintenance_work_mem {conn.execute('SHOW maintenance_work_mem').fetchone()[0]}, "
              f"max_parallel_maintenance_workers {conn.execute('SHOW max_parallel_maintenance_workers').fetchone()[0]}")
        rng = np.random.default_rng(args.seed)
        if not args.skip_vectors:
            vector_part(conn, args, rng)
        if not args.skip_lexical:
            lexical_part(conn, args, rng)


if __name__ == "__main__":
    main()
