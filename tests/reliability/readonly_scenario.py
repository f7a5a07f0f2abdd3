"""Run the API over a knowledge base this process cannot write, and print what every route answered.

    python -m tests.reliability.readonly_scenario   (settings from REVIERLOTSE_* variables)

Used by test_side_channels.py in a child process that runs as an unprivileged user
(root may write anywhere, so a read-only folder is only read-only to someone else).
Prints one JSON object: route → [status, body].
"""

from __future__ import annotations

import json
import sys

from fastapi.testclient import TestClient


def main() -> None:
    from assistant.config import Settings
    from assistant.doors.http.app import create_app
    from assistant.service import Assistant

    settings = Settings(_env_file=None)
    auth = {"Authorization": f"Bearer {settings.admin_token.get_secret_value()}"}
    out: dict[str, list] = {}

    def record(name: str, response) -> dict:  # noqa: ANN001
        out[name] = [response.status_code, response.json()]
        return out[name][1]

    with TestClient(create_app(settings, Assistant(settings))) as client:
        record("search", client.get("/api/search", params={"q": "Förderquote STARK"}))
        answer = record("ask", client.post("/api/ask", json={"question": "Wie hoch ist die Förderquote bei STARK?"}))
        record("feedback", client.post("/api/feedback", json={"answer_id": answer.get("answer_id", "x"), "helpful": True}))
        record("feedback_unknown", client.post("/api/feedback", json={"answer_id": "erfunden", "helpful": True}))
        record("stats", client.get("/api/stats", headers=auth))
        record("delete", client.delete("/api/documents/stark", headers=auth))
        files = {"files": ("neu.md", b"# Neu\n\nText.", "text/markdown")}
        record("upload", client.post("/api/documents", files=files, headers=auth))
        job = record("reindex", client.post("/api/reindex", headers=auth))
        client.app.state.door.jobs.wait_all(120)
        record("job", client.get(f"/api/jobs/{job.get('job_id')}", headers=auth))
        record("health", client.get("/health"))
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
