"""Schemathesis fuzzing of the app's own OpenAPI schema (every operation, admin ones included).

Short run in the normal suite (about 150 calls); the long run is
``REVIERLOTSE_FUZZ_EXAMPLES=1000 pytest tests/reliability/test_api_fuzz.py`` (the value is the
total number of calls, spread evenly over the operations).  Checks: no 5xx, status codes
documented, content types and bodies conform to the schema.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from assistant.doors.http.app import create_app
from assistant.service import Assistant
from tests.conftest import SMALL_CORPUS, settings_for, write_tree

TOKEN = "fuzz-admin-token"
OPERATIONS = 19  # operations in the schema (checked below, so this cannot drift silently)
# Fuzzed source URLs must never leave the machine: only this (unresolvable, never generated) host is allowed,
# so POST /api/sources refuses every generated URL with 422 before any connection is made.
FETCH_ONLY_FROM = ["quellen.fuzz.invalid"]
LONG = "REVIERLOTSE_FUZZ_EXAMPLES" in os.environ
TOTAL_CALLS = int(os.environ.get("REVIERLOTSE_FUZZ_EXAMPLES", "150"))
PER_OPERATION = max(1, -(-TOTAL_CALLS // OPERATIONS))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory, embedder, embedding_cache):
    root = tmp_path_factory.mktemp("fuzz")
    cfg = settings_for(root, embedding_cache, admin_token=TOKEN, rate_limit_per_minute=0, max_upload_mb=1,
                       fetch_allowed_hosts=FETCH_ONLY_FROM)
    write_tree(cfg.corpus_dir, SMALL_CORPUS)
    assistant = Assistant(cfg, embedder)
    assistant.index([cfg.corpus_dir])
    app = create_app(cfg, assistant)
    yield app
    app.state.door.jobs.wait_all(120)


def _without_prefix_items(node):
    """FastAPI writes tuple[str, int] as OpenAPI 3.1 ``prefixItems``; schemathesis 4.32 rejects that
    as an invalid schema, so tuples are checked as arrays of their item types instead."""
    if isinstance(node, list):
        return [_without_prefix_items(x) for x in node]
    if not isinstance(node, dict):
        return node
    node = {k: _without_prefix_items(v) for k, v in node.items()}
    if "prefixItems" in node:
        node["items"] = {"anyOf": node.pop("prefixItems")}
    return node


def test_api_conforms_to_its_schema_and_never_fails(fuzz_app) -> None:
    """Every operation gets PER_OPERATION generated requests (schemathesis' pytest plugin does not
    work with pytest 9 fixtures, so the operations are driven through hypothesis directly)."""
    schema = schemathesis.openapi.from_dict(_without_prefix_items(fuzz_app.openapi()))
    schema.app = fuzz_app  # calls go to the ASGI app in-process
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == OPERATIONS
    statuses: dict[int, int] = {}

    def fuzz(operation, derandomize: bool) -> None:
        @given(case=operation.as_strategy())
        @settings(max_examples=PER_OPERATION, deadline=None, derandomize=derandomize, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {TOKEN}"}
            response = case.call()
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            case.validate_response(response, checks=CHECKS)

        run()

    # The short run is derandomized (the same calls every time); the long run keeps drawing new
    # random rounds until it has made TOTAL_CALLS calls (small operations exhaust their space early).
    for _round in range(1 if not LONG else 20):
        for operation in operations:
            fuzz(operation, derandomize=not LONG)
        if sum(statuses.values()) >= TOTAL_CALLS:
            break
    calls = sum(statuses.values())
    assert calls >= (TOTAL_CALLS if LONG else 100), statuses
    assert not [code for code in statuses if code >= 500], statuses
    print(f"fuzz: {calls} calls, status codes {dict(sorted(statuses.items()))}")


def test_upload_with_too_many_files_uses_a_documented_status(fuzz_app) -> None:
    from fastapi.testclient import TestClient

    files = [("files", (f"f{i}.txt", b"Text", "text/plain")) for i in range(11)]
    with TestClient(fuzz_app) as client:
        response = client.post("/api/documents", files=files, headers={"Authorization": f"Bearer {TOKEN}"})
    documented = fuzz_app.openapi()["paths"]["/api/documents"]["post"]["responses"]
    assert response.status_code < 500
    assert str(response.status_code) in documented, response.status_code
